/**
 * Gates (pure): thresholds on run metrics, e.g. `'audio.loss': '< 0.01'`. Each gate takes the worst value of
 * its metric over the run's call records (the highest for `<`/`<=`, the lowest for `>`/`>=`), names the call
 * and test that gave it, and fails when that value breaks the threshold. A gate that saw no value fails too
 * (a gate that can never fail is a defect), unless it is marked `optional`.
 */
import type { CallRecord } from '../peers/call-record.ts'
import { isImpaired, metricSamples, METRICS, METRIC_NAMES, type RunFacts } from './metrics.ts'
import type { GateResult } from './run-summary.ts'

/** A parsed threshold: `< 0.01` is `{ op: '<', value: 0.01 }`. */
export interface Threshold {
  op: '<' | '<=' | '>' | '>='
  value: number
}

const THRESHOLD = /^\s*(<=|>=|<|>)\s*(-?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?)\s*$/i

/** Parses `'< 0.01'`, `'>= 3.8'`, …; undefined when the text is not a threshold. */
export function parseThreshold(text: string): Threshold | undefined {
  const m = THRESHOLD.exec(text)
  if (!m) return undefined
  const value = Number(m[2])
  if (!Number.isFinite(value)) return undefined
  return { op: m[1] as Threshold['op'], value }
}

/** Whether `value` satisfies the threshold. */
export function meets(value: number, t: Threshold): boolean {
  switch (t.op) {
    case '<':
      return value < t.value
    case '<=':
      return value <= t.value
    case '>':
      return value > t.value
    case '>=':
      return value >= t.value
  }
}

/** Which call records a gate looks at: substrings or patterns matched against `<file> > <test name>`. */
export type GateMatcher = string | RegExp

/** One declared gate, after validation. */
export interface GateSpec {
  metric: string
  threshold: string
  /** A gate that saw no value passes (with a note) instead of failing. Default false. */
  optional?: boolean
  /** Only records whose test matches one of these. */
  include?: readonly GateMatcher[]
  /** Leave out records whose test matches one of these. */
  exclude?: readonly GateMatcher[]
  /** Also look at calls that ran through rtcspec's impairment relay (impaired on purpose). Default false. */
  impaired?: boolean
}

function testLabel(r: CallRecord): string {
  const name = r.test?.name ?? ''
  const file = r.test?.file
  return file !== undefined && !name.startsWith(file) ? `${file} > ${name}` : name
}

function matches(m: GateMatcher, text: string): boolean {
  return typeof m === 'string' ? text.includes(m) : new RegExp(m.source, m.flags.replace(/[gy]/g, '')).test(text)
}

/** The records a gate applies to, and how many it left out as impaired. */
export function recordsForGate(records: readonly CallRecord[], gate: GateSpec): { records: CallRecord[]; impairedLeftOut: number; filteredOut: number } {
  let impairedLeftOut = 0
  let filteredOut = 0
  const out: CallRecord[] = []
  for (const r of records) {
    const label = testLabel(r)
    if (gate.include?.length && !gate.include.some((m) => matches(m, label))) {
      filteredOut++
      continue
    }
    if (gate.exclude?.some((m) => matches(m, label))) {
      filteredOut++
      continue
    }
    if (!gate.impaired && isImpaired(r)) {
      impairedLeftOut++
      continue
    }
    out.push(r)
  }
  return { records: out, impairedLeftOut, filteredOut }
}

/**
 * Evaluates one gate over the run's call records (and, for a run metric such as `tests.flaky`, over `run`: without
 * it a run metric has no value). Throws RangeError for an unknown metric or a malformed threshold.
 */
