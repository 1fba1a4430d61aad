import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { userRoom } from '../src/realtime/events.js'
import { ErrorReply } from './schemas.js'

const NotificationBody = Type.Object({
  userId: Type.String({ minLength: 1, maxLength: 256 }),
  message: Type.String({ minLength: 1, maxLength: 2000 })
}, { additionalProperties: false })

/**
 * POST /notifications: an HTTP caller with `notify:send` reaches every socket of a user. The
 * sender is the token's user, checked by the same verifier that guards the sockets.
 */
const notifications: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.post('/notifications', {
    preHandler: [fastify.authenticate, fastify.requirePermission('notify:send')],
    schema: {
      body: NotificationBody,
      response: { 202: Type.Object({ ok: Type.Literal(true) }), 401: ErrorReply, 403: ErrorReply }
    }
  }, async (request, reply) => {
    const { id, name } = request.user
    fastify.io.to(userRoom(request.body.userId)).emit('notification', {
      message: request.body.message,
      from: { id, name },
      sentAt: new Date().toISOString()
    })
    return await reply.code(202).send({ ok: true })
  })
}

export default notifications
