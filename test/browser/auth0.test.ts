import { createHash } from 'node:crypto'
import t from 'tap'
import type { Route } from 'playwright-core'
import { startIssuer } from '../auth0-issuer.js'
import { build, listen } from '../helper.js'
import { connectedState, launchBrowser, openPage, skippedWithoutBrowser } from './browser.js'

// The demo client in auth0 mode, with the real Auth0 SPA SDK served by our server. The tenant's
// browser side (/authorize, /oauth/token, /v2/logout) is played by the test through Playwright's
// routing, since the SDK talks https to the domain; the access tokens are signed by the local
// stand-in issuer whose JWKS our server trusts.
if (!skippedWithoutBrowser(t)) {
  const issuer = await startIssuer(t)
  const app = await build(t, { AUTH0_DOMAIN: issuer.origin, AUTH0_AUDIENCE: issuer.audience, AUTH0_CLIENT_ID: issuer.client.id })
  const url = await listen(app)
  const browser = await launchBrowser(t)
  // /config gives the host only, so the SDK speaks https to it.
  const tenant = `https://${new URL(issuer.origin).host}`

  t.test('the login page: an Auth0 button and a token field, the SDK from /vendor/, within the CSP', async t => {
    const { page, problems, requests } = await openPage(t, browser)
    await page.goto(url)
    await page.getByRole('button', { name: 'Log in with Auth0' }).waitFor()
    t.ok(await page.locator('#login-form').isHidden(), 'no password form in auth0 mode')
    t.ok(await page.getByLabel('Access token (JWT)').isVisible(), 'the paste field is open')
    t.ok(requests.includes(`${url}/vendor/auth0/auth0-spa-js.production.esm.js`), 'the SDK came from this server')
    t.same(requests.filter(u => !u.startsWith(url)), [], 'nothing from a CDN')
    t.same(problems, [])
  })

  t.test('Log in with Auth0: Authorization Code with PKCE, then a refresh through the SDK, then logout', async t => {
    const { page, context, problems, requests } = await openPage(t, browser)
    const seen: { authorize?: URLSearchParams, tokenRequests: Array<Record<string, string>>, logout?: URLSearchParams } = { tokenRequests: [] }
    let refreshed = 0
    const cors = { 'access-control-allow-origin': url, 'access-control-allow-headers': 'content-type, auth0-client', 'access-control-allow-methods': 'POST' }
    await context.route(`${tenant}/**`, async (route: Route) => {
      const request = route.request()
      const target = new URL(request.url())
      if (target.pathname === '/authorize') {
        seen.authorize = target.searchParams
        const back = new URL(target.searchParams.get('redirect_uri') ?? '')
        back.search = new URLSearchParams({ code: 'the-code', state: target.searchParams.get('state') ?? '' }).toString()
        return await route.fulfill({ status: 302, headers: { location: back.href } })
      }
      if (target.pathname === '/oauth/token') {
        if (request.method() === 'OPTIONS') return await route.fulfill({ status: 204, headers: cors })
        const raw = request.postData() ?? ''
        const body = (request.headers()['content-type'] ?? '').includes('json')
          ? JSON.parse(raw) as Record<string, string>
          : Object.fromEntries(new URLSearchParams(raw))
        seen.tokenRequests.push(body)
        if (body.grant_type === 'refresh_token') refreshed++
        const nonce = seen.authorize?.get('nonce') ?? ''
        const accessToken = await issuer.sign({ sub: 'auth0|dave', name: 'Dave', permissions: ['notify:send'], exp: Math.floor(Date.now() / 1000) + 300 + refreshed * 60 })
        const idToken = await issuer.sign({ iss: `${tenant}/`, aud: issuer.client.id, sub: 'auth0|dave', name: 'Dave', nonce })
        return await route.fulfill({
          status: 200,
          headers: cors,
          contentType: 'application/json',
          body: JSON.stringify({ access_token: accessToken, id_token: idToken, refresh_token: `refresh-${refreshed + 1}`, token_type: 'Bearer', expires_in: 300, scope: 'openid profile email offline_access' })
        })
      }
      if (target.pathname === '/v2/logout') {
        seen.logout = target.searchParams
        return await route.fulfill({ status: 302, headers: { location: target.searchParams.get('returnTo') ?? url } })
      }
      await route.fulfill({ status: 404 })
    })

    await page.goto(url)
    await page.getByRole('button', { name: 'Log in with Auth0' }).click()
    await connectedState(page)
    t.equal(await page.locator('#me-name').textContent(), 'Dave')
    t.equal(await page.locator('#me-id').textContent(), 'auth0|dave')
    t.equal(new URL(page.url()).search, '', 'code and state are removed from the address bar')

    const authorize = seen.authorize ?? new URLSearchParams()
    t.equal(authorize.get('response_type'), 'code')
    t.equal(authorize.get('client_id'), issuer.client.id)
    t.equal(authorize.get('audience'), issuer.audience, 'the audience from /config')
    t.equal(authorize.get('redirect_uri'), `${url}/`)
    t.equal(authorize.get('code_challenge_method'), 'S256')
    const exchange = seen.tokenRequests[0] ?? {}
    t.equal(exchange.grant_type, 'authorization_code')
    t.equal(exchange.code, 'the-code')
    t.equal(createHash('sha256').update(exchange.code_verifier ?? '').digest('base64url'), authorize.get('code_challenge'), 'PKCE: the verifier matches the challenge')

    const before = Date.parse(await page.locator('#token').getAttribute('data-expires-at') ?? '')
    await page.getByRole('button', { name: 'Refresh', exact: true }).click()
    await page.waitForFunction((old) => Date.parse(document.getElementById('token')?.dataset.expiresAt ?? '') > old, before)
    t.equal(refreshed, 1, 'getTokenSilently used the refresh token')
    t.equal(seen.tokenRequests[1]?.refresh_token, 'refresh-1')
    t.equal(await page.locator('#conn').getAttribute('data-state'), 'connected', 'auth:refresh on the live socket')
    t.ok(requests.includes(`${url}/vendor/auth0/auth0-spa-js.worker.production.js`), 'the refresh-token worker came from this server')

    await page.getByRole('button', { name: 'Log out' }).click()
    await page.getByRole('button', { name: 'Log in with Auth0' }).waitFor()
    t.equal(seen.logout?.get('client_id'), issuer.client.id, 'the Auth0 session is ended too')
    t.same(problems, [])
  })

  t.test('a token obtained elsewhere can be pasted', async t => {
    const { page, problems } = await openPage(t, browser)
    await page.goto(url)
    await page.getByLabel('Access token (JWT)').fill(`Bearer ${await issuer.sign({ sub: 'auth0|erin', name: 'Erin' })}`)
    await page.getByRole('button', { name: 'Use this token' }).click()
    await connectedState(page)
    t.equal(await page.locator('#me-name').textContent(), 'Erin')
    t.ok(await page.locator('#refresh-button').isHidden(), 'a pasted Auth0 token cannot be renewed here')
    t.same(problems, [])
  })

  t.test('a token from another issuer is refused with the reason on the page', async t => {
    const { page } = await openPage(t, browser)
    await page.goto(url)
    await page.getByLabel('Access token (JWT)').fill(await issuer.sign({ iss: 'https://evil.example/' }))
    await page.getByRole('button', { name: 'Use this token' }).click()
    await page.getByRole('alert').filter({ hasText: 'Invalid token' }).waitFor()
    t.equal(await page.locator('#login-error').textContent(), 'Authentication error: Invalid token')
  })
}
