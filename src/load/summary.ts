/**
 * Turns the per-call results of a load run into the summary figures (counts, failure reasons, percentiles) and
 * prints the summary as a table. Pure functions, no I/O.
 * @module
 */
import { distributionOf } from './percentile.ts'
import type { CallResult, FailurePhase, LoadSummary } from './types.ts'

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

/** Counts, failure reasons (top `topReasons`, most frequent first) and distributions of `results`. */
export function callFigures(results: ReadonlyArray<CallResult>, topReasons = 10): CallFigures {
  const failed = results.filter((r) => r.outcome === 'failed')
  const groups = new Map<string, { phase: FailurePhase; reason: string; count: number; example: string }>()
  for (const r of failed) {
    const f = r.failure ?? { phase: 'worker' as const, reason: 'unknown' }
    const key = `${f.phase}\u0000${failureKey(f.reason)}`
    const g = groups.get(key)
    if (g) g.count++
    else groups.set(key, { phase: f.phase, reason: failureKey(f.reason), count: 1, example: f.reason })
  }
  const measured = results.filter((r) => r.measured)
  const worst = (r: CallResult, pick: (d: CallResult['directions'][number]) => number, better: 'low' | 'high') =>
    r.directions.reduce((w, d) => (better === 'low' ? Math.max(w, pick(d)) : Math.min(w, pick(d))), better === 'low' ? -Infinity : Infinity)
  const lost = measured.reduce((s, r) => s + r.directions.reduce((t, d) => t + d.lost, 0), 0)
  const expected = measured.reduce((s, r) => s + r.directions.reduce((t, d) => t + d.expected, 0), 0)
  const frames = measured.reduce((s, r) => s + r.directions.reduce((t, d) => t + d.framesSpanned, 0), 0)
  const missing = measured.reduce((s, r) => s + r.directions.reduce((t, d) => t + Math.max(0, d.framesSpanned - d.received), 0), 0)
  return {
    calls: {
      connected: results.filter((r) => r.connectMs !== undefined).length,
      failed: failed.length,
      completed: results.length - failed.length,
      measured: measured.length,
    },
    failureReasons: [...groups.values()].sort((a, b) => b.count - a.count).slice(0, topReasons),
    setupMs: distributionOf(results.flatMap((r) => (r.connectMs !== undefined ? [r.connectMs] : []))),
    firstRtpMs: distributionOf(results.flatMap((r) => (r.firstRtpMs !== undefined ? [r.firstRtpMs] : []))),
    loss: distributionOf(measured.map((r) => worst(r, (d) => d.lossFraction, 'low'))),
    lossAggregate: { lost, expected, fraction: expected > 0 ? lost / expected : 0 },
    missingMedia: distributionOf(measured.map((r) => worst(r, (d) => d.missingFraction, 'low'))),
    missingAggregate: { missing, frames, fraction: frames > 0 ? Math.min(1, missing / frames) : 0 },
    jitterMs: distributionOf(measured.map((r) => worst(r, (d) => d.jitterMs, 'low'))),
    mos: distributionOf(measured.map((r) => worst(r, (d) => d.mos, 'high'))),
  }
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
  const exit = `exit: ${s.exit.class} (${s.exit.code})`
  return `${[...head, '', metrics, agg, cpu, ...(starved ? [starved] : []), ...reasons, exit].join('\n')}\n`
}
