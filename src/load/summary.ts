/**
 * Turns the per-call results of a load run into the summary figures (counts, failure reasons, percentiles) and
 * prints the summary as a table. Pure functions, no I/O.
 * @module
 */
import { MetricHistogram } from './histogram.ts'
import type { CallResult, FailurePhase, LoadSummary, MergeableFigures } from './types.ts'

/** The figures computed from the call results alone. */
export type CallFigures = Pick<
  LoadSummary,
  'failureReasons' | 'setupMs' | 'firstRtpMs' | 'loss' | 'lossAggregate' | 'missingMedia' | 'missingAggregate' | 'jitterMs' | 'mos'
> & {
  calls: Omit<LoadSummary['calls'], 'attempted' | 'unfinished'>
}

/** A failure reason with its numbers folded (`after 1234 ms` → `after N ms`), so alike failures group together. */
export function failureKey(reason: string): string {
  return reason.replace(/\d+(\.\d+)?/g, 'N').slice(0, 200)
}

/** At most this many distinct failure reasons are kept for merging (the rest count under one "other reasons" group). */
export const MAX_FAILURE_GROUPS = 1000

/** The metrics kept as histograms, with the scale each is recorded at (ms as µs, fractions as ppm, MOS as 1/1000). */
export const METRIC_SCALES = { setupMs: 1000, firstRtpMs: 1000, loss: 1_000_000, missingMedia: 1_000_000, jitterMs: 1000, mos: 1000 } as const
export type MetricName = keyof typeof METRIC_SCALES
const METRICS = Object.keys(METRIC_SCALES) as MetricName[]

/** Live, mergeable state of the call figures: counts, failure groups, aggregates and one histogram per metric. */
export interface FigureState {
  calls: CallFigures['calls']
  groups: Map<string, { phase: FailurePhase; reason: string; count: number; example: string }>
  lost: number
  expected: number
  missing: number
  frames: number
  histograms: Record<MetricName, MetricHistogram>
}

/** An empty {@link FigureState}. */
export function emptyFigures(): FigureState {
  return {
    calls: { connected: 0, failed: 0, completed: 0, measured: 0 },
    groups: new Map(),
    lost: 0,
    expected: 0,
    missing: 0,
    frames: 0,
    histograms: Object.fromEntries(METRICS.map((m) => [m, new MetricHistogram(METRIC_SCALES[m])])) as Record<MetricName, MetricHistogram>,
  }
}

function addGroup(state: FigureState, phase: FailurePhase, reason: string, count: number, example: string): void {
  let key = `${phase}\u0000${reason}`
  if (!state.groups.has(key) && state.groups.size >= MAX_FAILURE_GROUPS) {
    reason = 'other reasons (too many distinct ones to keep)'
    key = `${phase}\u0000${reason}`
  }
  const g = state.groups.get(key)
  if (g) g.count += count
  else state.groups.set(key, { phase, reason, count, example })
}

/** Adds one call's result to `state`. */
export function recordCall(state: FigureState, r: CallResult): void {
  if (r.connectMs !== undefined) {
    state.calls.connected++
    state.histograms.setupMs.record(r.connectMs)
  }
  if (r.firstRtpMs !== undefined) state.histograms.firstRtpMs.record(r.firstRtpMs)
  if (r.outcome === 'failed') {
    state.calls.failed++
    const f = r.failure ?? { phase: 'worker' as const, reason: 'unknown' }
    addGroup(state, f.phase, failureKey(f.reason), 1, f.reason)
  } else state.calls.completed++
  if (!r.measured) return
  state.calls.measured++
  const worst = (pick: (d: CallResult['directions'][number]) => number, better: 'low' | 'high') =>
    r.directions.reduce((w, d) => (better === 'low' ? Math.max(w, pick(d)) : Math.min(w, pick(d))), better === 'low' ? -Infinity : Infinity)
  for (const d of r.directions) {
    state.lost += d.lost
    state.expected += d.expected
    state.frames += d.framesSpanned
    state.missing += Math.max(0, d.framesSpanned - d.received)
  }
  state.histograms.loss.record(worst((d) => d.lossFraction, 'low'))
  state.histograms.missingMedia.record(worst((d) => d.missingFraction, 'low'))
  state.histograms.jitterMs.record(worst((d) => d.jitterMs, 'low'))
  state.histograms.mos.record(worst((d) => d.mos, 'high'))
}

/** Adds everything `other` holds to `state` (merging shards). */
export function addFigures(state: FigureState, other: FigureState): void {
  for (const k of ['connected', 'failed', 'completed', 'measured'] as const) state.calls[k] += other.calls[k]
  for (const g of other.groups.values()) addGroup(state, g.phase, g.reason, g.count, g.example)
  state.lost += other.lost
  state.expected += other.expected
  state.missing += other.missing
  state.frames += other.frames
  for (const m of METRICS) state.histograms[m].add(other.histograms[m])
}

