/** Auth0's grant for "username and password, in this database connection". */
export const PASSWORD_REALM_GRANT = 'http://auth0.com/oauth/grant-type/password-realm'
/** The database connection every new tenant has. */
export const DEFAULT_REALM = 'Username-Password-Authentication'

export interface PasswordExchangeOptions {
  /** `https://tenant/`: the token endpoint is `<issuer>oauth/token`, from configuration only. */
  issuer: string
  audience: string
  clientId: string
  clientSecret: string
  realm?: string
  /** Bound on the whole exchange (connect, answer and body). */
  timeoutMs: number
}

export interface ExchangedToken {
  token: string
  tokenType: 'Bearer'
  /** Seconds. */
  expiresIn: number
}

/**
 * `rejected`: the tenant refused; `setup` when the reason is our application's settings (wrong
 * client secret, grant not enabled, unknown audience or connection) rather than the user's
 * credentials. `unavailable`: no usable answer (unreachable, timeout, 5xx, not JSON).
 * `detail` is for the server log only.
 */
export type ExchangeResult =
  | { ok: true, token: ExchangedToken }
  | { ok: false, failure: 'rejected', setup: boolean, detail: string }
  | { ok: false, failure: 'unavailable', detail: string }

export type PasswordExchange = (credentials: { username: string, password: string, clientIp?: string }) => Promise<ExchangeResult>

const MAX_DETAIL = 200
/** Auth0 `error` codes that are about our application, not the user (see its Authentication API errors). */
const SETUP_ERRORS = new Set(['invalid_client', 'unauthorized_client', 'invalid_request', 'unsupported_grant_type', 'invalid_scope'])

/** Auth0's `error` and `error_description`, shortened: for the server log only, never for a client. */
function describeError (status: number, body: Record<string, unknown> | undefined): string {
  const { error, error_description: description } = body ?? {}
  const text = [typeof error === 'string' ? error : undefined, typeof description === 'string' ? description : undefined].filter(Boolean).join(': ')
  return `${status}${text === '' ? '' : ` ${text}`}`.slice(0, MAX_DETAIL)
}

/** Lifetime in seconds: Auth0's `expires_in`, else from the token's `exp`. */
function lifetimeOf (expiresIn: unknown, token: string): number {
  if (typeof expiresIn === 'number' && Number.isFinite(expiresIn) && expiresIn >= 0) return Math.floor(expiresIn)
  try {
    const { exp } = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as { exp?: unknown }
    if (typeof exp === 'number') return Math.max(0, Math.floor(exp - Date.now() / 1000))
  } catch {}
  return 0
}

/**
 * The resource-owner password exchange with an Auth0 tenant (password-realm grant), for POST /login.
 * The end user's IP goes in `auth0-forwarded-for` so that Auth0's brute-force protection counts
 * attempts per user IP rather than blocking our server's (it is honoured when the application has
 * "Trust Token Endpoint IP Header" on).
 * @see https://auth0.com/docs/api/authentication#resource-owner-password
 */
export function createPasswordExchange (options: PasswordExchangeOptions): PasswordExchange {
  const { issuer, audience, clientId, clientSecret, realm = DEFAULT_REALM, timeoutMs } = options
  const tokenUrl = `${issuer}oauth/token`

  return async function exchange ({ username, password, clientIp }) {
    const body = new URLSearchParams({
      grant_type: PASSWORD_REALM_GRANT,
      realm,
      audience,
      client_id: clientId,
      client_secret: clientSecret,
      username,
      password,
      scope: 'openid'
    })
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }
    if (clientIp !== undefined) headers['auth0-forwarded-for'] = clientIp
    let status: number
    let answer: Record<string, unknown> | undefined
    try {
      // The signal bounds the body as well as the headers; a redirect is not followed anywhere.
      const response = await fetch(tokenUrl, { method: 'POST', headers, body, redirect: 'error', signal: AbortSignal.timeout(timeoutMs) })
      status = response.status
      const parsed: unknown = await response.json().catch(() => undefined)
      answer = typeof parsed === 'object' && parsed !== null ? parsed as Record<string, unknown> : undefined
    } catch (error) {
      const timedOut = error instanceof Error && error.name === 'TimeoutError'
      const cause = (error as { cause?: { message?: unknown } }).cause?.message
      const reason = [(error as Error).message, typeof cause === 'string' ? cause : undefined].filter(Boolean).join(': ')
      return { ok: false, failure: 'unavailable', detail: timedOut ? `no answer within ${timeoutMs} ms` : `unreachable: ${reason}` }
    }
    if (status >= 500 || answer === undefined) return { ok: false, failure: 'unavailable', detail: describeError(status, answer) }
    if (status !== 200) {
      const { error } = answer
      // access_denied is also what rules, actions and blocked users give: only a 401 says "our client".
      const setup = (typeof error === 'string' && SETUP_ERRORS.has(error)) || (status === 401 && error === 'access_denied')
      return { ok: false, failure: 'rejected', setup, detail: describeError(status, answer) }
    }
    const { access_token: token, expires_in: expiresIn } = answer
    if (typeof token !== 'string' || token === '') return { ok: false, failure: 'unavailable', detail: 'answer has no access_token' }
    return { ok: true, token: { token, tokenType: 'Bearer', expiresIn: lifetimeOf(expiresIn, token) } }
  }
}
