/**
 * `rtcspec load merge`: the shards of one distributed load test (each a report directory holding its
 * `load-summary.json` and `load-calls.jsonl`) into the summary one big run would have written. Counts add up,
 * failure reasons merge, and the percentiles come from the merged HdrHistograms (src/load/histogram.ts), never
 * from averaging the shards' percentiles. Refuses sets that are incomplete, hold a shard twice, or mix tests.
 * @module
 */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'
import { RtcspecError } from '../errors.ts'
import { EXIT_CODES } from '../exit-codes.ts'
import { callSeed } from './shard.ts'
import { addFigures, decodeFigures, emptyFigures, encodeFigures, summaryFigures } from './summary.ts'
import { LoadSummarySchema, PlacedCallSchema, type LoadPlan, type LoadSummary, type PlacedCall } from './types.ts'

/** One shard as read from its report directory. */
export interface ShardResult {
  dir: string
  summary: LoadSummary
  /** The calls it placed (`load-calls.jsonl`); undefined when the file is absent. */
  calls?: PlacedCall[]
}

function mergeError(message: string, hint: string): RtcspecError {
  return new RtcspecError('LOAD_MERGE', message, { hint })
}

const SHARD_HINT = 'give rtcspec load merge the report directory of every shard of one test (rtcspec load … --shard i/N --report-dir DIR), each once'

/** Reads `<dir>/load-summary.json` (validated) and `<dir>/load-calls.jsonl` when present. Throws `LOAD_MERGE`. */
export function readShardDir(dir: string): ShardResult {
  const file = join(dir, 'load-summary.json')
  if (!existsSync(file)) throw mergeError(`${dir}: no load-summary.json`, `${SHARD_HINT}; a shard that did not finish has none`)
  let raw: unknown
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'))
  } catch (e) {
    throw mergeError(
      `${file} is not JSON: ${e instanceof Error ? e.message : String(e)}`,
      'the file was truncated (the shard was killed while writing?) or edited',
    )
  }
  const parsed = LoadSummarySchema.safeParse(raw)
  if (!parsed.success) throw mergeError(`${file} is not a load summary:\n${z.prettifyError(parsed.error)}`, 'take the file rtcspec load wrote')
  const summary = parsed.data
  if (!summary.plan || !summary.shard || !summary.mergeable)
    throw mergeError(
      `${file} has no ${summary.merged ? 'shard part: it is already a merged summary' : 'plan, shard or histograms: it was written by an older rtcspec'}`,
      SHARD_HINT,
    )
  const callsFile = join(dir, 'load-calls.jsonl')
  if (!existsSync(callsFile)) return { dir, summary }
  const calls: PlacedCall[] = []
  const lines = readFileSync(callsFile, 'utf8').split('\n')
  for (const [i, line] of lines.entries()) {
    if (!line.trim()) continue
    let value: unknown
    try {
      value = JSON.parse(line)
    } catch {
      throw mergeError(`${callsFile}:${i + 1} is not JSON`, 'the file was truncated or edited')
    }
    const c = PlacedCallSchema.safeParse(value)
    if (!c.success) throw mergeError(`${callsFile}:${i + 1}: ${z.prettifyError(c.error)}`, 'take the file rtcspec load wrote')
    calls.push(c.data)
  }
  return { dir, summary, calls }
}

/** The first field in which two plans differ, or undefined when they are the same. */
function planDifference(a: LoadPlan, b: LoadPlan): string | undefined {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])] as (keyof LoadPlan)[]
  for (const k of keys) if (JSON.stringify(a[k]) !== JSON.stringify(b[k])) return `${k}: ${JSON.stringify(a[k])} vs ${JSON.stringify(b[k])}`
  return undefined
}

/** Checks that `shards` are every shard of one test, each once, and that their calls are theirs. Throws `LOAD_MERGE`. */
export function checkShardSet(shards: ReadonlyArray<ShardResult>): void {
  if (shards.length === 0) throw mergeError('no shard directories given', SHARD_HINT)
  const first = shards[0]!
  const plan = first.summary.plan!
  for (const s of shards.slice(1)) {
    const diff = planDifference(plan, s.summary.plan!)
    if (diff)
      throw mergeError(
        `${s.dir} belongs to another test than ${first.dir} (plan ${diff})`,
        'every shard of one test runs the same SPEC with the same --calls, --rate, --duration, --seed, --start-at and N in --shard i/N',
      )
  }
  const byIndex = new Map<number, string>()
  for (const s of shards) {
    const { index, count } = s.summary.shard!
    if (count !== plan.shards) throw mergeError(`${s.dir} is shard ${index}/${count} but its plan has ${plan.shards} shards`, 'the file was edited')
    const other = byIndex.get(index)
    if (other !== undefined) throw mergeError(`shard ${index}/${count} is given twice: ${other} and ${s.dir}`, SHARD_HINT)
    byIndex.set(index, s.dir)
  }
  const missing = Array.from({ length: plan.shards }, (_, i) => i).filter((i) => !byIndex.has(i))
  if (missing.length)
    throw mergeError(
      `incomplete set: ${shards.length} of ${plan.shards} shards; missing ${missing
        .slice(0, 20)
        .map((i) => `${i}/${plan.shards}`)
        .join(', ')}${missing.length > 20 ? ', …' : ''}`,
      `${SHARD_HINT}; the merged summary of a partial set would not be the test's`,
    )
  const owner = new Map<number, string>()
  for (const s of shards) {
    if (!s.calls) continue
    const { index, count } = s.summary.shard!
    for (const c of s.calls) {
      if (c.id % count !== index || c.shard !== index)
        throw mergeError(
          `${s.dir}: call ${c.id} is not shard ${index}/${count}'s (its ids are ${index}, ${index + count}, …)`,
          'the file was edited or mixes runs',
        )
      const o = owner.get(c.id)
      if (o !== undefined) throw mergeError(`call ${c.id} was placed twice: by ${o} and ${s.dir}`, 'two shards ran with the same --shard index')
      owner.set(c.id, s.dir)
      if (plan.seed !== undefined && c.seed !== undefined && c.seed !== callSeed(plan.seed, c.id))
        throw mergeError(`${s.dir}: call ${c.id} ran with seed ${c.seed}, not the plan's ${callSeed(plan.seed, c.id)}`, 'the file was edited or mixes runs')
    }
    if (s.calls.length !== s.summary.calls.attempted - s.summary.calls.unfinished)
      throw mergeError(
        `${s.dir}: load-calls.jsonl lists ${s.calls.length} calls but the summary has ${s.summary.calls.attempted - s.summary.calls.unfinished} finished`,
        'the two files come from different runs',
      )
  }
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0)

