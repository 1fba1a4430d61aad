import { existsSync } from 'node:fs'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'

/** Debian's Chromium (installed by .ci/run); never a browser downloaded by Playwright. */
export const CHROMIUM = '/usr/bin/chromium'

/**
 * Headless, and without the background traffic that this machine's closed network refuses.
 * Playwright's `launch` gives each browser a fresh temporary user data dir (and removes it).
 */
export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'
]

/**
 * Why this file's browser tests cannot run here, or false. Only outside CI: in CI a missing
 * Chromium fails the run (launch throws) instead of skipping it.
 */
export function skipBrowserTests (env: Record<string, string | undefined> = process.env, executable = CHROMIUM): string | false {
  if (existsSync(executable)) return false
  if (env.CI !== undefined && env.CI !== '') return false
  return `browser tests skipped: ${executable} is missing (apt-get install chromium); CI runs them`
}

interface Teardown { teardown: (fn: () => unknown) => void }

/** Ends a browser test file with one clear skip line when skipBrowserTests() says so; true then. */
export function skippedWithoutBrowser (t: { comment: (message: string) => void, pass: (message: string) => void, end: () => void }): boolean {
  const skip = skipBrowserTests()
  if (skip === false) return false
  t.comment(skip)
  t.pass(skip)
  t.end()
  return true
}

/** One browser for a test file, closed with it. */
export async function launchBrowser (t: Teardown): Promise<Browser> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true })
  t.teardown(async () => await browser.close())
  return browser
}

export interface DemoPage {
  context: BrowserContext
  page: Page
  /** Console errors, uncaught exceptions and CSP violations seen so far: a test expects none. */
  problems: string[]
  /** Every URL the page (and its workers) asked for. */
  requests: string[]
}

/** A new browser context (its own storage: another user) with one page, closed after the test. */
export async function openPage (t: Teardown, browser: Browser, viewport = { width: 1280, height: 800 }): Promise<DemoPage> {
  const context = await browser.newContext({ viewport, locale: 'en-GB', timezoneId: 'UTC' })
  context.setDefaultTimeout(8000)
  t.teardown(async () => await context.close())
  const page = await context.newPage()
  const problems: string[] = []
  const requests: string[] = []
  page.on('console', (message) => { if (message.type() === 'error') problems.push(`console: ${message.text()}`) })
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`))
  context.on('request', (request) => requests.push(request.url()))
  // CSP violations also reach the console; the event says which directive, for a clearer failure.
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI}`)
    })
  })
  return { context, page, problems, requests }
}

/** Logs in through the page's form and waits for the socket to be connected. */
export async function logIn (page: Page, url: string, username: string, password: string): Promise<void> {
  await page.goto(url)
  await page.getByLabel('Username').fill(username)
  await page.getByLabel('Password').fill(password)
  await page.getByRole('button', { name: 'Log in', exact: true }).click()
  await connectedState(page)
}

export async function connectedState (page: Page): Promise<void> {
  await page.locator('#conn[data-state="connected"]').waitFor()
}

/**
 * Records every connection state the page shows from now on, in `window.connectionStates`
 * (read it back with `statesSeen`).
 */
export async function recordStates (page: Page): Promise<void> {
  await page.evaluate(() => {
    const box = document.getElementById('conn') as HTMLElement
    const seen: string[] = []
    Object.assign(window, { connectionStates: seen })
    new MutationObserver(() => seen.push(box.dataset.state ?? '')).observe(box, { attributes: true, attributeFilter: ['data-state'] })
  })
}

export async function statesSeen (page: Page): Promise<string[]> {
  return await page.evaluate(() => (window as unknown as { connectionStates: string[] }).connectionStates)
}
