import type { AppSocket } from './events.js'
import { AuthError, socketAuthError } from '../auth/errors.js'
import { handshakeToken } from '../auth/token-sources.js'
import type { VerifyToken } from '../auth/verifier.js'

import type { Refusal } from '../observability/refusals.js'

export interface HandshakeObserver {
  /** Every handshake's result: `ok` or the refusal code. */
  result: (result: string) => void
  refused: (refusal: Refusal) => void
}

/**
 * `io.use` middleware: the same verifier as the HTTP preHandler. A refusal reaches the client as
 * `connect_error` with the contract's message and `data.code`; the reason stays in the log.
 */
export function authenticateHandshake (verifyToken: VerifyToken, observe: HandshakeObserver) {
  return function handshake (socket: AppSocket, next: (error?: Error) => void): void {
    verifyToken(handshakeToken(socket.handshake)).then((user) => {
      socket.data.user = user
      observe.result('ok')
      next()
    }, (error: unknown) => {
      const refusal = error instanceof AuthError ? error : new AuthError('INVALID_TOKEN', String(error))
      observe.result(refusal.code)
      observe.refused({ source: 'socket', code: refusal.code, reason: refusal.reason, address: socket.handshake.address })
      next(socketAuthError(refusal))
    })
  }
}
