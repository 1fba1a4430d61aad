/**
 * `npm run bench`: what this server's authentication costs, against plain Socket.IO, in one run.
 *
 * Starts every server it measures as a child process (pinned to one core with taskset, file
 * descriptor limit raised) and a load generator (pinned to another core), alternates the targets
 * round by round, prints the tables, and writes bench/results/*.json, docs/benchmarks.md and the
 * chart. See docs/benchmarks.md for the method.
 */
import { spawn, spawnSync } from 'node:child_process'
import { createHmac, randomBytes, randomUUID } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { availableParallelism, loadavg } from 'node:os'
import { join, resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { parseArgs } from 'node:util'
import { StandInIssuer } from '../test/auth0-issuer.js'
import { Peer, type FromLoad, type FromServer, type HandshakeRun, type ServerStats, type ToLoad, type ToServer } from './ipc.js'
import { socketIoUrl } from './protocol.js'
import { chartSvg, markdownReport, textReport } from './report.js'
import { BARE_APP, type BenchResults, type HandshakeRound, type HoldLevel, type JwksReport, type Machine, type MemoryRound, type Options, type ServerKind, type Target } from './results.js'
import { ascending, percentile } from './stats.js'

const root = resolve(import.meta.dirname, '..')
const resultsDir = join(root, 'bench', 'results')
const docsDir = join(root, 'docs')
const CHART = 'benchmarks.svg'
/** Where bench/tsconfig.build.json puts the compiled servers. */
const buildDir = join(resultsDir, 'build')

/**
 * How often each token is sent in the held-to-goal targets: a client's token opens more than one
 * connection in its life (reconnects, reloads, other tabs), as the same bearer token is sent with
 * every API call. The `-fresh` targets send every token once.
 */
const REUSE = 10

const TARGETS: Target[] = [
  { name: 'bare', server: 'bare', tokens: 'local', reuse: 1, description: 'plain Socket.IO 4 on node:http, no authentication, the same Socket.IO options (bench/server-bare.ts)' },
  { name: 'local', server: 'local', tokens: 'local', reuse: REUSE, description: `this server in local mode: HS256 tokens signed with JWT_SECRET (bench/server-app.ts: loadConfig + buildApp), each token sent ${REUSE} times in a round` },
  { name: 'auth0', server: 'auth0', tokens: 'auth0', reuse: REUSE, description: `this server in auth0 mode: RS256 tokens, keys from the stand-in tenant's JWKS on 127.0.0.1, each token sent ${REUSE} times in a round` },
  { name: 'local-fresh', server: 'local', tokens: 'local', reuse: 1, description: 'the `local` server, every handshake with a token it has never seen', informational: true },
  { name: 'auth0-fresh', server: 'auth0', tokens: 'auth0', reuse: 1, description: 'the `auth0` server, every handshake with a token it has never seen', informational: true },
  { name: 'local-users', server: 'local', tokens: 'local-users', reuse: 1, description: 'the `local` server, with a distinct user per token (each sent once): every connect and close also broadcasts presence to lobby', informational: true },
  { name: BARE_APP, server: 'bare-app', tokens: 'local', reuse: 1, description: "the `bare` server in a process that has also built this server's Fastify app (local mode, idle: no connection reaches it): what the process costs, apart from authentication", informational: true }
]
/** Handshakes before the baseline of a held-connection round. */
const MEMORY_WARMUP = 50
/** Targets of the held-connection and fan-out rounds. */
const MEMORY_TARGETS = ['bare', 'local', 'auth0']

// ---------------------------------------------------------------------------------------------
// Options

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    n: { type: 'string' },
    concurrency: { type: 'string' },
    rounds: { type: 'string' },
    warmup: { type: 'string' },
    slice: { type: 'string' },
    holds: { type: 'string' },
    'memory-rounds': { type: 'string' },
    'fanout-messages': { type: 'string' },
    targets: { type: 'string' },
    profile: { type: 'boolean', default: false },
    'no-docs': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false }
  }
})

