import fc from 'fast-check'
import t from 'tap'
import { build, client, connected, handshake, listen, localClaims, login, signHs256 } from '../helper.js'

const CODES = ['NO_TOKEN', 'INVALID_TOKEN', 'TOKEN_EXPIRED', 'TOKEN_REVOKED']
const b64url = fc.string({ unit: fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.split('')), maxLength: 200 })
/** Strings shaped like tokens and not: garbage, three random segments, JSON headers of any alg. */
const tokenLike = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.tuple(b64url, b64url, b64url).map(parts => parts.join('.')),
  fc.record({ alg: fc.constantFrom('none', 'HS256', 'HS512', 'RS256', 'ES256', 'None', ''), kid: fc.option(fc.string()) })
    .chain(header => fc.tuple(fc.constant(header), fc.object({ maxDepth: 1 }), b64url))
    .map(([header, payload, sig]) => `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${sig}`)
)

t.test('HTTP: no random or tampered token gets through; every answer is a contract 401', async t => {
  const app = await build(t)
  const valid = await login(app, 'alice')
  const [header = '', payload = '', signature = ''] = valid.split('.')
  // Tampering with the signed part (header or payload) must always fail.
  const tampered = fc.tuple(fc.boolean(), fc.nat(), fc.constantFrom(...'ABCabc012-_'.split(''))).map(([inHeader, at, ch]) => {
    const part = inHeader ? header : payload
    const i = at % part.length
    const changed = part.slice(0, i) + (part[i] === ch ? (ch === 'A' ? 'B' : 'A') : ch) + part.slice(i + 1)
    return inHeader ? `${changed}.${payload}.${signature}` : `${header}.${changed}.${signature}`
  })
  let runs = 0
  await fc.assert(fc.asyncProperty(fc.oneof(tokenLike, tampered), fc.constantFrom('Bearer ', 'bearer ', 'Bearer  ', 'Basic ', ''), async (token, scheme) => {
    runs++
    const response = await app.inject({ url: '/me', headers: { authorization: `${scheme}${token}` } })
    if (response.statusCode !== 401) return false
    const body = response.json<{ code: string }>()
    return CODES.includes(body.code)
  }), { numRuns: 400, interruptAfterTimeLimit: 15_000 })
  t.ok(runs > 50, `${runs} random tokens, all refused with a contract code`)
  t.equal((await app.inject({ url: '/me', headers: { authorization: `Bearer ${valid}` } })).statusCode, 200, 'the untampered token still works')
})

t.test('HTTP: random bodies never give a 5xx', async t => {
  const app = await build(t, {}, { loginRateLimit: { max: 100_000, timeWindowMs: 60_000 } })
  const token = await login(app, 'alice')
  let runs = 0
  await fc.assert(fc.asyncProperty(fc.constantFrom('/login', '/notifications', '/logout', '/token/refresh'), fc.oneof(fc.jsonValue(), fc.string()), async (url, body) => {
    runs++
    const response = await app.inject({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${url === '/logout' || url === '/token/refresh' ? 'x' : token}` },
      payload: typeof body === 'string' ? body : JSON.stringify(body)
    })
    return response.statusCode < 500
  }), { numRuns: 300, interruptAfterTimeLimit: 15_000 })
  t.ok(runs > 50, `${runs} random bodies, no 5xx`)
})

t.test('handshake: random auth objects, tokens and headers never connect, and the server keeps serving', async t => {
  const app = await build(t)
  const url = await listen(app)
  const headerValue = fc.string({ unit: fc.constantFrom(...'abcXYZ012 .-_=+/'.split('')), maxLength: 100 })
  const auth = fc.oneof(
    fc.anything({ maxDepth: 2 }),
    tokenLike.map(token => ({ token })),
    fc.record({ token: fc.anything({ maxDepth: 1 }) })
  )
  let runs = 0
  await fc.assert(fc.asyncProperty(auth, fc.option(headerValue), fc.option(tokenLike), async (authValue, authorization, query) => {
    runs++
    const result = await handshake(client(t, url, {
      auth: (typeof authValue === 'object' && authValue !== null && !Array.isArray(authValue) ? authValue : { value: authValue }) as Record<string, unknown>,
      ...(authorization === null ? {} : { extraHeaders: { authorization: `Bearer ${authorization}` } }),
      ...(query === null ? {} : { query: { token: query } })
    }))
    return !result.connected && CODES.includes((result.data as { code?: string } | undefined)?.code ?? '')
  }), { numRuns: 150, interruptAfterTimeLimit: 20_000 })
  t.ok(runs > 30, `${runs} random handshakes, all refused with a contract code`)
  const good = await connected(t, url, signHs256(localClaims({ sub: 'alice' })))
  t.match(await good.emitWithAck('message', { text: 'still serving' }), { ok: true })
})
