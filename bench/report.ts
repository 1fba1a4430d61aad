import { BARE_APP, checks, summarizeHandshakes, summarizeMemory, type BenchResults, type Check, type Figure } from './results.js'
import type { Spread } from './stats.js'

const KIB = 1024

function number (value: number, digits: number): string {
  if (!Number.isFinite(value)) return '–'
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
}

/** `median (min–max)`, or just the value when there was one round. */
function spreadText ({ median, min, max }: Spread, digits: number, scale = 1): string {
  if (min === max) return number(median / scale, digits)
  return `${number(median / scale, digits)} (${number(min / scale, digits)}–${number(max / scale, digits)})`
}

function ratioText (ratio: Spread | null): string {
  if (ratio === null) return '1'
  if (!Number.isFinite(ratio.median)) return '–'
  if (ratio.min === ratio.max) return `${ratio.median.toFixed(2)}×`
  return `${ratio.median.toFixed(2)}× (${ratio.min.toFixed(2)}–${ratio.max.toFixed(2)})`
}

const figureText = (f: Figure, digits: number, scale = 1): [string, string] => [spreadText(f.value, digits, scale), ratioText(f.ratio)]

function verdict (check: Check): string {
  if (check.pass === null) return 'not measured'
  if (check.informational === true) return check.pass ? 'reached (information only)' : 'not reached (information only)'
  return check.pass ? 'met' : 'MISSED'
}

type Table = { head: string[], rows: string[][] }

function handshakeTable (results: BenchResults): Table {
  return {
    head: ['target', 'handshakes/s', '× bare', 'p50 ms', 'p99 ms', 'server CPU µs/handshake', '× bare', 'of which user µs', '× bare', 'refused/failed'],
    rows: summarizeHandshakes(results).map((s) => {
      const [perSecond, perSecondRatio] = figureText(s.perSecond, 0)
      const [cpu, cpuRatio] = figureText(s.cpuUs, 0)
      const [user, userRatio] = figureText(s.cpuUserUs, 0)
      return [s.target, perSecond, perSecondRatio, spreadText(s.p50Ms.value, 2), spreadText(s.p99Ms.value, 2), cpu, cpuRatio, user, userRatio, String(s.problems)]
    })
  }
}

function memoryTable (results: BenchResults): Table {
  return {
    head: ['sockets', 'target', 'RSS KiB/socket', '× bare', 'marginal RSS', '× bare', 'heap KiB/socket', 'fan-out p50 ms', 'fan-out p99 ms', '× bare'],
    rows: summarizeMemory(results).map((l) => {
      const [rss, rssRatio] = figureText(l.rssPerSocket, 1, KIB)
      const [marginal, marginalRatio] = figureText(l.rssMarginal, 1, KIB)
      const [p99, p99Ratio] = figureText(l.fanoutP99, 1)
      return [number(l.sockets, 0), l.target, rss, rssRatio, marginal, marginalRatio, spreadText(l.heapPerSocket.value, 1, KIB), spreadText(l.fanoutP50.value, 1), p99, p99Ratio]
    })
  }
}

function checkTable (results: BenchResults): Table {
  return {
    head: ['figure', 'target', 'ratio', 'goal', 'verdict'],
    rows: checks(results).map(c => [c.name, c.target, ratioText(c.ratio), c.limit, verdict(c)])
  }
}

function jwksText (results: BenchResults): string {
  const { jwks } = results
  if (jwks === null) return 'auth0 not measured'
  const expected = jwks.kids * jwks.processes
  const ok = jwks.requests <= expected && jwks.perProcess.every(n => n <= jwks.kids)
  return `${jwks.requests} JWKS requests for ${jwks.processes} auth0 server process(es) and ${jwks.kids} kid(s) ` +
    `(per process: ${jwks.perProcess.join(', ')}) — ${ok ? 'one per kid per process: met' : 'MORE than one per kid'}`
}