if (args.help) {
  process.stdout.write(`npm run bench -- [--quick] [--n 5000] [--concurrency 50] [--rounds 7] [--slice 250] [--warmup 1000]
  [--holds 1000,5000,10000] [--memory-rounds 3] [--fanout-messages 100]
  [--targets ${TARGETS.map(t => t.name).join(',')}]
  [--profile] (write .cpuprofile files of the servers to bench/results/profiles)
  [--no-docs] (leave docs/benchmarks.md and docs/${CHART} alone)
`)
  process.exit(0)
}

function integer (value: string | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback
  const parsed = Number(value)
  if (!Number.isInteger(parsed) || parsed < 0) throw new Error(`--${name} must be a whole number (got ${value})`)
  return parsed
}

const quick = args.quick
const targetNames = (args.targets ?? TARGETS.map(t => t.name).join(',')).split(',').map(t => t.trim()).filter(t => t !== '')
for (const name of targetNames) if (!TARGETS.some(t => t.name === name)) throw new Error(`unknown target ${name} (known: ${TARGETS.map(t => t.name).join(', ')})`)
if (!targetNames.includes('bare')) targetNames.unshift('bare')
const targets = TARGETS.filter(t => targetNames.includes(t.name))

const options: Options = {
  quick,
  n: integer(args.n, quick ? 2000 : 5000, 'n'),
  concurrency: Math.max(1, integer(args.concurrency, 50, 'concurrency')),
  rounds: Math.max(1, integer(args.rounds, quick ? 3 : 7, 'rounds')),
  warmup: integer(args.warmup, quick ? 500 : 1000, 'warmup'),
  slice: Math.max(1, integer(args.slice, 250, 'slice')),
  holds: (args.holds ?? (quick ? '1000,2000' : '1000,5000,10000')).split(',').filter(h => h !== '').map(h => integer(h, 0, 'holds')).filter(h => h > 0).sort((a, b) => a - b),
  memoryRounds: integer(args['memory-rounds'], quick ? 1 : 3, 'memory-rounds'),
  fanoutMessages: Math.max(1, integer(args['fanout-messages'], quick ? 20 : 100, 'fanout-messages')),
  targets: targets.map(t => t.name)
}

// ---------------------------------------------------------------------------------------------
// The machine

function cpuModel (): string {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8').split('\n').find(l => l.startsWith('model name'))
    return line?.split(':')[1]?.trim() ?? 'unknown CPU'
  } catch {
    return 'unknown CPU'
  }
}

/** The CPUs this process may run on (Cpus_allowed_list), e.g. [0, 1]. */
function allowedCpus (): number[] {
  try {
    const line = readFileSync('/proc/self/status', 'utf8').split('\n').find(l => l.startsWith('Cpus_allowed_list:'))
    const cpus: number[] = []
    for (const part of (line?.split(':')[1] ?? '').trim().split(',')) {
      const [from, to] = part.split('-').map(Number)
      if (from === undefined || !Number.isInteger(from)) continue
      for (let cpu = from; cpu <= (to ?? from); cpu++) cpus.push(cpu)
    }
    return cpus
  } catch {
    return []
  }
}

function hardFdLimit (): number | null {
  const result = spawnSync('bash', ['-c', 'ulimit -Hn'], { encoding: 'utf8' })
  const value = result.stdout.trim()
  if (value === 'unlimited') return Number.POSITIVE_INFINITY
  const parsed = Number(value)
  return Number.isFinite(parsed) && parsed > 0 ? parsed : null
}

const cpus = allowedCpus()
const hasTaskset = spawnSync('taskset', ['--version']).status === 0
const pinned = hasTaskset && cpus.length >= 2 ? { server: cpus[0] as number, load: cpus[1] as number } : null
const fdLimit = hardFdLimit()
const machine: Machine = {
  cpus: availableParallelism(),
  cpuModel: cpuModel(),
  node: process.version,
  platform: `${process.platform} ${process.arch}`,
  loadAverage: loadavg(),
  pinned,
  fdLimit: fdLimit === Number.POSITIVE_INFINITY ? null : fdLimit
}

