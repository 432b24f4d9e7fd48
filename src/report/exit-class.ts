/**
 * How a run ends (pure): which exit class, and which problems were the infrastructure's rather than the specs'.
 *
 * Precedence, highest first:
 * 0. `interrupted` (130): the run was stopped by a signal (SIGINT, SIGTERM, SIGHUP) before it ended; whatever it
 *    found is in the summary, but it is not a verdict.
 * 1. `infrastructure` (4): Vitest could not start or run; a spec file failed to load (import or syntax error,
 *    a tool required in CI missing at collection); an unhandled error naming such a problem; a test that failed with
 *    an error saying the machine is not fit to run it (`RtcspecError` codes in {@link INFRASTRUCTURE_CODES}, or a
 *    Node `EADDRINUSE`/`EADDRNOTAVAIL`/`EMFILE`/`ENOSPC`); call records that do not match their schema (the gates
 *    and reports would read garbage).
 * 2. `test-failure` (1): a test failed (also a failed file-level hook, or an unhandled error during the run).
 * 3. `gate-failure` (3): every test passed or was skipped, and a gate failed.
 * 4. `ok` (0).
 *
 * An infrastructure problem wins because it makes the other outcomes untrustworthy: fix the machine first.
 * `usage` (2) is decided before the run starts (bad arguments, a bad config, no spec files).
 */
import type { CollectedProblem } from './summary-json-reporter.ts'
import { EXIT_CODES, type ExitClass } from '../exit-codes.ts'
import type { RunSummary, TestSummary } from './run-summary.ts'

/** `RtcspecError` codes that mean the machine (tools, services, ports) is not fit to run the test. */
export const INFRASTRUCTURE_CODES: ReadonlySet<string> = new Set([
  'TOOL_MISSING',
  'PROVIDER_UNAVAILABLE',
  'CHROMIUM_LAUNCH',
  'DOCKER_IMAGE',
  'NO_FREE_PORT',
  'PORT_IN_USE',
  'COTURN_NOT_READY',
  'EADDRINUSE',
  'EADDRNOTAVAIL',
  'EMFILE',
  'ENOSPC',
])

const INFRA_MESSAGE = /\b(EADDRINUSE|EADDRNOTAVAIL|EMFILE|ENOSPC)\b|is required in CI \(CI=true\) but is not on PATH/

type InfrastructureError = RunSummary['infrastructureErrors'][number]

/** The infrastructure code of a failed test's error, when it has one. */
export function infrastructureCodeOf(error: TestSummary['errors'][number]): string | undefined {
  if (error.code !== undefined && INFRASTRUCTURE_CODES.has(error.code)) return error.code
  const m = INFRA_MESSAGE.exec(error.message)
  if (m) return m[1] ?? 'TOOL_MISSING'
  return undefined
}

function hintOf(message: string): string | undefined {
  const m = /\n\s*hint: (.+)/.exec(message)
  return m?.[1]
}

/** What the classification looks at. */
export interface ExitInput {
  tests: readonly TestSummary[]
  problems: readonly CollectedProblem[]
  /** Vitest failed to start or crashed; the message. */
  runnerError?: string
  invalidRecords: readonly string[]
  gatesPassed?: boolean
  /** The run was stopped by a signal before it ended. */
  interrupted?: boolean
}

/** The exit class and the infrastructure errors of a run. */
export function classifyRun(input: ExitInput): { exit: { class: ExitClass; code: number }; infrastructureErrors: InfrastructureError[] } {
  const infra: InfrastructureError[] = []
  if (input.runnerError !== undefined)
    infra.push({ message: `Vitest could not run: ${input.runnerError}`, hint: 'see the output above; `rtcspec doctor` checks the installation' })
  for (const p of input.problems) {
    const m = INFRA_MESSAGE.exec(p.message)
    // A failed file-level hook, or an unhandled error that names no machine problem, is the specs' (or rtcspec's) failure.
    if (p.kind === 'hook' || (p.kind === 'unhandled' && !m)) continue
    const code = m ? (m[1] ?? 'TOOL_MISSING') : undefined
    const hint = hintOf(p.message)
    infra.push({ message: p.message, ...(hint ? { hint } : {}), ...(p.file ? { file: p.file } : {}), ...(code ? { code } : {}) })
  }
  for (const t of input.tests) {
    if (t.state !== 'failed') continue
    for (const e of t.errors) {
      const code = infrastructureCodeOf(e)
      if (code === undefined) continue
      const hint = hintOf(e.message)
      infra.push({ message: `${t.name}: ${e.message.split('\n')[0]}`, ...(hint ? { hint } : {}), file: t.file, test: t.id, code })
      break
    }
  }
  if (input.invalidRecords.length) {
    infra.push({
      message: `${input.invalidRecords.length} call record(s) do not match the schema: ${input.invalidRecords.slice(0, 5).join('; ')}`,
      hint: 'a bug in what wrote them, or a corrupted/foreign call_records.jsonl (run without --keep-records)',
      code: 'INVALID_CALL_RECORDS',
    })
  }
  const testFailed = input.tests.some((t) => t.state === 'failed') || input.problems.some((p) => p.kind === 'hook' || p.kind === 'unhandled')
  const cls: ExitClass = input.interrupted
    ? 'interrupted'
    : infra.length
      ? 'infrastructure'
      : testFailed
        ? 'test-failure'
        : input.gatesPassed === false
          ? 'gate-failure'
          : 'ok'
  return { exit: { class: cls, code: EXIT_CODES[cls] }, infrastructureErrors: infra }
}
