import fp from 'fastify-plugin'
import helmet from '@fastify/helmet'
import type { AppConfig } from '../src/config.js'

type Directives = Record<string, string[]>

/**
 * The Content-Security-Policy of the demo client: only what the page needs. Scripts, styles,
 * images and the Auth0 SDK's worker from this origin; connections to this origin (CSP Level 3
 * `'self'` also matches same-origin `ws:`/`wss:`, which the Socket.IO WebSocket uses) and, in
 * auth0 mode, to the tenant (the SDK's token endpoint calls); no inline script or style, no
 * plugins, no frames, and no page may frame this one.
 */
export function contentSecurityPolicy (config: Pick<AppConfig, 'auth' | 'production'>): Directives {
  // The SDK speaks https to the domain that GET /config gives; a self-hosted http issuer is listed too.
  const tenant = config.auth.mode === 'auth0'
    ? [...new Set([`https://${config.auth.domain}`, new URL(config.auth.issuer).origin])]
    : []
  return {
    'default-src': ["'none'"],
    'script-src': ["'self'"],
    'script-src-attr': ["'none'"],
    'style-src': ["'self'"],
    'img-src': ["'self'"],
    'connect-src': ["'self'", ...tenant],
    'worker-src': ["'self'"],
    'base-uri': ["'none'"],
    'form-action': ["'self'"],
    'frame-ancestors': ["'none'"],
    'object-src': ["'none'"],
    // Only where the site is served over https (production refuses http issuers too).
    ...(config.production ? { 'upgrade-insecure-requests': [] } : {})
  }
}

/**
 * Security headers on every Fastify reply (@fastify/helmet): helmet's defaults (nosniff,
 * Referrer-Policy no-referrer, COOP/CORP same-origin, HSTS, ...) with the CSP above. JSON replies
 * are unaffected by them; Socket.IO's own requests (`/socket.io/`) never reach Fastify's hooks.
 * @see https://github.com/fastify/fastify-helmet
 */
export default fp(async (fastify) => {
  await fastify.register(helmet, {
    contentSecurityPolicy: { useDefaults: false, directives: contentSecurityPolicy(fastify.config) },
    // The page is never framed: CSP frame-ancestors says so; X-Frame-Options for old browsers.
    frameguard: { action: 'deny' }
  })
}, { name: 'security-headers', fastify: '5.x', dependencies: ['config'] })