const maxHold = Math.max(0, ...options.holds)
if (fdLimit !== null && maxHold + 200 > fdLimit) {
  const fitting = options.holds.filter(h => h + 200 <= fdLimit)
  process.stderr.write(`The hard fd limit (${fdLimit}) is too low for ${maxHold} sockets: holding ${fitting.join(', ') || 'none'}\n`)
  options.holds = fitting
}

// ---------------------------------------------------------------------------------------------
// Processes

/**
 * The servers run compiled (tsc), as `npm start` runs this server: tsx would add its own work per
 * closure (esbuild's keepNames) to the servers' figures. Type errors do not stop the emit.
 */
function buildServers (): void {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc')
  const result = spawnSync(process.execPath, [tsc, '-p', 'bench/tsconfig.build.json'], { cwd: root, encoding: 'utf8' })
  if (result.status !== 0) process.stderr.write(`  tsc reported errors (the servers are built anyway):\n${result.stdout}`)
  for (const file of ['server-app.js', 'server-bare.js']) {
    if (!existsSync(join(buildDir, 'bench', file))) throw new Error(`the bench servers did not build (${file} missing)`)
  }
}

/** Node (with tsx for TypeScript), under bash (to raise the fd limit to the hard limit) and taskset (to pin). */
function spawnNode (script: string, cpu: number | undefined, nodeArgs: string[], env: Record<string, string>): ReturnType<typeof spawn> {
  const pin = cpu !== undefined && pinned !== null ? ['taskset', '-c', String(cpu)] : []
  const loader = script.endsWith('.ts') ? ['--import=tsx'] : []
  const command = [...pin, process.execPath, ...loader, ...nodeArgs, script]
  const baseEnv: Record<string, string> = {}
  for (const key of ['PATH', 'HOME', 'TMPDIR', 'LANG']) {
    const value = process.env[key]
    if (value !== undefined) baseEnv[key] = value
  }
  return spawn('bash', ['-c', 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$@"', 'bench', ...command], {
    cwd: root,
    env: { ...baseEnv, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc']
  })
}

type ServerPeer = Peer<ToServer, FromServer>
interface RunningServer { kind: ServerKind, peer: ServerPeer, port: number, url: string }

const runStarted = new Date()
/** Names this run's files. */
const runStamp = runStarted.toISOString().replace(/[:.]/g, '-')
const BENCH_SECRET = randomBytes(32).toString('base64url')
const BENCH_USER = { sub: 'bench', name: 'Bench' }
const AUDIENCE = 'https://bench.example.test'

let issuer: StandInIssuer | undefined
let auth0Processes = 0
const jwksPerProcess: number[] = []

function serverEnv (kind: ServerKind): Record<string, string> {
  if (kind === 'bare') return {}
  if (kind === 'bare-app') return { BENCH_WITH_APP: '1' }
  const app: Record<string, string> = { LOG_LEVEL: 'silent' }
  if (kind === 'local') Object.assign(app, { AUTH_MODE: 'local', JWT_SECRET: BENCH_SECRET })
  else Object.assign(app, { AUTH_MODE: 'auth0', AUTH0_DOMAIN: (issuer as StandInIssuer).origin, AUTH0_AUDIENCE: AUDIENCE })
  return { BENCH_APP_ENV: JSON.stringify(app) }
}

async function startServer (kind: ServerKind, label: string): Promise<RunningServer> {
  const nodeArgs = ['--expose-gc']
  if (args.profile) {
    // One folder per server process and run (a process may write one profile per thread).
    const dir = join(resultsDir, 'profiles', runStamp, label)
    mkdirSync(dir, { recursive: true })
    nodeArgs.push('--cpu-prof', '--cpu-prof-interval=250', `--cpu-prof-dir=${dir}`)
  }
  const script = join(buildDir, 'bench', kind === 'bare' || kind === 'bare-app' ? 'server-bare.js' : 'server-app.js')
  const peer: ServerPeer = new Peer(spawnNode(script, pinned?.server, nodeArgs, serverEnv(kind)), `${kind} server`)
  const timer = setTimeout(() => peer.child.kill('SIGKILL'), 60_000)
  const first = await peer.next()
  clearTimeout(timer)
  if (first.type !== 'listening') throw new Error(`${kind} server: unexpected ${first.type}`)
  if (kind === 'auth0') auth0Processes++
  return { kind, peer, port: first.port, url: socketIoUrl(first.port) }
}

async function stopServer (server: RunningServer): Promise<void> {
  if (server.kind === 'auth0') jwksPerProcess.push((await stats(server, false)).jwksFetches ?? 0)
  await server.peer.stop({ type: 'exit' })
}

async function stats (server: RunningServer, gc: boolean): Promise<ServerStats> {
  const reply = await server.peer.ask({ type: 'stats', gc })
  if (reply.type !== 'stats') throw new Error(`${server.kind} server: unexpected ${reply.type}`)
  return reply.stats
}

/** Waits until the server has seen every connection close, and returns its stats then. */
async function settled (server: RunningServer, timeoutMs = 15_000): Promise<ServerStats> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const now = await stats(server, false)
    if (now.sockets === 0 || Date.now() > deadline) return now
    await sleep(20)
  }
}

