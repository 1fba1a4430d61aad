import { createPublicKey } from 'node:crypto'
import buildGetJwks, { type JWK } from 'get-jwks'
import { AuthError } from './errors.js'

/** The part of a JWT header we look at. `jku`, `x5u`, `jwk` and `x5c` are never read. */
export interface KeyHeader {
  kid?: unknown
  alg?: unknown
}

export interface JwksOptions {
  /** The configured issuer (`https://tenant/`): the only place keys are fetched from. */
  issuer: string
  timeoutMs: number
  cacheTtlMs: number
  /** After a fetch that did not know a `kid` (or failed), unknown kids are refused without a fetch for this long. */
  unknownKidCooldownMs: number
  log: { warn: (obj: object, msg: string) => void, info: (obj: object, msg: string) => void }
  now?: () => number
}

export interface JwksStats {
  /** Requests made to the JWKS endpoint for a key (probes excluded). */
  fetches: number
  failures: number
}

export interface JwksKeys {
  /** PEM of the RS256 key for this header's `kid`, or AuthError(INVALID_TOKEN). */
  keyFor (header: KeyHeader): Promise<string>
  /** Whether tokens can be verified: a key has been loaded, or the endpoint answers with keys now. */
  ready (): Promise<{ ok: boolean, reason?: string }>
  readonly stats: JwksStats
}

const KID = /^[A-Za-z0-9_=+.-]{1,128}$/
const ALG = 'RS256'

/**
 * Keys by `kid` from `<issuer>.well-known/jwks.json`, through get-jwks, with what it leaves to us:
 * the issuer is fixed (never a token's `iss`), `kid` is checked before any fetch, fetches are bounded
 * in time, a miss or a failure starts a cool-down so a flood of unknown kids cannot become a flood
 * of fetches, and the PEM of each key is made once.
 * @see https://github.com/nearform/get-jwks
 */
export function createJwksKeys (options: JwksOptions): JwksKeys {
  const { issuer, timeoutMs, cacheTtlMs, unknownKidCooldownMs, log } = options
  const now = options.now ?? Date.now
  // get-jwks caches each key promise (concurrent first uses share one fetch) and falls back to the
  // last good key ("stale" cache) when a refetch fails.
  const getJwks = buildGetJwks({
    issuersWhitelist: [issuer],
    jwksPath: '.well-known/jwks.json',
    ttl: cacheTtlMs,
    max: 50
  })
  const pems = new WeakMap<JWK, string>()
  // Last good PEM per kid, for when a refetch fails or hangs after get-jwks' own copies expired.
  const lastGood = new Map<string, string>()
  const stats: JwksStats = { fetches: 0, failures: 0 }
  let coolUntil = 0
  let failing = false
  let everLoaded = false
  let probe: { at: number, result: Promise<{ ok: boolean, reason?: string }> } | undefined

  function pemOf (jwk: JWK): string {
    let pem = pems.get(jwk)
    if (pem === undefined) {
      if (jwk.kty !== 'RSA' || jwk.use === 'enc') throw new AuthError('INVALID_TOKEN', `key ${jwk.kid} is not an RSA signing key`)
      pem = createPublicKey({ key: jwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString()
      pems.set(jwk, pem)
    }
    return pem
  }

  function noteFailure (error: unknown, kid: string): void {
    stats.failures++
    coolUntil = now() + unknownKidCooldownMs
    const code = (error as { code?: string }).code
    if (code === 'JWK_NOT_FOUND') return
    if (!failing) {
      failing = true
      log.warn({ jwks: `${issuer}.well-known/jwks.json`, kid, error: (error as Error).message }, 'JWKS fetch failed; known keys keep working, new keys wait')
    }
  }

  async function withTimeout (cacheKey: string, jwk: Promise<JWK>): Promise<JWK> {
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => {
        // A hung fetch must not stay in get-jwks' cache, where every later lookup would wait on it.
        getJwks.cache.delete(cacheKey)
        reject(new Error(`JWKS fetch timed out after ${timeoutMs} ms`))
      }, timeoutMs)
    })
    try {
      return await Promise.race([jwk, timeout])
    } finally {
      clearTimeout(timer)
    }
  }

  async function keyFor (header: KeyHeader): Promise<string> {
    const { kid, alg } = header
    if (alg !== ALG) throw new AuthError('INVALID_TOKEN', `alg ${String(alg)} is not allowed`)
    if (typeof kid !== 'string' || !KID.test(kid)) throw new AuthError('INVALID_TOKEN', 'kid missing or malformed')
    const cacheKey = getJwks.generateCacheKey(ALG, kid, issuer)
    if (getJwks.cache.get(cacheKey) === undefined) {
      if (!lastGood.has(kid) && now() < coolUntil) throw new AuthError('INVALID_TOKEN', `unknown kid ${kid} (JWKS cool-down)`)
      stats.fetches++
    }
    let jwk: JWK
    try {
      jwk = await withTimeout(cacheKey, getJwks.getJwk({ domain: issuer, alg: ALG, kid }))
    } catch (error) {
      noteFailure(error, kid)
      // A key the endpoint no longer lists is gone (rotated out); only an outage falls back.
      if ((error as { code?: string }).code === 'JWK_NOT_FOUND') lastGood.delete(kid)
      const pem = lastGood.get(kid)
      if (pem !== undefined) return pem
      throw new AuthError('INVALID_TOKEN', `no key for kid ${kid}: ${(error as Error).message}`)
    }
    if (failing) {
      failing = false
      log.info({ jwks: `${issuer}.well-known/jwks.json` }, 'JWKS reachable again')
    }
    everLoaded = true
    const pem = pemOf(jwk)
    if (!lastGood.has(kid)) {
      if (lastGood.size >= 50) lastGood.delete(lastGood.keys().next().value ?? '')
      lastGood.set(kid, pem)
    }
    return pem
  }

  async function probeEndpoint (): Promise<{ ok: boolean, reason?: string }> {
    try {
      const response = await fetch(`${issuer}.well-known/jwks.json`, { signal: AbortSignal.timeout(timeoutMs) })
      if (!response.ok) return { ok: false, reason: `JWKS answered ${response.status}` }
      const body = await response.json() as { keys?: unknown }
      if (!Array.isArray(body.keys) || body.keys.length === 0) return { ok: false, reason: 'JWKS has no keys' }
      return { ok: true }
    } catch (error) {
      return { ok: false, reason: `JWKS unreachable: ${(error as Error).message}` }
    }
  }

  async function ready (): Promise<{ ok: boolean, reason?: string }> {
    if (everLoaded) return { ok: true }
    // One probe at a time and at most one per second, however often /ready is asked.
    if (probe === undefined || now() - probe.at > 1000) probe = { at: now(), result: probeEndpoint() }
    return await probe.result
  }

  return { keyFor, ready, stats }
}
