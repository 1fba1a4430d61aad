import t from 'tap'
import { MemoryRevocations } from '../../src/auth/revocations.js'
import { ExpiryClock } from '../../src/realtime/expiry.js'
import { build, client, connected, handshake, listen, localClaims, login, next, now, realtime, signHs256 } from '../helper.js'

t.test('expiring, then expired, then disconnected by the server', async t => {
  const app = await build(t, {}, { expiringNoticeSec: 1 })
  const url = await listen(app)
  const exp = now() + 2
  // Listeners before the handshake: `auth:expiring` may come as soon as 1 ms after it.
  const socket = client(t, url, { auth: { token: signHs256(localClaims({ sub: 'bob', exp })) } })
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
  const socket = client(t, url, { auth: { token: signHs256(first) } })
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

const timeouts = (): number => process.getActiveResourcesInfo().filter(r => r === 'Timeout').length

function recordingClock (now?: () => number): { clock: ExpiryClock<string>, fired: string[] } {
  const fired: string[] = []
  const clock = new ExpiryClock<string>({ expiring: (item) => fired.push(`expiring ${item}`), expired: (item) => fired.push(`expired ${item}`) }, now)
  return { clock, fired }
}

t.test('expiry clock: one timer for every socket, a 30-day token waits (no setTimeout overflow), forget clears it', async t => {
  let clockReads = 0
  const base = Date.now()
  const { clock, fired } = recordingClock(() => { clockReads++; return base })
  const before = timeouts()
  const exp = Math.floor(base / 1000) + 30 * 86_400
  for (let i = 0; i < 1000; i++) clock.watch(`socket-${i}`, exp + i, 30)
  t.equal(timeouts(), before + 1, 'one timer for 1000 sockets')
  const reads = clockReads
  await new Promise(resolve => setTimeout(resolve, 30))
  // An overflowing delay would be clamped to 1 ms and tick again and again, reading the clock.
  t.equal(clockReads, reads, 'no tick while nothing is due')
  t.same(fired, [])
  t.equal(clock.size, 1000)
  for (let i = 0; i < 1000; i++) clock.forget(`socket-${i}`)
  t.equal(clock.size, 0)
  t.equal(timeouts(), before, 'forgetting the last socket clears the timer')
})

t.test('expiry clock: expiring at exp - notice, expired at exp, in order; at once when already due', async t => {
  let nowMs = 1_800_000_000_000
  const { clock, fired } = recordingClock(() => nowMs)
  const sec = nowMs / 1000
  clock.watch('a', sec + 100, 30)
  clock.watch('b', sec + 10, 30)
  clock.watch('c', sec - 5, 30)
  clock.tick()
  t.same(fired, ['expiring b', 'expiring c', 'expired c'], 'b is inside its notice: expiring at once; c has expired: both')
  nowMs += 9_999
  clock.tick()
  t.same(fired.length, 3, 'not before exp')
  nowMs += 1
  clock.tick()
  t.same(fired.slice(3), ['expired b'])
  nowMs += 60_000
  clock.tick()
  t.same(fired.slice(4), ['expiring a'])
  clock.watch('a', sec + 200, 30)
  nowMs += 30_000
  clock.tick()
  t.same(fired.slice(5), [], 'a watched again (refresh): its first exp passes without a word')
  nowMs += 70_000
  clock.tick()
  t.same(fired.slice(5), ['expiring a'], 'expiring again, before the new exp')
  nowMs += 30_000
  clock.tick()
  t.same(fired.slice(5), ['expiring a', 'expired a'])
  t.equal(clock.size, 0)
})

t.test('expiry clock: a handler may forget others; a jump of days (a suspended machine) fires what is due, in order', async t => {
  let nowMs = 1_800_000_000_000
  const sec = nowMs / 1000
  const fired: string[] = []
  const clock: ExpiryClock<string> = new ExpiryClock<string>({
    expiring: (item) => fired.push(`expiring ${item}`),
    expired: (item) => {
      fired.push(`expired ${item}`)
      if (item === 'first') clock.forget('second')
    }
  }, () => nowMs)
  clock.watch('later', sec + 40 * 86_400, 30)
  clock.watch('second', sec + 2 * 86_400, 0)
  clock.watch('first', sec + 86_400, 0)
  nowMs += 3 * 86_400_000
  clock.tick()
  t.same(fired, ['expiring first', 'expired first'], 'second was forgotten by first\'s handler; later is not due')
  t.equal(clock.size, 1)
  nowMs += 40 * 86_400_000
  clock.tick()
  t.same(fired.slice(2), ['expiring later', 'expired later'])
  t.equal(clock.size, 0)
})

t.test('expiry clock: the real timer fires expiring, then expired, with no tick called', async t => {
  const { clock, fired } = recordingClock()
  const sec = Math.floor(Date.now() / 1000)
  clock.watch('soon', sec + 1, 1)
  const deadline = Date.now() + 5000
  while (fired.length < 2 && Date.now() < deadline) await new Promise(resolve => setTimeout(resolve, 20))
  t.same(fired, ['expiring soon', 'expired soon'])
  t.ok(Date.now() >= (sec + 1) * 1000, 'not before exp')
  t.equal(clock.size, 0)
})

t.test('thousands of connect/disconnect cycles leave no timers behind', async t => {
  const { app, url, bob } = await realtime(t)
  /** Timeouts once the server has closed every connection and the closing ones' timers have run out. */
  const quietTimeouts = async (): Promise<number> => {
    for (let i = 0; i < 100 && app.io.engine.clientsCount > 0; i++) await new Promise(resolve => setTimeout(resolve, 20))
    let last = -1
    for (let i = 0; i < 50; i++) {
      const count = timeouts()
      if (count === last) return count
      last = count
      await new Promise(resolve => setTimeout(resolve, 100))
    }
    return last
  }
  const warm = await connected(t, url, bob)
  warm.disconnect()
  const before = await quietTimeouts()
  for (let round = 0; round < 20; round++) {
    const sockets = await Promise.all(Array.from({ length: 100 }, async () => await connected(t, url, bob)))
    await Promise.all(sockets.map(async s => { const gone = new Promise(resolve => s.once('disconnect', resolve)); s.disconnect(); await gone }))
  }
  // A socket the expiry clock kept watching would keep its timer armed: one more than before.
  const after = await quietTimeouts()
  t.equal(after, before, `timers before ${before}, after 2000 cycles ${after}`)
})