type LoadPeer = Peer<ToLoad, FromLoad>

async function ask<T extends FromLoad['type']> (load: LoadPeer, message: ToLoad, expected: T): Promise<Extract<FromLoad, { type: T }>> {
  const reply = await load.ask(message)
  if (reply.type === 'error') throw new Error(`load generator: ${reply.message}`)
  if (reply.type !== expected) throw new Error(`load generator: expected ${expected}, got ${reply.type}`)
  return reply as Extract<FromLoad, { type: T }>
}

// ---------------------------------------------------------------------------------------------
// Tokens, all made before anything is timed

const b64 = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url')

function localTokens (count: number, distinctUsers: boolean, exp: number): string[] {
  const header = b64({ alg: 'HS256', typ: 'JWT' })
  const iat = Math.floor(Date.now() / 1000)
  return Array.from({ length: count }, (_, i) => {
    const user = distinctUsers ? { sub: `bench-${i}`, name: `Bench ${i}` } : BENCH_USER
    const input = `${header}.${b64({ ...user, permissions: [], jti: randomUUID(), iat, exp })}`
    return `${input}.${createHmac('sha256', BENCH_SECRET).update(input).digest('base64url')}`
  })
}

async function auth0Tokens (count: number, exp: number): Promise<string[]> {
  const stand = issuer as StandInIssuer
  const tokens: string[] = []
  // RS256 signatures are deterministic: a distinct `exp` makes every token distinct. WebCrypto
  // signs on libuv's thread pool, so batches use every core.
  for (let i = 0; i < count; i += 64) {
    const batch = Array.from({ length: Math.min(64, count - i) }, async (_, j) =>
      await stand.sign({ sub: `auth0|${BENCH_USER.sub}`, name: BENCH_USER.name, permissions: [], exp: exp + i + j }))
    tokens.push(...await Promise.all(batch))
  }
  return tokens
}

/** Distinct tokens a target sends in `n` handshakes. */
const distinctIn = (target: Target, n: number): number => Math.ceil(n / target.reuse)

/**
 * Where each target's tokens start in the pool of its kind: every target has its own, so that no
 * target (nor any round) sends a token another has sent to the same server.
 */
function poolRegions (): { start: Map<string, number>, size: Record<Target['tokens'], number> } {
  const start = new Map<string, number>()
  const size: Record<Target['tokens'], number> = { local: 0, 'local-users': 0, auth0: 0 }
  for (const target of targets) {
    start.set(target.name, size[target.tokens])
    size[target.tokens] += distinctIn(target, options.warmup) + options.rounds * distinctIn(target, options.n)
  }
  return { start, size }
}

