import t from 'tap'
import { connected, next, realtime, record } from '../helper.js'

t.test('a lobby message reaches everyone, the sender included, with the sender from the token', async t => {
  const { url, alice, bob } = await realtime(t)
  const a = await connected(t, url, alice)
  const b = await connected(t, url, bob)
  const toA = next(a, 'message')
  const toB = next(b, 'message')
  const ack = await a.emitWithAck('message', { text: 'hello', sender: { id: 'bob', name: 'Bob' } } as { text: string })
  t.match(ack, { ok: true, id: String })
  const [gotA, gotB] = await Promise.all([toA, toB])
  t.same(gotA, gotB)
  t.match(gotB, { id: ack.ok ? ack.id : '', room: 'lobby', text: 'hello', sender: { id: 'alice', name: 'Alice' }, sentAt: String })
  t.notOk(Number.isNaN(Date.parse(gotB.sentAt)), 'sentAt is a date')
})

t.test('a message without an ack is delivered too', async t => {
  const { url, alice, bob } = await realtime(t)
  const a = await connected(t, url, alice)
  const b = await connected(t, url, bob)
  const got = next(b, 'message')
  a.emit('message', { text: 'no ack' })
  t.match(await got, { text: 'no ack', sender: { id: 'alice' } })
})

t.test('messages stay inside their room; NOT_IN_ROOM for a room the sender is not in', async t => {
  const { url, alice, bob } = await realtime(t)
  const a = await connected(t, url, alice)
  const b = await connected(t, url, bob)
  const bobSees = record(b, 'message')
  t.match(await a.emitWithAck('joinRoom', 'books'), { ok: true, room: 'books' })
  t.match(await a.emitWithAck('message', { text: 'in books', room: 'books' }), { ok: true })
  t.same(await b.emitWithAck('message', { text: 'sneaky', room: 'books' }), { ok: false, error: { code: 'NOT_IN_ROOM', message: 'Join books before sending to it' } })
  // A lobby message as a marker: Socket.IO keeps order per connection, so anything before it has arrived.
  const marker = next(b, 'message')
  await a.emitWithAck('message', { text: 'marker' })
  await marker
  t.same(bobSees.map(m => m.text), ['marker'], 'bob saw neither the books message nor his own refused one')
})

t.test('malformed payloads: INVALID_PAYLOAD through the ack, nothing broadcast, no crash', async t => {
  const { url, alice, bob } = await realtime(t)
  const a = await connected(t, url, alice)
  const b = await connected(t, url, bob)
  const bobSees = record(b, 'message')
  const bad: unknown[] = [
    { text: '' },
    { text: 'x'.repeat(2001) },
    { text: 42 },
    { text: ['a'] },
    { room: 'lobby' },
    'just a string',
    null,
    42,
    [{ text: 'in an array' }],
    { text: 'ok', room: 7 },
    { text: 'ok', room: '' }
  ]
  for (const payload of bad) {
    const ack = await a.emitWithAck('message', payload as { text: string })
    t.match(ack, { ok: false, error: { code: 'INVALID_PAYLOAD', message: String } }, JSON.stringify(payload))
  }
  t.match(await a.emitWithAck('message', { text: 'x', room: 'user:bob' }), { ok: false, error: { code: 'INVALID_ROOM' } })
  a.emit('message', { text: '' }) // no ack: ignored
  ;(a.emit as (event: string) => void)('message') // no payload at all
  a.emit('noSuchEvent' as 'message', { text: 'x' })
  a.emit('error' as 'message', { text: 'x' })
  const marker = next(b, 'message')
  t.match(await a.emitWithAck('message', { text: 'still alive' }), { ok: true })
  await marker
  t.same(bobSees.map(m => m.text), ['still alive'])
  t.ok(a.connected && b.connected)
})

t.test('a flood from one socket is rate-limited while another socket keeps flowing', async t => {
  const { url, alice, bob } = await realtime(t, {}, { socketRate: { burst: 5, perSecond: 1 } })
  const a = await connected(t, url, alice)
  const b = await connected(t, url, bob)
  const acks = await Promise.all(Array.from({ length: 20 }, async (_, i) => await a.emitWithAck('message', { text: `flood ${i}` })))
  const limited = acks.filter(ack => !ack.ok)
  t.equal(acks.filter(ack => ack.ok).length, 5, 'the burst passes')
  t.equal(limited.length, 15)
  t.match(limited[0], { ok: false, error: { code: 'RATE_LIMITED' } })
  t.match(await b.emitWithAck('message', { text: 'bob is fine' }), { ok: true })
  t.ok(a.connected, 'the flooder is limited, not dropped')
})
