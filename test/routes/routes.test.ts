import t from 'tap'
import { build } from '../helper.js'
import { startIssuer } from '../auth0-issuer.js'

t.test('GET /health and /ready in local mode', async t => {
  const app = await build(t)
  t.same((await app.inject('/health')).json(), { status: 'ok' })
  const ready = await app.inject('/ready')
  t.equal(ready.statusCode, 200)
  t.match(ready.json(), { status: 'ready' })
})

t.test('GET /config: mode, and in auth0 mode what the client needs, never the secret', async t => {
  const local = await build(t)
  t.same((await local.inject('/config')).json(), { mode: 'local' })
  const auth0 = await build(t, { AUTH0_DOMAIN: 'tenant.eu.auth0.com', AUTH0_AUDIENCE: 'https://api', AUTH0_CLIENT_ID: 'cid', AUTH0_CLIENT_SECRET: 'very-secret' })
  const response = await auth0.inject('/config')
  t.same(response.json(), { mode: 'auth0', auth0: { domain: 'tenant.eu.auth0.com', clientId: 'cid', audience: 'https://api' } })
  t.notMatch(response.body, /very-secret/)
})

t.test('GET /ready in auth0 mode: 503 until keys can be had, 200 after', async t => {
  const issuer = await startIssuer(t)
  issuer.behaviour = 'error'
  const app = await build(t, { AUTH0_DOMAIN: issuer.origin, AUTH0_AUDIENCE: issuer.audience })
  const down = await app.inject('/ready')
  t.equal(down.statusCode, 503)
  t.match(down.json(), { status: 'not ready', checks: { auth: { ok: false, reason: /500/ } } })
  issuer.behaviour = 'ok'
  const token = await issuer.sign()
  t.equal((await app.inject({ url: '/me', headers: { authorization: `Bearer ${token}` } })).statusCode, 200)
  t.equal((await app.inject('/ready')).statusCode, 200)
})

t.test('GET / serves the demo client and the Socket.IO browser bundle comes from the server', async t => {
  const app = await build(t)
  const page = await app.inject('/')
  t.equal(page.statusCode, 200)
  t.match(page.headers['content-type'], /text\/html/)
  t.match(page.body, /<form id="login-form"/)
  const client = await app.inject('/realtime-client.js')
  t.equal(client.statusCode, 200)
  t.match(client.body, /from '\/socket\.io\/socket\.io\.esm\.min\.js'/)
})
