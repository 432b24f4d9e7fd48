/**
 * Percentiles of a sample, as `rtcspec load` reports them. Pure functions, no I/O.
 *
 * The method is the nearest-rank one (the smallest value such that at least `p` % of the sample is at or below
 * it): every percentile is a value that was actually measured, p0 is the minimum and p100 the maximum.
 * @module
 */

/**
 * The `p`-th percentile (0..100) of `values` by nearest rank; `undefined` for an empty sample.
 * NaN values are ignored. `values` need not be sorted.
 */
export function percentile(values: ReadonlyArray<number>, p: number): number | undefined {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile: p must be within 0..100, got ${p}`)
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b)
  return percentileOfSorted(sorted, p)
}

/** {@link percentile} of an already ascending-sorted sample without NaN. */
export function percentileOfSorted(sorted: ReadonlyArray<number>, p: number): number | undefined {
  if (sorted.length === 0) return undefined
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length))
  return sorted[Math.min(rank, sorted.length) - 1]
}

/** A distribution summary: how many values, min, max, mean and the p5/p50/p95/p99 percentiles (nearest rank). */
export interface Distribution {
  count: number
  min?: number
  max?: number
  mean?: number
  p5?: number
  p50?: number
  p95?: number
  p99?: number
}

/** Summarises `values` (NaN ignored); an empty sample gives `{ count: 0 }`. */
export function distributionOf(values: ReadonlyArray<number>): Distribution {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b)
  if (sorted.length === 0) return { count: 0 }
  return {
    count: sorted.length,
    min: sorted[0]!,
    max: sorted[sorted.length - 1]!,
    mean: sorted.reduce((s, v) => s + v, 0) / sorted.length,
    p5: percentileOfSorted(sorted, 5)!,
    p50: percentileOfSorted(sorted, 50)!,
    p95: percentileOfSorted(sorted, 95)!,
    p99: percentileOfSorted(sorted, 99)!,
  }
}
