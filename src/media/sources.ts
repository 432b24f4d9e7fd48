/**
 * Synthetic and buffered audio sources (`AudioSource`): tones, multi-tones, silence, seeded noise
 * and in-memory PCM.
 *
 * All sources are pull-based and phase-continuous: reading 160 + 160 samples gives exactly the same
 * samples as reading 320 at once, whatever the frame sizes. `read` never allocates.
 *
 * End of stream: a source with a duration returns `true` from `read` while the frame it filled holds
 * at least one sample of its audio (the rest of that frame is zero padding), and `false` from the
 * first call after its audio is exhausted (the frame is then all zeros). So
 * `while (src.read(frame)) send(frame)` sends every sample and nothing past the last frame.
 *
 * Levels are in dBFS as defined in `levels.ts` (AES17: a full-scale sine is 0 dBFS).
 *
 * @module
 */
import { mulberry32Uint32 } from '../random.ts'
import type { AudioSource } from './types.ts'
import { rmsForDbfs, sineAmplitudeForDbfs } from './levels.ts'

/** Options common to the synthetic sources. */
export interface SynthOptions {
  /** Output sample rate in Hz. Default 8000. */
  sampleRate?: number
  /** Length of the audio; omitted = endless. */
  durationMs?: number
}

/** Options of `tone` and `tones`. */
export interface ToneOptions extends SynthOptions {
  /** Level of each tone, dBFS (AES17). Default -12. */
  dbfs?: number
}

/** Options of `noise`. */
export interface NoiseOptions extends SynthOptions {
  /** PRNG seed (32-bit); the same seed always gives the same samples. Default 1. */
  seed?: number
  /** RMS level of the noise, dBFS (AES17). Default -30. */
  dbfs?: number
}

/** Options of `pcmSource`. */
export interface PcmSourceOptions {
  /** Start over at the end instead of ending. Default false. */
  loop?: boolean
  /** Label for reports. Default `pcm(<n> samples @ <rate> Hz)`. */
  description?: string
}

function checkRate(sampleRate: number, where: string): void {
  if (!Number.isFinite(sampleRate) || sampleRate <= 0) {
    throw new RangeError(`${where}: sampleRate must be a positive number of Hz, got ${sampleRate}`)
  }
}

function totalSamples(durationMs: number | undefined, sampleRate: number, where: string): number {
  if (durationMs === undefined) return Number.POSITIVE_INFINITY
  if (!Number.isFinite(durationMs) || durationMs < 0) {
    throw new RangeError(`${where}: durationMs must be a finite number ≥ 0, got ${durationMs}`)
  }
  return Math.round((durationMs * sampleRate) / 1000)
}

function fmtDb(db: number): string {
  return `${Number(db.toFixed(2))} dBFS`
}

function fmtDuration(durationMs: number | undefined): string {
  return durationMs === undefined ? '' : `, ${durationMs} ms`
}

/**
 * Base of the finite/endless synthetic sources: tracks the position and pads the tail.
 * `gen(out, from, to)` writes samples into `out[from..to)`.
 */
function makeSource(sampleRate: number, description: string, total: number, gen: (out: Int16Array, from: number, to: number) => void): AudioSource {
  let pos = 0
  return {
    sampleRate,
    description,
    read(out: Int16Array): boolean {
      const remaining = total - pos
      if (remaining <= 0) {
        out.fill(0)
        return false
      }
      const n = Math.min(remaining, out.length)
      gen(out, 0, n)
      if (n < out.length) out.fill(0, n)
      pos += n
      return true
    },
  }
}

/**
 * A sine tone at `hz`, phase-continuous across frames, starting at phase 0.
 * Its level is `dbfs` (AES17, default -12 dBFS, i.e. a peak of 8231).
 * @example tone(440, { dbfs: -20, sampleRate: 48000, durationMs: 1000 })
 */
