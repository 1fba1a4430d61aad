import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'

const Health = Type.Object({ status: Type.Literal('ok') })
const Readiness = Type.Object({
  status: Type.Union([Type.Literal('ready'), Type.Literal('not ready')]),
  checks: Type.Record(Type.String(), Type.Object({ ok: Type.Boolean(), reason: Type.Optional(Type.String()) }))
})

/** GET /health: the process runs. GET /ready: it can verify tokens (and reach Redis when configured). */
const health: FastifyPluginAsyncTypebox = async (fastify) => {
  fastify.get('/health', { schema: { response: { 200: Health } } }, async () => ({ status: 'ok' as const }))

  fastify.get('/ready', { schema: { response: { 200: Readiness, 503: Readiness } } }, async (_request, reply) => {
    const checks = await fastify.readinessChecks()
    const ready = Object.values(checks).every(check => check.ok)
    return await reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks })
  })
}

export default health
