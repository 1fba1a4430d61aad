import { Redis } from 'ioredis'
import t from 'tap'
import { build, buildWithLogs, client, connected, handshake, listen, login, next } from '../helper.js'
import { disconnection, eventually, fastRedis, freePort, node, privateRedis, redisUnavailable, sharedRedisUrl, uniquePrefix, untilReady } from './nodes.js'

// Redis that is not there, or goes away: the server starts and keeps serving what it can locally,
// says so on GET /ready, and recovers by itself. Each test runs its own redis-server to kill.
const me = (token: string) => ({ url: '/me', headers: { authorization: `Bearer ${token}` } })

t.test('Redis unreachable at start: the server starts, /ready is 503 and says why, and the URL\'s password is never logged', async t => {
  const port = await freePort()
  const { app, lines, text } = await buildWithLogs(t, { REDIS_URL: `redis://user:redis-password-never-logged@127.0.0.1:${port}` }, fastRedis)
  t.equal((await app.inject('/health')).statusCode, 200, 'the process runs')
  const ready = await untilReady(app, 503)
  t.equal(ready.status, 'not ready')
  t.equal(ready.checks.redis?.ok, false)
  t.match(ready.checks.redis?.reason, /^Redis unavailable: commands connection (connecting|reconnecting)/)
  t.equal(ready.checks.auth?.ok, true, 'only Redis is missing')

  // Fail closed (the default): without the revocation store a token cannot be checked.
  const token = await login(app, 'alice')
  const refused = await app.inject(me(token))
  t.equal(refused.statusCode, 401)
  t.same(refused.json(), { statusCode: 401, code: 'INVALID_TOKEN', error: 'Unauthorized', message: 'Authentication error: Invalid token' })

  await eventually(() => lines.some(line => line.msg === 'redis: unreachable, retrying with backoff'), 'the outage is logged')
  t.match(lines.find(line => line.msg === 'redis: unreachable, retrying with backoff'), { level: 40, redis: `redis://127.0.0.1:${port}`, error: 'ECONNREFUSED' })
  t.equal(lines.filter(line => line.msg === 'redis: unreachable, retrying with backoff' && line.role === 'commands').length, 1, 'once per outage, not once per retry')
  t.notMatch(text(), 'redis-password-never-logged')
})

t.test('REVOCATION_FAIL_MODE=open: Redis down, tokens are accepted unchecked on HTTP and on the handshake', async t => {
  const app = await build(t, { REDIS_URL: `redis://127.0.0.1:${await freePort()}`, REVOCATION_FAIL_MODE: 'open' }, fastRedis)
  await app.listen({ port: 0, host: '127.0.0.1' })
  await untilReady(app, 503)
  const token = await login(app, 'bob')
  t.equal((await app.inject(me(token))).statusCode, 200)
  const address = app.server.address()
  const url = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`
  t.same(await handshake(client(t, url, { auth: { token } })), { connected: true })
})

// These need a redis-server binary to start and kill; they skip with the shared Redis tests.
const skip = redisUnavailable()

t.test('Redis comes up after the server: /ready turns 200 and tokens are checked again', { skip }, async t => {
  const port = await freePort()
  const app = await build(t, { REDIS_URL: `redis://127.0.0.1:${port}` }, fastRedis)
  await untilReady(app, 503)
  const token = await login(app, 'alice')
  t.equal((await app.inject(me(token))).json().code, 'INVALID_TOKEN', 'refused while Redis is away (fail closed)')
  await privateRedis(t, port)
  await untilReady(app, 200)
  t.equal((await app.inject(me(token))).statusCode, 200)
})

