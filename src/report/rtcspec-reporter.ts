/**
 * rtcspec's Vitest reporter, for running specs with a project's own Vitest (`vitest`, `vitest --watch`, an IDE's
 * test runner) instead of `rtcspec run`. Every run, a watch rerun included, starts a fresh
 * `<reportDir>/call_records.jsonl` and ends with that run's `summary.json` (tests, call records, gates of
 * `rtcspec.config.*`, exit class) and `index.html`, so the reports always describe the last run instead of
 * piling up calls from every rerun.
 *
 * ```ts
 * // vitest.config.ts
 * export default defineConfig({ test: { reporters: ['default', 'rtcspec/reporter'] } })
 * // or with options: ['rtcspec/reporter', { reportDir: 'reports/rtc', keepRecords: false, html: true }]
 * ```
 * `rtcspec run` does the same from the command line (and replaces the config's reporters with its own).
 * @module
 */
import { mkdirSync, rmSync } from 'node:fs'
import { isAbsolute, join, relative, resolve } from 'node:path'
import type { Reporter, TestModule, TestRunEndReason, TestSpecification } from 'vitest/node'
import { z } from 'zod'
import { writeFileAtomic } from '../atomic-write.ts'
import { gatesOf, loadConfig } from '../config/config.ts'
import { collectReport } from './collect.ts'
import type { GateSpec } from './gates.ts'
import { renderReport } from './html/index.ts'
import { CALL_RECORDS_FILE, finishRun, type FinishedRun } from './run-finish.ts'
import SummaryJsonReporter from './summary-json-reporter.ts'
import { countResults } from './summary-reporter.ts'

/** Options of {@link RtcspecReporter} (the second element of a `['rtcspec/reporter', options]` reporter entry). */
export const RtcspecReporterOptionsSchema = z
  .object({
    /** Where the reports go (default `$RTCSPEC_REPORT_DIR`, else `reports/`). */
    reportDir: z.string().min(1).optional(),
    /** Keep appending to call_records.jsonl across runs (default false: each run starts a fresh file). */
    keepRecords: z.boolean().optional(),
    /** Write `index.html` after each run (default true). */
    html: z.boolean().optional(),
    /** Evaluate the gates of `rtcspec.config.*` in the working directory (default true). */
    gates: z.boolean().optional(),
    /** Print one line per run saying where the reports are (default true). */
    log: z.boolean().optional(),
  })
  .strict()

/** Options of the `rtcspec/reporter` Vitest reporter (validated: an unknown key is an error naming the known ones). */
export type RtcspecReporterOptions = z.infer<typeof RtcspecReporterOptionsSchema>

/** The Vitest reporter that keeps a report directory in step with the last run. */
export default class RtcspecReporter implements Reporter {
  readonly reportDir: string
  readonly options: RtcspecReporterOptions
  /** What the last finished run wrote (undefined before the first). */
  last: FinishedRun | undefined
  /** How many runs started (the first run and every watch rerun). */
  runs = 0
  #started = new Date()
  #paths: string[] = []

  constructor(options: RtcspecReporterOptions = {}) {
    this.options = RtcspecReporterOptionsSchema.parse(options)
    this.reportDir = resolve(this.options.reportDir ?? process.env.RTCSPEC_REPORT_DIR ?? 'reports')
    // The fixtures in the test workers write their records where this says (workers inherit the environment).
    process.env.RTCSPEC_REPORT_DIR = this.reportDir
  }

  onTestRunStart(specifications: ReadonlyArray<TestSpecification>): void {
    this.runs++
    this.#started = new Date()
    const cwd = process.cwd()
    this.#paths = [...new Set(specifications.map((s) => (isAbsolute(s.moduleId) ? relative(cwd, s.moduleId) : s.moduleId)))]
    mkdirSync(this.reportDir, { recursive: true })
    if (!this.options.keepRecords) rmSync(join(this.reportDir, CALL_RECORDS_FILE), { force: true })
    rmSync(join(this.reportDir, 'summary.json'), { force: true })
  }

  async onTestRunEnd(modules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>, reason: TestRunEndReason): Promise<void> {
    const collector = new SummaryJsonReporter(this.reportDir)
    collector.onTestRunEnd(modules, unhandledErrors, reason)
    let gates: GateSpec[] = []
    let gatesSource: string | undefined
    if (this.options.gates !== false) {
      try {
        const loaded = await loadConfig({})
        gates = gatesOf(loaded.config)
        if (loaded.source !== undefined) gatesSource = relative(process.cwd(), loaded.source) || loaded.source
      } catch (e) {
        process.stderr.write(`rtcspec reporter: gates not evaluated: ${e instanceof Error ? e.message : String(e)}\n`)
      }
    }
    try {
      this.last = finishRun({
        reportDir: this.reportDir,
        started: this.#started,
        paths: this.#paths,
        ...(process.env.RTCSPEC_SEED !== undefined ? { seed: process.env.RTCSPEC_SEED } : {}),
        counts: countResults(modules, unhandledErrors.length),
        tests: collector.tests,
        problems: collector.problems,
        gates,
        ...(gatesSource !== undefined ? { gatesSource } : {}),
        // Vitest cancelled the run (Ctrl-C in watch mode, a cancel from the UI): the summary says so, exit 130.
        ...(reason === 'interrupted' ? { interrupted: { signal: 'cancelled', at: new Date() } } : {}),
      })
    } catch (e) {
      process.stderr.write(`rtcspec reporter: summary.json not written: ${e instanceof Error ? e.message : String(e)}\n`)
      return
    }
    if (this.options.html !== false) this.#writeHtml()
    if (this.options.log !== false) {
      const s = this.last.summary
      process.stdout.write(
        `rtcspec: ${this.last.callRecords} call record(s), summary (exit ${s.exit.code}, ${s.exit.class}) and report in ${relative(process.cwd(), this.reportDir) || '.'}/\n`,
      )
    }
  }

  #writeHtml(): void {
    const file = join(this.reportDir, 'index.html')
    try {
      writeFileAtomic(file, renderReport(collectReport(this.reportDir, { outFile: file })))
    } catch (e) {
      process.stderr.write(`rtcspec reporter: index.html not written: ${e instanceof Error ? e.message : String(e)}\n`)
    }
  }
}

export { RtcspecReporter }
