/**
 * A Vitest reporter that collects every test's outcome in the shape of the run summary (`TestSummary`),
 * plus the problems outside the tests themselves: files that failed to load and unhandled errors.
 * `rtcspec run` adds the call records, gates and exit class and writes `<reportDir>/summary.json`.
 */
import { isAbsolute, relative } from 'node:path'
import type { Reporter, TestCase, TestModule } from 'vitest/node'
import type { TestSummary } from './run-summary.ts'
import { parseRequirement } from './test-requirement.ts'

/** A problem outside the specs' own assertions: a spec file that failed to load, an unhandled error. */
export interface CollectedProblem {
  /** `load`: the file failed before any test was collected; `hook`: a file-level hook failed; `unhandled`: an error outside any test. */
  kind: 'load' | 'hook' | 'unhandled'
  message: string
  /** The spec file, for a load failure. */
  file?: string
  stack?: string
}

interface ErrorLike {
  message?: unknown
  stack?: unknown
  diff?: unknown
  code?: unknown
  name?: unknown
}

/** Turns a serialized Vitest error into the summary's error shape (with an `RtcspecError`'s code when it has one). */
export function summaryError(e: unknown): TestSummary['errors'][number] {
  const x = (typeof e === 'object' && e !== null ? e : { message: String(e) }) as ErrorLike
  const message = typeof x.message === 'string' ? x.message : String(x.message ?? e)
  return {
    message: typeof x.name === 'string' && x.name !== 'Error' && x.name !== 'AssertionError' && !message.startsWith(x.name) ? `${x.name}: ${message}` : message,
    ...(typeof x.stack === 'string' ? { stack: x.stack } : {}),
    ...(typeof x.diff === 'string' && x.diff !== '' ? { diff: x.diff } : {}),
    ...(typeof x.code === 'string' ? { code: x.code } : {}),
  }
}

/** The note Vitest gives a test it cancelled (`vitest.cancelCurrentRun`, e.g. on Ctrl-C). */
const VITEST_ABORT_NOTE = 'The test run was aborted by the user.'

/** Skip reasons of the tests an interrupted run did not finish (they count as skipped, and are listed in `interrupted.unfinished`). */
export const INTERRUPTED_SKIP_REASONS = {
  running: 'interrupted: the run was stopped while this test ran',
  notStarted: 'interrupted: the run was stopped before this test ran',
} as const

/** Whether a test summary is one an interrupted run did not finish. */
export function isUnfinished(t: TestSummary): boolean {
  return t.state === 'skipped' && (t.skipReason === INTERRUPTED_SKIP_REASONS.running || t.skipReason === INTERRUPTED_SKIP_REASONS.notStarted)
}

function rel(path: string, base: string): string {
  if (!isAbsolute(path)) return path
  const r = relative(base, path)
  return r.startsWith('..') ? path : r
}

/** One test's summary. `reportDir` makes attachment paths inside it relative to it. */
export function summarizeTest(t: TestCase, reportDir: string, cwd = process.cwd()): TestSummary {
  const file = rel(t.module.moduleId, cwd)
  const r = t.result()
  const name = t.fullName
  const state: TestSummary['state'] = r.state === 'passed' ? 'passed' : r.state === 'failed' ? 'failed' : 'skipped'
  const skipReason =
    r.state === 'pending'
      ? INTERRUPTED_SKIP_REASONS.notStarted
      : r.state === 'skipped'
        ? r.note === VITEST_ABORT_NOTE
          ? INTERRUPTED_SKIP_REASONS.running
          : (r.note ?? (t.options.mode === 'todo' ? 'todo' : t.options.mode === 'skip' ? 'skipped in the spec (.skip or skipIf)' : undefined))
        : undefined
  const requirement = parseRequirement(name)
  const diagnostic = t.diagnostic()
  const annotations = t.annotations().map((a) => {
    const path = a.attachment?.path
    return {
      type: a.type,
      message: a.message,
      ...(path !== undefined ? { path: rel(path, reportDir) } : {}),
      ...(a.attachment?.contentType !== undefined ? { contentType: a.attachment.contentType } : {}),
    }
  })
  // a failed video assertion's filmstrip, attached after the test (src/dsl/video-failure-filmstrip.ts), is listed too
  for (const a of typeof t.artifacts === 'function' ? t.artifacts() : [])
    if (a.type === 'rtcspec:video-filmstrip' && a.attachments?.[0]?.path !== undefined)
      annotations.push({
        type: a.type,
        message: (a as { message?: string }).message ?? 'video filmstrip',
        path: rel(a.attachments[0].path, reportDir),
        ...(a.attachments[0].contentType !== undefined ? { contentType: a.attachments[0].contentType } : {}),
      })
  return {
    id: `${file}::${name}`,
    file,
    name,
    state,
    durationMs: Math.max(0, diagnostic?.duration ?? 0),
    ...(skipReason !== undefined ? { skipReason } : {}),
    errors: (r.state === 'failed' || r.state === 'passed' ? (r.errors ?? []) : []).map(summaryError),
    ...(requirement ? { requirement } : {}),
    ...(annotations.length ? { annotations } : {}),
    ...(t.location ? { line: t.location.line } : {}),
    ...(diagnostic?.flaky ? { flaky: true as const } : {}),
    ...(diagnostic?.retryCount ? { retries: diagnostic.retryCount } : {}),
  }
}

/** Collects test summaries and load/unhandled problems at the end of a run. */
export default class SummaryJsonReporter implements Reporter {
  readonly reportDir: string
  tests: TestSummary[] = []
  problems: CollectedProblem[] = []
  /** Whether `onTestRunEnd` ran (false when Vitest stopped before running anything). */
  finished = false
  /** Why the run ended, as Vitest says (`passed`, `failed`, `interrupted`). */
  reason: string | undefined

  constructor(reportDir: string) {
    this.reportDir = reportDir
  }

  onTestRunEnd(modules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>, reason?: string): void {
    this.finished = true
    this.reason = reason
    const cwd = process.cwd()
    for (const mod of modules) {
      for (const t of mod.children.allTests()) this.tests.push(summarizeTest(t, this.reportDir, cwd))
      const file = rel(mod.moduleId, cwd)
      const collected = [...mod.children.allTests()].length
      for (const e of mod.errors()) {
        const s = summaryError(e)
        const message = collected === 0 ? `${file} failed to load: ${s.message}` : `${file}: a file-level hook failed: ${s.message}`
        this.problems.push({ kind: collected === 0 ? 'load' : 'hook', file, message, ...(s.stack ? { stack: s.stack } : {}) })
      }
      // A module that failed with no error of its own and no test (should not happen) still counts.
      if (mod.state() === 'failed' && mod.errors().length === 0 && collected === 0) {
        this.problems.push({ kind: 'load', file, message: `${file} failed before any test ran` })
      }
    }
    for (const e of unhandledErrors) {
      const s = summaryError(e)
      this.problems.push({ kind: 'unhandled', message: `unhandled error: ${s.message}`, ...(s.stack ? { stack: s.stack } : {}) })
    }
  }
}
