/**
 * The ceiling: plain Socket.IO 4 on node:http, no authentication, with the Socket.IO options this
 * server uses (same packages from node_modules, same limits from src/config.ts). Every socket joins
 * `lobby`, and `message` is broadcast there as this server does it (an id, the room, a sender and
 * a timestamp), so that fan-out compares like with like.
 *
 * With BENCH_WITH_APP=1 (the `bare+app` target) the process first builds this server's Fastify app
 * (local mode, never listening: no connection reaches it) and keeps it: the same Socket.IO server in
 * a process that also holds the app, to tell the cost of that process apart from the cost of
 * authentication.
 */
import { randomBytes, randomUUID } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Server } from 'socket.io'
import { defaultLimits } from '../src/config.js'
import { serveBench } from './server-ipc.js'

const LOBBY = 'lobby'

const textOf = (payload: unknown): string => {
  const text = typeof payload === 'object' && payload !== null ? (payload as { text?: unknown }).text : undefined
  return typeof text === 'string' ? text : ''
}

async function buildIdleApp (): Promise<unknown> {
  // Imported only here, so that plain `bare` never loads the app's modules.
  const { buildApp } = await import('../src/app.js')
  const { loadConfig } = await import('../src/config.js')
  const app = await buildApp(loadConfig({ LOG_LEVEL: 'silent', AUTH_MODE: 'local', JWT_SECRET: randomBytes(32).toString('base64url'), PORT: '0' }))
  await app.ready()
  return app
}
/** Held for the life of the process. */
export const idleApp = process.env.BENCH_WITH_APP === '1' ? await buildIdleApp() : undefined

const httpServer = createServer()
const io = new Server(httpServer, {
  serveClient: true,
  maxHttpBufferSize: defaultLimits.maxPacketBytes,
  connectTimeout: defaultLimits.connectTimeoutMs
})

io.on('connection', (socket) => {
  socket.join(LOBBY)
  socket.on('message', (payload: unknown, ack: unknown) => {
    const message = { id: randomUUID(), room: LOBBY, text: textOf(payload), sender: { id: socket.id, name: 'anonymous' }, sentAt: new Date().toISOString() }
    io.to(LOBBY).emit('message', message)
    if (typeof ack === 'function') ack({ ok: true, id: message.id })
  })
})

await new Promise<void>(resolve => httpServer.listen(0, '127.0.0.1', resolve))

serveBench({
  port: (httpServer.address() as AddressInfo).port,
  sockets: () => io.engine.clientsCount,
  close: async () => { await io.close() }
})
