import { describe, expect, it } from 'vitest'
import { createPacer, GRID_MS, SharedPacer } from '../../src/media/shared-clock.ts'
import { Pacer } from '../../src/media/pacer.ts'

const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length

/** Waits until `done()` or fails after `ms` naming `what`. */
async function until(done: () => boolean, ms: number, what: string): Promise<void> {
  const end = performance.now() + ms
  while (!done()) {
    if (performance.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`)
    await new Promise((r) => setImmediate(r))
  }
}

describe('SharedPacer', () => {
  it('paces 50 streams from one timer, each tick on its own absolute schedule, and leaves no timer when stopped', async () => {
    const before = timers()
    const ticks: Array<Array<{ index: number; lateMs: number }>> = []
    const pacers: SharedPacer[] = []
    const startCalledAt: number[] = []
    try {
      for (let i = 0; i < 50; i++) {
        const seen: Array<{ index: number; lateMs: number }> = []
        ticks.push(seen)
        const p: SharedPacer = new SharedPacer({ periodMs: 20, maxCatchUp: 1_000_000 }, (index) =>
          seen.push({ index, lateMs: performance.now() - p.scheduledAtMs(index) }),
        )
        pacers.push(p)
        const calledAt = performance.now()
        p.start()
        startCalledAt.push(calledAt)
        // start the streams at different phases of the 20 ms period
        await new Promise((r) => setTimeout(r, 1))
      }
      // a lone Pacer arms one timer per stream; the shared clock, one for all
      expect(timers() - before).toBeLessThanOrEqual(1)
      await until(() => ticks.every((t) => t.length >= 10), 10_000, 'every stream to tick 10 times')
      for (const [i, p] of pacers.entries()) {
        const t = ticks[i]!
        expect(t.map((x) => x.index)).toEqual(t.map((_, k) => k))
        // the schedule's origin is on the grid, so every tick is due on a grid point
        expect(p.scheduledAtMs(0) % GRID_MS).toBeCloseTo(0, 6)
        // tick 0 runs in start(); its (aligned-down) schedule is less than one grid step before start() was called
        expect(t[0]!.lateMs).toBeGreaterThanOrEqual(0)
        expect(startCalledAt[i]! - p.scheduledAtMs(0)).toBeGreaterThanOrEqual(0)
        expect(startCalledAt[i]! - p.scheduledAtMs(0)).toBeLessThan(GRID_MS)
        // later ticks never run early
        for (const x of t.slice(1)) expect(x.lateMs).toBeGreaterThanOrEqual(0)
      }
    } finally {
      for (const p of pacers) p.stop()
    }
    const counts = ticks.map((t) => t.length)
    await new Promise((r) => setTimeout(r, 50))
    expect(ticks.map((t) => t.length)).toEqual(counts)
    expect(timers()).toBeLessThanOrEqual(before)
  })

  it('catches up after a stall and skips beyond maxCatchUp, counting both like a Pacer', async () => {
    const seen: number[] = []
    const p = new SharedPacer({ periodMs: 10, maxCatchUp: 3 }, (i) => seen.push(i))
    try {
      p.start()
      const t0 = performance.now()
      while (performance.now() - t0 < 80) {
        // a busy thread: no timer can fire for 80 ms (8 periods)
      }
      await until(() => seen.length >= 5, 5000, 'ticks after the stall')
      expect(p.stats.skippedTicks).toBeGreaterThan(0)
      expect(p.stats.lateTicks).toBeGreaterThan(0)
      // indexes keep counting through the skip
      expect(seen.at(-1)! + 1).toBe(seen.length + p.stats.skippedTicks)
    } finally {
      p.stop()
    }
  })

  it('createPacer shares the timer only for periods on the grid and without an injected clock', () => {
    const noop = () => {}
    expect(createPacer({ periodMs: 20 }, noop)).toBeInstanceOf(SharedPacer)
    expect(createPacer({ periodMs: 7 }, noop)).toBeInstanceOf(Pacer)
    expect(createPacer({ periodMs: 20, now: () => 0 }, noop)).toBeInstanceOf(Pacer)
    expect(() => new SharedPacer({ periodMs: 7 }, noop)).toThrow(/multiple of 5 ms/)
  })
})
