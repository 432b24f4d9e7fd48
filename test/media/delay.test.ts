import { beforeAll, describe, expect, it } from 'vitest'
import { crossCorrelate, estimateDelay } from '../../src/media/delay.ts'
import { noise, readAll, tone } from '../../src/media/sources.ts'
import { resample } from '../../src/media/resample.ts'
import type { PcmAudio } from '../../src/media/types.ts'
import { requireTool } from '../support/requires.ts'
import { speak, SENTENCES } from '../support/speech.ts'
import { viaOpus, viaPcma, viaPcmu } from '../support/codec-sim.ts'

/** `audio` delayed by `ms` (rounded to a sample), with `tailMs` of silence after it. */
function delayed(audio: PcmAudio, ms: number, tailMs = 100): PcmAudio {
  const n = Math.round((ms * audio.sampleRate) / 1000)
  const out = new Int16Array(audio.samples.length + n + Math.round((tailMs * audio.sampleRate) / 1000))
  out.set(audio.samples, n)
  return { sampleRate: audio.sampleRate, samples: out }
}

function scaled(audio: PcmAudio, gain: number): PcmAudio {
  return { sampleRate: audio.sampleRate, samples: audio.samples.map((v) => Math.max(-32768, Math.min(32767, Math.round(v * gain)))) }
}

function plusNoise(audio: PcmAudio, dbfs: number, seed: number): PcmAudio {
  const n = readAll(noise({ seed, dbfs, sampleRate: audio.sampleRate }), audio.samples.length)
  return { sampleRate: audio.sampleRate, samples: audio.samples.map((v, i) => Math.max(-32768, Math.min(32767, v + (n[i] as number)))) }
}

const noiseRef = (seed: number, rate = 8000, ms = 2000): PcmAudio => ({
  sampleRate: rate,
  samples: readAll(noise({ seed, dbfs: -15, sampleRate: rate }), (rate * ms) / 1000),
})

describe('crossCorrelate', () => {
  it('matches the direct sum at every lag, negative and positive', () => {
    const a = Float64Array.from([1, -2, 3, 0.5])
    const b = Float64Array.from([0, 2, 1, -1, 4, 0])
    const c = crossCorrelate(a, b, -3, 5)
    for (let L = -3; L <= 5; L++) {
      let s = 0
      for (let n = 0; n < a.length; n++) if (n + L >= 0 && n + L < b.length) s += (a[n] as number) * (b[n + L] as number)
      expect(c[L + 3]).toBeCloseTo(s, 9)
    }
  })
})

describe('estimateDelay on synthetic signals with a known delay', () => {
  it('finds integer-sample delays of seeded noise exactly, from 0 to 999 ms', () => {
    const ref = noiseRef(11)
    for (const ms of [0, 1, 13.375, 40, 250, 999]) {
      const d = estimateDelay(ref, delayed(ref, ms))
      expect(d.confident, `${ms} ms: ${d.reason}`).toBe(true)
      expect(Math.abs(d.delayMs - ms), `${ms} ms measured ${d.delayMs}`).toBeLessThan(0.02)
      expect(d.correlation).toBeGreaterThan(0.999)
    }
  })

  it('resolves fractional delays across sample rates (48 kHz reference, 8 kHz recording) within 0.025 ms (1/5 sample)', () => {
    const ref48 = noiseRef(5, 48000, 1500)
    for (const k of [3, 7, 21, 100, 1237]) {
      // shift by k samples at 48 kHz, then down to 8 kHz: a delay of k/48 ms, not a whole 8 kHz sample
      const rec8 = { sampleRate: 8000, samples: resample(delayed(ref48, (k * 1000) / 48000).samples, 48000, 8000) }
      const d = estimateDelay(ref48, rec8)
      expect(d.confident).toBe(true)
      expect(d.analysisRate).toBe(8000)
      // k = 3 and 21 are half-way between 8 kHz samples: only the sub-sample refinement gets them
      expect(Math.abs(d.delayMs - k / 48), `k=${k}: ${d.delayMs} vs ${k / 48}`).toBeLessThan(0.025)
    }
  })

  it('is level independent (-26 dB copy) and survives noise at 0 dB SNR', () => {
    const ref = noiseRef(3)
    const quiet = estimateDelay(ref, delayed(scaled(ref, 0.05), 77))
    expect(quiet.confident).toBe(true)
    expect(quiet.delayMs).toBeCloseTo(77, 1)
    expect(quiet.correlation).toBeGreaterThan(0.99)
    const noisy = estimateDelay(ref, plusNoise(delayed(ref, 123), -15, 99))
    expect(noisy.confident).toBe(true)
    expect(noisy.delayMs).toBeCloseTo(123, 1)
    expect(noisy.correlation).toBeGreaterThan(0.6)
    expect(noisy.correlation).toBeLessThan(0.8) // 0 dB SNR: ≈ 1/√2
  })

  it('finds a negative delay when allowed (the recording starts 100 ms into the reference)', () => {
    const ref = noiseRef(8)
    const late = { sampleRate: 8000, samples: ref.samples.slice(800) }
    expect(estimateDelay(ref, late).confident).toBe(false) // default search is 0 … 1000 ms
    const d = estimateDelay(ref, late, { minDelayMs: -500 })
    expect(d.confident).toBe(true)
    expect(d.delayMs).toBeCloseTo(-100, 1)
  })
})

