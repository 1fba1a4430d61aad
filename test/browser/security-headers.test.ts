import t from 'tap'
import { contentSecurityPolicy } from '../../plugins/security-headers.js'
import { loadConfig } from '../../src/config.js'
import { build, connected, listen, login, TEST_SECRET } from '../helper.js'

// Helmet's headers and the CSP, without a browser (the browser files check the page lives within it).

const directives = (header: string | string[] | number | undefined): Map<string, string> =>
  new Map(String(header).split(';').map(part => part.trim()).filter(Boolean).map(part => {
    const [name = '', ...values] = part.split(/\s+/)
    return [name, values.join(' ')]
  }))

t.test('the page is served with a strict CSP and helmet\'s headers', async t => {
  const app = await build(t)
  const page = await app.inject({ url: '/' })
  t.equal(page.statusCode, 200)
  t.match(page.headers['content-type'], /^text\/html/)
  const csp = directives(page.headers['content-security-policy'])
  t.same(Object.fromEntries(csp), {
    'default-src': "'none'",
    'script-src': "'self'",
    'script-src-attr': "'none'",
    'style-src': "'self'",
    'img-src': "'self'",
    'connect-src': "'self'",
    'worker-src': "'self'",
    'base-uri': "'none'",
    'form-action': "'self'",
    'frame-ancestors': "'none'",
    'object-src': "'none'"
  })
  t.notMatch(String(page.headers['content-security-policy']), /unsafe-inline|unsafe-eval|\*/)
  t.equal(page.headers['x-frame-options'], 'DENY')
  t.equal(page.headers['x-content-type-options'], 'nosniff')
  t.equal(page.headers['referrer-policy'], 'no-referrer')
  t.equal(page.headers['cross-origin-opener-policy'], 'same-origin')
  t.notOk(page.body.includes('<script>'), 'no inline script in the page')
  t.notMatch(page.body, /\sstyle=/, 'no inline style in the page')
  t.match((await app.inject({ url: '/realtime-client.js' })).headers['content-type'], /^(text|application)\/javascript/)
})

t.test('auth0 mode: the tenant is allowed for connections, and only there', async t => {
  const config = loadConfig({ AUTH0_DOMAIN: 'example.eu.auth0.com', AUTH0_AUDIENCE: 'https://api.example.test', LOG_LEVEL: 'silent' })
  t.same(contentSecurityPolicy(config)['connect-src'], ["'self'", 'https://example.eu.auth0.com'])
  const selfHosted = loadConfig({ AUTH0_DOMAIN: 'http://127.0.0.1:4000', AUTH0_AUDIENCE: 'https://api.example.test', LOG_LEVEL: 'silent' })
  t.same(contentSecurityPolicy(selfHosted)['connect-src'], ["'self'", 'https://127.0.0.1:4000', 'http://127.0.0.1:4000'])
  const local = contentSecurityPolicy(loadConfig({ JWT_SECRET: TEST_SECRET, LOG_LEVEL: 'silent' }))
  for (const [name, values] of Object.entries(local)) {
    if (name !== 'connect-src') t.same(values, contentSecurityPolicy(config)[name], `${name} is the same in both modes`)
  }
  t.notOk('upgrade-insecure-requests' in local, 'plain http outside production')
  t.same(contentSecurityPolicy({ ...config, production: true })['upgrade-insecure-requests'], [], 'https only in production')
})

t.test('the JSON API and Socket.IO work as before under helmet', async t => {
  const app = await build(t)
  const token = await login(app, 'alice')
  const me = await app.inject({ url: '/me', headers: { authorization: `Bearer ${token}` } })
  t.equal(me.statusCode, 200)
  t.equal(me.json<{ id: string }>().id, 'alice')
  t.match(me.headers['content-type'], /^application\/json/)
  const refused = await app.inject({ url: '/me' })
  t.equal(refused.statusCode, 401)
  t.equal(refused.json<{ code: string }>().code, 'NO_TOKEN')
  t.equal((await app.inject({ url: '/config' })).json<{ mode: string }>().mode, 'local')

  const url = await listen(app)
  const bundle = await fetch(`${url}/socket.io/socket.io.esm.min.js`)
  t.equal(bundle.status, 200, 'the Socket.IO client bundle the page imports')
  t.match(bundle.headers.get('content-type'), /javascript/)
  await bundle.arrayBuffer()
  const socket = await connected(t, url, token)
  t.match(await socket.emitWithAck('message', { text: 'hi' }), { ok: true, id: String })
})

t.test('/vendor/auth0/ serves the SDK\'s browser builds and nothing else from node_modules', async t => {
  const app = await build(t)
  const esm = await app.inject({ url: '/vendor/auth0/auth0-spa-js.production.esm.js' })
  t.equal(esm.statusCode, 200)
  t.match(esm.headers['content-type'], /^(text|application)\/javascript/)
  t.match(esm.body, /createAuth0Client/)
  t.equal((await app.inject({ url: '/vendor/auth0/auth0-spa-js.worker.production.js' })).statusCode, 200)
  for (const path of [
    '/vendor/auth0/',
    '/vendor/auth0/lib/auth0-spa-js.cjs.js',
    '/vendor/auth0/auth0-spa-js.development.js',
    '/vendor/auth0/../package.json',
    '/vendor/auth0/%2e%2e/package.json',
    '/vendor/auth0/..%2f..%2fpackage.json',
    '/vendor/package.json',
    '/vendor/auth0/typings/index.d.ts'
  ]) {
    const response = await app.inject({ url: path })
    t.ok(response.statusCode >= 400 && response.statusCode < 500, `${path}: ${response.statusCode}`)
  }
})
