import t from 'tap'
import { connected, login, next, realtime, record } from '../helper.js'

t.test('presence: online at the first tab, offline only when the last one closes', async t => {
  const { app, url, alice, bob } = await realtime(t)
  const watcher = await connected(t, url, alice)
  const seen = record(watcher, 'presence')

  const online = next(watcher, 'presence')
  const tab1 = await connected(t, url, bob)
  t.same(await online, { userId: 'bob', name: 'Bob', status: 'online' })

  const tab2 = await connected(t, url, await login(app, 'bob'))
  // No second "online": the marker below is the next presence event alice sees.
  tab1.disconnect()
  // tab1 closing leaves tab2: bob stays online. Close tab2 and the next event must be offline.
  const offline = next(watcher, 'presence')
  tab2.disconnect()
  t.same(await offline, { userId: 'bob', name: 'Bob', status: 'offline' })
  t.same(seen, [
    { userId: 'bob', name: 'Bob', status: 'online' },
    { userId: 'bob', name: 'Bob', status: 'offline' }
  ], 'exactly one online and one offline for two tabs')
})
