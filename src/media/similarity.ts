/**
 * How much a recording resembles a reference: a score 0 … 1 from the correlation of their
 * time-aligned log mel-band spectrograms.
 *
 * Why this measure. A waveform measure (sample correlation, segmental SNR) is right for G.711, which
 * keeps the waveform, but wrong for Opus, which keeps what the ear hears (spectral envelope over time)
 * and not the phase: a good Opus copy can have a poor waveform SNR. Perceptual models (PESQ/POLQA,
 * ViSQOL) compare exactly that — the spectro-temporal envelope — and so does this, in a much simpler
 * form that does not claim to predict MOS:
 * 1. both signals go to 8 kHz (the telephone band, so a narrowband G.711 recording of a wideband
 *    reference is not penalised for the band it cannot carry) and aligned with `estimateDelay`
 *    segment by segment (1 s each; the first segment with content is searched over the whole delay
 *    range), so a gap a sender stall inserted into the recording shifts only what follows it;
 * 2. 32 ms Hann frames every 16 ms, 24 triangular mel bands from 100 to 3800 Hz, energy in dB;
 *    each signal is floored 50 dB below its own loudest band (so background hiss does not count);
 * 3. each band's mean over time is subtracted per signal, which removes level differences and any
 *    fixed frequency response (a telephone filter, a codec's tilt);
 * 4. the score is the Pearson correlation of the two spectrograms over the frames where the
 *    reference is active (total energy within 40 dB of its loudest frame; the recording is padded
 *    with silence where it does not reach), clamped at 0. Pauses of the reference are left out, so
 *    silence-matches-silence cannot make unrelated signals look alike.
 *
 * Same speech through a codec keeps the same formant and voicing pattern frame by frame and scores
 * high; different speech, noise or silence does not. Measured (`test/media/similarity.test.ts`, two
 * espeak-ng sentences, the recording delayed 60–140 ms):
 *
 * | recording | score |
 * |---|---|
 * | same sentence through PCMU / PCMA | 0.999 / 0.999 |
 * | same sentence through Opus 16 / 32 kbit/s | 0.986 / 0.995 |
 * | same, -20 dB, noise at -45 dBFS, PCMU | 0.89 |
 * | same through PCMU with 3 gaps inserted (120/300/80 ms): per-segment alignment / one alignment | 0.905 / 0.30 |
 * | first half of the sentence only | < 0.7 |
 * | the other sentence (plain, PCMU, Opus) | ≤ 0.05 |
 * | white noise, a 440 Hz tone, silence | 0 |
 *
 * The default threshold of `toResemble`, `SIMILARITY_THRESHOLD` = 0.7, sits between those groups with
 * a wide margin on both sides. A steady tone is not a good reference for this measure (it does not
 * change over time): use `toContainTone` for tones.
 *
 * @module
 */
import { estimateDelay, type DelayEstimate } from './delay.ts'
import { fft, hannWindow } from './fft.ts'
import { resample } from './resample.ts'
import type { PcmAudio } from './types.ts'

/** The default score `toResemble` requires (see the module notes for the measured values). */
export const SIMILARITY_THRESHOLD = 0.7

const RATE = 8000
const FRAME = 256
const HOP = 128
const BANDS = 24
const LOW_HZ = 100
const HIGH_HZ = 3800
const FLOOR_DB = 50

/** Options of `similarity`. */
export interface SimilarityOptions {
  /** Use this alignment (ms the reference appears later in the recording) instead of estimating it. */
  delayMs?: number
  /** Largest delay searched when estimating the alignment. Default 1000 ms. */
  maxDelayMs?: number
  /**
   * Re-align each 1 s segment of the reference on its own (default true), so a gap inserted in the
   * recording (a sender stall, a jitter-buffer adjustment) shifts only what follows it instead of
   * misaligning everything. The first segment with content is searched over the whole delay range
   * (or from 100 ms before to 1 s after a given `delayMs`), each later one from 100 ms before to 1 s
   * after the previous segment's offset; a segment whose alignment is not confident keeps the
   * previous offset.
   */
  realign?: boolean
}

