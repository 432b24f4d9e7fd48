/**
 * The end of a run, shared by `rtcspec run` and the watch-mode reporter (`rtcspec/reporter`): validates the
 * call records, evaluates the gates, classifies the exit and writes `<reportDir>/summary.json`
 * (plus the skip reasons in `junit.xml`). One place, so both write the same summary. Every file is written
 * atomically (temporary file, then rename): an interrupted run leaves the previous file or the new one, never a
 * truncated one.
 */
import { existsSync, readFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { join, relative } from 'node:path'
import { CallRecordSchema, type CallRecord } from '../peers/call-record.ts'
import { writeFileAtomic } from '../atomic-write.ts'
import { classifyRun } from './exit-class.ts'
import { evaluateGates, type GateSpec } from './gates.ts'
import { finalizeJunit } from './junit.ts'
import { addSkipReasons } from './junit-skip-reasons.ts'
import { EXIT_CODES, RunSummarySchema, type RunSummary, type TestSummary } from './run-summary.ts'
import { isUnfinished, type CollectedProblem } from './summary-json-reporter.ts'
import type { RunCounts } from './summary-reporter.ts'

/** The records file of a report directory. */
export const CALL_RECORDS_FILE = 'call_records.jsonl'

/** Checks every line of a call_records.jsonl against the schema; returns the valid records too. */
export function validateCallRecords(file: string): { count: number; invalid: string[]; records: CallRecord[] } {
  if (!existsSync(file)) return { count: 0, invalid: [], records: [] }
  const invalid: string[] = []
  const records: CallRecord[] = []
  let count = 0
  const lines = readFileSync(file, 'utf8').split('\n')
  lines.forEach((line, i) => {
    if (line.trim() === '') return
    count++
    let value: unknown
    try {
      value = JSON.parse(line)
    } catch (e) {
      invalid.push(`line ${i + 1}: not JSON (${(e as Error).message})`)
      return
    }
    const r = CallRecordSchema.safeParse(value)
    if (r.success) records.push(r.data)
    else invalid.push(`line ${i + 1}: ${r.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ')}`)
  })
  return { count, invalid, records }
}

/** rtcspec's version from its package.json (`unknown` when unreadable). */
export function rtcspecVersion(): string {
  try {
    return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string }).version ?? 'unknown'
  } catch {
    return 'unknown'
  }
}

/** Adds the skip reasons to `<reportDir>/junit.xml`; never throws (a warning on stderr). */
export function patchJunit(file: string, tests: RunSummary['tests']): void {
  try {
    if (!existsSync(file)) return
    const { xml, added } = addSkipReasons(readFileSync(file, 'utf8'), tests)
    if (added) writeFileAtomic(file, xml)
  } catch (e) {
    process.stderr.write(`rtcspec: could not add skip reasons to ${file}: ${(e as Error).message}\n`)
  }
}

/** What a finished Vitest run handed over, for {@link finishRun}. */
export interface FinishRunInput {
  reportDir: string
  started: Date
  /** The paths the run was given (the summary's environment). */
  paths: string[]
  seed?: string
  counts: RunCounts
  tests: TestSummary[]
  problems: CollectedProblem[]
  /** Vitest could not start or stopped early. */
  runnerError?: string
  gates?: GateSpec[]
  gatesSource?: string
  /** Set when the run found no spec file: the error to report (the exit becomes `usage`). */
  noSpecs?: { message: string; hint: string }
  /** Set when a signal stopped the run before it ended (the exit becomes `interrupted`, 130). */
  interrupted?: { signal: string; at: Date }
  /**
   * Where Vitest's JUnit reporter wrote during the run (`rtcspec run`): it becomes `<reportDir>/junit.xml` when
   * complete, else a JUnit written from the summary does. Without it, an existing `junit.xml` gets the skip reasons.
   */
  junitPartial?: string
}

/** What {@link finishRun} wrote. */
export interface FinishedRun {
  summary: RunSummary
  summaryFile: string
  callRecords: number
  invalidRecords: string[]
}

/** Builds the run summary from a finished run, writes `<reportDir>/summary.json` and the JUnit skip reasons. */
export function finishRun(input: FinishRunInput): FinishedRun {
  const { reportDir } = input
  const recordsFile = join(reportDir, CALL_RECORDS_FILE)
  const summaryFile = join(reportDir, 'summary.json')
  const gates = input.gates ?? []
  const { count, invalid, records } = validateCallRecords(recordsFile)
  const gateResults = gates.length ? evaluateGates(records, gates, { tests: input.tests }) : undefined
  const { exit, infrastructureErrors } = classifyRun({
    tests: input.tests,
    problems: input.problems,
    ...(input.runnerError !== undefined ? { runnerError: input.runnerError } : {}),
    invalidRecords: invalid,
    ...(gateResults ? { gatesPassed: gateResults.passed } : {}),
    ...(input.interrupted ? { interrupted: true } : {}),
  })
  const finalExit = input.noSpecs && exit.class === 'ok' ? { class: 'usage' as const, code: EXIT_CODES.usage } : exit
  const ended = new Date()
  const summary = RunSummarySchema.parse({
    schema: 'rtcspec.run-summary/v1',
    startedAt: input.started.toISOString(),
    endedAt: ended.toISOString(),
    durationMs: ended.getTime() - input.started.getTime(),
    environment: {
      node: process.versions.node,
      platform: `${process.platform}-${process.arch}`,
      cpus: cpus().length,
      rtcspec: rtcspecVersion(),
      ci: process.env.CI === 'true',
      paths: input.paths,
    },
    ...(input.seed !== undefined ? { seed: input.seed } : {}),
    totals: { passed: input.counts.passed, failed: input.counts.failed, skipped: input.counts.skipped },
    tests: input.tests,
    callRecords: { file: relative(reportDir, recordsFile), count, invalid },
    ...(gateResults ? { gates: { ...(input.gatesSource ? { source: input.gatesSource } : {}), ...gateResults } } : {}),
    infrastructureErrors: input.noSpecs ? [...infrastructureErrors, input.noSpecs] : infrastructureErrors,
    ...(input.interrupted
      ? {
          interrupted: {
            signal: input.interrupted.signal,
            at: input.interrupted.at.toISOString(),
            unfinished: input.tests.filter(isUnfinished).map((t) => t.id),
          },
        }
      : {}),
    exit: finalExit,
  } satisfies RunSummary)
  writeFileAtomic(summaryFile, `${JSON.stringify(summary, null, 2)}\n`)
  if (input.junitPartial !== undefined) finalizeJunit(join(reportDir, 'junit.xml'), input.junitPartial, summary)
  else patchJunit(join(reportDir, 'junit.xml'), summary.tests)
  return { summary, summaryFile, callRecords: count, invalidRecords: invalid }
}
