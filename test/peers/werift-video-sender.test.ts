/**
 * The werift video sender on a fake clock: frames leave at their presentation times on an absolute schedule (no
 * drift), RTP timestamps are that media time at 90 kHz, a keyframe request jumps to the next keyframe without
 * moving the schedule, loops keep timestamps increasing, and the RFC packetization (VP8 descriptor, H.264
 * STAP-A/FU-A within the MTU) parses back with rtcspec's own payload reader.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { RtpPacket } from 'werift'
import type { EncodedVideo, EncodedVideoFrame } from '../../src/media/video/types.ts'
import { depacketizeVideoFrame } from '../../src/media/video/rtp-video-recorder.ts'
import { parseH264Packet, parseVp8Packet } from '../../src/rtp/video-payload.ts'
import { VIDEO_MAX_PAYLOAD, VideoSender } from '../../src/peers/werift/video-sender.ts'

/** A VP8 frame of `size` bytes: key frames with a valid 10-byte header (320×240). */
function vp8Frame(index: number, keyframe: boolean, size = 100): EncodedVideoFrame {
  const data = new Uint8Array(size).fill(index & 0xff)
  data.set(keyframe ? [0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00] : [0x11, 0x02, 0x00])
  return { index, timestampMs: (index * 1000) / 30, keyframe, data, width: 320, height: 240 }
}

function stream(frames: EncodedVideoFrame[], fps = 30): EncodedVideo {
  return { codec: 'VP8', fps, description: 'test', frames }
}

let clock = 0
beforeEach(() => {
  vi.useFakeTimers()
  clock = 0
})
afterEach(() => vi.useRealTimers())

/** Runs the fake clock forward `ms` in 1 ms steps (the sender reads `now` from `clock`). */
function advance(ms: number): void {
  for (let i = 0; i < ms; i++) {
    clock++
    vi.advanceTimersByTime(1)
  }
}

function sender(video: EncodedVideo, extra: { loop?: boolean; startAtFrame?: number } = {}) {
  const sent: Array<{ at: number; packet: RtpPacket }> = []
  const s = new VideoSender({
    video,
    ...extra,
    payloadType: 96,
    timestampBase: 1000,
    now: () => clock,
    transport: { send: (packet) => sent.push({ at: clock, packet }) },
  })
  return { s, sent }
}

