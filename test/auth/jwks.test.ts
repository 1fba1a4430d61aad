import t from 'tap'
import { setTimeout as wait } from 'node:timers/promises'
import { AuthError } from '../../src/auth/errors.js'
import { createJwksKeys, type JwksKeys } from '../../src/auth/jwks.js'
import type { Limits } from '../../src/config.js'
import { build, client, handshake, listen, verdict } from '../helper.js'
import { startIssuer, type StandInIssuer } from '../auth0-issuer.js'
import { buildLogged, fakeLog } from './logs.js'

/**
 * The JWKS key cache, counted at the stand-in tenant: warm-up, rotation, concurrent first use of a
 * new kid, a flood of unknown kids, and outages before and after the keys were loaded.
 * The exact counts come from createJwksKeys with a fake clock; the app tests run the same paths
 * through the real verifier (app.verifyToken) and real handshakes.
 */

const env = (issuer: StandInIssuer): Record<string, string> => ({ AUTH0_DOMAIN: issuer.origin, AUTH0_AUDIENCE: issuer.audience })
const jwksLimits = (jwks: Partial<Limits['jwks']> = {}): Partial<Limits> => ({ jwks: { timeoutMs: 200, cacheTtlMs: 600_000, unknownKidCooldownMs: 10_000, ...jwks } })

const b64 = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url')
/** An RS256-looking token with this kid; the signature is never reached when the kid is unknown. */
const withKid = (kid: string): string => `${b64({ alg: 'RS256', typ: 'JWT', kid })}.${b64({ sub: 'x', exp: Math.floor(Date.now() / 1000) + 60 })}.c2ln`
const randomKid = (): string => `kid-${Math.random().toString(36).slice(2)}`

type Outage = 'error' | 'hang' | 'garbage'
const OUTAGES: Outage[] = ['error', 'hang', 'garbage']
/** What the log and /ready say for each kind of outage (timeoutMs 50). */
const SAYS: Record<Outage, RegExp> = { error: /500/, hang: /within 50 ms/, garbage: /JSON/ }

const count = (values: string[]): Record<string, number> => values.reduce<Record<string, number>>((all, v) => ({ ...all, [v]: (all[v] ?? 0) + 1 }), {})

/** createJwksKeys against the stand-in, on a clock the test moves. */
function keysOn (issuer: StandInIssuer, jwks: Partial<Limits['jwks']> = {}): { keys: JwksKeys, log: ReturnType<typeof fakeLog>, clock: { now: number } } {
  const log = fakeLog()
  const clock = { now: 1_000_000 }
  const keys = createJwksKeys({ issuer: issuer.issuer, timeoutMs: 200, cacheTtlMs: 60_000, unknownKidCooldownMs: 10_000, ...jwks, log, now: () => clock.now })
  return { keys, log, clock }
}

async function keyVerdict (keys: JwksKeys, kid: string): Promise<string> {
  try {
    await keys.keyFor({ alg: 'RS256', kid })
    return 'key'
  } catch (error) {
    return error instanceof AuthError ? error.code : `threw ${String(error)}`
  }
}

t.test('one kid: the warm-up costs one JWKS request; 10,000 verifications and 20 handshakes cost none', async t => {
  const issuer = await startIssuer(t)
  const app = await build(t, env(issuer))
  const tokens = await Promise.all(Array.from({ length: 20 }, async (_, i) => await issuer.sign({ jti: `token-${i}` })))
  t.equal(await verdict(app, tokens[0] ?? ''), 'ok', 'warm-up')
  t.equal(issuer.jwksRequests(), 1, 'the warm-up made one request')

  let accepted = 0
  for (let i = 0; i < 10_000; i++) {
    if ((await app.verifyToken(tokens[i % tokens.length])).id === 'auth0|dave') accepted++
  }
  t.equal(accepted, 10_000, '10,000 verifications accepted')
  const url = await listen(app)
  const results = await Promise.all(tokens.map(async token => await handshake(client(t, url, { auth: { token } }))))
  t.equal(results.filter(r => r.connected).length, 20, '20 handshakes accepted')
  t.equal(issuer.jwksRequests(), 1, 'still one JWKS request in all')
  t.equal(app.jwks?.stats.fetches, 1)
})

