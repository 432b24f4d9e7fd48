/**
 * In-band DTMF (ITU-T Q.23 dual tones): a generator source and a detector on decoded PCM. Pure, no I/O.
 *
 * Detector (Q.24-style): the signal is cut into blocks of 25.6 ms (205 samples at 8 kHz, scaled for other
 * rates) every 12.8 ms; in each block a generalised Goertzel filter measures the 8 Q.23 frequencies. A block
 * holds a digit when
 * - the strongest low-group and high-group tones are each at least `minLevelDbfs` (default −30 dBFS);
 * - the twist (high-group level − low-group level) is within −`normalTwistDb` … +`reverseTwistDb` (8 / 4 dB);
 * - each of the two stands `relativePeakDb` (6 dB) above the other frequencies of its group;
 * - the two tones carry at least `minToneFraction` (70 %) of the block's power (rejects speech and noise).
 * Consecutive blocks with the same digit form one digit; it is reported when it lasts at least
 * `minDurationMs` (40 ms, the shortest tone Q.24 requires to be accepted). A dropout of one block inside a
 * digit is bridged; a longer pause (≥ 2 blocks, ~25 ms) separates two presses of the same key.
 * Timing accuracy: start and duration are within about one hop (12.8 ms) of the truth.
 *
 * @module
 */
import { RtcspecError } from '../errors.ts'
import { FULL_SCALE, sineAmplitudeForDbfs } from './levels.ts'
import type { AudioSource, DetectedDigit } from './types.ts'

/** Q.23 low-group (row) frequencies, Hz. */
export const DTMF_LOW_HZ = [697, 770, 852, 941] as const
/** Q.23 high-group (column) frequencies, Hz. */
export const DTMF_HIGH_HZ = [1209, 1336, 1477, 1633] as const
const KEYPAD = ['123A', '456B', '789C', '*0#D'] as const

/** The (low, high) frequency pair of a DTMF digit. Throws for characters outside `0-9 * # A-D`. */
export function dtmfFrequencies(digit: string): [number, number] {
  const d = digit.toUpperCase()
  for (let r = 0; r < 4; r++) {
    const c = d.length === 1 ? (KEYPAD[r] as string).indexOf(d) : -1
    if (c >= 0) return [DTMF_LOW_HZ[r] as number, DTMF_HIGH_HZ[c] as number]
  }
  throw new RtcspecError('DTMF_DIGIT', `"${digit}" is not a DTMF digit`, { hint: 'use the characters 0-9 * # A-D' })
}

/** Options of `dtmfTones`. */
export interface DtmfTonesOptions {
  /** Output sample rate, Hz. Default 8000. */
  sampleRate?: number
  /** Tone length per digit, ms. Default 100. */
  durationMs?: number
  /** Silence after each digit, ms. Default 100. */
  gapMs?: number
  /** Silence before the first digit, ms. Default 0. */
  leadMs?: number
  /** Level of each of the two tones, dBFS (AES17). Default −10 (the pair peaks at about −4 dBFS). */
  dbfs?: number
  /** High-group level minus low-group level, dB (positive = reverse twist). Default 0. */
  twistDb?: number
}

/**
 * An in-band DTMF source: each digit as its Q.23 tone pair for `durationMs`, then `gapMs` of silence;
 * ends after the last gap. Phase starts at 0 for each digit.
 */
export function dtmfTones(digits: string, options: DtmfTonesOptions = {}): AudioSource {
  const sampleRate = options.sampleRate ?? 8000
  if (!Number.isFinite(sampleRate) || sampleRate < 4000)
    throw new RangeError(`dtmfTones: sampleRate must be ≥ 4000 Hz (1633 Hz must stay below Nyquist), got ${sampleRate}`)
  const durationMs = options.durationMs ?? 100
  const gapMs = options.gapMs ?? 100
  const leadMs = options.leadMs ?? 0
  for (const [k, v] of [
    ['durationMs', durationMs],
    ['gapMs', gapMs],
    ['leadMs', leadMs],
  ] as const) {
    if (!Number.isFinite(v) || v < 0) throw new RangeError(`dtmfTones: ${k} must be a finite number ≥ 0, got ${v}`)
  }
  const pairs = [...digits].map(dtmfFrequencies)
  if (pairs.length === 0) throw new RtcspecError('DTMF_DIGIT', 'dtmfTones: no digits given', { hint: "pass e.g. '123#'" })
  const lowAmp = sineAmplitudeForDbfs(options.dbfs ?? -10)
  const highAmp = lowAmp * 10 ** ((options.twistDb ?? 0) / 20)
  if (lowAmp + highAmp > 32767) throw new RangeError('dtmfTones: the two tones would clip; lower dbfs')
  const tone = Math.round((durationMs * sampleRate) / 1000)
  const gap = Math.round((gapMs * sampleRate) / 1000)
  const lead = Math.round((leadMs * sampleRate) / 1000)
  const per = tone + gap
  const total = lead + pairs.length * per
  let pos = 0
  return {
    sampleRate,
    description: `dtmfTones("${digits}", ${durationMs} ms on, ${gapMs} ms off, ${sampleRate} Hz)`,
    read(out: Int16Array): boolean {
      if (pos >= total) {
        out.fill(0)
        return false
      }
      for (let i = 0; i < out.length; i++, pos++) {
        const t = pos - lead
        if (pos >= total || t < 0) {
          out[i] = 0
          continue
        }
        const k = Math.floor(t / per)
        const inDigit = t - k * per
        if (inDigit >= tone) {
          out[i] = 0
          continue
        }
        const [lo, hi] = pairs[k] as [number, number]
        const x = (2 * Math.PI * inDigit) / sampleRate
        out[i] = Math.round(lowAmp * Math.sin(lo * x) + highAmp * Math.sin(hi * x))
      }
      return true
    },
  }
}

