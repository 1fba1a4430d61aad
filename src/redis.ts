import { Redis } from 'ioredis'

type Log = {
  info: (obj: object, msg: string) => void
  warn: (obj: object, msg: string) => void
  debug: (obj: object, msg: string) => void
}

export interface RedisLinkOptions {
  url: string
  /** A command without a reply after this long fails (the client then reconnects). */
  commandTimeoutMs: number
  /** Reconnection attempts back off exponentially up to this pause. */
  reconnectMaxDelayMs: number
  log: Log
}

/** What `GET /ready` shows for Redis. */
export interface RedisHealth { ok: boolean, reason?: string }

/** The two connections to Redis that a node needs. */
export interface RedisLink {
  /** Commands and publishing. Fails fast while disconnected (no offline queue), so nothing waits on a lost Redis. */
  commands: Redis
  /** The adapter's subscriptions only. Queues its (re)subscriptions until Redis is reachable. */
  subscriber: Redis
  /** Both connections up, subscriptions restored, and Redis answering a PING. */
  check: () => Promise<RedisHealth>
  close: () => Promise<void>
}

/** Attempt 1, 2, 3 ... → about 100 ms, 200 ms, 400 ms ... up to `maxMs`, with jitter so nodes do not reconnect in step. */
export function reconnectDelay (attempt: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, 100 * 2 ** Math.min(Math.max(attempt - 1, 0), 20))
  return Math.round(ceiling / 2 + random() * ceiling / 2)
}

/** `redis://user:secret@host:6380/2` → `redis://host:6380/2`: a URL may hold a password, the log never does. */
export function redisTarget (url: string): string {
  const { protocol, hostname, port, pathname } = new URL(url)
  return `${protocol}//${hostname}:${port === '' ? '6379' : port}${pathname === '/' ? '' : pathname}`
}

/** An error's code (`ECONNREFUSED`) or message, never a stack. */
function describeError (error: unknown): string {
  const { code, message } = error as { code?: unknown, message?: unknown }
  if (typeof code === 'string') return code
  return typeof message === 'string' ? message : String(error)
}

/**
 * An ioredis client whose fire-and-forget commands cannot crash the process. The Redis adapter calls
 * `publish()` without handling the promise; while Redis is down each one rejects, and an unhandled
 * rejection ends a Node process (the same as socketio/socket.io-redis-emitter#139). A caller that
 * awaits a command still gets its error.
 * @see https://github.com/redis/ioredis#offline-queue
 */
class GuardedRedis extends Redis {
  override sendCommand (...args: Parameters<Redis['sendCommand']>): unknown {
    args[0].promise.catch(() => {})
    return super.sendCommand(...args)
  }
}

/** Logs each connection's ups and downs once per change (a retry every few seconds is not news). */
function watch (client: Redis, role: string, target: string, log: Log): () => string | undefined {
  let lastError: string | undefined
  let wasReady = false
  let warned = false
  client.on('error', (error: unknown) => {
    lastError = describeError(error)
    if (warned) log.debug({ redis: target, role, error: lastError }, 'redis: still unreachable')
    else log.warn({ redis: target, role, error: lastError }, 'redis: unreachable, retrying with backoff')
    warned = true
  })
  client.on('close', () => {
    if (!wasReady) return
    wasReady = false
    log.warn({ redis: target, role }, 'redis: connection lost, reconnecting')
  })
  client.on('ready', () => {
    log.info({ redis: target, role }, lastError === undefined && !warned ? 'redis: connected' : 'redis: connected again')
    wasReady = true
    warned = false
    lastError = undefined
  })
  return () => lastError
}

/**
 * Connects in the background and never waits for it: a node starts (and serves local sockets)
 * while Redis is away, `check()` says why it is not ready, and both clients reconnect forever.
 * Every client has an 'error' listener: an EventEmitter 'error' without one ends the process.
 */
export function connectRedis ({ url, commandTimeoutMs, reconnectMaxDelayMs, log }: RedisLinkOptions): RedisLink {
  const target = redisTarget(url)
  const retryStrategy = (attempt: number): number => reconnectDelay(attempt, reconnectMaxDelayMs)
  const commands = new GuardedRedis(url, {
    retryStrategy,
    enableOfflineQueue: false,
    commandTimeout: commandTimeoutMs,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false
  })
  // No command timeout here: it would also expire the subscriptions queued while Redis is away.
  const subscriber = new GuardedRedis(url, { retryStrategy, maxRetriesPerRequest: null })
  const errors = { commands: watch(commands, 'commands', target, log), subscriber: watch(subscriber, 'subscriber', target, log) }

  // ioredis announces 'ready' after it has re-sent the subscriptions; a PING queued behind them
  // answers once Redis has them, and only then do messages from other nodes arrive again.
  let subscribed = false
  subscriber.on('ready', () => {
    subscribed = false
    subscriber.ping().then(() => { subscribed = true }, () => {})
  })
  subscriber.on('close', () => { subscribed = false })

  return {
    commands,
    subscriber,
    async check () {
      const down = (): RedisHealth | undefined => {
        for (const [role, client] of [['commands', commands], ['subscriber', subscriber]] as const) {
          if (client.status === 'ready') continue
          const error = errors[role]()
          return { ok: false, reason: `Redis unavailable: ${role} connection ${client.status}${error === undefined ? '' : ` (${error})`}` }
        }
        return undefined
      }
      const before = down()
      if (before !== undefined) return before
      if (!subscribed) return { ok: false, reason: 'Redis connected, subscriptions not yet restored' }
      try {
        await commands.ping()
        return { ok: true }
      } catch (error) {
        // Lost while asking: say so, rather than the client's "stream isn't writeable".
        return down() ?? { ok: false, reason: `Redis does not answer (${describeError(error)})` }
      }
    },
    async close () {
      subscriber.disconnect()
      if (commands.status !== 'ready') return commands.disconnect()
      try {
        await commands.quit()
      } catch {
        commands.disconnect()
      }
    }
  }
}
