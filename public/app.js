// @ts-check
/**
 * The demo page: log in (local form, Auth0, or a pasted token), then one authenticated Socket.IO
 * connection through realtime-client.js. Everything is built with DOM calls and textContent (no
 * innerHTML), so nothing a user sends can become markup; the CSP forbids inline scripts anyway.
 *
 * @typedef {import('../src/realtime/events.js').ChatMessage} ChatMessage
 * @typedef {import('../src/realtime/events.js').Presence} Presence
 * @typedef {import('../src/realtime/events.js').Notification} Notification
 * @typedef {import('./realtime-client.js').RealtimeClient} RealtimeClient
 * @typedef {import('./realtime-client.js').ConnectionState} ConnectionState
 * @typedef {{ id: string, name: string, permissions: string[], expiresAt: string }} Me
 * @typedef {{ mode: 'local' | 'auth0', auth0?: { domain: string, clientId?: string, audience: string } }} ClientConfig
 * @typedef {{ kind: 'local' | 'auth0' | 'pasted', getToken: () => Promise<string>, refresh?: () => Promise<string> }} Session
 */
import { connectRealtime, describeCode } from '/realtime-client.js'

const AUTH0_SDK = '/vendor/auth0/auth0-spa-js.production.esm.js'
const AUTH0_WORKER = '/vendor/auth0/auth0-spa-js.worker.production.js'
const LOBBY = 'lobby'
const SUGGESTED_ROOMS = [LOBBY, 'general', 'random', 'private-staff']
const ROOM_NAME = /^[A-Za-z0-9_-]{1,64}$/

/**
 * @template {HTMLElement} T
 * @param {string} id
 * @returns {T}
 */
const $ = (id) => /** @type {T} */ (document.getElementById(id))

/** @param {string} id */
const field = (id) => /** @type {HTMLInputElement} */ (document.getElementById(id))

/**
 * A DOM element with text children (never HTML).
 * @param {string} tag
 * @param {{ className?: string, text?: string, attrs?: Record<string, string> }} [props]
 * @param {Array<Node | string>} [children]
 */
function h (tag, { className, text, attrs = {} } = {}, children = []) {
  const node = document.createElement(tag)
  if (className !== undefined) node.className = className
  if (text !== undefined) node.textContent = text
  for (const [name, value] of Object.entries(attrs)) node.setAttribute(name, value)
  node.append(...children)
  return node
}

/** An error from one of our JSON routes, with the server's `code` and `message`. */
class ApiError extends Error {
  /** @param {number} status @param {string | undefined} code @param {string} message */
  constructor (status, code, message) {
    super(message)
    this.status = status
    this.code = code
  }
}

/**
 * @param {string} path
 * @param {{ method?: string, body?: object, token?: string }} [options]
 */
async function api (path, { method = 'GET', body, token } = {}) {
  /** @type {Record<string, string>} */
  const headers = {}
  if (body !== undefined) headers['content-type'] = 'application/json'
  if (token !== undefined) headers.authorization = `Bearer ${token}`
  let response
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
  } catch {
    throw new ApiError(0, 'NETWORK', 'The server cannot be reached')
  }
  const data = response.status === 204 ? null : await response.json().catch(() => null)
  if (!response.ok) throw new ApiError(response.status, data?.code, data?.message ?? `${response.status} ${response.statusText}`)
  return data
}

/** @param {string} iso */
const clock = (iso) => new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })

/** @param {string} text */
function hue (text) {
  let n = 0
  for (const char of text) n = (n * 31 + char.charCodeAt(0)) % 360
  return n
}

/** @param {string} id @param {string} name */
function avatar (id, name) {
  const node = h('span', { className: 'avatar', text: (name.trim()[0] ?? '?').toUpperCase(), attrs: { 'aria-hidden': 'true' } })
  node.style.setProperty('--hue', String(hue(id)))
  return node
}

