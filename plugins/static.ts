import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import fp from 'fastify-plugin'
import fastifyStatic from '@fastify/static'
import { publicDir } from '../src/paths.js'

/** The Auth0 SPA SDK's browser builds, from node_modules: served by us, never from a CDN. */
const auth0Dist = join(dirname(createRequire(import.meta.url).resolve('@auth0/auth0-spa-js/package.json')), 'dist')

/** The only files served under /vendor/auth0/: the ESM build and the refresh-token worker (and their source maps). */
export const AUTH0_VENDOR_FILES: ReadonlySet<string> = new Set([
  'auth0-spa-js.production.esm.js',
  'auth0-spa-js.production.esm.js.map',
  'auth0-spa-js.worker.production.js',
  'auth0-spa-js.worker.production.js.map'
])

/**
 * The demo client from public/ (found from the package root, so it works from src/ and dist/),
 * and the Auth0 SDK at /vendor/auth0/ for its login button.
 */
export default fp(async (fastify) => {
  await fastify.register(fastifyStatic, { root: publicDir, index: 'index.html' })
  await fastify.register(fastifyStatic, {
    root: auth0Dist,
    prefix: '/vendor/auth0/',
    decorateReply: false,
    index: false,
    allowedPath: (pathName) => AUTH0_VENDOR_FILES.has(pathName.replace(/^\//, ''))
  })
}, { name: 'static', fastify: '5.x' })
