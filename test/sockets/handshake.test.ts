import t from 'tap'
import { build, client, connected, handshake, listen, login } from '../helper.js'

t.test('the token is found in each source of the contract', async t => {
  const app = await build(t)
  const url = await listen(app)
  const token = await login(app)
  const sources = {
    'auth.token': { auth: { token } },
    'auth.token with Bearer': { auth: { token: `Bearer ${token}` } },
    'Authorization header': { extraHeaders: { authorization: `Bearer ${token}` } },
    'token query parameter': { query: { token } }
  }
  for (const [name, options] of Object.entries(sources)) {
    t.same(await handshake(client(t, url, options)), { connected: true }, name)
  }
})

t.test('first source found wins: a bad auth.token is not rescued by a good header', async t => {
  const app = await build(t)
  const url = await listen(app)
  const token = await login(app)
  const result = await handshake(client(t, url, { auth: { token: 'bad' }, extraHeaders: { authorization: `Bearer ${token}` } }))
  t.match(result, { connected: false, data: { code: 'INVALID_TOKEN' } })
  const notString = await handshake(client(t, url, { auth: { token: { forged: true } } }))
  t.match(notString, { connected: false, data: { code: 'INVALID_TOKEN' } }, 'a token that is not a string is invalid')
})

t.test('a connected socket carries the user and sits in user:<id> and lobby', async t => {
  const app = await build(t)
  const url = await listen(app)
  const token = await login(app)
  const socket = await connected(t, url, token)
  const [server] = await app.io.fetchSockets()
  t.ok(server)
  if (server === undefined) return
  t.equal(server.id, socket.id)
  t.match(server.data.user, { id: 'alice', name: 'Alice', permissions: ['notify:send', 'join:private-staff'], expiresAt: String, tokenId: String })
  t.ok(server.rooms.has('user:alice'))
  t.ok(server.rooms.has('lobby'))
})

t.test('other namespaces do not exist, so nothing is reachable without the middleware', async t => {
  const app = await build(t)
  const url = await listen(app)
  const result = await handshake(client(t, `${url}/admin`))
  t.match(result, { connected: false, message: 'Invalid namespace' })
})

t.test('the handshake is refused for a cross-site Origin and allowed for a listed one', async t => {
  const app = await build(t, { CORS_ORIGINS: 'https://app.example' })
  const url = await listen(app)
  const token = await login(app)
  const evil = await handshake(client(t, url, { auth: { token }, extraHeaders: { origin: 'https://evil.example' } }))
  t.equal(evil.connected, false, 'cross-site WebSocket refused')
  const listed = await handshake(client(t, url, { auth: { token }, extraHeaders: { origin: 'https://app.example' } }))
  t.same(listed, { connected: true })
  const same = await handshake(client(t, url, { auth: { token }, extraHeaders: { origin: url } }))
  t.same(same, { connected: true }, 'same origin')
})

t.test('an oversized packet closes only that connection', async t => {
  const app = await build(t, {}, { maxPacketBytes: 1024 })
  const url = await listen(app)
  const token = await login(app)
  const big = await connected(t, url, token)
  const other = await connected(t, url, token)
  const closed = new Promise<string>(resolve => big.once('disconnect', resolve))
  big.emit('message', { text: 'x'.repeat(4096) })
  t.equal(await closed, 'transport close')
  t.ok(other.connected, 'the other socket stays')
})
