/**
 * Spans in which this process did not run: its event loop was held up (a busy or oversubscribed machine, a long GC
 * pause, a synchronous step of its own). While it stalls, rtcspec reads no packet and sends none; afterwards the
 * kernel hands over what queued up in one burst. A receiver in this process then sees a gap that the path and the
 * far sender never had, so the analyses that judge timing (freezes) set such spans apart instead of blaming them.
 *
 * One timer per process, due every {@link STALL_TICK_MS}, shared by every watch: a tick that fires more than
 * {@link STALL_MIN_MS} after the one before means nothing ran in between. It runs only while a watch is open, does
 * not keep the process alive, and keeps at most {@link MAX_STALLS_KEPT} stalls.
 *
 * @module
 */

/** A span in which this process did not run, ms on the `performance.now()` clock. */
export interface Stall {
  readonly startMs: number
  readonly endMs: number
}

/** The shared timer's period, ms. */
export const STALL_TICK_MS = 10
/** A gap between two ticks longer than this is a stall, ms (the tick is then 50 ms or more late). */
export const STALL_MIN_MS = 60
/** Stalls kept for the process (the oldest go first). */
export const MAX_STALLS_KEPT = 1000

/** An open watch: the stalls since it began. */
export interface StallWatch {
  /** The stalls that ended after the watch began (and, once stopped, began before it stopped). */
  stalls(): readonly Stall[]
  /** Ends the watch; its stalls stay readable. Calling it again does nothing. */
  stop(): void
}

const recent: Stall[] = []
let watchers = 0
let timer: NodeJS.Timeout | undefined
let lastTickMs = 0

function tick(): void {
  const now = performance.now()
  if (now - lastTickMs > STALL_MIN_MS) {
    recent.push({ startMs: lastTickMs, endMs: now })
    if (recent.length > MAX_STALLS_KEPT) recent.splice(0, recent.length - MAX_STALLS_KEPT)
  }
  lastTickMs = now
}

/** Starts watching this process for stalls (see the module notes). */
export function watchProcessStalls(): StallWatch {
  const since = performance.now()
  if (watchers++ === 0) {
    lastTickMs = since
    timer = setInterval(tick, STALL_TICK_MS)
    timer.unref()
  }
  let kept: readonly Stall[] | undefined
  const current = () => recent.filter((s) => s.endMs >= since)
  return {
    stalls: () => {
      if (kept !== undefined) return kept
      tick()
      return current()
    },
    stop: () => {
      if (kept !== undefined) return
      // a stall just over shows only at the next tick: take it now (a gap up to now counts only when it is one)
      tick()
      kept = current()
      if (--watchers === 0 && timer) {
        clearInterval(timer)
        timer = undefined
      }
    },
  }
}
