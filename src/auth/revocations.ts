/**
 * Logged-out tokens, by token id (`jti`, or a hash of the token), until their own `exp`:
 * after that the token fails on `exp` anyway, so the entry can go and memory stays bounded.
 */
export interface RevocationStore {
  revoke (tokenId: string, expiresAtMs: number): Promise<void>
  isRevoked (tokenId: string): Promise<boolean> | boolean
  close (): Promise<void>
}

/** One process's store. Expired entries are dropped on read and by a periodic sweep. */
export class MemoryRevocations implements RevocationStore {
  readonly #entries = new Map<string, number>()
  readonly #timer: NodeJS.Timeout

  constructor (sweepEveryMs = 60_000, private readonly now: () => number = Date.now) {
    this.#timer = setInterval(() => this.sweep(), sweepEveryMs).unref()
  }

  get size (): number {
    return this.#entries.size
  }

  async revoke (tokenId: string, expiresAtMs: number): Promise<void> {
    if (expiresAtMs > this.now()) this.#entries.set(tokenId, expiresAtMs)
  }

  isRevoked (tokenId: string): boolean {
    const until = this.#entries.get(tokenId)
    if (until === undefined) return false
    if (until > this.now()) return true
    this.#entries.delete(tokenId)
    return false
  }

  /** Drops every entry whose token has expired. */
  sweep (): void {
    const now = this.now()
    for (const [tokenId, until] of this.#entries) if (until <= now) this.#entries.delete(tokenId)
  }

  async close (): Promise<void> {
    clearInterval(this.#timer)
  }
}
