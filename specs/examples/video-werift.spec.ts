/**
 * werift ↔ werift video with ground truth: alice sends rtcspec's moving test pattern (encoded once by FFmpeg, VP8
 * and then H.264) frame by frame at 30 fps; bob's track assembles the frames from the RTP packets. Every frame
 * alice lists as sent must arrive complete, keyframes where alice sent them, at the pattern's size and rate.
 * (Arrival-time figures — achieved fps, freezes — are left to specs/examples/video-lossy.spec.ts: on a loaded
 * machine they measure the machine.)
 * Needs FFmpeg with libvpx and libx264 (`sudo apt-get install -y ffmpeg`).
 * Run: npx rtcspec run specs/examples/video-werift.spec.ts
 */
import { test, expect } from 'rtcspec'
import { connectBackToBack } from 'rtcspec/peers'
import { encodeVideoPattern } from 'rtcspec/services'

for (const codec of ['VP8', 'H264'] as const) {
  test(`${codec}: every frame sent arrives complete, with its keyframe flag, at 320×240 and 30 fps`, { timeout: 60_000 }, async ({ peers }) => {
    // 2 s of the pattern, a keyframe every second (FFmpeg; cached after the first run)
    const video = await encodeVideoPattern({ codec, width: 320, height: 240, fps: 30, seconds: 2, bitrateKbps: 300, keyframeIntervalFrames: 30 })
    const alice = peers.werift({ name: 'alice', audio: false, video: 'sendonly', videoCodecs: [codec] })
    const bob = peers.werift({ name: 'bob', audio: false, video: 'recvonly' })
    await using _call = await connectBackToBack(alice, bob)

    const sender = alice.sendVideo(video)
    const track = await bob.waitForTrack('video', 5000)
    await expect(track).toReceiveVideo({ frames: 10, within: '5s' })
    await sender.ended
    await track.waitForVideoFrames?.(video.frames.length, 5000)

    // The arrivals against alice's ground truth: same frames (by RTP timestamp), all complete, same keyframes.
    const sent = sender.sentFrames()
    const frames = track.videoFrames?.() ?? []
    expect(frames.map((f) => f.rtpTimestamp)).toEqual(sent.map((s) => s.rtpTimestamp))
    expect(frames.every((f) => f.complete)).toBe(true)
    expect(frames.map((f) => f.keyframe)).toEqual(sent.map((s) => s.keyframe))
    // 30 fps on the media clock: consecutive frames 3000 ticks of 90 kHz apart.
    expect(new Set(frames.slice(1).map((f, i) => (f.rtpTimestamp - (frames[i]?.rtpTimestamp ?? 0)) >>> 0))).toEqual(new Set([3000]))
    // The size matcher reads the same frames (the keyframes state it).
    expect(track).toHaveResolution(320, 240)
  })
}