/** The result of `similarity`. */
export interface SimilarityResult {
  /** 0 … 1: Pearson correlation of the aligned, mean-removed log mel spectrograms (clamped at 0). */
  score: number
  /** Alignment of the start of the reference, ms. */
  delayMs: number
  /** Per-segment alignment (when `realign`): how many 1 s segments, how many were re-aligned confidently, and the offsets' range, ms. */
  segments?: { count: number; aligned: number; minOffsetMs: number; maxOffsetMs: number }
  /** The delay estimate behind the alignment, when it was estimated. */
  delay?: DelayEstimate
  /** Frames compared: those where the reference is active (within 40 dB of its loudest frame). */
  frames: number
  /** Why the score is 0 without comparison (silent reference or recording), if so. */
  reason?: string
}

let melCache: Array<{ lo: number; hi: number; weights: Float64Array }> | undefined

function melFilters(): Array<{ lo: number; hi: number; weights: Float64Array }> {
  if (melCache) return melCache
  const mel = (f: number) => 2595 * Math.log10(1 + f / 700)
  const hz = (m: number) => 700 * (10 ** (m / 2595) - 1)
  const m0 = mel(LOW_HZ)
  const m1 = mel(HIGH_HZ)
  const edges: number[] = []
  for (let i = 0; i < BANDS + 2; i++) edges.push(hz(m0 + ((m1 - m0) * i) / (BANDS + 1)))
  const binHz = RATE / FRAME
  const filters: Array<{ lo: number; hi: number; weights: Float64Array }> = []
  for (let b = 0; b < BANDS; b++) {
    const left = edges[b] as number
    const centre = edges[b + 1] as number
    const right = edges[b + 2] as number
    const lo = Math.max(1, Math.floor(left / binHz))
    const hi = Math.min(FRAME / 2, Math.ceil(right / binHz))
    const weights = new Float64Array(hi - lo + 1)
    for (let k = lo; k <= hi; k++) {
      const f = k * binHz
      const w = f <= centre ? (f - left) / (centre - left) : (right - f) / (right - centre)
      weights[k - lo] = Math.max(0, w)
    }
    filters.push({ lo, hi, weights })
  }
  melCache = filters
  return filters
}

/**
 * The log mel-band spectrogram used by `similarity`: `frames × 24` band energies in dB (not floored),
 * row-major, for 8 kHz PCM (32 ms Hann frames, 16 ms hop, bands 100 … 3800 Hz).
 */
export function melSpectrogram(pcm8k: Int16Array, frames: number): Float64Array {
  const filters = melFilters()
  const win = hannWindow(FRAME)
  const re = new Float64Array(FRAME)
  const im = new Float64Array(FRAME)
  const out = new Float64Array(frames * BANDS)
  for (let f = 0; f < frames; f++) {
    const start = f * HOP
    for (let i = 0; i < FRAME; i++) {
      const idx = start + i
      re[i] = idx < pcm8k.length ? ((pcm8k[idx] as number) / 32768) * (win[i] as number) : 0
    }
    im.fill(0)
    fft(re, im)
    for (let b = 0; b < BANDS; b++) {
      const { lo, hi, weights } = filters[b]!
      let e = 0
      for (let k = lo; k <= hi; k++) e += (weights[k - lo] as number) * ((re[k] as number) ** 2 + (im[k] as number) ** 2)
      out[f * BANDS + b] = 10 * Math.log10(e + 1e-20)
    }
  }
  return out
}

/** Frames whose total energy is within `ACTIVE_DB` of the loudest frame: where the reference has content. */
const ACTIVE_DB = 40

function activeFrames(spec: Float64Array, frames: number): number[] {
  const energy = new Float64Array(frames)
  let max = 0
  for (let f = 0; f < frames; f++) {
    let e = 0
    for (let b = 0; b < BANDS; b++) e += 10 ** ((spec[f * BANDS + b] as number) / 10)
    energy[f] = e
    if (e > max) max = e
  }
  const out: number[] = []
  if (!(max > 1e-15)) return out // all-zero input gives 1e-20 per band
  const min = max * 10 ** (-ACTIVE_DB / 10)
  for (let f = 0; f < frames; f++) if ((energy[f] as number) >= min) out.push(f)
  return out
}

