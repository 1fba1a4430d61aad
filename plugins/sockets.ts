import fp from 'fastify-plugin'
import fastifySocketIO from 'fastify-socket.io'
import { createAdapter } from '@socket.io/redis-adapter'
import { handleConnections } from '../src/realtime/connection.js'
import type { AppServer } from '../src/realtime/events.js'
import { authenticateHandshake } from '../src/realtime/handshake.js'
import { originCheck } from '../src/realtime/origin.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Socket.IO, attached by fastify-socket.io (which does not type it). */
    io: AppServer
  }
}

/**
 * Socket.IO on the Fastify server. Fastify hooks do not run for `/socket.io/` requests, so the
 * limits that protect the handshake are Socket.IO's own: cors, allowRequest, maxHttpBufferSize,
 * connectTimeout. Connection state recovery stays off (it would skip the auth middleware).
 *
 * With REDIS_URL, the Redis adapter (pub/sub) carries broadcasts, room queries (presence's
 * fetchSockets, bounded by `adapterTimeoutMs`) and disconnects (logout) to every node.
 */
export default fp(async (fastify) => {
  const { config } = fastify
  // A CommonJS module with an ES default export: under NodeNext the plugin is its `.default`.
  await fastify.register(fastifySocketIO.default, {
    serveClient: true,
    maxHttpBufferSize: config.limits.maxPacketBytes,
    connectTimeout: config.limits.connectTimeoutMs,
    allowRequest: originCheck(config.corsOrigins),
    ...(fastify.redis === undefined
      ? {}
      : {
          adapter: createAdapter(fastify.redis.commands, fastify.redis.subscriber, {
            key: `${config.redisKeyPrefix}socket.io`,
            requestsTimeout: config.limits.adapterTimeoutMs,
            publishOnSpecificResponseChannel: true
          })
        }),
    ...(config.corsOrigins.length > 0
      ? { cors: { origin: config.corsOrigins.includes('*') ? true : [...config.corsOrigins] } }
      : {})
  })
  const { io } = fastify
  const { metrics } = fastify
  io.use(authenticateHandshake(fastify.verifyToken, {
    result: (result) => metrics.handshakes.inc({ result }),
    refused: fastify.logRefusal
  }))
  handleConnections(io, {
    verifyToken: fastify.verifyToken,
    limits: config.limits,
    log: fastify.log,
    observe: { message: () => metrics.messages.inc(), rateLimited: () => metrics.rateLimited.inc({ source: 'socket' }) },
    clustered: fastify.redis !== undefined
  })
}, { name: 'sockets', fastify: '5.x', dependencies: ['config', 'redis', 'auth', 'metrics'] })
