import { Type } from 'typebox'

/** Bodies of errors the routes send themselves (validation errors are Fastify's own 400s). */
export const ErrorReply = Type.Object({
  statusCode: Type.Integer(),
  code: Type.String(),
  error: Type.String(),
  message: Type.String()
})

export const TokenReply = Type.Object({
  token: Type.String(),
  tokenType: Type.Literal('Bearer'),
  expiresIn: Type.Integer({ description: 'seconds' })
})
