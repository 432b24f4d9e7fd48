import { meets, type Threshold } from '../src/report/gates.ts'

/** A target a row's value is held to, e.g. `{ op: '<', value: 150 }` for "p50 < 150 ms" (the gates' threshold). */
export type BenchTarget = Threshold
export { meets }

/** One benchmark figure, as printed in the table and stored in reports/bench.json. */
export interface BenchRow {
  /** The suite that measured it, e.g. `peers`. */
  suite: string
  /** What was measured, e.g. `werift b2b connect p50`. Side-by-side rows share a metric and differ in `subject`. */
  metric: string
  value: number
  unit: string
  /** Who was measured when rows compare implementations side by side (`werift`, `chromium`, `rtcspec UA`, `sipp`). */
  subject?: string
  /** How it was measured (sample size, conditions). */
  note?: string
  /** The value the row is expected to meet, when there is one. */
  target?: BenchTarget
  /** Whether the value meets the target (set by {@link withVerdict}); absent without a target or a value. */
  met?: boolean
  /** Why there is no value (a tool is missing: `n/a (install sipp)`). The value is then NaN. */
  na?: string
}

/** Options every suite gets. */
export interface BenchRunOptions {
  /** Fewer samples and shorter holds: a smoke run of the whole bench in a few minutes. */
  quick: boolean
  /**
   * When the suite should be done (`performance.now()` ms): a suite checks {@link timeLeft} before each step and
   * skips what no longer fits, so the run stays bounded. Past it (plus a grace) the runner gives up on the suite.
   */
  deadline: number
}

/** Milliseconds left before the suite's deadline (negative once past it). */
export function timeLeft(options: BenchRunOptions): number {
  return options.deadline - performance.now()
}

/** A benchmark suite: measures and returns rows; must bound its own time. */
export interface BenchSuite {
  name: string
  /** One line: what it measures. */
  description?: string
  run(log: (line: string) => void, options: BenchRunOptions): Promise<BenchRow[]>
}

/** The p-th percentile (0..100) of values, by linear interpolation. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN
  const s = [...values].sort((a, b) => a - b)
  const idx = (p / 100) * (s.length - 1)
  const lo = Math.floor(idx)
  const hi = Math.ceil(idx)
  return s[lo]! + (s[hi]! - s[lo]!) * (idx - lo)
}

/** The row with `met` filled in from its target (left out when there is no target or no finite value). */
export function withVerdict(row: BenchRow): BenchRow {
  const { met: _old, ...rest } = row
  if (!row.target || !Number.isFinite(row.value)) return rest
  return { ...rest, met: meets(row.value, row.target) }
}

/** A row that could not be measured because a tool is missing: value NaN, `na` says what to install. */
export function naRow(suite: string, metric: string, unit: string, install: string, extra: Partial<BenchRow> = {}): BenchRow {
  return { suite, metric, value: Number.NaN, unit, na: `n/a (install ${install})`, ...extra }
}
