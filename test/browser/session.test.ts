import t from 'tap'
import { build, listen, localClaims, now, signHs256 } from '../helper.js'
import { connectedState, launchBrowser, logIn, openPage, recordStates, skippedWithoutBrowser, statesSeen } from './browser.js'

// The token's life on the page: refreshed before it expires, or, when it cannot be, the page
// stops and asks to log in again instead of retrying forever. Tokens live 6 s here, the server
// warns 4 s ahead, and no clock tolerance: the three cases run side by side (about 10 s).
if (!skippedWithoutBrowser(t)) {
  const app = await build(t, { JWT_EXPIRES_IN: '6s' }, { expiringNoticeSec: 4, clockToleranceSec: 0 })
  const url = await listen(app)
  const browser = await launchBrowser(t)
  t.jobs = 3

  /** Drops the network connection of every socket of `userId` (not a Socket.IO disconnect: the client reconnects by itself). */
  const dropConnections = (userId: string): void => {
    for (const socket of app.io.of('/').sockets.values()) if (socket.data.user.id === userId) socket.conn.close()
  }

  t.test('a short-lived token is refreshed by the page without a disconnect', async t => {
    const { page, problems } = await openPage(t, browser)
    const refreshes: number[] = []
    page.on('response', (response) => { if (response.url().endsWith('/token/refresh')) refreshes.push(response.status()) })
    await logIn(page, url, 'alice', 'wonderland')
    await recordStates(page)
    const socketId = await page.evaluate(() => (window as unknown as { demo: { socket: { id: string } } }).demo.socket.id)
    const firstExpiry = await page.locator('#token').getAttribute('data-expires-at') ?? ''
    t.ok(Date.parse(firstExpiry) - Date.now() <= 6000, 'a 6 second token')

    // The server disconnects at the first token's exp unless the page refreshed: wait past it.
    await page.waitForFunction((at) => Date.now() > Date.parse(at) + 1000, firstExpiry, { timeout: 15_000 })
    await page.getByLabel('Your message').fill('still here')
    await page.getByRole('button', { name: 'Send' }).click()
    await page.locator('#messages li', { hasText: 'still here' }).waitFor()

    t.ok(refreshes.length >= 1, `POST /token/refresh called (${refreshes.length} times)`)
    t.ok(refreshes.every(status => status === 200))
    t.ok(Date.parse(await page.locator('#token').getAttribute('data-expires-at') ?? '') > Date.parse(firstExpiry), 'the time left moved on')
    t.equal(await page.evaluate(() => (window as unknown as { demo: { socket: { id: string } } }).demo.socket.id), socketId, 'the same connection')
    t.same((await statesSeen(page)).filter(state => state !== 'connected'), [], 'never disconnected')
    t.match(await page.locator('#token-left').textContent(), /^0:0\d left$/)
    t.same(problems, [])
  })

  t.test('TOKEN_EXPIRED at reconnect: the page stops retrying and asks to log in again', async t => {
    const { page, context } = await openPage(t, browser)
    await logIn(page, url, 'bob', 'builder')
    const expiry = await page.locator('#token').getAttribute('data-expires-at') ?? ''
    const opened: string[] = []
    page.on('websocket', (ws) => opened.push(ws.url()))
    // The network goes away before the server's auth:expiring, and comes back after exp.
    await context.setOffline(true)
    dropConnections('bob')
    await page.locator('#conn[data-state="error"], #conn[data-state="disconnected"]').first().waitFor()
    await page.waitForFunction((at) => Date.now() > Date.parse(at) + 300, expiry, { timeout: 15_000 })
    await context.setOffline(false)

    const notice = page.locator('#login-notice')
    await notice.filter({ hasText: 'expired' }).waitFor({ timeout: 10_000 })
    t.equal(await notice.textContent(), 'Not connected: your session has expired. Please log in again.')
    t.ok(await page.locator('#login-form').isVisible())
    const attempts = opened.length
    // Socket.IO's next retry would come within its backoff (1 s at first): none comes.
    await page.waitForTimeout(1500)
    t.equal(opened.length, attempts, 'no reconnection after TOKEN_EXPIRED')
  })

  t.test('no refresh possible: auth:expired, the server disconnects, the page asks to log in again', async t => {
    const { page, problems } = await openPage(t, browser)
    // A pasted local token for carol; her refreshes fail (the server is made to refuse them here).
    await page.route('**/token/refresh', (route) => route.fulfill({ status: 503, contentType: 'application/json', body: '{"message":"Service Unavailable"}' }))
    await page.goto(url)
    await page.getByText('Use a token obtained elsewhere').click()
    // Signed only now, with the others' 6 s: a token made before the page loaded could expire before
    // a slow machine (three pages at once here, another test file beside) had connected with it.
    const exp = now() + 6
    await page.getByLabel('Access token (JWT)').fill(signHs256(localClaims({ sub: 'carol', name: 'Carol', exp })))
    await page.getByRole('button', { name: 'Use this token' }).click()
    await connectedState(page)
    t.equal(await page.locator('#me-name').textContent(), 'Carol')
    await page.locator('#token-left', { hasText: 'refresh failed' }).waitFor()
    t.match(await page.locator('#token').getAttribute('title'), /^The last refresh failed: /)
    const notice = page.locator('#login-notice')
    await notice.filter({ hasText: 'expired' }).waitFor({ timeout: 10_000 })
    t.equal(await notice.textContent(), 'Disconnected: your session has expired. Please log in again.')
    t.ok(Date.now() >= exp * 1000, 'not before exp')
    t.same(problems.filter(p => !p.includes('503')), [])
  })
}
