import t, { type Test } from 'tap'
import { build, client, handshake, listen, localClaims, now, signHs256, unsigned, type HandshakeResult } from '../helper.js'
import { startIssuer } from '../auth0-issuer.js'
import type { FastifyInstance } from 'fastify'

/**
 * One table of tokens, each asked twice: through GET /me and through a Socket.IO handshake.
 * The two paths share one verifier, so their verdicts must be the same.
 */
interface Case { name: string, token: () => Promise<string | undefined> | string | undefined, code: string | null }

async function verdicts (t: Test, app: FastifyInstance, cases: Case[]): Promise<void> {
  const url = await listen(app)
  for (const c of cases) {
    await t.test(c.name, async t => {
      const token = await c.token()
      const response = await app.inject({ method: 'GET', url: '/me', headers: token === undefined ? {} : { authorization: `Bearer ${token}` } })
      const result: HandshakeResult = await handshake(client(t, url, token === undefined ? {} : { auth: { token } }))
      if (c.code === null) {
        t.equal(response.statusCode, 200, 'HTTP accepts')
        t.same(result, { connected: true }, 'handshake accepts')
        return
      }
      const message = { NO_TOKEN: 'Authentication error: No token provided', INVALID_TOKEN: 'Authentication error: Invalid token', TOKEN_EXPIRED: 'Authentication error: Token expired', TOKEN_REVOKED: 'Authentication error: Token revoked' }[c.code]
      t.equal(response.statusCode, 401, 'HTTP 401')
      t.same(response.json(), { statusCode: 401, code: c.code, error: 'Unauthorized', message }, 'HTTP body as the contract says')
      t.same(result, { connected: false, message, data: { code: c.code } }, 'connect_error as the contract says')
    })
  }
}

t.test('local mode: one verdict per token, over HTTP and over the handshake', async t => {
  const app = await build(t)
  await verdicts(t, app, [
    { name: 'a good token', token: () => signHs256(localClaims()), code: null },
    { name: 'no token', token: () => undefined, code: 'NO_TOKEN' },
    { name: 'an expired token', token: () => signHs256(localClaims({ iat: now() - 100, exp: now() - 60 })), code: 'TOKEN_EXPIRED' },
    { name: 'expired less than the clock tolerance ago', token: () => signHs256(localClaims({ exp: now() - 2 })), code: null },
    { name: 'alg: none', token: () => unsigned(localClaims()), code: 'INVALID_TOKEN' },
    { name: 'signed with another secret', token: () => signHs256(localClaims(), { secret: 'another-secret-0123456789-abcdefghijkl' }), code: 'INVALID_TOKEN' },
    { name: 'HS512 with the right secret (not on the allow-list)', token: () => signHs256(localClaims(), { alg: 'HS512' }), code: 'INVALID_TOKEN' },
    { name: 'nbf in the future', token: () => signHs256(localClaims({ nbf: now() + 60 })), code: 'INVALID_TOKEN' },
    { name: 'no exp', token: () => signHs256(localClaims({ exp: undefined })), code: 'INVALID_TOKEN' },
    { name: 'no sub', token: () => signHs256(localClaims({ sub: undefined })), code: 'INVALID_TOKEN' },
    { name: 'sub is not a string', token: () => signHs256(localClaims({ sub: { id: 'x' } })), code: 'INVALID_TOKEN' },
    { name: 'no jti', token: () => signHs256(localClaims({ jti: undefined })), code: 'INVALID_TOKEN' },
    { name: 'malformed', token: () => 'not.a.jwt', code: 'INVALID_TOKEN' },
    { name: 'garbage', token: () => 'x', code: 'INVALID_TOKEN' },
    { name: 'larger than 8 KB', token: () => signHs256(localClaims({ pad: 'x'.repeat(9000) })), code: 'INVALID_TOKEN' }
  ])
})

t.test('auth0 mode: one verdict per token, over HTTP and over the handshake', async t => {
  const issuer = await startIssuer(t)
  const attacker = await startIssuer(t)
  const app = await build(t, { AUTH0_DOMAIN: issuer.origin, AUTH0_AUDIENCE: issuer.audience })
  await verdicts(t, app, [
    { name: 'a good token', token: async () => await issuer.sign(), code: null },
    { name: 'aud as an array that contains the audience', token: async () => await issuer.sign({ aud: ['https://other.example', issuer.audience] }), code: null },
    { name: 'no token', token: () => undefined, code: 'NO_TOKEN' },
    { name: 'expired', token: async () => await issuer.sign({ exp: now() - 60 }), code: 'TOKEN_EXPIRED' },
    { name: 'wrong aud', token: async () => await issuer.sign({ aud: 'https://other.example' }), code: 'INVALID_TOKEN' },
    { name: 'no aud', token: async () => await issuer.sign({ aud: undefined }), code: 'INVALID_TOKEN' },
    { name: 'wrong iss', token: async () => await issuer.sign({ iss: 'https://evil.example/' }), code: 'INVALID_TOKEN' },
    { name: 'no iss', token: async () => await issuer.sign({ iss: undefined }), code: 'INVALID_TOKEN' },
    { name: 'unknown kid', token: async () => await issuer.sign({}, { kid: 'no-such-key', signingKid: 'key-1' }), code: 'INVALID_TOKEN' },
    { name: 'no kid', token: async () => await issuer.sign({}, { header: { kid: undefined } }), code: 'INVALID_TOKEN' },
    { name: 'nbf in the future', token: async () => await issuer.sign({ nbf: now() + 60 }), code: 'INVALID_TOKEN' },
    { name: 'alg: none', token: () => unsigned({ sub: 'x', iss: issuer.issuer, aud: issuer.audience, exp: now() + 60 }), code: 'INVALID_TOKEN' },
    {
      name: 'HS256 signed with the public key as secret (algorithm confusion)',
      token: () => signHs256({ sub: 'x', iss: issuer.issuer, aud: issuer.audience, exp: now() + 60 }, { secret: JSON.stringify(issuer.publicJwk()), header: { kid: 'key-1' } }),
      code: 'INVALID_TOKEN'
    },
    {
      name: 'iss naming another server that really has the key',
      token: async () => await attacker.sign({ iss: attacker.issuer, aud: issuer.audience }),
      code: 'INVALID_TOKEN'
    },
    {
      name: 'jku and x5u pointing to another server',
      token: async () => await attacker.sign({ iss: issuer.issuer, aud: issuer.audience }, { kid: 'key-1', header: { jku: `${attacker.issuer}.well-known/jwks.json`, x5u: `${attacker.issuer}cert.pem` } }),
      code: 'INVALID_TOKEN'
    }
  ])
  t.equal(attacker.requests.length, 0, 'the server named by a token never received a request')
})
