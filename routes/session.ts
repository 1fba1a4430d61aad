import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { tokenRoom } from '../src/realtime/events.js'
import { ErrorReply, TokenReply } from './schemas.js'

/**
 * POST /logout: the token is revoked until its `exp` and every socket it authenticated is
 * disconnected. POST /token/refresh (local mode): a still-valid token becomes a fresh one.
 */
const session: FastifyPluginAsyncTypebox = async (fastify) => {
  const { limits } = fastify.config

  fastify.post('/logout', {
    preHandler: fastify.authenticate,
    schema: { response: { 204: Type.Null(), 401: ErrorReply } }
  }, async (request, reply) => {
    const { tokenId, expiresAt } = request.user
    await fastify.revocations.revoke(tokenId, Date.parse(expiresAt))
    fastify.metrics.revocations.inc()
    // This node's sockets at once, even while Redis is down (the Redis adapter acts on its own
    // disconnect request only when Redis echoes it back); then every other node's, through Redis.
    fastify.io.local.in(tokenRoom(tokenId)).disconnectSockets(true)
    fastify.io.in(tokenRoom(tokenId)).disconnectSockets(true)
    return await reply.code(204).send(null)
  })

  fastify.post('/token/refresh', {
    config: { rateLimit: { max: limits.loginRateLimit.max, timeWindow: limits.loginRateLimit.timeWindowMs } },
    preHandler: fastify.authenticate,
    schema: { response: { 200: TokenReply, 400: ErrorReply, 401: ErrorReply } }
  }, async (request, reply) => {
    if (fastify.issueToken === undefined) {
      return await reply.code(400).send({
        statusCode: 400,
        code: 'USE_AUTH0_REFRESH',
        error: 'Bad Request',
        message: 'This server is in auth0 mode: refresh the access token with the Auth0 SDK (getTokenSilently)'
      })
    }
    const { id, name, permissions, tokenId, expiresAt } = request.user
    const fresh = fastify.issueToken({ id, name, permissions })
    await fastify.revocations.revoke(tokenId, Date.parse(expiresAt))
    fastify.metrics.revocations.inc()
    return fresh
  })
}

export default session
