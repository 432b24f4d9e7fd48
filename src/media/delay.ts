/**
 * Delay between a reference signal and a recording of it, by FFT cross-correlation.
 *
 * Method:
 * 1. both signals are resampled to a common analysis rate (the lower of the two, at most 16 kHz) and
 *    their means removed, so different sample rates and DC offsets do not matter;
 * 2. the cross-correlation `c[L] = Σ ref[n]·rec[n + L]` is computed for every lag with one zero-padded
 *    FFT product (O(N log N));
 * 3. the best lag is the largest `c[L]` inside `minDelayMs … maxDelayMs`, refined to a fraction of a
 *    sample by a parabola through the three correlation values around it;
 * 4. the reported `correlation` is the normalised coefficient at that lag,
 *    `c[L] / √(E_ref · E_rec)` with both energies taken over the overlapping part only — so it is
 *    independent of level (a -20 dB copy still correlates 1) and of the recording's length;
 * 5. `confident` requires `correlation ≥ minCorrelation` (default 0.3: a copy through G.711 gives
 *    ≈ 1, through Opus ≥ 0.8, broadband noise at 0 dB SNR ≈ 0.7; unrelated signals of a second or more
 *    stay below 0.1) *and* a unique peak: the strongest correlation more than 2 ms away from the peak
 *    must be below `maxSidePeakRatio` (default 0.9) of it. A steady tone correlates with itself at
 *    every period, so its delay is ambiguous and reported as not confident.
 *
 * Leading silence in the recording simply shifts the peak; noise lowers the coefficient but not the
 * peak position. Measured accuracy (see `test/media/delay.test.ts`): within 0.1 ms for synthetic
 * delays of noise or speech, through PCMU/PCMA, with a level change or 48 kHz → 8 kHz; Opus adds its
 * own algorithmic delay (6.5 ms at 48 kHz), which is part of the delay it measures.
 *
 * @module
 */
import { fft, nextPowerOfTwo } from './fft.ts'
import { resample } from './resample.ts'
import type { PcmAudio } from './types.ts'

/** Options of `estimateDelay`. */
export interface DelayOptions {
  /** Largest delay searched, ms. Default 1000. */
  maxDelayMs?: number
  /** Smallest delay searched, ms; negative means the recording may start after the reference did. Default 0. */
  minDelayMs?: number
  /** Correlation coefficient the peak must reach to be `confident`. Default 0.3. */
  minCorrelation?: number
  /** Largest ratio of the best correlation > 2 ms from the peak to the peak for `confident`. Default 0.9. */
  maxSidePeakRatio?: number
  /** Analysis sample rate. Default: the lower of the two rates, at most 16 000 Hz. */
  analysisRate?: number
}

/** What `estimateDelay` found. */
export interface DelayEstimate {
  /** How much later the reference's content appears in the recording, ms (sub-sample precision). */
  delayMs: number
  /** Normalised correlation coefficient at the peak over the overlapping part (−1 … 1). */
  correlation: number
  /** The best correlation more than 2 ms away from the peak, divided by the peak (0 … 1; 1 = ambiguous). */
  sidePeakRatio: number
  /** True when the peak is strong and unique enough to trust (see the module notes). */
  confident: boolean
  /** When not confident: why, in words. */
  reason?: string
  /** Sample rate the correlation was computed at. */
  analysisRate: number
}

function toAnalysis(pcm: PcmAudio, rate: number): Float64Array {
  const src = pcm.sampleRate === rate ? pcm.samples : resample(pcm.samples, pcm.sampleRate, rate)
  const out = new Float64Array(src.length)
  let mean = 0
  for (let i = 0; i < src.length; i++) mean += src[i] as number
  mean = src.length > 0 ? mean / src.length : 0
  for (let i = 0; i < src.length; i++) out[i] = (src[i] as number) - mean
  return out
}

function checkPcm(name: string, pcm: PcmAudio): void {
  if (pcm === null || typeof pcm !== 'object' || !(pcm.samples instanceof Int16Array)) {
    throw new TypeError(`estimateDelay: ${name} must be PcmAudio ({ sampleRate, samples: Int16Array })`)
  }
  if (!Number.isInteger(pcm.sampleRate) || pcm.sampleRate <= 0) {
    throw new RangeError(`estimateDelay: ${name}.sampleRate must be a positive integer, got ${pcm.sampleRate}`)
  }
}

/**
 * The cross-correlation `c[L] = Σ a[n]·b[n + L]` for L = `minLag … maxLag`, by FFT. Index i of the
 * result is lag `minLag + i`. Lags without any overlap give 0.
 */
