import fp from 'fastify-plugin'

export interface CheckResult { ok: boolean, reason?: string }
type Check = () => Promise<CheckResult> | CheckResult

declare module 'fastify' {
  interface FastifyInstance {
    /** Plugins add what `GET /ready` must check (JWKS keys, Redis). */
    addReadinessCheck: (name: string, check: Check) => void
    readinessChecks: () => Promise<Record<string, CheckResult>>
  }
}

export default fp(async (fastify) => {
  const checks = new Map<string, Check>()
  fastify.decorate('addReadinessCheck', (name: string, check: Check) => { checks.set(name, check) })
  fastify.decorate('readinessChecks', async () => {
    const entries = await Promise.all([...checks].map(async ([name, check]) => [name, await check()] as const))
    return Object.fromEntries(entries)
  })
}, { name: 'readiness', fastify: '5.x' })
