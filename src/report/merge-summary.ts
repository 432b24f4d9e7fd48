/**
 * The run summary of merged shards (pure): every shard's tests once, the totals summed, the gates evaluated over
 * the union of the call records and tests — never taken from the shards' own verdicts, since a gate every shard
 * meets alone (a budget such as `tests.flaky`) can fail on the whole run, and a gate a shard fails for want of
 * samples can pass on it — and the exit class decided as `rtcspec run` decides it, over the whole run. A shard
 * missing or unreadable is an infrastructure error: the merge never passes without every shard.
 */
import type { CallRecord } from '../peers/call-record.ts'
import { classifyRun } from './exit-class.ts'
import { evaluateGates, type GateSpec } from './gates.ts'
import type { ShardProblem, ShardResult } from './merge-read.ts'
import { EXIT_CODES, RunSummarySchema, type RunSummary, type TestSummary } from './run-summary.ts'
import type { CollectedProblem } from './summary-json-reporter.ts'

/** What the merged summary is built from. */
export interface MergeSummaryInput {
  shards: readonly ShardResult[]
  /** Directories that could not be read as shards. */
  problems: readonly ShardProblem[]
  /** Shard indices with no readable directory, and the count of the set. */
  missing: readonly number[]
  count: number | undefined
  /** The union of the call records, as written to the merged `call_records.jsonl`. */
  records: readonly CallRecord[]
  /** The merged tests (annotation paths already pointing into the merged directory). */
  tests: readonly TestSummary[]
  invalidRecords: readonly string[]
  gates: readonly GateSpec[]
  gatesSource?: string
  /** The merged records file, relative to the merged report directory. */
  recordsFile: string
}

type InfraError = RunSummary['infrastructureErrors'][number]

/** Orders tests by file, keeping each file's own order (the order its shard ran them in). */
export function orderTests(tests: readonly TestSummary[]): TestSummary[] {
  return tests
    .map((t, i) => ({ t, i }))
    .sort((a, b) => (a.t.file < b.t.file ? -1 : a.t.file > b.t.file ? 1 : a.i - b.i))
    .map(({ t }) => t)
}

/** The merged run summary (see the module notes). */
export function mergedSummary(input: MergeSummaryInput): RunSummary {
  const { shards } = input
  const label = (s: ShardResult) => `shard ${s.info.index}/${s.info.count}`
  const tests = orderTests(input.tests)
  const gateResults = input.gates.length ? evaluateGates(input.records, input.gates, { tests }) : undefined

  // A failure outside any test (a file-level hook, an unhandled error) is in a shard's exit class, not in its tests.
  const problems: CollectedProblem[] = shards
    .filter((s) => s.summary.exit.class === 'test-failure' && !s.summary.tests.some((t) => t.state === 'failed'))
    .map((s) => ({ kind: 'hook', message: `${label(s)} (${s.dir}) failed outside its tests (a file-level hook or an unhandled error): see its summary.json` }))
  const interrupted = shards.filter((s) => s.summary.interrupted !== undefined)
  const { exit, infrastructureErrors } = classifyRun({
    tests,
    problems,
    invalidRecords: input.invalidRecords,
    ...(gateResults ? { gatesPassed: gateResults.passed } : {}),
    ...(interrupted.length ? { interrupted: true } : {}),
  })

  // The shards' own infrastructure errors that are not about a test (those come again from the tests above).
  const infra: InfraError[] = [...infrastructureErrors]
  for (const s of shards)
    for (const e of s.summary.infrastructureErrors) {
      if (e.test !== undefined || e.code === 'INVALID_CALL_RECORDS') continue
      infra.push({ ...e, message: `${label(s)}: ${e.message}` })
    }
  for (const p of input.problems) {
    infra.push({
      message: `${p.shard ? `shard ${p.shard.index}/${p.shard.count} ` : ''}could not be merged: ${p.message}`,
      hint: 'its results are not in the merge; check that shard job and its uploaded artifact, or re-run the shard',
      ...(p.file ? { file: p.file } : {}),
      code: 'SHARD_UNREADABLE',
    })
  }
  const unreadable = new Set(input.problems.flatMap((p) => (p.shard ? [p.shard.index] : [])))
  const absent = input.missing.filter((i) => !unreadable.has(i))
  if (absent.length) {
    infra.push({
      message: `the shard set is incomplete: ${absent.map((i) => `${i}/${input.count}`).join(', ')} missing, so the tests of ${absent.length === 1 ? 'that shard' : 'those shards'} are not in the merge`,
      hint: `pass every shard's result directory (${input.count} in all): a shard job failed before uploading, or its artifact was not downloaded`,
      code: 'SHARD_MISSING',
    })
  }
  const allUsage = shards.length > 0 && shards.every((s) => s.summary.exit.class === 'usage')
  const finalExit =
    exit.class === 'interrupted'
      ? exit
      : allUsage && tests.length === 0 && input.problems.length === 0 && absent.length === 0
        ? { class: 'usage' as const, code: EXIT_CODES.usage }
        : infra.length
          ? { class: 'infrastructure' as const, code: EXIT_CODES.infrastructure }
          : exit

  const started = shards.length ? Math.min(...shards.map((s) => Date.parse(s.summary.startedAt))) : Date.now()
  const ended = shards.length ? Math.max(...shards.map((s) => Date.parse(s.summary.endedAt))) : started
  const seeds = [...new Set(shards.map((s) => s.summary.seed))]
  const env = shards[0]?.summary.environment ?? {}
  const sum = (k: 'passed' | 'failed' | 'skipped') => shards.reduce((a, s) => a + s.summary.totals[k], 0)
  const first = interrupted[0]?.summary.interrupted
  return RunSummarySchema.parse({
    schema: 'rtcspec.run-summary/v1',
    startedAt: new Date(started).toISOString(),
    endedAt: new Date(ended).toISOString(),
    durationMs: Math.max(0, ended - started),
    environment: {
      ...env,
      shards: shards.map((s) => ({
        index: s.info.index,
        count: s.info.count,
        dir: s.dir,
        files: s.info.files.length,
        tests: s.summary.tests.length,
        durationMs: s.summary.durationMs,
        exit: s.summary.exit.class,
      })),
      ...(input.count !== undefined ? { shardCount: input.count } : {}),
    },
    ...(seeds.length === 1 && seeds[0] !== undefined ? { seed: seeds[0] } : {}),
    totals: { passed: sum('passed'), failed: sum('failed'), skipped: sum('skipped') },
    tests,
    callRecords: { file: input.recordsFile, count: input.records.length + input.invalidRecords.length, invalid: [...input.invalidRecords] },
    ...(gateResults ? { gates: { ...(input.gatesSource ? { source: input.gatesSource } : {}), ...gateResults } } : {}),
    infrastructureErrors: infra,
    ...(first ? { interrupted: { signal: first.signal, at: first.at, unfinished: interrupted.flatMap((s) => s.summary.interrupted?.unfinished ?? []) } } : {}),
    exit: finalExit,
  } satisfies RunSummary)
}
