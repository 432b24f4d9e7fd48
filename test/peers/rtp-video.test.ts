/**
 * FFmpeg → rtcspec: FFmpeg's RTP muxer sends VP8 or H.264 (testsrc at a known size and rate) to the port a
 * plain-RTP peer offered for video; the peer assembles the frames like any other. FFmpeg's duration fixes how many
 * frames it sends, so every one of them must arrive complete, with a keyframe first and every `g` frames after.
 */
import { describe, expect, it } from 'vitest'
import { createRtpPeer } from '../../src/peers/rtp/peer.ts'
import { startFfmpegSource } from '../../src/services/ffmpeg.ts'

describe.each([
  ['VP8', 96],
  ['H264', 102],
] as const)('plain-RTP peer receiving %s from FFmpeg', (codec, payloadType) => {
  it('assembles every frame FFmpeg sent, complete, with its keyframes and picture size', async () => {
    await using peer = createRtpPeer({ name: 'rx', audio: false, video: 'recvonly' })
    const offer = await peer.createOffer()
    expect(offer.sdp).toMatch(new RegExp(`^m=video ${peer.localVideoPort} RTP/AVP 96 102\\r$`, 'm'))
    const port = peer.localVideoPort as number
    // 1.5 s at 20 fps: 30 frames; FFmpeg's keyframe interval is one second (g = fps)
    await using source = await startFfmpegSource({
      durationMs: 1500,
      video: { to: { host: '127.0.0.1', port }, codec, width: 320, height: 180, fps: 20, payloadType },
    })
    const exit = await source.exited
    expect(exit.code, source.log.text()).toBe(0)
    const track = await peer.waitForTrack('video', 5000)
    await track.waitForVideoFrames?.(30, 5000)
    const frames = track.videoFrames?.() ?? []
    expect(frames).toHaveLength(30)
    expect(frames.every((f) => f.complete)).toBe(true)
    expect(frames.map((f, i) => (f.keyframe ? i : -1)).filter((i) => i >= 0)).toEqual([0, 20])
    expect(frames[0]).toMatchObject({ width: 320, height: 180 })
    // 90 kHz timestamps 4500 apart at 20 fps
    expect(new Set(frames.slice(1).map((f, i) => (f.rtpTimestamp - (frames[i] as (typeof frames)[number]).rtpTimestamp) >>> 0))).toEqual(new Set([4500]))
    expect(track.codec?.encoding).toBe(codec)
    const stats = await peer.stats()
    expect(stats.inbound.find((t) => t.kind === 'video')?.video).toMatchObject({ frames: 30, completeFrames: 30, keyframes: 2, width: 320, height: 180 })
  })
})

describe('plain-RTP peer video options', () => {
  it('refuses to send video, and waiting for a video track without video says how to enable it', async () => {
    expect(() => createRtpPeer({ video: 'sendrecv' as 'recvonly' })).toThrow(/receives video only/)
    await using peer = createRtpPeer({ audio: false })
    await expect(peer.waitForTrack('video', 100)).rejects.toThrow(/takes no video/)
  })
})