/** The summary figures of `state`: counts, the top `topReasons` failure reasons, aggregates and distributions. */
export function figuresOf(state: FigureState, topReasons = 10): CallFigures {
  const h = state.histograms
  return {
    calls: { ...state.calls },
    failureReasons: [...state.groups.values()]
      .map((g) => ({ ...g }))
      .sort((a, b) => b.count - a.count)
      .slice(0, topReasons),
    setupMs: h.setupMs.distribution(),
    firstRtpMs: h.firstRtpMs.distribution(),
    loss: h.loss.distribution(),
    lossAggregate: { lost: state.lost, expected: state.expected, fraction: state.expected > 0 ? state.lost / state.expected : 0 },
    missingMedia: h.missingMedia.distribution(),
    missingAggregate: { missing: state.missing, frames: state.frames, fraction: state.frames > 0 ? Math.min(1, state.missing / state.frames) : 0 },
    jitterMs: h.jitterMs.distribution(),
    mos: h.mos.distribution(),
  }
}

/** The figure fields of a load summary (calls, failure reasons, distributions, aggregates). */
export type SummaryFigures = Pick<
  LoadSummary,
  'calls' | 'failureReasons' | 'setupMs' | 'firstRtpMs' | 'loss' | 'lossAggregate' | 'missingMedia' | 'missingAggregate' | 'jitterMs' | 'mos'
>

/**
 * The figure fields of a {@link LoadSummary} from `state` and the run's own call counts: one builder for a run's
 * summary and a merge of shards, so both carry the same fields in the same order.
 */
export function summaryFigures(state: FigureState, counts: { attempted: number; unfinished: number }): SummaryFigures {
  const { calls, ...figures } = figuresOf(state)
  return { calls: { attempted: counts.attempted, ...calls, unfinished: counts.unfinished }, ...figures }
}

/** `state` as the `mergeable` part of load-summary.json. */
export function encodeFigures(state: FigureState): MergeableFigures {
  return {
    calls: { ...state.calls },
    failureReasons: [...state.groups.values()].map((g) => ({ ...g })),
    lossAggregate: { lost: state.lost, expected: state.expected },
    missingAggregate: { missing: state.missing, frames: state.frames },
    histograms: Object.fromEntries(METRICS.map((m) => [m, state.histograms[m].encode()])) as MergeableFigures['histograms'],
  }
}

/** Reads the `mergeable` part of a load-summary.json back; `what` names the file in errors. */
export function decodeFigures(m: MergeableFigures, what: string): FigureState {
  const state = emptyFigures()
  state.calls = { ...m.calls }
  for (const g of m.failureReasons) addGroup(state, g.phase, g.reason, g.count, g.example)
  state.lost = m.lossAggregate.lost
  state.expected = m.lossAggregate.expected
  state.missing = m.missingAggregate.missing
  state.frames = m.missingAggregate.frames
  for (const k of METRICS) {
    const e = m.histograms[k]
    if (e.scale !== METRIC_SCALES[k]) throw new RangeError(`${what}: histogram ${k} has scale ${e.scale}, rtcspec records it at ${METRIC_SCALES[k]}`)
    state.histograms[k] = MetricHistogram.decode(e, `${what}: histogram ${k}`)
  }
  return state
}

/** Counts, failure reasons (top `topReasons`, most frequent first) and distributions of `results`. */
export function callFigures(results: ReadonlyArray<CallResult>, topReasons = 10): CallFigures {
  const state = emptyFigures()
  for (const r of results) recordCall(state, r)
  return figuresOf(state, topReasons)
}

const f0 = (v: number | undefined) => (v === undefined ? '-' : v.toFixed(0))
const f1 = (v: number | undefined) => (v === undefined ? '-' : v.toFixed(1))
const f2 = (v: number | undefined) => (v === undefined ? '-' : v.toFixed(2))
const pct = (v: number | undefined) => (v === undefined ? '-' : `${(v * 100).toFixed(2)} %`)

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)))
  return rows
    .map((r) =>
      r
        .map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')
}

