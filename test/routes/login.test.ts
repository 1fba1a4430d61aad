import t from 'tap'
import { build, login } from '../helper.js'

t.test('alice logs in and gets a Bearer token with the contract claims', async t => {
  const app = await build(t)
  const response = await app.inject({ method: 'POST', url: '/login', payload: { username: 'alice', password: 'wonderland' } })
  t.equal(response.statusCode, 200)
  const body = response.json<{ token: string, tokenType: string, expiresIn: number }>()
  t.equal(body.tokenType, 'Bearer')
  t.equal(body.expiresIn, 900)
  const claims = JSON.parse(Buffer.from(body.token.split('.')[1] ?? '', 'base64url').toString()) as Record<string, unknown>
  t.match(claims, { sub: 'alice', name: 'Alice', permissions: ['notify:send', 'join:private-staff'], jti: String, iat: Number, exp: Number })
  t.equal(JSON.parse(Buffer.from(body.token.split('.')[0] ?? '', 'base64url').toString()).alg, 'HS256')
  t.equal((claims.exp as number) - (claims.iat as number), 900)
  const me = await app.inject({ method: 'GET', url: '/me', headers: { authorization: `Bearer ${body.token}` } })
  t.same(me.json(), { id: 'alice', name: 'Alice', permissions: ['notify:send', 'join:private-staff'], expiresAt: new Date((claims.exp as number) * 1000).toISOString() })
  t.not(await login(app), body.token, 'each token has its own jti')
})

t.test('JWT_EXPIRES_IN sets the lifetime', async t => {
  const app = await build(t, { JWT_EXPIRES_IN: '90s' })
  const response = await app.inject({ method: 'POST', url: '/login', payload: { username: 'bob', password: 'builder' } })
  t.equal(response.json().expiresIn, 90)
})

t.test('wrong password and unknown user get the same answer', async t => {
  const app = await build(t)
  const wrong = await app.inject({ method: 'POST', url: '/login', payload: { username: 'alice', password: 'nope' } })
  const unknown = await app.inject({ method: 'POST', url: '/login', payload: { username: 'mallory', password: 'nope' } })
  const expected = { statusCode: 401, code: 'INVALID_CREDENTIALS', error: 'Unauthorized', message: 'Invalid username or password' }
  t.equal(wrong.statusCode, 401)
  t.same(wrong.json(), expected)
  t.equal(unknown.statusCode, 401)
  t.same(unknown.json(), expected)
})

t.test('bodies are validated by schema', async t => {
  const app = await build(t)
  const cases: Array<[unknown, RegExp]> = [
    [{ username: 'alice' }, /password/],
    [{ username: 'alice', password: 123 }, /password/],
    [{ username: '', password: 'x' }, /username/],
    [{ username: 'alice', password: 'x'.repeat(1025) }, /password/],
    [{ username: 'alice', password: 'wonderland', admin: true }, /additional/]
  ]
  for (const [payload, field] of cases) {
    const response = await app.inject({ method: 'POST', url: '/login', payload: payload as object })
    t.equal(response.statusCode, 400, JSON.stringify(payload))
    t.match(response.json().message, field)
  }
  const proto = await app.inject({ method: 'POST', url: '/login', headers: { 'content-type': 'application/json' }, payload: '{"username":"alice","password":"wonderland","__proto__":{"admin":true}}' })
  t.equal(proto.statusCode, 400, '__proto__ is refused')
})

t.test('login is rate-limited per IP', async t => {
  const app = await build(t, {}, { loginRateLimit: { max: 3, timeWindowMs: 60_000 } })
  const codes: number[] = []
  for (let i = 0; i < 5; i++) {
    codes.push((await app.inject({ method: 'POST', url: '/login', payload: { username: 'alice', password: 'wrong' } })).statusCode)
  }
  t.same(codes, [401, 401, 401, 429, 429])
  const other = await app.inject({ method: 'POST', url: '/login', remoteAddress: '10.1.2.3', payload: { username: 'alice', password: 'wonderland' } })
  t.equal(other.statusCode, 200, 'another IP is not limited')
})

t.test('auth0 mode without client credentials: a clear 4xx', async t => {
  const app = await build(t, { AUTH0_DOMAIN: 'http://127.0.0.1:9', AUTH0_AUDIENCE: 'https://api' })
  const response = await app.inject({ method: 'POST', url: '/login', payload: { username: 'alice', password: 'wonderland' } })
  t.equal(response.statusCode, 400)
  t.match(response.json().message, /log in through Auth0/)
})