// ——— state ———————————————————————————————————————————————————————————————————————————————

/** @type {ClientConfig} */
let config = { mode: 'local' }
/** @type {any} the Auth0Client, loaded only in auth0 mode */
let auth0
/** @type {Session | undefined} */
let session
/** @type {Me | undefined} */
let me
/** @type {RealtimeClient | undefined} */
let realtime
let expiresAt = ''
/** Why the last refresh failed ('' when it worked). */
let refreshProblem = ''
let activeRoom = LOBBY
/** @type {Set<string>} */
const joined = new Set()
/** @type {Map<string, ChatMessage[]>} */
const messages = new Map()
/** @type {Map<string, number>} */
const unread = new Map()
/** @type {Map<string, string>} rooms refused, with the reason */
const refused = new Map()
/** @type {Map<string, { name: string, status: 'online' | 'offline' }>} */
const people = new Map()
/** @type {ReturnType<typeof setInterval> | undefined} */
let ticker

// ——— login ———————————————————————————————————————————————————————————————————————————————

/** @param {string} text */
function showLoginError (text) {
  $('login-error').textContent = text
}

/** @param {string} [notice] why the user is back here */
function showLogin (notice) {
  $('app-view').hidden = true
  $('session-bar').hidden = true
  $('login-view').hidden = false
  const box = $('login-notice')
  box.hidden = notice === undefined
  box.textContent = notice ?? ''
  const first = config.mode === 'local' ? $('username') : config.auth0?.clientId !== undefined ? $('auth0-button') : $('pasted-token')
  first.focus()
}

/**
 * Who the token speaks for (GET /me), then the workspace and the socket.
 * @param {Session} next
 * @returns {Promise<boolean>} whether the token was accepted
 */
async function startSession (next) {
  showLoginError('')
  let who
  try {
    who = await api('/me', { token: await next.getToken() })
  } catch (error) {
    showLoginError(error instanceof ApiError ? error.message : `Could not get a token: ${/** @type {Error} */ (error).message}`)
    return false
  }
  session = next
  me = who
  expiresAt = who.expiresAt
  refreshProblem = ''
  resetWorkspace()
  renderMe()
  $('login-view').hidden = true
  $('app-view').hidden = false
  $('session-bar').hidden = false
  $('refresh-button').hidden = session.refresh === undefined
  connect()
  ticker = setInterval(renderTokenLeft, 1000)
  renderTokenLeft()
  $('message-text').focus()
  return true
}

$('login-form').addEventListener('submit', async (event) => {
  event.preventDefault()
  const form = /** @type {HTMLFormElement} */ (event.currentTarget)
  const username = field('username').value.trim()
  const password = field('password').value
  if (username === '' || password === '') return showLoginError('Enter a username and a password.')
  const button = /** @type {HTMLButtonElement} */ (form.querySelector('button'))
  button.disabled = true
  try {
    const { token } = await api('/login', { method: 'POST', body: { username, password } })
    form.reset()
    await startSession(localSession(token))
  } catch (error) {
    showLoginError(error instanceof ApiError && error.status === 429 ? 'Too many attempts: wait a minute and try again.' : /** @type {Error} */ (error).message)
    field('password').select()
  } finally {
    button.disabled = false
  }
})

$('token-form').addEventListener('submit', async (event) => {
  event.preventDefault()
  const input = /** @type {HTMLTextAreaElement} */ ($('pasted-token'))
  const token = input.value.trim().replace(/^Bearer\s+/i, '')
  if (token === '') return showLoginError('Paste a token first.')
  // Local tokens can be exchanged at POST /token/refresh; a pasted Auth0 token cannot be renewed here.
  if (await startSession(config.mode === 'local' ? localSession(token) : { kind: 'pasted', getToken: async () => token })) input.value = ''
})

/**
 * A local-mode session: the token lives in memory only (a reload logs out); refresh exchanges it.
 * @param {string} first
 * @returns {Session}
 */