export function tone(hz: number, options: ToneOptions = {}): AudioSource {
  const dbfs = options.dbfs ?? -12
  const sampleRate = options.sampleRate ?? 8000
  checkRate(sampleRate, 'tone')
  return multiTone(
    [hz],
    sineAmplitudeForDbfs(dbfs),
    sampleRate,
    options.durationMs,
    `tone(${hz} Hz, ${fmtDb(dbfs)}, ${sampleRate} Hz${fmtDuration(options.durationMs)})`,
    'tone',
  )
}

/**
 * The sum of sine tones at each of `hzs` (e.g. a dual tone `[1000, 1500]`), all starting at phase 0.
 * Each tone has the level `dbfs` (default -12 dBFS) unless the sum could clip: then every tone is
 * lowered equally so the peaks add up to at most full scale (32767). The description gives the
 * level actually used.
 */
export function tones(hzs: readonly number[], options: ToneOptions = {}): AudioSource {
  if (hzs.length === 0) throw new RangeError('tones: give at least one frequency')
  const sampleRate = options.sampleRate ?? 8000
  checkRate(sampleRate, 'tones')
  let amp = sineAmplitudeForDbfs(options.dbfs ?? -12)
  if (amp * hzs.length > 32767) amp = 32767 / hzs.length
  const used = 20 * Math.log10(amp / 32768)
  const desc = `tones(${hzs.join('+')} Hz, ${fmtDb(used)} each, ${sampleRate} Hz${fmtDuration(options.durationMs)})`
  return multiTone(hzs, amp, sampleRate, options.durationMs, desc, 'tones')
}

function multiTone(hzs: readonly number[], amp: number, sampleRate: number, durationMs: number | undefined, description: string, where: string): AudioSource {
  for (const hz of hzs) {
    if (!Number.isFinite(hz) || hz < 0) throw new RangeError(`${where}: frequency must be a finite number of Hz ≥ 0, got ${hz}`)
    if (hz > sampleRate / 2)
      throw new RangeError(`${where}: ${hz} Hz is above the Nyquist frequency ${sampleRate / 2} Hz of a ${sampleRate} Hz source; raise sampleRate`)
  }
  const k = hzs.length
  // Phase in cycles, kept in [0, 1) so precision does not degrade over long runs. Within a block the
  // oscillator is a rotating phasor (4 multiplications per sample instead of Math.sin); it is
  // re-anchored from the exact phase every block, so rounding never accumulates.
  const BLOCK = 1024
  const phase = new Float64Array(k)
  const inc = Float64Array.from(hzs, (hz) => hz / sampleRate)
  const rotCos = Float64Array.from(inc, (f) => Math.cos(2 * Math.PI * f))
  const rotSin = Float64Array.from(inc, (f) => Math.sin(2 * Math.PI * f))
  const acc = new Float64Array(BLOCK)
  const TWO_PI = 2 * Math.PI
  const gen = (out: Int16Array, from: number, to: number): void => {
    for (let b = from; b < to; b += BLOCK) {
      const n = Math.min(BLOCK, to - b)
      acc.fill(0, 0, n)
      for (let j = 0; j < k; j++) {
        const p = phase[j] as number
        let c = Math.cos(TWO_PI * p)
        let sn = Math.sin(TWO_PI * p)
        const rc = rotCos[j] as number
        const rs = rotSin[j] as number
        for (let i = 0; i < n; i++) {
          acc[i] = (acc[i] as number) + sn
          const c2 = c * rc - sn * rs
          sn = sn * rc + c * rs
          c = c2
        }
        const q = p + n * (inc[j] as number)
        phase[j] = q - Math.floor(q)
      }
      for (let i = 0; i < n; i++) {
        const v = Math.round((acc[i] as number) * amp)
        out[b + i] = v > 32767 ? 32767 : Math.max(v, -32768)
      }
    }
  }
  return makeSource(sampleRate, description, totalSamples(durationMs, sampleRate, where), gen)
}

/** Digital silence (all zeros). */
export function silence(options: SynthOptions = {}): AudioSource {
  const sampleRate = options.sampleRate ?? 8000
  checkRate(sampleRate, 'silence')
  return makeSource(
    sampleRate,
    `silence(${sampleRate} Hz${fmtDuration(options.durationMs)})`,
    totalSamples(options.durationMs, sampleRate, 'silence'),
    (out, from, to) => {
      out.fill(0, from, to)
    },
  )
}

