import t from 'tap'
import { createServer, type RequestListener } from 'node:http'
import type { AddressInfo } from 'node:net'
import { createPasswordExchange, DEFAULT_REALM, PASSWORD_REALM_GRANT } from '../../src/auth/auth0-login.js'
import { build } from '../helper.js'
import { startIssuer, type StandInIssuer } from '../auth0-issuer.js'
import { buildLogged } from './logs.js'

/** POST /login in auth0 mode: the password-realm exchange at the stand-in tenant's /oauth/token. */

const INVALID_CREDENTIALS = { statusCode: 401, code: 'INVALID_CREDENTIALS', error: 'Unauthorized', message: 'Invalid username or password' }
const DAVE = { username: 'dave@example.com', password: 'correct horse' }

function auth0Env (issuer: StandInIssuer, overrides: Record<string, string> = {}): Record<string, string> {
  return { AUTH0_DOMAIN: issuer.origin, AUTH0_AUDIENCE: issuer.audience, AUTH0_CLIENT_ID: issuer.client.id, AUTH0_CLIENT_SECRET: issuer.client.secret, ...overrides }
}

/** A one-route HTTP server on a free port of 127.0.0.1, closed after the test. */
async function serve (t: { teardown: (fn: () => unknown) => void }, handler: RequestListener): Promise<string> {
  const server = createServer(handler)
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  t.teardown(async () => {
    server.closeAllConnections()
    await new Promise(resolve => server.close(resolve))
  })
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
}

t.test('the right credentials: the tenant\'s access token, in the shape of local mode, and it works here', async t => {
  const issuer = await startIssuer(t)
  const app = await build(t, auth0Env(issuer))
  const response = await app.inject({ method: 'POST', url: '/login', remoteAddress: '203.0.113.7', payload: DAVE })
  t.equal(response.statusCode, 200)
  const body = response.json<{ token: string, tokenType: string, expiresIn: number }>()
  t.same(Object.keys(body).sort(), ['expiresIn', 'token', 'tokenType'], 'nothing else from Auth0\'s answer')
  t.match(body, { tokenType: 'Bearer', expiresIn: 300, token: /^ey/ })
  const me = await app.inject({ url: '/me', headers: { authorization: `Bearer ${body.token}` } })
  t.equal(me.statusCode, 200, 'the token verifies against the tenant\'s keys')
  t.match(me.json(), { id: 'auth0|dave@example.com', name: 'dave@example.com' })

  t.equal(issuer.tokenRequests.length, 1)
  const sent = issuer.tokenRequests[0]
  t.equal(sent?.contentType, 'application/x-www-form-urlencoded', 'an OAuth form post')
  t.same(sent?.body, {
    grant_type: PASSWORD_REALM_GRANT,
    realm: DEFAULT_REALM,
    audience: issuer.audience,
    client_id: issuer.client.id,
    client_secret: issuer.client.secret,
    username: DAVE.username,
    password: DAVE.password,
    scope: 'openid'
  })
  t.equal(sent?.forwardedFor, '203.0.113.7', 'the user\'s IP for Auth0\'s brute-force protection')
})

t.test('wrong password and unknown user: the same 401 as local mode, never Auth0\'s body', async t => {
  const issuer = await startIssuer(t)
  const { app, lines } = await buildLogged(t, auth0Env(issuer))
  for (const payload of [{ ...DAVE, password: 'wrong' }, { username: 'nobody@example.com', password: 'x' }]) {
    const response = await app.inject({ method: 'POST', url: '/login', payload })
    t.equal(response.statusCode, 401)
    t.same(response.json(), INVALID_CREDENTIALS)
  }
  const refusals = lines.filter(l => l.msg === 'login refused')
  t.equal(refusals.length, 2)
  t.match(refusals[0], { level: 30, auth0: '403 invalid_grant: Wrong email or password.' }, 'Auth0\'s reason is in the log')
  t.notOk(lines.some(l => JSON.stringify(l).includes('wrong')), 'the password is not')
})

t.test('a tenant that refuses our application: 401 to the client, a warning for the operator', async t => {
  const issuer = await startIssuer(t)
  const cases: Array<[string, Record<string, string>, () => void, RegExp]> = [
    ['wrong client secret', { AUTH0_CLIENT_SECRET: 'not-the-secret' }, () => {}, /401 access_denied/],
    ['database connection not named as we ask', {}, () => { issuer.realm = 'Another-Connection' }, /400 invalid_request/]
  ]
  for (const [name, env, setUp, logged] of cases) {
    await t.test(name, async t => {
      setUp()
      t.teardown(() => { issuer.realm = DEFAULT_REALM })
      const { app, lines } = await buildLogged(t, auth0Env(issuer, env))
      const response = await app.inject({ method: 'POST', url: '/login', payload: DAVE })
      t.equal(response.statusCode, 401)
      t.same(response.json(), INVALID_CREDENTIALS)
      const warning = lines.find(l => l.level === 40)
      t.match(warning, { msg: /check the application/, auth0: logged })
    })
  }
})

