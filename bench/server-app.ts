/**
 * This server as `npm start` runs it (loadConfig + buildApp), for the bench: listens on a free port
 * of 127.0.0.1 and reports to the bench over IPC. The environment for loadConfig comes as JSON in
 * BENCH_APP_ENV, so nothing else in the bench's own environment (REDIS_URL, a .env) leaks in.
 */
import type { AddressInfo } from 'node:net'
import { buildApp } from '../src/app.js'
import { loadConfig } from '../src/config.js'
import { serveBench } from './server-ipc.js'

const env = JSON.parse(process.env.BENCH_APP_ENV ?? '{}') as Record<string, string>
// The per-socket event limit would throttle the fan-out sender; everything else is the default.
const config = loadConfig({ ...env, PORT: '0', HOST: '127.0.0.1' }, { socketRate: { burst: 1e9, perSecond: 1e9 } })
const app = await buildApp(config)
await app.listen({ port: 0, host: '127.0.0.1' })

serveBench({
  port: (app.server.address() as AddressInfo).port,
  sockets: () => app.io.engine.clientsCount,
  jwksFetches: () => app.jwks?.stats.fetches,
  close: async () => await app.close()
})
