import fc from 'fast-check'
import t from 'tap'
import { connected, next, realtime, type TestSocket } from '../helper.js'

const ACK_CODES = ['INVALID_PAYLOAD', 'INVALID_ROOM', 'FORBIDDEN', 'NOT_IN_ROOM', 'RATE_LIMITED', 'NO_TOKEN', 'INVALID_TOKEN', 'TOKEN_EXPIRED', 'TOKEN_REVOKED']

function isAck (value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false
  const ack = value as { ok?: unknown, error?: { code?: unknown, message?: unknown } }
  if (ack.ok === true) return true
  return ack.ok === false && typeof ack.error?.message === 'string' && ACK_CODES.includes(String(ack.error.code))
}

t.test('random payloads on every event: acks in the contract shape, no crash, others unaffected', async t => {
  const { url, alice, bob } = await realtime(t, {}, { socketRate: { burst: 1_000_000, perSecond: 1_000_000 } })
  const fuzzer: TestSocket = await connected(t, url, bob)
  const bystander = await connected(t, url, alice)
  const emit = fuzzer.emitWithAck.bind(fuzzer) as (event: string, ...args: unknown[]) => Promise<unknown>
  const payload = fc.oneof(
    fc.anything({ maxDepth: 3, withBigInt: false }),
    fc.record({ text: fc.anything({ maxDepth: 1 }), room: fc.anything({ maxDepth: 1 }), sender: fc.anything({ maxDepth: 1 }) }, { requiredKeys: [] }),
    fc.string({ maxLength: 80 }),
    fc.string({ minLength: 1900, maxLength: 2100 }).map(text => ({ text }))
  )
  let runs = 0
  await fc.assert(fc.asyncProperty(fc.constantFrom('message', 'joinRoom', 'leaveRoom', 'auth:refresh'), payload, async (event, value) => {
    runs++
    const ack = await emit(event, value)
    return isAck(ack)
  }), { numRuns: 400, interruptAfterTimeLimit: 20_000 })
  t.ok(runs > 50, `${runs} random event payloads answered in the contract's ack shape`)

  // Unknown and reserved event names, raw packets the client library would refuse to send
  // (engine.io message '4' + socket.io EVENT '2'), and malformed packets: ignored, nothing breaks.
  const raw = ['error', 'connect', 'disconnect', 'disconnecting', 'newListener', '__proto__', 'constructor', 'x'.repeat(1000)]
    .map(name => `2${JSON.stringify([name, { text: 'x' }])}`)
    .concat(['2', '2[', '2[]', '2[1,2]', '2{"a":1}', '21[]', '2/admin,["message",{"text":"x"}]', '9'])
  for (const packet of raw) fuzzer.io.engine.send(packet)
  // (A packet Socket.IO cannot parse closes that one connection: that is the fuzzer's, not the bystander's.)
  const arrives = next(bystander, 'message')
  t.match(await bystander.emitWithAck('message', { text: 'after the fuzz' }), { ok: true })
  t.match(await arrives, { text: 'after the fuzz', sender: { id: 'alice' } })
})
