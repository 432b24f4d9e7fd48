import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, it } from 'vitest'
import { expect } from '../../src/dsl/expect.ts'
import type { VideoAssertionRecord } from '../../src/dsl/video-evidence.ts'
import { analyzeVideo } from '../../src/media/video/analysis.ts'
import type { VideoFrameArrival } from '../../src/media/video/types.ts'
import { stream } from '../media/video/analysis-helpers.ts'

let dir: string
let saved: string | undefined
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rtcspec-video-matchers-'))
  saved = process.env.RTCSPEC_REPORT_DIR
  process.env.RTCSPEC_REPORT_DIR = dir
})
afterAll(() => {
  if (saved === undefined) delete process.env.RTCSPEC_REPORT_DIR
  else process.env.RTCSPEC_REPORT_DIR = saved
  rmSync(dir, { recursive: true, force: true })
})

/** A live receiver: frames appear as the test pushes them. */
function receiver(frames: VideoFrameArrival[] = [], extra: Record<string, unknown> = {}) {
  return { peerName: 'bob', kind: 'video', videoFrames: () => frames, push: (f: VideoFrameArrival) => frames.push(f), ...extra }
}

const clean = stream({ frames: 90, fps: 30, codes: true, delayMs: 60 })
const stalled = stream({ frames: 90, fps: 30, drop: new Set([31, 32]), delayOf: (i) => (i >= 30 && i < 40 ? 800 - ((i - 30) * 1000) / 30 : 20) })

