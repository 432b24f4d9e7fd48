/**
 * A drift-free real-time pacer: ticks every `periodMs` on an absolute schedule
 * (start + n·period), so timer lateness never accumulates into drift.
 */

/** Counters a pacer keeps about its own timing. */
export interface PacerStats {
  ticks: number
  /** Ticks that ran more than one period after they were due (they still ran, in order). */
  lateTicks: number
  /** Ticks skipped because the process stalled for longer than `maxCatchUp` periods. */
  skippedTicks: number
}

export interface PacerOptions {
  periodMs: number
  /** Most overdue ticks run back to back after a stall; older ones are skipped (and counted). Default 10. */
  maxCatchUp?: number
  /** Clock, default `performance.now`. */
  now?: () => number
}

/**
 * Calls `onTick(index)` every `periodMs`. Index n is due at `start + n·periodMs`; a skipped tick still
 * advances the index, so a sender that derives RTP timestamps from it keeps them true to wall time.
 * An `onTick` that throws stops the pacer; the error propagates (catch it in `onTick` to keep it in hand).
 */
export class Pacer {
  readonly stats: PacerStats = { ticks: 0, lateTicks: 0, skippedTicks: 0 }
  #timer: NodeJS.Timeout | undefined
  #start = 0
  #next = 0
  #running = false
  readonly #periodMs: number
  readonly #maxCatchUp: number
  readonly #now: () => number
  readonly #onTick: (index: number) => void

  constructor(options: PacerOptions, onTick: (index: number) => void) {
    if (!(options.periodMs > 0)) throw new RangeError(`Pacer periodMs must be > 0, got ${options.periodMs}`)
    this.#periodMs = options.periodMs
    this.#maxCatchUp = options.maxCatchUp ?? 10
    this.#now = options.now ?? (() => performance.now())
    this.#onTick = onTick
  }

  get running(): boolean {
    return this.#running
  }

  /** When tick `index` is due on the pacer's clock (`start time + index × period`); NaN before `start`. */
  scheduledAtMs(index: number): number {
    return this.#running || this.stats.ticks > 0 ? this.#start + index * this.#periodMs : Number.NaN
  }

  /** Starts ticking now (tick 0 runs synchronously). Calling start on a running pacer does nothing. */
  start(): void {
    if (this.#running) return
    this.#running = true
    this.#start = this.#now()
    this.#next = 0
    this.#run()
  }

  stop(): void {
    this.#running = false
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = undefined
  }

  #run = (): void => {
    this.#timer = undefined
    if (!this.#running) return
    const now = this.#now()
    const due = Math.floor((now - this.#start) / this.#periodMs)
    if (due - this.#next >= this.#maxCatchUp) {
      const skip = due - this.#next - this.#maxCatchUp + 1
      this.stats.skippedTicks += skip
      this.#next += skip
    }
    while (this.#next <= due && this.#running) {
      const lateBy = now - (this.#start + this.#next * this.#periodMs)
      if (lateBy > this.#periodMs) this.stats.lateTicks++
      this.stats.ticks++
      try {
        this.#onTick(this.#next++)
      } catch (e) {
        // A tick that throws ends the pacer (no timer left armed, `running` false) before the error leaves it:
        // from `start()` to its caller, from the timer as an uncaught exception. Senders catch their own failures.
        this.stop()
        throw e
      }
    }
    if (!this.#running) return
    const wait = Math.max(0, this.#start + this.#next * this.#periodMs - this.#now())
    this.#timer = setTimeout(this.#run, wait)
  }
}
