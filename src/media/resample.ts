/**
 * Sample-rate conversion by Kaiser-windowed sinc interpolation (band-limited, polyphase).
 *
 * Quality with the defaults (32 zero crossings per side, Kaiser β = 9, cutoff at 0.94 × the lower
 * Nyquist frequency), measured by `test/media/resample.test.ts` on 48k→8k, 44.1k→8k, 22.05k→8k,
 * 16k→8k, 8k→16k, 8k→48k and 44.1k→48k:
 * - a tone up to 0.8 × the lower Nyquist frequency (3.2 kHz for 8 kHz) keeps its level within
 *   0.01 dB, and its difference to the ideal tone at the new rate is below -80 dB (PCM16 rounding
 *   dominates); at 0.9 × Nyquist (transition band) it is about 0.7 dB down;
 * - when downsampling, a tone above 0.53 × the new rate (i.e. beyond the transition band) is
 *   attenuated by more than 85 dB instead of aliasing.
 * The signal is treated as zero outside the buffer, so about 32 output samples (at the lower rate)
 * at each end carry the filter's edge transient.
 *
 * Cost: rates with a small common ratio (up to 4096 phases, e.g. every pair of 8/16/22.05/44.1/48 kHz)
 * use a precomputed polyphase table, about 10 ms per second of audio; co-prime rates evaluate the
 * kernel per tap and are ~25× slower.
 *
 * Intended for preparing files (e.g. a 44.1 kHz WAV for an 8 kHz call), not for per-frame hot paths.
 *
 * @module
 */

/** Tuning of `resample`; the defaults suit telephony and wideband speech. */
export interface ResampleOptions {
  /** Zero crossings of the sinc on each side (filter half-length at the lower rate). Default 32. */
  zeroCrossings?: number
  /** Kaiser window β (stop-band attenuation ≈ 8.7 × β dB). Default 9. */
  beta?: number
  /** Cutoff as a fraction of the lower Nyquist frequency. Default 0.94. */
  rolloff?: number
}

/** Largest number of polyphase phases precomputed; above it the kernel is evaluated per tap. */
const MAX_PHASES = 4096

function gcd(a: number, b: number): number {
  while (b !== 0) {
    const t = a % b
    a = b
    b = t
  }
  return a
}

/** Zeroth-order modified Bessel function of the first kind (power series). */
function besselI0(x: number): number {
  let sum = 1
  let term = 1
  const q = (x * x) / 4
  for (let k = 1; k < 64; k++) {
    term *= q / (k * k)
    sum += term
    if (term < sum * 1e-17) break
  }
  return sum
}

/**
 * Resamples mono PCM16 from `fromRate` to `toRate` (positive integers, Hz) with a Kaiser-windowed sinc.
 * Returns `round(pcm.length × toRate / fromRate)` samples, rounded and clamped to Int16.
 * Equal rates return a copy.
 */
export function resample(pcm: Int16Array, fromRate: number, toRate: number, options: ResampleOptions = {}): Int16Array {
  for (const [name, r] of [
    ['fromRate', fromRate],
    ['toRate', toRate],
  ] as const) {
    if (!Number.isInteger(r) || r <= 0) throw new RangeError(`resample: ${name} must be a positive integer number of Hz, got ${r}`)
  }
  if (fromRate === toRate) return pcm.slice()
  const zc = options.zeroCrossings ?? 32
  const beta = options.beta ?? 9
  const rolloff = options.rolloff ?? 0.94
  const g = gcd(fromRate, toRate)
  const L = toRate / g // output steps per M input samples
  const M = fromRate / g
  const fc = 0.5 * Math.min(1, L / M) * rolloff // cutoff, cycles per input sample
  const halfWidth = zc / (2 * fc) // in input samples
  const H = Math.ceil(halfWidth)
  const T = 2 * H
  const i0beta = besselI0(beta)
  const kernel = (d: number): number => {
    const x = d / halfWidth
    if (x <= -1 || x >= 1) return 0
    const w = besselI0(beta * Math.sqrt(1 - x * x)) / i0beta
    const a = 2 * fc * d
    const sinc = a === 0 ? 1 : Math.sin(Math.PI * a) / (Math.PI * a)
    return 2 * fc * sinc * w
  }
  const outLen = Math.round((pcm.length * toRate) / fromRate)
  const out = new Int16Array(outLen)
  const n = pcm.length
  const taps = new Float64Array(T)
  const fillTaps = (frac: number, dst: Float64Array, offset: number): void => {
    let sum = 0
    for (let i = 0; i < T; i++) {
      const v = kernel(frac + H - 1 - i)
      dst[offset + i] = v
      sum += v
    }
    // normalise every phase to unit DC gain
    if (sum !== 0) for (let i = 0; i < T; i++) dst[offset + i] = (dst[offset + i] as number) / sum
  }
  const table = L <= MAX_PHASES ? new Float64Array(L * T) : undefined
  if (table !== undefined) for (let p = 0; p < L; p++) fillTaps(p / L, table, p * T)
  for (let j = 0; j < outLen; j++) {
    const pos = j * M
    const base = Math.floor(pos / L)
    const p = pos - base * L
    let coeffs: Float64Array
    let off: number
    if (table !== undefined) {
      coeffs = table
      off = p * T
    } else {
      fillTaps(p / L, taps, 0)
      coeffs = taps
      off = 0
    }
    const k0 = base - H + 1
    const iStart = k0 < 0 ? -k0 : 0
    const iEnd = k0 + T > n ? n - k0 : T
    let acc = 0
    for (let i = iStart; i < iEnd; i++) acc += (pcm[k0 + i] as number) * (coeffs[off + i] as number)
    const v = Math.round(acc)
    out[j] = v > 32767 ? 32767 : Math.max(v, -32768)
  }
  return out
}
