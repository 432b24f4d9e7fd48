/**
 * Audio analysis cost: milliseconds of CPU per minute of audio for each analysis function, at 8 kHz
 * (G.711) and 48 kHz (Opus). Inputs are synthetic and seeded: a tone in noise for the level/tone
 * functions, amplitude-modulated noise (a speech-like envelope, 4 syllables/s) delayed by 120 ms for
 * delay and similarity. Each figure is the median of 3 runs after one warm-up over 30 s of audio, scaled to a
 * minute (`--quick`: one run over 10 s).
 */
import { clippingRatio, detectTone, dominantFrequency, goertzelPower, rmsDbfs, silenceRatio, silentGaps } from '../../src/media/analysis.ts'
import { estimateDelay } from '../../src/media/delay.ts'
import { eModel } from '../../src/media/emodel.ts'
import { similarity } from '../../src/media/similarity.ts'
import { summarizeAudio } from '../../src/media/summary.ts'
import { noise, readAll, tone } from '../../src/media/sources.ts'
import type { PcmAudio } from '../../src/media/types.ts'
import { plotAudio } from '../../src/media/audio-plot.ts'
import { percentile, timeLeft, type BenchRow, type BenchSuite } from '../row.ts'

/** Seconds of audio analysed per figure (the figures are scaled to a minute) and runs per figure (median). */
let audioSeconds = 30
let runs = 3

function toneInNoise(rate: number): PcmAudio {
  const n = rate * audioSeconds
  const t = readAll(tone(1000, { sampleRate: rate, dbfs: -12 }), n, 960)
  const z = readAll(noise({ seed: 1, sampleRate: rate, dbfs: -40 }), n, 960)
  return { sampleRate: rate, samples: t.map((v, i) => v + (z[i] as number)) }
}

function speechLike(rate: number, delayMs: number): { ref: PcmAudio; rec: PcmAudio } {
  const n = rate * audioSeconds
  const z = readAll(noise({ seed: 2, sampleRate: rate, dbfs: -15 }), n, 960)
  const ref = new Int16Array(n)
  for (let i = 0; i < n; i++) ref[i] = Math.round((z[i] as number) * Math.max(0, Math.sin((2 * Math.PI * 4 * i) / rate)))
  const shift = Math.round((delayMs * rate) / 1000)
  const rec = new Int16Array(n + shift)
  rec.set(ref, shift)
  return { ref: { sampleRate: rate, samples: ref }, rec: { sampleRate: rate, samples: rec } }
}

function time(fn: () => void): number {
  fn() // warm-up (JIT, FFT tables)
  const times: number[] = []
  for (let i = 0; i < runs; i++) {
    const t = performance.now()
    fn()
    times.push(performance.now() - t)
  }
  return (percentile(times, 50) * 60) / audioSeconds
}

export const analysisSuite: BenchSuite = {
  name: 'analysis',
  description: 'CPU cost of the audio analysis functions per minute of audio, at 8 and 48 kHz',
  async run(log, options) {
    audioSeconds = options.quick ? 10 : 30
    runs = options.quick ? 1 : 3
    const rows: BenchRow[] = []
    const row = (metric: string, ms: number, note: string) => {
      rows.push({ suite: 'analysis', metric, value: ms, unit: 'ms/min audio', note })
      log(`${metric}: ${ms.toFixed(1)} ms per minute of audio`)
    }
    for (const rate of [8000, 48000]) {
      if (timeLeft(options) < 0) {
        rows.push({ suite: 'analysis', metric: `${rate / 1000} kHz figures (skipped)`, value: Number.NaN, unit: '', note: "the suite's time budget ran out" })
        continue
      }
      await new Promise((r) => setImmediate(r))
      const k = `${rate / 1000} kHz`
      const a = toneInNoise(rate)
      row(
        `rmsDbfs @ ${k}`,
        time(() => rmsDbfs(a.samples)),
        'whole minute',
      )
      row(
        `silenceRatio @ ${k}`,
        time(() => silenceRatio(a.samples, rate)),
        '20 ms windows',
      )
      row(
        `silentGaps @ ${k}`,
        time(() => silentGaps(a.samples, rate)),
        '20 ms windows',
      )
      row(
        `clippingRatio @ ${k}`,
        time(() => clippingRatio(a.samples)),
        'whole minute',
      )
      row(
        `goertzelPower @ ${k}`,
        time(() => goertzelPower(a.samples, rate, 1000)),
        'one frequency',
      )
      row(
        `dominantFrequency @ ${k}`,
        time(() => dominantFrequency(a.samples, rate)),
        'Welch, 32768-sample Hann segments',
      )
      row(
        `detectTone @ ${k}`,
        time(() => detectTone(a.samples, rate, 1000)),
        'Welch + peak/SNR',
      )
      row(
        `plotAudio @ ${k}`,
        time(() => plotAudio(a)),
        '640×240 PNG',
      )
      row(
        `summarizeAudio @ ${k}`,
        time(() => summarizeAudio(a, { toneHz: [1000] })),
        'level, silence, gaps, clipping, dominant frequency, one tone',
      )
      const { ref, rec } = speechLike(rate, 120)
      let found = Number.NaN
      row(
        `estimateDelay @ ${k}`,
        time(() => {
          found = estimateDelay(ref, rec).delayMs
        }),
        `FFT cross-correlation at ${Math.min(rate, 16000) / 1000} kHz (found ${found.toFixed(2)} ms of 120)`,
      )
      let score = Number.NaN
      row(
        `similarity @ ${k}`,
        time(() => {
          score = similarity(ref, rec).score
        }),
        `resample to 8 kHz + delay + mel spectrogram (score ${score.toFixed(3)})`,
      )
    }
    const t = performance.now()
    const N = 10_000
    for (let i = 0; i < N; i++) eModel({ lossFraction: (i % 100) / 1000, jitterMs: i % 30, networkDelayMs: i % 300 })
    const us = ((performance.now() - t) / N) * 1000
    rows.push({ suite: 'analysis', metric: 'eModel (one estimate)', value: us, unit: 'µs', note: `${N} estimates` })
    log(`eModel: ${us.toFixed(2)} µs per estimate`)
    return rows
  },
}
