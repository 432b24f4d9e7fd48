/**
 * A drift-free real-time pacer: ticks every `periodMs` on an absolute schedule
 * (start + n·period), so timer lateness never accumulates into drift.
 */
import { type PacerStats, TickSchedule } from './tick-schedule.ts'

export type { PacerStats } from './tick-schedule.ts'

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
 * An `onTick` that throws stops the pacer; the error propagates (catch it in `onTick` to keep it in hand):
 * from `start()` to its caller, from the timer as an uncaught exception. Senders catch their own failures.
 */
export class Pacer {
  readonly #schedule: TickSchedule
  #timer: NodeJS.Timeout | undefined
  #running = false
  readonly #now: () => number

  constructor(options: PacerOptions, onTick: (index: number) => void) {
    this.#schedule = new TickSchedule(options.periodMs, options.maxCatchUp ?? 10, onTick)
    this.#now = options.now ?? (() => performance.now())
  }

  get stats(): PacerStats {
    return this.#schedule.stats
  }

  get running(): boolean {
    return this.#running
  }

  /** When tick `index` is due on the pacer's clock (`start time + index × period`); NaN before `start`. */
  scheduledAtMs(index: number): number {
    return this.#schedule.scheduledAtMs(index)
  }

  /** Starts ticking now (tick 0 runs synchronously). Calling start on a running pacer does nothing. */
  start(): void {
    if (this.#running) return
    this.#running = true
    this.#schedule.begin(this.#now())
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
    this.#schedule.runDue(this.#now(), this)
    if (!this.#running) return
    const wait = Math.max(0, this.#schedule.nextDueMs() - this.#now())
    this.#timer = setTimeout(this.#run, wait)
  }
}
