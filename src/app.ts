import fp from 'fastify-plugin'
import Fastify, { LogController, type FastifyInstance, type FastifyRequest, type FastifyServerOptions } from 'fastify'
import type { DestinationStream } from 'pino'
import rateLimit from '@fastify/rate-limit'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { AppConfig } from './config.js'
import configPlugin from '../plugins/config.js'
import readiness from '../plugins/readiness.js'
import metrics from '../plugins/metrics.js'
import redis from '../plugins/redis.js'
import cors from '@fastify/cors'
import auth from '../plugins/auth.js'
import sockets from '../plugins/sockets.js'
import staticClient from '../plugins/static.js'
import securityHeaders from '../plugins/security-headers.js'
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
  await fastify.register(metrics)
  await fastify.register(cors, { origin: config.corsOrigins.includes('*') ? true : [...config.corsOrigins] })
  await fastify.register(securityHeaders)
  await fastify.register(rateLimit, { global: false, onExceeded: () => fastify.metrics.rateLimited.inc({ source: 'http' }) })
  await fastify.register(redis)
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

/** A URL without its `token` query parameter (socketio-jwt style clients put tokens there). */
export function redactUrl (url: string): string {
  return url.replace(/([?&]token=)[^&#]*/gi, '$1[redacted]')
}

export function loggerOptions (config: AppConfig, stream?: DestinationStream): FastifyServerOptions['logger'] {
  return {
    level: config.logLevel,
    redact: { paths: redactPaths, censor: '[redacted]' },
    serializers: {
      req: (req: FastifyRequest) => ({ method: req.method, url: redactUrl(req.url), host: req.host, remoteAddress: req.ip })
    },
    ...(stream === undefined ? {} : { stream })
  }
}

/** A Fastify instance with the app registered; tests and src/server.ts both start here. */
export async function buildApp (config: AppConfig, options: Pick<FastifyServerOptions, 'logger'> & { logStream?: DestinationStream } = {}): Promise<FastifyInstance> {
  const { logStream, ...fastifyOptions } = options
  const fastify = Fastify({
    logger: loggerOptions(config, logStream),
    trustProxy: config.trustProxy,
    // Bodies are checked as sent: no silent type coercion, no silent dropping of unknown fields.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false } },
    // Fastify's two lines per request would let a flood of bad tokens fill the disk: one line per
    // answer instead, at debug for the 401s and 429s (logged, rate-limited, by the auth plugin).
    logController: new LogController({ disableRequestLogging: true }),
    ...fastifyOptions
  }).withTypeProvider<TypeBoxTypeProvider>()
  fastify.addHook('onResponse', async (request, reply) => {
    const quiet = reply.statusCode === 401 || reply.statusCode === 429
    request.log[quiet ? 'debug' : 'info']({ req: request, res: reply, responseTime: reply.elapsedTime }, 'request completed')
  })
  await fastify.register(app, { config })
  return fastify
}