/**
 * Merges a complete shard set (checked by {@link checkShardSet}) into the summary of the whole test: the figures
 * one run would report, the shards listed under `merged.shards`. Concurrency and set-up rate are the sums of the
 * shards' (the peak sum is an upper bound: the shards' peaks need not coincide); CPU figures add up per generator.
 */
export function mergeShards(shards: ReadonlyArray<ShardResult>): LoadSummary {
  checkShardSet(shards)
  const sorted = [...shards].sort((a, b) => a.summary.shard!.index - b.summary.shard!.index)
  const summaries = sorted.map((s) => s.summary)
  const first = summaries[0]!
  const plan = first.plan!
  const state = emptyFigures()
  for (const s of sorted) addFigures(state, decodeFigures(s.summary.mergeable!, join(s.dir, 'load-summary.json')))
  const figs = summaryFigures(state, { attempted: sum(summaries.map((s) => s.calls.attempted)), unfinished: sum(summaries.map((s) => s.calls.unfinished)) })
  const startMs = Math.min(...summaries.map((s) => Date.parse(s.startedAt)))
  const endMs = Math.max(...summaries.map((s) => Date.parse(s.endedAt)))
  const interrupted = summaries.some((s) => s.stopReason === 'interrupted')
  const exitClass: LoadSummary['exit']['class'] = interrupted ? 'interrupted' : figs.calls.failed > plan.maxFailures ? 'test-failure' : 'ok'
  const ramps = summaries.flatMap((s) => (s.rampMs !== undefined ? [s.rampMs] : []))
  const waits = summaries.flatMap((s) => (s.cpu.workersWaitingForCpuPercent !== undefined ? [s.cpu.workersWaitingForCpuPercent] : []))
  let workerIndex = 0
  return {
    schema: 'rtcspec.load-summary/v1',
    spec: first.spec,
    options: {
      ...first.options,
      calls: plan.calls,
      rate: plan.rate,
      workers: sum(summaries.map((s) => s.options.workers)),
      maxConnecting: sum(summaries.map((s) => s.options.maxConnecting)),
    },
    startedAt: new Date(startMs).toISOString(),
    endedAt: new Date(endMs).toISOString(),
    wallMs: endMs - startMs,
    ...(ramps.length ? { rampMs: Math.max(...ramps) } : {}),
    heldMs: Math.min(...summaries.map((s) => s.heldMs)),
    stopReason: interrupted ? 'interrupted' : 'completed',
    ...figs,
    concurrency: {
      target: plan.calls,
      peak: sum(summaries.map((s) => s.concurrency.peak)),
      meanDuringHold: sum(summaries.map((s) => s.concurrency.meanDuringHold)),
    },
    setupRate: sum(summaries.map((s) => s.setupRate)),
    cpu: {
      cores: sum(summaries.map((s) => s.cpu.cores)),
      processPercent: sum(summaries.map((s) => s.cpu.processPercent)),
      mainPercent: sum(summaries.map((s) => s.cpu.mainPercent)),
      ...(waits.length ? { workersWaitingForCpuPercent: Math.max(...waits) } : {}),
      workers: summaries.flatMap((s) => s.cpu.workers.map((w) => ({ ...w, index: workerIndex++ }))),
    },
    environment: { ...first.environment, cpus: sum(summaries.map((s) => s.environment.cpus)) },
    exit: { class: exitClass, code: EXIT_CODES[exitClass] },
    plan,
    mergeable: encodeFigures(state),
    merged: {
      shards: sorted.map((s) => ({
        ...s.summary.shard!,
        dir: s.dir,
        attempted: s.summary.calls.attempted,
        failed: s.summary.calls.failed,
        stopReason: s.summary.stopReason,
        exit: s.summary.exit.class,
      })),
    },
  }
}
