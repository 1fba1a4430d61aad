import { createHmac } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import { io as connectClient, type Socket as ClientSocket, type ManagerOptions, type SocketOptions } from 'socket.io-client'
import { buildApp } from '../src/app.js'
import { AuthError } from '../src/auth/errors.js'
import { loadConfig, type Limits } from '../src/config.js'
import type { ClientToServerEvents, ServerToClientEvents } from '../src/realtime/events.js'

export const TEST_SECRET = 'test-secret-0123456789-abcdefghijklmnop'

interface Teardown { teardown: (fn: () => unknown) => void }

/** The app with an explicit test configuration (never process.env), ready, closed after the test. */
export async function build (t: Teardown, env: Record<string, string> = {}, limits: Partial<Limits> = {}): Promise<FastifyInstance> {
  const config = loadConfig({ LOG_LEVEL: 'silent', JWT_SECRET: TEST_SECRET, ...env }, limits)
  const app = await buildApp(config)
  t.teardown(async () => await app.close())
  await app.ready()
  return app
}

/** Listens on a free port of 127.0.0.1 and returns the base URL. */
export async function listen (app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' })
  return `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
}

export type TestSocket = ClientSocket<ServerToClientEvents, ClientToServerEvents>

/** A socket.io-client socket (websocket only, no reconnection), closed after the test. */
export function client (t: Teardown, url: string, options: Partial<ManagerOptions & SocketOptions> = {}): TestSocket {
  const socket: TestSocket = connectClient(url, { transports: ['websocket'], reconnection: false, forceNew: true, ...options })
  t.teardown(() => socket.disconnect())
  return socket
}

export type HandshakeResult = { connected: true } | { connected: false, message: string, data: unknown }

/** Waits for the first `connect` or `connect_error`. */
export async function handshake (socket: TestSocket): Promise<HandshakeResult> {
  return await new Promise((resolve) => {
    socket.once('connect', () => resolve({ connected: true }))
    socket.once('connect_error', (error: Error & { data?: unknown }) => resolve({ connected: false, message: error.message, data: error.data }))
  })
}

/** Resolves with the next `event` from a client socket. */
export async function next<E extends keyof ServerToClientEvents> (socket: TestSocket, event: E): Promise<Parameters<ServerToClientEvents[E]>[0]> {
  return await new Promise((resolve) => {
    socket.once(event, ((value: Parameters<ServerToClientEvents[E]>[0]) => resolve(value)) as never)
  })
}

export async function connected (t: Teardown, url: string, token: string): Promise<TestSocket> {
  const socket = client(t, url, { auth: { token } })
  const result = await handshake(socket)
  if (!result.connected) throw new Error(`handshake refused: ${result.message}`)
  return socket
}

export async function login (app: FastifyInstance, username = 'alice', password = username === 'alice' ? 'wonderland' : 'builder'): Promise<string> {
  const response = await app.inject({ method: 'POST', url: '/login', payload: { username, password } })
  if (response.statusCode !== 200) throw new Error(`login failed: ${response.body}`)
  return response.json<{ token: string }>().token
}

const b64 = (value: object | string): string => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url')

/** Any HS256 (or unsigned) token, built by hand so tests can make the ones a library refuses to. */
export function signHs256 (payload: object, { secret = TEST_SECRET, header = {}, alg = 'HS256' }: { secret?: string | Buffer, header?: object, alg?: 'HS256' | 'HS512' } = {}): string {
  const input = `${b64({ alg, typ: 'JWT', ...header })}.${b64(payload)}`
  return `${input}.${createHmac(alg === 'HS256' ? 'sha256' : 'sha512', secret).update(input).digest('base64url')}`
}

export function unsigned (payload: object): string {
  return `${b64({ alg: 'none', typ: 'JWT' })}.${b64(payload)}.`
}

export const now = (): number => Math.floor(Date.now() / 1000)

/** Claims of a good local token for `sub`. */
export function localClaims (overrides: object = {}): Record<string, unknown> {
  return { sub: 'carol', name: 'Carol', permissions: [], jti: `jti-${Math.random().toString(36).slice(2)}`, iat: now(), exp: now() + 300, ...overrides }
}

/** Collects every `event` a socket receives, in order. */
export function record<E extends keyof ServerToClientEvents> (socket: TestSocket, event: E): Array<Parameters<ServerToClientEvents[E]>[0]> {
  const seen: Array<Parameters<ServerToClientEvents[E]>[0]> = []
  socket.on(event, ((value: Parameters<ServerToClientEvents[E]>[0]) => { seen.push(value) }) as never)
  return seen
}

/** A running app with sockets: the app, its URL, and tokens for alice and bob. */
export async function realtime (t: Teardown, env: Record<string, string> = {}, limits: Partial<Limits> = {}): Promise<{ app: FastifyInstance, url: string, alice: string, bob: string }> {
  const app = await build(t, env, limits)
  const url = await listen(app)
  return { app, url, alice: await login(app, 'alice'), bob: await login(app, 'bob') }
}

export interface LogRecord { level: number, msg: string, [key: string]: unknown }

/** Like `build`, with the app's real logger (redaction included) writing parsed lines into `lines`. */
export async function buildWithLogs (t: Teardown, env: Record<string, string> = {}, limits: Partial<Limits> = {}): Promise<{ app: FastifyInstance, lines: LogRecord[], text: () => string }> {
  const lines: LogRecord[] = []
  const raw: string[] = []
  const stream = {
    write (chunk: string): void {
      raw.push(chunk)
      for (const line of chunk.split('\n')) if (line !== '') lines.push(JSON.parse(line) as LogRecord)
    }
  }
  const config = loadConfig({ JWT_SECRET: TEST_SECRET, LOG_LEVEL: 'debug', ...env }, limits)
  const app = await buildApp(config, { logStream: stream })
  t.teardown(async () => await app.close())
  await app.ready()
  return { app, lines, text: () => raw.join('') }
}

/** 'accepted', or the `code` of what `attempt` threw (fast-jwt's or the contract's). */
export async function codeOf (attempt: () => unknown): Promise<string> {
  try {
    await attempt()
    return 'accepted'
  } catch (error) {
    return String((error as { code?: unknown }).code)
  }
}

/** 'ok', or the contract code the one verifier gives this token. */
export async function verdict (app: FastifyInstance, token: string): Promise<string> {
  try {
    await app.verifyToken(token)
    return 'ok'
  } catch (error) {
    return error instanceof AuthError ? error.code : `threw ${String(error)}`
  }
}
