import { Redis } from 'ioredis'
import t from 'tap'
import { AuthError } from '../../src/auth/errors.js'
import { RedisRevocations, type RevocationCommands, type RevocationStore } from '../../src/auth/revocations.js'
import { createTokenVerifier } from '../../src/auth/verifier.js'
import { ConfigError, loadConfig } from '../../src/config.js'
import { TEST_SECRET } from '../helper.js'
import { redisUnavailable, sharedRedisUrl, uniquePrefix } from './nodes.js'

/** A Redis stand-in that records commands and fails while `down` is true. */
function fakeRedis (): RevocationCommands & { down: boolean, sets: Array<[string, string, string, number]>, keys: Set<string> } {
  const fake = {
    down: false,
    sets: [] as Array<[string, string, string, number]>,
    keys: new Set<string>(),
    async set (key: string, value: string, px: 'PX', ms: number): Promise<unknown> {
      if (fake.down) throw new Error('Stream isn\'t writeable')
      fake.sets.push([key, value, px, ms])
      fake.keys.add(key)
      return 'OK'
    },
    async exists (key: string): Promise<number> {
      if (fake.down) throw new Error('Stream isn\'t writeable')
      return fake.keys.has(key) ? 1 : 0
    }
  }
  return fake
}

t.test('RedisRevocations: SET <prefix>revoked:<id> 1 PX <ms until exp>, checked with EXISTS', async t => {
  const redis = fakeRedis()
  const now = 1_000_000
  const store = new RedisRevocations(redis, { prefix: 'app:', now: () => now })
  t.teardown(async () => await store.close())
  await store.revoke('jti-1', now + 90_000)
  t.same(redis.sets, [['app:revoked:jti-1', '1', 'PX', 90_000]])
  await store.revoke('already-expired', now - 1)
  t.equal(redis.sets.length, 1, 'an expired token needs no entry')

  // Another node: nothing in its memory, the answer comes from Redis.
  const elsewhere = new RedisRevocations(redis, { prefix: 'app:', now: () => now })
  t.equal(await elsewhere.isRevoked('jti-1'), true)
  t.equal(await elsewhere.isRevoked('jti-2'), false)
  t.equal(await new RedisRevocations(redis, { prefix: 'other:' }).isRevoked('jti-1'), false, 'the prefix separates deployments')
})

t.test('RedisRevocations while Redis is down: holds on this node, is written once Redis is back, checks reject', async t => {
  const redis = fakeRedis()
  const failed: string[] = []
  const store = new RedisRevocations(redis, { onWriteFailed: (tokenId) => failed.push(tokenId) })
  const elsewhere = new RedisRevocations(redis)
  redis.down = true

  await store.revoke('jti-1', Date.now() + 60_000)
  t.same(failed, ['jti-1'], 'the failure is reported, not thrown: logout still succeeds here')
  t.equal(store.pending, 1)
  t.equal(await store.isRevoked('jti-1'), true, 'refused on this node at once, from memory')
  await t.rejects(elsewhere.isRevoked('jti-1'), /writeable/, 'another node cannot tell: its verifier\'s fail mode decides')
  t.equal(await store.writePending(), 1, 'still down: kept')

  redis.down = false
  t.equal(await store.writePending(), 0)
  t.equal(await elsewhere.isRevoked('jti-1'), true, 'now every node knows')
  t.equal(await store.writePending(), 0, 'nothing left to write')
})

t.test('the verifier\'s fail mode when the store cannot answer, the same for every caller', async t => {
  const broken: RevocationStore = {
    revoke: async () => {},
    isRevoked: async () => { throw new Error('Redis is down') },
    close: async () => {}
  }
  const claims = { sub: 'bob', name: 'Bob', jti: 'jti-1', exp: Math.floor(Date.now() / 1000) + 60 }
  const options = { verifyJwt: () => claims, revocations: broken, maxTokenBytes: 8192 }

  const closed = createTokenVerifier(options)
  const refusal = await closed('a.b.c').then(() => undefined, (error: unknown) => error)
  t.ok(refusal instanceof AuthError)
  t.match(refusal, { code: 'INVALID_TOKEN', message: 'Authentication error: Invalid token', reason: /^revocation store unavailable: Redis is down/ })
  await t.rejects(createTokenVerifier({ ...options, revocationFailMode: 'closed' })('a.b.c'), { code: 'INVALID_TOKEN' })

  const skipped: unknown[] = []
  const open = createTokenVerifier({ ...options, revocationFailMode: 'open', onRevocationCheckSkipped: (error) => skipped.push(error) })
  t.match(await open('a.b.c'), { id: 'bob', tokenId: 'jti-1' })
  t.match(skipped, [{ message: 'Redis is down' }])

  // A store that answers: open mode still refuses what is revoked.
  const revoked: RevocationStore = { revoke: async () => {}, isRevoked: () => true, close: async () => {} }
  await t.rejects(createTokenVerifier({ ...options, revocations: revoked, revocationFailMode: 'open' })('a.b.c'), { code: 'TOKEN_REVOKED' })
})

t.test('REVOCATION_FAIL_MODE and REDIS_KEY_PREFIX', async t => {
  const env = { JWT_SECRET: TEST_SECRET, LOG_LEVEL: 'silent' }
  t.match(loadConfig(env), { revocationFailMode: 'closed', redisKeyPrefix: '' }, 'closed and no prefix by default')
  t.match(loadConfig({ ...env, REVOCATION_FAIL_MODE: 'open', REDIS_KEY_PREFIX: 'chat-eu:' }), { revocationFailMode: 'open', redisKeyPrefix: 'chat-eu:' })
  t.throws(() => loadConfig({ ...env, REVOCATION_FAIL_MODE: 'sometimes' }), new ConfigError('REVOCATION_FAIL_MODE must be "closed" or "open"'))
  t.throws(() => loadConfig({ ...env, REDIS_KEY_PREFIX: 'no spaces' }), new ConfigError('REDIS_KEY_PREFIX must be at most 64 letters, digits or : _ . -'))
})

const skip = redisUnavailable()
t.test('RedisRevocations on a real Redis: the key expires with the token', { skip }, async t => {
  const redis = new Redis(sharedRedisUrl())
  t.teardown(() => redis.disconnect())
  const prefix = uniquePrefix()
  const store = new RedisRevocations(redis, { prefix })
  await store.revoke('jti-real', Date.now() + 30_000)
  const ttl = await redis.pttl(`${prefix}revoked:jti-real`)
  t.ok(ttl > 0 && ttl <= 30_000, `PTTL ${ttl} ms: gone when the token would expire anyway`)
  t.equal(await redis.get(`${prefix}revoked:jti-real`), '1')
  t.equal(await new RedisRevocations(redis, { prefix }).isRevoked('jti-real'), true)
  t.equal(await new RedisRevocations(redis, { prefix }).isRevoked('jti-other'), false)
  await store.close()
})
