import { constants, KeyObject, sign as cryptoSign } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload, type CryptoKey } from 'jose'

/** What the JWKS endpoint does: serve keys, fail, hang, answer garbage, or redirect to `redirectTo`. */
export type JwksBehaviour = 'ok' | 'error' | 'hang' | 'garbage' | 'redirect'

/** What POST /oauth/token does: check the grant as Auth0 does, fail with a 503, or hang. */
export type TokenBehaviour = 'ok' | 'error' | 'hang'

export const PASSWORD_REALM_GRANT = 'http://auth0.com/oauth/grant-type/password-realm'

interface Key { kid: string, privateKey: CryptoKey, jwk: JWK, published: boolean }

/**
 * A local stand-in for an Auth0 tenant: RS256 keys (jose) at /.well-known/jwks.json, an
 * openid-configuration, and POST /oauth/token (password-realm grant). Counts every request.
 */
export class StandInIssuer {
  readonly requests: Array<{ method: string, url: string }> = []
  behaviour: JwksBehaviour = 'ok'
  /** Where the JWKS endpoint redirects when `behaviour` is 'redirect'. */
  redirectTo = ''
  tokenBehaviour: TokenBehaviour = 'ok'
  /** Users the token endpoint accepts: username → password. */
  readonly users = new Map<string, string>([['dave@example.com', 'correct horse']])
  audience = 'https://api.example.test'
  /** The application allowed the password grant (Auth0: Application → Advanced → Grant Types). */
  readonly client = { id: 'test-client-id', secret: 'test-client-secret-0123456789' }
  /** The database connection (Auth0's default name). */
  realm = 'Username-Password-Authentication'
  /** Every body POSTed to /oauth/token, parsed, with the `auth0-forwarded-for` header. */
  readonly tokenRequests: Array<{ body: Record<string, string>, contentType: string, forwardedFor: string | undefined }> = []
  #keys: Key[] = []
  #hanging: ServerResponse[] = []
  #servedKeys: unknown[] | undefined
  readonly #server = createServer((req, res) => { this.#handle(req, res).catch(() => res.destroy()) })
  origin = ''

  get issuer (): string { return `${this.origin}/` }

  jwksRequests (): number {
    return this.requests.filter(r => r.url === '/.well-known/jwks.json').length
  }

