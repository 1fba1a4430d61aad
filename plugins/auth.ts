import { randomUUID } from 'node:crypto'
import fp from 'fastify-plugin'
import fastifyJwt, { type FastifyJWTOptions, type TokenOrHeader } from '@fastify/jwt'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { AuthError, httpAuthError } from '../src/auth/errors.js'
import { createJwksKeys, type JwksKeys, type KeyHeader } from '../src/auth/jwks.js'
import { createJwtVerify } from '../src/auth/jwt-verify.js'
import { MemoryRevocations, type RevocationStore } from '../src/auth/revocations.js'
import { createTokenVerifier, VerifiedTokens, type AuthUser, type TokenClaims, type VerifyToken } from '../src/auth/verifier.js'
import { bearerToken } from '../src/auth/token-sources.js'
import type { AppConfig, LocalAuthConfig } from '../src/config.js'
import { createRefusalLog, type Refusal } from '../src/observability/refusals.js'

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: TokenClaims
    user: AuthUser
  }
}

export interface IssuedToken {
  token: string
  tokenType: 'Bearer'
  /** Seconds. */
  expiresIn: number
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The one verifier: HTTP preHandler and socket handshake both call it. */
    verifyToken: VerifyToken
    /** preHandler: `Authorization: Bearer` → `request.user`, or 401 with the contract's code. */
    authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<void>
    revocations: RevocationStore
    /** Auth0 mode only. */
    jwks: JwksKeys | undefined
    /** Logs a refused token (HTTP or handshake), rate-limited so a flood cannot fill the disk. */
    logRefusal: (refusal: Refusal) => void
    /** preHandler after `authenticate`: 403 unless the token grants `permission`. */
    requirePermission: (permission: string) => (request: FastifyRequest, reply: FastifyReply) => Promise<void>
    /** Local mode only: signs a token for a user (new `jti`). */
    issueToken: ((user: { id: string, name: string, permissions: readonly string[] }) => IssuedToken) | undefined
  }
}

/** fast-jwt calls the key function with the decoded token; request.jwtVerify with (request, token). */
function headerOf (source: FastifyRequest | { header: KeyHeader }, tokenOrHeader?: TokenOrHeader): KeyHeader {
  if ('header' in source) return source.header
  if (tokenOrHeader === undefined) return {}
  return 'header' in tokenOrHeader ? tokenOrHeader.header : tokenOrHeader
}

function jwtOptions (config: AppConfig, jwks: JwksKeys | undefined): FastifyJWTOptions {
  const clockTolerance = config.limits.clockToleranceSec * 1000 // fast-jwt takes milliseconds
  const { auth } = config
  if (auth.mode === 'local') {
    return {
      secret: auth.secret,
      sign: { algorithm: 'HS256', expiresIn: auth.expiresInSec },
      verify: { algorithms: ['HS256'], requiredClaims: ['exp', 'sub', 'jti'], clockTolerance }
    }
  }
  const keys = jwks as JwksKeys
  return {
    // Verify-only: no private key, so this server can never sign an Auth0-mode token.
    secret: {
      public: async (source: FastifyRequest | { header: KeyHeader }, tokenOrHeader?: TokenOrHeader) => await keys.keyFor(headerOf(source, tokenOrHeader))
    },
    verify: {
      algorithms: ['RS256'],
      allowedIss: auth.issuer,
      allowedAud: auth.audience,
      requiredClaims: ['exp', 'sub', 'iss', 'aud'],
      clockTolerance
    }
  }
}

function tokenIssuer (fastify: { jwt: { sign: (payload: TokenClaims) => string } }, auth: LocalAuthConfig) {
  return (user: { id: string, name: string, permissions: readonly string[] }): IssuedToken => ({
    token: fastify.jwt.sign({ sub: user.id, name: user.name, permissions: [...user.permissions], jti: randomUUID() }),
    tokenType: 'Bearer',
    expiresIn: auth.expiresInSec
  })
}

export default fp(async (fastify) => {
  const { config } = fastify
  const verified = new VerifiedTokens(config.limits.verifiedTokens.max, config.limits.verifiedTokens.ttlMs)
  const jwks = config.auth.mode === 'auth0'
    // A key rotated out must not keep passing from the cache: a changed set empties it.
    ? createJwksKeys({ issuer: config.auth.issuer, ...config.limits.jwks, log: fastify.log, onKeysChanged: () => verified.clear() })
    : undefined
  const jwtConfig = jwtOptions(config, jwks)
  await fastify.register(fastifyJwt, jwtConfig)

  // REDIS_URL set: the store in Redis, so TOKEN_REVOKED holds on every node; else this process's memory.
  const revocations: RevocationStore = fastify.redis?.revocations ?? new MemoryRevocations()
  fastify.addHook('onClose', async () => await revocations.close())

  const verifyToken = createTokenVerifier({
    // @fastify/jwt's options, verified by fast-jwt directly: once per token, not per call or key (see jwt-verify.ts).
    // Not fast-jwt's `cache`: it hashes every token and also keeps refusals (docs/benchmarks.md).
    verifyJwt: createJwtVerify(config.auth.mode === 'local' ? config.auth.secret : async (header) => await (jwks as JwksKeys).keyFor(header), jwtConfig.verify ?? {}),
    revocations,
    maxTokenBytes: config.limits.maxTokenBytes,
    verified,
    clockToleranceMs: jwtConfig.verify?.clockTolerance ?? 0,
    revocationFailMode: config.revocationFailMode,
    onRevocationCheckSkipped: (error) => fastify.log.debug({ error: (error as Error).message }, 'revocation store unavailable: token accepted unchecked (REVOCATION_FAIL_MODE=open)')
  })

  const logRefusal = createRefusalLog(fastify.log)
  fastify.decorate('logRefusal', logRefusal)
  fastify.addReadinessCheck('auth', jwks === undefined ? () => ({ ok: true }) : async () => await jwks.ready())
  fastify.decorate('verifyToken', verifyToken)
  fastify.decorate('revocations', revocations)
  fastify.decorate('jwks', jwks)
  fastify.decorate('issueToken', config.auth.mode === 'local' ? tokenIssuer(fastify, config.auth) : undefined)
  fastify.decorate('requirePermission', (permission: string) => async function requirePermission (request: FastifyRequest, reply: FastifyReply) {
    if (request.user.permissions.includes(permission)) return
    request.log.info({ userId: request.user.id, permission }, 'request refused: permission')
    await reply.code(403).send({ statusCode: 403, code: 'FORBIDDEN', error: 'Forbidden', message: `This needs the permission ${permission}` })
  })
  fastify.decorate('authenticate', async function authenticate (request: FastifyRequest, reply: FastifyReply) {
    try {
      request.user = await verifyToken(bearerToken(request.headers.authorization))
    } catch (error) {
      if (!(error instanceof AuthError)) throw error
      fastify.metrics.unauthorized.inc({ code: error.code })
      logRefusal({ source: 'http', code: error.code, reason: error.reason, address: request.ip })
      await reply.code(401).send(httpAuthError(error))
    }
  })
}, { name: 'auth', fastify: '5.x', dependencies: ['config', 'readiness', 'metrics', 'redis'] })
