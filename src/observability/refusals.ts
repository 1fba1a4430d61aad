export interface Refusal {
  source: 'http' | 'socket'
  code: string
  /** Which check failed: for the log only. */
  reason: string
  address?: string
}

interface Log { info: (obj: object, msg: string) => void, warn: (obj: object, msg: string) => void }

/**
 * Each refused handshake or 401 is logged once with its code and reason, but at most `perWindow`
 * lines per window: past that they are counted and one summary line says how many were skipped,
 * so a flood of bad tokens cannot fill the disk. Metrics count every one.
 */
export function createRefusalLog (log: Log, { perWindow = 50, windowMs = 10_000, now = Date.now } = {}): (refusal: Refusal) => void {
  let windowStart = -Infinity
  let logged = 0
  let suppressed = 0
  return function logRefusal (refusal) {
    const time = now()
    if (time - windowStart >= windowMs) {
      if (suppressed > 0) log.warn({ suppressed, windowMs }, 'authentication refusals not logged in the last window')
      windowStart = time
      logged = 0
      suppressed = 0
    }
    if (logged < perWindow) {
      logged++
      log.info(refusal, 'authentication refused')
    } else {
      suppressed++
    }
  }
}