t.test('rotation: a new kid costs one request; its concurrent first uses share it', async t => {
  const issuer = await startIssuer(t)
  // Made ahead (in parallel), published one by one below.
  await Promise.all(['key-2', 'key-3', 'key-4'].map(async kid => await issuer.addKey(kid, { published: false })))
  const app = await build(t, env(issuer))
  const url = await listen(app)
  t.equal(await verdict(app, await issuer.sign()), 'ok', 'warm-up with key-1')
  t.equal(issuer.jwksRequests(), 1)

  issuer.publish('key-2')
  t.equal(await verdict(app, await issuer.sign({}, { kid: 'key-2' })), 'ok', 'a token of the new key-2')
  t.equal(issuer.jwksRequests(), 2, 'key-2 cost one request')
  t.equal(await verdict(app, await issuer.sign({}, { kid: 'key-1' })), 'ok', 'key-1 still works')
  t.equal(issuer.jwksRequests(), 2, 'and costs nothing')

  issuer.publish('key-3')
  const key3 = await Promise.all(Array.from({ length: 50 }, async (_, i) => await issuer.sign({ jti: `k3-${i}` }, { kid: 'key-3' })))
  const verdicts = await Promise.all(key3.map(async token => await verdict(app, token)))
  t.same(count(verdicts), { ok: 50 }, '50 concurrent first uses of key-3 accepted')
  t.equal(issuer.jwksRequests(), 3, 'and they shared one request')

  issuer.publish('key-4')
  const key4 = await Promise.all(Array.from({ length: 20 }, async (_, i) => await issuer.sign({ jti: `k4-${i}` }, { kid: 'key-4' })))
  const handshakes = await Promise.all(key4.map(async token => await handshake(client(t, url, { auth: { token } }))))
  t.equal(handshakes.filter(r => r.connected).length, 20, '20 concurrent handshakes with the new key-4 accepted')
  t.equal(issuer.jwksRequests(), 4, 'and they shared one request')
})

t.test('a flood of unknown kids costs one request and is refused at once', async t => {
  const issuer = await startIssuer(t)
  const app = await build(t, env(issuer))
  const url = await listen(app)
  t.equal(await verdict(app, await issuer.sign()), 'ok', 'warm-up')

  const concurrent = await Promise.all(Array.from({ length: 200 }, async () => await verdict(app, withKid(randomKid()))))
  t.same(count(concurrent), { INVALID_TOKEN: 200 }, '200 concurrent random kids: INVALID_TOKEN')
  t.equal(issuer.jwksRequests(), 2, 'one request for all 200 (plus the warm-up)')

  const sequential: string[] = []
  for (let i = 0; i < 200; i++) sequential.push(await verdict(app, withKid(randomKid())))
  t.same(count(sequential), { INVALID_TOKEN: 200 }, '200 more, one after another: INVALID_TOKEN')
  const refused = await Promise.all(Array.from({ length: 10 }, async () => await handshake(client(t, url, { auth: { token: withKid(randomKid()) } }))))
  t.same(refused.map(r => r.connected ? 'connected' : (r.data as { code: string }).code), Array(10).fill('INVALID_TOKEN'), '10 handshakes with random kids refused')
  t.equal(issuer.jwksRequests(), 2, 'no request during the cool-down')
  t.equal(await verdict(app, await issuer.sign()), 'ok', 'the known key keeps working through the flood')
  t.equal(issuer.jwksRequests(), 2)
})

t.test('cool-down (fake clock): one request per period for unknown kids; a key published meanwhile waits at most one period', async t => {
  const issuer = await startIssuer(t)
  const { keys, clock } = keysOn(issuer)
  t.equal(await keyVerdict(keys, 'key-1'), 'key')
  t.equal(await keyVerdict(keys, 'nope-1'), 'INVALID_TOKEN', 'an unknown kid: one request, refused')
  t.equal(issuer.jwksRequests(), 2)
  await issuer.addKey('key-2')
  clock.now += 5_000
  t.equal(await keyVerdict(keys, 'key-2'), 'INVALID_TOKEN', 'key-2, published during the cool-down, is refused without a request')
  t.equal(issuer.jwksRequests(), 2)
  clock.now += 5_000
  t.equal(await keyVerdict(keys, 'nope-2'), 'INVALID_TOKEN', 'after the cool-down an unknown kid may ask again')
  t.equal(issuer.jwksRequests(), 3)
  t.equal(await keyVerdict(keys, 'key-2'), 'key', 'and that request brought key-2: a flood cannot keep it out')
  t.equal(issuer.jwksRequests(), 3, 'key-2 cost no request of its own')
  t.same(keys.stats, { fetches: 3, failures: 0 })
})