export function evaluateGate(records: readonly CallRecord[], gate: GateSpec, run?: RunFacts): GateResult {
  const def = METRICS[gate.metric]
  if (def === undefined) throw new RangeError(`unknown metric "${gate.metric}"; known: ${METRIC_NAMES.join(', ')}`)
  const t = parseThreshold(gate.threshold)
  if (t === undefined) throw new RangeError(`malformed threshold "${gate.threshold}" for ${gate.metric}; write e.g. '< 0.01' or '>= 3.8'`)
  if (def.ofRun !== undefined) {
    const base = { metric: gate.metric, threshold: gate.threshold.trim() }
    if (run === undefined) {
      const why = `${gate.metric} is a run metric and no run was given`
      return { ...base, samples: 0, pass: gate.optional === true, note: gate.optional ? `${why}; optional gate` : why }
    }
    const v = def.ofRun(run)
    return {
      ...base,
      actual: v.value,
      samples: run.tests.length,
      pass: meets(v.value, t),
      note: `over the whole run (${run.tests.length} test(s))${v.where ? `: ${v.where}` : ''}`,
    }
  }
  const worstDir = t.op === '<' || t.op === '<=' ? 'max' : 'min'
  const scope = recordsForGate(records, gate)
  const samples = metricSamples(scope.records, gate.metric, worstDir)
  const notes: string[] = []
  if (scope.impairedLeftOut) notes.push(`${scope.impairedLeftOut} impaired call(s) left out`)
  if (scope.filteredOut) notes.push(`${scope.filteredOut} call(s) filtered out`)
  const base = { metric: gate.metric, threshold: gate.threshold.trim(), samples: samples.length }
  if (samples.length === 0) {
    const why = `no call record had a value for ${gate.metric}${scope.records.length === 0 ? ` (no call records${records.length ? ' left after filtering' : ''})` : ` (${scope.records.length} record(s) without it)`}`
    notes.unshift(gate.optional ? `${why}; optional gate` : `${why}; a gate with no samples fails (mark it optional to allow that)`)
    return { ...base, pass: gate.optional === true, note: notes.join('; ') }
  }
  let worst = samples[0]!
  for (const s of samples) if (worstDir === 'max' ? s.value > worst.value : s.value < worst.value) worst = s
  if (worst.where !== undefined) notes.unshift(`worst: ${worst.where}`)
  return {
    ...base,
    actual: worst.value,
    pass: meets(worst.value, t),
    worst: { callId: worst.callId, ...(worst.test !== undefined ? { test: worst.test } : {}) },
    ...(notes.length ? { note: notes.join('; ') } : {}),
  }
}

/** Evaluates every gate; the run passes the gates when every result passes. */
export function evaluateGates(records: readonly CallRecord[], gates: readonly GateSpec[], run?: RunFacts): { passed: boolean; results: GateResult[] } {
  const results = gates.map((g) => evaluateGate(records, g, run))
  return { passed: results.every((r) => r.pass), results }
}

/** A metric value for a table: loss fractions as percentages, others with up to 3 decimals. */
export function formatMetricValue(metric: string, value: number | undefined): string {
  if (value === undefined) return '—'
  if (metric.endsWith('.loss')) return `${value.toFixed(4).replace(/\.?0+$/, '') || '0'} (${(value * 100).toFixed(2)} %)`
  return String(Number(value.toFixed(3)))
}

/** The call/test column: the test's name, else the call id. */
export function gateWhere(r: GateResult): string {
  if (!r.worst) return r.note ?? ''
  return r.worst.test ? `${r.worst.test} (call ${r.worst.callId.slice(0, 8)})` : `call ${r.worst.callId}`
}

/** A plain-text table of gate results: metric | threshold | worst | samples | call/test | ✓/✗ (and the notes of failed or empty gates below). */
export function formatGateTable(results: readonly GateResult[]): string {
  const header = ['metric', 'threshold', 'worst', 'samples', 'call/test', 'ok']
  const rows = results.map((r) => [
    r.metric,
    r.threshold,
    formatMetricValue(r.metric, r.actual),
    String(r.samples),
    r.worst ? gateWhere(r) : r.actual !== undefined ? 'the whole run' : 'no samples',
    r.pass ? '✓' : '✗',
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => Math.min(row[i]!.length, 90))))
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (c.length > 90 ? `${c.slice(0, 89)}…` : c).padEnd(widths[i]!))
      .join(' | ')
      .trimEnd()
  const out = [line(header), widths.map((w) => '-'.repeat(w)).join('-|-'), ...rows.map(line)]
  const notes = results.filter((r) => r.note && (!r.pass || r.samples === 0)).map((r) => `  ${r.pass ? '✓' : '✗'} ${r.metric}: ${r.note}`)
  return `${out.join('\n')}${notes.length ? `\n${notes.join('\n')}` : ''}\n`
}
