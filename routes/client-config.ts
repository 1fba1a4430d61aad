import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from 'typebox'

/** The response schema is also what keeps the client secret out of this reply. */
const ClientConfig = Type.Object({
  mode: Type.Union([Type.Literal('local'), Type.Literal('auth0')]),
  auth0: Type.Optional(Type.Object({
    domain: Type.String(),
    clientId: Type.Optional(Type.String()),
    audience: Type.String()
  }))
})

/** GET /config: what the demo client needs to log in; never a secret. */
const clientConfig: FastifyPluginAsyncTypebox = async (fastify) => {
  const { auth } = fastify.config
  const body = auth.mode === 'auth0'
    ? { mode: auth.mode, auth0: { domain: auth.domain, clientId: auth.clientId, audience: auth.audience } }
    : { mode: auth.mode }
  fastify.get('/config', { schema: { response: { 200: ClientConfig } } }, async () => body)
}

export default clientConfig
