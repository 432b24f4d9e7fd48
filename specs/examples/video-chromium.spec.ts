/**
 * Video from a real browser into rtcspec: a headless Chromium page draws rtcspec's test pattern (every frame carries
 * its index and real capture time in a machine-readable code), encodes it with the browser's own H.264 encoder and
 * sends it to a werift peer, which assembles every frame from the RTP packets. The matchers judge what werift
 * received; the browser's own send counters are the ground truth to compare it with.
 * Needs Chromium (`sudo apt-get install chromium`, or RTCSPEC_CHROMIUM=/path/to/chrome); skipped without it.
 * Run: npx rtcspec run specs/examples/video-chromium.spec.ts
 */
import { existsSync } from 'node:fs'
import { test, expect } from 'rtcspec'
import { chromiumExecutable, connectBackToBack } from 'rtcspec/peers'

const noChromium = !existsSync(chromiumExecutable()) && process.env.CI !== 'true'

test.skipIf(noChromium)(
  'Chromium sends the pattern in H.264; werift receives every frame, at size, without freezes',
  { timeout: 60_000 },
  async ({ peers }) => {
    const camera = await peers.chromium({ name: 'camera', audio: false })
    const ingest = peers.werift({ name: 'ingest', audio: false, video: 'recvonly', videoCodecs: ['H264'] })
    // before the offer, so the video section is negotiated; drawing starts once the call is up
    const sent = camera.sendVideo({ codec: 'H264', width: 640, height: 360, fps: 30 })
    await using _call = await connectBackToBack(camera, ingest)

    const track = await ingest.waitForTrack('video', 10_000)
    // 90 decodable frames (3 s at 30 fps), assembled by werift from Chromium's packets
    await expect(track).toReceiveVideo({ frames: 90, within: '15s' })
    expect(track).toHaveResolution(640, 360)
    expect(track).toHaveFreezesBelow({ count: 1 })

    // the browser's own view of what it sent: every frame it counts as sent is one werift assembled (loopback)
    await sent.update({ mode: 'frozen' }) // no more frames: the two counts can settle
    // both counts are read at each poll: the last frames may still be on their way when the drawing stops
    await expect
      .poll(async () => ({
        browserSent: (await camera.stats()).outbound.find((o) => o.kind === 'video')?.nativeVideo?.framesSent,
        weriftAssembled: track.videoFrames?.().length,
      }))
      .toSatisfy(({ browserSent, weriftAssembled }) => browserSent !== undefined && browserSent === weriftAssembled)
    console.log(`${sent.description}: drawn ${sent.framesDrawn}, werift assembled ${track.videoFrames?.().length} frames`)
  },
)
