import { generateKeyPairSync, sign as cryptoSign } from 'node:crypto'
import t from 'tap'
import { AuthError } from '../../src/auth/errors.js'
import { createJwtVerify } from '../../src/auth/jwt-verify.js'
import type { KeyHeader } from '../../src/auth/jwks.js'
import { codeOf, now } from '../helper.js'

const b64 = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url')

t.test('keyed verification: one verifier per key, and the key lookup runs for every token', async t => {
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
  const verify = createJwtVerify(keyFor, { algorithms: ['RS256'], requiredClaims: ['exp', 'sub'] })
  t.equal(await codeOf(() => verify(token)), 'accepted')
  t.equal(await codeOf(() => verify(token)), 'accepted')
  t.same(lookups.map(h => h.kid), ['k1', 'k1'], 'the header goes to the lookup every time')
  t.equal(await codeOf(() => verify(`${input}.${'A'.repeat(342)}`)), 'FAST_JWT_INVALID_SIGNATURE', 'the verifier made for the key checks the signature')
  published = false
  t.equal(await codeOf(() => verify(token)), 'INVALID_TOKEN', 'a key rotated out refuses a token verified before')
  t.equal(await codeOf(() => verify('not-a-token')), 'INVALID_TOKEN', 'a malformed header never reaches the lookup')
  t.equal(lookups.length, 4)
})