t.test('key lifetime (fake clock): the set is asked again after cacheTtlMs; a key it no longer lists is refused', async t => {
  const issuer = await startIssuer(t)
  const { keys, log, clock } = keysOn(issuer, { cacheTtlMs: 60_000 })
  await issuer.addKey('key-2')
  t.equal(await keyVerdict(keys, 'key-1'), 'key')
  clock.now += 59_999
  t.equal(await keyVerdict(keys, 'key-1'), 'key')
  t.equal(issuer.jwksRequests(), 1, 'fresh for cacheTtlMs')
  issuer.removeKey('key-1')
  clock.now += 1
  t.equal(await keyVerdict(keys, 'key-1'), 'INVALID_TOKEN', 'due: refetched, and key-1 is gone')
  t.equal(issuer.jwksRequests(), 2)
  t.equal(await keyVerdict(keys, 'key-2'), 'key', 'key-2 is still listed')
  t.equal(issuer.jwksRequests(), 2)
  t.match(log.infos, [{ msg: 'JWKS keys changed', obj: { added: [], removed: ['key-1'] } }], 'the rotation is logged once')
})

t.test('outage after warm-up (fake clock): known keys keep working, one request per cool-down, one warning', async t => {
  const issuer = await startIssuer(t)
  await Promise.all(OUTAGES.map(async behaviour => await issuer.addKey(`key-2-${behaviour}`, { published: false })))
  for (const behaviour of OUTAGES) {
    await t.test(behaviour, async t => {
      issuer.reset()
      const { keys, log, clock } = keysOn(issuer, { timeoutMs: 50, cacheTtlMs: 60_000, unknownKidCooldownMs: 10_000 })
      t.equal(await keyVerdict(keys, 'key-1'), 'key', 'warm-up')
      issuer.behaviour = behaviour
      clock.now += 60_000
      const during = await Promise.all(Array.from({ length: 20 }, async () => await keyVerdict(keys, 'key-1')))
      t.same(count(during), { key: 20 }, 'key-1 keeps working after the cache lifetime, 20 concurrent uses')
      t.equal(issuer.jwksRequests(), 2, 'one attempt for all of them')
      for (let i = 0; i < 50; i++) await keyVerdict(keys, 'key-1')
      t.equal(await keyVerdict(keys, 'unknown'), 'INVALID_TOKEN', 'an unknown kid is refused at once')
      t.equal(issuer.jwksRequests(), 2, 'no request during the cool-down')
      clock.now += 10_000
      t.equal(await keyVerdict(keys, 'key-1'), 'key', 'after the cool-down: one more attempt, key-1 still works')
      t.equal(issuer.jwksRequests(), 3)
      t.equal(log.warns.length, 1, 'the failure is logged once')
      t.match(log.warns[0]?.obj, { error: SAYS[behaviour] }, 'saying what failed')
      t.same(await keys.ready(), { ok: true }, 'ready: keys were loaded')

      issuer.behaviour = 'ok'
      issuer.publish(`key-2-${behaviour}`)
      clock.now += 10_000
      t.equal(await keyVerdict(keys, `key-2-${behaviour}`), 'key', 'the endpoint is back: a key published meanwhile is picked up')
      t.equal(log.infos.filter(l => l.msg === 'JWKS reachable again').length, 1, 'the recovery is logged once')
      t.same(keys.stats, { fetches: 4, failures: 2 })
    })
  }
})

t.test('outage before warm-up (fake clock): INVALID_TOKEN, not ready, one warning; the first success loads the keys', async t => {
  const issuer = await startIssuer(t)
  for (const behaviour of OUTAGES) {
    await t.test(behaviour, async t => {
      issuer.reset().behaviour = behaviour
      const { keys, log, clock } = keysOn(issuer, { timeoutMs: 50 })
      const first = await Promise.all(Array.from({ length: 10 }, async () => await keyVerdict(keys, 'key-1')))
      t.same(count(first), { INVALID_TOKEN: 10 }, 'refused')
      t.equal(issuer.jwksRequests(), 1, 'one request for 10 concurrent tokens')
      t.match(await keys.ready(), { ok: false, reason: SAYS[behaviour] })
      t.equal(await keyVerdict(keys, 'key-1'), 'INVALID_TOKEN', 'during the cool-down, refused without a request')
      t.equal(log.warns.length, 1, 'logged once')
      issuer.behaviour = 'ok'
      clock.now += 1000
      t.same(await keys.ready(), { ok: true }, 'the readiness probe loads the keys once the endpoint answers')
      t.equal(await keyVerdict(keys, 'key-1'), 'key', 'and they serve at once, cool-down or not')
    })
  }
})

