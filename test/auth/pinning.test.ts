import t from 'tap'
import { createPublicKey } from 'node:crypto'
import { createJwksKeys } from '../../src/auth/jwks.js'
import { build, now, signHs256, verdict } from '../helper.js'
import { startIssuer } from '../auth0-issuer.js'
import { fakeLog } from './logs.js'

/**
 * Where keys come from and which tokens they may verify, beyond the verdict table
 * (test/auth/verdicts.test.ts already has jku/x5u with a known kid, iss naming another server,
 * HS256 with the JWK as secret, alg none, aud as an array that contains the audience).
 */

t.test('keys come from the configured issuer only', async t => {
  const issuer = await startIssuer(t)
  const attacker = await startIssuer(t)
  const app = await build(t, { AUTH0_DOMAIN: issuer.origin, AUTH0_AUDIENCE: issuer.audience })
  const claims = { iss: issuer.issuer, aud: issuer.audience }
  const attackerJwk = attacker.publicJwk()
  const attackerPem = createPublicKey({ key: attackerJwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString()
  const x5c = attackerPem.replace(/-----[A-Z ]+-----|\s/g, '') // not a certificate, but where one would go

  const cases: Array<[string, string]> = [
    ['jwk header with the attacker key, known kid', await attacker.sign(claims, { kid: 'key-1', header: { jwk: attackerJwk } })],
    ['jwk header with the attacker key, unknown kid', await attacker.sign(claims, { kid: 'attacker-key', signingKid: 'key-1', header: { jwk: attackerJwk } })],
    ['x5c header, known kid', await attacker.sign(claims, { kid: 'key-1', header: { x5c: [x5c] } })],
    ['x5c header, no kid', await attacker.sign(claims, { header: { kid: undefined, x5c: [x5c] } })],
    ['jku and x5u to the attacker, unknown kid', await attacker.sign(claims, { kid: 'attacker-key', signingKid: 'key-1', header: { jku: `${attacker.issuer}.well-known/jwks.json`, x5u: `${attacker.issuer}cert.pem` } })]
  ]
  for (const [name, token] of cases) t.equal(await verdict(app, token), 'INVALID_TOKEN', name)
  t.equal(attacker.requests.length, 0, 'the server named by a token never received a request')
  t.ok(issuer.jwksRequests() >= 1, 'keys were asked of the configured issuer')
  t.equal(issuer.requests.filter(r => r.url !== '/.well-known/jwks.json').length, 0, 'and only its JWKS, never another path')
  t.equal(await verdict(app, await issuer.sign({}, { header: { jku: `${attacker.issuer}.well-known/jwks.json`, x5u: `${attacker.issuer}cert.pem` } })), 'ok', 'a genuine token that carries jku/x5u is judged on its own key')
  t.equal(attacker.requests.length, 0)
})

t.test('a JWKS that redirects elsewhere is not followed', async t => {
  const issuer = await startIssuer(t)
  const attacker = await startIssuer(t)
  issuer.behaviour = 'redirect'
  issuer.redirectTo = `${attacker.issuer}.well-known/jwks.json`
  const app = await build(t, { AUTH0_DOMAIN: issuer.origin, AUTH0_AUDIENCE: issuer.audience })
  // The attacker's key-1 would verify this token if its JWKS were fetched.
  t.equal(await verdict(app, await attacker.sign({ iss: issuer.issuer, aud: issuer.audience }, { kid: 'key-1' })), 'INVALID_TOKEN')
  t.equal(attacker.requests.length, 0, 'no request followed the redirect')
  t.equal((await app.inject('/ready')).statusCode, 503, 'and /ready says keys could not be loaded')
  t.equal(attacker.requests.length, 0)
})

t.test('RS256 only: the right key under another algorithm is refused, before any request', async t => {
  const issuer = await startIssuer(t)
  const app = await build(t, { AUTH0_DOMAIN: issuer.origin, AUTH0_AUDIENCE: issuer.audience })
  const claims = { sub: 'x', iss: issuer.issuer, aud: issuer.audience, exp: now() + 60 }
  const pem = createPublicKey({ key: issuer.publicJwk(), format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString()
  const cases: Array<[string, string]> = [
    ['HS256 signed with the public key PEM as secret (algorithm confusion)', signHs256(claims, { secret: pem, header: { kid: 'key-1' } })],
    ['HS256 signed with the PEM, no kid', signHs256(claims, { secret: pem })],
    ['RS512 signed with the real key', issuer.signWithAlg('RS512', {}, 'key-1')],
    ['PS256 signed with the real key', issuer.signWithAlg('PS256', {}, 'key-1')]
  ]
  for (const [name, token] of cases) t.equal(await verdict(app, token), 'INVALID_TOKEN', name)
  t.equal(issuer.jwksRequests(), 0, 'none of them made the server fetch keys')
  t.equal(await verdict(app, await issuer.sign()), 'ok', 'the same key under RS256 is accepted')
  t.equal(await verdict(app, signHs256(claims, { secret: pem, header: { kid: 'key-1' } })), 'INVALID_TOKEN', 'HS256 with the PEM, key loaded')
})

t.test('iss must equal the issuer exactly; aud may be a string or an array that contains the audience', async t => {
  const issuer = await startIssuer(t)
  const app = await build(t, { AUTH0_DOMAIN: issuer.origin, AUTH0_AUDIENCE: issuer.audience })
  const cases: Array<[string, object, string]> = [
    ['iss without the trailing slash', { iss: issuer.origin }, 'INVALID_TOKEN'],
    ['iss with a path after it', { iss: `${issuer.issuer}other/` }, 'INVALID_TOKEN'],
    ['iss in upper case', { iss: issuer.issuer.toUpperCase() }, 'INVALID_TOKEN'],
    ['iss as an array that contains the issuer', { iss: [issuer.issuer] }, 'INVALID_TOKEN'],
    ['aud as a one-element array', { aud: [issuer.audience] }, 'ok'],
    ['aud as an array without the audience', { aud: ['https://other.example', 'https://api.example.test/'] }, 'INVALID_TOKEN'],
    ['aud that starts with the audience', { aud: `${issuer.audience}.evil.example` }, 'INVALID_TOKEN'],
    ['aud as an empty array', { aud: [] }, 'INVALID_TOKEN']
  ]
  for (const [name, claims, expected] of cases) t.equal(await verdict(app, await issuer.sign(claims as Record<string, unknown>)), expected, name)
})

t.test('a kid that is not a short plain string is refused before any request', async t => {
  const issuer = await startIssuer(t)
  const keys = createJwksKeys({ issuer: issuer.issuer, timeoutMs: 200, cacheTtlMs: 60_000, unknownKidCooldownMs: 10_000, log: fakeLog() })
  const kids: unknown[] = [undefined, '', { $ne: null }, ['key-1'], 7, 'x'.repeat(10_000), '../../admin', 'key-1/../key-2', 'key 1', 'kid\u0000']
  for (const kid of kids) {
    await t.rejects(keys.keyFor({ alg: 'RS256', kid }), { code: 'INVALID_TOKEN' }, `kid ${JSON.stringify(kid)?.slice(0, 30)}`)
  }
  await t.rejects(keys.keyFor({ alg: 'HS256', kid: 'key-1' }), { code: 'INVALID_TOKEN' }, 'alg other than RS256')
  await t.rejects(keys.keyFor({ kid: 'key-1' }), { code: 'INVALID_TOKEN' }, 'no alg')
  t.equal(issuer.jwksRequests(), 0)
})

t.test('only RSA signing keys of 2048 bits or more are used; a malformed key does not spoil the others', async t => {
  const issuer = await startIssuer(t)
  const keys = createJwksKeys({ issuer: issuer.issuer, timeoutMs: 200, cacheTtlMs: 60_000, unknownKidCooldownMs: 0, log: fakeLog() })
  const good = issuer.publicJwk()
  const set = [
    { ...good, kid: 'enc-key', use: 'enc' },
    { ...good, kid: 'rs512-key', alg: 'RS512' },
    { kty: 'oct', kid: 'hmac-key', k: 'c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA' },
    { kty: 'RSA', kid: 'short-key', n: Buffer.alloc(128, 0xc5).toString('base64url'), e: 'AQAB' },
    { kty: 'RSA', kid: 'broken-key', e: 'AQAB' },
    'not a key',
    good
  ]
  t.teardown(issuer.serveKeys(set))
  t.match(await keys.keyFor({ alg: 'RS256', kid: 'key-1' }), /^-----BEGIN PUBLIC KEY-----/)
  for (const kid of ['enc-key', 'rs512-key', 'hmac-key', 'short-key', 'broken-key']) {
    await t.rejects(keys.keyFor({ alg: 'RS256', kid }), { code: 'INVALID_TOKEN' }, kid)
  }
})
