import { spawn } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { createServer, type AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import type { Limits } from '../../src/config.js'
import { build, listen, type TestSocket } from '../helper.js'

interface Teardown { teardown: (fn: () => unknown) => void }

/** Fast reconnection, so recovery tests do not wait out production backoffs. */
export const fastRedis: Partial<Limits> = { redis: { commandTimeoutMs: 1000, reconnectMaxDelayMs: 200 } }

/**
 * The shared Redis for these tests: REDIS_URL (`.ci/run` exports it). Without it the tests skip with
 * this message, except in CI (CI set), where they must run.
 */
export function redisUnavailable (env: Record<string, string | undefined> = process.env): string | false {
  if (env.REDIS_URL !== undefined && env.REDIS_URL !== '') return false
  if (env.CI !== undefined && env.CI !== '') return false
  return 'multi-node tests skipped: REDIS_URL is not set (e.g. REDIS_URL=redis://127.0.0.1:6379 npm test; .ci/run sets it)'
}

/** REDIS_URL, or a failure that says what is missing (CI without it). */
export function sharedRedisUrl (): string {
  const url = process.env.REDIS_URL
  if (url === undefined || url === '') throw new Error('REDIS_URL must be set when CI is set: the multi-node tests need a Redis server')
  return url
}

/** A fresh key prefix: test files share one Redis and must not hear each other. */
export const uniquePrefix = (): string => `test-${randomUUID().slice(0, 8)}:`

export interface Node { app: FastifyInstance, url: string }

/** An app listening on a free port, with Redis; resolves once `GET /ready` is 200 (Redis connected, subscribed). */
export async function node (t: Teardown, redisUrl: string, prefix: string, env: Record<string, string> = {}, limits: Partial<Limits> = {}): Promise<Node> {
  const app = await build(t, { REDIS_URL: redisUrl, REDIS_KEY_PREFIX: prefix, ...env }, { ...fastRedis, ...limits })
  const url = await listen(app)
  await untilReady(app, 200)
  return { app, url }
}

export interface Readiness { status: string, checks: Record<string, { ok: boolean, reason?: string }> }

/** Polls `GET /ready` (no event says Redis is back) until it answers `status`; bounded. */
export async function untilReady (app: FastifyInstance, status: 200 | 503, tries = 400): Promise<Readiness> {
  let last = ''
  for (let i = 0; i < tries; i++) {
    const response = await app.inject('/ready')
    if (response.statusCode === status) return response.json<Readiness>()
    last = response.body
    await new Promise(resolve => setTimeout(resolve, 25))
  }
  throw new Error(`GET /ready never answered ${status}; last: ${last}`)
}

/** Polls until `check` is true; bounded. For state with no event to await. */
export async function eventually (check: () => Promise<boolean> | boolean, what: string, tries = 400): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await check()) return
    await new Promise(resolve => setTimeout(resolve, 25))
  }
  throw new Error(`never happened: ${what}`)
}

/** A TCP port of 127.0.0.1 that nothing listens on (just now). */
export async function freePort (): Promise<number> {
  const server = createServer()
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  await new Promise(resolve => server.close(resolve))
  return port
}

export interface PrivateRedis {
  url: string
  port: number
  /** Kills it (SIGKILL: like a crash) and waits for the exit. */
  kill: () => Promise<void>
  /** Starts it again on the same port. */
  start: () => Promise<void>
}

/** A redis-server of this test's own, on a free port (or `port`), killed at teardown. */
export async function privateRedis (t: Teardown, port?: number): Promise<PrivateRedis> {
  const chosen = port ?? await freePort()
  let child: ReturnType<typeof spawn> | undefined
  const start = async (): Promise<void> => {
    const server = spawn('redis-server', ['--port', String(chosen), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] })
    child = server
    let output = ''
    await new Promise<void>((resolve, reject) => {
      server.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString()
        if (output.includes('Ready to accept connections')) resolve()
      })
      server.once('exit', code => reject(new Error(`redis-server exited (${code}): ${output}`)))
      server.once('error', reject)
    })
  }
  const kill = async (): Promise<void> => {
    const server = child
    child = undefined
    if (server === undefined || server.exitCode !== null || server.signalCode !== null) return
    const exited = new Promise(resolve => server.once('exit', resolve))
    server.kill('SIGKILL')
    await exited
  }
  t.teardown(kill)
  await start()
  return { url: `redis://127.0.0.1:${chosen}`, port: chosen, kill, start }
}

/** The server side of a client socket (same id). */
export function serverSocket (app: FastifyInstance, socket: TestSocket): { once: (event: 'disconnect', fn: () => void) => unknown } {
  const found = app.io.of('/').sockets.get(socket.id ?? '')
  if (found === undefined) throw new Error(`no server socket ${String(socket.id)}`)
  return found
}

/** Resolves with the reason once the client socket is disconnected. */
export async function disconnection (socket: TestSocket): Promise<string> {
  return await new Promise(resolve => socket.once('disconnect', reason => resolve(reason)))
}
