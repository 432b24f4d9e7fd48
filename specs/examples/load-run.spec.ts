/**
 * `rtcspec load` from code: `runLoad` runs a scenario as many concurrent calls over worker threads and resolves
 * with the summary (the same one `rtcspec load` prints and writes to load-summary.json). Benches use it this way.
 * Run: npx rtcspec run specs/examples/load-run.spec.ts
 */
import { fileURLToPath } from 'node:url'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test, expect } from 'rtcspec'
import { runLoad } from 'rtcspec/load'

test('three concurrent calls of a scenario file, 2 s each, summarised', async ({ onTestFinished }) => {
  const reportDir = mkdtempSync(join(tmpdir(), 'rtcspec-load-example-'))
  onTestFinished(() => rmSync(reportDir, { recursive: true, force: true }))
  const summary = await runLoad({
    spec: fileURLToPath(new URL('./load-scenario.ts', import.meta.url)),
    calls: 3,
    rate: 5,
    holdMs: 2000,
    callDurationMs: 2000, // shorter than the file's own 10 s, for a quick example
    workers: 1,
    reportDir,
  })
  expect(summary.failureReasons).toEqual([]) // a failed call would show here with its phase and reason
  expect(summary.calls).toMatchObject({ connected: summary.calls.attempted, failed: 0 })
  expect(summary.concurrency.peak).toBe(3)
  expect(summary.lossAggregate.fraction).toBeLessThan(0.05)
  expect(summary.setupMs.p50).toBeGreaterThan(0)
  expect(summary.exit.code).toBe(0)
}, 90_000)