describe('VideoSender', () => {
  it('sends each frame at start + its presentation time, with RTP timestamp base + 90 × media ms', () => {
    const video = stream(Array.from({ length: 10 }, (_, i) => vp8Frame(i, i === 0)))
    const { s, sent } = sender(video)
    s.start()
    advance(400)
    const frames = s.sentFrames()
    expect(frames.map((f) => f.index)).toEqual([...Array(10).keys()])
    // due at round-up of i × 33.3 ms on a 1 ms fake clock: never later than 1 ms, and no accumulated drift
    frames.forEach((f, i) => {
      expect(f.sentAtMs - (i * 1000) / 30).toBeGreaterThanOrEqual(0)
      expect(f.sentAtMs - (i * 1000) / 30).toBeLessThan(1)
      expect(f.rtpTimestamp).toBe(1000 + i * 3000)
    })
    expect(sent.every((p) => p.packet.header.marker)).toBe(true) // one packet per 100-byte frame
    expect(s.counters).toMatchObject({ framesSent: 10, keyframesSent: 1, lateFrames: 0 })
  })

  it('follows the stream’s own presentation times (variable frame rate)', () => {
    const frames = [0, 40, 50, 150].map((t, i) => ({ ...vp8Frame(i, i === 0), timestampMs: t }))
    const { s } = sender(stream(frames))
    s.start()
    advance(200)
    expect(s.sentFrames().map((f) => [f.sentAtMs, f.rtpTimestamp - 1000])).toEqual([
      [0, 0],
      [40, 3600],
      [50, 4500],
      [150, 13_500],
    ])
  })

  it('a keyframe request makes the very next frame the next keyframe, on the same schedule; a loop keeps timestamps increasing', () => {
    const video = stream(Array.from({ length: 8 }, (_, i) => vp8Frame(i, i % 4 === 0)))
    const { s } = sender(video, { loop: true })
    s.start()
    advance(35) // frames 0, 1 sent
    s.requestKeyframe('pli')
    advance(100)
    const f = s.sentFrames()
    expect(f.slice(0, 4).map((x) => x.index)).toEqual([0, 1, 4, 5])
    expect(f[2]).toMatchObject({ keyframe: true, rtpTimestamp: 1000 + 2 * 3000 })
    expect(s.keyframeRequests()).toEqual([{ kind: 'pli', atMs: 35, framesSentBefore: 2 }])
    expect(s.counters).toMatchObject({ pliReceived: 1, keyframesOnRequest: 1 })
    advance(200) // past the end: frames 6, 7, then 0 again
    const all = s.sentFrames()
    const wrap = all.findIndex((x, i) => i > 0 && x.index === 0)
    expect(wrap).toBeGreaterThan(0)
    expect(all.slice(1).every((x, i) => x.rtpTimestamp - (all[i]?.rtpTimestamp ?? 0) === 3000)).toBe(true)
    expect(s.counters.loops).toBe(1)
    s.requestKeyframe('fir')
    expect(s.counters.firReceived).toBe(1)
    s.stop()
  })

  it('a stream that does not loop ends after its last frame (`ended` resolves); startAtFrame is checked', async () => {
    const { s } = sender(stream([vp8Frame(0, true), vp8Frame(1, false)]))
    s.start()
    advance(40)
    await s.ended
    expect(s.sentFrames()).toHaveLength(2)
    expect(() => sender(stream([vp8Frame(0, true)]), { startAtFrame: 1 })).toThrow(/startAtFrame 1 is outside the stream's 1 frames/)
  })

  it('packetizes VP8 within the MTU (RFC 7741 descriptor, S on the first packet only) and the packets rebuild the frame', () => {
    const big = vp8Frame(0, true, 5000)
    const { s, sent } = sender(stream([big]))
    s.start()
    advance(1)
    expect(sent.length).toBe(Math.ceil(5000 / (VIDEO_MAX_PAYLOAD - 4)))
    expect(sent.every((p) => p.packet.payload.length <= VIDEO_MAX_PAYLOAD)).toBe(true)
    expect(sent.map((p) => parseVp8Packet(p.packet.payload).frameStart)).toEqual(sent.map((_, i) => i === 0))
    expect(sent.map((p) => p.packet.header.marker)).toEqual(sent.map((_, i) => i === sent.length - 1))
    expect(
      depacketizeVideoFrame(
        'VP8',
        sent.map((p) => p.packet.payload),
      ),
    ).toEqual(big.data)
  })

  it('packetizes H.264 access units: SPS+PPS in a STAP-A, a large IDR in FU-A fragments; the packets rebuild the Annex B unit', () => {
    const sps = Uint8Array.from(Buffer.from('6742c00bd902c4ec0440000003004000000f03c50a92', 'hex'))
    const pps = Uint8Array.of(0x68, 0xce, 0x3c, 0x80)
    const idr = new Uint8Array(3000).fill(7)
    idr[0] = 0x65
    const au = Uint8Array.from([0, 0, 0, 1, ...sps, 0, 0, 0, 1, ...pps, 0, 0, 0, 1, ...idr])
    const video: EncodedVideo = {
      codec: 'H264',
      fps: 30,
      description: 'h264',
      frames: [{ index: 0, timestampMs: 0, keyframe: true, data: au, width: 176, height: 144 }],
    }
    const { s, sent } = sender(video)
    s.start()
    advance(1)
    const kinds = sent.map((p) => parseH264Packet(p.packet.payload).packetization)
    expect(kinds[0]).toBe('stap-a')
    expect(kinds.slice(1).every((k) => k === 'fu-a')).toBe(true)
    expect(sent.every((p) => p.packet.payload.length <= VIDEO_MAX_PAYLOAD)).toBe(true)
    expect(
      depacketizeVideoFrame(
        'H264',
        sent.map((p) => p.packet.payload),
      ),
    ).toEqual(au)
  })
})
