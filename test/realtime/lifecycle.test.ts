import t from 'tap'
import { MemoryRevocations } from '../../src/auth/revocations.js'
import { scheduleExpiry } from '../../src/realtime/expiry.js'
import { build, client, connected, handshake, listen, localClaims, login, next, now, realtime, signHs256 } from '../helper.js'

t.test('expiring, then expired, then disconnected by the server', async t => {
  const app = await build(t, {}, { expiringNoticeSec: 1 })
  const url = await listen(app)
  const exp = now() + 2
  const socket = await connected(t, url, signHs256(localClaims({ sub: 'bob', exp })))
  const expiresAt = new Date(exp * 1000).toISOString()
  const events: string[] = []
  socket.on('auth:expiring', () => events.push('expiring'))
  socket.on('auth:expired', () => events.push('expired'))
  const reason = await new Promise(resolve => socket.once('disconnect', resolve))
  t.same(events, ['expiring', 'expired'])
  t.equal(reason, 'io server disconnect')
  t.ok(Date.now() >= Date.parse(expiresAt), 'not before exp')
})

t.test('expiring comes at once when less than the notice is left', async t => {
  const app = await build(t, {}, { expiringNoticeSec: 30 })
  const url = await listen(app)
  const exp = now() + 20
  const socket = client(t, url, { auth: { token: signHs256(localClaims({ exp })) } })
  const expiring = next(socket, 'auth:expiring')
  t.same(await expiring, { expiresAt: new Date(exp * 1000).toISOString() })
})

t.test('auth:refresh keeps the socket past the first exp and updates the user', async t => {
  const app = await build(t, {}, { expiringNoticeSec: 1 })
  const url = await listen(app)
  const first = localClaims({ sub: 'bob', exp: now() + 2, permissions: [] })
  const socket = await connected(t, url, signHs256(first))
  let expired = false
  socket.on('auth:expired', () => { expired = true })
  await next(socket, 'auth:expiring')
  const exp = now() + 60
  const ack = await socket.emitWithAck('auth:refresh', signHs256(localClaims({ sub: 'bob', exp, permissions: ['join:private-staff'] })))
  t.same(ack, { ok: true, expiresAt: new Date(exp * 1000).toISOString() })
  t.match(await socket.emitWithAck('joinRoom', 'private-staff'), { ok: true }, 'new permissions apply')
  // Wait past the first token's exp (plus a margin) by the server's own clock: an event round trip after it.
  await new Promise(resolve => setTimeout(resolve, Math.max(0, first.exp as number * 1000 - Date.now()) + 300))
  t.match(await socket.emitWithAck('message', { text: 'still here' }), { ok: true })
  t.equal(expired, false)
  t.ok(socket.connected)
})

t.test('auth:refresh with another user\'s token is refused and the old expiry stands', async t => {
  const app = await build(t, {}, { expiringNoticeSec: 1 })
  const url = await listen(app)
  const exp = now() + 2
  const socket = await connected(t, url, signHs256(localClaims({ sub: 'bob', exp })))
  const ack = await socket.emitWithAck('auth:refresh', signHs256(localClaims({ sub: 'alice', exp: now() + 600 })))
  t.same(ack, { ok: false, error: { code: 'FORBIDDEN', message: 'The new token is for another user' } })
  t.same(await next(socket, 'auth:expired'), { expiresAt: new Date(exp * 1000).toISOString() })
})

t.test('auth:refresh with a bad token answers the token code', async t => {
  const { url, bob } = await realtime(t)
  const socket = await connected(t, url, bob)
  t.match(await socket.emitWithAck('auth:refresh', 'garbage'), { ok: false, error: { code: 'INVALID_TOKEN' } })
  t.match(await socket.emitWithAck('auth:refresh', signHs256(localClaims({ sub: 'bob', exp: now() - 60 }))), { ok: false, error: { code: 'TOKEN_EXPIRED' } })
  t.match(await socket.emitWithAck('auth:refresh', 42 as unknown as string), { ok: false, error: { code: 'INVALID_PAYLOAD' } })
  t.ok(socket.connected)
})

t.test('logout disconnects the sockets of that token only, and the token is revoked everywhere', async t => {
  const { app, url } = await realtime(t)
  const token = await login(app, 'bob')
  const other = await login(app, 'bob')
  const s1 = await connected(t, url, token)
  const s2 = await connected(t, url, token)
  const s3 = await connected(t, url, other)
  const closed = Promise.all([s1, s2].map(async s => await new Promise(resolve => s.once('disconnect', resolve))))
  const response = await app.inject({ method: 'POST', url: '/logout', headers: { authorization: `Bearer ${token}` } })
  t.equal(response.statusCode, 204)
  t.same(await closed, ['io server disconnect', 'io server disconnect'])
  t.match(await s3.emitWithAck('message', { text: 'still here' }), { ok: true }, 'the same user\'s other token keeps its socket')
  const me = await app.inject({ method: 'GET', url: '/me', headers: { authorization: `Bearer ${token}` } })
  t.equal(me.statusCode, 401)
  t.same(me.json(), { statusCode: 401, code: 'TOKEN_REVOKED', error: 'Unauthorized', message: 'Authentication error: Token revoked' })
  t.same(await handshake(client(t, url, { auth: { token } })), { connected: false, message: 'Authentication error: Token revoked', data: { code: 'TOKEN_REVOKED' } })
  t.match(await s3.emitWithAck('auth:refresh', token), { ok: false, error: { code: 'TOKEN_REVOKED' } })
})

