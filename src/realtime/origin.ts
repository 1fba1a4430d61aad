import type { IncomingMessage } from 'node:http'

/**
 * Socket.IO's `allowRequest`: CORS covers only the polling transport, so a WebSocket upgrade from
 * another site (cross-site WebSocket hijacking) is refused here. Requests without an `Origin`
 * (non-browser clients) pass; browsers always send one.
 */
export function originCheck (allowed: readonly string[]) {
  const any = allowed.includes('*')
  return function allowRequest (req: IncomingMessage, callback: (err: string | null | undefined, success: boolean) => void): void {
    const origin = req.headers.origin
    if (origin === undefined || any || allowed.includes(origin)) return callback(null, true)
    let sameOrigin = false
    try {
      sameOrigin = new URL(origin).host === req.headers.host
    } catch {}
    callback(sameOrigin ? null : 'origin not allowed', sameOrigin)
  }
}
