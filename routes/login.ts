import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { createCredentialCheck } from '../src/auth/users.js'
import { ErrorReply, TokenReply } from './schemas.js'

const LoginBody = Type.Object({
  username: Type.String({ minLength: 1, maxLength: 64 }),
  // Bounded before hashing: scrypt of a megabyte is a cheap way to burn our CPU.
  password: Type.String({ minLength: 1, maxLength: 1024 })
}, { additionalProperties: false })

const INVALID_CREDENTIALS = { statusCode: 401, code: 'INVALID_CREDENTIALS', error: 'Unauthorized', message: 'Invalid username or password' } as const

/** POST /login: local mode signs a token for a demo or USERS_FILE user; rate-limited per IP. */
const login: FastifyPluginAsyncTypebox = async (fastify) => {
  const { auth, limits } = fastify.config
  const checkCredentials = auth.mode === 'local' ? createCredentialCheck(auth.users) : undefined

  fastify.post('/login', {
    config: { rateLimit: { max: limits.loginRateLimit.max, timeWindow: limits.loginRateLimit.timeWindowMs } },
    schema: {
      body: LoginBody,
      response: { 200: TokenReply, 400: ErrorReply, 401: ErrorReply }
    }
  }, async (request, reply) => {
    if (checkCredentials === undefined || fastify.issueToken === undefined) {
      return await reply.code(400).send({
        statusCode: 400,
        code: 'USE_AUTH0_LOGIN',
        error: 'Bad Request',
        message: 'This server is in auth0 mode: log in through Auth0 and send its access token as a Bearer token'
      })
    }
    const user = await checkCredentials(request.body.username, request.body.password)
    if (user === undefined) {
      request.log.info({ username: request.body.username }, 'login refused')
      return await reply.code(401).send(INVALID_CREDENTIALS)
    }
    return fastify.issueToken({ id: user.username, name: user.name, permissions: user.permissions })
  })
}

export default login
