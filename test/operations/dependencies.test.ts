import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { packageRoot } from '../../src/paths.js'

/**
 * Every installed copy of these packages (nested ones included) is at or above the version that
 * fixed their known advisories (shared/SECURITY-NOTES.md). `npm audit` in .ci/run checks the rest
 * when the registry's audit endpoint answers.
 */
const FLOORS: Record<string, string> = {
  fastify: '5.8.5',
  '@fastify/jwt': '10.2.0',
  'fast-jwt': '6.3.2',
  // get-jwks is not installed (src/auth/jwks.ts says why); if it ever comes back, not below this.
  'get-jwks': '11.0.3',
  'socket.io': '4.8.3',
  'engine.io': '6.6.9',
  'socket.io-parser': '4.2.6',
  ws: '8.21.0',
  '@fastify/static': '10.1.3',
  jsonwebtoken: '9.0.2'
}

function compare (a: string, b: string): number {
  const pa = a.split(/[.+-]/).slice(0, 3).map(Number)
  const pb = b.split(/[.+-]/).slice(0, 3).map(Number)
  for (let i = 0; i < 3; i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0)
  return 0
}

function * installed (dir: string): Generator<{ name: string, version: string, path: string }> {
  const modules = join(dir, 'node_modules')
  if (!existsSync(modules)) return
  for (const entry of readdirSync(modules)) {
    const names = entry.startsWith('@') ? readdirSync(join(modules, entry)).map(n => `${entry}/${n}`) : [entry]
    for (const name of names) {
      const path = join(modules, name)
      const manifest = join(path, 'package.json')
      if (!existsSync(manifest)) continue
      const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }
      yield { name, version, path }
      yield * installed(path)
    }
  }
}

t.test('installed versions are at or above the advisory fixes', async t => {
  const seen = new Set<string>()
  for (const pkg of installed(packageRoot)) {
    const floor = FLOORS[pkg.name]
    if (floor === undefined) continue
    seen.add(pkg.name)
    t.ok(compare(pkg.version, floor) >= 0, `${pkg.name}@${pkg.version} >= ${floor} (${pkg.path.slice(packageRoot.length + 1)})`)
  }
  for (const name of ['fastify', '@fastify/jwt', 'fast-jwt', 'socket.io', 'engine.io', 'socket.io-parser', 'ws', '@fastify/static']) {
    t.ok(seen.has(name), `${name} is installed`)
  }
})
