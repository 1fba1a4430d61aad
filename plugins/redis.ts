import fp from 'fastify-plugin'
import { RedisRevocations } from '../src/auth/revocations.js'
import { connectRedis, type RedisLink } from '../src/redis.js'

export interface RedisServices extends RedisLink {
  /** Revocations every node sees (the auth plugin uses it instead of its in-memory store). */
  revocations: RedisRevocations
}

declare module 'fastify' {
  interface FastifyInstance {
    /** With REDIS_URL: the connections the Socket.IO adapter uses, and the shared revocations. Else undefined. */
    redis: RedisServices | undefined
  }
}

/**
 * Redis, when REDIS_URL is set. The connections are made in the background (never awaited here),
 * so the server starts without Redis and `GET /ready` says why it is not ready yet.
 */
export default fp(async (fastify) => {
  const { config, log } = fastify
  if (config.redisUrl === undefined) {
    fastify.decorate('redis', undefined)
    return
  }
  const link = connectRedis({ url: config.redisUrl, ...config.limits.redis, log })
  const revocations = new RedisRevocations(link.commands, {
    prefix: config.redisKeyPrefix,
    onWriteFailed: (tokenId, error) => log.warn({ tokenId, error: (error as Error).message }, 'revocation not written to Redis: it holds on this node, and is written when Redis is back')
  })
  // Logouts made while Redis was away reach the other nodes as soon as it is back.
  link.commands.on('ready', () => {
    if (revocations.pending === 0) return
    revocations.writePending().then((left) => {
      log.info({ left }, 'redis: revocations made while it was away written')
    }, () => {})
  })
  fastify.addReadinessCheck('redis', link.check)
  fastify.addHook('onClose', async () => await link.close())
  fastify.decorate('redis', { ...link, revocations })
}, { name: 'redis', fastify: '5.x', dependencies: ['config', 'readiness'] })
