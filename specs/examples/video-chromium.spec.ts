/**
 * Video from a real browser: a headless Chromium page draws rtcspec's test pattern (every frame carries its index
 * and its real capture time in a machine-readable code), encodes it with the browser's H.264 encoder and sends it;
 * a second Chromium page plays it and reads the code of every frame it renders. The matchers judge what was
 * rendered; the browser's own counters are there to compare with.
 * Needs Chromium (`sudo apt-get install chromium`, or RTCSPEC_CHROMIUM=/path/to/chrome); skipped without it.
 * Run: npx rtcspec run specs/examples/video-chromium.spec.ts
 */
import { existsSync } from 'node:fs'
import { test, expect } from 'rtcspec'
import { chromiumExecutable, connectBackToBack, type ChromiumInboundTrack } from 'rtcspec/peers'

const noChromium = !existsSync(chromiumExecutable()) && process.env.CI !== 'true'

test.skipIf(noChromium)('Chromium sends the pattern in H.264; the viewer plays it live, in order, without freezes', { timeout: 60_000 }, async ({ peers }) => {
  const camera = await peers.chromium({ name: 'camera', audio: false })
  const viewer = await peers.chromium({ name: 'viewer', audio: false })
  // before the offer, so the video section is negotiated; drawing starts once the call is up
  const sent = camera.sendVideo({ codec: 'H264', width: 640, height: 360, fps: 30 })
  await using _call = await connectBackToBack(camera, viewer)

  const track = (await viewer.waitForTrack('video', 10_000)) as ChromiumInboundTrack
  // 90 frames (3 s at 30 fps) rendered with a readable code, each a frame the camera drew
  await expect(track).toReceiveVideo({ frames: 90, within: '15s' })
  expect(track).toHaveResolution(640, 360)
  expect(track).toHaveFreezesBelow({ count: 1 })
  // same machine, same clock: the code's capture time gives the true glass-to-glass delay
  expect(track).toHaveVideoDelayBelow(500)

  // the browser's own view of the same stream, for comparison
  const stats = await viewer.stats()
  const counters = stats.inbound.find((i) => i.kind === 'video')?.nativeVideo
  expect(stats.inbound.find((i) => i.kind === 'video')?.codec?.encoding).toBe('H264')
  expect(counters?.freezeCount).toBe(0)
  expect(counters?.keyFramesDecoded).toBeGreaterThanOrEqual(1)
  console.log(`${sent.description}: drawn ${sent.framesDrawn}, decoded ${counters?.framesDecoded}, rendered ${track.renderedFrames().length}`)
})
