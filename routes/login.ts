import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { createPasswordExchange } from '../src/auth/auth0-login.js'
import { createCredentialCheck } from '../src/auth/users.js'
import { ErrorReply, TokenReply } from './schemas.js'

const LoginBody = Type.Object({
  username: Type.String({ minLength: 1, maxLength: 64 }),
  // Bounded before hashing: scrypt of a megabyte is a cheap way to burn our CPU.
  password: Type.String({ minLength: 1, maxLength: 1024 })
}, { additionalProperties: false })

const INVALID_CREDENTIALS = { statusCode: 401, code: 'INVALID_CREDENTIALS', error: 'Unauthorized', message: 'Invalid username or password' } as const
const USE_AUTH0_LOGIN = {
  statusCode: 400,
  code: 'USE_AUTH0_LOGIN',
  error: 'Bad Request',
  message: 'This server is in auth0 mode: log in through Auth0 and send its access token as a Bearer token'
} as const
const AUTH0_UNAVAILABLE = {
  statusCode: 502,
  code: 'AUTH0_UNAVAILABLE',
  error: 'Bad Gateway',
  message: 'The Auth0 tenant did not answer the login request; try again later'
} as const

/**
 * POST /login, rate-limited per IP. Local mode signs a token for a demo or USERS_FILE user; auth0
 * mode with client credentials exchanges username and password at the tenant (src/auth/auth0-login.ts).
 */
const login: FastifyPluginAsyncTypebox = async (fastify) => {
  const { auth, limits } = fastify.config
  const checkCredentials = auth.mode === 'local' ? createCredentialCheck(auth.users) : undefined
  const exchange = auth.mode === 'auth0' && auth.clientId !== undefined && auth.clientSecret !== undefined
    ? createPasswordExchange({ issuer: auth.issuer, audience: auth.audience, clientId: auth.clientId, clientSecret: auth.clientSecret, timeoutMs: limits.jwks.timeoutMs })
    : undefined

  fastify.post('/login', {
    config: { rateLimit: { max: limits.loginRateLimit.max, timeWindow: limits.loginRateLimit.timeWindowMs } },
    schema: {
      body: LoginBody,
      response: { 200: TokenReply, 400: ErrorReply, 401: ErrorReply, 502: ErrorReply }
    }
  }, async (request, reply) => {
    const { username, password } = request.body
    if (exchange !== undefined) {
      const result = await exchange({ username, password, clientIp: request.ip })
      if (result.ok) return result.token
      if (result.failure === 'unavailable') {
        request.log.warn({ username, auth0: result.detail }, 'login failed: Auth0 token endpoint unavailable')
        return await reply.code(502).send(AUTH0_UNAVAILABLE)
      }
      // Auth0's answer goes to the log only; the client gets the same 401 as for a wrong password.
      if (result.setup) request.log.warn({ username, auth0: result.detail }, 'login refused by Auth0: check the application (client secret, Password grant, audience, connection)')
      else request.log.info({ username, auth0: result.detail }, 'login refused')
      return await reply.code(401).send(INVALID_CREDENTIALS)
    }
    if (checkCredentials === undefined || fastify.issueToken === undefined) return await reply.code(400).send(USE_AUTH0_LOGIN)
    const user = await checkCredentials(username, password)
    if (user === undefined) {
      request.log.info({ username }, 'login refused')
      return await reply.code(401).send(INVALID_CREDENTIALS)
    }
    return fastify.issueToken({ id: user.username, name: user.name, permissions: user.permissions })
  })
}

export default login
