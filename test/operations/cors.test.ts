import t from 'tap'
import { build, listen } from '../helper.js'

t.test('CORS_ORIGINS: the same list for HTTP as for Socket.IO', async t => {
  const app = await build(t, { CORS_ORIGINS: 'https://app.example' })
  const allowed = await app.inject({ method: 'OPTIONS', url: '/me', headers: { origin: 'https://app.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' } })
  t.equal(allowed.headers['access-control-allow-origin'], 'https://app.example')
  const other = await app.inject({ method: 'GET', url: '/health', headers: { origin: 'https://evil.example' } })
  t.equal(other.headers['access-control-allow-origin'], undefined, 'another origin gets no CORS header')
  // Socket.IO's polling transport answers before Fastify: its own cors option must say the same.
  const url = await listen(app)
  const polling = await fetch(`${url}/socket.io/?EIO=4&transport=polling`, { headers: { origin: 'https://app.example' } })
  t.equal(polling.status, 200)
  t.equal(polling.headers.get('access-control-allow-origin'), 'https://app.example')
  const refused = await fetch(`${url}/socket.io/?EIO=4&transport=polling`, { headers: { origin: 'https://evil.example' } })
  t.equal(refused.status, 403, 'another origin is refused by allowRequest')
})

t.test('without CORS_ORIGINS: same origin only', async t => {
  const app = await build(t)
  const response = await app.inject({ method: 'GET', url: '/health', headers: { origin: 'https://app.example' } })
  t.equal(response.headers['access-control-allow-origin'], undefined)
})
