/**
 * Mergeable distributions: every figure `rtcspec load` reports as percentiles (set-up, first RTP, loss, missing
 * media, jitter, MOS) is recorded into an HdrHistogram (hdr-histogram-js, 3 significant digits), next to its exact
 * count, sum, min and max. Histograms of separate runs add up bucket by bucket, so the percentiles of merged shards
 * are those of one run that recorded every value — never an average of percentiles.
 *
 * Values are recorded as integers `round(value × scale)` (ms as µs, fractions as parts per million, MOS as
 * thousandths). A percentile is HdrHistogram's nearest-rank value (the smallest recorded value with at least `p` %
 * of the sample at or below it), reported as the highest value equivalent to it within the histogram's precision
 * (relative error ≤ 10^-3) and clamped to the exact min and max. Serialised with HdrHistogram's standard compressed
 * base64 encoding (`HISTFAA…`), readable by every HdrHistogram implementation.
 * @module
 */
import { build, decodeFromCompressedBase64, encodeIntoCompressedBase64, type Histogram } from 'hdr-histogram-js'
import { z } from 'zod'
import { RtcspecError } from '../errors.ts'

/** Decimal digits of value resolution kept by every load histogram (relative error ≤ 0.1 %). */
export const SIGNIFICANT_DIGITS = 3
/** The relative precision that {@link SIGNIFICANT_DIGITS} guarantees for a percentile. */
export const RELATIVE_PRECISION = 10 ** -SIGNIFICANT_DIGITS

/** A distribution summary: how many values, exact min, max and mean, and the p5/p50/p95/p99 percentiles. */
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

/** One metric as a shard writes it: the histogram and the exact figures a histogram cannot keep. */
export const EncodedMetricSchema = z.strictObject({
  /** Values were recorded as `round(value × scale)`. */
  scale: z.number().positive(),
  count: z.number().int().nonnegative(),
  /** Sum of the values (for the exact mean). */
  sum: z.number(),
  min: z.number().optional(),
  max: z.number().optional(),
  /** HdrHistogram V2 compressed base64 (`HISTFAA…`). */
  hdr: z.string().min(1),
})
export type EncodedMetric = z.infer<typeof EncodedMetricSchema>

/** A histogram of one metric plus its exact count, sum, min and max. */
export class MetricHistogram {
  readonly scale: number
  #h: Histogram
  #count = 0
  #sum = 0
  #min: number | undefined
  #max: number | undefined

  /** `scale`: values are recorded as `round(value × scale)` (1000 keeps ms to the µs). */
  constructor(scale = 1000) {
    if (!(scale > 0) || !Number.isFinite(scale)) throw new RangeError(`MetricHistogram: scale must be a positive number, got ${scale}`)
    this.scale = scale
    this.#h = build({ numberOfSignificantValueDigits: SIGNIFICANT_DIGITS, autoResize: true })
  }

  /** Records one value (NaN and infinities are ignored; negative values count as 0). */
  record(value: number): void {
    if (!Number.isFinite(value)) return
    const v = Math.max(0, value)
    this.#h.recordValue(Math.round(v * this.scale))
    this.#count++
    this.#sum += v
    this.#min = this.#min === undefined ? v : Math.min(this.#min, v)
    this.#max = this.#max === undefined ? v : Math.max(this.#max, v)
  }

  get count(): number {
    return this.#count
  }

  /** Adds every value of `other` (same scale) to this histogram. */
  add(other: MetricHistogram): void {
    if (other.scale !== this.scale) throw new RangeError(`MetricHistogram: cannot add scale ${other.scale} to scale ${this.scale}`)
    if (other.#count === 0) return
    this.#h.add(other.#h)
    this.#count += other.#count
    this.#sum += other.#sum
    this.#min = this.#min === undefined ? other.#min : Math.min(this.#min, other.#min!)
    this.#max = this.#max === undefined ? other.#max : Math.max(this.#max, other.#max!)
  }

  /** The `p`-th percentile (0..100) within the histogram's precision, clamped to the exact min and max; undefined when empty. */
  percentile(p: number): number | undefined {
    if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile: p must be within 0..100, got ${p}`)
    if (this.#count === 0) return undefined
    const v = this.#h.getValueAtPercentile(p) / this.scale
    return Math.min(this.#max!, Math.max(this.#min!, v))
  }

  /** count, exact min/max/mean and p5/p50/p95/p99; `{ count: 0 }` when empty. */
  distribution(): Distribution {
    if (this.#count === 0) return { count: 0 }
    return {
      count: this.#count,
      min: this.#min!,
      max: this.#max!,
      mean: this.#sum / this.#count,
      p5: this.percentile(5)!,
      p50: this.percentile(50)!,
      p95: this.percentile(95)!,
      p99: this.percentile(99)!,
    }
  }

  /** The serialisable form (HdrHistogram compressed base64 plus the exact figures). */
  encode(): EncodedMetric {
    return {
      scale: this.scale,
      count: this.#count,
      sum: this.#sum,
      ...(this.#min !== undefined ? { min: this.#min } : {}),
      ...(this.#max !== undefined ? { max: this.#max } : {}),
      hdr: encodeIntoCompressedBase64(this.#h),
    }
  }

  /** Reads an {@link EncodedMetric} back; `what` names it in the error when it does not decode or does not add up. */
  static decode(encoded: EncodedMetric, what = 'histogram'): MetricHistogram {
    const m = new MetricHistogram(encoded.scale)
    let h: Histogram
    try {
      h = decodeFromCompressedBase64(encoded.hdr, 32, false)
    } catch (e) {
      throw new RtcspecError('LOAD_MERGE', `${what}: the HdrHistogram does not decode (${e instanceof Error ? e.message : String(e)})`, {
        hint: 'the file was truncated or edited; take the shard’s load-summary.json as rtcspec load wrote it',
      })
    }
    if (h.totalCount !== encoded.count || (encoded.count > 0 && (encoded.min === undefined || encoded.max === undefined))) {
      throw new RtcspecError('LOAD_MERGE', `${what}: the histogram holds ${h.totalCount} values but the file says ${encoded.count}`, {
        hint: 'the file was edited or mixes two runs; take the shard’s load-summary.json as rtcspec load wrote it',
      })
    }
    m.#h = h
    m.#count = encoded.count
    m.#sum = encoded.sum
    m.#min = encoded.min
    m.#max = encoded.max
    return m
  }
}

/** A histogram of `values` at `scale` (NaN ignored). */
export function histogramOf(values: Iterable<number>, scale = 1000): MetricHistogram {
  const h = new MetricHistogram(scale)
  for (const v of values) h.record(v)
  return h
}
