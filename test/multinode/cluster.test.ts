import { once } from 'node:events'
import t, { type Test } from 'tap'
import { client, connected, handshake, login, next, record } from '../helper.js'
import { disconnection, node, redisUnavailable, serverSocket, sharedRedisUrl, uniquePrefix, type Node } from './nodes.js'

// Two app instances on two ports, one Redis: what a user of one node does reaches the other.
const skip = redisUnavailable()
if (skip !== false) {
  t.comment(skip)
  t.pass(skip)
  t.end()
} else {
  const redisUrl = sharedRedisUrl()

  /** Nodes A and B on their own key prefix (test files run in parallel on the same Redis). */
  async function pair (t: Test): Promise<{ a: Node, b: Node }> {
    const prefix = uniquePrefix()
    return { a: await node(t, redisUrl, prefix), b: await node(t, redisUrl, prefix) }
  }

  t.test('a lobby message from a socket on A reaches a socket on B, sender from the token', async t => {
    const { a, b } = await pair(t)
    const onA = await connected(t, a.url, await login(a.app, 'alice'))
    const onB = await connected(t, b.url, await login(b.app, 'bob'))
    const arrives = next(onB, 'message')
    const ack = await onA.emitWithAck('message', { text: 'hello from A' })
    t.match(ack, { ok: true, id: String })
    t.match(await arrives, { room: 'lobby', text: 'hello from A', sender: { id: 'alice', name: 'Alice' } })
  })

  t.test('a notification to bob through A\'s HTTP reaches his socket on B, and only his', async t => {
    const { a, b } = await pair(t)
    const alice = await login(a.app, 'alice')
    const bobOnB = await connected(t, b.url, await login(b.app, 'bob'))
    const aliceOnB = await connected(t, b.url, alice)
    const aliceSees = record(aliceOnB, 'notification')
    const arrives = next(bobOnB, 'notification')
    const response = await a.app.inject({ method: 'POST', url: '/notifications', headers: { authorization: `Bearer ${alice}` }, payload: { userId: 'bob', message: 'Standup in 5' } })
    t.equal(response.statusCode, 202)
    t.match(await arrives, { message: 'Standup in 5', from: { id: 'alice', name: 'Alice' } })
    // One to alice herself next: had she received bob's, it would come first.
    const own = next(aliceOnB, 'notification')
    await a.app.inject({ method: 'POST', url: '/notifications', headers: { authorization: `Bearer ${alice}` }, payload: { userId: 'alice', message: 'note to self' } })
    await own
    t.same(aliceSees.map(n => n.message), ['note to self'])
  })

  t.test('presence counts tabs on every node: bob is offline only when his tab on each node has closed', async t => {
    const { a, b } = await pair(t)
    const watcher = client(t, a.url, { auth: { token: await login(a.app, 'alice') } })
    // Her own "online" comes after the connect: A asks the other nodes first (a Redis round trip).
    const herself = next(watcher, 'presence')
    t.match(await handshake(watcher), { connected: true })
    t.same(await herself, { userId: 'alice', name: 'Alice', status: 'online' })
    const seen = record(watcher, 'presence')

    const online = next(watcher, 'presence')
    const tabOnA = await connected(t, a.url, await login(a.app, 'bob'))
    t.same(await online, { userId: 'bob', name: 'Bob', status: 'online' })

    // B's connection handler has run (its listener comes before ours) and its cross-node count has
    // answered (our fetchSockets is answered after it): no second "online" can still be on its way.
    const joined = once(b.app.io, 'connection')
    const tabOnB = await connected(t, b.url, await login(b.app, 'bob'))
    await joined
    await b.app.io.in('user:bob').fetchSockets()

    // The tab on A closes: A asks B, finds the tab there, and stays quiet.
    const closedOnA = new Promise<void>(resolve => serverSocket(a.app, tabOnA).once('disconnect', resolve))
    tabOnA.disconnect()
    await closedOnA
    t.same((await a.app.io.in('user:bob').fetchSockets()).map(s => s.id), [tabOnB.id], 'A sees bob\'s tab on B')
    t.same(seen, [{ userId: 'bob', name: 'Bob', status: 'online' }], 'no offline while a tab is open on B')

    const offline = next(watcher, 'presence')
    tabOnB.disconnect()
    t.same(await offline, { userId: 'bob', name: 'Bob', status: 'offline' })
    t.same(seen, [
      { userId: 'bob', name: 'Bob', status: 'online' },
      { userId: 'bob', name: 'Bob', status: 'offline' }
    ], 'exactly one online and one offline for two tabs on two nodes')
  })

  t.test('logout on A disconnects the token\'s socket on B; B then refuses the token on HTTP and handshake', async t => {
    const { a, b } = await pair(t)
    const token = await login(a.app, 'bob')
    const other = await login(a.app, 'bob')
    const onB = await connected(t, b.url, token)
    const otherOnB = await connected(t, b.url, other)
    const closed = disconnection(onB)

    const logout = await a.app.inject({ method: 'POST', url: '/logout', headers: { authorization: `Bearer ${token}` } })
    t.equal(logout.statusCode, 204)
    t.equal(await closed, 'io server disconnect', 'B closed the socket of the logged-out token')

    const me = await b.app.inject({ url: '/me', headers: { authorization: `Bearer ${token}` } })
    t.equal(me.statusCode, 401)
    t.equal(me.json().code, 'TOKEN_REVOKED')
    t.match(await handshake(client(t, b.url, { auth: { token } })), { connected: false, data: { code: 'TOKEN_REVOKED' } })

    // bob's other token (another tab, another login) is untouched.
    t.ok(otherOnB.connected)
    t.match(await otherOnB.emitWithAck('message', { text: 'still here' }), { ok: true })
    t.equal((await b.app.inject({ url: '/me', headers: { authorization: `Bearer ${other}` } })).statusCode, 200)
  })
}