/**
 * The tokens of a round (-1: the warm-up): the next slice of the target's region, each token sent
 * `reuse` times in turn (token i at handshakes i, i + n/reuse, ...), spread over the round.
 */
function roundTokens (pools: Record<Target['tokens'], string[]>, regionStart: number, target: Target, round: number): string[] {
  const n = round < 0 ? options.warmup : options.n
  const from = regionStart + (round < 0 ? 0 : distinctIn(target, options.warmup) + round * distinctIn(target, options.n))
  const distinct = pools[target.tokens].slice(from, from + distinctIn(target, n))
  return Array.from({ length: n }, (_, i) => distinct[i % distinct.length] as string)
}

// ---------------------------------------------------------------------------------------------
// Rounds

/** Handshakes and the server CPU they cost, summed over the slices of a round. */
interface Tally { run: HandshakeRun, cpuUs: number, cpuUserUs: number }

const emptyTally = (): Tally => ({ run: { ok: 0, refused: 0, failed: 0, seconds: 0, latenciesMs: [] }, cpuUs: 0, cpuUserUs: 0 })

/** Runs `tokens` as handshakes against `server` and adds them to `tally`. */
async function handshakeSlice (load: LoadPeer, server: RunningServer, tokens: string[], tally: Tally): Promise<void> {
  const before = await stats(server, false)
  const { run } = await ask(load, { type: 'handshakes', url: server.url, tokens, concurrency: options.concurrency }, 'handshakes')
  const after = await settled(server)
  const sum = tally.run
  sum.ok += run.ok
  sum.refused += run.refused
  sum.failed += run.failed
  sum.seconds += run.seconds
  for (const ms of run.latenciesMs) sum.latenciesMs.push(ms)
  sum.firstProblem ??= run.firstProblem
  tally.cpuUs += after.cpuUs - before.cpuUs
  tally.cpuUserUs += after.cpuUserUs - before.cpuUserUs
}

/**
 * One round: N handshakes per target, in slices of `options.slice`, the targets taking turns
 * slice by slice (A B C A B C ...). A burst of load from elsewhere on the machine, which lasts a
 * second or more, then falls on every target alike instead of on whichever ran N handshakes then.
 */
async function handshakeRound (load: LoadPeer, order: Target[], round: number, serverOf: (target: Target) => RunningServer, tokensOf: (target: Target, round: number) => string[]): Promise<HandshakeRound[]> {
  const work = order.map(target => ({ target, tokens: tokensOf(target, round), tally: emptyTally() }))
  for (let from = 0; from < options.n; from += options.slice) {
    for (const { target, tokens, tally } of work) await handshakeSlice(load, serverOf(target), tokens.slice(from, from + options.slice), tally)
  }
  return work.map(({ target, tokens, tally }) => roundFrom(target.name, round, tokens.length, tally.run, tally.cpuUs, tally.cpuUserUs))
}

function roundFrom (target: string, round: number, n: number, run: HandshakeRun, cpuUs: number, cpuUserUs: number): HandshakeRound {
  const sorted = ascending(run.latenciesMs)
  const result: HandshakeRound = {
    target,
    round,
    n,
    ok: run.ok,
    refused: run.refused,
    failed: run.failed,
    seconds: run.seconds,
    perSecond: run.ok / run.seconds,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    cpuUsPerHandshake: cpuUs / Math.max(1, run.ok),
    cpuUserUsPerHandshake: cpuUserUs / Math.max(1, run.ok)
  }
  if (run.firstProblem !== undefined) result.firstProblem = run.firstProblem
  return result
}

