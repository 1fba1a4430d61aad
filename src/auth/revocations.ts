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

/** The two commands RedisRevocations sends (an ioredis client has them). */
export interface RevocationCommands {
  set (key: string, value: string, millisecondsToken: 'PX', milliseconds: number): Promise<unknown>
  exists (key: string): Promise<number>
}

export interface RedisRevocationsOptions {
  /** Put before each key: `<prefix>revoked:<tokenId>`. */
  prefix?: string
  /** Told when a revocation could not be written to Redis (it is kept and written later). */
  onWriteFailed?: (tokenId: string, error: unknown) => void
  now?: () => number
}

/**
 * Revocations shared by every node: `SET <prefix>revoked:<id> 1 PX <ms until exp>`, checked with
 * `EXISTS`, so Redis forgets each entry when its token would fail on `exp` anyway.
 *
 * This node also keeps its own revocations in memory, so a logout here holds here even while Redis
 * is down. A write that fails is kept and retried by `writePending()` (called when Redis is back),
 * so the other nodes learn of it too. `isRevoked` rejects when Redis cannot answer: the verifier's
 * fail mode decides what that means.
 */
export class RedisRevocations implements RevocationStore {
  readonly #local: MemoryRevocations
  readonly #pending = new Map<string, number>()
  readonly #prefix: string
  readonly #onWriteFailed: (tokenId: string, error: unknown) => void
  readonly #now: () => number

  constructor (private readonly redis: RevocationCommands, { prefix = '', onWriteFailed = () => {}, now = Date.now }: RedisRevocationsOptions = {}) {
    this.#local = new MemoryRevocations(60_000, now)
    this.#prefix = prefix
    this.#onWriteFailed = onWriteFailed
    this.#now = now
  }

  key (tokenId: string): string {
    return `${this.#prefix}revoked:${tokenId}`
  }

  /** Revocations not yet in Redis. */
  get pending (): number {
    return this.#pending.size
  }

  async revoke (tokenId: string, expiresAtMs: number): Promise<void> {
    await this.#local.revoke(tokenId, expiresAtMs)
    if (!await this.#write(tokenId, expiresAtMs)) this.#pending.set(tokenId, expiresAtMs)
  }

  async isRevoked (tokenId: string): Promise<boolean> {
    if (this.#local.isRevoked(tokenId)) return true
    return await this.redis.exists(this.key(tokenId)) === 1
  }

  /** Writes the revocations that failed earlier; resolves to how many are still pending. */
  async writePending (): Promise<number> {
    for (const [tokenId, expiresAtMs] of [...this.#pending]) {
      if (await this.#write(tokenId, expiresAtMs)) this.#pending.delete(tokenId)
      else break
    }
    return this.#pending.size
  }

  async close (): Promise<void> {
    await this.#local.close()
  }

  /** True when Redis has it (or it no longer needs to: the token has expired). */
  async #write (tokenId: string, expiresAtMs: number): Promise<boolean> {
    const ttlMs = Math.ceil(expiresAtMs - this.#now())
    if (ttlMs <= 0) return true
    try {
      await this.redis.set(this.key(tokenId), '1', 'PX', ttlMs)
      return true
    } catch (error) {
      this.#onWriteFailed(tokenId, error)
      return false
    }
  }
}
