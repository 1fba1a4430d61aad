import { spawn } from 'node:child_process'
import { join } from 'node:path'
import t from 'tap'
import { packageRoot } from '../../src/paths.js'
import { client, handshake } from '../helper.js'

t.test('SIGTERM: sockets get a server disconnect, in-flight work ends, the process exits 0', async t => {
  const server = spawn(process.execPath, [...process.execArgv, join(packageRoot, 'src/server.ts')], {
    cwd: t.testdir({}),
    env: { PATH: process.env.PATH, PORT: '0', LOG_LEVEL: 'info', JWT_SECRET: 'shutdown-test-secret-0123456789abcdef' },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  t.teardown(() => { server.kill('SIGKILL') })
  let output = ''
  const url = await new Promise<string>((resolve, reject) => {
    server.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      const match = /demo client: (http:\/\/[^/ ]+)\//.exec(output)
      if (match?.[1] !== undefined) resolve(match[1])
    })
    server.once('exit', () => reject(new Error(`server exited early: ${output}`)))
  })
  const response = await fetch(`${url}/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'bob', password: 'builder' }) })
  const { token } = await response.json() as { token: string }
  const socket = client(t, url, { auth: { token } })
  t.same(await handshake(socket), { connected: true })
  const disconnected = new Promise(resolve => socket.once('disconnect', resolve))
  const exited = new Promise<number | null>(resolve => server.once('exit', code => resolve(code)))
  server.kill('SIGTERM')
  t.equal(await disconnected, 'io server disconnect', 'the socket is told the server closed it')
  t.equal(await exited, 0)
  t.match(output, /"signal":"SIGTERM".*shutting down/)
  t.notMatch(output, token.split('.')[2] ?? 'x', 'no token in the log')
})
