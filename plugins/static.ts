import fp from 'fastify-plugin'
import fastifyStatic from '@fastify/static'
import { publicDir } from '../src/paths.js'

/** The demo client from public/ (found from the package root, so it works from src/ and dist/). */
export default fp(async (fastify) => {
  await fastify.register(fastifyStatic, { root: publicDir, index: 'index.html' })
}, { name: 'static', fastify: '5.x' })
