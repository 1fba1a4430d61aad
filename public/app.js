// Minimal demo: log in, then open an authenticated Socket.IO connection.
import { io } from '/socket.io/socket.io.esm.min.js'

const form = document.querySelector('#login')
const status = document.querySelector('#status')

form.addEventListener('submit', async (event) => {
  event.preventDefault()
  const body = Object.fromEntries(new FormData(form))
  const response = await fetch('/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
  const result = await response.json()
  if (!response.ok) {
    document.querySelector('#login-error').textContent = result.message
    return
  }
  const me = await (await fetch('/me', { headers: { authorization: `Bearer ${result.token}` } })).json()
  document.querySelector('#who').textContent = me.name
  form.hidden = true
  document.querySelector('#session').hidden = false
  status.textContent = 'connecting'
  const socket = io({ auth: { token: result.token }, transports: ['websocket'] })
  socket.on('connect', () => { status.textContent = 'connected' })
  socket.on('disconnect', (reason) => { status.textContent = `disconnected (${reason})` })
  socket.on('connect_error', (err) => { status.textContent = `error: ${err.message}` })
})