describe('estimateDelay says when there is no answer', () => {
  it('unrelated noise is not confident (low correlation, with a reason)', () => {
    const d = estimateDelay(noiseRef(1), noiseRef(2))
    expect(d.confident).toBe(false)
    expect(d.correlation).toBeLessThan(0.1)
    expect(d.reason).toMatch(/correlation .* is below 0.3/)
  })

  it('a true delay beyond maxDelayMs is not reported as a match', () => {
    const ref = noiseRef(4)
    const d = estimateDelay(ref, delayed(ref, 600), { maxDelayMs: 300 })
    expect(d.confident).toBe(false)
  })

  it('a steady tone is ambiguous (every period correlates)', () => {
    const t = { sampleRate: 8000, samples: readAll(tone(440, { sampleRate: 8000 }), 8000) }
    const d = estimateDelay(t, delayed(t, 30))
    expect(d.confident).toBe(false)
    expect(d.reason).toMatch(/ambiguous/)
    expect(d.sidePeakRatio).toBeGreaterThan(0.9)
  })

  it('silence and empty input fail with a reason instead of throwing', () => {
    const ref = noiseRef(6)
    const silent = estimateDelay(ref, { sampleRate: 8000, samples: new Int16Array(20000) })
    expect(silent.confident).toBe(false)
    expect(silent.reason).toMatch(/silent/)
    expect(estimateDelay(ref, { sampleRate: 8000, samples: new Int16Array(0) }).reason).toMatch(/empty/)
    expect(estimateDelay({ sampleRate: 8000, samples: new Int16Array(0) }, ref).reason).toMatch(/empty/)
  })

  it('rejects malformed arguments with a message naming them', () => {
    const ref = noiseRef(6)
    expect(() => estimateDelay(ref, { sampleRate: 0, samples: new Int16Array(1) })).toThrow(/recording.sampleRate/)
    expect(() => estimateDelay({ sampleRate: 8000, samples: [1, 2] as unknown as Int16Array }, ref)).toThrow(/reference must be PcmAudio/)
    expect(() => estimateDelay(ref, ref, { minDelayMs: 10, maxDelayMs: 5 })).toThrow(/minDelayMs/)
  })
})

describe.skipIf(requireTool('espeak-ng'))('estimateDelay on speech through codecs', () => {
  let speech: PcmAudio
  let other: PcmAudio
  beforeAll(() => {
    speech = speak(SENTENCES[0])
    other = speak(SENTENCES[1])
  })

  it('PCMU and PCMA at 8 kHz against the 22.05 kHz original, with leading silence: within 0.1 ms', () => {
    for (const via of [viaPcmu, viaPcma]) {
      for (const ms of [0, 20, 57.5, 180]) {
        const d = estimateDelay(speech, via(delayed(speech, ms)))
        expect(d.confident, d.reason).toBe(true)
        expect(Math.abs(d.delayMs - ms), `${via.name} ${ms} ms → ${d.delayMs}`).toBeLessThan(0.1)
        expect(d.correlation).toBeGreaterThan(0.98)
      }
    }
  })

  it('Opus: the measured delay is the added delay plus Opus’s own 6.5 ms look-ahead (±0.5 ms)', () => {
    for (const ms of [0, 45]) {
      const d = estimateDelay(speech, viaOpus(delayed(speech, ms)))
      expect(d.confident, d.reason).toBe(true)
      expect(Math.abs(d.delayMs - (ms + 6.5)), `${ms} ms → ${d.delayMs}`).toBeLessThan(0.5)
      expect(d.correlation).toBeGreaterThan(0.8)
    }
  })

  it('a quiet, noisy PCMU copy (-20 dB, noise at -45 dBFS) still within 0.1 ms', () => {
    const d = estimateDelay(speech, viaPcmu(plusNoise(scaled(delayed(speech, 33), 0.1), -45, 17)))
    expect(d.confident, d.reason).toBe(true)
    expect(Math.abs(d.delayMs - 33)).toBeLessThan(0.1)
  })

  it('a different sentence does not match', () => {
    const d = estimateDelay(speech, viaPcmu(other))
    expect(d.confident).toBe(false)
    expect(d.correlation).toBeLessThan(0.2)
  })
})
