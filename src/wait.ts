/** Waiting on conditions (never on fixed sleeps). */
import { TimeoutError } from './errors.ts'

export interface WaitOptions {
  /** Give up after this long; the TimeoutError names `label`. */
  timeoutMs: number
  /** What is awaited, in words, for the error message. */
  label: string
  /** How often to re-check, default 10 ms. */
  intervalMs?: number
}

/** Resolves as soon as `condition()` is true; rejects with a TimeoutError naming the condition otherwise. */
export function waitFor(condition: () => boolean, options: WaitOptions): Promise<void> {
  if (condition()) return Promise.resolve()
  return new Promise<void>((resolve, reject) => {
    const started = performance.now()
    const timer = setInterval(() => {
      let ok = false
      try {
        ok = condition()
      } catch (e) {
        clearInterval(timer)
        reject(e)
        return
      }
      if (ok) {
        clearInterval(timer)
        resolve()
      } else if (performance.now() - started >= options.timeoutMs) {
        clearInterval(timer)
        reject(new TimeoutError(options.label, options.timeoutMs))
      }
    }, options.intervalMs ?? 10)
  })
}

/** Settles like `promise`, or rejects with a TimeoutError naming `condition` after `ms` (the timer is always cleared). */
export function withTimeout<T>(promise: Promise<T>, ms: number, condition: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new TimeoutError(condition, ms)), ms)
    promise.then(
      (v) => {
        clearTimeout(timer)
        resolve(v)
      },
      (e: unknown) => {
        clearTimeout(timer)
        reject(e)
      },
    )
  })
}