/**
 * The mulberry32 PRNG: returns a function giving uniform 32-bit unsigned integers.
 * Small, fast and fully determined by its 32-bit seed (shared implementation in src/random.ts).
 */
export const mulberry32: (seed: number) => () => number = mulberry32Uint32

/**
 * White noise, uniformly distributed, from a seeded mulberry32 PRNG: the same seed gives identical
 * samples. Its RMS level is `dbfs` (AES17, default -30 dBFS); the peak is √3 × RMS, so levels above
 * about -1.8 dBFS are clipped at full scale.
 */
export function noise(options: NoiseOptions = {}): AudioSource {
  const seed = options.seed ?? 1
  const dbfs = options.dbfs ?? -30
  const sampleRate = options.sampleRate ?? 8000
  checkRate(sampleRate, 'noise')
  // uniform on [-A, A) has RMS A / √3
  const a = rmsForDbfs(dbfs) * Math.sqrt(3)
  const scale = (2 * a) / 4294967296
  // PRNG state kept as an int32 (a small integer for V8, never a boxed double)
  let state = seed | 0
  const gen = (out: Int16Array, from: number, to: number): void => {
    let st = state
    for (let i = from; i < to; i++) {
      // mulberry32, inlined (same sequence as `mulberry32(seed)`)
      st = (st + 0x6d2b79f5) | 0
      let t = Math.imul(st ^ (st >>> 15), st | 1)
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
      const r = (t ^ (t >>> 14)) >>> 0
      const v = Math.round(r * scale - a)
      out[i] = v > 32767 ? 32767 : Math.max(v, -32768)
    }
    state = st
  }
  return makeSource(
    sampleRate,
    `noise(seed ${seed}, ${fmtDb(dbfs)}, ${sampleRate} Hz${fmtDuration(options.durationMs)})`,
    totalSamples(options.durationMs, sampleRate, 'noise'),
    gen,
  )
}

/**
 * Plays `samples` (not copied: do not modify them while the source is in use) at `sampleRate`,
 * once or looped. A looped empty buffer ends at once.
 */
export function pcmSource(samples: Int16Array, sampleRate: number, options: PcmSourceOptions = {}): AudioSource {
  checkRate(sampleRate, 'pcmSource')
  const loop = options.loop === true && samples.length > 0
  const n = samples.length
  const description = options.description ?? `pcm(${n} samples @ ${sampleRate} Hz${loop ? ', loop' : ''})`
  let pos = 0
  return {
    sampleRate,
    description,
    read(out: Int16Array): boolean {
      if (loop) {
        for (let i = 0; i < out.length; i++) {
          out[i] = samples[pos] as number
          pos++
          if (pos === n) pos = 0
        }
        return true
      }
      if (pos >= n) {
        out.fill(0)
        return false
      }
      const m = Math.min(out.length, n - pos)
      for (let i = 0; i < m; i++) out[i] = samples[pos + i] as number
      if (m < out.length) out.fill(0, m)
      pos += m
      return true
    },
  }
}

/**
 * Reads a source to its end (or `maxSamples`, required for endless sources) into one buffer,
 * in frames of `frameSize` samples. For tests and offline rendering, not for hot paths.
 * A finite source's last frame is kept whole, so the result may end with up to `frameSize - 1`
 * samples of zero padding; use `frameSize = 1` for the exact length.
 */
export function readAll(source: AudioSource, maxSamples: number, frameSize = 160): Int16Array {
  if (!Number.isFinite(maxSamples) || maxSamples < 0) throw new RangeError(`readAll: maxSamples must be a finite number ≥ 0, got ${maxSamples}`)
  const out = new Int16Array(maxSamples)
  const frame = new Int16Array(frameSize)
  let pos = 0
  while (pos < maxSamples) {
    const more = source.read(frame)
    if (!more) break
    const m = Math.min(frameSize, maxSamples - pos)
    out.set(m === frameSize ? frame : frame.subarray(0, m), pos)
    pos += m
  }
  return pos === maxSamples ? out : out.slice(0, pos)
}