  async start (): Promise<this> {
    await new Promise<void>(resolve => this.#server.listen(0, '127.0.0.1', resolve))
    this.origin = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`
    await this.addKey('key-1')
    return this
  }

  async stop (): Promise<void> {
    for (const res of this.#hanging) res.destroy()
    this.#server.closeAllConnections()
    await new Promise<void>(resolve => this.#server.close(() => resolve()))
  }

  /** The JWKS serves exactly these entries (any shape) until the returned function is called. */
  serveKeys (keys: unknown[]): () => void {
    this.#servedKeys = keys
    return () => { this.#servedKeys = undefined }
  }

  /** Back to answering normally, with the request logs emptied (the keys stay): one issuer can serve several tests. */
  reset (): this {
    this.behaviour = 'ok'
    this.tokenBehaviour = 'ok'
    this.requests.length = 0
    this.tokenRequests.length = 0
    return this
  }

  /**
   * Adds a signing key (rotation); the newest key signs by default. An unpublished key is not in
   * the JWKS until `publish` (a key made ahead, without the cost of generating it mid-test).
   */
  async addKey (kid: string, { published = true }: { published?: boolean } = {}): Promise<void> {
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true })
    const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' }
    this.#keys.push({ kid, privateKey, jwk, published })
  }

  publish (kid: string): void {
    const key = this.#keys.find(k => k.kid === kid)
    if (key === undefined) throw new Error(`no key ${kid}`)
    key.published = true
  }

  removeKey (kid: string): void {
    this.#keys = this.#keys.filter(k => k.kid !== kid)
  }

  /** The newest published key: what the tenant signs with. */
  get currentKid (): string | undefined {
    return this.#keys.filter(k => k.published).at(-1)?.kid
  }

  publicJwk (kid = this.currentKid): JWK {
    const key = this.#keys.find(k => k.kid === kid)
    if (key === undefined) throw new Error(`no key ${kid}`)
    return key.jwk
  }

  /** A token as the tenant would issue it; every claim and header can be overridden. */
  async sign (claims: JWTPayload = {}, { kid = this.currentKid, header = {}, signingKid }: { kid?: string, header?: Record<string, unknown>, signingKid?: string } = {}): Promise<string> {
    const key = this.#keys.find(k => k.kid === (signingKid ?? kid)) ?? this.#keys.find(k => k.kid === this.currentKid)
    if (key === undefined) throw new Error('no keys')
    const now = Math.floor(Date.now() / 1000)
    return await new SignJWT({ sub: 'auth0|dave', iss: this.issuer, aud: this.audience, iat: now, exp: now + 300, permissions: ['read:things'], ...claims })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid, ...header })
      .sign(key.privateKey)
  }

  /**
   * A token signed by hand with a tenant key under another RSA algorithm (jose binds the key to
   * RS256): the key is right, the algorithm is not on the allow-list.
   */
  signWithAlg (alg: 'RS512' | 'PS256', claims: JWTPayload = {}, kid = this.currentKid): string {
    const key = this.#keys.find(k => k.kid === kid)
    if (key === undefined) throw new Error(`no key ${kid}`)
    const now = Math.floor(Date.now() / 1000)
    const b64 = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url')
    const input = `${b64({ alg, typ: 'JWT', kid })}.${b64({ sub: 'auth0|dave', iss: this.issuer, aud: this.audience, iat: now, exp: now + 300, ...claims })}`
    const privateKey = KeyObject.from(key.privateKey)
    const signature = alg === 'RS512'
      ? cryptoSign('sha512', Buffer.from(input), privateKey)
      : cryptoSign('sha256', Buffer.from(input), { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 })
    return `${input}.${signature.toString('base64url')}`
  }

  async #handle (req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.requests.push({ method: req.method ?? 'GET', url: req.url ?? '' })
    const json = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body))
    }
    if (req.url === '/.well-known/jwks.json') {
      if (this.behaviour === 'hang') { this.#hanging.push(res); return }
      if (this.behaviour === 'error') return json(500, { error: 'internal' })
      if (this.behaviour === 'garbage') { res.writeHead(200, { 'content-type': 'application/json' }).end('{"keys": [ not json'); return }
      if (this.behaviour === 'redirect') { res.writeHead(302, { location: this.redirectTo }).end(); return }
      return json(200, { keys: this.#servedKeys ?? this.#keys.filter(k => k.published).map(k => k.jwk) })
    }
    if (req.url === '/.well-known/openid-configuration') {
      return json(200, { issuer: this.issuer, jwks_uri: `${this.issuer}.well-known/jwks.json`, token_endpoint: `${this.issuer}oauth/token` })
    }
    if (req.url === '/oauth/token' && req.method === 'POST') {
      let raw = ''
      for await (const chunk of req) raw += String(chunk)
      const contentType = req.headers['content-type'] ?? ''
      const body: Record<string, string> = contentType.startsWith('application/x-www-form-urlencoded')
        ? Object.fromEntries(new URLSearchParams(raw))
        : JSON.parse(raw) as Record<string, string>
      const forwarded = req.headers['auth0-forwarded-for']
      this.tokenRequests.push({ body, contentType, forwardedFor: Array.isArray(forwarded) ? forwarded[0] : forwarded })
      if (this.tokenBehaviour === 'hang') { this.#hanging.push(res); return }
      if (this.tokenBehaviour === 'error') return json(503, { error: 'temporarily_unavailable', error_description: 'internal detail that must not reach a client' })
      // The answers a real tenant gives, in the order it checks.
      if (body.client_id !== this.client.id || body.client_secret !== this.client.secret) {
        return json(401, { error: 'access_denied', error_description: 'Unauthorized' })
      }
      if (body.grant_type !== PASSWORD_REALM_GRANT) {
        return json(403, { error: 'unauthorized_client', error_description: `Grant type '${body.grant_type ?? ''}' not allowed for the client.` })
      }
      if (body.realm !== this.realm) return json(400, { error: 'invalid_request', error_description: 'connection is not enabled' })
      if (body.audience !== this.audience) {
        return json(403, { error: 'access_denied', error_description: `Service not found: ${body.audience ?? ''}` })
      }
      if (this.users.get(body.username ?? '') !== body.password) {
        return json(403, { error: 'invalid_grant', error_description: 'Wrong email or password.' })
      }
      const token = await this.sign({ sub: `auth0|${body.username ?? ''}`, name: body.username, scope: body.scope })
      return json(200, { access_token: token, token_type: 'Bearer', expires_in: 300, scope: body.scope })
    }
    json(404, { error: 'not found' })
  }
}

export async function startIssuer (t: { teardown: (fn: () => unknown) => void }): Promise<StandInIssuer> {
  const issuer = await new StandInIssuer().start()
  t.teardown(async () => await issuer.stop())
  return issuer
}