t.test('Redis lost while running: local delivery goes on, nothing crashes, /ready 503, then recovery', { skip }, async t => {
  const redis = await privateRedis(t)
  const prefix = uniquePrefix()
  const a = await node(t, redis.url, prefix)
  const b = await node(t, redis.url, prefix)
  const open = await node(t, redis.url, prefix, { REVOCATION_FAIL_MODE: 'open' })
  const alice = await login(a.app, 'alice')
  const bob = await login(a.app, 'bob')
  const alice1 = await connected(t, a.url, alice)
  const alice2 = await connected(t, a.url, alice)
  const bobOnB = await connected(t, b.url, bob)
  const leaving = await connected(t, a.url, await login(a.app, 'bob'))
  const loggedOut = await login(a.app, 'bob')
  const loggedOutOnOpen = await connected(t, open.url, loggedOut)

  await redis.kill()
  for (const { app } of [a, b, open]) {
    const ready = await untilReady(app, 503)
    t.match(ready.checks.redis?.reason, /^Redis (unavailable|does not answer)/)
  }

  // Local delivery goes on: alice's two tabs on A still talk.
  const heard = next(alice2, 'message')
  t.match(await alice1.emitWithAck('message', { text: 'during the outage' }), { ok: true })
  t.match(await heard, { text: 'during the outage', sender: { id: 'alice' } })
  // A socket closing asks the other nodes for presence: that query fails, and is only logged.
  const left = disconnection(leaving)
  leaving.disconnect()
  await left

  // Fail closed on A and B; open on the third node.
  t.equal((await a.app.inject(me(bob))).json().code, 'INVALID_TOKEN')
  t.match(await handshake(client(t, b.url, { auth: { token: bob } })), { connected: false, data: { code: 'INVALID_TOKEN' } })
  t.equal((await open.app.inject(me(bob))).statusCode, 200)
  // Live sockets stay connected through the outage.
  t.ok(bobOnB.connected && alice1.connected)

  // A logout while Redis is away holds on its own node at once (and its sockets there close)...
  const closed = disconnection(loggedOutOnOpen)
  t.equal((await open.app.inject({ method: 'POST', url: '/logout', headers: { authorization: `Bearer ${loggedOut}` } })).statusCode, 204)
  t.equal(await closed, 'io server disconnect')
  t.equal((await open.app.inject(me(loggedOut))).json().code, 'TOKEN_REVOKED')

  await redis.start()
  for (const { app } of [a, b, open]) await untilReady(app, 200)

  // Messages flow between nodes again, to the sockets that stayed connected.
  const crossed = next(bobOnB, 'message')
  t.match(await alice1.emitWithAck('message', { text: 'after the outage' }), { ok: true })
  t.match(await crossed, { text: 'after the outage', sender: { id: 'alice' } })
  t.equal((await b.app.inject(me(bob))).statusCode, 200)
  // ...and reaches the other nodes once Redis is back.
  await eventually(async () => (await b.app.inject(me(loggedOut))).json<{ code?: string }>().code === 'TOKEN_REVOKED', 'the logout made during the outage reaches B')
  t.equal(open.app.redis?.revocations.pending, 0)
})

t.test('a node that never answers: presence gives up after adapterTimeoutMs, logs it, and nothing crashes', { skip }, async t => {
  const redisUrl = sharedRedisUrl()
  const prefix = uniquePrefix()
  // Subscribed to the adapter's request channel, so it counts as a node; it never replies.
  const silent = new Redis(redisUrl)
  t.teardown(() => silent.disconnect())
  await silent.subscribe(`${prefix}socket.io-request#/#`)
  const { app, lines } = await buildWithLogs(t, { REDIS_URL: redisUrl, REDIS_KEY_PREFIX: prefix }, { ...fastRedis, adapterTimeoutMs: 200 })
  const url = await listen(app)
  await untilReady(app, 200)

  const socket = await connected(t, url, await login(app, 'bob'))
  const gaveUp = (): boolean => lines.some(line => line.msg === 'presence: could not count sockets across nodes')
  await eventually(gaveUp, 'the presence query timed out')
  t.match(lines.find(line => line.msg === 'presence: could not count sockets across nodes'), { userId: 'bob', error: /timeout reached while waiting for fetchSockets response/ })
  t.match(await socket.emitWithAck('message', { text: 'still here' }), { ok: true }, 'the node carries on')
})
