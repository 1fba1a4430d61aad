import fp from 'fastify-plugin'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import rateLimit from '@fastify/rate-limit'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { AppConfig } from './config.js'
import configPlugin from '../plugins/config.js'
import readiness from '../plugins/readiness.js'
import auth from '../plugins/auth.js'
import sockets from '../plugins/sockets.js'
import staticClient from '../plugins/static.js'
import login from '../routes/login.js'
import me from '../routes/me.js'
import clientConfig from '../routes/client-config.js'
import health from '../routes/health.js'
import notifications from '../routes/notifications.js'
import session from '../routes/session.js'

export interface AppOptions {
  config: AppConfig
}

/** The app plugin: everything but the listening, in dependency order (not encapsulated, so its decorators reach the caller). */
export const app = fp<AppOptions>(async function app (fastify, { config }) {
  await fastify.register(configPlugin, { config })
  await fastify.register(readiness)
  await fastify.register(rateLimit, { global: false })
  await fastify.register(auth)
  await fastify.register(sockets)
  await fastify.register(login)
  await fastify.register(me)
  await fastify.register(session)
  await fastify.register(notifications)
  await fastify.register(clientConfig)
  await fastify.register(health)
  await fastify.register(staticClient)
}, { name: 'app', fastify: '5.x' })

/** Never logged: tokens, credentials, cookies. */
export const redactPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.query.token',
  'res.headers["set-cookie"]',
  'token',
  'password',
  '*.token',
  '*.password'
]

export function loggerOptions (config: AppConfig): FastifyServerOptions['logger'] {
  return { level: config.logLevel, redact: { paths: redactPaths, censor: '[redacted]' } }
}

/** A Fastify instance with the app registered; tests and src/server.ts both start here. */
export async function buildApp (config: AppConfig, options: Pick<FastifyServerOptions, 'logger'> = {}): Promise<FastifyInstance> {
  const fastify = Fastify({
    logger: loggerOptions(config),
    trustProxy: config.trustProxy,
    // Bodies are checked as sent: no silent type coercion, no silent dropping of unknown fields.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false } },
    ...options
  }).withTypeProvider<TypeBoxTypeProvider>()
  await fastify.register(app, { config })
  return fastify
}
