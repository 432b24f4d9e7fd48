/**
 * "The Live tab plays video within 3 seconds of opening", as a spec: rtcspec's test pattern (every frame carries
 * its index and capture time in a machine-readable code), encoded in VP8 by FFmpeg, is published over WHIP; a WHEP
 * viewer joins the running stream and must show it within 3 s of its POST, then play 10 s without a freeze.
 * The embedded reference server asks the publisher for a keyframe when a viewer joins, as SFUs do; start it with
 * `personalities: ['no-keyframe-on-join']` to see this spec fail the way a plain relay makes players stay black.
 * Needs FFmpeg with libvpx (scripts/install-system-deps.sh).
 * Run: npx rtcspec run specs/examples/whip-whep-video.spec.ts
 * Against your own server: WHIP_URL=https://host/whip/live WHEP_URL=https://host/whep/live npx rtcspec run …
 */
import { test, expect } from 'rtcspec'
import { encodeVideoPattern } from 'rtcspec/services'

test('a WHEP viewer shows the published pattern within 3 s, with no freeze over 10 s', { timeout: 90_000 }, async ({ whip, whep }) => {
  // 4 s of the moving pattern, looped by the publisher; a keyframe every 4 s, as OBS-like encoders send them
  const video = await encodeVideoPattern({ codec: 'VP8', width: 640, height: 360, fps: 30, seconds: 4, bitrateKbps: 600, keyframeIntervalFrames: 120 })
  const server = process.env.WHIP_URL ? undefined : await whip.server() // stopped after the test
  const whipUrl = process.env.WHIP_URL ?? server?.whipUrl('demo') ?? ''
  const whepUrl = process.env.WHEP_URL ?? server?.whepUrl('demo') ?? ''

  const pub = await whip.publish(whipUrl, { video, videoOptions: { loop: true } })
  // the viewer opens the Live tab 1.5 s into the stream, between two periodic keyframes
  await expect.poll(() => pub.video?.counters?.framesSent ?? 0, { timeout: 10_000 }).toBeGreaterThanOrEqual(45)
  const view = await whep.play(whepUrl, { video: true })

  // first picture within 3 s of the POST (the session's clock starts there)
  await expect(view).toReceiveVideo({ frames: 1, within: '3s' })
  expect(view).toShowFirstFrameWithin(3_000)

  // then 10 s of playback: 300 decodable frames at 30 fps, smooth and at size
  await expect(view).toReceiveVideo({ frames: 300, within: '13s' })
  expect(view).toHaveFreezesBelow({ count: 1 })
  expect(view).toHaveFrameRateAbove(25)
  expect(view).toHaveResolution(640, 360)
  // every frame the publisher sent after the viewer's first one arrived (the sender's ground truth)
  const got = new Set((view.videoFrames?.() ?? []).filter((f) => f.complete).map((f) => f.rtpTimestamp))
  const first = (view.videoFrames?.() ?? []).find((f) => f.complete && f.keyframe)
  const expected = (pub.video?.sentFrames?.() ?? []).filter((s) => first && s.sentAtMs > first.lastArrivalMs && s.sentAtMs < performance.now() - 500)
  expect(expected.filter((s) => !got.has(s.rtpTimestamp)).map((s) => s.index)).toEqual([])
})
