/**
 * The pure parts of the Chromium peer's video: the browser's getStats video counters in rtcspec's shapes, their
 * per-second buckets, the rendered-frame rows the page hands over, and the sender's option checks.
 */
import { describe, expect, it } from 'vitest'
import { videoInboundFromStats, videoOutboundFromStats } from '../../src/peers/chromium/video-stats.ts'
import { VideoCounterTimeline } from '../../src/peers/chromium/video-timeline.ts'
import { RenderedFrameLog, renderedFrameFromRow } from '../../src/peers/chromium/rendered-frames.ts'
import { parseVideoPatternChange, resolveVideoPattern } from '../../src/peers/chromium/video-sender.ts'
import { normalizeBrowserStats } from '../../src/peers/chromium/stats.ts'
import { ChromiumPeerOptionsSchema } from '../../src/peers/peer-options.ts'
import { RtcspecError } from '../../src/errors.ts'
import type { NativeVideoInboundStats } from '../../src/peers/types.ts'

const counters = (o: Partial<NativeVideoInboundStats>): NativeVideoInboundStats => ({
  framesReceived: 0,
  framesDecoded: 0,
  framesDropped: 0,
  keyFramesDecoded: 0,
  freezeCount: 0,
  totalFreezesDurationMs: 0,
  pauseCount: 0,
  totalPausesDurationMs: 0,
  pliCount: 0,
  firCount: 0,
  nackCount: 0,
  ...o,
})

describe('browser video counters', () => {
  it('converts seconds to ms, averages the jitter buffer delay per frame and leaves out what is not reported', () => {
    const v = videoInboundFromStats({
      framesReceived: 100,
      framesDecoded: 98,
      keyFramesDecoded: 2,
      freezeCount: 1,
      totalFreezesDuration: 1.25,
      totalPausesDuration: 0,
      frameWidth: 640,
      frameHeight: 360,
      jitterBufferDelay: 4,
      jitterBufferEmittedCount: 80,
      pliCount: 3,
      decoderImplementation: 'libvpx',
    })
    expect(v).toEqual(
      counters({
        framesReceived: 100,
        framesDecoded: 98,
        keyFramesDecoded: 2,
        freezeCount: 1,
        totalFreezesDurationMs: 1250,
        frameWidth: 640,
        frameHeight: 360,
        jitterBufferDelayMs: 50,
        pliCount: 3,
        decoderImplementation: 'libvpx',
      }),
    )
    expect('framesPerSecond' in v).toBe(false)
    expect(videoOutboundFromStats({ framesEncoded: 10, keyFramesEncoded: 1, framesSent: 9, nackCount: 2, qualityLimitationReason: 'cpu' })).toEqual({
      framesEncoded: 10,
      keyFramesEncoded: 1,
      framesSent: 9,
      hugeFramesSent: 0,
      pliCount: 0,
      firCount: 0,
      nackCount: 2,
      qualityLimitationReason: 'cpu',
    })
  })

  it('normalizeBrowserStats attaches them to video streams only', () => {
    const view = normalizeBrowserStats([
      { id: 'a', type: 'inbound-rtp', kind: 'audio', packetsReceived: 5 },
      { id: 'v', type: 'inbound-rtp', kind: 'video', packetsReceived: 50, framesDecoded: 7 },
      { id: 'o', type: 'outbound-rtp', kind: 'video', packetsSent: 60, framesEncoded: 9 },
    ])
    expect(view.inbound.find((i) => i.kind === 'audio')?.video).toBeUndefined()
    expect(view.inbound.find((i) => i.kind === 'video')?.video?.framesDecoded).toBe(7)
    expect(view.outbound[0]?.video?.framesEncoded).toBe(9)
  })

  it('buckets what grew between samples per second, from the first sample with a frame', () => {
    const t = new VideoCounterTimeline()
    t.add(counters({}), 0)
    t.add(counters({ framesReceived: 10, framesDecoded: 9, frameWidth: 320, frameHeight: 240 }), 100)
    t.add(counters({ framesReceived: 30, framesDecoded: 29 }), 900)
    t.add(
      counters({ framesReceived: 60, framesDecoded: 58, framesDropped: 1, freezeCount: 1, totalFreezesDurationMs: 700, frameWidth: 640, frameHeight: 360 }),
      2200,
    )
    expect(t.buckets()).toEqual([
      { second: 0, framesReceived: 30, framesDecoded: 29, framesDropped: 0, freezeCountSoFar: 0, freezesDurationMsSoFar: 0, width: 320, height: 240 },
      { second: 1, framesReceived: 0, framesDecoded: 0, framesDropped: 0, freezeCountSoFar: 0, freezesDurationMsSoFar: 0, width: 320, height: 240 },
      { second: 2, framesReceived: 30, framesDecoded: 29, framesDropped: 1, freezeCountSoFar: 1, freezesDurationMsSoFar: 700, width: 640, height: 360 },
    ])
    // a new receiver (counters went down) counts from zero again
    t.add(counters({ framesReceived: 5, framesDecoded: 5 }), 2300)
    expect(t.buckets()[2]?.framesDecoded).toBe(34)
  })
})

