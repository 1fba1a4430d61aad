/**
 * Makes docs/demo.png, the README's picture of the demo client: the app on a free port, alice and
 * bob in headless Chromium (the browser tests' launcher), a short conversation, then bob's page.
 *
 *   node --import=tsx scripts/screenshot.ts
 */
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { AddressInfo } from 'node:net'
import { buildApp } from '../src/app.js'
import { loadConfig } from '../src/config.js'
import { packageRoot } from '../src/paths.js'
import { launchBrowser, logIn, openPage } from '../test/browser/browser.js'

const cleanups: Array<() => unknown> = []
const scope = { teardown: (fn: () => unknown) => { cleanups.push(fn) } }

try {
  const app = await buildApp(loadConfig({ LOG_LEVEL: 'silent', JWT_EXPIRES_IN: '15m' }))
  cleanups.push(async () => await app.close())
  await app.listen({ port: 0, host: '127.0.0.1' })
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`

  const browser = await launchBrowser(scope)
  const bob = await openPage(scope, browser, { width: 1280, height: 860 })
  const alice = await openPage(scope, browser)
  await bob.page.emulateMedia({ colorScheme: 'light', reducedMotion: 'reduce' })
  await logIn(bob.page, url, 'bob', 'builder')
  await logIn(alice.page, url, 'alice', 'wonderland')
  await bob.page.locator('#people li[data-user="alice"]').waitFor()

  const say = async (page: typeof bob.page, text: string): Promise<void> => {
    await page.getByLabel('Your message').fill(text)
    await page.getByRole('button', { name: 'Send' }).click()
    await bob.page.locator('#messages li', { hasText: text }).waitFor()
  }
  await say(alice.page, 'Morning Bob! The new build is on staging.')
  await say(bob.page, 'Great, checking it now.')
  await say(alice.page, 'The token refresh runs on its own: watch the timer up there.')
  await say(bob.page, 'Seen it. And logout kicks every socket of the token, nice.')

  await bob.page.getByRole('button', { name: 'Join general' }).click()
  await bob.page.locator('#rooms li[data-room="general"][data-joined="true"]').waitFor()
  await bob.page.getByRole('button', { name: '# lobby' }).click()
  await bob.page.getByRole('button', { name: 'Join private-staff' }).click()
  await bob.page.locator('#room-error', { hasText: 'Cannot join' }).waitFor()

  await alice.page.getByLabel('To (user id)').fill('bob')
  await alice.page.getByLabel('Notification', { exact: true }).fill('Standup moved to 10:30')
  await alice.page.getByRole('button', { name: 'Notify' }).click()
  await bob.page.locator('#notifications li', { hasText: 'Standup moved' }).waitFor()
  await bob.page.getByLabel('Your message').fill('On my way')
  await bob.page.getByLabel('Your message').blur()

  await mkdir(join(packageRoot, 'docs'), { recursive: true })
  const path = join(packageRoot, 'docs', 'demo.png')
  await bob.page.screenshot({ path })
  console.log(`wrote ${path}`)
} finally {
  for (const cleanup of cleanups.reverse()) await cleanup()
}