t.test('a tenant that fails, hangs or cannot be reached: 502 with a clear message, no detail', async t => {
  const issuer = await startIssuer(t)
  const expected = { statusCode: 502, code: 'AUTH0_UNAVAILABLE', error: 'Bad Gateway', message: 'The Auth0 tenant did not answer the login request; try again later' }
  const limits = { jwks: { timeoutMs: 100, cacheTtlMs: 600_000, unknownKidCooldownMs: 10_000 } }

  issuer.tokenBehaviour = 'error'
  const failing = await buildLogged(t, auth0Env(issuer), limits)
  const failed = await failing.app.inject({ method: 'POST', url: '/login', payload: DAVE })
  t.equal(failed.statusCode, 502)
  t.same(failed.json(), expected)
  t.notMatch(failed.body, /internal detail/)
  t.match(failing.lines.find(l => l.level === 40), { msg: /unavailable/, auth0: /503 temporarily_unavailable/ })

  issuer.tokenBehaviour = 'hang'
  const hung = await failing.app.inject({ method: 'POST', url: '/login', payload: DAVE })
  t.equal(hung.statusCode, 502, 'a hanging tenant is given up after the timeout')
  t.same(hung.json(), expected)
  t.match(failing.lines.filter(l => l.level === 40).at(-1), { auth0: 'no answer within 100 ms' })

  // A port that was just free and is closed again: connection refused.
  const probe = createServer()
  await new Promise<void>(resolve => probe.listen(0, '127.0.0.1', resolve))
  const { port } = probe.address() as AddressInfo
  await new Promise(resolve => probe.close(resolve))
  const unreachable = await buildLogged(t, { AUTH0_DOMAIN: `http://127.0.0.1:${port}`, AUTH0_AUDIENCE: 'https://api', AUTH0_CLIENT_ID: 'id', AUTH0_CLIENT_SECRET: 'secret' })
  const refused = await unreachable.app.inject({ method: 'POST', url: '/login', payload: DAVE })
  t.equal(refused.statusCode, 502)
  t.same(refused.json(), expected)
  t.match(unreachable.lines.find(l => l.level === 40), { auth0: /unreachable: .*ECONNREFUSED/ })

  const empty = await serve(t, (_req, res) => res.end())
  const answersNothing = await build(t, { AUTH0_DOMAIN: empty.slice(0, -1), AUTH0_AUDIENCE: 'https://api', AUTH0_CLIENT_ID: 'id', AUTH0_CLIENT_SECRET: 'secret' })
  const nothing = await answersNothing.inject({ method: 'POST', url: '/login', payload: DAVE })
  t.equal(nothing.statusCode, 502, 'an empty answer is as good as none')
  t.same(nothing.json(), expected)
})

t.test('without client id and secret: the clear 400', async t => {
  const app = await build(t, { AUTH0_DOMAIN: 'http://127.0.0.1:9', AUTH0_AUDIENCE: 'https://api', AUTH0_CLIENT_ID: 'only-the-id' })
  const response = await app.inject({ method: 'POST', url: '/login', payload: DAVE })
  t.equal(response.statusCode, 400)
  t.match(response.json(), { code: 'USE_AUTH0_LOGIN', message: /log in through Auth0/ })
})

t.test('the login rate limit holds in auth0 mode too', async t => {
  const issuer = await startIssuer(t)
  const app = await build(t, auth0Env(issuer), { loginRateLimit: { max: 2, timeWindowMs: 60_000 } })
  const codes: number[] = []
  for (let i = 0; i < 3; i++) codes.push((await app.inject({ method: 'POST', url: '/login', payload: { ...DAVE, password: 'wrong' } })).statusCode)
  t.same(codes, [401, 401, 429])
  t.equal(issuer.tokenRequests.length, 2, 'the tenant was not asked once limited')
})

t.test('createPasswordExchange: what counts as an answer', async t => {
  const options = { audience: 'https://api', clientId: 'id', clientSecret: 'secret', timeoutMs: 500 }
  const credentials = { username: 'u', password: 'p' }
  const exp = Math.floor(Date.now() / 1000) + 120
  const tokenWithExp = `eyJhbGciOiJSUzI1NiJ9.${Buffer.from(JSON.stringify({ exp })).toString('base64url')}.sig`
  const answers: Array<[string, number, string, object]> = [
    ['200 without expires_in: the lifetime comes from exp', 200, JSON.stringify({ access_token: tokenWithExp }), { ok: true, token: { token: tokenWithExp, tokenType: 'Bearer', expiresIn: Number } }],
    ['200 without access_token', 200, JSON.stringify({ id_token: 'x' }), { ok: false, failure: 'unavailable', detail: /no access_token/ }],
    ['200 that is not JSON', 200, '<html>', { ok: false, failure: 'unavailable' }],
    ['200 that is JSON null', 200, 'null', { ok: false, failure: 'unavailable' }],
    ['403 invalid_grant', 403, JSON.stringify({ error: 'invalid_grant', error_description: 'Wrong email or password.' }), { ok: false, failure: 'rejected', setup: false }],
    ['403 unauthorized_client (Password grant not enabled)', 403, JSON.stringify({ error: 'unauthorized_client', error_description: 'Grant type not allowed' }), { ok: false, failure: 'rejected', setup: true }],
    ['401 access_denied from a rule: not a setup problem unless 401', 403, JSON.stringify({ error: 'access_denied', error_description: 'blocked by rule' }), { ok: false, failure: 'rejected', setup: false }],
    ['429 too_many_attempts', 429, JSON.stringify({ error: 'too_many_attempts', error_description: 'Your account has been blocked' }), { ok: false, failure: 'rejected', setup: false }],
    ['404 HTML (not a tenant)', 404, '<html>not found</html>', { ok: false, failure: 'unavailable', detail: '404' }]
  ]
  for (const [name, status, body, expected] of answers) {
    const issuer = await serve(t, (_req, res) => { res.writeHead(status, { 'content-type': 'application/json' }).end(body) })
    t.match(await createPasswordExchange({ ...options, issuer })(credentials), expected, name)
  }
  const elsewhere = await serve(t, () => t.fail('a redirect was followed'))
  const redirecting = await serve(t, (_req, res) => { res.writeHead(307, { location: `${elsewhere}oauth/token` }).end() })
  t.match(await createPasswordExchange({ ...options, issuer: redirecting })(credentials), { ok: false, failure: 'unavailable', detail: /unreachable/ }, 'a redirect is not followed')
})
