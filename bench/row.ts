/** One benchmark figure, as printed in the table and stored in reports/bench.json. */
export interface BenchRow {
  /** The suite that measured it, e.g. `werift-b2b`. */
  suite: string
  /** What was measured, e.g. `connect time (ICE+DTLS) p50`. */
  metric: string
  value: number
  unit: string
  /** How it was measured (sample size, conditions). */
  note?: string
}

/** A benchmark suite: measures and returns rows; must bound its own time. */
export interface BenchSuite {
  name: string
  run(log: (line: string) => void): Promise<BenchRow[]>
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
