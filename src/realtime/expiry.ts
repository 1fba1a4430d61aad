export interface ExpiryHandlers<T> {
  /** `noticeSec` before `exp` (at once when less is left). */
  expiring: (item: T) => void
  /** At `exp`. */
  expired: (item: T) => void
}

interface Filing { second: number, expSec: number, stage: 'expiring' | 'expired' }

/** setTimeout's longest delay (2^31-1 ms, 24.8 days): a later second is reached by ticks. */
const MAX_DELAY = 2 ** 31 - 1
/** Beyond this many seconds between two ticks (a suspended machine), only the filed seconds are visited. */
const MAX_STEP_SECONDS = 4096

/**
 * Token expiry for every live socket with one timer, not a timer per socket. Each item is filed
 * under the second of its next event (`expiring`, then `expired`); the timer waits for the earliest
 * second filed, then ticks at each second boundary while anything is filed, handling the seconds
 * that have come. `exp` is whole seconds (RFC 7519), so a one-second step loses nothing, and a
 * 30-day token is only filed under a later second (no setTimeout delay to overflow). Handlers run
 * in the tick; they may `forget` any item.
 */
export class ExpiryClock<T> {
  readonly #handlers: ExpiryHandlers<T>
  readonly #now: () => number
  /** second → the items with an event due then */
  readonly #due = new Map<number, Set<T>>()
  readonly #filed = new Map<T, Filing>()
  /** Every second up to this one has been handled. */
  #done: number
  #timer: NodeJS.Timeout | undefined
  #timerAt = Number.POSITIVE_INFINITY

  constructor (handlers: ExpiryHandlers<T>, now: () => number = Date.now) {
    this.#handlers = handlers
    this.#now = now
    this.#done = Math.floor(now() / 1000) - 1
  }

  /** How many items are watched. */
  get size (): number {
    return this.#filed.size
  }

  /** Watches `item` until `expSec` (replacing an earlier watch of it). */
  watch (item: T, expSec: number, noticeSec: number): void {
    const exp = Math.ceil(expSec)
    this.#file(item, { second: exp - noticeSec, expSec: exp, stage: 'expiring' })
  }

  forget (item: T): void {
    const filing = this.#filed.get(item)
    if (filing === undefined) return
    this.#filed.delete(item)
    const bucket = this.#due.get(filing.second)
    bucket?.delete(item)
    if (bucket?.size === 0) this.#due.delete(filing.second)
    if (this.#filed.size === 0) this.#disarm()
  }

  /** Handles every second that has come (the timer calls this; so may a test with its own clock). */
  tick (): void {
    this.#disarm()
    const nowSec = Math.floor(this.#now() / 1000)
    for (const second of this.#secondsDue(nowSec)) {
      const bucket = this.#due.get(second)
      if (bucket === undefined) continue
      this.#due.delete(second)
      for (const item of bucket) this.#fire(item, nowSec)
    }
    // The current second stays open: an item filed later in it, already due, is handled at once.
    this.#done = Math.max(this.#done, nowSec - 1)
    if (this.#filed.size > 0) this.#arm((nowSec + 1) * 1000)
  }

  #fire (item: T, nowSec: number): void {
    const filing = this.#filed.get(item)
    if (filing === undefined) return
    this.#filed.delete(item)
    if (filing.stage === 'expired') return this.#handlers.expired(item)
    if (filing.expSec <= nowSec) {
      this.#handlers.expiring(item)
      return this.#handlers.expired(item)
    }
    // Filed for `expired` before the handler runs, so that the handler may forget it.
    this.#file(item, { second: filing.expSec, expSec: filing.expSec, stage: 'expired' })
    this.#handlers.expiring(item)
  }

  #file (item: T, filing: Filing): void {
    this.forget(item)
    // Nothing filed: no second is pending, the next to handle is the current one.
    if (this.#filed.size === 0) this.#done = Math.floor(this.#now() / 1000) - 1
    // Already due: the current second, handled at once.
    const second = Math.max(filing.second, this.#done + 1)
    this.#filed.set(item, { ...filing, second })
    let bucket = this.#due.get(second)
    if (bucket === undefined) this.#due.set(second, bucket = new Set())
    bucket.add(item)
    this.#arm(second * 1000)
  }

  /** The seconds after the last handled one up to `nowSec`, in order. */
  #secondsDue (nowSec: number): Iterable<number> {
    if (nowSec - this.#done <= MAX_STEP_SECONDS) {
      const seconds: number[] = []
      for (let second = this.#done + 1; second <= nowSec; second++) seconds.push(second)
      return seconds
    }
    return [...this.#due.keys()].filter(second => second <= nowSec).sort((a, b) => a - b)
  }

  /** One timer, at `atMs` or earlier (armed only while something is watched). */
  #arm (atMs: number): void {
    if (this.#timer !== undefined && this.#timerAt <= atMs) return
    this.#disarm()
    this.#timerAt = atMs
    this.#timer = setTimeout(() => this.tick(), Math.min(Math.max(0, atMs - this.#now()), MAX_DELAY))
  }

  #disarm (): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer)
    this.#timer = undefined
    this.#timerAt = Number.POSITIVE_INFINITY
  }
}