describe('video matchers on synthetic arrivals', () => {
  it('pass on a clean stream, on a peer, a receiver, an analysis and plain frames', async () => {
    const peer = { name: 'bob', inbound: [{ kind: 'audio' }, receiver(clean.arrivals, { nominalFps: 30 })] }
    await expect(peer).toReceiveVideo({ frames: 90, within: '1s' })
    expect(peer).toHaveFrameRateAbove(29)
    expect(peer).toHaveFreezesBelow({ count: 1, totalMs: 1 })
    expect(peer).toHaveResolution(640, 480)
    expect(peer).toHaveVideoDelayBelow(61)
    expect(peer).not.toHaveVideoDelayBelow(60)
    expect(peer).toShowFirstFrameWithin('100ms')
    expect(analyzeVideo(clean.arrivals, { fps: 30 })).toHaveFrameRateAbove(29)
    expect({ frames: clean.arrivals, fps: 30 }).toHaveFreezesBelow({ count: 1 })
  })

  it('toReceiveVideo waits for frames that arrive while it waits, and fails naming the count when they do not', async () => {
    const r = receiver()
    const feeding = (async () => {
      for (const f of clean.arrivals.slice(0, 30)) {
        r.push(f)
        await new Promise<void>((resolve) => setImmediate(resolve))
      }
    })()
    await expect(r).toReceiveVideo({ frames: 30, within: '2s' })
    await feeding
    await expect(expect(receiver(clean.arrivals.slice(0, 5))).toReceiveVideo({ frames: 30, within: 100 })).rejects.toThrow(
      /to receive 30 decodable video frames within 100 ms[\s\S]*measured: 5 decodable of 5 expected frames/,
    )
  })

  it('a stall fails the freeze and frame-rate matchers with the measured figures and a filmstrip attached', () => {
    const r = receiver(stalled.arrivals, { nominalFps: 30 })
    let message = ''
    try {
      expect(r).toHaveFreezesBelow({ count: 1 })
    } catch (e) {
      message = (e as Error).message
    }
    expect(message).toMatch(
      /to have fewer than 1 freezes[\s\S]*2 lost estimated from RTP timestamps[\s\S]*27 undecodable[\s\S]*2 freezes totalling 1033.3 ms[\s\S]*freezes: 813.3 ms at 967.7 ms, 220.0 ms at 1781.0 ms/,
    )
    const png = /attached: (\S+\.png)/.exec(message)?.[1]
    expect(png && existsSync(png)).toBe(true)
    expect(() => expect(r).toHaveFrameRateAbove(29.5)).toThrow(/more than 29.5 frames per second[\s\S]*per second: /)
  })

  it('the sender truth makes loss exact and the first frame waits for a complete keyframe', () => {
    const s = stream({ frames: 60, fps: 30, gop: 30, drop: new Set([0]) })
    const r = receiver(s.arrivals)
    expect(() => expect(r).toShowFirstFrameWithin(500, { sender: s.sent })).toThrow(/first decodable frame[\s\S]*1 lost per the sender/)
    expect(r).toShowFirstFrameWithin(1100, { sender: s.sent })
  })

  it('resolution and quality fail with what was measured', async () => {
    const r = receiver(clean.arrivals)
    expect(() => expect(r).toHaveResolution(1280, 720)).toThrow(/to show 1280×720 pictures[\s\S]*resolution 640×480/)
    await expect({ psnr: 35.2, ssim: 0.97 }).toHaveVideoQualityAbove({ psnr: 30 })
    await expect(Promise.resolve({ psnr: { mean: 24 }, ssim: 0.8 })).not.toHaveVideoQualityAbove({ ssim: 0.9 })
    await expect(expect({ psnr: 24, ssim: 0.8 }).toHaveVideoQualityAbove({ psnr: 30 })).rejects.toThrow(
      /PSNR against the reference to be above 30 dB[\s\S]*PSNR 24.00 dB, SSIM 0.8000/,
    )
  })

  it('misspelt or impossible options are errors naming the fix', async () => {
    const r = receiver(clean.arrivals)
    expect(() => expect(r).toHaveFreezesBelow({ cout: 1 } as never)).toThrow(/did you mean "count"/)
    expect(() => expect(r).toHaveFreezesBelow({})).toThrow(/give count, totalMs or both/)
    expect(() => expect(r).toHaveFrameRateAbove(0)).toThrow(/frame rate above 0/)
    await expect(expect(r).toReceiveVideo({ frame: 3 } as never)).rejects.toThrow(/did you mean "frames"/)
    await expect(expect({ psnr: 40 }).toHaveVideoQualityAbove({ ssim: 2 })).rejects.toThrow(/between 0 and 1/)
    expect(() => expect({ name: 'alice', inbound: [] }).toHaveFrameRateAbove(10)).toThrow(/alice has no inbound video track/)
    expect(() => expect({ frames: stream({ frames: 5, fps: 30 }).arrivals }).toHaveVideoDelayBelow(100)).toThrow(/no received frame carries a frame code/)
  })

  it('a player’s rendered frames (Chromium) are analysed by their codes', () => {
    const frames = Array.from({ length: 90 }, (_, i) => i)
      .filter((i) => i < 40 || i > 55)
      .map((i, k) => ({
        presentedFrames: k + 1,
        presentedAtMs: 1000 + (i * 1000) / 30 + 50,
        expectedDisplayAtMs: 0,
        width: 640,
        height: 360,
        code: { index: i, captureMs: 1000 + (i * 1000) / 30 },
      }))
    const track = { kind: 'video', peerName: 'carol', renderedFrames: () => frames }
    expect(() => expect(track).toHaveFreezesBelow({ count: 1 })).toThrow(
      /carol's inbound video \(rendered frames\)[\s\S]*16 lost from frame codes[\s\S]*0 keyframes[\s\S]*1 freezes totalling 566.7 ms/,
    )
    expect(track).toHaveResolution(640, 360)
    expect(track).toHaveVideoDelayBelow(51)
  })

  it('each assertion is stored in the test metadata for reports', ({ task }) => {
    expect(receiver(clean.arrivals)).toHaveFrameRateAbove(25)
    const list = (task.meta as { rtcspecVideo?: VideoAssertionRecord[] }).rtcspecVideo ?? []
    expect(list.at(-1)).toMatchObject({ matcher: 'toHaveFrameRateAbove', subject: "bob's inbound video", passed: true, analysis: { decodable: 90 } })
  })
})
