import { timingSafeEqual } from 'node:crypto'
import fp from 'fastify-plugin'
import { createMetrics, type Metrics } from '../src/observability/metrics.js'
import { bearerToken } from '../src/auth/token-sources.js'

declare module 'fastify' {
  interface FastifyInstance {
    metrics: Metrics
  }
}

function sameSecret (given: string | undefined, expected: string): boolean {
  const a = Buffer.from(given ?? '')
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}

/** GET /metrics (Prometheus text); behind `Authorization: Bearer <METRICS_TOKEN>` when that is set. */
export default fp(async (fastify) => {
  const metrics = createMetrics({
    sockets: () => fastify.hasDecorator('io') ? fastify.io.of('/').sockets.size : 0,
    jwks: () => fastify.hasDecorator('jwks') ? fastify.jwks?.stats : undefined
  })
  fastify.decorate('metrics', metrics)
  const { metricsToken } = fastify.config

  fastify.get('/metrics', async (request, reply) => {
    if (metricsToken !== undefined && !sameSecret(bearerToken(request.headers.authorization), metricsToken)) {
      return await reply.code(401).send({ statusCode: 401, code: 'METRICS_TOKEN', error: 'Unauthorized', message: 'GET /metrics needs Authorization: Bearer <METRICS_TOKEN>' })
    }
    return await reply.type(metrics.registry.contentType).send(await metrics.registry.metrics())
  })
}, { name: 'metrics', fastify: '5.x', dependencies: ['config'] })
