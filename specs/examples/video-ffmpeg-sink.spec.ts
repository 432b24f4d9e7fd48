/**
 * werift → FFmpeg video: alice sends rtcspec's moving test pattern (VP8, 320×240 at 30 fps) to bob over WebRTC;
 * bob's received RTP is forwarded as plain RTP to FFmpeg, which records it as WebM (the VP8 frames copied as they
 * arrived). The recording, decoded by FFmpeg, must show alice's frames: every picture carries its frame index, so
 * each decoded picture is checked against the frame alice sent at that position.
 * Needs FFmpeg with libvpx (`sudo apt-get install -y ffmpeg`).
 * Run: npx rtcspec run specs/examples/video-ffmpeg-sink.spec.ts
 */
import { test, expect } from 'rtcspec'
import { connectBackToBack, forwardRtp, freeUdpPortRange } from 'rtcspec/peers'
import { decodeVideo, encodeVideoPattern, plainRtpSdp } from 'rtcspec/services'

test('FFmpeg records what bob received, and the recording shows the frames alice sent', { timeout: 60_000 }, async ({ peers, ffmpeg }) => {
  // 2 s of the pattern, a keyframe every second (FFmpeg; cached after the first run)
  const video = await encodeVideoPattern({ codec: 'VP8', width: 320, height: 240, fps: 30, seconds: 2, bitrateKbps: 300, keyframeIntervalFrames: 30 })
  const { min: port } = await freeUdpPortRange(2)
  // FFmpeg listens on 127.0.0.1:port for VP8 on payload type 96 and writes WebM (stopped after the test)
  const sink = await ffmpeg.sink({ sdp: plainRtpSdp({ kind: 'video', port, payloadType: 96, encoding: 'VP8', clockRate: 90000 }), format: 'webm' })

  const alice = peers.werift({ name: 'alice', audio: false, video: 'sendonly', videoCodecs: ['VP8'] })
  const bob = peers.werift({ name: 'bob', audio: false, video: 'recvonly' })
  await using _call = await connectBackToBack(alice, bob)
  const track = await bob.waitForTrack('video', 5000)
  await using forward = await forwardRtp(track, { host: '127.0.0.1', port }, { payloadType: 96 })

  // the pattern loops, so the stream still flows when the recording stops (FFmpeg then finishes the file)
  const sender = alice.sendVideo(video, { loop: true })
  await expect.poll(() => sink.framesWritten() ?? 0, { timeout: 15_000 }).toBeGreaterThanOrEqual(60)
  const recording = await sink.stop()
  sender.stop()
  await forward.close()

  // every decoded picture is the frame alice sent at its position (its code names the pattern frame)
  const decoded = await decodeVideo(recording.file)
  const sent = sender.sentFrames?.() ?? []
  expect(decoded.frames.length).toBeGreaterThanOrEqual(60)
  expect(decoded.frames.map((f) => f.code?.index)).toEqual(sent.slice(0, decoded.frames.length).map((s) => s.index))
})
