import type { ChildProcess } from 'node:child_process'

/** What a bench server reports about itself (process.cpuUsage and memoryUsage, after a GC when asked). */
export interface ServerStats {
  /** User + system CPU time of the whole process since it started, microseconds. */
  cpuUs: number
  /** Of which user time (JavaScript, V8, OpenSSL); the rest is system time (syscalls, and on loopback the TCP work of the receiving side). */
  cpuUserUs: number
  rss: number
  heapUsed: number
  /** Engine.IO connections open now. */
  sockets: number
  /** Requests this process made to the JWKS endpoint (auth0 mode). */
  jwksFetches?: number
}

export type ToServer = { type: 'stats', gc: boolean } | { type: 'exit' }
export type FromServer = { type: 'listening', port: number } | { type: 'stats', stats: ServerStats }

/** One run of handshakes, as the load generator saw it. */
export interface HandshakeRun {
  ok: number
  refused: number
  failed: number
  /** First connection opened → last handshake answered. */
  seconds: number
  /** Per successful handshake: WebSocket opened → `40` received, milliseconds. */
  latenciesMs: number[]
  /** The first refusal or failure, for the report (never a token). */
  firstProblem?: string
}

export type ToLoad =
  | { type: 'handshakes', url: string, tokens: string[], concurrency: number }
  | { type: 'hold', url: string, tokens: string[], concurrency: number }
  | { type: 'fanout', messages: number }
  | { type: 'release' }
  | { type: 'exit' }

export type FromLoad =
  | { type: 'handshakes', run: HandshakeRun }
  | { type: 'hold', held: number, failed: number, firstProblem?: string }
  | { type: 'fanout', timesMs: number[], lost: number }
  | { type: 'released' }
  | { type: 'error', message: string }

/**
 * A child process spoken to over its IPC channel, one request at a time: every message the child
 * sends answers the oldest pending request (or the `first` waiter before any request).
 */
export class Peer<Out, In> {
  readonly #waiting: Array<{ resolve: (message: In) => void, reject: (error: Error) => void }> = []
  #exited: Error | undefined

  constructor (readonly child: ChildProcess, readonly name: string) {
    child.on('message', (message) => {
      const waiter = this.#waiting.shift()
      waiter?.resolve(message as In)
    })
    child.on('exit', (code, signal) => {
      this.#exited = new Error(`${name} exited (${signal ?? `code ${String(code)}`})`)
      for (const waiter of this.#waiting.splice(0)) waiter.reject(this.#exited)
    })
  }

  get pid (): number {
    return this.child.pid ?? -1
  }

  /** The next message from the child, without sending anything. */
  async next (): Promise<In> {
    if (this.#exited !== undefined) throw this.#exited
    return await new Promise((resolve, reject) => this.#waiting.push({ resolve, reject }))
  }

  async ask (message: Out): Promise<In> {
    const answer = this.next()
    this.child.send(message as object)
    return await answer
  }

  /** Asks the child to exit and waits for it (a CPU profile is written on that exit). */
  async stop (message: Out): Promise<void> {
    if (this.#exited !== undefined || this.child.exitCode !== null) return
    const exited = new Promise<void>(resolve => this.child.once('exit', () => resolve()))
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000)
    this.child.send(message as object)
    await exited
    clearTimeout(timer)
  }
}
