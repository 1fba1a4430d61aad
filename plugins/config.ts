import fp from 'fastify-plugin'
import type { AppConfig } from '../src/config.js'

declare module 'fastify' {
  interface FastifyInstance {
    config: AppConfig
  }
}

/** Exposes the validated configuration (loaded by src/server.ts or by a test) as `fastify.config`. */
export default fp<{ config: AppConfig }>(async (fastify, { config }) => {
  fastify.decorate('config', config)
}, { name: 'config', fastify: '5.x' })
