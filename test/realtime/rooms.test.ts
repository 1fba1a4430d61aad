import t from 'tap'
import { roomPolicy } from '../../src/realtime/rooms.js'
import { build, connected, listen, localClaims, next, realtime, record, signHs256 } from '../helper.js'

t.test('roomPolicy decides who may join what', async t => {
  const cases: Array<[string[], string, string]> = [
    [[], 'books', 'ok'],
    [[], 'lobby', 'ok'],
    [[], 'a'.repeat(64), 'ok'],
    [[], 'a'.repeat(65), 'INVALID_ROOM'],
    [[], '', 'INVALID_ROOM'],
    [[], 'with space', 'INVALID_ROOM'],
    [[], '../etc', 'INVALID_ROOM'],
    [[], 'user:bob', 'FORBIDDEN'],
    [['join:*'], 'user:bob', 'FORBIDDEN'],
    [['join:user:bob'], 'user:bob', 'FORBIDDEN'],
    [[], 'token:abc', 'FORBIDDEN'],
    [[], 'private-staff', 'FORBIDDEN'],
    [['join:private-other'], 'private-staff', 'FORBIDDEN'],
    [['join:private-staff'], 'private-staff', 'ok'],
    [['join:*'], 'private-staff', 'ok'],
    [['join:private-staff'], 'private-staffroom', 'FORBIDDEN']
  ]
  for (const [permissions, room, expected] of cases) {
    const verdict = roomPolicy(permissions, room)
    t.equal(verdict.ok ? 'ok' : verdict.code, expected, `${JSON.stringify(permissions)} → ${room}`)
  }
})

t.test('private rooms: refused without the permission, allowed with it', async t => {
  const { url, alice, bob } = await realtime(t)
  const a = await connected(t, url, alice)
  const b = await connected(t, url, bob)
  const joined = next(a, 'roomJoined')
  t.same(await a.emitWithAck('joinRoom', 'private-staff'), { ok: true, room: 'private-staff' })
  t.equal(await joined, 'private-staff', 'roomJoined to the socket')
  t.same(await b.emitWithAck('joinRoom', 'private-staff'), { ok: false, error: { code: 'FORBIDDEN', message: 'Joining private-staff needs the permission join:private-staff' } })
  t.match(await b.emitWithAck('message', { text: 'let me in', room: 'private-staff' }), { ok: false, error: { code: 'NOT_IN_ROOM' } })
})

t.test('permissions from scope count too', async t => {
  const app = await build(t)
  const url = await listen(app)
  const socket = await connected(t, url, signHs256(localClaims({ scope: 'read join:private-ops' })))
  t.match(await socket.emitWithAck('joinRoom', 'private-ops'), { ok: true })
})

t.test('user: rooms, bad names and wrong types are refused', async t => {
  const { url, bob } = await realtime(t)
  const b = await connected(t, url, bob)
  t.match(await b.emitWithAck('joinRoom', 'user:alice'), { ok: false, error: { code: 'FORBIDDEN' } })
  t.match(await b.emitWithAck('joinRoom', 'bad name!'), { ok: false, error: { code: 'INVALID_ROOM' } })
  t.match(await b.emitWithAck('joinRoom', 'x'.repeat(65)), { ok: false, error: { code: 'INVALID_ROOM' } })
  t.match(await b.emitWithAck('joinRoom', { room: 'books' } as unknown as string), { ok: false, error: { code: 'INVALID_PAYLOAD' } })
  t.match(await b.emitWithAck('leaveRoom', 'user:bob'), { ok: false, error: { code: 'INVALID_ROOM' } })
  t.match(await b.emitWithAck('leaveRoom', 42 as unknown as string), { ok: false, error: { code: 'INVALID_PAYLOAD' } })
})

t.test('leaveRoom: messages to that room stop', async t => {
  const { url, alice, bob } = await realtime(t)
  const a = await connected(t, url, alice)
  const b = await connected(t, url, bob)
  await a.emitWithAck('joinRoom', 'books')
  await b.emitWithAck('joinRoom', 'books')
  const bobSees = record(b, 'message')
  t.same(await b.emitWithAck('leaveRoom', 'books'), { ok: true, room: 'books' })
  await a.emitWithAck('message', { text: 'after bob left', room: 'books' })
  const marker = next(b, 'message')
  await a.emitWithAck('message', { text: 'marker' })
  await marker
  t.same(bobSees.map(m => m.text), ['marker'])
  t.match(await b.emitWithAck('message', { text: 'x', room: 'books' }), { ok: false, error: { code: 'NOT_IN_ROOM' } })
})
