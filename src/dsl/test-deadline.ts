/**
 * How much of the current Vitest test's timeout is left, so rtcspec's own waits end (with rtcspec's diagnosis)
 * before Vitest's bare "Test timed out in 5000ms" does.
 */
import { expect } from 'vitest'

/** The current test's timeout and what is left of it, ms; undefined outside a test or with no timeout. */
export interface TestDeadline {
  /** The test's timeout (`test(name, fn, ms)`, else `testTimeout` of the config; Vitest's default is 5000). */
  timeoutMs: number
  /** Time since the test started (fixtures included), ms. */
  elapsedMs: number
  /** `timeoutMs − elapsedMs`. */
  remainingMs: number
}

interface TaskLike {
  timeout?: number
  result?: { startTime?: number }
}

/** Reads the running test's deadline from a matcher's state (`this.task`) or `expect.getState()`. */
export function testDeadline(state?: { task?: unknown }): TestDeadline | undefined {
  let task = state?.task as TaskLike | undefined
  if (task === undefined) {
    try {
      task = (expect.getState() as { task?: unknown }).task as TaskLike | undefined
    } catch {
      return undefined
    }
  }
  const timeoutMs = task?.timeout
  const startTime = task?.result?.startTime
  if (typeof timeoutMs !== 'number' || !(timeoutMs > 0) || !Number.isFinite(timeoutMs) || typeof startTime !== 'number') return undefined
  const elapsedMs = Math.max(0, Date.now() - startTime)
  return { timeoutMs, elapsedMs, remainingMs: timeoutMs - elapsedMs }
}

/** Time kept back from the test's deadline so rtcspec's message is reported before Vitest's timeout fires. */
export const DEADLINE_MARGIN_MS = 500

/**
 * Fits a wait of `wantedMs` into what is left of the test, less `marginMs` for what follows the wait (building
 * the message, closing what the wait was for): the wait to use, and when it had to be shortened, a sentence
 * saying so and how to fix it (for the failure message).
 */
export function fitInTest(wantedMs: number, what: string, state?: { task?: unknown }, marginMs = DEADLINE_MARGIN_MS): { waitMs: number; note?: string } {
  const d = testDeadline(state)
  if (!d) return { waitMs: wantedMs }
  const budget = Math.floor(d.remainingMs - marginMs)
  if (budget >= wantedMs) return { waitMs: wantedMs }
  const note =
    `${what} (${wantedMs} ms) does not fit in the test's timeout: ${d.timeoutMs} ms, of which ${d.elapsedMs} ms were already used (connecting, earlier steps), ` +
    `so rtcspec waited only ${Math.max(0, budget)} ms. Raise the test's timeout (test(name, fn, ${Math.ceil((d.elapsedMs + wantedMs + 2000) / 1000) * 1000}) or testTimeout in vitest.config) or shorten ${what}`
  return { waitMs: Math.max(1, budget), note }
}
