import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client'

export interface MetricSources {
  /** Sockets connected to this process, read at scrape time. */
  sockets: () => number
  /** JWKS fetch counters (auth0 mode), read at scrape time. */
  jwks: () => { fetches: number, failures: number } | undefined
}

/**
 * The server's Prometheus metrics, in a registry of its own (one per app, so several apps in one
 * process, as in the tests, do not collide).
 * @see https://github.com/siimon/prom-client
 */
export function createMetrics (sources: MetricSources) {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  const registers = [registry]
  return {
    registry,
    sockets: new Gauge({
      name: 'realtime_sockets_connected',
      help: 'Socket.IO connections open on this process',
      registers,
      collect () { this.set(sources.sockets()) }
    }),
    handshakes: new Counter({ name: 'realtime_handshakes_total', help: 'Socket.IO handshakes by result (ok or the refusal code)', labelNames: ['result'] as const, registers }),
    unauthorized: new Counter({ name: 'http_unauthorized_total', help: 'HTTP 401 answers by code', labelNames: ['code'] as const, registers }),
    messages: new Counter({ name: 'realtime_messages_total', help: 'Chat messages broadcast', registers }),
    rateLimited: new Counter({ name: 'rate_limited_total', help: 'Requests and socket events refused by a rate limit', labelNames: ['source'] as const, registers }),
    revocations: new Counter({ name: 'auth_revocations_total', help: 'Tokens revoked (logout, refresh)', registers }),
    jwksFetches: new Gauge({
      name: 'auth_jwks_fetches',
      help: 'JWKS requests made for a key since start (auth0 mode)',
      registers,
      collect () { this.set(sources.jwks()?.fetches ?? 0) }
    }),
    jwksFailures: new Gauge({
      name: 'auth_jwks_failures',
      help: 'JWKS look-ups that failed since start (auth0 mode)',
      registers,
      collect () { this.set(sources.jwks()?.failures ?? 0) }
    })
  }
}

export type Metrics = ReturnType<typeof createMetrics>
