/**
 * Percentiles of a sample, as `rtcspec load` reports them. Pure functions, no I/O.
 *
 * The method is the nearest-rank one (the smallest value such that at least `p` % of the sample is at or below
 * it): every percentile is a value that was actually measured, p0 is the minimum and p100 the maximum.
 * `rtcspec load`'s summary takes the same nearest rank from HdrHistograms (src/load/histogram.ts), so that shards
 * merge; {@link distributionOf} goes that way too.
 * @module
 */
import { histogramOf, type Distribution } from './histogram.ts'

export type { Distribution } from './histogram.ts'

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
  // p / 100 · n in binary floating point can land a hair above a whole rank (99.9 % of 20000 = 19980.000000000004):
  // round it to 12 significant digits first, as HdrHistogram does with its ulp correction, so both agree
  const rank = Math.max(1, Math.ceil(Number(((p / 100) * sorted.length).toPrecision(12))))
  return sorted[Math.min(rank, sorted.length) - 1]
}

/**
 * Summarises `values` (NaN ignored) the way the load summary does: through an HdrHistogram at `scale` (src/load/histogram.ts)
 * (exact count, min, max and mean; percentiles within HdrHistogram's 0.1 % precision). An empty sample gives
 * `{ count: 0 }`.
 */
export function distributionOf(values: ReadonlyArray<number>, scale = 1000): Distribution {
  return histogramOf(values, scale).distribution()
}