export function crossCorrelate(a: Float64Array, b: Float64Array, minLag: number, maxLag: number): Float64Array {
  const n = nextPowerOfTwo(a.length + b.length)
  const ar = new Float64Array(n)
  const ai = new Float64Array(n)
  const br = new Float64Array(n)
  const bi = new Float64Array(n)
  ar.set(a)
  br.set(b)
  fft(ar, ai)
  fft(br, bi)
  // B · conj(A), then inverse by the conjugate trick: ifft(X) = conj(fft(conj(X))) / n
  for (let k = 0; k < n; k++) {
    const xr = (br[k] as number) * (ar[k] as number) + (bi[k] as number) * (ai[k] as number)
    const xi = (bi[k] as number) * (ar[k] as number) - (br[k] as number) * (ai[k] as number)
    ar[k] = xr
    ai[k] = -xi
  }
  fft(ar, ai)
  const out = new Float64Array(maxLag - minLag + 1)
  for (let L = minLag; L <= maxLag; L++) {
    if (L >= b.length || -L >= a.length) continue
    const idx = L >= 0 ? L : n + L
    out[L - minLag] = (ar[idx] as number) / n
  }
  return out
}

function prefixEnergy(x: Float64Array): Float64Array {
  const p = new Float64Array(x.length + 1)
  for (let i = 0; i < x.length; i++) p[i + 1] = (p[i] as number) + (x[i] as number) ** 2
  return p
}

/**
 * Estimates how much later `reference` appears in `recording` (see the module notes for the method
 * and its accuracy). Never throws on weak input: no match gives `confident: false` with a `reason`.
 * Throws a TypeError/RangeError only for malformed arguments.
 */
export function estimateDelay(reference: PcmAudio, recording: PcmAudio, options: DelayOptions = {}): DelayEstimate {
  checkPcm('reference', reference)
  checkPcm('recording', recording)
  const maxDelayMs = options.maxDelayMs ?? 1000
  const minDelayMs = options.minDelayMs ?? 0
  if (!Number.isFinite(maxDelayMs) || !Number.isFinite(minDelayMs) || minDelayMs > maxDelayMs) {
    throw new RangeError(`estimateDelay: need finite minDelayMs ≤ maxDelayMs, got ${minDelayMs} … ${maxDelayMs}`)
  }
  const rate = options.analysisRate ?? Math.min(reference.sampleRate, recording.sampleRate, 16000)
  const minCorrelation = options.minCorrelation ?? 0.3
  const maxSide = options.maxSidePeakRatio ?? 0.9
  const fail = (reason: string): DelayEstimate => ({ delayMs: Number.NaN, correlation: 0, sidePeakRatio: 1, confident: false, reason, analysisRate: rate })
  if (reference.samples.length === 0) return fail('the reference is empty')
  if (recording.samples.length === 0) return fail('the recording is empty')
  const a = toAnalysis(reference, rate)
  const b = toAnalysis(recording, rate)
  const minLag = Math.max(Math.ceil((minDelayMs * rate) / 1000), -(a.length - 1))
  const maxLag = Math.min(Math.floor((maxDelayMs * rate) / 1000), b.length - 1)
  if (minLag > maxLag) return fail(`no overlap between the signals for delays ${minDelayMs} … ${maxDelayMs} ms`)
  // one extra lag on each side, so a peak at the edge of the range can still be refined
  const lo = minLag - 1
  const c = crossCorrelate(a, b, lo, maxLag + 1)
  let best = -1
  let bestV = Number.NEGATIVE_INFINITY
  for (let i = 1; i < c.length - 1; i++) {
    const v = c[i] as number
    if (v > bestV) {
      bestV = v
      best = i
    }
  }
  const lag = lo + best
  // normalised coefficient over the overlap: ref[n], n ∈ [max(0,−L), min(Na, Nb−L))
  const ea = prefixEnergy(a)
  const eb = prefixEnergy(b)
  const n0 = Math.max(0, -lag)
  const n1 = Math.min(a.length, b.length - lag)
  const energyA = (ea[n1] as number) - (ea[n0] as number)
  const energyB = (eb[n1 + lag] as number) - (eb[n0 + lag] as number)
  if (energyA <= 0) return fail('the reference is silent where it overlaps the recording')
  if (energyB <= 0) return fail('the recording is silent where it overlaps the reference')
  const correlation = bestV / Math.sqrt(energyA * energyB)
  // sub-sample refinement
  let frac = 0
  {
    const y0 = c[best - 1] as number
    const y1 = bestV
    const y2 = c[best + 1] as number
    const den = y0 - 2 * y1 + y2
    if (den < 0) frac = Math.max(-0.5, Math.min(0.5, (0.5 * (y0 - y2)) / den))
  }
  // uniqueness: the best value more than 2 ms from the peak
  const guard = Math.max(2, Math.round((2 * rate) / 1000))
  let side = 0
  for (let i = 1; i < c.length - 1; i++) if (Math.abs(i - best) > guard && (c[i] as number) > side) side = c[i] as number
  const sidePeakRatio = bestV > 0 ? side / bestV : 1
  const delayMs = ((lag + frac) * 1000) / rate
  let reason: string | undefined
  if (!(correlation >= minCorrelation))
    reason = `correlation ${correlation.toFixed(3)} is below ${minCorrelation}: the recording does not contain the reference within ${minDelayMs} … ${maxDelayMs} ms`
  else if (sidePeakRatio > maxSide)
    reason = `ambiguous: another lag correlates ${(sidePeakRatio * 100).toFixed(1)} % as well (a periodic signal such as a steady tone has no unique delay)`
  return { delayMs, correlation, sidePeakRatio, confident: reason === undefined, ...(reason === undefined ? {} : { reason }), analysisRate: rate }
}
