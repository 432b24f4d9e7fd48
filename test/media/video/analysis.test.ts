import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { analyzeVideo, renderedAsArrivals } from '../../../src/media/video/analysis.ts'
import type { RenderedVideoFrame } from '../../../src/media/video/types.ts'
import { detectFreezes } from '../../../src/media/video/freezes.ts'
import { renderFilmstrip } from '../../../src/media/video/filmstrip.ts'
import { analyzeTrack } from '../../../src/media/video/track-frames.ts'
import { stream } from './analysis-helpers.ts'

describe('analyzeVideo', () => {
  it('a clean stream: every frame received and decodable, no loss, no freeze, fps as sent', () => {
    const s = stream({ frames: 90, fps: 30, delayMs: 40, codes: true })
    const a = analyzeVideo(s.arrivals, { fps: 30, sent: s.sent })
    expect(a).toMatchObject({ expected: 90, received: 90, lost: 0, incomplete: 0, decodable: 90, undecodable: 0, keyframes: 3, notArrived: 0 })
    expect(a.freezes.count).toBe(0)
    expect(a.achievedFps).toBeCloseTo(30, 6)
    expect(a.delay).toMatchObject({ basis: 'code', frames: 90, p50Ms: 40, maxMs: 40 })
    expect(a.resolutions).toEqual([{ atMs: 10_040, width: 640, height: 480 }])
    expect(a.perSecond.map((x) => x.fps)).toEqual([30, 30])
  })

  it('exactly the dropped frames are lost (truth), and delta frames after a loss are undecodable until the next keyframe', () => {
    const s = stream({ frames: 60, fps: 30, gop: 30, drop: new Set([5, 40]), partial: new Set([50]) })
    const a = analyzeVideo(s.arrivals, { fps: 30, sent: s.sent })
    expect(a.lostIndices).toEqual([5, 40, 50])
    expect(a).toMatchObject({ lost: 3, incomplete: 1, received: 57 })
    // frames 6..29 depend on lost 5; 41..59 on lost 40 (30 is a keyframe): decodable 0-4, 30-39
    expect(a.decodable).toBe(5 + 10)
    expect(a.undecodable).toBe(24 + 18)
  })

  it('without truth the loss is estimated from RTP timestamp gaps at the nominal interval', () => {
    const s = stream({ frames: 60, fps: 30, drop: new Set([5, 6, 7, 40]) })
    const a = analyzeVideo(s.arrivals, { fps: 30 })
    expect(a.lossBasis).toBe('rtp-timestamps')
    expect(a.lost).toBe(4)
    expect(a.expected).toBe(60)
  })

  it('without truth, a timestamp step of two intervals between packets with consecutive sequence numbers hides no frame', () => {
    // a variable-rate source (a browser's capture): frame 5 was captured late, nothing was lost
    const { arrivals } = stream({ frames: 10, fps: 30 })
    const shifted = arrivals.map((a, i) => (i >= 5 ? { ...a, rtpTimestamp: (a.rtpTimestamp + 3000) >>> 0 } : a))
    const r = analyzeVideo(shifted, { fps: 30 })
    expect([r.lost, r.decodable, r.undecodable]).toEqual([0, 10, 0])
  })

  it('a one-second stall is one freeze of the gap, as the WebRTC-stats definition counts it', () => {
    const s = stream({ frames: 60, fps: 30, delayOf: (i) => (i >= 30 && i < 33 ? 1100 - ((i - 30) * 1000) / 30 : 0) })
    const a = analyzeVideo(s.arrivals, { fps: 30, sent: s.sent })
    expect(a.freezes.count).toBe(1)
    expect(a.freezes.totalMs).toBeCloseTo(1100 + 1000 / 30, 6)
    expect(a.freezeEnds).toEqual([30])
  })

  it('sent frames before joining are not expected; time to first frame runs from joining to the first complete keyframe', () => {
    const s = stream({ frames: 90, fps: 30, gop: 30, drop: new Set(Array.from({ length: 40 }, (_, i) => i)) })
    const joinedAtMs = 10_000 + (20 * 1000) / 30
    const a = analyzeVideo(s.arrivals, { fps: 30, sent: s.sent, joinedAtMs })
    // frames 20..39 lost (sent after joining), 40..59 arrived but depend on keyframe 30: undecodable; 60 is the first keyframe
    expect(a.lost).toBe(20)
    expect(a.undecodable).toBe(20)
    expect(a.firstFrameMs).toBeCloseTo(((60 - 20) * 1000) / 30 + 20, 6)
    expect(a.firstKeyframeMs).toBeCloseTo(((60 - 20) * 1000) / 30 + 19, 6)
  })

  it('frames after the last received one are reported as not arrived, not lost', () => {
    const s = stream({ frames: 30, fps: 30, drop: new Set([27, 28, 29]) })
    const a = analyzeVideo(s.arrivals, { fps: 30, sent: s.sent })
    expect(a).toMatchObject({ lost: 0, notArrived: 3 })
  })

  it('late frames against a playout deadline: from the send time with truth, from the least-delayed frame without', () => {
    const s = stream({ frames: 30, fps: 30, delayOf: (i) => (i === 10 || i === 20 ? 400 : 50) })
    expect(analyzeVideo(s.arrivals, { fps: 30, sent: s.sent, playoutDeadlineMs: 200 }).late).toBe(2)
    expect(analyzeVideo(s.arrivals, { fps: 30, playoutDeadlineMs: 200 }).late).toBe(2)
    expect(analyzeVideo(s.arrivals, { fps: 30, playoutDeadlineMs: 400 }).late).toBe(0)
  })

  it('a picture code repeating the previous index counts as a repeated picture (a frozen source)', () => {
    const s = stream({ frames: 10, fps: 30, codes: true })
    const frozen = s.arrivals.map((x, i) => (i >= 5 ? { ...x, code: { index: 4, captureMs: x.code?.captureMs ?? 0 } } : x))
    expect(analyzeVideo(frozen, { fps: 30 }).repeatedPictures).toBe(5)
  })

  it('resolution changes are listed in order; the delay falls back to the send time without codes', () => {
    const s = stream({ frames: 60, fps: 30, gop: 20, size: (i) => (i >= 20 ? { width: 320, height: 240 } : { width: 640, height: 480 }) })
    const a = analyzeVideo(s.arrivals, { fps: 30, sent: s.sent })
    expect(a.resolutions.map((r) => `${r.width}x${r.height}`)).toEqual(['640x480', '320x240'])
    expect(a.delay).toMatchObject({ basis: 'sent', p50Ms: 20 })
  })

  it('RTP timestamps wrapping past 2^32 are one stream', () => {
    const s = stream({ frames: 60, fps: 30, ts0: 2 ** 32 - 30 * 3000, drop: new Set([45]) })
    expect(analyzeVideo(s.arrivals, { fps: 30 })).toMatchObject({ lost: 1, expected: 60 })
    expect(analyzeVideo(s.arrivals, { fps: 30, sent: s.sent }).lostIndices).toEqual([45])
  })

  it('rejects a nominal frame rate that is not positive', () => {
    expect(() => analyzeVideo([], { fps: 0 })).toThrow(/nominal frame rate/)
  })

  it('property: dropping any set of frames is reported as exactly that set (truth) and as its count (timestamps)', () => {
    fc.assert(
      fc.property(
        fc.record({
          frames: fc.integer({ min: 2, max: 200 }),
          fps: fc.constantFrom(10, 15, 24, 25, 30, 60),
          gop: fc.integer({ min: 1, max: 60 }),
          drops: fc.uniqueArray(fc.nat({ max: 198 }), { maxLength: 40 }),
          ts0: fc.nat({ max: 2 ** 32 - 1 }),
        }),
        ({ frames, fps, gop, drops, ts0 }) => {
          // the first and the last frame arrive, so every drop lies inside the received span
          const drop = new Set(drops.filter((d) => d > 0 && d < frames - 1))
          const s = stream({ frames, fps, gop, ts0, drop })
          const exact = analyzeVideo(s.arrivals, { fps, sent: s.sent })
          expect(exact.lostIndices).toEqual([...drop].sort((a, b) => a - b))
          expect(exact.received + exact.lost).toBe(frames)
          expect(exact.decodable + exact.undecodable).toBe(exact.received)
          expect(analyzeVideo(s.arrivals, { fps }).lost).toBe(drop.size)
        },
      ),
      { numRuns: 300 },
    )
  })
})

