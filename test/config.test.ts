import { spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { ConfigError, loadConfig, parseDuration } from '../src/config.js'
import { packageRoot } from '../src/paths.js'

t.test('defaults: local mode, random secret with a warning, demo users', async t => {
  const config = loadConfig({})
  t.equal(config.port, 3000)
  t.equal(config.host, '127.0.0.1')
  t.equal(config.logLevel, 'info')
  t.equal(config.auth.mode, 'local')
  if (config.auth.mode !== 'local') return
  t.ok(config.auth.secretGenerated)
  t.ok(config.auth.secret.length >= 32)
  t.not(loadConfig({}).auth, config.auth, 'a new secret per start')
  t.equal(config.auth.expiresInSec, 900)
  t.same(config.auth.users.map(u => u.username), ['alice', 'bob'])
  t.match(config.warnings.join('\n'), /JWT_SECRET/)
})

t.test('auth0 mode follows AUTH0_DOMAIN; issuer and JWKS URL come from it alone', async t => {
  const config = loadConfig({ AUTH0_DOMAIN: 'example.eu.auth0.com', AUTH0_AUDIENCE: 'https://api' })
  t.match(config.auth, { mode: 'auth0', issuer: 'https://example.eu.auth0.com/', jwksUrl: 'https://example.eu.auth0.com/.well-known/jwks.json', audience: 'https://api' })
  const local = loadConfig({ AUTH0_DOMAIN: 'http://127.0.0.1:4000', AUTH0_AUDIENCE: 'x' })
  t.match(local.auth, { issuer: 'http://127.0.0.1:4000/' })
  t.equal(loadConfig({ AUTH0_DOMAIN: 'example.eu.auth0.com', AUTH0_AUDIENCE: 'x', AUTH_MODE: 'local' }).auth.mode, 'local', 'AUTH_MODE wins')
})

t.test('JWT_EXPIRES_IN', async t => {
  t.equal(parseDuration('90s'), 90)
  t.equal(parseDuration('15m'), 900)
  t.equal(parseDuration('2h'), 7200)
  t.equal(parseDuration('120'), 120)
})

t.test('CORS_ORIGINS, TRUST_PROXY, REDIS_URL', async t => {
  const config = loadConfig({ CORS_ORIGINS: 'https://a.example, http://localhost:5173', TRUST_PROXY: 'true', REDIS_URL: 'redis://127.0.0.1:6379' })
  t.same(config.corsOrigins, ['https://a.example', 'http://localhost:5173'])
  t.equal(config.trustProxy, true)
  t.equal(config.redisUrl, 'redis://127.0.0.1:6379')
  t.equal(loadConfig({ TRUST_PROXY: '10.0.0.1' }).trustProxy, '10.0.0.1')
  t.equal(loadConfig({ PORT: '' }).port, 3000, 'an empty value counts as unset')
})

t.test('each bad value gives one line naming its variable', async t => {
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{ PORT: 'abc' }, /^PORT /],
    [{ PORT: '70000' }, /^PORT /],
    [{ AUTH_MODE: 'ldap' }, /^AUTH_MODE /],
    [{ JWT_SECRET: 'short' }, /^JWT_SECRET must be at least 32 characters/],
    [{ JWT_EXPIRES_IN: 'soon' }, /^JWT_EXPIRES_IN /],
    [{ AUTH_MODE: 'auth0', AUTH0_AUDIENCE: 'x' }, /^AUTH0_DOMAIN is required/],
    [{ AUTH0_DOMAIN: 'example.auth0.com' }, /^AUTH0_AUDIENCE is required/],
    [{ AUTH0_DOMAIN: 'https://example.auth0.com/path?x', AUTH0_AUDIENCE: 'x' }, /^AUTH0_DOMAIN /],
    [{ AUTH0_DOMAIN: 'e.auth0.com', AUTH0_AUDIENCE: 'x', AUTH0_CLIENT_SECRET: 's' }, /^AUTH0_CLIENT_ID /],
    [{ LOG_LEVEL: 'loud' }, /^LOG_LEVEL /],
    [{ REDIS_URL: 'http://x' }, /^REDIS_URL /],
    [{ CORS_ORIGINS: 'not an origin' }, /^CORS_ORIGINS /],
    [{ USERS_FILE: '/nonexistent/users.json' }, /^USERS_FILE /],
    [{ NODE_ENV: 'production' }, /^JWT_SECRET is required/],
    [{ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(40) }, /^USERS_FILE is required/],
    [{ NODE_ENV: 'production', CORS_ORIGINS: '*' }, /^CORS_ORIGINS must not be \*/],
    [{ NODE_ENV: 'production', AUTH0_DOMAIN: 'http://127.0.0.1:4000', AUTH0_AUDIENCE: 'x' }, /^AUTH0_DOMAIN must use https/]
  ]
  for (const [env, pattern] of cases) {
    t.throws(() => loadConfig(env), ConfigError, JSON.stringify(env))
    try { loadConfig(env) } catch (error) {
      t.match((error as Error).message, pattern, JSON.stringify(env))
      t.notMatch((error as Error).message, /\n/, 'one line')
    }
  }
})

t.test('USERS_FILE: users with scrypt hashes; anything else is refused', async t => {
  const dir = t.testdir({
    'users.json': JSON.stringify([{ username: 'erin', name: 'Erin', permissions: ['notify:send'], passwordHash: 'scrypt$16384$8$1$c2FsdA$aGFzaA' }]),
    'plain.json': JSON.stringify([{ username: 'erin', name: 'Erin', permissions: [], password: 'secret' }])
  })
  const config = loadConfig({ USERS_FILE: join(dir, 'users.json') })
  t.same(config.auth.mode === 'local' && config.auth.users.map(u => u.username), ['erin'])
  t.throws(() => loadConfig({ USERS_FILE: join(dir, 'plain.json') }), /USERS_FILE is not a list/)
})

t.test('the process refuses a bad configuration with exit code 1, one line, no stack', async t => {
  const dir = t.testdir({})
  writeFileSync(join(dir, 'placeholder'), '')
  const run = spawnSync(process.execPath, [...process.execArgv, join(packageRoot, 'src/server.ts')], {
    cwd: dir,
    env: { PATH: process.env.PATH, AUTH_MODE: 'auth0', AUTH0_DOMAIN: 'example.auth0.com' },
    encoding: 'utf8',
    timeout: 30_000
  })
  t.equal(run.status, 1)
  t.equal(run.stderr.trim(), 'Configuration error: AUTH0_AUDIENCE is required in auth0 mode (the API identifier that tokens must carry in aud)')
})
