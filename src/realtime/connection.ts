import { randomUUID } from 'node:crypto'
import { AuthError } from '../auth/errors.js'
import type { VerifyToken } from '../auth/verifier.js'
import type { Limits } from '../config.js'
import {
  LOBBY, tokenRoom, userRoom,
  type AckResult, type AppServer, type AppSocket, type ChatMessage, type ClientToServerEvents, type EventErrorCode, type Expiry
} from './events.js'
import { ExpiryClock } from './expiry.js'
import { problem, validate } from './payloads.js'
import { TokenBucket } from './rate.js'
import { ROOM_NAME, ROOM_RULE, roomPolicy } from './rooms.js'

type Log = { info: (obj: object, msg: string) => void, warn: (obj: object, msg: string) => void }

export interface RealtimeOptions {
  verifyToken: VerifyToken
  limits: Pick<Limits, 'socketRate' | 'expiringNoticeSec'>
  log: Log
  /** Counters (metrics). */
  observe: { message: () => void, rateLimited: () => void }
  /** Other nodes may hold this user's sockets (the Redis adapter): presence asks the adapter. */
  clustered: boolean
}

const fail = (code: EventErrorCode, message: string): AckResult => ({ ok: false, error: { code, message } })

/**
 * How many sockets a user has besides `except`: this node's count first (free), and only when
 * that is zero and there are other nodes, the adapter's cluster-wide query.
 */
async function otherSocketsOf (io: AppServer, clustered: boolean, userId: string, except: string): Promise<number> {
  const room = userRoom(userId)
  const local = io.of('/').adapter.rooms.get(room)
  const localOthers = local === undefined ? 0 : local.size - (local.has(except) ? 1 : 0)
  if (localOthers > 0 || !clustered) return localOthers
  const all = await io.in(room).fetchSockets()
  return all.filter(s => s.id !== except).length
}

type Handler = (socket: AppSocket, payload: unknown) => AckResult | Promise<AckResult>

/** What happens to an authenticated socket: its rooms, presence, token expiry, then its events. */
export function handleConnections (io: AppServer, { verifyToken, limits, log, observe, clustered }: RealtimeOptions): void {
  // State kept per socket, none of it in closures made per socket: the token bucket (made at the
  // socket's first event) and one clock for every socket's expiry.
  const buckets = new WeakMap<AppSocket, TokenBucket>()
  const expiryOf = (socket: AppSocket): Expiry => ({ expiresAt: socket.data.user.expiresAt })
  const expiry = new ExpiryClock<AppSocket>({
    expiring: (socket) => socket.emit('auth:expiring', expiryOf(socket)),
    expired: (socket) => {
      socket.emit('auth:expired', expiryOf(socket))
      socket.disconnect(true)
    }
  })
  const watchExpiry = (socket: AppSocket): void => {
    expiry.watch(socket, Date.parse(socket.data.user.expiresAt) / 1000, limits.expiringNoticeSec)
  }

  async function announce (socket: AppSocket, status: 'online' | 'offline'): Promise<void> {
    const { id, name } = socket.data.user
    try {
      if (await otherSocketsOf(io, clustered, id, socket.id) === 0) io.to(LOBBY).emit('presence', { userId: id, name, status })
    } catch (error) {
      log.warn({ userId: id, error: (error as Error).message }, 'presence: could not count sockets across nodes')
    }
  }

  // One handler per client event of the contract (the type makes sure none is missing).
  const handlers: Record<keyof ClientToServerEvents, Handler> = {
    message: (socket, payload) => {
      if (!validate.message(payload)) return fail('INVALID_PAYLOAD', problem(validate.message))
      const room = payload.room ?? LOBBY
      if (!ROOM_NAME.test(room)) return fail('INVALID_ROOM', ROOM_RULE)
      if (!socket.rooms.has(room)) return fail('NOT_IN_ROOM', `Join ${room} before sending to it`)
      const { id, name } = socket.data.user
      const message: ChatMessage = { id: randomUUID(), room, text: payload.text, sender: { id, name }, sentAt: new Date().toISOString() }
      io.to(room).emit('message', message)
      observe.message()
      return { ok: true, id: message.id }
    },

    joinRoom: async (socket, room) => {
      if (!validate.room(room)) return fail('INVALID_PAYLOAD', 'joinRoom takes the room name as a string')
      const verdict = roomPolicy(socket.data.user.permissions, room)
      if (!verdict.ok) return fail(verdict.code, verdict.message)
      await socket.join(room)
      socket.emit('roomJoined', room)
      return { ok: true, room }
    },

    leaveRoom: async (socket, room) => {
      if (!validate.room(room)) return fail('INVALID_PAYLOAD', 'leaveRoom takes the room name as a string')
      if (!ROOM_NAME.test(room)) return fail('INVALID_ROOM', ROOM_RULE)
      await socket.leave(room)
      return { ok: true, room }
    },

    'auth:refresh': async (socket, token) => {
      if (!validate.token(token)) return fail('INVALID_PAYLOAD', 'auth:refresh takes the new token as a string')
      let user
      try {
        user = await verifyToken(token.replace(/^Bearer\s+/i, ''))
      } catch (error) {
        if (error instanceof AuthError) return fail(error.code, error.message)
        throw error
      }
      const previous = socket.data.user
      if (user.id !== previous.id) return fail('FORBIDDEN', 'The new token is for another user')
      socket.data.user = user
      if (user.tokenId !== previous.tokenId) {
        await socket.leave(tokenRoom(previous.tokenId))
        await socket.join(tokenRoom(user.tokenId))
      }
      watchExpiry(socket)
      return { ok: true, expiresAt: user.expiresAt }
    }
  }
  const handlerOf = new Map<string, Handler>(Object.entries(handlers))

  function rateAllows (socket: AppSocket): boolean {
    let bucket = buckets.get(socket)
    if (bucket === undefined) buckets.set(socket, bucket = new TokenBucket(limits.socketRate.burst, limits.socketRate.perSecond))
    return bucket.take()
  }

  /**
   * Every client event goes through here: events we do not handle are ignored (as Socket.IO does
   * without a listener), then the rate limit, a handler that never throws into Socket.IO, and the
   * ack when the client asked for one (and only then).
   */
  function onEvent (socket: AppSocket, event: string, args: unknown[]): void {
    const handler = handlerOf.get(event)
    if (handler === undefined) return
    const ack = typeof args.at(-1) === 'function' ? args.pop() as (result: AckResult) => void : undefined
    const reply = (result: AckResult): void => { if (ack !== undefined) ack(result) }
    if (!rateAllows(socket)) {
      observe.rateLimited()
      return reply(fail('RATE_LIMITED', 'Too many events: slow down'))
    }
    Promise.resolve().then(() => handler(socket, args[0])).then(reply, (error: unknown) => {
      log.warn({ event, error: (error as Error).message }, 'socket event failed')
      reply(fail('INVALID_PAYLOAD', 'The event could not be handled'))
    })
  }

  io.on('connection', (socket: AppSocket) => {
    socket.onAny((event: string, ...args: unknown[]) => onEvent(socket, event, args))
    socket.on('disconnect', () => {
      expiry.forget(socket)
      announce(socket, 'offline')
    })
    const { user } = socket.data
    // user:<id> for notifications, token:<jti> so logout finds every socket of a token.
    socket.join([userRoom(user.id), tokenRoom(user.tokenId), LOBBY])
    // This node's count is taken synchronously, so of two tabs connecting here at once one announces.
    announce(socket, 'online')
    watchExpiry(socket)
  })
}