function plain ({ head, rows }: Table): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map(r => (r[i] ?? '').length)))
  const line = (cells: string[]): string => cells.map((c, i) => i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)).join('  ')
  return [line(head), widths.map(w => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n')
}

const TEXT_COLUMNS = new Set(['figure', 'target', 'goal', 'verdict'])

function markdown ({ head, rows }: Table): string {
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`
  return [line(head), line(head.map(h => TEXT_COLUMNS.has(h) ? '---' : '---:')), ...rows.map(line)].join('\n')
}

function machineText (results: BenchResults): string {
  const { machine } = results
  const pinning = machine.pinned === null
    ? 'not pinned (taskset or a second core missing)'
    : `servers pinned to CPU ${machine.pinned.server}, load generator to CPU ${machine.pinned.load} (taskset)`
  return `${machine.cpus} CPUs (nproc), ${machine.cpuModel}, Node.js ${machine.node}, ${machine.platform}; ` +
    `load average at start ${machine.loadAverage.map(l => l.toFixed(2)).join(' / ')}; ${pinning}; fd limit ${machine.fdLimit ?? 'unknown'}`
}

function optionsText (results: BenchResults): string {
  const o = results.options
  const held = o.holds.length === 0 || o.memoryRounds === 0
    ? 'held connections: not measured'
    : `held connections: ${o.holds.join(', ')} sockets, ${o.memoryRounds} round(s) per target, ${o.fanoutMessages} fan-out messages per level`
  return `handshakes: N=${o.n} per round in slices of ${o.slice} (the targets take turns slice by slice), concurrency ${o.concurrency}, ${o.rounds} rounds per target after a warm-up of ${o.warmup}; ${held}`
}

/** The tables for stdout. */
export function textReport (results: BenchResults): string {
  return [
    `Handshakes (${optionsText(results)}); median (min–max) over rounds, ratios paired round by round`,
    plain(handshakeTable(results)),
    '',
    ...(results.memory.length > 0 ? ['Held connections and fan-out (RSS and heap after a full GC)', plain(memoryTable(results)), ''] : []),
    jwksText(results),
    '',
    'Targets (ratio to bare unless the figure names another target, median of rounds paired)',
    plain(checkTable(results)),
    '',
    `Machine: ${machineText(results)}`
  ].join('\n')
}

/** docs/benchmarks.md, the whole file. */
export function markdownReport (results: BenchResults, chartFile: string): string {
  const reuse = results.targets.find(t => t.reuse > 1)?.reuse ?? 1
  const targetList = results.targets.map(t => `- \`${t.name}\`: ${t.description}${t.informational === true ? ' (for information: no target)' : ''}`).join('\n')
  return `# Benchmarks

What this server's authentication costs, measured against plain Socket.IO on the same machine in
the same run. This page is written by \`npm run bench\` ([bench/run.ts](../bench/run.ts)); do not
edit it by hand, run the bench again.

## Latest run

- Command: \`${results.command}\`
- Date: ${results.startedAt}, ${Math.round(results.durationSec)} s
- Machine: ${machineText(results)}
- Options: ${optionsText(results)}

Figures are medians over the rounds with the spread (min–max) in brackets; a ratio to \`bare\` is
taken round by round (each target against \`bare\` in the same round), then its median
and spread are given. The rows "against bare+app" pair each round with \`bare+app\` instead: the
same goals, measured against plain Socket.IO in a process that also holds this server's idle app,
for information (see "Much of the rest is the process" below). On a shared or noisy machine the absolute figures move a lot from run to
run; the ratios are what to compare.

### Targets

${markdown(checkTable(results))}

### Handshakes

${markdown(handshakeTable(results))}

### Held connections and fan-out

${results.memory.length > 0 ? markdown(memoryTable(results)) : 'Not measured in this run.'}

### JWKS

${jwksText(results)}

![Handshakes per second, server CPU per handshake and RSS per held socket, against bare](${chartFile})

## What is measured

${targetList}

- **Servers**: each in its own process, one per target (\`local\` and \`local-fresh\` are two
  processes of the same server, so that every target's server port takes as many connections as
  \`bare\`'s: each closed connection keeps a socket in TIME_WAIT for 60 s, and a port that took
  three times as many would meet more of its own TIME_WAIT sockets), compiled by tsc (\`bench/tsconfig.build.json\`, into
  \`bench/results/build\`) and run by plain \`node\`, as \`npm start\` runs this server.
- **Load generator**: a separate process (\`bench/load.ts\`) that speaks the Engine.IO/Socket.IO
  wire protocol over \`ws\` directly (\`GET /socket.io/?EIO=4&transport=websocket\`, the \`0{...}\`
  open packet, \`40{"token":...}\`, then \`40{...}\` or \`44{...}\`; pings answered), so it costs less
  per connection than a socket.io-client would. With two cores or more, every server runs pinned
  to one core and the load generator to another (\`taskset\`).
- **Handshakes**: N connections, C at a time, websocket transport; each is closed (close frames
  both ways) as soon as it is connected. Latency is from opening the TCP connection to the
  \`40\` answer; handshakes/s is N over the time from the first connection opened to the last
  answer, summed over the round's slices.
- **Server CPU per handshake**: the server process's \`process.cpuUsage()\` (user + system, every
  thread) over each slice of the round, until the server has seen every connection close, divided by the
  handshakes. Unlike handshakes/s, it does not depend on how fast the load generator is. The user
  part is given too: on loopback the sender's system time also pays for the receiving side's TCP
  work and for waking the load generator up, which costs a slower server more (its load generator
  waits more often).
- **Tokens**: all made before the timed part. In \`local\` and \`auth0\`, the targets held to the
  goals, each token is sent ${reuse} times in a round, its uses spread over the round (token i
  at handshakes i, i + N/${reuse}, ...), as a client's token opens more than one connection in
  its life (reconnects, reloads, other tabs) and comes with every API call; every round starts
  with tokens that server has never seen, so one handshake in ${reuse} verifies a new token.
  \`local-fresh\` and \`auth0-fresh\` send every token once (its own \`jti\`, or for auth0 its own
  signature and \`exp\`): every handshake is a token never seen, the worst case, shown beside the
  goals for information. No target sends a token another target sent to the same server.
  \`bare\` is sent the same \`40{"token":...}\` packets and ignores them.
  Local tokens (HS256, signed with the bench server's fixed \`JWT_SECRET\`) and the auth0 tokens
  (RS256, from the stand-in tenant in \`test/auth0-issuer.ts\`, no \`jti\` as with Auth0 access
  tokens) all belong to one user, as from many tabs: presence is broadcast to \`lobby\` only when a
  user's first socket connects and last one leaves, so that broadcast, whose cost grows with the
  lobby and is not authentication, stays out of the comparison. \`local-users\` gives every token
  its own user to show what presence adds.
- **Held connections**: a new server process per round; after a warm-up, RSS and heap after a
  full GC (\`--expose-gc\`) with no socket, then with 1k, 5k, 10k authenticated sockets held open
  (all in \`lobby\`); per socket is the growth divided by the sockets. At small counts that figure
  is unreliable: a process that freed more at start-up (ours loads more than \`bare\`) has more
  resident pages to fill before RSS grows, so the table also gives the marginal figure, the growth
  from the level before divided by the sockets added; at 10k sockets the two agree. The
  file-descriptor limit is raised to the hard limit (\`ulimit -n\`) for the servers and the load
  generator.
- **Fan-out**: with the sockets held, one socket sends \`message\` to \`lobby\`; the time until the
  broadcast has arrived at every held socket (the sender included), over ${results.options.fanoutMessages} messages sent
  one at a time, 20 ms apart. p50 and p99 are nearest-rank: with 100 messages p99 is the second
  slowest (with 50, as before, it was the slowest, so one pause of either process decided it).
  Before each series the load generator collects its own garbage (\`--expose-gc\`: opening
  10,000 connections leaves plenty), so that its full collection is not timed as the server's
  broadcast. \`bare\` broadcasts the same shape of message (id, room, text, sender, timestamp).
- **JWKS**: requests counted by the stand-in tenant's JWKS endpoint over the run, and by each
  auth0-mode server process; with one signing key, each process should fetch once.
- Rounds alternate the targets (${results.targets.map(t => t.name).join(', ')}), the
  order turned by one each round (${results.targets.slice(1, 3).map(t => t.name).join(', ')}, ..., bare in the second) so that no target always
  runs first or after the same one; the held-connection rounds turn the same way. Within a round
  the targets take turns every ${results.options.slice} handshakes (A B C ... A B C ...), so that a
  burst of load from elsewhere on this shared machine, which lasts a second or more, falls on every
  target of the round alike: with a whole round of N per target in one go, as before, one target
  of a round could run through a burst and the next not (one earlier run gave \`local-fresh\`, which
  does strictly more work, a lower median than \`local\`). Servers log at
  \`silent\`, and get a per-socket event limit high enough for the fan-out sender; everything else
  is the default configuration.

## What the profiles showed

\`npm run bench -- --profile\` writes a CPU profile of every server process. What they showed, and
what was changed:

- **auth0 mode parsed the issuer's public key at every handshake.** @fastify/jwt turns a key
  function (\`secret.public\`) into fast-jwt's asynchronous key path, which calls
  \`createPublicKey\` on the PEM for every token: about 110 µs here, several times the RS256
  verification itself, and 23% of the auth0 server's busy time. \`src/auth/jwt-verify.ts\` now keeps
  one fast-jwt verifier per key (the key is still chosen by \`kid\` through the same JWKS cache, with
  the same checks), and local mode calls one fast-jwt verifier directly instead of @fastify/jwt's
  \`verify()\`, which merged its options again at every call.
- **What local costs over bare** with a token never seen, on a quiet machine about 60 to 70 µs per
  handshake before the changes below: in the profile about half is the JWT check (the HMAC, whose
  set-up in OpenSSL 3 costs more than the hashing, and fast-jwt's decoding; about 14 µs in a tight
  loop), the rest the socket's own set-up and tear-down (three rooms, the expiry timer, four event
  listeners with their closures, the presence count, metrics), more garbage collection and more
  system time. Changed: every socket's token expiry is now kept by one clock with one timer
  (\`src/realtime/expiry.ts\`: sockets filed under the second of their next event) instead of a
  \`setTimeout\` per socket, each with its own timer list when delays differ; events go through one
  \`onAny\` listener per socket to handlers made once, instead of four listeners and their closures
  per socket; the rate-limit bucket is made at a socket's first event, not at its connection.
- **What auth0 costs over local is the RS256 signature check** (OpenSSL): about 45 µs more per
  verification than HS256 in a tight loop (55 against 14 µs for the whole \`verifyToken\`), more in
  the running server, and a token the server has never seen cannot skip it (\`auth0-fresh\`).
- **A verified-token cache, cheap when it misses.** fast-jwt's own \`cache\` (1000 tokens per key)
  was tried first and measured in one run, on then off then on: a token never seen cost 1.52× and
  1.51× bare's CPU per handshake with it against 1.35× without, a token sent again 1.27× and 1.20×
  against 1.36×. It hashes every token (SHA-256 of the whole text) and also stores refusals, so a
  miss cost about what a hit saved. \`VerifiedTokens\` in \`src/auth/verifier.ts\` keys on the token
  text itself (one \`Map\` lookup), keeps only tokens that passed (so nobody fills it without valid
  tokens), and the \`AuthUser\` it keeps is the object the socket holds anyway. Entries end at
  \`exp\` (plus the clock tolerance) or after 60 s, at most 10,000, oldest out first; revocation is
  still checked at every use, and a JWKS change empties it.
- **Where local's remaining cost goes**, timed inside the server (wall time per handshake, with
  the harness of the bench in one process, 2026-11-23): the handshake middleware 13 µs when the
  token is in the cache (the look-up, the revocation check, promise hops) and about 66 µs when it
  is not (a new HS256 token; 9 to 14 µs for fast-jwt's verify in a tight loop: OpenSSL's HMAC
  set-up runs with cold caches between handshakes), 5.5 µs after it (dropping \`auth.token\`,
  the metric), 16 µs of connection set-up (three rooms 6 µs, filing the expiry 6 µs, the presence
  count 2.5 µs) and 5 µs at disconnect: about 40 µs with a cached token against 300 to 500 µs for
  bare's whole handshake here.
- **Much of the rest is the process, not authentication** (\`bare+app\`). The same plain Socket.IO
  server as \`bare\`, in a process that has also built this server's Fastify app and leaves it idle
  (no connection reaches it), already costs more per handshake than \`bare\`: 1.06× to 1.14× in
  five runs of a harness that interleaves the servers in slices of 300 handshakes (2026-11-23),
  and the \`bare+app\` row above in this run. A \`PerformanceObserver\` for \`gc\` entries in the
  server processes showed one part of it: about as many young-generation collections (scavenges)
  in both, each 35 to 55% longer in the process that holds the app (in one run 314 ms over 46
  scavenges for bare against 463 ms over 50 with the app, for 12,500 handshakes each: about 12 µs
  per handshake). A Fastify instance alone (\`fastify()\`, no plugins) gave about +5%, 150 MB of plain
  objects kept alive about +9%. Neither a larger young generation (\`--max-semi-space-size=64\`:
  fewer, longer scavenges, the same total) nor leaving out prom-client's default metrics changed it.
  So \`local\` against \`bare+app\` is closer to what authentication itself costs; the goals stay
  against \`bare\`.
- **Not done, measured too small to see here**: a synchronous path for cached tokens (saves the
  promise hops, about 1 µs), a pre-labelled handshake counter (prom-client's \`inc\` with labels
  costs 0.1 µs), a cheaper removal of \`auth.token\` (0.2 µs), keeping \`exp\` as a number instead
  of parsing \`expiresAt\` (0.15 µs), and dropping the \`token:<jti>\` room (about 2 µs; logout would
  then need a cluster-wide \`fetchSockets\` round trip, which fails while Redis is down): each is
  below this machine's run-to-run spread.
- **Presence is not free**: with a user per token (\`local-users\`) every connect and close of a
  user's only socket broadcasts \`presence\` to \`lobby\`; that is a feature of the contract, not of
  authentication, and grows with the lobby.
- **Memory**: an authenticated socket held about 2 KiB more heap than a bare one (a heap snapshot
  with 2000 sockets): its rooms \`user:<id>\` and \`token:<jti>\`, \`socket.data.user\`, the expiry
  timer, the rate-limit bucket and the closures of its event handlers. The token itself, which
  Socket.IO would keep in \`socket.handshake.auth\` for the socket's lifetime, is dropped once
  verified (about 0.3 KB for a local token, 0.8 KB for an Auth0 one); the timer, the bucket of a
  socket that sends nothing and three of the four listeners are gone with the changes above.

## Run it

\`\`\`sh
npm run bench                 # the full run (a few minutes)
npm run bench -- --quick      # under two minutes: smaller N, fewer rounds, 1k and 2k held sockets
npm run bench -- --n 2000 --rounds 3 --holds 1000,5000 --targets bare,local
npm run bench -- --quick --profile   # also writes the servers' .cpuprofile files to bench/results/profiles/
\`\`\`

Each run prints the tables, writes its raw figures to \`bench/results/\` (ignored by git) and
rewrites this page and [${chartFile}](${chartFile}) (\`--no-docs\` leaves them alone). The bench is
never part of \`npm test\`.
`
}

