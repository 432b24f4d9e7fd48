/**
 * werift ↔ werift video: a pre-encoded FFmpeg testsrc stream (known keyframes and sizes) sent by `sendVideo`,
 * assembled into frames by the receiving track, checked frame by frame against the sender's ground truth; PLI
 * answered by the next keyframe; the recording decodes with FFmpeg to the same frames.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'
import type { VideoCodecName } from '../../src/media/video/types.ts'
import { UdpRelay } from '../../src/net/relay.ts'
import { connectBackToBack } from '../../src/peers/back-to-back.ts'
import { relayPath } from '../../src/peers/relay-path.ts'
import { buildCallRecord, CallRecordSchema } from '../../src/peers/call-record.ts'
import { savePeerRecordings, saveVideoTrackRecording } from '../../src/peers/recording-files.ts'
import { createWeriftPeer } from '../../src/peers/werift/peer.ts'
import { waitFor } from '../../src/wait.ts'
import { encodeTestsrc } from './werift-video-source.ts'

const run = promisify(execFile)

/** alice sends `codec` video to bob; both werift, connected back to back (the call closes both). */
async function pair(codec: VideoCodecName, relay?: UdpRelay) {
  const alice = createWeriftPeer({ name: 'alice', audio: false, video: 'sendonly', videoCodecs: [codec] })
  const bob = createWeriftPeer({ name: 'bob', audio: false, video: 'recvonly' })
  const call = await connectBackToBack(alice, bob, relay ? { path: relayPath(relay) } : {})
  return Object.assign(call, { alice, bob })
}

