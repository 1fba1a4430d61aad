import t from 'tap'
import { connected, next, realtime, record } from '../helper.js'

t.test('POST /notifications reaches every socket of the user and nobody else', async t => {
  const { app, url, alice, bob } = await realtime(t)
  const bob1 = await connected(t, url, bob)
  const bob2 = await connected(t, url, bob)
  const aliceSocket = await connected(t, url, alice)
  const aliceSees = record(aliceSocket, 'notification')
  const got = Promise.all([next(bob1, 'notification'), next(bob2, 'notification')])
  const response = await app.inject({ method: 'POST', url: '/notifications', headers: { authorization: `Bearer ${alice}` }, payload: { userId: 'bob', message: 'Standup in 5' } })
  t.equal(response.statusCode, 202)
  t.same(response.json(), { ok: true })
  const [n1, n2] = await got
  t.same(n1, n2)
  t.match(n1, { message: 'Standup in 5', from: { id: 'alice', name: 'Alice' }, sentAt: String })
  // Then one for alice herself: if she had received bob's, it would be first.
  const own = next(aliceSocket, 'notification')
  await app.inject({ method: 'POST', url: '/notifications', headers: { authorization: `Bearer ${alice}` }, payload: { userId: 'alice', message: 'note to self' } })
  await own
  t.same(aliceSees.map(n => n.message), ['note to self'])
})

t.test('403 without notify:send, 401 without a token, 400 for a bad body', async t => {
  const { app, alice, bob } = await realtime(t)
  const forbidden = await app.inject({ method: 'POST', url: '/notifications', headers: { authorization: `Bearer ${bob}` }, payload: { userId: 'alice', message: 'hi' } })
  t.equal(forbidden.statusCode, 403)
  t.same(forbidden.json(), { statusCode: 403, code: 'FORBIDDEN', error: 'Forbidden', message: 'This needs the permission notify:send' })
  const anonymous = await app.inject({ method: 'POST', url: '/notifications', payload: { userId: 'alice', message: 'hi' } })
  t.equal(anonymous.statusCode, 401)
  t.equal(anonymous.json().code, 'NO_TOKEN')
  for (const payload of [{ userId: 'bob' }, { userId: 'bob', message: '' }, { userId: 7, message: 'x' }, { userId: 'bob', message: 'x'.repeat(2001) }]) {
    const bad = await app.inject({ method: 'POST', url: '/notifications', headers: { authorization: `Bearer ${alice}` }, payload })
    t.equal(bad.statusCode, 400, JSON.stringify(payload))
  }
})
