/**
 * The one error taxonomy of the contract (section 4), shared by HTTP and sockets.
 * `reason` is for the server log only; clients see `code` and `message`.
 */
export const AUTH_MESSAGES = {
  NO_TOKEN: 'Authentication error: No token provided',
  INVALID_TOKEN: 'Authentication error: Invalid token',
  TOKEN_EXPIRED: 'Authentication error: Token expired',
  TOKEN_REVOKED: 'Authentication error: Token revoked'
} as const

export type AuthErrorCode = keyof typeof AUTH_MESSAGES

export class AuthError extends Error {
  override name = 'AuthError'
  readonly code: AuthErrorCode
  /** Which check failed: logged, never sent. */
  readonly reason: string

  constructor (code: AuthErrorCode, reason: string) {
    super(AUTH_MESSAGES[code])
    this.code = code
    this.reason = reason
  }
}

/** The HTTP body of a 401 (contract section 4). */
export function httpAuthError (error: AuthError): { statusCode: 401, code: AuthErrorCode, error: 'Unauthorized', message: string } {
  return { statusCode: 401, code: error.code, error: 'Unauthorized', message: error.message }
}

/** What a refused handshake carries to the client's `connect_error`. */
export function socketAuthError (error: AuthError): Error & { data: { code: AuthErrorCode } } {
  return Object.assign(new Error(error.message), { data: { code: error.code } })
}
