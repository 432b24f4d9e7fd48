import { describe, expect, it } from 'vitest'
import { summarizeAudio } from '../../src/media/summary.ts'
import { readAll, tone } from '../../src/media/sources.ts'

describe('summarizeAudio', () => {
  it('summarises a tone with a silent gap: duration, level, gap position, dominant frequency, tones', () => {
    const t = readAll(tone(1000, { sampleRate: 8000, dbfs: -12 }), 16000)
    t.fill(0, 8000, 12000) // 0.5 s of silence at 1.0 s
    const s = summarizeAudio({ sampleRate: 8000, samples: t }, { toneHz: [1000, 1500] })
    expect(s.durationMs).toBe(2000)
    expect(s.levelDbfs!).toBeCloseTo(-12 + 10 * Math.log10(0.75), 1)
    expect(s.silenceRatio).toBeCloseTo(0.25, 2)
    expect(s.gaps).toEqual([{ startMs: 1000, durationMs: 500 }])
    expect(s.clippingRatio).toBe(0)
    expect(Math.abs(s.dominantHz! - 1000)).toBeLessThan(1)
    expect(s.tones![0]).toMatchObject({ hz: 1000, present: true })
    expect(s.tones![1]).toMatchObject({ hz: 1500, present: false })
    expect(JSON.parse(JSON.stringify(s))).toEqual(s)
  })

  it('digital silence has null level and frequency, and survives JSON', () => {
    const s = summarizeAudio({ sampleRate: 8000, samples: new Int16Array(800) })
    expect(s.levelDbfs).toBeNull()
    expect(s.dominantHz).toBeNull()
    expect(s.silenceRatio).toBe(1)
    expect(JSON.parse(JSON.stringify(s))).toEqual(s)
  })
})
