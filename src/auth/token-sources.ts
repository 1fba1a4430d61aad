/**
 * Where a token is found. HTTP: the `Authorization: Bearer` header. Socket.IO handshake, first
 * found wins: `auth.token` (a leading `Bearer ` allowed), the `Authorization` header, the `token`
 * query parameter (socketio-jwt clients). A source that is present but not a string yields a value
 * that fails verification, rather than falling through to the next source.
 */
const BEARER = /^Bearer\s+/i

export function bearerToken (header: unknown): string | undefined {
  if (typeof header !== 'string' || !BEARER.test(header)) return undefined
  return header.replace(BEARER, '').trim()
}

function stripBearer (value: string): string {
  return value.replace(BEARER, '').trim()
}

/** Not a JWT: makes verification answer INVALID_TOKEN for a present but malformed source. */
const MALFORMED = 'malformed'

export interface HandshakeLike {
  auth?: unknown
  headers: Record<string, unknown>
  query: Record<string, unknown>
}

export function handshakeToken ({ auth, headers, query }: HandshakeLike): string | undefined {
  const fromAuth = typeof auth === 'object' && auth !== null ? (auth as { token?: unknown }).token : undefined
  if (fromAuth !== undefined && fromAuth !== null) return typeof fromAuth === 'string' ? stripBearer(fromAuth) : MALFORMED
  const fromHeader = bearerToken(headers.authorization)
  if (fromHeader !== undefined) return fromHeader
  const fromQuery = query.token
  if (fromQuery !== undefined) return typeof fromQuery === 'string' ? stripBearer(fromQuery) : MALFORMED
  return undefined
}
