/**
 * The schedule rules every pacer keeps, without a timer: tick n is due at `start + n·period`; a call to
 * {@link TickSchedule.runDue} runs every tick due by then, in order, at most `maxCatchUp` of them after a stall (older
 * ones are skipped, still advancing the index, and counted); a tick more than one period late is counted as late.
 * {@link Pacer} drives it from a timer of its own, `SharedPacer` from its thread's shared timer.
 */

/** Counters a pacer keeps about its own timing. */
export interface PacerStats {
  ticks: number
  /** Ticks that ran more than one period after they were due (they still ran, in order). */
  lateTicks: number
  /** Ticks skipped because the process stalled for longer than `maxCatchUp` periods. */
  skippedTicks: number
}

/** What a pacer hands its schedule: its running state, and how to stop it when a tick throws. */
export interface TickOwner {
  readonly running: boolean
  stop(): void
}

export class TickSchedule {
  readonly stats: PacerStats = { ticks: 0, lateTicks: 0, skippedTicks: 0 }
  #start = 0
  #next = 0
  #begun = false
  readonly #periodMs: number
  readonly #maxCatchUp: number
  readonly #onTick: (index: number) => void

  /** Throws a RangeError naming the value when `periodMs` is not positive. */
  constructor(periodMs: number, maxCatchUp: number, onTick: (index: number) => void) {
    if (!(periodMs > 0)) throw new RangeError(`Pacer periodMs must be > 0, got ${periodMs}`)
    this.#periodMs = periodMs
    this.#maxCatchUp = maxCatchUp
    this.#onTick = onTick
  }

  /** Starts the schedule over: tick 0 is due at `startMs`. */
  begin(startMs: number): void {
    this.#start = startMs
    this.#next = 0
    this.#begun = true
  }

  /** When tick `index` is due; NaN before {@link begin}. */
  scheduledAtMs(index: number): number {
    return this.#begun ? this.#start + index * this.#periodMs : Number.NaN
  }

  /** When the next tick to run is due. */
  nextDueMs(): number {
    return this.#start + this.#next * this.#periodMs
  }

  /**
   * Runs every tick due by `now` while `owner` is running. A tick that throws stops `owner` before the error leaves
   * (no timer left armed, `running` false), then the error propagates.
   */
  runDue(now: number, owner: TickOwner): void {
    const due = Math.floor((now - this.#start) / this.#periodMs)
    if (due - this.#next >= this.#maxCatchUp) {
      const skip = due - this.#next - this.#maxCatchUp + 1
      this.stats.skippedTicks += skip
      this.#next += skip
    }
    while (this.#next <= due && owner.running) {
      const lateBy = now - (this.#start + this.#next * this.#periodMs)
      if (lateBy > this.#periodMs) this.stats.lateTicks++
      this.stats.ticks++
      try {
        this.#onTick(this.#next++)
      } catch (e) {
        owner.stop()
        throw e
      }
    }
  }
}
