/**
 * Socket event names and payloads (contract section 6): one module for the server, the tests and
 * the demo client's JSDoc types. Client → server payloads are typed as clients should send them;
 * the server still treats them as unknown and validates them (src/realtime/payloads.ts).
 */
import type { AuthErrorCode } from '../auth/errors.js'
import type { AuthUser } from '../auth/verifier.js'
import type { Server, Socket } from 'socket.io'

export const LOBBY = 'lobby'
export const userRoom = (userId: string): string => `user:${userId}`
export const tokenRoom = (tokenId: string): string => `token:${tokenId}`

export type EventErrorCode = 'INVALID_PAYLOAD' | 'INVALID_ROOM' | 'FORBIDDEN' | 'NOT_IN_ROOM' | 'RATE_LIMITED' | AuthErrorCode

export interface EventError { code: EventErrorCode, message: string }
export type AckResult<T extends object = object> = ({ ok: true } & T) | { ok: false, error: EventError }
export type Ack<T extends object = object> = (result: AckResult<T>) => void

export interface Sender { id: string, name: string }

export interface MessagePayload { text: string, room?: string }
export interface ChatMessage { id: string, room: string, text: string, sender: Sender, sentAt: string }
export interface Presence { userId: string, name: string, status: 'online' | 'offline' }
export interface Notification { message: string, from: Sender, sentAt: string }
export interface Expiry { expiresAt: string }

export interface ClientToServerEvents {
  message: (payload: MessagePayload, ack?: Ack<{ id: string }>) => void
  joinRoom: (room: string, ack?: Ack<{ room: string }>) => void
  leaveRoom: (room: string, ack?: Ack<{ room: string }>) => void
  'auth:refresh': (token: string, ack?: Ack<Expiry>) => void
}

export interface ServerToClientEvents {
  message: (message: ChatMessage) => void
  roomJoined: (room: string) => void
  presence: (presence: Presence) => void
  notification: (notification: Notification) => void
  'auth:expiring': (expiry: Expiry) => void
  'auth:expired': (expiry: Expiry) => void
}

export interface InterServerEvents {}

export interface SocketData {
  user: AuthUser
}

export type AppServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>
export type AppSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>
