import { spread, type Spread } from './stats.js'

/** `bare-app`: the bare server in a process that also holds this server's (idle) app. */
export type ServerKind = 'bare' | 'bare-app' | 'local' | 'auth0'

export interface Target {
  name: string
  server: ServerKind
  /** Which tokens it sends: local HS256 for one user (a distinct `jti` each), local with a user per token, or RS256 from the stand-in tenant. */
  tokens: 'local' | 'local-users' | 'auth0'
  description: string
  /** Measured for information, not held to a target. */
  informational?: boolean
  /** Every token of a round is sent this many times, spread over the round (1: each handshake a token never seen). */
  reuse: number
}

export interface HandshakeRound {
  target: string
  round: number
  n: number
  ok: number
  refused: number
  failed: number
  seconds: number
  perSecond: number
  p50Ms: number
  p99Ms: number
  /** Server user+system CPU over the round (closes included) per successful handshake, µs. */
  cpuUsPerHandshake: number
  /** Of which user time (the rest is system time). */
  cpuUserUsPerHandshake: number
  firstProblem?: string
}

export interface HoldLevel {
  sockets: number
  failed: number
  rss: number
  heapUsed: number
  /** (RSS − RSS before any socket was held) / sockets, bytes; both after a full GC. */
  rssPerSocket: number
  /** (RSS − RSS at the level before) / the sockets added: free of what the process had in reserve at the start. */
  rssMarginal: number
  heapPerSocket: number
  fanout: { p50Ms: number, p99Ms: number, messages: number, lost: number }
}

export interface MemoryRound {
  target: string
  round: number
  baseRss: number
  baseHeapUsed: number
  levels: HoldLevel[]
  jwksFetches?: number
}

export interface Machine {
  cpus: number
  cpuModel: string
  node: string
  platform: string
  loadAverage: number[]
  pinned: { server: number, load: number } | null
  fdLimit: number | null
}

export interface Options {
  quick: boolean
  n: number
  concurrency: number
  rounds: number
  /** Handshakes per target before the next target's turn, within a round. */
  slice: number
  warmup: number
  holds: number[]
  memoryRounds: number
  fanoutMessages: number
  targets: string[]
}

export interface JwksReport {
  /** Key ids the stand-in tenant signed with. */
  kids: number
  /** auth0-mode server processes started (each starts with an empty key cache). */
  processes: number
  /** Requests the stand-in's JWKS endpoint counted over the whole run. */
  requests: number
  /** What each process said it fetched. */
  perProcess: number[]
}

export interface BenchResults {
  startedAt: string
  durationSec: number
  command: string
  machine: Machine
  options: Options
  targets: Target[]
  handshakes: HandshakeRound[]
  memory: MemoryRound[]
  jwks: JwksReport | null
}

/** A figure per target over the rounds, and its ratio to `bare` paired round by round. */
export interface Figure { value: Spread, ratio: Spread | null }

export interface HandshakeSummary {
  target: string
  perSecond: Figure
  p50Ms: Figure
  p99Ms: Figure
  cpuUs: Figure
  cpuUserUs: Figure
  problems: number
}

export interface LevelSummary {
  target: string
  sockets: number
  rssPerSocket: Figure
  rssMarginal: Figure
  heapPerSocket: Figure
  fanoutP50: Figure
  fanoutP99: Figure
}

/** `target`'s figure against `baseline`'s, paired round by round; null for the baseline itself or when it was not measured. */
function ratioTo<R extends { target: string, round: number }> (rounds: readonly R[], target: string, baseline: string, value: (round: R) => number): Spread | null {
  const base = new Map(rounds.filter(r => r.target === baseline).map(r => [r.round, r]))
  if (target === baseline || base.size === 0) return null
  return spread(rounds.filter(r => r.target === target).flatMap((r) => {
    const paired = base.get(r.round)
    return paired === undefined ? [] : [value(r) / value(paired)]
  }))
}

function figure<R extends { target: string, round: number }> (rounds: readonly R[], target: string, value: (round: R) => number): Figure {
  return { value: spread(rounds.filter(r => r.target === target).map(value)), ratio: ratioTo(rounds, target, 'bare', value) }
}