/** The summary as the text `rtcspec load` prints at the end. */
export function formatSummary(s: LoadSummary): string {
  const o = s.options
  const head = [
    `rtcspec load ${s.spec.name}: ${o.calls} calls at ${o.rate}/s, hold ${(o.holdMs / 1000).toFixed(0)} s, ${o.workers} worker(s)${o.seed !== undefined ? `, seed ${o.seed}` : ''}${s.stopReason === 'interrupted' ? ' — INTERRUPTED, partial results' : ''}`,
    `calls: attempted ${s.calls.attempted}, connected ${s.calls.connected}, completed ${s.calls.completed}, failed ${s.calls.failed}${s.calls.unfinished ? `, unfinished ${s.calls.unfinished}` : ''} (measured ${s.calls.measured})`,
    `concurrency: target ${s.concurrency.target}, peak ${s.concurrency.peak}, mean during hold ${s.concurrency.meanDuringHold.toFixed(1)}; set-up rate ${s.setupRate.toFixed(1)} calls/s; wall ${(s.wallMs / 1000).toFixed(1)} s (ramp ${f1(s.rampMs !== undefined ? s.rampMs / 1000 : undefined)} s, held ${(s.heldMs / 1000).toFixed(1)} s)`,
  ]
  const metrics = table([
    ['metric', 'count', 'p5', 'p50', 'p95', 'p99', 'max', 'min'],
    ['set-up (connect) ms', `${s.setupMs.count}`, '', f0(s.setupMs.p50), f0(s.setupMs.p95), f0(s.setupMs.p99), f0(s.setupMs.max), f0(s.setupMs.min)],
    ['first RTP ms', `${s.firstRtpMs.count}`, '', f0(s.firstRtpMs.p50), f0(s.firstRtpMs.p95), f0(s.firstRtpMs.p99), f0(s.firstRtpMs.max), f0(s.firstRtpMs.min)],
    ['loss (worse dir.)', `${s.loss.count}`, '', pct(s.loss.p50), pct(s.loss.p95), pct(s.loss.p99), pct(s.loss.max), pct(s.loss.min)],
    [
      'missing media',
      `${s.missingMedia.count}`,
      '',
      pct(s.missingMedia.p50),
      pct(s.missingMedia.p95),
      pct(s.missingMedia.p99),
      pct(s.missingMedia.max),
      pct(s.missingMedia.min),
    ],
    ['jitter ms', `${s.jitterMs.count}`, '', f2(s.jitterMs.p50), f2(s.jitterMs.p95), f2(s.jitterMs.p99), f2(s.jitterMs.max), f2(s.jitterMs.min)],
    ['MOS (E-model est.)', `${s.mos.count}`, f2(s.mos.p5), f2(s.mos.p50), '', '', '', f2(s.mos.min)],
  ])
  const agg = [
    `loss over all measured calls: ${s.lossAggregate.lost} of ${s.lossAggregate.expected} packets (${pct(s.lossAggregate.fraction)})`,
    `missing media (lost + never sent, by RTP timestamp): ${s.missingAggregate.missing} of ${s.missingAggregate.frames} frames (${pct(s.missingAggregate.fraction)})${s.missingAggregate.fraction > s.lossAggregate.fraction + 0.005 ? ' — senders fell behind: the CPU could not keep up' : ''}`,
  ].join('\n')
  const cpu = `cpu: process ${s.cpu.processPercent.toFixed(0)} % of one core (${s.cpu.cores} cores), main thread ${s.cpu.mainPercent.toFixed(0)} %; ${s.cpu.workers.map((w) => `worker ${w.index}: ${w.calls} calls, ${w.percent.toFixed(0)} %${w.udpSocketsAtStop ? ` (${w.udpSocketsAtStop} UDP sockets left open!)` : ''}`).join('; ')}`
  const starved =
    s.cpu.workersWaitingForCpuPercent !== undefined
      ? `worker threads waited for a CPU ${s.cpu.workersWaitingForCpuPercent.toFixed(0)} % of the time they wanted to run${s.cpu.workersWaitingForCpuPercent > 30 ? ' — the machine was busy with other work: these figures are limited by it' : ''}`
      : undefined
  const reasons = s.failureReasons.length
    ? ['top failure reasons:', ...s.failureReasons.map((r) => `  ${String(r.count).padStart(5)} × [${r.phase}] ${r.example}`)]
    : []
  const lag = (ms: number | undefined) => (ms === undefined ? '' : `, started ${ms >= 0 ? '+' : ''}${ms.toFixed(0)} ms vs schedule`)
  const shard =
    s.shard && s.shard.count > 1
      ? [
          `shard ${s.shard.index}/${s.shard.count} on ${s.shard.host}: ${s.shard.calls} of ${o.calls} calls at ${s.shard.rate.toFixed(2)}/s${lag(s.shard.startLagMs)}`,
        ]
      : []
  const merged = s.merged
    ? [
        `merged ${s.merged.shards.length} shards: ${s.merged.shards.map((m) => `${m.index}@${m.host} ${m.attempted} calls${m.failed ? ` (${m.failed} failed)` : ''}${m.startLagMs !== undefined ? ` ${m.startLagMs >= 0 ? '+' : ''}${m.startLagMs.toFixed(0)} ms` : ''}`).join('; ')}`,
      ]
    : []
  const exit = `exit: ${s.exit.class} (${s.exit.code})`
  return `${[...head, ...shard, ...merged, '', metrics, agg, cpu, ...(starved ? [starved] : []), ...reasons, exit].join('\n')}\n`
}