/** Options of `detectDtmf`. */
export interface DetectDtmfOptions {
  /** Quietest tone (each of the pair) accepted, dBFS. Default −30. */
  minLevelDbfs?: number
  /** Largest high-group deficit accepted, dB. Default 8. */
  normalTwistDb?: number
  /** Largest high-group excess accepted, dB. Default 4. */
  reverseTwistDb?: number
  /** How far each tone must stand above the rest of its group, dB. Default 6. */
  relativePeakDb?: number
  /** Smallest share of the block power the pair must carry, 0..1. Default 0.7. */
  minToneFraction?: number
  /** Shortest digit reported, ms. Default 40. */
  minDurationMs?: number
}

/** Power of `hz` in `pcm[from, from+n)` relative to a full-scale sine (generalised Goertzel, rectangular window). */
function goertzel(pcm: Int16Array, from: number, n: number, coeff: number): number {
  let s1 = 0
  let s2 = 0
  for (let i = from, end = from + n; i < end; i++) {
    const s = (pcm[i] as number) + coeff * s1 - s2
    s2 = s1
    s1 = s
  }
  const mag2 = Math.max(0, s1 * s1 + s2 * s2 - coeff * s1 * s2)
  return (4 * mag2) / (n * n * FULL_SCALE * FULL_SCALE)
}

function strongest(powers: number[]): { index: number; power: number; others: number } {
  let index = 0
  for (let i = 1; i < powers.length; i++) if ((powers[i] as number) > (powers[index] as number)) index = i
  let others = 0
  for (let i = 0; i < powers.length; i++) if (i !== index) others = Math.max(others, powers[i] as number)
  return { index, power: powers[index] as number, others }
}

/** Finds in-band DTMF digits in `pcm` (see the module notes for the checks). Returns them in order. */
export function detectDtmf(pcm: Int16Array, sampleRate: number, options: DetectDtmfOptions = {}): DetectedDigit[] {
  if (!Number.isFinite(sampleRate) || sampleRate < 4000) throw new RangeError(`detectDtmf: sampleRate must be ≥ 4000 Hz, got ${sampleRate}`)
  const minLevel = 10 ** ((options.minLevelDbfs ?? -30) / 10)
  const normalTwist = options.normalTwistDb ?? 8
  const reverseTwist = options.reverseTwistDb ?? 4
  const relPeak = 10 ** ((options.relativePeakDb ?? 6) / 10)
  const minFraction = options.minToneFraction ?? 0.7
  const minDurationMs = options.minDurationMs ?? 40
  const n = Math.round((sampleRate * 205) / 8000)
  const hop = Math.max(1, n >> 1)
  const lowCoeff = DTMF_LOW_HZ.map((f) => 2 * Math.cos((2 * Math.PI * f) / sampleRate))
  const highCoeff = DTMF_HIGH_HZ.map((f) => 2 * Math.cos((2 * Math.PI * f) / sampleRate))
  const ms = (samples: number) => (samples * 1000) / sampleRate
  const out: DetectedDigit[] = []
  let cur: { digit: string; start: number; end: number; miss: number } | undefined
  const flush = () => {
    if (cur && ms(cur.end - cur.start) >= minDurationMs) {
      out.push({ digit: cur.digit, method: 'inband', startMs: ms(cur.start), durationMs: ms(cur.end - cur.start) })
    }
    cur = undefined
  }
  for (let from = 0; from + n <= pcm.length; from += hop) {
    let energy = 0
    for (let i = from; i < from + n; i++) energy += (pcm[i] as number) ** 2
    // the block's power in the same unit as goertzel(): a full-scale sine is 1
    const blockPower = (2 * energy) / (n * FULL_SCALE * FULL_SCALE)
    let digit: string | undefined
    if (blockPower > 0) {
      const low = strongest(lowCoeff.map((c) => goertzel(pcm, from, n, c)))
      const high = strongest(highCoeff.map((c) => goertzel(pcm, from, n, c)))
      const twistDb = 10 * Math.log10(high.power / low.power)
      if (
        low.power >= minLevel &&
        high.power >= minLevel &&
        twistDb >= -normalTwist &&
        twistDb <= reverseTwist &&
        low.power >= relPeak * low.others &&
        high.power >= relPeak * high.others &&
        (low.power + high.power) / blockPower >= minFraction
      ) {
        digit = (KEYPAD[low.index] as string)[high.index]
      }
    }
    if (digit !== undefined && cur?.digit === digit) {
      cur.end = from + n
      cur.miss = 0
    } else if (digit !== undefined) {
      flush()
      cur = { digit, start: from, end: from + n, miss: 0 }
    } else if (cur) {
      // bridge a single-block dropout; a longer pause ends the digit
      if (++cur.miss >= 2) flush()
    }
  }
  flush()
  return out
}