describe('detectFreezes (libwebrtc video quality observer)', () => {
  const steady = (n: number, step: number, from = 0) => Array.from({ length: n }, (_, i) => from + i * step)

  it('no freeze in a steady stream', () => {
    expect(detectFreezes(steady(100, 33)).count).toBe(0)
  })

  it('a 500 ms gap after 30 frames at 33 ms is one freeze of 500 ms', () => {
    const t = [...steady(30, 33), 29 * 33 + 500, 29 * 33 + 533]
    expect(detectFreezes(t)).toMatchObject({ count: 1, totalMs: 500 })
  })

  it('the current delay is part of the average it is tested against (libwebrtc), so a 183 ms gap after five 33 ms ones is no freeze', () => {
    // window [33, 33, 33, 33, 33, 183]: avg floor(58) → threshold max(174, 208) = 208
    expect(detectFreezes([...steady(6, 33), 5 * 33 + 183]).count).toBe(0)
    // 220 ms: avg floor(64.16) = 64 → threshold 214 → freeze
    expect(detectFreezes([...steady(6, 33), 5 * 33 + 220])).toMatchObject({ count: 1, totalMs: 220 })
  })

  it('fewer than five delays cannot make a freeze', () => {
    expect(detectFreezes([0, 33, 66, 99, 2000]).count).toBe(0)
    expect(detectFreezes([0, 33, 66, 99, 132, 2000]).count).toBe(1)
  })

  it('at low frame rates the threshold is three times the average', () => {
    // 5 fps: avg 200 → threshold max(600, 350) = 600; window including the gap
    const t = [...steady(31, 200)]
    const gapAt = (t[30] as number) + 700
    expect(detectFreezes([...t, gapAt]).count).toBe(1)
    expect(detectFreezes([...t, (t[30] as number) + 500]).count).toBe(0)
  })
})

