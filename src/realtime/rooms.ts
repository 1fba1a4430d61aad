import type { EventErrorCode } from './events.js'

/** Room names clients may use: `^[A-Za-z0-9_-]{1,64}$` (so never `user:…` or `token:…`). */
export const ROOM_NAME = /^[A-Za-z0-9_-]{1,64}$/
export const ROOM_RULE = 'Room names are 1-64 letters, digits, _ or -'

export type RoomVerdict = { ok: true } | { ok: false, code: EventErrorCode, message: string }

/**
 * Who may join what. `user:*` (and our other `prefix:` rooms) never; `private-*` with the
 * permission `join:<room>` or `join:*`; any other well-formed name, anyone.
 */
export function roomPolicy (permissions: readonly string[], room: string): RoomVerdict {
  if (/^(user|token):/.test(room)) return { ok: false, code: 'FORBIDDEN', message: `${room.split(':')[0] ?? ''}: rooms cannot be joined` }
  if (!ROOM_NAME.test(room)) return { ok: false, code: 'INVALID_ROOM', message: ROOM_RULE }
  if (room.startsWith('private-') && !permissions.includes(`join:${room}`) && !permissions.includes('join:*')) {
    return { ok: false, code: 'FORBIDDEN', message: `Joining ${room} needs the permission join:${room}` }
  }
  return { ok: true }
}
