/**
 * Video through rtcspec's impairment relay, judged against the relay's ground truth. alice (werift) sends the test
 * pattern in VP8; the relay drops every packet of 3 chosen frames on the way to bob. rtcspec's frame-accurate
 * analysis of what bob assembled must name exactly those frames as lost, and count the same freezes a player right
 * behind the relay would have seen (computed from the relay's per-packet truth with the same rules).
 * Needs FFmpeg with libvpx (`sudo apt-get install ffmpeg`).
 * Run: npx rtcspec run specs/examples/video-lossy.spec.ts
 */
import { test, expect } from 'rtcspec'
import { analyzeVideo, videoTruthFromRelay } from 'rtcspec/media'
import { encodeVideoPattern } from 'rtcspec/services'

test('3 frames dropped whole by the relay: exactly those are lost, and the freezes match the truth', { timeout: 60_000 }, async ({ b2b }) => {
  // 4 s of the moving pattern, VP8 at 300 kbit/s, a keyframe every second (FFmpeg; cached after the first run)
  const video = await encodeVideoPattern({ codec: 'VP8', width: 320, height: 240, fps: 30, seconds: 4, bitrateKbps: 300, keyframeIntervalFrames: 30 })
  // The call runs through the impairment relay (no random impairment, only the frames dropped below); the fixture
  // records it as impaired, so the run's gates leave it out.
  const call = await b2b({
    a: { name: 'alice', audio: false, video: 'sendonly', videoCodecs: ['VP8'] },
    b: { name: 'bob', audio: false, video: 'recvonly' },
    network: { seed: 7 },
  })
  const { a: alice, b: bob } = call
  const relay = call.relay!

  const sender = alice.sendVideo!(video)
  const track = await bob.waitForTrack('video', 5000)
  await expect(track).toReceiveVideo({ frames: 10, within: '5s' })
  // from now on the relay drops every packet of the 11th, 36th and 61st VP8 frame it sees
  relay.dropFrames('toB', { payloadType: track.codec!.payloadType, after: 10, every: 25, count: 3 })
  await sender.ended
  // every frame the relay let through has arrived (the relay holds nothing back here)
  await expect.poll(() => new Set(track.videoFrames!().map((f) => f.rtpTimestamp)).size, { timeout: 5000 }).toBe(sender.sentFrames!().length - 3)

  const sent = sender.sentFrames!()
  const analysis = analyzeVideo(track.videoFrames!(), { fps: 30, sent })
  const truth = videoTruthFromRelay(relay.truth('toB').records, sent)

  // Frame loss: exactly the frames the relay dropped.
  expect(relay.droppedFrames('toB')).toHaveLength(3)
  expect(analysis.lostIndices).toEqual(truth.lostIndices)
  // Freezes: after a dropped frame bob can decode nothing until the next keyframe arrives. The count matches
  // the truth exactly; the frozen time within 100 ms per freeze (delivery from the relay to bob, which a busy
  // machine can hold up by tens of ms).
  expect(analysis.freezes.count).toBe(truth.freezes.count)
  expect(Math.abs(analysis.freezes.totalMs - truth.freezes.totalMs)).toBeLessThanOrEqual(100 * truth.freezes.count)
  // The matchers read the same analysis from the track: frames were lost, so a "no loss" budget would fail.
  expect(track).toHaveFreezesBelow({ count: truth.freezes.count + 1, sender })
  expect(track).toHaveResolution(320, 240)
})