export function summarizeHandshakes (results: BenchResults): HandshakeSummary[] {
  return results.options.targets.map(target => ({
    target,
    perSecond: figure(results.handshakes, target, r => r.perSecond),
    p50Ms: figure(results.handshakes, target, r => r.p50Ms),
    p99Ms: figure(results.handshakes, target, r => r.p99Ms),
    cpuUs: figure(results.handshakes, target, r => r.cpuUsPerHandshake),
    cpuUserUs: figure(results.handshakes, target, r => r.cpuUserUsPerHandshake),
    problems: results.handshakes.filter(r => r.target === target).reduce((sum, r) => sum + r.refused + r.failed, 0)
  }))
}

export function summarizeMemory (results: BenchResults): LevelSummary[] {
  const targets = [...new Set(results.memory.map(r => r.target))]
  const summaries: LevelSummary[] = []
  for (const [index, sockets] of results.options.holds.entries()) {
    // One row per target and level: the level's figures from each round, paired with bare's.
    const rounds = results.memory.flatMap((r) => {
      const level = r.levels[index]
      return level === undefined ? [] : [{ target: r.target, round: r.round, level }]
    })
    for (const target of targets) {
      summaries.push({
        target,
        sockets,
        rssPerSocket: figure(rounds, target, r => r.level.rssPerSocket),
        rssMarginal: figure(rounds, target, r => r.level.rssMarginal),
        heapPerSocket: figure(rounds, target, r => r.level.heapPerSocket),
        fanoutP50: figure(rounds, target, r => r.level.fanout.p50Ms),
        fanoutP99: figure(rounds, target, r => r.level.fanout.p99Ms)
      })
    }
  }
  return summaries
}

/** A goal's outcome. `pass` null: not measured; `informational`: shown beside the goals, not held to them. */
export interface Check { name: string, target: string, limit: string, ratio: Spread | null, pass: boolean | null, informational?: boolean }

/** Plain Socket.IO in a process that also holds this server's idle app (informational target). */
export const BARE_APP = 'bare+app'

/** The goals for server CPU per handshake, as the most a mode may cost against the baseline. */
const CPU_GOALS = [['local', 1.10], ['auth0', 1.20]] as const

/** The targets, as ratios to bare in the same run. */
export function checks (results: BenchResults): Check[] {
  const handshakes = summarizeHandshakes(results)
  const levels = summarizeMemory(results)
  const top = Math.max(...results.options.holds)
  const list: Check[] = []
  const add = (name: string, target: string, ratio: Spread | null | undefined, limit: number, atMost: boolean, forInformation = false): void => {
    if (!results.options.targets.includes(target)) return
    const value = ratio ?? null
    const pass = value === null || !Number.isFinite(value.median) ? null : atMost ? value.median <= limit : value.median >= limit
    const informational = forInformation || results.targets.find(t => t.name === target)?.informational === true
    list.push({ name, target, limit: `${atMost ? '≤' : '≥'} ${limit.toFixed(2)}×`, ratio: value, pass, ...(informational ? { informational } : {}) })
  }
  const hs = (target: string): HandshakeSummary | undefined => handshakes.find(h => h.target === target)
  const level = (target: string): LevelSummary | undefined => levels.find(l => l.target === target && l.sockets === top)
  // The `-fresh` targets (every handshake a token never seen) beside the same goals, for information.
  for (const suffix of ['', '-fresh']) {
    for (const [mode, limit] of CPU_GOALS) add('server CPU per handshake', `${mode}${suffix}`, hs(`${mode}${suffix}`)?.cpuUs.ratio, limit, true)
    add('handshakes/s', `local${suffix}`, hs(`local${suffix}`)?.perSecond.ratio, 0.90, false)
    add('handshakes/s', `auth0${suffix}`, hs(`auth0${suffix}`)?.perSecond.ratio, 0.85, false)
  }
  // The same goals against `bare+app` (plain Socket.IO in a process that holds the idle app): what
  // authentication costs on top of the process it runs in. For information.
  if (results.options.targets.includes(BARE_APP)) {
    for (const [target, limit] of CPU_GOALS) {
      add(`server CPU per handshake against ${BARE_APP}`, target, ratioTo(results.handshakes, target, BARE_APP, r => r.cpuUsPerHandshake), limit, true, true)
    }
  }
  for (const target of ['local', 'auth0']) {
    if (results.memory.length === 0) continue
    add(`RSS per socket at ${top}`, target, level(target)?.rssPerSocket.ratio, 1.15, true)
    add(`fan-out p99 at ${top}`, target, level(target)?.fanoutP99.ratio, 1.15, true)
  }
  return list
}
