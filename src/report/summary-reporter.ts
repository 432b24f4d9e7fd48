/**
 * A Vitest reporter that ends the output with one plain line, `N passed, N failed, N skipped`,
 * so that CI checkers that do not read Vitest's own summary can see what ran.
 *
 * A test file that failed to load (no test could run) and every unhandled error count as failures:
 * a run that executed nothing must never look green.
 */
import type { Reporter, TestModule } from 'vitest/node'

export interface RunCounts {
  passed: number
  failed: number
  skipped: number
}

/** Counts test outcomes over finished test modules. */
export function countResults(modules: ReadonlyArray<TestModule>, unhandledErrors = 0): RunCounts {
  const counts: RunCounts = { passed: 0, failed: 0, skipped: 0 }
  counts.failed += unhandledErrors
  for (const mod of modules) {
    let tests = 0
    for (const t of mod.children.allTests()) {
      tests++
      const state = t.result().state
      if (state === 'passed') counts.passed++
      else if (state === 'failed') counts.failed++
      else counts.skipped++
    }
    if (tests === 0 && mod.state() === 'failed') counts.failed++
    else if (mod.errors().length > 0) counts.failed += mod.errors().length
  }
  return counts
}

export function formatCounts(c: RunCounts): string {
  return `${c.passed} passed, ${c.failed} failed${c.skipped ? `, ${c.skipped} skipped` : ''}`
}

export default class SummaryReporter implements Reporter {
  /** The counts of the last finished run. */
  counts: RunCounts | undefined

  onTestRunEnd(modules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): void {
    const counts = countResults(modules, unhandledErrors.length)
    this.counts = counts
    // Written after Vitest's own summary; stdout so that it is the last line a log shows.
    process.stdout.write(`\n${formatCounts(counts)}\n`)
  }
}
