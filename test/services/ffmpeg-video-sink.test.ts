/**
 * FFmpeg as a video sink for what a werift peer received: alice (werift) sends rtcspec's pattern, encoded once by
 * FFmpeg, frame by frame; bob (werift) receives it over DTLS-SRTP and forwards the decrypted RTP as plain RTP to an
 * FFmpeg sink, which records it as IVF, WebM, MP4 or an H.264 Annex B file. Known truth: every picture of the
 * pattern carries its frame index, and alice lists every frame she sent; the recording, decoded by FFmpeg, must
 * show exactly those frames in order.
 */
import { readFileSync } from 'node:fs'
import { afterAll, describe, expect, test } from 'vitest'
import { splitAccessUnits } from '../../src/media/video/annexb.ts'
import { readIvf } from '../../src/media/video/ivf.ts'
import type { EncodedVideo, VideoCodecName } from '../../src/media/video/types.ts'
import { freeUdpPortRange } from '../../src/net/ports.ts'
import { connectBackToBack } from '../../src/peers/back-to-back.ts'
import { forwardRtp } from '../../src/peers/rtp-forward.ts'
import { createWeriftPeer } from '../../src/peers/werift/peer.ts'
import { plainRtpSdp, startFfmpegSink, type VideoSinkFormat } from '../../src/services/ffmpeg.ts'
import { decodeVideo, encodeVideoPattern } from '../../src/services/video-encode.ts'
import { waitFor } from '../../src/wait.ts'
import { assertNoServiceLeaks, providerCases } from './providers.ts'

afterAll(() => assertNoServiceLeaks())

const PT = { VP8: 96, H264: 102 } as const

/** Frames in a recording so far, for the containers that can be counted from outside while FFmpeg writes (else undefined). */
function framesOnDisk(file: string, format: VideoSinkFormat): number | undefined {
  let bytes: Uint8Array
  try {
    bytes = readFileSync(file)
  } catch {
    return 0
  }
  try {
    if (format === 'ivf') return readIvf(bytes).frames.length
    // the last access unit may still be being written: count the complete ones before it
    if (format === 'h264') return Math.max(0, splitAccessUnits(bytes).length - 1)
  } catch {
    return 0
  }
  return undefined
}

const cases: Array<{ codec: VideoCodecName; format: VideoSinkFormat }> = [
  { codec: 'VP8', format: 'ivf' },
  { codec: 'VP8', format: 'webm' },
  { codec: 'VP8', format: 'mp4' },
  { codec: 'H264', format: 'mp4' },
  { codec: 'H264', format: 'h264' },
]

