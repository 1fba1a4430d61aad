import { createVerifier, type VerifierOptions } from 'fast-jwt'
import { AuthError } from './errors.js'
import type { KeyHeader } from './jwks.js'
import type { TokenClaims, VerifyJwt } from './verifier.js'

/** What every token must satisfy, whichever key signed it (the verify options given to @fastify/jwt). */
export type KeylessVerifyOptions = Omit<Partial<VerifierOptions>, 'key' | 'complete' | 'maxAge'>

/** Chooses the key for a token from its header (auth0 mode: `kid`, from the JWKS). */
export type KeyLookup = (header: KeyHeader) => Promise<string>

/** Verifiers kept, one per key: a tenant publishes two or three keys at a time. */
const MAX_VERIFIERS = 50

/** The token's header, only to choose its key: the verifier decodes and checks the whole token. */
function headerOf (token: string): KeyHeader {
  const dot = token.indexOf('.')
  if (dot > 0) {
    try {
      const header: unknown = JSON.parse(Buffer.from(token.slice(0, dot), 'base64url').toString('utf8'))
      if (typeof header === 'object' && header !== null && !Array.isArray(header)) return header as KeyHeader
    } catch {}
  }
  throw new AuthError('INVALID_TOKEN', 'malformed token header')
}

/**
 * fast-jwt verification, with the key made into a KeyObject once, not per token:
 * - a static key (local mode's secret): one verifier. @fastify/jwt's `verify()` would merge its
 *   options again at every call, for the same verifier in the end.
 * - a key lookup (auth0 mode): one verifier per key. fast-jwt's own way to choose a key per token,
 *   a `key` function (what @fastify/jwt makes of `secret.public`), turns the PEM into a KeyObject
 *   at every verification, which costs several times the RS256 verification itself
 *   (docs/benchmarks.md). The lookup refuses an algorithm or `kid` it does not know before any
 *   verifier is made.
 * @see https://github.com/nearform/fast-jwt#createverifier
 */
export function createJwtVerify (key: string | KeyLookup, options: KeylessVerifyOptions): VerifyJwt {
  const verifierOptions = { ...options, complete: false }
  if (typeof key === 'string') return createVerifier<TokenClaims>({ ...verifierOptions, key })
  const verifiers = new Map<string, (token: string) => TokenClaims>()
  return async function verifyJwt (token) {
    const pem = await key(headerOf(token))
    let verify = verifiers.get(pem)
    if (verify === undefined) {
      // Keys rotated out are never asked for again (the lookup refuses their kid): start afresh.
      if (verifiers.size >= MAX_VERIFIERS) verifiers.clear()
      verify = createVerifier<TokenClaims>({ ...verifierOptions, key: pem })
      verifiers.set(pem, verify)
    }
    return verify(token)
  }
}
