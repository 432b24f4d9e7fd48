/**
 * A JSON-safe summary of a recording for reports: duration, level, silence, gaps, clipping, the
 * dominant frequency and, when asked, how well given tones are present. Pure; built from the
 * functions in `analysis.ts`.
 *
 * @module
 */
import { clippingRatio, detectTone, dominantFrequency, rmsDbfs, silenceRatio, silentGaps } from './analysis.ts'
import type { PcmAudio } from './types.ts'

/** What `summarizeAudio` reports. Non-finite numbers (e.g. the level of silence) are `null`. */
export interface AudioSummary {
  sampleRate: number
  durationMs: number
  /** RMS level, dBFS (AES17); null for digital silence or no audio. */
  levelDbfs: number | null
  /** Fraction of 20 ms windows below -50 dBFS. */
  silenceRatio: number
  /** Silent stretches of at least 100 ms (start and length, ms). */
  gaps: Array<{ startMs: number; durationMs: number }>
  /** Fraction of samples at full scale. */
  clippingRatio: number
  /** Strongest frequency between 20 Hz and Nyquist; null when there is no energy. */
  dominantHz: number | null
  /** Per requested tone: whether it is present (±2 Hz), where its peak is and its level. */
  tones?: Array<{ hz: number; present: boolean; measuredHz: number | null; levelDbfs: number | null; snrDb: number | null }>
}

const num = (x: number): number | null => (Number.isFinite(x) ? x : null)

/** Summarises `audio` (see `AudioSummary`); `toneHz` adds a tone check per frequency. */
export function summarizeAudio(audio: PcmAudio, options: { toneHz?: readonly number[] } = {}): AudioSummary {
  const { samples, sampleRate } = audio
  const summary: AudioSummary = {
    sampleRate,
    durationMs: (samples.length * 1000) / sampleRate,
    levelDbfs: num(rmsDbfs(samples)),
    silenceRatio: silenceRatio(samples, sampleRate),
    gaps: silentGaps(samples, sampleRate, { minDurationMs: 100 }),
    clippingRatio: clippingRatio(samples),
    dominantHz: num(dominantFrequency(samples, sampleRate)),
  }
  if (options.toneHz?.length) {
    summary.tones = options.toneHz.map((hz) => {
      const d = detectTone(samples, sampleRate, hz)
      return { hz, present: d.present, measuredHz: num(d.measuredHz), levelDbfs: num(d.levelDbfs), snrDb: num(d.snrDb) }
    })
  }
  return summary
}