/** The chosen frames of `spec`, floored `FLOOR_DB` below the signal's loudest band and band-mean removed. */
function floorAndCentre(spec: Float64Array, chosen: number[]): { values: Float64Array; silent: boolean } {
  let max = Number.NEGATIVE_INFINITY
  for (let i = 0; i < spec.length; i++) if ((spec[i] as number) > max) max = spec[i] as number
  const silent = !(max > -150) // all-zero input gives 10·log10(1e-20) = -200
  const floor = max - FLOOR_DB
  const n = chosen.length
  const values = new Float64Array(n * BANDS)
  for (let b = 0; b < BANDS; b++) {
    let mean = 0
    for (const f of chosen) mean += Math.max(floor, spec[f * BANDS + b] as number)
    mean /= n
    for (let i = 0; i < n; i++) values[i * BANDS + b] = Math.max(floor, spec[(chosen[i] as number) * BANDS + b] as number) - mean
  }
  return { values, silent }
}

const SEGMENT = RATE // 1 s
const BACK = RATE / 10 // search 100 ms before the previous offset
const AHEAD = RATE // … to 1 s after it

/** Rough RMS of a slice (for deciding whether a segment has content to align on). */
function rmsSlice(x: Int16Array, from: number, to: number): number {
  let s = 0
  for (let i = from; i < to; i++) s += (x[i] as number) ** 2
  return to > from ? Math.sqrt(s / (to - from)) : 0
}

/** What `placeSegments` found. */
interface SegmentAlignment {
  summary: NonNullable<SimilarityResult['segments']>
  /** The first confident segment's estimate (or, if none was, the first attempt), as an offset of the whole reference. */
  first?: DelayEstimate
}

/**
 * Aligns each 1 s segment of `ref` in `rec` (see `SimilarityOptions.realign`) and places it. Until a
 * segment aligns confidently, each segment with content is searched over `firstRange` (lags in
 * samples); after that, from 100 ms before to 1 s after the previous segment's offset.
 */
function placeSegments(
  ref: Int16Array,
  rec: Int16Array,
  initial: number,
  firstRange: [number, number],
  place: (from: number, to: number, offset: number) => void,
): SegmentAlignment {
  const bounds: Array<[number, number]> = []
  for (let s = 0; s < ref.length; s += SEGMENT) bounds.push([s, Math.min(ref.length, s + SEGMENT)])
  const last = bounds[bounds.length - 1]
  if (bounds.length > 1 && last !== undefined && last[1] - last[0] < SEGMENT / 2) {
    bounds.pop()
    bounds[bounds.length - 1]![1] = ref.length
  }
  let loudest = 0
  for (const [a, b] of bounds) loudest = Math.max(loudest, rmsSlice(ref, a, b))
  let prev = initial
  let found = false
  let first: DelayEstimate | undefined
  let aligned = 0
  let minOff = Number.POSITIVE_INFINITY
  let maxOff = Number.NEGATIVE_INFINITY
  for (const [a, b] of bounds) {
    let offset = prev
    // segments 40 dB below the loudest one (pauses) have nothing to align on
    if (rmsSlice(ref, a, b) > loudest / 100) {
      const winStart = Math.max(0, a + (found ? prev - BACK : firstRange[0]))
      const winEnd = Math.min(rec.length, b + (found ? prev + AHEAD : firstRange[1]))
      if (winEnd - winStart > b - a) {
        const d = estimateDelay(
          { sampleRate: RATE, samples: ref.subarray(a, b) },
          { sampleRate: RATE, samples: rec.subarray(winStart, winEnd) },
          { minDelayMs: 0, maxDelayMs: ((winEnd - winStart - 1) * 1000) / RATE },
        )
        const whole = { ...d, delayMs: ((winStart - a) * 1000) / RATE + d.delayMs }
        if (first === undefined || (!found && d.confident)) first = whole
        if (d.confident) {
          offset = winStart + Math.round((d.delayMs * RATE) / 1000) - a
          prev = offset
          found = true
          aligned++
        }
      }
    }
    place(a, b, offset)
    minOff = Math.min(minOff, offset)
    maxOff = Math.max(maxOff, offset)
  }
  return { summary: { count: bounds.length, aligned, minOffsetMs: (minOff * 1000) / RATE, maxOffsetMs: (maxOff * 1000) / RATE }, ...(first ? { first } : {}) }
}

