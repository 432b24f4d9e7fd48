/**
 * Pacing many streams from one timer. A {@link Pacer} per stream arms its own timer for every tick: with a few
 * hundred 20 ms audio senders in one thread that is tens of thousands of timer callbacks a second, each followed by
 * Node's own microtask and next-tick pass. A {@link SharedPacer} keeps the Pacer's contract (tick n due at
 * `start + n·period`, catch-up after a stall, late and skipped ticks counted) but every SharedPacer of a thread
 * ticks from one shared timer on a fixed grid of {@link GRID_MS}: a pacer's start is aligned down to the grid, so
 * every tick after the first is due exactly on a grid point. Tick 0 still runs at once in `start()` (at most one grid
 * step after its scheduled time); later ticks leave at the same instants a lone Pacer would use, so packet spacing
 * and RTP-timestamp-to-send-time offsets are unchanged (no added jitter), only batched with the other streams'.
 */
import { Pacer, type PacerOptions } from './pacer.ts'
import { type PacerStats, TickSchedule } from './tick-schedule.ts'

/** The shared timer's grid, ms: pacers whose period is a whole multiple of it share the timer. */
export const GRID_MS = 5

/** What a sender needs from its pacer: the public surface {@link Pacer} and {@link SharedPacer} have in common. */
export interface PacerLike {
  readonly stats: PacerStats
  readonly running: boolean
  scheduledAtMs(index: number): number
  start(): void
  stop(): void
}

/** One thread's shared timer and the pacers running on it. */
class SharedClock {
  readonly #members = new Set<SharedPacer>()
  #timer: NodeJS.Timeout | undefined
  #wakeAt = Number.POSITIVE_INFINITY

  add(member: SharedPacer, nextDueMs: number): void {
    this.#members.add(member)
    this.#schedule(nextDueMs)
  }

  remove(member: SharedPacer): void {
    this.#members.delete(member)
    if (this.#members.size === 0 && this.#timer) {
      clearTimeout(this.#timer)
      this.#timer = undefined
      this.#wakeAt = Number.POSITIVE_INFINITY
    }
  }

  #schedule(atMs: number): void {
    if (this.#timer && atMs >= this.#wakeAt) return
    if (this.#timer) clearTimeout(this.#timer)
    this.#wakeAt = atMs
    this.#timer = setTimeout(this.#fire, Math.max(0, atMs - performance.now()))
  }

  #fire = (): void => {
    this.#timer = undefined
    this.#wakeAt = Number.POSITIVE_INFINITY
    const now = performance.now()
    let next = Number.POSITIVE_INFINITY
    let failure: { error: unknown } | undefined
    for (const m of this.#members) {
      try {
        m.runDue(now)
      } catch (error) {
        // one stream's failing tick must not stop the others' (a lone Pacer's throw ends only its own timer)
        failure ??= { error }
      }
      if (m.running) next = Math.min(next, m.nextDueMs())
    }
    if (this.#members.size > 0 && Number.isFinite(next)) this.#schedule(next)
    if (failure) {
      const { error } = failure
      // surfaces like a throw from a lone Pacer's timer callback: an uncaught exception
      process.nextTick(() => {
        throw error
      })
    }
  }
}

let clock: SharedClock | undefined

/**
 * A {@link Pacer} that ticks from its thread's shared timer (see the module comment). Same options and contract,
 * except that `start` aligns the schedule's origin down to the {@link GRID_MS} grid.
 */
export class SharedPacer implements PacerLike {
  readonly #schedule: TickSchedule
  #running = false

  constructor(options: Omit<PacerOptions, 'now'>, onTick: (index: number) => void) {
    this.#schedule = new TickSchedule(options.periodMs, options.maxCatchUp ?? 10, onTick)
    if (!isGridPeriod(options.periodMs)) throw new RangeError(`SharedPacer periodMs must be a multiple of ${GRID_MS} ms, got ${options.periodMs}`)
  }

  get stats(): PacerStats {
    return this.#schedule.stats
  }

  get running(): boolean {
    return this.#running
  }

  /** When tick `index` is due (`start + index × period`, the start aligned to the grid); NaN before `start`. */
  scheduledAtMs(index: number): number {
    return this.#schedule.scheduledAtMs(index)
  }

  /** Starts ticking now (tick 0 runs synchronously). Calling start on a running pacer does nothing. */
  start(): void {
    if (this.#running) return
    this.#running = true
    const now = performance.now()
    this.#schedule.begin(Math.floor(now / GRID_MS) * GRID_MS)
    clock ??= new SharedClock()
    clock.add(this, this.#schedule.scheduledAtMs(1))
    this.runDue(now)
  }

  stop(): void {
    this.#running = false
    clock?.remove(this)
  }

  /** @internal When the next tick is due. */
  nextDueMs(): number {
    return this.#schedule.nextDueMs()
  }

  /** @internal Runs every tick due by `now` (a tick that throws ends this pacer; the others keep going). */
  runDue(now: number): void {
    if (this.#running) this.#schedule.runDue(now, this)
  }
}

function isGridPeriod(periodMs: number): boolean {
  return Number.isInteger(periodMs / GRID_MS)
}

/**
 * The pacer for a real-time stream: a {@link SharedPacer} when `periodMs` is a multiple of {@link GRID_MS} and no
 * clock is injected (the usual 10, 20, 30, 40, 60 ms audio frames), else a {@link Pacer} of its own.
 */
export function createPacer(options: PacerOptions, onTick: (index: number) => void): PacerLike {
  if (options.now === undefined && options.periodMs > 0 && isGridPeriod(options.periodMs)) return new SharedPacer(options, onTick)
  return new Pacer(options, onTick)
}