// ---------------------------------------------------------------------------------------------
// The chart: plain SVG, drawn here.

const COLORS: Record<string, string> = { bare: '#8c8c8c', local: '#2f6db5', auth0: '#e07b28', 'local-fresh': '#6f9fd8', 'auth0-fresh': '#f0a868', 'local-users': '#b9d0ee', [BARE_APP]: '#c4c4c4' }
const colorOf = (target: string): string => COLORS[target] ?? '#555555'
const escape = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

/** A round step (1, 2 or 5 × 10^k) that gives about `count` ticks up to `max`. */
function tickStep (max: number, count = 5): number {
  const raw = max / count
  const power = 10 ** Math.floor(Math.log10(raw))
  const unit = raw / power
  return power * (unit <= 1 ? 1 : unit <= 2 ? 2 : unit <= 5 ? 5 : 10)
}

interface Bar { group: string, target: string, value: Spread, ratio: Spread | null }

function panel (x: number, y: number, width: number, height: number, title: string, unit: string, bars: Bar[]): string {
  const parts: string[] = []
  const top = Math.max(...bars.map(b => Number.isFinite(b.value.max) ? b.value.max : 0), 1) * 1.18
  const step = tickStep(top)
  const chartTop = y + 30
  const chartBottom = y + height - 40
  const scale = (v: number): number => chartBottom - (v / top) * (chartBottom - chartTop)
  parts.push(`<text x="${x}" y="${y + 14}" font-size="14" font-weight="bold">${escape(title)}</text>`)
  for (let v = 0; v <= top; v += step) {
    const ty = scale(v).toFixed(1)
    parts.push(`<line x1="${x + 50}" x2="${x + width}" y1="${ty}" y2="${ty}" stroke="#e3e3e3"/>`)
    parts.push(`<text x="${x + 44}" y="${Number(ty) + 4}" font-size="11" text-anchor="end" fill="#555">${number(v, step < 1 ? 1 : 0)}</text>`)
  }
  parts.push(`<text x="${x}" y="${(chartTop + chartBottom) / 2}" font-size="11" fill="#555" transform="rotate(-90 ${x + 10} ${(chartTop + chartBottom) / 2})" text-anchor="middle">${escape(unit)}</text>`)
  const groups = [...new Set(bars.map(b => b.group))]
  const groupWidth = (width - 60) / groups.length
  for (const [gi, group] of groups.entries()) {
    const inGroup = bars.filter(b => b.group === group)
    const barWidth = Math.min(46, (groupWidth - 16) / inGroup.length)
    const start = x + 56 + gi * groupWidth + (groupWidth - barWidth * inGroup.length) / 2
    for (const [bi, bar] of inGroup.entries()) {
      if (!Number.isFinite(bar.value.median)) continue
      const bx = start + bi * barWidth
      const by = scale(bar.value.median)
      parts.push(`<rect x="${(bx + 2).toFixed(1)}" y="${by.toFixed(1)}" width="${(barWidth - 4).toFixed(1)}" height="${(chartBottom - by).toFixed(1)}" fill="${colorOf(bar.target)}"><title>${escape(`${bar.target} ${group}: ${spreadText(bar.value, 1)}`)}</title></rect>`)
      const cx = bx + barWidth / 2
      if (bar.value.max > bar.value.min) {
        parts.push(`<line x1="${cx.toFixed(1)}" x2="${cx.toFixed(1)}" y1="${scale(bar.value.min).toFixed(1)}" y2="${scale(bar.value.max).toFixed(1)}" stroke="#222" stroke-width="1.2"/>`)
      }
      const label = bar.ratio === null ? '1×' : Number.isFinite(bar.ratio.median) ? `${bar.ratio.median.toFixed(2)}×` : ''
      parts.push(`<text x="${cx.toFixed(1)}" y="${(scale(bar.value.max) - 5).toFixed(1)}" font-size="10" text-anchor="middle">${label}</text>`)
    }
    if (groups.length > 1 || group !== '') parts.push(`<text x="${(x + 56 + gi * groupWidth + groupWidth / 2).toFixed(1)}" y="${chartBottom + 16}" font-size="11" text-anchor="middle">${escape(group)}</text>`)
  }
  parts.push(`<line x1="${x + 50}" x2="${x + width}" y1="${chartBottom}" y2="${chartBottom}" stroke="#333"/>`)
  return parts.join('\n')
}

