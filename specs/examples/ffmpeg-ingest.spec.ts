/**
 * FFmpeg feeding a WebRTC peer (the WHIP-egress pattern): FFmpeg sends a 1 kHz Opus tone and a VP8 test
 * pattern as plain RTP to alice's RTP ingest ports; alice (werift) sends them on over WebRTC to bob, who
 * hears the tone. Needs FFmpeg (`sudo apt-get install -y ffmpeg`); the `docker` provider works the same way.
 * Run: npx rtcspec run specs/examples/ffmpeg-ingest.spec.ts
 */
import { RTCRtpCodecParameters } from 'werift'
import { test, expect } from 'rtcspec'
import { connectBackToBack, createRtpIngest, weriftVideoCodecs } from 'rtcspec/peers'
import { findBinary } from 'rtcspec/services'

const hasFfmpeg = (await findBinary('ffmpeg')) !== undefined
if (!hasFfmpeg && process.env.CI !== 'true') process.stderr.write('[rtcspec] ffmpeg-ingest example skipped: sudo apt-get install -y ffmpeg\n')

test.skipIf(!hasFfmpeg && process.env.CI !== 'true')('FFmpeg’s Opus tone and VP8 video reach bob through alice', async ({ peers, ffmpeg }) => {
  const codecs = {
    audio: [new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2, payloadType: 111 })],
    video: weriftVideoCodecs(['VP8']),
  }
  const alice = peers.werift({ name: 'alice', codecs: ['opus'], config: { codecs } })
  const bob = peers.werift({ name: 'bob', codecs: ['opus'], audio: 'recvonly', config: { codecs } })
  await using audioIn = await createRtpIngest(alice, 'audio') // before negotiating: adds send-only transceivers
  await using videoIn = await createRtpIngest(alice, 'video')
  await connectBackToBack(alice, bob)

  const source = await ffmpeg.source({
    // stopped after the test
    provider: 'local',
    durationMs: 3000,
    audio: { to: audioIn.address, codec: 'opus', source: { sine: 1000 } },
    video: { to: videoIn.address, codec: 'VP8' },
  })
  const [audio, video] = [await bob.waitForTrack('audio', 15_000), await bob.waitForTrack('video', 15_000)]
  await expect(audio).toReceiveRtp({ packets: 50, within: '15s' })
  await video.waitForPackets(20, 15_000)
  expect(video.codec?.encoding).toBe('VP8')
  await source.exited
  expect(audio).toContainTone(1000, { toleranceHz: 2 })
})
