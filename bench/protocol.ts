/**
 * A Socket.IO client reduced to what the bench needs, over `ws` directly, so that the load
 * generator costs less per connection than the server it measures.
 *
 * Engine.IO v4 over WebSocket: the server opens with `0{...}` (open), pings with `2` (we answer
 * `3`), and wraps Socket.IO packets in `4`: `40{auth}` connects the main namespace, the server
 * answers `40{"sid":...}` (connected) or `44{"message":...}` (connect_error); `42[...]` is an event.
 * @see https://socket.io/docs/v4/socket-io-protocol/
 * @see https://socket.io/docs/v4/engine-io-protocol/
 */
import WebSocket from 'ws'

const OPEN = 0x30 // '0'
const PING = 0x32 // '2'
const MESSAGE = 0x34 // '4'
const CONNECT = 0x30 // '0' inside a message
const EVENT = 0x32 // '2'
const CONNECT_ERROR = 0x34 // '4'

export const socketIoUrl = (port: number): string => `ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`

const MESSAGE_EVENT = '["message"'

/** True for a `message` event (`42["message",...]`). */
export function isMessageEvent (frame: Buffer): boolean {
  return frame[0] === MESSAGE && frame[1] === EVENT && frame.toString('latin1', 2, 2 + MESSAGE_EVENT.length) === MESSAGE_EVENT
}

export const messageEvent = (text: string): string => `42${JSON.stringify(['message', { text }])}`

function asBuffer (data: WebSocket.RawData): Buffer {
  if (Buffer.isBuffer(data)) return data
  return Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data)
}

export type Handshake =
  | { ok: true, ws: WebSocket, ms: number }
  | { ok: false, ws: WebSocket | undefined, problem: string }

export interface ConnectOptions {
  /** Called for every Socket.IO event the server sends on this connection, after the handshake. */
  onEvent?: (frame: Buffer) => void
  timeoutMs?: number
}

/**
 * Opens a WebSocket, sends `40{"token":...}` after the open packet, and resolves at the server's
 * answer. The connection stays open (the caller closes it); pings are answered for its lifetime.
 */
export async function handshake (url: string, token: string, { onEvent, timeoutMs = 15_000 }: ConnectOptions = {}): Promise<Handshake> {
  const started = performance.now()
  const ws = new WebSocket(url, { perMessageDeflate: false, skipUTF8Validation: true })
  return await new Promise<Handshake>((resolve) => {
    let settled = false
    const settle = (result: Handshake): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      resolve(result)
    }
    const timer = setTimeout(() => settle({ ok: false, ws, problem: `no answer within ${timeoutMs} ms` }), timeoutMs)
    ws.on('message', (data) => {
      const frame = asBuffer(data)
      const type = frame[0]
      if (type === PING) return ws.send('3')
      if (type === OPEN) return ws.send(`40${JSON.stringify({ token })}`)
      if (type !== MESSAGE) return
      if (frame[1] === CONNECT) return settle({ ok: true, ws, ms: performance.now() - started })
      if (frame[1] === CONNECT_ERROR) return settle({ ok: false, ws, problem: `refused: ${frame.toString('utf8', 2)}` })
      if (frame[1] === EVENT && settled) onEvent?.(frame)
    })
    ws.on('error', (error) => settle({ ok: false, ws: undefined, problem: error.message }))
    ws.on('close', () => settle({ ok: false, ws: undefined, problem: 'closed before the handshake ended' }))
  })
}

/** Closes gracefully (close frame both ways) and resolves once the TCP connection is gone. */
export async function close (ws: WebSocket, timeoutMs = 5000): Promise<void> {
  if (ws.readyState === WebSocket.CLOSED) return
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => ws.terminate(), timeoutMs)
    ws.once('close', () => {
      clearTimeout(timer)
      resolve()
    })
    ws.close()
  })
}
