// @ts-check
/**
 * A Socket.IO client with this server's token handling, in one plain ES module for the browser.
 * Copy it into your app: in a bundled app, import `io` from 'socket.io-client' instead of the
 * server's own bundle below. Event names and payloads: src/realtime/events.ts.
 *
 * - the token goes in the handshake's `auth` payload, read afresh at every (re)connect;
 * - `auth:expiring` → your `refresh()` gives a fresh token → `auth:refresh` on the live socket;
 * - `connect_error` codes (NO_TOKEN, INVALID_TOKEN, TOKEN_EXPIRED, TOKEN_REVOKED) end the
 *   connection for good (retrying cannot help, the user must log in again); network errors are
 *   left to Socket.IO's own reconnection with backoff.
 *
 * @see https://socket.io/docs/v4/client-options/#auth
 * @see https://socket.io/docs/v4/client-socket-instance/#connect_error
 *
 * @typedef {import('../src/realtime/events.js').ServerToClientEvents} ServerToClientEvents
 * @typedef {import('../src/realtime/events.js').ClientToServerEvents} ClientToServerEvents
 * @typedef {import('../src/realtime/events.js').EventErrorCode} EventErrorCode
 * @typedef {import('../src/auth/errors.js').AuthErrorCode} AuthErrorCode
 * @typedef {import('socket.io-client').Socket<ServerToClientEvents, ClientToServerEvents>} RealtimeSocket
 * @typedef {import('socket.io-client').ManagerOptions & import('socket.io-client').SocketOptions} SocketIoOptions
 *
 * @typedef {object} ConnectionState
 * @property {'connecting' | 'connected' | 'disconnected' | 'error' | 'stopped'} state
 *   `disconnected` and `error` are followed by Socket.IO's own retries; `stopped` is final.
 * @property {string} text What happened, in words for people.
 * @property {string} [reason] Socket.IO's disconnect reason or the connect_error message.
 * @property {string} [code] The server's code (connect_error `data.code`, or TOKEN_EXPIRED after `auth:expired`).
 * @property {boolean} [loginRequired] The token can no longer be used: ask the user to log in again.
 *
 * @typedef {{ ok: true, expiresAt: string } | { ok: false, error: { code?: string, message: string } }} RefreshResult
 *
 * @typedef {object} RealtimeOptions
 * @property {string} [url] The server; the page's own origin when omitted.
 * @property {() => string | Promise<string>} getToken The current access token (called at every (re)connect).
 * @property {() => string | Promise<string>} [refresh] Obtains a fresh token and makes it the one
 *   `getToken` returns (local mode: POST /token/refresh; Auth0: `getTokenSilently({ cacheMode: 'off' })`).
 *   Defaults to `getToken`.
 * @property {(state: ConnectionState) => void} [onState]
 * @property {(result: RefreshResult) => void} [onRefresh] After each refresh of a live connection.
 * @property {Partial<SocketIoOptions>} [socketOptions] Passed to `io()` (except `auth`).
 *
 * @typedef {object} RealtimeClient
 * @property {RealtimeSocket} socket The Socket.IO socket: `on`, `emit`, `emitWithAck` as usual.
 * @property {() => Promise<RefreshResult>} refresh Refreshes now (one at a time).
 * @property {() => void} close Disconnects for good.
 */
import { io } from '/socket.io/socket.io.esm.min.js'

/** The token codes of the server's handshake errors: retrying with the same token cannot succeed. */
export const AUTH_CODES = Object.freeze(['NO_TOKEN', 'INVALID_TOKEN', 'TOKEN_EXPIRED', 'TOKEN_REVOKED'])

/** @type {Record<string, string>} */
const CODE_WORDS = {
  NO_TOKEN: 'no token was sent',
  INVALID_TOKEN: 'the server does not accept this token',
  TOKEN_EXPIRED: 'your session has expired',
  TOKEN_REVOKED: 'your session was ended (logged out)',
  FORBIDDEN: 'you do not have the permission',
  INVALID_ROOM: 'that is not a valid room name',
  INVALID_PAYLOAD: 'the server could not read the request',
  NOT_IN_ROOM: 'join the room first',
  RATE_LIMITED: 'too many messages, slow down'
}

/** @type {Record<string, string>} */
const REASON_WORDS = {
  'io server disconnect': 'the server closed the connection',
  'io client disconnect': 'you closed the connection',
  'ping timeout': 'the server stopped answering',
  'transport close': 'the connection was lost',
  'transport error': 'a network error broke the connection',
  'parse error': 'the server sent something unreadable'
}

/**
 * A server code (connect_error or ack) in words.
 * @param {string | undefined} code
 * @returns {string}
 */
export function describeCode (code) {
  return (code !== undefined && CODE_WORDS[code]) || 'something went wrong'
}

/**
 * A Socket.IO disconnect reason in words.
 * @param {string} reason
 * @returns {string}
 */
