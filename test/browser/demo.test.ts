import t from 'tap'
import { build, listen } from '../helper.js'
import { connectedState, launchBrowser, logIn, openPage, recordStates, skippedWithoutBrowser } from './browser.js'

// The demo client in headless Chromium against a listening app: two users, two browser contexts.
if (!skippedWithoutBrowser(t)) {
  const app = await build(t)
  const url = await listen(app)
  const browser = await launchBrowser(t)

  t.test('a wrong password shows an error and keeps the login form', async t => {
    const { page, problems } = await openPage(t, browser)
    await page.goto(url)
    await page.getByLabel('Username').fill('alice')
    await page.getByLabel('Password').fill('not-her-password')
    await page.getByRole('button', { name: 'Log in', exact: true }).click()
    const alert = page.getByRole('alert').filter({ hasText: 'Invalid username or password' })
    await alert.waitFor()
    t.ok(await page.locator('#login-form').isVisible(), 'still on the login form')
    t.ok(await page.locator('#app-view').isHidden())
    // The 401 of POST /login is the console's only complaint (Chromium logs every failed fetch).
    t.same(problems.filter(p => !p.includes('401')), [])
  })

  t.test('logged out elsewhere: TOKEN_REVOKED at reconnect, the page stops and asks to log in again', async t => {
    const { page, problems } = await openPage(t, browser)
    const loginReply = page.waitForResponse(r => r.url().endsWith('/login'))
    await logIn(page, url, 'bob', 'builder')
    const { token } = await (await loginReply).json() as { token: string }
    const opened: string[] = []
    page.on('websocket', (ws) => opened.push(ws.url()))

    // Another tab or a script logs this token out: the server revokes it and disconnects its sockets.
    const logout = await app.inject({ method: 'POST', url: '/logout', headers: { authorization: `Bearer ${token}` } })
    t.equal(logout.statusCode, 204)
    const notice = page.locator('#login-notice')
    await notice.filter({ hasText: 'ended' }).waitFor()
    t.equal(await notice.textContent(), 'Not connected: your session was ended (logged out). Please log in again.')
    t.ok(await page.locator('#login-form').isVisible())
    // One look after the server's disconnect (which is how the page learns why), then no more.
    await page.waitForTimeout(1500)
    t.equal(opened.length, 1, 'one reconnection attempt, no loop')
    t.same(problems, [])
  })

  t.test('alice and bob chat, bob is refused private-staff, alice notifies bob, bob logs out', async t => {
    const alice = await openPage(t, browser)
    const bob = await openPage(t, browser)
    await logIn(alice.page, url, 'alice', 'wonderland')
    await logIn(bob.page, url, 'bob', 'builder')

    await t.test('who you are comes from GET /me', async t => {
      t.equal(await alice.page.locator('#me-name').textContent(), 'Alice')
      t.same(await alice.page.locator('#me-permissions li').allTextContents(), ['notify:send', 'join:private-staff'])
      t.equal(await bob.page.locator('#me-name').textContent(), 'Bob')
      t.ok(await bob.page.locator('#notify-form').isHidden(), 'no notify form without notify:send')
      t.match(await bob.page.locator('#token-left').textContent(), /^1[45]:\d\d left$/, 'time left on a 15 minute token')
    })

    await t.test('presence: alice sees bob come online', async t => {
      await alice.page.locator('#people li[data-user="bob"][data-status="online"]').waitFor()
      t.pass()
    })

    await t.test('a message from alice appears on bob\'s page, and bob\'s reply on alice\'s', async t => {
      await alice.page.getByLabel('Your message').fill('Hello Bob! <b>not bold</b>')
      await alice.page.getByRole('button', { name: 'Send' }).click()
      const received = bob.page.locator('#messages li[data-sender="alice"]', { hasText: 'Hello Bob!' })
      await received.waitFor()
      t.equal(await received.locator('.text').textContent(), 'Hello Bob! <b>not bold</b>', 'text, never markup')
      t.equal(await received.locator('strong').textContent(), 'Alice', 'the sender named by the server')
      t.equal(await alice.page.getByLabel('Your message').inputValue(), '', 'the box is cleared after the ack')

      await bob.page.getByLabel('Your message').fill('Hi Alice')
      await bob.page.getByLabel('Your message').press('Enter')
      await alice.page.locator('#messages li[data-sender="bob"]', { hasText: 'Hi Alice' }).waitFor()
    })

    await t.test('bob\'s join of private-staff is refused with the reason; alice\'s is not', async t => {
      await bob.page.getByRole('button', { name: 'Join private-staff' }).click()
      const alert = bob.page.locator('#room-error')
      await alert.filter({ hasText: 'Cannot join private-staff' }).waitFor()
      t.equal(await alert.textContent(), 'Cannot join private-staff: Joining private-staff needs the permission join:private-staff.')
      t.equal(await bob.page.locator('#rooms li[data-room="private-staff"]').getAttribute('data-joined'), 'false')

      await alice.page.getByRole('button', { name: 'Join private-staff' }).click()
      await alice.page.locator('#rooms li[data-room="private-staff"][data-joined="true"]').waitFor()
      t.equal(await alice.page.locator('#chat-room').textContent(), 'private-staff', 'the joined room is opened')
      await alice.page.getByLabel('Your message').fill('staff only')
      await alice.page.getByRole('button', { name: 'Send' }).click()
      await alice.page.locator('#messages li', { hasText: 'staff only' }).waitFor()
      await alice.page.getByRole('button', { name: 'Leave private-staff' }).click()
      await alice.page.locator('#rooms li[data-room="private-staff"][data-joined="false"]').waitFor()
      t.equal(await alice.page.locator('#chat-room').textContent(), 'lobby')
      t.equal(await bob.page.locator('#messages li', { hasText: 'staff only' }).count(), 0, 'bob never saw it')
    })

    await t.test('a notification alice sends over HTTP (POST /notifications) appears on bob\'s page', async t => {
      await alice.page.getByLabel('To (user id)').fill('bob')
      await alice.page.getByLabel('Notification', { exact: true }).fill('Standup in 5')
      const sent = alice.page.waitForResponse(r => r.url().endsWith('/notifications') && r.request().method() === 'POST')
      await alice.page.getByRole('button', { name: 'Notify' }).click()
      t.equal((await sent).status(), 202)
      const note = bob.page.locator('#notifications li', { hasText: 'Standup in 5' })
      await note.waitFor()
      t.match(await note.textContent(), /from Alice/)
      t.equal(await alice.page.locator('#notify-result').textContent(), 'Sent to bob.')
    })

    await t.test('logout returns to the login form; alice sees bob go offline', async t => {
      await recordStates(bob.page)
      const loggedOut = bob.page.waitForResponse(r => r.url().endsWith('/logout'))
      await bob.page.getByRole('button', { name: 'Log out' }).click()
      t.equal((await loggedOut).status(), 204)
      await bob.page.locator('#login-form').waitFor()
      t.equal(await bob.page.locator('#login-notice').textContent(), 'You are logged out.')
      t.ok(await bob.page.locator('#app-view').isHidden())
      t.ok(await bob.page.getByLabel('Username').evaluate(el => el === document.activeElement), 'focus on the username')
      await alice.page.locator('#people li[data-user="bob"][data-status="offline"]').waitFor()
      await connectedState(alice.page)
      // Stopped by us, before the server's disconnect: never shown as an error or a reconnect.
      t.notOk((await bob.page.evaluate(() => (window as unknown as { connectionStates: string[] }).connectionStates)).some(s => s === 'error' || s === 'connecting'))
    })

    await t.test('the socket uses WebSocket under the CSP, and nothing broke on either page', async t => {
      t.equal(await alice.page.evaluate(() => (window as unknown as { demo: { socket: { io: { engine: { transport: { name: string } } } } } }).demo.socket.io.engine.transport.name), 'websocket')
      t.same(alice.problems, [])
      t.same(bob.problems, [])
      t.same([...alice.requests, ...bob.requests].filter(u => !u.startsWith(url)), [], 'no request leaves the server')
    })
  })
}
