import t from 'tap'
import { connectRedis, reconnectDelay, redisTarget } from '../../src/redis.js'
import { freePort } from './nodes.js'

const quiet = { info: () => {}, warn: () => {}, debug: () => {} }

t.test('reconnection backs off exponentially, with jitter, up to the maximum', async t => {
  t.equal(reconnectDelay(1, 5000, () => 0), 50)
  t.equal(reconnectDelay(1, 5000, () => 1), 100)
  t.equal(reconnectDelay(4, 5000, () => 1), 800)
  t.equal(reconnectDelay(50, 5000, () => 1), 5000, 'never more than the maximum')
  t.equal(reconnectDelay(50, 5000, () => 0), 2500, 'and never all nodes at the same instant')
})

t.test('the Redis URL as logged: no user, no password', async t => {
  t.equal(redisTarget('redis://default:s3cret@redis.internal:6380/2'), 'redis://redis.internal:6380/2')
  t.equal(redisTarget('rediss://:s3cret@cache.example.com'), 'rediss://cache.example.com:6379')
})

t.test('a lost Redis: fire-and-forget commands cannot crash the process, awaited ones still fail, nothing waits', async t => {
  const link = connectRedis({ url: `redis://127.0.0.1:${await freePort()}`, commandTimeoutMs: 500, reconnectMaxDelayMs: 100, log: quiet })
  t.teardown(async () => await link.close())
  // What the Redis adapter does: publish and drop the promise. Unhandled, this rejection would end Node.
  link.commands.publish('channel', 'message')
  await t.rejects(link.commands.get('key'), /enableOfflineQueue/, 'fails at once instead of queueing')
  t.match(await link.check(), { ok: false, reason: /^Redis unavailable: commands connection/ })
  await link.close()
  await link.close()
  await t.rejects(link.commands.get('key'), /Connection is closed|enableOfflineQueue/, 'closed for good')
})
