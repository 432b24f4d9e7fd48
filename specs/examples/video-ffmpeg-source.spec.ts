/**
 * FFmpeg → rtcspec video: FFmpeg's RTP muxer sends its testsrc pattern (VP8, 320×180 at 20 fps for 2 s) as plain
 * RTP to the video port a plain-RTP peer offered; the peer assembles the frames from the packets. FFmpeg's
 * duration fixes the frame count (40), so every one of them must arrive complete, keyframes every second.
 * Needs FFmpeg with libvpx (`sudo apt-get install -y ffmpeg`).
 * Run: npx rtcspec run specs/examples/video-ffmpeg-source.spec.ts
 */
import { test, expect } from 'rtcspec'

test('every frame FFmpeg sent arrives complete, at its size and rate', { timeout: 30_000 }, async ({ ffmpeg, peers }) => {
  // video: 'recvonly' gives the offer an m=video section (VP8 on payload type 96, H.264 on 102) on its own port;
  // a peer of the fixture is closed after the test and its call recorded (the report and the gates see it)
  const rx = peers.rtp({ name: 'rx', audio: false, video: 'recvonly' })
  await rx.createOffer()
  const source = await ffmpeg.source({
    durationMs: 2000,
    video: { to: { host: '127.0.0.1', port: rx.localVideoPort as number }, codec: 'VP8', width: 320, height: 180, fps: 20, payloadType: 96 },
  })
  const track = await rx.waitForTrack('video', 10_000)
  await expect(track).toReceiveVideo({ frames: 10, within: '5s' })
  await source.exited
  await track.waitForVideoFrames?.(40, 5000)

  const frames = track.videoFrames?.() ?? []
  expect(frames).toHaveLength(40)
  expect(frames.every((f) => f.complete)).toBe(true)
  // FFmpeg's keyframe interval is one second (g = fps): frames 0 and 20
  expect(frames.flatMap((f, i) => (f.keyframe ? [i] : []))).toEqual([0, 20])
  expect(track).toHaveResolution(320, 180)
  // 20 fps on the media clock: 4500 ticks of 90 kHz between frames (FFmpeg's own pacing is not judged here)
  expect(new Set(frames.slice(1).map((f, i) => (f.rtpTimestamp - (frames[i]?.rtpTimestamp ?? 0)) >>> 0))).toEqual(new Set([4500]))
})