function localSession (first) {
  let token = first
  return {
    kind: 'local',
    getToken: async () => token,
    refresh: async () => {
      token = (await api('/token/refresh', { method: 'POST', token })).token
      return token
    }
  }
}

/** @returns {Session} */
function auth0Session () {
  return {
    kind: 'auth0',
    getToken: async () => await auth0.getTokenSilently(),
    refresh: async () => await auth0.getTokenSilently({ cacheMode: 'off' })
  }
}

$('auth0-button').addEventListener('click', async () => {
  try {
    await auth0.loginWithRedirect()
  } catch (error) {
    showLoginError(`Auth0: ${/** @type {Error} */ (error).message}`)
  }
})

/**
 * Auth0 mode: the SDK (served by this server from node_modules, never a CDN), Authorization Code
 * with PKCE. Refresh tokens live in the SDK's web worker, in memory.
 * @param {{ domain: string, clientId: string, audience: string }} settings
 */
async function setUpAuth0 ({ domain, clientId, audience }) {
  const { Auth0Client } = await import(AUTH0_SDK)
  auth0 = new Auth0Client({
    domain,
    clientId,
    authorizationParams: { audience, redirect_uri: `${window.location.origin}/` },
    cacheLocation: 'memory',
    useRefreshTokens: true,
    workerUrl: AUTH0_WORKER
  })
  const query = new URLSearchParams(window.location.search)
  if (query.has('error')) {
    window.history.replaceState(null, '', '/')
    showLogin()
    return showLoginError(`Auth0: ${query.get('error_description') ?? query.get('error')}`)
  }
  if (query.has('code') && query.has('state')) {
    try {
      await auth0.handleRedirectCallback()
      window.history.replaceState(null, '', '/')
      if (!(await startSession(auth0Session()))) showLogin()
      return
    } catch (error) {
      window.history.replaceState(null, '', '/')
      showLogin()
      return showLoginError(`Auth0: ${/** @type {Error} */ (error).message}`)
    }
  }
  showLogin()
}

// ——— the connection ————————————————————————————————————————————————————————————————————————

function connect () {
  if (session === undefined) return
  const current = session
  realtime = connectRealtime({
    getToken: current.getToken,
    refresh: current.refresh ?? (async () => { throw new Error('This token cannot be renewed here: paste a new one') }),
    onState: renderConnection,
    onRefresh: (result) => {
      if (result.ok && result.expiresAt !== '') expiresAt = result.expiresAt
      refreshProblem = result.ok ? '' : result.error.message
      renderTokenLeft()
    }
  })
  const { socket } = realtime

  socket.on('connect', () => {
    // A reconnect is a new socket on the server: only lobby is joined again by itself.
    for (const room of joined) if (room !== LOBBY) socket.emit('joinRoom', room)
    if (me !== undefined) setPerson(me.id, me.name, 'online')
  })
  socket.on('message', (message) => {
    const list = messages.get(message.room) ?? []
    list.push(message)
    messages.set(message.room, list.slice(-200))
    rememberUser(message.sender.id)
    if (message.room === activeRoom) appendMessage(message)
    else unread.set(message.room, (unread.get(message.room) ?? 0) + 1)
    renderRooms()
  })
  socket.on('roomJoined', (room) => {
    joined.add(room)
    refused.delete(room)
    renderRooms()
  })
  socket.on('presence', ({ userId, name, status }) => setPerson(userId, name, status))
  socket.on('notification', addNotification)
}

/** @param {ConnectionState} state */
function renderConnection (state) {
  const box = $('conn')
  box.dataset.state = state.state
  $('conn-text').textContent = state.text
  box.title = state.reason ?? ''
  const send = /** @type {HTMLButtonElement} */ ($('message-form').querySelector('button'))
  send.disabled = state.state !== 'connected'
  if (state.state === 'stopped' && state.loginRequired === true) endSession(state.text)
}

