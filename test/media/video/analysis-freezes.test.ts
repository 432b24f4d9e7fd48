/**
 * Freezes by the WebRTC-stats definition, property-checked: `detectFreezes` against a direct transcription of
 * libwebrtc's video quality observer (a 30-sample moving window that includes the current delay, at least 5 samples,
 * average rounded down), on random render-time sequences; and a stall inserted into a steady stream is exactly one
 * freeze of the stall's length.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { analyzeVideo } from '../../../src/media/video/analysis.ts'
import { detectFreezes, setApartOwnStalls } from '../../../src/media/video/freezes.ts'
import type { VideoFrameArrival } from '../../../src/media/video/types.ts'

/** libwebrtc's OnRenderedFrame freeze logic, transcribed as plainly as possible (integer ms). */
function reference(times: number[]): { count: number; totalMs: number } {
  const window: number[] = []
  let count = 0
  let totalMs = 0
  for (let i = 1; i < times.length; i++) {
    const delay = (times[i] as number) - (times[i - 1] as number)
    window.push(delay)
    if (window.length > 30) window.shift()
    if (window.length >= 5) {
      const avg = Math.floor(window.reduce((s, x) => s + x, 0) / window.length)
      if (delay >= Math.max(3 * avg, avg + 150)) {
        count++
        totalMs += delay
      }
    }
  }
  return { count, totalMs }
}

describe('detectFreezes, property-checked', () => {
  it('agrees with the transcription of libwebrtc on random frame intervals (stalls included)', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 100, max: 3000 })), { minLength: 0, maxLength: 300 }), (intervals) => {
        const times = [0]
        for (const d of intervals) times.push((times.at(-1) as number) + d)
        const got = detectFreezes(times)
        expect({ count: got.count, totalMs: got.totalMs }).toEqual(reference(times))
        expect(got.freezes.every((f) => f.durationMs >= f.thresholdMs)).toBe(true)
      }),
      { numRuns: 500 },
    )
  })

  it('a stall of at least max(3 × interval, interval + 150 ms) plus margin in a steady stream is exactly one freeze of its length', () => {
    fc.assert(
      fc.property(
        fc.record({
          fps: fc.constantFrom(10, 15, 24, 25, 30, 60),
          before: fc.integer({ min: 35, max: 120 }),
          after: fc.integer({ min: 0, max: 60 }),
          stallMs: fc.oneof(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 150, max: 400 })),
        }),
        ({ fps, before, after, stallMs }) => {
          const step = Math.round(1000 / fps)
          const times: number[] = []
          for (let i = 0; i < before; i++) times.push(i * step)
          const resume = (times.at(-1) as number) + stallMs
          for (let i = 0; i <= after; i++) times.push(resume + i * step)
          // the window's average with the stall in it: the threshold the stall must meet
          const window = [...Array.from({ length: 29 }, () => step), stallMs]
          const avg = Math.floor(window.reduce((s, x) => s + x, 0) / 30)
          const freezes = detectFreezes(times)
          if (stallMs >= Math.max(3 * avg, avg + 150)) expect(freezes).toMatchObject({ count: 1, totalMs: stallMs })
          else expect(freezes.count).toBe(0)
        },
      ),
      { numRuns: 500 },
    )
  })
})

describe('setApartOwnStalls', () => {
  const freeze = (startMs: number, endMs: number, frame: number) => ({ startMs, endMs, durationMs: endMs - startMs, thresholdMs: 183, frame })
  const summary = { count: 2, totalMs: 700, freezes: [freeze(1_000, 1_400, 30), freeze(3_000, 3_300, 80)] }

  it('a freeze the process stalled through for at least half its length is set apart; the rest keep count and total', () => {
    const got = setApartOwnStalls(summary, [{ startMs: 1_050, endMs: 1_300 }])
    expect(got).toEqual({ count: 1, totalMs: 300, freezes: [summary.freezes[1]], duringOwnStalls: [summary.freezes[0]] })
  })

  it('a stall shorter than half the freeze, or outside it, sets nothing apart', () => {
    expect(setApartOwnStalls(summary, [{ startMs: 1_050, endMs: 1_190 }]).count).toBe(2)
    expect(setApartOwnStalls(summary, [{ startMs: 2_000, endMs: 2_900 }])).toMatchObject({ count: 2, totalMs: 700, duringOwnStalls: [] })
    expect(setApartOwnStalls(summary, [])).toMatchObject({ count: 2, duringOwnStalls: [] })
  })

  it('analyzeVideo with ownStalls: the stalled gap of a steady stream is set apart, not counted', () => {
    const times: number[] = []
    for (let i = 0; i < 60; i++) times.push(i * 33)
    for (let i = 0; i < 30; i++) times.push(60 * 33 + 400 + i * 33)
    const arrivals: VideoFrameArrival[] = times.map((t, i) => ({
      rtpTimestamp: i * 3000,
      firstSeq: i,
      lastSeq: i,
      packets: 1,
      duplicatePackets: 0,
      bytes: 1000,
      complete: true,
      keyframe: i === 0,
      firstArrivalMs: t,
      lastArrivalMs: t,
    }))
    const blind = analyzeVideo(arrivals, { fps: 30 })
    expect(blind.freezes.count).toBe(1)
    const aware = analyzeVideo(arrivals, { fps: 30, ownStalls: [{ startMs: 59 * 33 + 10, endMs: 60 * 33 + 390 }] })
    expect(aware.freezes).toMatchObject({ count: 0, totalMs: 0 })
    expect(aware.freezes.duringOwnStalls).toHaveLength(1)
  })
})
