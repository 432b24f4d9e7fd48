import { beforeAll, describe, expect, it } from 'vitest'
import { SIMILARITY_THRESHOLD, similarity } from '../../src/media/similarity.ts'
import { noise, readAll, tone } from '../../src/media/sources.ts'
import type { PcmAudio } from '../../src/media/types.ts'
import { requireTool } from '../support/requires.ts'
import { speak, SENTENCES } from '../support/speech.ts'
import { viaOpus, viaPcma, viaPcmu } from '../support/codec-sim.ts'

function delayed(audio: PcmAudio, ms: number): PcmAudio {
  const n = Math.round((ms * audio.sampleRate) / 1000)
  const out = new Int16Array(audio.samples.length + n + audio.sampleRate / 5)
  out.set(audio.samples, n)
  return { sampleRate: audio.sampleRate, samples: out }
}

describe.skipIf(requireTool('espeak-ng'))('similarity of speech (log mel spectrogram correlation)', () => {
  let speech: PcmAudio
  let other: PcmAudio
  const scores: Record<string, number> = {}
  beforeAll(() => {
    speech = speak(SENTENCES[0])
    other = speak(SENTENCES[1])
  })

  it('the same sentence through PCMU and PCMA, delayed, scores ≥ 0.97', () => {
    for (const [name, via] of [
      ['PCMU', viaPcmu],
      ['PCMA', viaPcma],
    ] as const) {
      const r = similarity(speech, via(delayed(speech, 140)))
      scores[name] = r.score
      expect(r.score, name).toBeGreaterThan(0.97)
      expect(r.delayMs).toBeCloseTo(140, 0)
      expect(r.frames).toBeGreaterThan(100)
    }
  })

  it('the same sentence through Opus (16 and 32 kbit/s) scores ≥ 0.9', () => {
    for (const kbps of [16, 32]) {
      const r = similarity(speech, viaOpus(delayed(speech, 60), kbps * 1000))
      scores[`Opus ${kbps}k`] = r.score
      expect(r.score, `${kbps} kbit/s`).toBeGreaterThan(0.9)
    }
  })

  it('a quieter copy with background noise (-20 dB, noise at -45 dBFS) still resembles', () => {
    const quiet = { sampleRate: speech.sampleRate, samples: speech.samples.map((v) => Math.round(v * 0.1)) }
    const n = readAll(noise({ seed: 4, dbfs: -45, sampleRate: speech.sampleRate }), quiet.samples.length)
    const noisy = { sampleRate: speech.sampleRate, samples: quiet.samples.map((v, i) => v + (n[i] as number)) }
    const r = similarity(speech, viaPcmu(noisy))
    scores['PCMU -20 dB + noise'] = r.score
    expect(r.score).toBeGreaterThan(SIMILARITY_THRESHOLD)
  })

  it('a different sentence, noise, silence and a tone score far below the threshold', () => {
    const cases: Array<[string, PcmAudio]> = [
      ['other sentence', other],
      ['other sentence via PCMU', viaPcmu(other)],
      ['other sentence via Opus', viaOpus(other)],
      ['white noise', { sampleRate: 8000, samples: readAll(noise({ seed: 9, dbfs: -20, sampleRate: 8000 }), 40000) }],
      ['tone 440 Hz', { sampleRate: 8000, samples: readAll(tone(440, { sampleRate: 8000 }), 40000) }],
      ['silence', { sampleRate: 8000, samples: new Int16Array(40000) }],
    ]
    for (const [name, rec] of cases) {
      const r = similarity(speech, rec)
      scores[name] = r.score
      expect(r.score, name).toBeLessThan(0.35)
    }
    expect(similarity(speech, { sampleRate: 8000, samples: new Int16Array(8000) }).reason).toMatch(/silent/)
    // the measured values, for the documentation
    process.stdout.write(`similarity scores: ${JSON.stringify(Object.fromEntries(Object.entries(scores).map(([k, v]) => [k, +v.toFixed(3)])))}\n`)
  })

  it('long pauses in both do not make different speech look alike (only the reference’s active frames count)', () => {
    const withPause = (a: PcmAudio): PcmAudio => {
      const pause = new Int16Array(a.sampleRate * 3)
      const out = new Int16Array(a.samples.length * 2 + pause.length)
      out.set(a.samples, 0)
      out.set(a.samples, a.samples.length + pause.length)
      return { sampleRate: a.sampleRate, samples: out }
    }
    const r = similarity(withPause(speech), viaPcmu(withPause(other)))
    scores['other sentence, both with a 3 s pause'] = r.score
    // measured 0.000; counting the pause frames too (floor matching floor) gives 0.045
    expect(r.score).toBeLessThan(0.03)
  })

  it('the first half of the sentence only (recording cut short) falls below the threshold', () => {
    const half = { sampleRate: speech.sampleRate, samples: speech.samples.slice(0, speech.samples.length >> 1) }
    expect(similarity(speech, viaPcmu(half)).score).toBeLessThan(SIMILARITY_THRESHOLD)
  })

  it('an explicit delay skips the estimate; a wrong one lowers the score unless segments re-align', () => {
    const rec = viaPcmu(delayed(speech, 200))
    const right = similarity(speech, rec, { delayMs: 200 })
    expect(right.delay).toBeUndefined()
    expect(right.score).toBeGreaterThan(0.97)
    expect(similarity(speech, rec, { delayMs: 0, realign: false }).score).toBeLessThan(right.score - 0.3)
    expect(similarity(speech, rec, { delayMs: 0 }).score).toBeGreaterThan(0.97) // found within the 1 s look-ahead
  })

  it('gaps inserted in the recording (sender stalls) shift only what follows: per-segment alignment keeps the score', () => {
    // 120 ms, 300 ms and 80 ms of silence inserted at 0.9 s, 2.1 s and 3.3 s of an 8 kHz PCMU copy
    const clean = viaPcmu(speech).samples
    const gaps: Array<[number, number]> = [
      [0.9, 120],
      [2.1, 300],
      [3.3, 80],
    ]
    const parts: Int16Array[] = []
    let from = 0
    for (const [atS, ms] of gaps) {
      parts.push(clean.subarray(from, atS * 8000), new Int16Array(ms * 8))
      from = atS * 8000
    }
    parts.push(clean.subarray(from))
    const stalled = new Int16Array(parts.reduce((n, p) => n + p.length, 0))
    let o = 0
    for (const p of parts) {
      stalled.set(p, o)
      o += p.length
    }
    const rec = { sampleRate: 8000, samples: stalled }
    const realigned = similarity(speech, rec)
    const rigid = similarity(speech, rec, { realign: false })
    scores['PCMU with 3 inserted gaps'] = realigned.score
    scores['… without re-alignment'] = rigid.score
    expect(realigned.score).toBeGreaterThan(0.85)
    expect(realigned.segments!.maxOffsetMs - realigned.segments!.minOffsetMs).toBeGreaterThan(400)
    expect(rigid.score).toBeLessThan(realigned.score - 0.2)
    process.stdout.write(`similarity with gaps: realigned ${realigned.score.toFixed(3)}, rigid ${rigid.score.toFixed(3)}\n`)
  })
})

describe('similarity input handling', () => {
  it('a silent reference scores 0 with a reason; malformed input throws naming the argument', () => {
    const n = { sampleRate: 8000, samples: readAll(noise({ seed: 1, sampleRate: 8000 }), 8000) }
    const r = similarity({ sampleRate: 8000, samples: new Int16Array(8000) }, n)
    expect(r.score).toBe(0)
    expect(r.reason).toMatch(/reference is silent/)
    expect(() => similarity(n, { sampleRate: 8000 } as unknown as PcmAudio)).toThrow(/recording must be PcmAudio/)
  })
})