function renderTokenLeft () {
  const left = Math.round((Date.parse(expiresAt) - Date.now()) / 1000)
  const node = $('token-left')
  $('token').dataset.warning = String(left <= 60 || refreshProblem !== '')
  if (Number.isNaN(left)) {
    node.textContent = 'no expiry'
  } else if (left <= 0) {
    node.textContent = 'Token expired'
  } else {
    const hours = Math.floor(left / 3600)
    const minutes = Math.floor((left % 3600) / 60)
    const seconds = String(left % 60).padStart(2, '0')
    node.textContent = `${hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}` : minutes}:${seconds} left`
  }
  if (refreshProblem !== '') node.textContent += ' · refresh failed'
  $('token').title = refreshProblem === '' ? '' : `The last refresh failed: ${refreshProblem}`
  $('token').dataset.expiresAt = expiresAt
}

$('refresh-button').addEventListener('click', async () => {
  const button = /** @type {HTMLButtonElement} */ ($('refresh-button'))
  button.disabled = true
  try {
    await realtime?.refresh()
  } finally {
    button.disabled = false
  }
})

// ——— workspace ——————————————————————————————————————————————————————————————————————————

function resetWorkspace () {
  joined.clear()
  joined.add(LOBBY)
  messages.clear()
  unread.clear()
  refused.clear()
  people.clear()
  activeRoom = LOBBY
  $('messages').replaceChildren()
  $('notifications').replaceChildren()
  $('notifications-empty').hidden = false
  $('room-error').textContent = ''
  $('message-error').textContent = ''
  $('notify-result').textContent = ''
  renderRooms()
  selectRoom(LOBBY)
}

function renderMe () {
  if (me === undefined) return
  $('me-name').textContent = me.name
  $('me-id').textContent = me.id
  $('me-avatar').replaceWith(Object.assign(avatar(me.id, me.name), { id: 'me-avatar' }))
  const chips = me.permissions.length === 0
    ? [h('li', { className: 'chip muted', text: 'none' })]
    : me.permissions.map(permission => h('li', { className: 'chip', text: permission }))
  $('me-permissions').replaceChildren(...chips)
  $('notify-form').hidden = !me.permissions.includes('notify:send')
  setPerson(me.id, me.name, 'online')
}

function renderRooms () {
  const names = [...new Set([...SUGGESTED_ROOMS, ...joined, ...refused.keys()])]
  $('rooms').replaceChildren(...names.map((room) => {
    const isJoined = joined.has(room)
    const count = unread.get(room) ?? 0
    const open = h('button', {
      className: 'room-name',
      attrs: { type: 'button', ...(room === activeRoom ? { 'aria-current': 'true' } : {}) }
    }, [
      h('span', { text: `# ${room}` }),
      ...(count > 0 ? [h('span', { className: 'count', text: String(count), attrs: { 'aria-label': `${count} unread` } })] : []),
      ...(refused.has(room) ? [h('span', { className: 'locked', text: 'denied' })] : [])
    ])
    open.toggleAttribute('disabled', !isJoined)
    open.addEventListener('click', () => selectRoom(room))
    const action = room === LOBBY
      ? h('span', { className: 'room-note', text: 'always' })
      : h('button', {
        className: `small ${isJoined ? 'ghost' : 'secondary'}`,
        text: isJoined ? 'Leave' : 'Join',
        attrs: { type: 'button', 'aria-label': `${isJoined ? 'Leave' : 'Join'} ${room}` }
      })
    action.addEventListener('click', () => { isJoined ? leaveRoom(room) : joinRoom(room) })
    const item = h('li', { attrs: { 'data-room': room, 'data-joined': String(isJoined) } }, [open, action])
    const why = refused.get(room)
    if (why !== undefined) item.dataset.refused = why
    return item
  }))
}