t.test('the readiness probe asks at most once a second and does not delay the first tokens', async t => {
  const issuer = await startIssuer(t)
  issuer.behaviour = 'error'
  const { keys, clock } = keysOn(issuer)
  const probes = await Promise.all(Array.from({ length: 5 }, async () => await keys.ready()))
  t.match(probes, Array(5).fill({ ok: false, reason: /500/ }))
  t.match(await keys.ready(), { ok: false })
  t.equal(issuer.jwksRequests(), 1)
  issuer.behaviour = 'ok'
  clock.now += 100
  t.equal(await keyVerdict(keys, 'key-1'), 'key', 'a failed probe starts no cool-down')
})

t.test('outage after warm-up, through the app: verdicts, handshakes, /ready and the log', async t => {
  const issuer = await startIssuer(t)
  for (const behaviour of OUTAGES) {
    await t.test(behaviour, async t => {
      issuer.reset()
      // No verified-token cache: every verification of the token goes to the key cache.
      const limits = { ...jwksLimits({ timeoutMs: 50, cacheTtlMs: 1, unknownKidCooldownMs: 20 }), verifiedTokens: { max: 0, ttlMs: 0 } }
      const { app, lines } = await buildLogged(t, env(issuer), limits)
      const url = await listen(app)
      const token = await issuer.sign()
      t.equal(await verdict(app, token), 'ok', 'warm-up')
      issuer.behaviour = behaviour
      await wait(30) // past the cache lifetime and the cool-down (both tiny here)
      const verdicts: string[] = []
      for (let i = 0; i < 20; i++) verdicts.push(await verdict(app, token))
      t.same(count(verdicts), { ok: 20 }, 'the known key keeps working')
      t.same(await handshake(client(t, url, { auth: { token } })), { connected: true }, 'handshakes too')
      t.equal((await app.inject({ url: '/me', headers: { authorization: `Bearer ${token}` } })).statusCode, 200, 'and HTTP')
      t.equal((await app.inject('/ready')).statusCode, 200, '/ready stays 200: keys were loaded')
      t.ok(issuer.jwksRequests() >= 2, 'the endpoint was asked again')
      const warnings = lines.filter(l => l.msg.startsWith('JWKS fetch failed'))
      t.equal(warnings.length, 1, 'one warning however many requests')
      t.match(warnings[0], { level: 40, jwks: `${issuer.issuer}.well-known/jwks.json` })
    })
  }
})

t.test('outage before warm-up, through the app: clean INVALID_TOKEN on HTTP and handshake, /ready 503', async t => {
  const issuer = await startIssuer(t)
  for (const behaviour of OUTAGES) {
    await t.test(behaviour, async t => {
      issuer.reset().behaviour = behaviour
      const { app, lines } = await buildLogged(t, env(issuer), jwksLimits({ timeoutMs: 50 }))
      const url = await listen(app)
      const token = await issuer.sign()
      const response = await app.inject({ url: '/me', headers: { authorization: `Bearer ${token}` } })
      t.equal(response.statusCode, 401)
      t.same(response.json(), { statusCode: 401, code: 'INVALID_TOKEN', error: 'Unauthorized', message: 'Authentication error: Invalid token' })
      t.same(await handshake(client(t, url, { auth: { token } })), { connected: false, message: 'Authentication error: Invalid token', data: { code: 'INVALID_TOKEN' } })
      for (let i = 0; i < 10; i++) await app.inject({ url: '/me', headers: { authorization: `Bearer ${token}` } })
      const ready = await app.inject('/ready')
      t.equal(ready.statusCode, 503)
      t.match(ready.json(), { status: 'not ready', checks: { auth: { ok: false, reason: String } } })
      t.equal(lines.filter(l => l.msg.startsWith('JWKS fetch failed')).length, 1, 'one warning')
      t.notMatch(response.body, /JWKS|500|JSON|within/, 'the reason stays in the log')
    })
  }
})