async function memoryRound (load: LoadPeer, target: Target, round: number, tokens: string[]): Promise<MemoryRound> {
  const server = await startServer(target.server, `${target.name}-memory-${round}`)
  try {
    // A short warm-up (code paths loaded, JWKS fetched): a long one would leave freed heap pages
    // resident, and the held sockets would fill them without growing RSS.
    const warm = tokens.slice(maxHold, maxHold + MEMORY_WARMUP)
    await ask(load, { type: 'handshakes', url: server.url, tokens: warm, concurrency: options.concurrency }, 'handshakes')
    await settled(server)
    const base = await stats(server, true)
    const levels: HoldLevel[] = []
    let held = 0
    let previous = { sockets: 0, rss: base.rss }
    for (const level of options.holds) {
      const reply = await ask(load, { type: 'hold', url: server.url, tokens: tokens.slice(held, level), concurrency: options.concurrency }, 'hold')
      if (reply.firstProblem !== undefined) process.stderr.write(`  ${target.name}: ${reply.failed} connection(s) failed, first: ${reply.firstProblem}\n`)
      held = level
      const now = await stats(server, true)
      const fan = await ask(load, { type: 'fanout', messages: options.fanoutMessages }, 'fanout')
      const sorted = ascending(fan.timesMs)
      levels.push({
        sockets: reply.held,
        failed: reply.failed,
        rss: now.rss,
        heapUsed: now.heapUsed,
        rssPerSocket: (now.rss - base.rss) / Math.max(1, reply.held),
        rssMarginal: (now.rss - previous.rss) / Math.max(1, reply.held - previous.sockets),
        heapPerSocket: (now.heapUsed - base.heapUsed) / Math.max(1, reply.held),
        fanout: { p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99), messages: fan.timesMs.length, lost: fan.lost }
      })
      previous = { sockets: reply.held, rss: now.rss }
      process.stdout.write(`  ${target.name} round ${round}: ${reply.held} sockets, ${((now.rss - base.rss) / reply.held / 1024).toFixed(1)} KiB RSS/socket, fan-out p99 ${percentile(sorted, 99).toFixed(1)} ms\n`)
    }
    await ask(load, { type: 'release' }, 'released')
    const result: MemoryRound = { target: target.name, round, baseRss: base.rss, baseHeapUsed: base.heapUsed, levels }
    const fetches = (await settled(server)).jwksFetches
    if (fetches !== undefined) result.jwksFetches = fetches
    return result
  } finally {
    await stopServer(server)
  }
}

// ---------------------------------------------------------------------------------------------
// The run

function commandLine (): string {
  const extra = process.argv.slice(2)
  return `npm run bench${extra.length > 0 ? ` -- ${extra.join(' ')}` : ''}`
}

