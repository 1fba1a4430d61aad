/** Node clamps setTimeout delays above 2^31-1 ms (24.8 days) to 1 ms: longer waits are chained. */
const MAX_DELAY = 2 ** 31 - 1

export interface ExpiryHandlers {
  expiring: () => void
  expired: () => void
}

/**
 * One timer per socket at a time: first to the `auth:expiring` moment (at once if it has passed),
 * then to `exp`. Returns the function that cancels whichever timer is pending.
 */
export function scheduleExpiry (expiresAtMs: number, noticeMs: number, handlers: ExpiryHandlers, now = Date.now): () => void {
  let timer: NodeJS.Timeout | undefined
  const at = (time: number, fn: () => void): void => {
    const delay = time - now()
    timer = setTimeout(() => {
      timer = undefined
      if (now() >= time) fn()
      else at(time, fn)
    }, Math.min(Math.max(delay, 0), MAX_DELAY))
  }
  at(expiresAtMs - noticeMs, () => {
    handlers.expiring()
    at(expiresAtMs, handlers.expired)
  })
  return () => { if (timer !== undefined) clearTimeout(timer); timer = undefined }
}