export function describeReason (reason) {
  return REASON_WORDS[reason] ?? reason
}

/**
 * Opens the connection at once; see the module comment for what it does with the token.
 * @param {RealtimeOptions} options
 * @returns {RealtimeClient}
 */
export function connectRealtime ({ url, getToken, refresh = getToken, onState = () => {}, onRefresh = () => {}, socketOptions = {} }) {
  let stopped = false
  let expired = false
  let probedAfterKick = false
  /** @type {Promise<RefreshResult> | undefined} */
  let refreshing

  /** @type {Partial<SocketIoOptions>} */
  const options = {
    // WebSocket first (no sticky sessions needed behind a load balancer); long-polling if it fails.
    transports: ['websocket', 'polling'],
    tryAllTransports: true,
    ...socketOptions,
    // A function, so every reconnect sends the token of that moment, not the first one.
    auth: (callback) => {
      Promise.resolve().then(getToken).then(
        (token) => callback({ token }),
        () => callback({})
      )
    }
  }
  /** @type {RealtimeSocket} */
  const socket = url === undefined ? io(options) : io(url, options)

  /** @param {ConnectionState} state */
  const report = (state) => { if (!stopped || state.state === 'stopped') onState(state) }

  /** @param {Omit<ConnectionState, 'state'>} state */
  const stop = (state) => {
    if (stopped) return
    stopped = true
    socket.disconnect()
    onState({ state: 'stopped', ...state })
  }

  onState({ state: 'connecting', text: 'Connecting…' })
  socket.io.on('reconnect_attempt', (attempt) => report({ state: 'connecting', text: `Reconnecting (attempt ${attempt})…` }))

  socket.on('connect', () => {
    probedAfterKick = false
    report({ state: 'connected', text: 'Connected' })
  })

  socket.on('connect_error', (error) => {
    const code = /** @type {{ data?: { code?: string } }} */ (error).data?.code
    if (code !== undefined && AUTH_CODES.includes(code)) {
      stop({ code, reason: error.message, loginRequired: true, text: `Not connected: ${describeCode(code)}. Please log in again.` })
    } else if (socket.active) {
      report({ state: 'error', reason: error.message, text: 'Cannot reach the server; retrying…' })
    } else {
      stop({ code, reason: error.message, text: `Connection refused: ${code === undefined ? error.message : describeCode(code)}` })
    }
  })

  socket.on('disconnect', (reason) => {
    if (stopped) return
    if (expired) {
      return stop({ code: 'TOKEN_EXPIRED', reason, loginRequired: true, text: 'Disconnected: your session has expired. Please log in again.' })
    }
    if (reason === 'io server disconnect' && !probedAfterKick) {
      // Socket.IO does not reconnect after a server-side disconnect. Try once: if it was a logout
      // elsewhere, the handshake answers TOKEN_REVOKED and we stop there; otherwise we are back.
      probedAfterKick = true
      report({ state: 'disconnected', reason, text: `Disconnected: ${describeReason(reason)}; checking the session…` })
      setTimeout(() => { if (!stopped) socket.connect() }, 500)
      return
    }
    if (socket.active) {
      report({ state: 'disconnected', reason, text: `Disconnected: ${describeReason(reason)}; reconnecting…` })
    } else {
      stop({ reason, text: `Disconnected: ${describeReason(reason)}` })
    }
  })

  socket.on('auth:expired', () => { expired = true })

  /** @returns {Promise<RefreshResult>} */
  async function refreshNow () {
    refreshing ??= (async () => {
      /** @type {RefreshResult} */
      let result
      try {
        const token = await refresh()
        if (socket.connected) {
          const ack = await socket.timeout(10_000).emitWithAck('auth:refresh', token)
          result = ack.ok ? { ok: true, expiresAt: ack.expiresAt } : { ok: false, error: ack.error }
        } else {
          // Not connected: the new token goes with the next handshake (getToken returns it).
          result = { ok: true, expiresAt: expiryOf(token) }
        }
      } catch (error) {
        result = { ok: false, error: { message: error instanceof Error ? error.message : String(error) } }
      }
      onRefresh(result)
      return result
    })().finally(() => { refreshing = undefined })
    return await refreshing
  }

  socket.on('auth:expiring', () => { refreshNow() })

  return {
    socket,
    refresh: refreshNow,
    close: () => stop({ text: 'Disconnected' })
  }
}

/**
 * The `exp` of a JWT as an ISO date (read, not verified: only the server decides what a token is worth).
 * @param {string} token
 * @returns {string}
 */
export function expiryOf (token) {
  try {
    const payload = token.split('.')[1] ?? ''
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'))
    const exp = JSON.parse(json).exp
    return typeof exp === 'number' ? new Date(exp * 1000).toISOString() : ''
  } catch {
    return ''
  }
}