/** @param {string} room */
function selectRoom (room) {
  activeRoom = room
  unread.delete(room)
  $('chat-room').textContent = room
  const input = /** @type {HTMLInputElement} */ ($('message-text'))
  input.placeholder = `Message #${room}`
  const list = messages.get(room) ?? []
  $('messages').replaceChildren(...list.map(messageItem))
  $('messages-empty').hidden = list.length > 0
  renderRooms()
  scrollMessages()
}

/** @param {string} room */
async function joinRoom (room) {
  if (realtime === undefined) return
  const error = $('room-error')
  error.textContent = ''
  if (!ROOM_NAME.test(room)) {
    error.textContent = 'Room names are 1-64 letters, digits, _ or -.'
    return
  }
  try {
    const ack = await realtime.socket.timeout(5000).emitWithAck('joinRoom', room)
    if (ack.ok) {
      joined.add(room)
      refused.delete(room)
      selectRoom(room)
    } else {
      refused.set(room, ack.error.message)
      error.textContent = `Cannot join ${room}: ${ack.error.message}.`
      renderRooms()
    }
  } catch {
    error.textContent = `Cannot join ${room}: the server did not answer.`
  }
}

/** @param {string} room */
async function leaveRoom (room) {
  if (realtime === undefined) return
  $('room-error').textContent = ''
  try {
    const ack = await realtime.socket.timeout(5000).emitWithAck('leaveRoom', room)
    if (!ack.ok) {
      $('room-error').textContent = `Cannot leave ${room}: ${ack.error.message}`
      return
    }
  } catch {
    $('room-error').textContent = `Cannot leave ${room}: the server did not answer.`
    return
  }
  joined.delete(room)
  messages.delete(room)
  unread.delete(room)
  if (activeRoom === room) selectRoom(LOBBY)
  else renderRooms()
}

$('room-form').addEventListener('submit', (event) => {
  event.preventDefault()
  const input = /** @type {HTMLInputElement} */ ($('room-name'))
  const room = input.value.trim()
  if (room === '') return
  input.value = ''
  joinRoom(room)
})

/** @param {ChatMessage} message */
function messageItem (message) {
  const mine = message.sender.id === me?.id
  return h('li', { className: mine ? 'message mine' : 'message', attrs: { 'data-sender': message.sender.id } }, [
    avatar(message.sender.id, message.sender.name),
    h('div', { className: 'bubble' }, [
      h('p', { className: 'meta' }, [
        h('strong', { text: message.sender.name }),
        h('time', { text: clock(message.sentAt), attrs: { datetime: message.sentAt } })
      ]),
      h('p', { className: 'text', text: message.text })
    ])
  ])
}

/** @param {ChatMessage} message */
function appendMessage (message) {
  $('messages').append(messageItem(message))
  $('messages-empty').hidden = true
  scrollMessages()
}

function scrollMessages () {
  const list = $('messages')
  list.scrollTop = list.scrollHeight
}

$('message-form').addEventListener('submit', async (event) => {
  event.preventDefault()
  const input = /** @type {HTMLInputElement} */ ($('message-text'))
  const text = input.value.trim()
  const error = $('message-error')
  error.textContent = ''
  if (text === '' || realtime === undefined) return
  try {
    const ack = await realtime.socket.timeout(5000).emitWithAck('message', { text, room: activeRoom })
    if (ack.ok) input.value = ''
    else error.textContent = `Not sent: ${ack.error.message} (${describeCode(ack.error.code)}).`
  } catch {
    error.textContent = 'Not sent: the server did not answer.'
  }
  input.focus()
})

/**
 * @param {string} userId
 * @param {string} name
 * @param {'online' | 'offline'} status
 */