/** Handshakes/s, server CPU per handshake and RSS per held socket: bars at the median, whiskers min–max, ratio to bare on top. */
export function chartSvg (results: BenchResults): string {
  const width = 1120
  const height = 400
  const handshakes = summarizeHandshakes(results)
  const throughputBars: Bar[] = handshakes.map(s => ({ group: '', target: s.target, value: s.perSecond.value, ratio: s.perSecond.ratio }))
  const cpuBars: Bar[] = handshakes.map(s => ({ group: '', target: s.target, value: s.cpuUs.value, ratio: s.cpuUs.ratio }))
  const memoryBars: Bar[] = summarizeMemory(results).map(l => ({
    group: `${number(l.sockets, 0)} sockets`,
    target: l.target,
    value: { median: l.rssPerSocket.value.median / KIB, min: l.rssPerSocket.value.min / KIB, max: l.rssPerSocket.value.max / KIB },
    ratio: l.rssPerSocket.ratio
  }))
  const targets = [...new Set([...throughputBars, ...memoryBars].map(b => b.target))]
  const legend = targets.map((t, i) => `<rect x="${20 + i * 150}" y="${height - 42}" width="12" height="12" fill="${colorOf(t)}"/><text x="${36 + i * 150}" y="${height - 32}" font-size="12">${escape(t)}</text>`).join('\n')
  const note = `${results.startedAt.slice(0, 10)} · ${results.machine.cpus} CPUs, ${results.machine.cpuModel} · Node.js ${results.machine.node} · ${results.command} · bars: median, whiskers: min–max over rounds`
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif">
<rect width="${width}" height="${height}" fill="#ffffff"/>
${panel(20, 10, 300, height - 60, 'Handshakes per second (higher is better)', 'handshakes/s', throughputBars)}
${panel(360, 10, 300, height - 60, 'Server CPU per handshake (lower is better)', 'µs', cpuBars)}
${memoryBars.length > 0 ? panel(700, 10, width - 720, height - 60, 'RSS per held socket (lower is better)', 'KiB per socket', memoryBars) : ''}
${legend}
<text x="20" y="${height - 10}" font-size="10" fill="#777">${escape(note)}</text>
</svg>
`
}