t.test('POST /token/refresh: a fresh token with a new jti; the old one is revoked', async t => {
  const { app, url } = await realtime(t)
  const old = await login(app, 'alice')
  const socket = await connected(t, url, old)
  const response = await app.inject({ method: 'POST', url: '/token/refresh', headers: { authorization: `Bearer ${old}` } })
  t.equal(response.statusCode, 200)
  const fresh = response.json<{ token: string, tokenType: string, expiresIn: number }>()
  t.match(fresh, { token: String, tokenType: 'Bearer', expiresIn: 900 })
  const claims = (tok: string): Record<string, unknown> => JSON.parse(Buffer.from(tok.split('.')[1] ?? '', 'base64url').toString())
  t.not(claims(fresh.token).jti, claims(old).jti)
  t.match(claims(fresh.token), { sub: 'alice', name: 'Alice', permissions: ['notify:send', 'join:private-staff'] })
  t.equal((await app.inject({ url: '/me', headers: { authorization: `Bearer ${old}` } })).json().code, 'TOKEN_REVOKED')
  t.equal((await app.inject({ url: '/me', headers: { authorization: `Bearer ${fresh.token}` } })).statusCode, 200)
  t.match(await socket.emitWithAck('auth:refresh', fresh.token), { ok: true }, 'the live socket takes the fresh token')
})

t.test('POST /token/refresh is rate-limited and refused in auth0 mode', async t => {
  const app = await build(t, {}, { loginRateLimit: { max: 2, timeWindowMs: 60_000 } })
  const token = await login(app, 'bob')
  const codes = []
  for (let i = 0; i < 3; i++) codes.push((await app.inject({ method: 'POST', url: '/token/refresh', headers: { authorization: `Bearer ${token}` } })).statusCode)
  t.same(codes, [200, 401, 429], 'second use of the (now revoked) token is 401, then limited')
  const auth0 = await build(t, { AUTH0_DOMAIN: 'http://127.0.0.1:9', AUTH0_AUDIENCE: 'x' })
  const refused = await auth0.inject({ method: 'POST', url: '/token/refresh', headers: { authorization: 'Bearer x' } })
  t.equal(refused.statusCode, 401, 'a token is checked first')
})

t.test('revocation entries disappear after exp', async t => {
  let clock = 1_000_000
  const store = new MemoryRevocations(60_000, () => clock)
  t.teardown(async () => await store.close())
  await store.revoke('a', clock + 1000)
  await store.revoke('b', clock + 5000)
  await store.revoke('gone', clock - 1)
  t.equal(store.size, 2, 'an already expired token is not stored')
  t.ok(store.isRevoked('a'))
  clock += 2000
  t.notOk(store.isRevoked('a'), 'a expired: not revoked any more (it fails on exp instead)')
  store.sweep()
  t.equal(store.size, 1)
  clock += 5000
  store.sweep()
  t.equal(store.size, 0)
})

t.test('expiry timers: a 30-day token waits (no setTimeout overflow), and cancel clears it', async t => {
  const fired: string[] = []
  let clockReads = 0
  const base = Date.now()
  const clock = (): number => { clockReads++; return base }
  const cancel = scheduleExpiry(base + 30 * 86_400_000, 30_000, { expiring: () => fired.push('expiring'), expired: () => fired.push('expired') }, clock)
  const timersBefore = process.getActiveResourcesInfo().filter(r => r === 'Timeout').length
  await new Promise(resolve => setTimeout(resolve, 30))
  t.same(fired, [], 'nothing fired')
  // An overflowing delay would be clamped to 1 ms and spin: the clock would be read again and again.
  t.equal(clockReads, 1, 'one timer, armed once')
  cancel()
  t.equal(process.getActiveResourcesInfo().filter(r => r === 'Timeout').length, timersBefore - 1, 'cancel clears it')
})

t.test('expiry timers: the chain fires expiring then expired in order when time has passed', async t => {
  const fired: string[] = []
  const base = Date.now()
  await new Promise<void>(resolve => {
    scheduleExpiry(base + 40, 20, { expiring: () => fired.push('expiring'), expired: () => { fired.push('expired'); resolve() } })
  })
  t.same(fired, ['expiring', 'expired'])
  t.ok(Date.now() >= base + 40)
})

t.test('thousands of connect/disconnect cycles leave no timers behind', async t => {
  const { url, bob } = await realtime(t)
  const timers = (): number => process.getActiveResourcesInfo().filter(r => r === 'Timeout').length
  const warm = await connected(t, url, bob)
  warm.disconnect()
  const before = timers()
  for (let round = 0; round < 20; round++) {
    const sockets = await Promise.all(Array.from({ length: 100 }, async () => await connected(t, url, bob)))
    await Promise.all(sockets.map(async s => { const gone = new Promise(resolve => s.once('disconnect', resolve)); s.disconnect(); await gone }))
  }
  // Closing WebSockets keep short-lived close timers (ws); wait, bounded, until those have run out.
  let after = timers()
  for (let i = 0; i < 100 && after > before + 5; i++) {
    await new Promise(resolve => setTimeout(resolve, 50))
    after = timers()
  }
  t.ok(after <= before + 5, `timers before ${before}, after 2000 cycles ${after}`)
})
