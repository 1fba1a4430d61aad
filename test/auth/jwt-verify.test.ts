import { createHmac, generateKeyPairSync, sign as cryptoSign } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'
import { AuthError } from '../../src/auth/errors.js'
import { createJwtVerify } from '../../src/auth/jwt-verify.js'
import type { KeyHeader } from '../../src/auth/jwks.js'
import { now } from '../helper.js'

const SECRET = 'jwt-verify-test-secret-0123456789abcdef'
const b64 = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url')
const hs256 = (payload: object): string => {
  const input = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(payload)}`
  return `${input}.${createHmac('sha256', SECRET).update(input).digest('base64url')}`
}
/** The static-key verifier is synchronous: it throws rather than rejects. */
const codeOf = async (attempt: () => unknown): Promise<string> => {
  try {
    await attempt()
    return 'accepted'
  } catch (error) {
    return String((error as { code?: unknown }).code)
  }
}

t.test('with the cache, a verified token is still refused once its exp has passed', async t => {
  const verify = createJwtVerify(SECRET, { algorithms: ['HS256'], requiredClaims: ['exp', 'sub'], clockTolerance: 0 }, { size: 10 })
  const token = hs256({ sub: 'carol', exp: now() + 2 })
  t.equal(await codeOf(() => verify(token)), 'accepted')
  t.equal(await codeOf(() => verify(token)), 'accepted', 'from the cache')
  await sleep(3100)
  t.equal(await codeOf(() => verify(token)), 'FAST_JWT_EXPIRED')
})

t.test('with the cache, a refusal is not remembered: a token refused for nbf passes once valid', async t => {
  // fast-jwt would keep an error until now + clockTolerance + errorCacheTTL: none is kept here.
  const verify = createJwtVerify(SECRET, { algorithms: ['HS256'], requiredClaims: ['exp', 'sub'], clockTolerance: 1000 }, { size: 10 })
  const token = hs256({ sub: 'carol', exp: now() + 60, nbf: now() + 3 })
  t.equal(await codeOf(() => verify(token)), 'FAST_JWT_INACTIVE')
  await sleep(3100)
  t.equal(await codeOf(() => verify(token)), 'accepted')
})

t.test('keyed verification: the key lookup runs first, cached token or not', async t => {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString()
  const input = `${b64({ alg: 'RS256', typ: 'JWT', kid: 'k1' })}.${b64({ sub: 'dave', exp: now() + 60 })}`
  const token = `${input}.${cryptoSign('sha256', Buffer.from(input), privateKey).toString('base64url')}`
  let published = true
  const lookups: KeyHeader[] = []
  const keyFor = async (header: KeyHeader): Promise<string> => {
    lookups.push(header)
    if (!published) throw new AuthError('INVALID_TOKEN', 'kid k1 is no longer in the JWKS')
    return pem
  }
  const verify = createJwtVerify(keyFor, { algorithms: ['RS256'], requiredClaims: ['exp', 'sub'] }, { size: 10 })
  t.equal(await codeOf(() => verify(token)), 'accepted')
  t.equal(await codeOf(() => verify(token)), 'accepted')
  t.same(lookups.map(h => h.kid), ['k1', 'k1'], 'the header goes to the lookup every time')
  published = false
  t.equal(await codeOf(() => verify(token)), 'INVALID_TOKEN', 'a key rotated out refuses a token verified before')
  t.equal(await codeOf(() => verify('not-a-token')), 'INVALID_TOKEN', 'a malformed header never reaches the lookup')
  t.equal(lookups.length, 3)
})
