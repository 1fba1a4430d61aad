import { Ajv } from 'ajv'
import { Type } from 'typebox'

/**
 * Schemas of what clients send, compiled once at start. Unknown fields in a message (a `sender`,
 * say) are allowed and ignored: the server builds what it broadcasts from its own values.
 */
/** Any string here; the naming rule is the room policy's (src/realtime/rooms.ts), with its own error code. */
export const RoomName = Type.String({ maxLength: 256 })
export const MessageSchema = Type.Object({
  text: Type.String({ minLength: 1, maxLength: 2000 }),
  room: Type.Optional(Type.String({ minLength: 1, maxLength: 64 }))
})
export const TokenSchema = Type.String({ minLength: 1, maxLength: 8192 })

const ajv = new Ajv({ allErrors: false, coerceTypes: false, useDefaults: false, strict: false })

export const validate = {
  message: ajv.compile<{ text: string, room?: string }>(MessageSchema),
  room: ajv.compile<string>(RoomName),
  token: ajv.compile<string>(TokenSchema)
}

/** The first problem, in words, for an INVALID_PAYLOAD ack. */
export function problem (validator: { errors?: Array<{ instancePath: string, message?: string }> | null }): string {
  const error = validator.errors?.[0]
  if (error === undefined) return 'Invalid payload'
  return `${error.instancePath === '' ? 'payload' : error.instancePath.slice(1)} ${error.message ?? 'is invalid'}`
}
