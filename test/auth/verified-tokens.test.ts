import t from 'tap'
import { createJwtVerify } from '../../src/auth/jwt-verify.js'
import { MemoryRevocations } from '../../src/auth/revocations.js'
import { createTokenVerifier, VerifiedTokens, type VerifyJwt } from '../../src/auth/verifier.js'
import { startIssuer } from '../auth0-issuer.js'
import { build, codeOf, localClaims, now, signHs256, TEST_SECRET, verdict } from '../helper.js'

/**
 * The verified-token cache (src/auth/verifier.ts): what it saves is counted at the real fast-jwt
 * verifier, what it must never do (outlive exp, a revocation, a rotated-out key) through the app.
 */

function counted (verifyJwt: VerifyJwt): { verifyJwt: VerifyJwt, calls: () => number } {
  let calls = 0
  return { verifyJwt: (token) => { calls++; return verifyJwt(token) }, calls: () => calls }
}

t.test('a token verified once is not verified again until its entry ends; revocation is checked every time', async t => {
  let clock = Date.now()
  const verified = new VerifiedTokens(2, 60_000, () => clock)
  const jwt = counted(createJwtVerify(TEST_SECRET, { algorithms: ['HS256'], requiredClaims: ['exp', 'sub', 'jti'] }))
  const revocations = new MemoryRevocations()
  t.teardown(async () => await revocations.close())
  const verifyToken = createTokenVerifier({ verifyJwt: jwt.verifyJwt, revocations, maxTokenBytes: 8192, verified })
  const tokenOf = (jti: string): string => signHs256(localClaims({ jti, exp: now() + 600 }))
  const a = tokenOf('a')
  const b = tokenOf('b')
  const c = tokenOf('c')

  const first = await verifyToken(a)
  t.equal(await verifyToken(a), first, 'the same user, from the cache')
  t.equal(await verifyToken(a), first)
  t.equal(jwt.calls(), 1, 'three uses, one verification')
  t.ok(Object.isFrozen(first) && Object.isFrozen(first.permissions), 'a shared user cannot be changed')

  clock += 60_001
  await verifyToken(a)
  t.equal(jwt.calls(), 2, 'after ttlMs: verified again')

  await verifyToken(b)
  await verifyToken(c)
  t.equal(verified.size, 2, 'at most max entries')
  await verifyToken(a)
  t.equal(jwt.calls(), 5, 'the oldest (a) made room for c: verified again')
  await verifyToken(c)
  t.equal(jwt.calls(), 5, 'c is still there')

  await revocations.revoke('c', Date.now() + 600_000)
  t.equal(await codeOf(async () => await verifyToken(c)), 'TOKEN_REVOKED', 'revoked while in the cache: refused')

  const tampered = `${c.slice(0, -2)}${c.endsWith('A') ? 'B' : 'A'}A`
  t.equal(await codeOf(async () => await verifyToken(tampered)), 'INVALID_TOKEN', 'another text is another token: verified, refused')
  t.equal(await codeOf(async () => await verifyToken(tampered)), 'INVALID_TOKEN', 'refusals are not kept')
  t.equal(jwt.calls(), 7)
})

t.test('an entry ends at exp (plus the tolerance), not later', async t => {
  let clock = Date.now()
  const verified = new VerifiedTokens(10, 60_000, () => clock)
  const exp = now() + 30
  const token = signHs256(localClaims({ exp }))
  const user = { id: 'bob', name: 'Bob', permissions: [], expiresAt: new Date(exp * 1000).toISOString(), tokenId: 'x' }
  verified.set(token, user, exp * 1000 + 5000)
  clock = exp * 1000 + 5000
  t.equal(verified.get(token), user, 'still valid at exp + tolerance')
  clock += 1
  t.equal(verified.get(token), undefined, 'gone one millisecond later')
  t.equal(verified.size, 0)
})

t.test('through the app: a cached token expires on time', async t => {
  const app = await build(t, {}, { clockToleranceSec: 0 })
  const exp = now() + 1
  const token = signHs256(localClaims({ exp }))
  t.equal(await verdict(app, token), 'ok')
  t.equal(await verdict(app, token), 'ok', 'from the cache')
  await new Promise(resolve => setTimeout(resolve, exp * 1000 - Date.now() + 50))
  t.equal(await verdict(app, token), 'TOKEN_EXPIRED')
})

t.test('auth0: when the JWKS drops a key, tokens of that key cached before are refused at once', async t => {
  const issuer = await startIssuer(t)
  const app = await build(t, { AUTH0_DOMAIN: issuer.origin, AUTH0_AUDIENCE: issuer.audience }, { jwks: { timeoutMs: 1000, cacheTtlMs: 0, unknownKidCooldownMs: 0 } })
  const old = await issuer.sign()
  t.equal(await verdict(app, old), 'ok')
  t.equal(await verdict(app, old), 'ok', 'cached')
  await issuer.addKey('key-2')
  issuer.removeKey('key-1')
  t.equal(await verdict(app, await issuer.sign()), 'ok', 'a key-2 token: the JWKS is read again, key-1 is gone')
  t.equal(await verdict(app, old), 'INVALID_TOKEN', 'the key-1 token is not answered from the cache')
})