describe.each(providerCases('ffmpeg', 'ffmpeg', 'ffmpeg'))('FFmpeg video sink, $provider provider', ({ provider, skip }) => {
  for (const { codec, format } of cases) {
    test.skipIf(skip)(
      `werift ${codec} → werift → FFmpeg ${format}: the recording decodes to every frame sent, in order, each with its code`,
      async () => {
        // 2 s at 30 fps, a keyframe every second (encoded once, cached)
        const video: EncodedVideo = await encodeVideoPattern({
          codec,
          width: 320,
          height: 240,
          fps: 30,
          seconds: 2,
          bitrateKbps: 300,
          keyframeIntervalFrames: 30,
          provider,
        })
        const { min: port } = await freeUdpPortRange(2)
        const fmtp = codec === 'H264' ? 'packetization-mode=1;profile-level-id=42e01f;level-asymmetry-allowed=1' : undefined
        await using sink = await startFfmpegSink({
          provider,
          sdp: plainRtpSdp({ kind: 'video', port, payloadType: PT[codec], encoding: codec, clockRate: 90000, ...(fmtp ? { fmtp } : {}) }),
          format,
          maxDurationMs: 60_000,
        })
        expect(sink.file.endsWith(`.${format}`)).toBe(true)
        const alice = createWeriftPeer({ name: 'alice', audio: false, video: 'sendonly', videoCodecs: [codec] })
        const bob = createWeriftPeer({ name: 'bob', audio: false, video: 'recvonly' })
        await using _call = await connectBackToBack(alice, bob)
        // bob's track exists once negotiated (before any RTP): forwarding starts before the first frame is sent
        const track = await bob.waitForTrack('video', 5000)
        await using fwd = await forwardRtp(track, { host: '127.0.0.1', port }, { payloadType: PT[codec] })
        // looped: the stream still flows when the sink stops, as when a live stream's recording is stopped
        const sender = alice.sendVideo(video, { loop: true })
        await waitFor(() => (sink.framesWritten() ?? 0) >= video.frames.length, {
          timeoutMs: 15_000,
          intervalMs: 50,
          label: `FFmpeg to write ${video.frames.length} frames to ${format} (${sink.framesWritten()} at the start of the wait)`,
        })
        const rec = await sink.stop()
        sender.stop()
        await fwd.close()
        const sent = sender.sentFrames?.() ?? []
        const frames = track.videoFrames?.() ?? []
        // what bob assembled is what alice sent, every frame complete, and every packet went on to FFmpeg
        expect(frames.map((f) => f.rtpTimestamp)).toEqual(sent.slice(0, frames.length).map((s) => s.rtpTimestamp))
        expect(frames.every((f) => f.complete)).toBe(true)
        expect(fwd.forwarded).toBe(track.rtp.snapshot().received)
        expect(rec.bytes.length).toBeGreaterThan(10_000)
        const onDisk = framesOnDisk(rec.file, format)
        if (onDisk !== undefined) expect(onDisk).toBeGreaterThanOrEqual(video.frames.length)

        const decoded = await decodeVideo(rec.file, { provider })
        expect(decoded.width).toBe(320)
        expect(decoded.height).toBe(240)
        const codes = decoded.frames.map((f) => f.code?.index)
        // the frames sent, from the first, in order, none lost, repeated or added, up to where the recording stopped;
        // each code read is the frame at its position
        expect(decoded.frames.length).toBeGreaterThanOrEqual(video.frames.length)
        expect(decoded.frames.length).toBeLessThanOrEqual(frames.length)
        codes.forEach((c, i) => {
          if (c !== undefined) expect(c, `decoded picture ${i}: ${codes.slice(Math.max(0, i - 3), i + 3).join(',')}`).toBe(sent[i]!.index)
        })
        expect(codes.filter((c) => c !== undefined).length, `codes read: ${codes.join(',')}`).toBeGreaterThanOrEqual(Math.ceil(0.98 * codes.length))
      },
      120_000,
    )
  }
})

describe('FFmpeg video sink options', () => {
  test('a container that cannot carry the codec is refused, naming what can', async () => {
    const { min: port } = await freeUdpPortRange(2)
    const sdp = plainRtpSdp({ kind: 'video', port, payloadType: 102, encoding: 'H264', clockRate: 90000 })
    await expect(startFfmpegSink({ sdp, format: 'ivf', provider: 'local' })).rejects.toThrow(
      /cannot record H264 as ivf[\s\S]*record VP8 as ivf, webm or mp4, and H.264 as h264 or mp4/,
    )
    const vp8 = plainRtpSdp({ kind: 'video', port, payloadType: 96, encoding: 'VP8', clockRate: 90000 })
    await expect(startFfmpegSink({ sdp: vp8, format: 'h264', provider: 'local' })).rejects.toThrow(/cannot record VP8 as h264/)
  })
  test('an audio sink has no video frame count', async () => {
    const { min: port } = await freeUdpPortRange(2)
    await using sink = await startFfmpegSink({
      sdp: plainRtpSdp({ kind: 'audio', port, payloadType: 0, encoding: 'PCMU', clockRate: 8000 }),
      provider: 'local',
    })
    expect(sink.framesWritten()).toBeUndefined()
  })
  test('a format for an audio stream, or an unknown one, is refused', async () => {
    const { min: port } = await freeUdpPortRange(2)
    const sdp = plainRtpSdp({ kind: 'audio', port, payloadType: 0, encoding: 'PCMU', clockRate: 8000 })
    await expect(startFfmpegSink({ sdp, format: 'webm', provider: 'local' })).rejects.toThrow(/format 'webm' is for video/)
    // @ts-expect-error an unknown container
    await expect(startFfmpegSink({ sdp, format: 'avi', provider: 'local' })).rejects.toThrow(/format/)
  })
})