describe('rendered frames', () => {
  it('turns page rows into frames on the wall clock, codes and unknowns left out when -1', () => {
    // presentation at 1000 ms of the page's performance clock = 1_700_000_001_000 ms wall clock
    expect(renderedFrameFromRow([5, 1000, 1016, 320, 240, 42, 123456, 990, 9000, 1_700_000_001_000])).toEqual({
      presentedFrames: 5,
      presentedAtMs: 1_700_000_001_000,
      expectedDisplayAtMs: 1_700_000_001_016,
      receivedAtMs: 1_700_000_000_990,
      rtpTimestamp: 9000,
      width: 320,
      height: 240,
      code: { index: 42, captureMs: 123456 },
    })
    const f = renderedFrameFromRow([6, 1033, 1049, 320, 240, -1, -1, -1, -1, 1_700_000_001_033])
    expect(f.code).toBeUndefined()
    expect(f.receivedAtMs).toBeUndefined()
    expect(f.rtpTimestamp).toBeUndefined()
  })

  it('keeps the latest frames past the cap (letting the oldest go in chunks), the first one apart, and counts the rest', () => {
    const log = new RenderedFrameLog(10)
    const row = (n: number) => [n, n, n, 32, 32, n, n, -1, -1, n] as [number, number, number, number, number, number, number, number, number, number]
    for (let n = 1; n <= 30; n++) log.add({ index: 0, frames: [row(n)], dropped: 0, total: n })
    expect(log.frames.length).toBeLessThanOrEqual(11)
    expect(log.frames.at(-1)?.presentedFrames).toBe(30)
    expect(log.frames.map((f) => f.presentedFrames)).toEqual(Array.from({ length: log.frames.length }, (_, i) => 31 - log.frames.length + i))
    expect(log.dropped).toBe(30 - log.frames.length)
    expect(log.first?.presentedFrames).toBe(1)
    expect(log.seen).toBe(30)
    // an empty batch trims to the cap exactly; frames the page could not hand over count as dropped too
    log.add({ index: 0, frames: [], dropped: 4, total: 34 })
    expect(log.frames.length).toBe(10)
    expect(log.dropped).toBe(20 + 4)
  })
})

describe('sendVideo options', () => {
  it('defaults to 640×480 at 30 fps, moving, resolution kept; an EncodedVideo gives its codec, rate and size', () => {
    expect(resolveVideoPattern(undefined, 'x')).toMatchObject({
      width: 640,
      height: 480,
      fps: 30,
      mode: 'moving',
      degradation: 'maintain-resolution',
      codec: undefined,
    })
    const r = resolveVideoPattern(
      {
        codec: 'H264',
        fps: 25,
        description: 'clip.mp4',
        frames: [{ index: 0, timestampMs: 0, keyframe: true, data: new Uint8Array(), width: 1280, height: 720 }],
      },
      'x',
    )
    expect(r).toMatchObject({ codec: 'H264', fps: 25, width: 1280, height: 720 })
    expect(r.description).toContain('in place of clip.mp4')
    expect(resolveVideoPattern({ maxBitrateKbps: 300 }, 'x').maxBitrateBps).toBe(300_000)
  })

  it('refuses what cannot be drawn or sent, naming the option', () => {
    const fails = (f: () => unknown) => {
      try {
        f()
      } catch (e) {
        expect(e).toBeInstanceOf(RtcspecError)
        return (e as Error).message
      }
      throw new Error('did not throw')
    }
    expect(fails(() => resolveVideoPattern({ width: 10 }, 'the options'))).toMatch(/width/)
    expect(fails(() => resolveVideoPattern({ codec: 'VP9' as 'VP8' }, 'the options'))).toMatch(/codec/)
    expect(fails(() => resolveVideoPattern({ fps: 30, framerate: 30 } as object, 'the options'))).toMatch(/framerate/)
    expect(fails(() => parseVideoPatternChange({ width: 640 }))).toMatch(/width and height together/)
    expect(fails(() => parseVideoPatternChange({ mode: 'paused' as 'frozen' }))).toMatch(/mode/)
    expect(ChromiumPeerOptionsSchema.safeParse({ video: 'recvonly', videoCodecs: ['H264'], maxRenderedFrames: 100 }).success).toBe(true)
    expect(ChromiumPeerOptionsSchema.safeParse({ videoCodecs: ['AV1'] }).success).toBe(false)
  })
})