describe('analyzeVideo sequence', () => {
  it('lists every expected frame as decodable, undecodable, incomplete or lost', () => {
    const s = stream({ frames: 8, fps: 30, gop: 4, drop: new Set([1]), partial: new Set([5]) })
    expect(analyzeVideo(s.arrivals, { fps: 30, sent: s.sent }).sequence).toBe('DLUUDIUU')
  })
})

describe('renderFilmstrip', () => {
  it('draws pictures with their codes and the frame sequence as a PNG', () => {
    const frame = { width: 64, height: 48, y: new Uint8Array(64 * 48).fill(128), u: new Uint8Array(32 * 24), v: new Uint8Array(32 * 24) }
    const png = renderFilmstrip({
      title: 'bob inbound video',
      pictures: [{ frame, code: { index: 3, captureMs: 100 } }, { frame }],
      sequence: 'DDLUUD'.repeat(100),
      freezeAt: [3],
    })
    expect([...png.subarray(1, 4)].map((c) => String.fromCharCode(c)).join('')).toBe('PNG')
    const width = new DataView(png.buffer, png.byteOffset).getUint32(16)
    expect(width).toBe(640)
  })
})

describe('renderedAsArrivals (a player’s rendered frames)', () => {
  const rendered = (indices: number[], o: { presented?: (k: number) => number; at?: (i: number) => number } = {}): RenderedVideoFrame[] =>
    indices.map((i, k) => ({
      presentedFrames: o.presented ? o.presented(k) : k + 1,
      presentedAtMs: o.at ? o.at(i) : 5000 + (i * 1000) / 30 + 80,
      expectedDisplayAtMs: 0,
      width: 320,
      height: 240,
      code: { index: i, captureMs: 5000 + (i * 1000) / 30 },
    }))

  it('indices never shown are lost; the delay is presentation − capture', () => {
    const shown = Array.from({ length: 60 }, (_, i) => i).filter((i) => i !== 20 && i !== 21 && i !== 40)
    const a = analyzeVideo(renderedAsArrivals(rendered(shown), 30), { fps: 30, decoded: true })
    expect(a).toMatchObject({ lost: 3, decodable: 57 })
    expect(a.delay).toMatchObject({ basis: 'code', p50Ms: 80, maxMs: 80 })
  })

  it('frames presented without a callback (presentedFrames step matching the index step) are shown, not lost', () => {
    const shown = [0, 1, 2, 3, 4, 7, 8, 9]
    const presented = (k: number) => (k <= 4 ? k + 1 : k + 3)
    expect(analyzeVideo(renderedAsArrivals(rendered(shown, { presented }), 30), { fps: 30, decoded: true }).lost).toBe(0)
    expect(analyzeVideo(renderedAsArrivals(rendered(shown), 30), { fps: 30, decoded: true }).lost).toBe(2)
  })
})

describe('analyzeTrack', () => {
  it('a player’s time to first frame runs from its joinedAtMs (on the rendered frames’ clock)', () => {
    const renderedFrames = () =>
      Array.from({ length: 30 }, (_, i) => ({
        presentedFrames: i + 1,
        presentedAtMs: 50_000 + 2500 + (i * 1000) / 30,
        expectedDisplayAtMs: 0,
        width: 320,
        height: 240,
        code: { index: i, captureMs: 50_000 + 2400 + (i * 1000) / 30 },
      }))
    expect(analyzeTrack({ renderedFrames, joinedAtMs: 50_000 })?.firstFrameMs).toBeCloseTo(2500, 6)
    expect(analyzeTrack({ renderedFrames })?.firstFrameMs).toBe(0)
  })
})
