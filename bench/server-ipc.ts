import type { FromServer, ServerStats, ToServer } from './ipc.js'

export interface BenchServer {
  port: number
  sockets: () => number
  jwksFetches?: () => number | undefined
  close: () => Promise<void>
}

const gc = (globalThis as { gc?: () => void }).gc

/**
 * The bench side of a server process: reports the port, answers `stats` (CPU since start, memory
 * after a full GC when asked) and exits on `exit`, so that `--cpu-prof` can write its profile.
 */
export function serveBench (server: BenchServer): void {
  const send = (message: FromServer): void => { process.send?.(message) }
  process.on('message', (raw) => {
    const message = raw as ToServer
    if (message.type === 'exit') {
      server.close().finally(() => process.exit(0))
      return
    }
    if (message.gc && gc !== undefined) {
      gc()
      gc()
    }
    const cpu = process.cpuUsage()
    const memory = process.memoryUsage()
    const stats: ServerStats = { cpuUs: cpu.user + cpu.system, cpuUserUs: cpu.user, rss: memory.rss, heapUsed: memory.heapUsed, sockets: server.sockets() }
    const fetches = server.jwksFetches?.()
    if (fetches !== undefined) stats.jwksFetches = fetches
    send({ type: 'stats', stats })
  })
  // Without a parent (run by hand) there is nobody to tell.
  process.on('disconnect', () => { server.close().finally(() => process.exit(0)) })
  send({ type: 'listening', port: server.port })
}
