/** A token bucket: `burst` events at once, refilled at `perSecond`. One per socket. */
export class TokenBucket {
  #tokens: number
  #last: number

  constructor (private readonly burst: number, private readonly perSecond: number, now = Date.now()) {
    this.#tokens = burst
    this.#last = now
  }

  /** Takes one token; false when the bucket is empty. */
  take (now = Date.now()): boolean {
    this.#tokens = Math.min(this.burst, this.#tokens + ((now - this.#last) / 1000) * this.perSecond)
    this.#last = now
    if (this.#tokens < 1) return false
    this.#tokens -= 1
    return true
  }
}
