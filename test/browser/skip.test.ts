import t from 'tap'
import { CHROMIUM, skipBrowserTests } from './browser.js'

// When the browser files may skip: only without Chromium and outside CI.
t.test('browser tests skip only when Chromium is missing and CI is not set', async t => {
  const missing = '/nonexistent/chromium'
  t.match(skipBrowserTests({}, missing), /browser tests skipped: \/nonexistent\/chromium is missing/)
  t.equal(skipBrowserTests({ CI: 'true' }, missing), false, 'in CI they run, and fail without a browser')
  t.equal(skipBrowserTests({ CI: '1' }, missing), false)
  t.equal(skipBrowserTests({ CI: '' }, missing) !== false, true, 'an empty CI is not CI')
  t.equal(skipBrowserTests({}, process.execPath), false, 'an existing executable runs them')
  t.equal(CHROMIUM, '/usr/bin/chromium', "Debian's package, never a downloaded browser")
})
