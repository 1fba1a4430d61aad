import t from 'tap'
import { build } from '../helper.js'

async function loginCodes (app: Awaited<ReturnType<typeof build>>, forwardedFor: string[]): Promise<number[]> {
  const codes: number[] = []
  for (const ip of forwardedFor) {
    const response = await app.inject({ method: 'POST', url: '/login', remoteAddress: '10.0.0.1', headers: { 'x-forwarded-for': ip }, payload: { username: 'bob', password: 'wrong' } })
    codes.push(response.statusCode)
  }
  return codes
}

t.test('TRUST_PROXY: rate limits count the client address the proxy forwards', async t => {
  const trusted = await build(t, { TRUST_PROXY: 'true' }, { loginRateLimit: { max: 1, timeWindowMs: 60_000 } })
  t.same(await loginCodes(trusted, ['203.0.113.1', '203.0.113.2', '203.0.113.1']), [401, 401, 429], 'two clients behind one proxy have their own budgets')
  const direct = await build(t, {}, { loginRateLimit: { max: 1, timeWindowMs: 60_000 } })
  t.same(await loginCodes(direct, ['203.0.113.1', '203.0.113.2']), [401, 429], 'without it, X-Forwarded-For is not believed')
})
