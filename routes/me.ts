import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'
import { ErrorReply } from './schemas.js'

const Me = Type.Object({
  id: Type.String(),
  name: Type.String(),
  permissions: Type.Array(Type.String()),
  expiresAt: Type.String({ format: 'date-time' })
})

/** GET /me: who the Bearer token speaks for. */
const me: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get('/me', {
    preHandler: fastify.authenticate,
    schema: { response: { 200: Me, 401: ErrorReply } }
  }, async (request) => ({ ...request.user, permissions: [...request.user.permissions] }))
}

export default me