async function main (): Promise<void> {
  const started = runStarted.getTime()
  const startedAt = runStarted.toISOString()
  process.stdout.write(`fastify-realtime-auth bench: ${commandLine()}\n`)
  if (pinned === null) process.stdout.write('  (not pinned: needs taskset and two allowed CPUs)\n')

  process.stdout.write('  building the servers (tsc -p bench/tsconfig.build.json)...\n')
  buildServers()

  const needsAuth0 = targets.some(t => t.tokens === 'auth0')
  if (needsAuth0) {
    issuer = await new StandInIssuer().start()
    issuer.audience = AUDIENCE
  }

  // Tokens: a region of the pool per target, a fresh slice of it per round, never seen by that
  // server before; the held connections (a new server per round) use the first tokens of the pool.
  const regions = poolRegions()
  const memoryNeed = maxHold + MEMORY_WARMUP
  const poolSize = (kind: Target['tokens']): number => regions.size[kind] === 0 ? 0 : Math.max(regions.size[kind], kind === 'local-users' ? 0 : memoryNeed)
  const exp = Math.floor(Date.now() / 1000) + 3 * 3600
  const signing = Date.now()
  process.stdout.write(`  making ${poolSize('local')} local, ${poolSize('auth0')} auth0 and ${poolSize('local-users')} local-users tokens...\n`)
  const pools: Record<Target['tokens'], string[]> = {
    local: localTokens(Math.max(poolSize('local'), memoryNeed), false, exp),
    'local-users': localTokens(poolSize('local-users'), true, exp),
    auth0: needsAuth0 ? await auth0Tokens(poolSize('auth0'), exp) : []
  }
  const tokensOf = (target: Target, round: number): string[] => roundTokens(pools, regions.start.get(target.name) ?? 0, target, round)

  process.stdout.write(`  tokens made in ${((Date.now() - signing) / 1000).toFixed(1)} s\n`)
  // --expose-gc: the load generator collects its own garbage before each fan-out series.
  const load: LoadPeer = new Peer(spawnNode('bench/load.ts', pinned?.load, ['--expose-gc'], {}), 'load generator')
  /**
   * A server process per target, even where two targets run the same server: each then takes the
   * same number of connections as `bare`, so none has more sockets of its port in TIME_WAIT
   * (60 s on Linux) than another, and a target's tokens never meet another's in its cache.
   */
  const servers = new Map<string, RunningServer>()
  const results: BenchResults = {
    startedAt,
    durationSec: 0,
    command: commandLine(),
    machine,
    options,
    targets,
    handshakes: [],
    memory: [],
    jwks: null
  }
  try {
    for (const target of targets) servers.set(target.name, await startServer(target.server, `${target.name}-handshakes`))
    const serverOf = (target: Target): RunningServer => servers.get(target.name) as RunningServer

    process.stdout.write(`  warm-up: ${options.warmup} handshakes per target\n`)
    for (const target of targets) {
      if (options.warmup === 0) break
      await handshakeSlice(load, serverOf(target), tokensOf(target, -1), emptyTally())
    }
    for (let round = 0; round < options.rounds; round++) {
      // The order turns by one each round, so that no target always runs first or right after another.
      const order = targets.map((_, i) => targets[(i + round) % targets.length] as Target)
      const line: string[] = []
      for (const result of await handshakeRound(load, order, round, serverOf, tokensOf)) {
        results.handshakes.push(result)
        line.push(`${result.target} ${Math.round(result.perSecond)}/s ${result.cpuUsPerHandshake.toFixed(0)} µs`)
        if (result.firstProblem !== undefined) process.stderr.write(`  ${result.target}: ${result.refused} refused, ${result.failed} failed; first: ${result.firstProblem}\n`)
      }
      process.stdout.write(`  handshakes round ${round + 1}/${options.rounds}: ${line.join(' | ')}\n`)
    }
    for (const server of servers.values()) await stopServer(server)
    servers.clear()

    const memoryTargets = targets.filter(t => MEMORY_TARGETS.includes(t.name))
    if (options.holds.length > 0) {
      for (let round = 0; round < options.memoryRounds; round++) {
        // Turned each round too, so that no target always follows another's 10,000 closed sockets.
        const order = memoryTargets.map((_, i) => memoryTargets[(i + round) % memoryTargets.length] as Target)
        for (const target of order) results.memory.push(await memoryRound(load, target, round, pools[target.tokens]))
      }
    }

    if (issuer !== undefined) {
      const report: JwksReport = { kids: 1, processes: auth0Processes, requests: issuer.jwksRequests(), perProcess: jwksPerProcess }
      results.jwks = report
    }
  } finally {
    for (const server of servers.values()) await stopServer(server).catch(() => undefined)
    await load.stop({ type: 'exit' }).catch(() => undefined)
    await issuer?.stop()
  }

  results.durationSec = (Date.now() - started) / 1000
  mkdirSync(resultsDir, { recursive: true })
  const file = join(resultsDir, `bench-${runStamp}.json`)
  writeFileSync(file, JSON.stringify(results, null, 2) + '\n')

  process.stdout.write(`\n${textReport(results)}\n\nRaw figures: ${file}\n`)
  if (!args['no-docs']) {
    mkdirSync(docsDir, { recursive: true })
    writeFileSync(join(docsDir, CHART), chartSvg(results))
    writeFileSync(join(docsDir, 'benchmarks.md'), markdownReport(results, CHART))
    process.stdout.write(`Written: docs/benchmarks.md, docs/${CHART} (${Math.round(results.durationSec)} s)\n`)
  }
}

await main()
