import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload, type CryptoKey } from 'jose'

/** What the JWKS endpoint does: serve keys, fail, hang, or answer garbage. */
export type JwksBehaviour = 'ok' | 'error' | 'hang' | 'garbage'

interface Key { kid: string, privateKey: CryptoKey, jwk: JWK }

/**
 * A local stand-in for an Auth0 tenant: RS256 keys (jose) at /.well-known/jwks.json, an
 * openid-configuration, and POST /oauth/token (password-realm grant). Counts every request.
 */
export class StandInIssuer {
  readonly requests: Array<{ method: string, url: string }> = []
  behaviour: JwksBehaviour = 'ok'
  /** Users the token endpoint accepts: username → password. */
  readonly users = new Map<string, string>([['dave@example.com', 'correct horse']])
  audience = 'https://api.example.test'
  #keys: Key[] = []
  #hanging: ServerResponse[] = []
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

  /** Adds a signing key (rotation); the newest key signs by default. */
  async addKey (kid: string): Promise<void> {
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true })
    const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' }
    this.#keys.push({ kid, privateKey, jwk })
  }

  removeKey (kid: string): void {
    this.#keys = this.#keys.filter(k => k.kid !== kid)
  }

  publicJwk (kid = this.#keys.at(-1)?.kid): JWK {
    const key = this.#keys.find(k => k.kid === kid)
    if (key === undefined) throw new Error(`no key ${kid}`)
    return key.jwk
  }

  /** A token as the tenant would issue it; every claim and header can be overridden. */
  async sign (claims: JWTPayload = {}, { kid = this.#keys.at(-1)?.kid, header = {}, signingKid }: { kid?: string, header?: Record<string, unknown>, signingKid?: string } = {}): Promise<string> {
    const key = this.#keys.find(k => k.kid === (signingKid ?? kid)) ?? this.#keys.at(-1)
    if (key === undefined) throw new Error('no keys')
    const now = Math.floor(Date.now() / 1000)
    return await new SignJWT({ sub: 'auth0|dave', iss: this.issuer, aud: this.audience, iat: now, exp: now + 300, permissions: ['read:things'], ...claims })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid, ...header })
      .sign(key.privateKey)
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
      return json(200, { keys: this.#keys.map(k => k.jwk) })
    }
    if (req.url === '/.well-known/openid-configuration') {
      return json(200, { issuer: this.issuer, jwks_uri: `${this.issuer}.well-known/jwks.json`, token_endpoint: `${this.issuer}oauth/token` })
    }
    if (req.url === '/oauth/token' && req.method === 'POST') {
      let raw = ''
      for await (const chunk of req) raw += String(chunk)
      const body = JSON.parse(raw) as Record<string, string>
      if (this.users.get(body.username ?? '') !== body.password || body.audience !== this.audience) {
        return json(403, { error: 'invalid_grant', error_description: 'Wrong email or password.' })
      }
      const token = await this.sign({ sub: `auth0|${body.username ?? ''}`, name: body.username })
      return json(200, { access_token: token, token_type: 'Bearer', expires_in: 300 })
    }
    json(404, { error: 'not found' })
  }
}

export async function startIssuer (t: { teardown: (fn: () => unknown) => void }): Promise<StandInIssuer> {
  const issuer = await new StandInIssuer().start()
  t.teardown(async () => await issuer.stop())
  return issuer
}