function to8k(pcm: PcmAudio): Int16Array {
  return pcm.sampleRate === RATE ? pcm.samples : resample(pcm.samples, pcm.sampleRate, RATE)
}

/**
 * Similarity of `recording` to `reference` (see the module notes for the measure, its justification
 * and measured values). Never throws on weak input; a silent signal scores 0 with a `reason`.
 */
export function similarity(reference: PcmAudio, recording: PcmAudio, options: SimilarityOptions = {}): SimilarityResult {
  for (const [name, p] of [
    ['reference', reference],
    ['recording', recording],
  ] as const) {
    if (p === null || typeof p !== 'object' || !(p.samples instanceof Int16Array) || !Number.isInteger(p.sampleRate) || p.sampleRate <= 0) {
      throw new TypeError(`similarity: ${name} must be PcmAudio ({ sampleRate: positive integer, samples: Int16Array })`)
    }
  }
  const ref = to8k(reference)
  const rec = to8k(recording)
  const realign = options.realign !== false
  let delay: DelayEstimate | undefined
  let delayMs = options.delayMs
  if (delayMs === undefined && !realign) {
    delay = estimateDelay({ sampleRate: RATE, samples: ref }, { sampleRate: RATE, samples: rec }, { maxDelayMs: options.maxDelayMs ?? 1000, minDelayMs: 0 })
    delayMs = Number.isFinite(delay.delayMs) ? delay.delayMs : 0
  }
  const shift = Math.round(((delayMs ?? 0) * RATE) / 1000)
  // the recording as it lines up with the reference, over the reference's length
  const aligned = new Int16Array(ref.length)
  const place = (from: number, to: number, offset: number): void => {
    for (let i = from; i < to; i++) {
      const j = i + offset
      if (j >= 0 && j < rec.length) aligned[i] = rec[j] as number
    }
  }
  let segments: SimilarityResult['segments']
  if (!realign) place(0, ref.length, shift)
  else {
    const maxLag = Math.round(((options.maxDelayMs ?? 1000) * RATE) / 1000)
    const range: [number, number] = delayMs !== undefined ? [shift - BACK, shift + AHEAD] : [-BACK, maxLag + BACK]
    const result = placeSegments(ref, rec, shift, range, place)
    segments = result.summary
    if (delayMs === undefined) {
      // the alignment of the reference's start: the first segment that aligned (a segment search is
      // as good as a whole-signal one, and far cheaper than correlating everything once more)
      delay = result.first
      delayMs = delay?.confident ? delay.delayMs : 0
    }
  }
  const frames = Math.max(1, Math.floor((ref.length - FRAME) / HOP) + 1)
  const refSpec = melSpectrogram(ref, frames)
  const active = activeFrames(refSpec, frames)
  const base = { delayMs: delayMs ?? 0, ...(delay ? { delay } : {}), ...(segments ? { segments } : {}), frames: active.length }
  if (active.length === 0) return { score: 0, ...base, reason: 'the reference is silent' }
  const a = floorAndCentre(refSpec, active)
  const b = floorAndCentre(melSpectrogram(aligned, frames), active)
  if (b.silent) return { score: 0, ...base, reason: 'the recording is silent where the reference is' }
  let sab = 0
  let saa = 0
  let sbb = 0
  for (let i = 0; i < a.values.length; i++) {
    const x = a.values[i] as number
    const y = b.values[i] as number
    sab += x * y
    saa += x * x
    sbb += y * y
  }
  if (saa === 0 || sbb === 0)
    return { score: 0, ...base, reason: saa === 0 ? 'the reference does not change over time' : 'the recording does not change over time' }
  const r = sab / Math.sqrt(saa * sbb)
  return { score: Math.max(0, r), ...base }
}
