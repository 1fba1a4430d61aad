import { createHash } from 'node:crypto'
import { AuthError } from './errors.js'
import type { RevocationStore } from './revocations.js'

/** Claims we read; anything else in a token is ignored. */
export interface TokenClaims {
  sub?: unknown
  name?: unknown
  nickname?: unknown
  email?: unknown
  permissions?: unknown
  scope?: unknown
  jti?: unknown
  exp?: unknown
  iat?: unknown
}

/** Who a verified token speaks for: `request.user` on HTTP, `socket.data.user` on sockets. */
export interface AuthUser {
  id: string
  name: string
  permissions: readonly string[]
  /** ISO 8601, from `exp`. */
  expiresAt: string
  /** `jti`, or a hash of the token when it has none: what logout revokes. */
  tokenId: string
}

/** Verifies a token's signature and claims and resolves to its claims (fast-jwt via @fastify/jwt). */
export type VerifyJwt = (token: string) => Promise<TokenClaims> | TokenClaims

/** The one verification function of the server. Rejects only with AuthError. */
export type VerifyToken = (token: string | undefined) => Promise<AuthUser>

const MAX_PERMISSIONS = 200

function stringList (value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((p): p is string => typeof p === 'string' && p !== '')
  if (typeof value === 'string') return value.split(' ').filter(p => p !== '')
  return []
}

/** Permissions come from the `permissions` claim (Auth0 RBAC) and from `scope`. */
export function permissionsOf (claims: TokenClaims): string[] {
  return [...new Set([...stringList(claims.permissions), ...stringList(claims.scope)])].slice(0, MAX_PERMISSIONS)
}

export function hashToken (token: string): string {
  return createHash('sha256').update(token).digest('base64url')
}

/** An AuthUser may be shared (the verified-token cache): nobody changes it. */
export function userFromClaims (claims: TokenClaims, token: string): AuthUser {
  const { sub, exp, jti } = claims
  if (typeof sub !== 'string' || sub === '' || sub.length > 256) throw new AuthError('INVALID_TOKEN', 'sub is not a non-empty string')
  if (typeof exp !== 'number' || !Number.isFinite(exp)) throw new AuthError('INVALID_TOKEN', 'exp is not a number')
  const name = [claims.name, claims.nickname, claims.email].find((n): n is string => typeof n === 'string' && n !== '') ?? sub
  return Object.freeze({
    id: sub,
    name: name.slice(0, 100),
    permissions: Object.freeze(permissionsOf(claims)),
    expiresAt: new Date(exp * 1000).toISOString(),
    tokenId: typeof jti === 'string' && jti !== '' && jti.length <= 128 ? jti : hashToken(token)
  })
}

/**
 * Tokens that passed verification lately, by their exact text: a client that reconnects or opens
 * another tab, or calls the API again with the same bearer token, skips the signature and claim
 * checks (for RS256, most of the work). Only verified tokens go in, so nobody can fill it without
 * valid tokens; an entry lasts until `exp` (plus the clock tolerance) or `ttlMs`, whichever comes
 * first, and revocation is still checked at every use. At most `max` entries, oldest out first.
 */
export class VerifiedTokens {
  readonly #entries = new Map<string, { user: AuthUser, until: number }>()
  /**
   * The tokens in the order they went in, as a ring: the slot filled next holds the oldest. (Taking
   * the oldest from the Map itself, `keys().next()`, costs V8 a walk over every entry deleted since
   * the table was last rebuilt: about 10 µs per insert at 10,000 entries.)
   */
  readonly #order: Array<string | undefined> = []
  #next = 0

  constructor (private readonly max: number, private readonly ttlMs: number, private readonly now: () => number = Date.now) {}

  get size (): number {
    return this.#entries.size
  }

  clear (): void {
    this.#entries.clear()
  }

  get (token: string): AuthUser | undefined {
    const entry = this.#entries.get(token)
    if (entry === undefined) return undefined
    if (this.now() <= entry.until) return entry.user
    this.#entries.delete(token)
    return undefined
  }

  /** `validUntil`: the last moment (ms) the token itself would pass, `exp` plus the tolerance. */
  set (token: string, user: AuthUser, validUntil: number): void {
    if (this.max <= 0) return
    const oldest = this.#order[this.#next]
    // A token that left early and came back may be dropped early: a miss, never a wrong answer.
    if (oldest !== undefined) this.#entries.delete(oldest)
    this.#order[this.#next] = token
    this.#next = (this.#next + 1) % this.max
    this.#entries.set(token, { user, until: Math.min(this.now() + this.ttlMs, validUntil) })
  }
}

/** fast-jwt's error codes → the contract's. Everything not "expired" is an invalid token. */
function toAuthError (error: unknown): AuthError {
  if (error instanceof AuthError) return error
  const code = (error as { code?: unknown }).code
  const reason = `${typeof code === 'string' ? code : 'ERROR'}: ${(error as Error).message}`
  return new AuthError(code === 'FAST_JWT_EXPIRED' ? 'TOKEN_EXPIRED' : 'INVALID_TOKEN', reason)
}

export interface VerifierOptions {
  verifyJwt: VerifyJwt
  revocations: RevocationStore
  maxTokenBytes: number
  /**
   * When the revocation store cannot answer (Redis down): `closed` (the default) refuses the token
   * as INVALID_TOKEN, `open` lets it through as not revoked. Decided here, so HTTP and sockets agree.
   */
  revocationFailMode?: 'closed' | 'open'
  /** Told each time fail-open lets a token through unchecked (nothing else would log it). */
  onRevocationCheckSkipped?: (error: unknown) => void
  /** Verified tokens to reuse; none by default. */
  verified?: VerifiedTokens
  /** The leeway the JWT verifier gives `exp`, ms: how long past `exp` a cached token may still pass. */
  clockToleranceMs?: number
}

export function createTokenVerifier (options: VerifierOptions): VerifyToken {
  const { verifyJwt, revocations, maxTokenBytes, revocationFailMode = 'closed', onRevocationCheckSkipped, verified, clockToleranceMs = 0 } = options
  async function isRevoked (tokenId: string): Promise<boolean> {
    try {
      return await revocations.isRevoked(tokenId)
    } catch (error) {
      if (revocationFailMode === 'closed') throw new AuthError('INVALID_TOKEN', `revocation store unavailable: ${(error as Error).message}`)
      onRevocationCheckSkipped?.(error)
      return false
    }
  }

  return async function verifyToken (token) {
    if (token === undefined || token === '') throw new AuthError('NO_TOKEN', 'no token in the request')
    if (token.length > maxTokenBytes) throw new AuthError('INVALID_TOKEN', `token longer than ${maxTokenBytes} bytes`)
    let user = verified?.get(token)
    if (user === undefined) {
      let claims: TokenClaims
      try {
        claims = await verifyJwt(token)
      } catch (error) {
        throw toAuthError(error)
      }
      user = userFromClaims(claims, token)
      verified?.set(token, user, (claims.exp as number) * 1000 + clockToleranceMs)
    }
    if (await isRevoked(user.tokenId)) throw new AuthError('TOKEN_REVOKED', `token ${user.tokenId} was revoked`)
    return user
  }
}
