import t from 'tap'
import { client, connected, handshake, realtime } from '../helper.js'

t.test('once the handshake is verified, the server keeps no copy of the token (other auth fields stay)', async t => {
  const { app, url, alice } = await realtime(t)
  await connected(t, url, alice)
  const [socket] = await app.io.fetchSockets()
  t.ok(socket, 'the socket is there')
  t.notOk(socket !== undefined && 'token' in socket.handshake.auth, 'auth.token is gone')
  t.equal(socket?.data.user.id, 'alice', 'socket.data.user holds who it is')
})

t.test('auth fields besides the token are left as sent', async t => {
  const { app, url, alice } = await realtime(t)
  const socket = client(t, url, { auth: { token: alice, locale: 'fr' } })
  t.same(await handshake(socket), { connected: true })
  const [server] = await app.io.fetchSockets()
  t.same(server?.handshake.auth, { locale: 'fr' })
})
