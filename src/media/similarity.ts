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
 *    reference is not penalised for the band it cannot carry) and are aligned with `estimateDelay`
 *    (or a delay you give);
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
 * | first half of the sentence only | < 0.7 |
 * | the other sentence (plain, PCMU, Opus) | ≤ 0.012 |
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
}

/** The result of `similarity`. */
export interface SimilarityResult {
  /** 0 … 1: Pearson correlation of the aligned, mean-removed log mel spectrograms (clamped at 0). */
  score: number
  /** Alignment used, ms. */
  delayMs: number
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

function to8k(pcm: PcmAudio): Int16Array {
  return pcm.sampleRate === RATE ? pcm.samples : resample(pcm.samples, pcm.sampleRate, RATE)
}

/**
 * Similarity of `recording` to `reference` (see the module notes for the measure, its justification
 * and measured values). Never throws on weak input; a silent signal scores 0 with a `reason`.
 */
export function similarity(reference: PcmAudio, recording: PcmAudio, options: SimilarityOptions = {}): SimilarityResult {
  for (const [name, p] of [['reference', reference], ['recording', recording]] as const) {
    if (p === null || typeof p !== 'object' || !(p.samples instanceof Int16Array) || !Number.isInteger(p.sampleRate) || p.sampleRate <= 0) {
      throw new TypeError(`similarity: ${name} must be PcmAudio ({ sampleRate: positive integer, samples: Int16Array })`)
    }
  }
  const ref = to8k(reference)
  const rec = to8k(recording)
  let delay: DelayEstimate | undefined
  let delayMs = options.delayMs
  if (delayMs === undefined) {
    delay = estimateDelay({ sampleRate: RATE, samples: ref }, { sampleRate: RATE, samples: rec }, { maxDelayMs: options.maxDelayMs ?? 1000, minDelayMs: 0 })
    delayMs = Number.isFinite(delay.delayMs) ? delay.delayMs : 0
  }
  const shift = Math.round((delayMs * RATE) / 1000)
  // the recording as it lines up with the reference, over the reference's length
  const aligned = new Int16Array(ref.length)
  for (let i = 0; i < ref.length; i++) {
    const j = i + shift
    if (j >= 0 && j < rec.length) aligned[i] = rec[j] as number
  }
  const frames = Math.max(1, Math.floor((ref.length - FRAME) / HOP) + 1)
  const refSpec = melSpectrogram(ref, frames)
  const active = activeFrames(refSpec, frames)
  const base = { delayMs, ...(delay ? { delay } : {}), frames: active.length }
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
  if (saa === 0 || sbb === 0) return { score: 0, ...base, reason: saa === 0 ? 'the reference does not change over time' : 'the recording does not change over time' }
  const r = sab / Math.sqrt(saa * sbb)
  return { score: Math.max(0, r), ...base }
}
