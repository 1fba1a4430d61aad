import { createPublicKey, type JsonWebKey } from 'node:crypto'
import { AuthError } from './errors.js'

/** The part of a JWT header we look at. `jku`, `x5u`, `jwk` and `x5c` are never read. */
export interface KeyHeader {
  kid?: unknown
  alg?: unknown
}

export interface JwksOptions {
  /** The configured issuer (`https://tenant/`): the only place keys are fetched from. */
  issuer: string
  /** Bound on one JWKS request, body included. */
  timeoutMs: number
  /** How long a fetched set is used before a request for one of its keys asks the endpoint again. */
  cacheTtlMs: number
  /** After a JWKS request that failed or did not list the `kid` asked for, unknown kids are refused without another request for this long. */
  unknownKidCooldownMs: number
  log: { warn: (obj: object, msg: string) => void, info: (obj: object, msg: string) => void }
  /** Told when a refetch finds keys added or removed (the verified-token cache starts afresh). */
  onKeysChanged?: () => void
  now?: () => number
}

export interface JwksStats {
  /** Requests made to the JWKS endpoint (readiness probes before the first load included). */
  fetches: number
  /** Of those, the ones that failed: error status, timeout, unreachable, not a usable JWKS. */
  failures: number
}

export interface JwksKeys {
  /** PEM of the RS256 key for this header's `kid`, or AuthError(INVALID_TOKEN). */
  keyFor (header: KeyHeader): Promise<string>
  /** Whether tokens can be verified: keys have been loaded once, or the endpoint serves keys now. */
  ready (): Promise<{ ok: boolean, reason?: string }>
  readonly stats: JwksStats
}

const KID = /^[A-Za-z0-9_=+.-]{1,128}$/
const ALG = 'RS256'
/** A tenant publishes two or three keys; more than this in a set is ignored. */
const MAX_KEYS = 50
const MIN_RSA_BITS = 2048
/** `/ready` asks the endpoint at most this often before keys were ever loaded. */
const PROBE_INTERVAL_MS = 1000

const messageOf = (error: unknown): string => {
  if (!(error instanceof Error)) return String(error)
  const cause = (error as { cause?: { message?: unknown } }).cause?.message
  return typeof cause === 'string' ? `${error.message}: ${cause}` : error.message
}

/** The RS256 signing keys of a JWKS document, as PEM by `kid`. Throws when there is none. */
function parseJwks (body: unknown): Map<string, string> {
  const keys = (body as { keys?: unknown } | null)?.keys
  if (!Array.isArray(keys)) throw new Error('JWKS is not a key set (no "keys" array)')
  const pems = new Map<string, string>()
  for (const key of keys.slice(0, MAX_KEYS) as Array<Record<string, unknown>>) {
    if (typeof key !== 'object' || key === null) continue
    const { kid, kty, use, alg } = key
    if (typeof kid !== 'string' || !KID.test(kid) || pems.has(kid)) continue
    if (kty !== 'RSA' || (use !== undefined && use !== 'sig') || (alg !== undefined && alg !== ALG)) continue
    try {
      const publicKey = createPublicKey({ key: key as JsonWebKey, format: 'jwk' })
      // RFC 7518 3.3: RS256 keys are at least 2048 bits.
      if ((publicKey.asymmetricKeyDetails?.modulusLength ?? 0) < MIN_RSA_BITS) continue
      pems.set(kid, publicKey.export({ type: 'spki', format: 'pem' }).toString())
    } catch {
      // A malformed key is skipped; the others still serve.
    }
  }
  if (pems.size === 0) throw new Error('JWKS has no RS256 signing keys')
  return pems
}

/**
 * The issuer's signing keys, by `kid`, from `<issuer>.well-known/jwks.json` and nowhere else.
 *
 * - The whole set is fetched at once and kept for `cacheTtlMs`: every `kid` it lists is known
 *   without another request (a rotation published in advance costs nothing), and concurrent first
 *   uses of a new `kid` share the one request in flight.
 * - A `kid` that is not in the set triggers a refetch; if the new set does not list it either (or
 *   the request fails), unknown kids are refused at once for `unknownKidCooldownMs`: a flood of
 *   random kids costs one request per cool-down, and since each request brings the whole set, the
 *   flood cannot keep a newly published key out for longer than that.
 * - When the set is due again and the endpoint fails, times out (each request is bounded by
 *   `timeoutMs`, body included) or answers garbage, the keys we have keep working and the next try
 *   waits for the cool-down. A key that a successful refetch no longer lists is refused.
 * - Redirects are refused; `alg` and `kid` are checked before anything is fetched.
 * - The log says when the endpoint starts failing and when it answers again, not per request.
 *
 * get-jwks is not used for this: it fetches per `kid` and drops the rest of the set, so any bound on
 * fetches for unknown kids would let a flood shut out a legitimately rotated key; it keeps no copy
 * past its TTL during an outage; and its `timeout` option does not bound a hanging endpoint.
 * @see https://datatracker.ietf.org/doc/html/rfc7517#section-5 (JWK Set)
 */