describe.each(['VP8', 'H264'] as const)('werift ↔ werift %s video', (codec) => {
  it('every frame sent arrives complete, with its keyframe flag, RTP timestamp and (on keyframes) size; a size change mid-stream shows; the recording decodes to the same frames', async () => {
    const video = await encodeTestsrc(codec, [
      { frames: 20, width: 320, height: 240, gop: 10 },
      { frames: 10, width: 176, height: 144, gop: 10 },
    ])
    expect(video.frames.map((f) => f.keyframe)).toEqual(video.frames.map((_, i) => i % 10 === 0)) // the source is what it says
    await using call = await pair(codec)
    const handle = call.alice.sendVideo(video)
    const track = await call.b.waitForTrack('video', 5000)
    await handle.ended
    await track.waitForVideoFrames?.(30, 10_000)

    const sent = handle.sentFrames()
    const frames = track.videoFrames?.() ?? []
    expect(sent.map((s) => s.index)).toEqual(video.frames.map((f) => f.index))
    expect(frames.map((f) => f.rtpTimestamp)).toEqual(sent.map((s) => s.rtpTimestamp))
    expect(frames.every((f) => f.complete && f.duplicatePackets === 0)).toBe(true)
    expect(frames.map((f) => f.keyframe)).toEqual(video.frames.map((f) => f.keyframe))
    const sizes = frames.filter((f) => f.keyframe).map((f) => `${f.width}x${f.height}`)
    expect(sizes).toEqual(['320x240', '320x240', '176x144'])
    // 90 kHz timestamps from the frames' presentation times (30 fps: 3000 ticks apart)
    expect(new Set(frames.slice(1).map((f, i) => (f.rtpTimestamp - (frames[i]?.rtpTimestamp ?? 0)) >>> 0))).toEqual(new Set([3000]))

    const stats = await call.b.stats()
    expect(stats.inbound[0]?.video).toMatchObject({ frames: 30, completeFrames: 30, keyframes: 3, width: 176, height: 144, pliSent: 0 })
    const out = (await call.a.stats()).outbound.find((o) => o.kind === 'video')
    expect(out?.video).toMatchObject({ framesSent: 30, keyframesSent: 3, keyframesOnRequest: 0 })
    expect(out?.codec?.encoding).toBe(codec)

    const dir = await mkdtemp(join(tmpdir(), 'rtcspec-rec-'))
    try {
      const saved = saveVideoTrackRecording(track, { dir, basename: 'bob-video' })
      expect(saved).toMatchObject({ kind: 'video', format: codec === 'VP8' ? 'ivf' : 'h264', frames: 30, incompleteFrames: 0 })
      const probe = await run(
        'ffprobe',
        ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=nb_read_frames,codec_name', '-of', 'json', saved.path],
        { timeout: 30_000 },
      )
      const stream = (JSON.parse(probe.stdout) as { streams: Array<{ nb_read_frames: string; codec_name: string }> }).streams[0]
      expect(stream).toEqual({ codec_name: codec === 'VP8' ? 'vp8' : 'h264', nb_read_frames: '30' })

      // Asked for (track.record()), the peer's recordings include the video track; the call record carries the video fields.
      track.record()
      const peerSaved = await savePeerRecordings(call.bob, { dir, suffix: 'call' })
      expect(peerSaved.errors).toEqual([])
      expect(peerSaved.saved).toMatchObject([{ kind: 'video', format: codec === 'VP8' ? 'ivf' : 'h264', frames: 30 }])
      const record = CallRecordSchema.parse(
        await buildCallRecord({ kind: 'video-test', peers: [call.alice, call.bob], startedAt: new Date(), recordings: { bob: peerSaved.saved } }),
      )
      expect(record.peers[0]?.rtp.outbound[0]?.video).toMatchObject({ framesSent: 30, keyframesSent: 3 })
      expect(record.peers[1]?.rtp.inbound[0]?.video).toMatchObject({ frames: 30, completeFrames: 30, keyframes: 3, pliSent: 0 })
      expect(record.peers[1]?.recordings?.[0]).toMatchObject({ format: codec === 'VP8' ? 'ivf' : 'h264', frames: 30, incompleteFrames: 0, sampleRate: 90_000 })
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('a PLI from the receiver makes the sender send its next keyframe as the very next frame', async () => {
    const video = await encodeTestsrc(codec, [{ frames: 60, width: 176, height: 144, gop: 30 }])
    await using call = await pair(codec)
    const handle = call.alice.sendVideo(video, { loop: true })
    const track = await call.b.waitForTrack('video', 5000)
    await track.waitForVideoFrames?.(5, 5000)
    expect(track.videoFeedback?.().pliSent).toBe(0) // the stream started with a keyframe: no join PLI
    const receiver = call.bob.pc.getTransceivers().find((t) => t.kind === 'video')?.receiver
    const ssrc = track.rtp.snapshot().ssrc as number
    await receiver?.sendRtcpPLI(ssrc)
    await waitFor(() => handle.keyframeRequests().length === 1 && handle.sentFrames().length > (handle.keyframeRequests()[0]?.framesSentBefore ?? Infinity), {
      timeoutMs: 5000,
      label: 'the sender to receive the PLI and send one more frame',
    })
    const request = handle.keyframeRequests()[0]
    const answer = handle.sentFrames()[request?.framesSentBefore ?? -1]
    const before = handle.sentFrames()[(request?.framesSentBefore ?? 0) - 1]
    expect(request?.kind).toBe('pli')
    expect(answer?.keyframe).toBe(true)
    // the jump skipped ahead to the next keyframe in the list (frame 30, or 0 after the loop)
    expect([0, 30]).toContain(answer?.index)
    expect(before?.keyframe === true && before.index === answer?.index).toBe(false)
    expect(handle.counters).toMatchObject({ pliReceived: 1, keyframesOnRequest: 1 })
    // the receiver got it: the frame with the answer's RTP timestamp arrives complete and as a keyframe
    await waitFor(() => (track.videoFrames?.() ?? []).some((f) => f.rtpTimestamp === answer?.rtpTimestamp && f.complete), {
      timeoutMs: 5000,
      label: 'the keyframe that answered the PLI to arrive complete',
    })
    expect((track.videoFrames?.() ?? []).find((f) => f.rtpTimestamp === answer?.rtpTimestamp)?.keyframe).toBe(true)
    handle.stop()
  })
})

describe('werift video feedback (PLI, FIR, NACK)', () => {
  it('joining mid-stream (no keyframe first) sends one PLI, answered by the next keyframe', async () => {
    const video = await encodeTestsrc('VP8', [{ frames: 40, width: 176, height: 144, gop: 20 }])
    await using call = await pair('VP8')
    const handle = call.alice.sendVideo(video, { startAtFrame: 5, loop: true })
    const track = await call.bob.waitForTrack('video', 5000)
    await waitFor(() => handle.keyframeRequests().length === 1 && handle.sentFrames().length > (handle.keyframeRequests()[0]?.framesSentBefore ?? Infinity), {
      timeoutMs: 5000,
      label: "alice to get bob's join PLI and send one more frame",
    })
    expect(handle.sentFrames()[0]).toMatchObject({ index: 5, keyframe: false })
    const answer = handle.sentFrames()[handle.keyframeRequests()[0]?.framesSentBefore ?? -1]
    expect(answer?.keyframe).toBe(true)
    expect([20, 0]).toContain(answer?.index) // the next keyframe (frame 20; after the loop, frame 0)
    expect(track.videoFeedback?.()).toMatchObject({ pliSent: 1, firSent: 0 })
    handle.stop()
  })

  it('a FIR (RFC 5104 §4.3.1) for the stream is answered like a PLI and counted as a FIR', async () => {
    const video = await encodeTestsrc('VP8', [{ frames: 60, width: 176, height: 144, gop: 30 }])
    await using call = await pair('VP8')
    const handle = call.alice.sendVideo(video, { loop: true })
    const track = await call.bob.waitForTrack('video', 5000)
    await track.waitForVideoFrames?.(3, 5000)
    const mediaSsrc = track.rtp.snapshot().ssrc as number
    // PSFB (PT 206) FMT 4, length 4 words: sender SSRC, media SSRC 0, FCI { SSRC, seq nr, reserved }
    const fir = Buffer.alloc(20)
    fir.writeUInt8(0x84, 0)
    fir.writeUInt8(206, 1)
    fir.writeUInt16BE(4, 2)
    fir.writeUInt32BE(0x1234, 4)
    fir.writeUInt32BE(mediaSsrc, 12)
    fir.writeUInt8(1, 16)
    const transceiver = call.bob.pc.getTransceivers().find((t) => t.kind === 'video')
    await transceiver?.receiver.dtlsTransport.sendRtcp([{ serialize: () => fir } as never])
    await waitFor(() => handle.keyframeRequests().length === 1 && handle.sentFrames().length > (handle.keyframeRequests()[0]?.framesSentBefore ?? Infinity), {
      timeoutMs: 5000,
      label: 'alice to get the FIR and send one more frame',
    })
    expect(handle.keyframeRequests()[0]?.kind).toBe('fir')
    expect(handle.sentFrames()[handle.keyframeRequests()[0]?.framesSentBefore ?? -1]?.keyframe).toBe(true)
    expect(handle.counters).toMatchObject({ firReceived: 1, pliReceived: 0, keyframesOnRequest: 1 })
    handle.stop()
  })

  it('a frame the network drops whole (retransmissions too) makes the receiver NACK, then send a PLI; the next frame sent is a keyframe', async () => {
    const video = await encodeTestsrc('VP8', [{ frames: 60, width: 176, height: 144, gop: 30 }])
    await using relay = await UdpRelay.create({ seed: 3 })
    await using call = await pair('VP8', relay)
    const handle = call.alice.sendVideo(video, { loop: true })
    const track = await call.bob.waitForTrack('video', 5000)
    await track.waitForVideoFrames?.(5, 5000)
    relay.dropFrames('toB', { payloadType: track.codec?.payloadType as number, after: 3, count: 1 })
    await waitFor(() => handle.keyframeRequests().length >= 1 && handle.sentFrames().length > (handle.keyframeRequests()[0]?.framesSentBefore ?? Infinity), {
      timeoutMs: 5000,
      label: "alice to get bob's loss PLI and send one more frame",
    })
    const dropped = relay.droppedFrames('toB')
    expect(dropped).toHaveLength(1)
    const lost = (track.videoFrames?.() ?? []).find((f) => f.rtpTimestamp === dropped[0]?.timestamp)
    expect(lost?.complete ?? false).toBe(false)
    const feedback = track.videoFeedback?.()
    expect(feedback?.pliSent).toBe(1)
    expect(feedback?.nackSent).toBeGreaterThan(0)
    expect(handle.counters.nackReceived).toBeGreaterThan(0)
    const answer = handle.sentFrames()[handle.keyframeRequests()[0]?.framesSentBefore ?? -1]
    expect(answer?.keyframe).toBe(true)
    handle.stop()
  })
})

describe('werift video: refusals', () => {
  it('a stream in a codec that was not negotiated ends at once with the reason in its stats and the timeline', async () => {
    const video = await encodeTestsrc('H264', [{ frames: 3, width: 176, height: 144, gop: 3 }])
    await using call = await pair('VP8')
    const handle = call.alice.sendVideo(video)
    await handle.ended
    expect(handle.stats.senderError).toMatch(/the stream is H264 but the negotiated video codecs are video\/VP8.*videoCodecs: \['H264'\]/)
    expect(call.alice.timeline.errors.at(-1)?.message).toBe(handle.stats.senderError)
    expect(handle.sentFrames()).toEqual([])
  })

  it('sendVideo on a peer without a sending video transceiver says how to make one', async () => {
    await using a = createWeriftPeer({ audio: false, video: 'recvonly' })
    const video = {
      codec: 'VP8' as const,
      fps: 30,
      description: 'x',
      frames: [{ index: 0, timestampMs: 0, keyframe: true, data: new Uint8Array(10), width: 2, height: 2 }],
    }
    expect(() => a.sendVideo(video)).toThrow(/video option is "recvonly".*|sendVideo needs a video transceiver that sends/)
  })
})