function setPerson (userId, name, status) {
  people.set(userId, { name, status })
  const sorted = [...people.entries()].sort(([a, x], [b, y]) =>
    (x.status === y.status ? 0 : x.status === 'online' ? -1 : 1) || x.name.localeCompare(y.name) || a.localeCompare(b))
  $('people').replaceChildren(...sorted.map(([id, person]) =>
    h('li', { attrs: { 'data-user': id, 'data-status': person.status } }, [
      avatar(id, person.name),
      h('span', { className: 'person' }, [
        h('span', { text: person.name + (id === me?.id ? ' (you)' : '') }),
        h('span', { className: 'status', text: person.status })
      ])
    ])))
  rememberUser(userId)
}

/** @param {string} userId */
function rememberUser (userId) {
  const list = $('known-users')
  if ([...list.children].some(option => /** @type {HTMLOptionElement} */ (option).value === userId)) return
  list.append(h('option', { attrs: { value: userId } }))
}

/** @param {Notification} notification */
function addNotification ({ message, from, sentAt }) {
  $('notifications-empty').hidden = true
  $('notifications').prepend(h('li', { className: 'note fresh' }, [
    h('p', { className: 'text', text: message }),
    h('p', { className: 'meta' }, [
      h('span', { text: `from ${from.name}` }),
      h('time', { text: clock(sentAt), attrs: { datetime: sentAt } })
    ])
  ]))
}

$('notify-form').addEventListener('submit', async (event) => {
  event.preventDefault()
  const form = /** @type {HTMLFormElement} */ (event.currentTarget)
  const userId = field('notify-user').value.trim()
  const message = field('notify-message').value.trim()
  const result = $('notify-result')
  if (userId === '' || message === '' || session === undefined) {
    result.textContent = 'Enter a user id and a message.'
    return
  }
  try {
    await api('/notifications', { method: 'POST', body: { userId, message }, token: await session.getToken() })
    result.textContent = `Sent to ${userId}.`
    field('notify-message').value = ''
  } catch (error) {
    result.textContent = `Not sent: ${/** @type {Error} */ (error).message}`
  }
  form.querySelector('input')?.focus()
})

// ——— logout ——————————————————————————————————————————————————————————————————————————————

/**
 * Back to the login form. The socket is closed first, so the server's disconnect (logout) is not
 * taken for a network problem.
 * @param {string} [notice]
 */
function endSession (notice) {
  realtime?.close()
  realtime = undefined
  clearInterval(ticker)
  session = undefined
  me = undefined
  showLogin(notice)
}

$('logout-button').addEventListener('click', async () => {
  const ending = session
  realtime?.close()
  if (ending !== undefined) {
    try {
      // Revokes the token and disconnects its sockets everywhere.
      await api('/logout', { method: 'POST', token: await ending.getToken() })
    } catch {}
  }
  if (ending?.kind === 'auth0') {
    // Ends the Auth0 session too, then Auth0 sends the browser back here.
    return await auth0.logout({ logoutParams: { returnTo: `${window.location.origin}/` } })
  }
  endSession('You are logged out.')
})

// ——— start ———————————————————————————————————————————————————————————————————————————————

async function start () {
  try {
    config = await api('/config')
  } catch {
    showLogin()
    return showLoginError('The server cannot be reached.')
  }
  const badge = $('mode-badge')
  badge.hidden = false
  badge.textContent = config.mode === 'auth0' ? 'Auth0 mode' : 'local mode'
  $('login-form').hidden = config.mode !== 'local'
  const auth0Settings = config.auth0
  if (config.mode === 'auth0') {
    /** @type {HTMLDetailsElement} */ ($('paste-token')).open = true
    if (auth0Settings?.clientId !== undefined) {
      $('auth0-login').hidden = false
      try {
        return await setUpAuth0({ ...auth0Settings, clientId: auth0Settings.clientId })
      } catch (error) {
        $('auth0-login').hidden = true
        showLogin()
        return showLoginError(`The Auth0 SDK could not start: ${/** @type {Error} */ (error).message}`)
      }
    }
  }
  showLogin()
}

// Exposed for tests and for poking at from the console; not an API.
Object.defineProperty(window, 'demo', { value: { get socket () { return realtime?.socket } } })

start()
