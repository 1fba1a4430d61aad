import t from 'tap'
import { createRefusalLog } from '../../src/observability/refusals.js'
import { build, buildWithLogs, client, connected, handshake, listen, login, TEST_SECRET } from '../helper.js'

function metric (body: string, name: string, labels = ''): number | undefined {
  const line = body.split('\n').find(l => l.startsWith(`${name}${labels} `))
  return line === undefined ? undefined : Number(line.split(' ').at(-1))
}

t.test('GET /metrics counts sockets, handshakes by result, 401s by code, messages, rate limits, revocations', async t => {
  const app = await build(t, {}, { socketRate: { burst: 1, perSecond: 0.001 }, loginRateLimit: { max: 2, timeWindowMs: 60_000 } })
  const url = await listen(app)
  const token = await login(app, 'alice')
  const bobToken = await login(app, 'bob')
  const socket = await connected(t, url, token)
  await handshake(client(t, url, {}))
  await handshake(client(t, url, { auth: { token: 'bad' } }))
  await socket.emitWithAck('message', { text: 'counted' })
  await socket.emitWithAck('message', { text: 'limited' })
  await app.inject({ url: '/me', headers: { authorization: 'Bearer nope' } })
  await app.inject({ url: '/me' })
  await app.inject({ method: 'POST', url: '/login', payload: { username: 'bob', password: 'x' } })
  await app.inject({ method: 'POST', url: '/logout', headers: { authorization: `Bearer ${bobToken}` } })

  const response = await app.inject('/metrics')
  t.equal(response.statusCode, 200)
  t.match(response.headers['content-type'], /text\/plain/)
  const body = response.body
  t.equal(metric(body, 'realtime_sockets_connected'), 1)
  t.equal(metric(body, 'realtime_handshakes_total', '{result="ok"}'), 1)
  t.equal(metric(body, 'realtime_handshakes_total', '{result="NO_TOKEN"}'), 1)
  t.equal(metric(body, 'realtime_handshakes_total', '{result="INVALID_TOKEN"}'), 1)
  t.equal(metric(body, 'http_unauthorized_total', '{code="INVALID_TOKEN"}'), 1)
  t.equal(metric(body, 'http_unauthorized_total', '{code="NO_TOKEN"}'), 1)
  t.equal(metric(body, 'realtime_messages_total'), 1)
  t.equal(metric(body, 'rate_limited_total', '{source="socket"}'), 1)
  t.ok((metric(body, 'rate_limited_total', '{source="http"}') ?? 0) >= 1, 'the second login of this IP was limited')
  t.equal(metric(body, 'auth_revocations_total'), 1)
  t.match(body, /process_cpu_user_seconds_total/, 'process metrics too')
  t.notMatch(body, new RegExp(token.slice(-20)), 'no token in the metrics')
})

t.test('METRICS_TOKEN protects GET /metrics', async t => {
  const app = await build(t, { METRICS_TOKEN: 'metrics-token-0123456789' })
  t.equal((await app.inject('/metrics')).statusCode, 401)
  t.equal((await app.inject({ url: '/metrics', headers: { authorization: 'Bearer wrong-token-0123456789' } })).statusCode, 401)
  t.equal((await app.inject({ url: '/metrics', headers: { authorization: 'Bearer metrics-token-0123456789' } })).statusCode, 200)
})

t.test('logs: refusals carry code and reason; tokens, passwords and secrets never appear', async t => {
  const { app, lines, text } = await buildWithLogs(t)
  const url = await listen(app)
  const token = await login(app, 'alice')
  await app.inject({ url: `/me?token=${token}`, headers: { authorization: `Bearer ${token}x`, cookie: `session=${token}` } })
  await app.inject({ method: 'POST', url: '/login', payload: { username: 'alice', password: 'wonderland-typo' } })
  await handshake(client(t, url, { auth: { token: `${token}x` } }))
  await handshake(client(t, url, { query: { token: `${token}y` } }))
  const refusals = lines.filter(l => l.msg === 'authentication refused')
  t.match(refusals, [
    { source: 'http', code: 'INVALID_TOKEN', reason: /SIGNATURE/ },
    { source: 'socket', code: 'INVALID_TOKEN', reason: /SIGNATURE/ },
    { source: 'socket', code: 'INVALID_TOKEN' }
  ])
  const all = text()
  t.notMatch(all, token.split('.')[2] ?? 'x', 'no token signature anywhere in the log')
  t.notMatch(all, /wonderland/, 'no password')
  t.notMatch(all, TEST_SECRET, 'no secret')
  t.match(all, /\[redacted\]/, 'the token query parameter is redacted from the logged URL')
})

t.test('a flood of bad tokens is logged at a bounded rate, counted in full', async t => {
  let clock = 0
  const lines: Array<{ msg: string, obj: object }> = []
  const log = { info: (obj: object, msg: string) => lines.push({ obj, msg }), warn: (obj: object, msg: string) => lines.push({ obj, msg }) }
  const refuse = createRefusalLog(log, { perWindow: 5, windowMs: 1000, now: () => clock })
  for (let i = 0; i < 1000; i++) refuse({ source: 'socket', code: 'INVALID_TOKEN', reason: 'bad signature' })
  t.equal(lines.length, 5, 'five lines for a thousand refusals in one window')
  clock = 1000
  refuse({ source: 'http', code: 'NO_TOKEN', reason: 'none' })
  t.match(lines.slice(5), [{ msg: 'authentication refusals not logged in the last window', obj: { suppressed: 995 } }, { msg: 'authentication refused' }])

  const { app, lines: appLines } = await buildWithLogs(t)
  for (let i = 0; i < 300; i++) await app.inject({ url: '/me', headers: { authorization: 'Bearer bad' } })
  const logged = appLines.filter(l => l.msg === 'authentication refused').length
  t.ok(logged <= 50, `300 refused requests, ${logged} refusal lines`)
  t.equal(appLines.filter(l => l.msg === 'request completed' && l.level > 20).length, 0, '401 answers are not logged at info')
})