export function createJwksKeys (options: JwksOptions): JwksKeys {
  const { issuer, timeoutMs, cacheTtlMs, unknownKidCooldownMs, log } = options
  const now = options.now ?? Date.now
  const jwksUrl = `${issuer}.well-known/jwks.json`
  const stats: JwksStats = { fetches: 0, failures: 0 }
  let keys = new Map<string, string>()
  /** When the current set was fetched; undefined until the first success. */
  let loadedAt: number | undefined
  let coolUntil = 0
  let inFlight: Promise<void> | undefined
  let failing = false
  let lastFailure = ''
  let lastProbe = Number.NEGATIVE_INFINITY

  const cooling = (): boolean => now() < coolUntil
  const due = (): boolean => loadedAt === undefined || now() - loadedAt >= cacheTtlMs

  function replaceKeys (next: Map<string, string>): void {
    const added = [...next.keys()].filter(kid => !keys.has(kid))
    const removed = [...keys.keys()].filter(kid => !next.has(kid))
    if (loadedAt !== undefined && (added.length > 0 || removed.length > 0)) {
      log.info({ jwks: jwksUrl, added, removed }, 'JWKS keys changed')
      options.onKeysChanged?.()
    }
    keys = next
    loadedAt = now()
  }

  async function request (): Promise<Map<string, string>> {
    stats.fetches++
    const response = await fetch(jwksUrl, { redirect: 'error', headers: { accept: 'application/json' }, signal: AbortSignal.timeout(timeoutMs) })
    if (!response.ok) {
      await response.body?.cancel()
      throw new Error(`JWKS answered ${response.status}`)
    }
    return parseJwks(await response.json())
  }

  /**
   * One JWKS request, shared by everyone who asks while it is in flight. A probe's failure does
   * not start the cool-down, so `/ready` polling never delays the first tokens.
   */
  async function load ({ coolDown }: { coolDown: boolean }): Promise<void> {
    inFlight ??= (async () => {
      try {
        replaceKeys(await request())
      } catch (error) {
        stats.failures++
        lastFailure = error instanceof Error && error.name === 'TimeoutError' ? `JWKS did not answer within ${timeoutMs} ms` : messageOf(error)
        if (coolDown) coolUntil = now() + unknownKidCooldownMs
        if (!failing) {
          failing = true
          log.warn({ jwks: jwksUrl, error: lastFailure }, 'JWKS fetch failed; known keys keep working, unknown kids are refused until it answers')
        }
        throw new Error(lastFailure)
      }
      if (failing) {
        failing = false
        log.info({ jwks: jwksUrl }, 'JWKS reachable again')
      }
    })().finally(() => { inFlight = undefined })
    await inFlight
  }

  async function keyFor (header: KeyHeader): Promise<string> {
    const { kid, alg } = header
    if (alg !== ALG) throw new AuthError('INVALID_TOKEN', `alg ${String(alg)} is not allowed`)
    if (typeof kid !== 'string' || !KID.test(kid)) throw new AuthError('INVALID_TOKEN', 'kid missing or malformed')
    const known = keys.get(kid)
    if (known !== undefined) {
      // Fresh, or due but being refetched or just failed: the key we have answers.
      if (!due() || inFlight !== undefined || cooling()) return known
      try {
        await load({ coolDown: true })
      } catch {
        return known
      }
      const current = keys.get(kid)
      if (current === undefined) throw new AuthError('INVALID_TOKEN', `kid ${kid} is no longer in the JWKS (rotated out)`)
      return current
    }
    if (inFlight === undefined && cooling()) throw new AuthError('INVALID_TOKEN', `unknown kid ${kid} (JWKS cool-down, no request)`)
    try {
      await load({ coolDown: true })
    } catch (error) {
      throw new AuthError('INVALID_TOKEN', `no key for kid ${kid}: ${messageOf(error)}`)
    }
    const pem = keys.get(kid)
    if (pem === undefined) {
      coolUntil = now() + unknownKidCooldownMs
      throw new AuthError('INVALID_TOKEN', `unknown kid ${kid}: not in the JWKS`)
    }
    return pem
  }

  async function ready (): Promise<{ ok: boolean, reason?: string }> {
    if (loadedAt !== undefined) return { ok: true }
    // Before the first load: at most one request per second, however often /ready is asked.
    if (inFlight === undefined && now() - lastProbe >= PROBE_INTERVAL_MS) {
      lastProbe = now()
      await load({ coolDown: false }).catch(() => undefined)
    } else {
      await inFlight?.catch(() => undefined)
    }
    return loadedAt !== undefined ? { ok: true } : { ok: false, reason: lastFailure === '' ? 'JWKS not loaded yet' : lastFailure }
  }

  return { keyFor, ready, stats }
}
