/**
 * The time to first frame of a werift receiver counts from when it joined the session (its first offer or
 * answer), not from the first packet: a sender that starts late must show as a late first frame.
 */
import { describe, expect, it } from 'vitest'
import '../../src/dsl/expect.ts'
import { analyzeTrack } from '../../src/media/video/track-frames.ts'
import { connectBackToBack } from '../../src/peers/back-to-back.ts'
import { createWeriftPeer } from '../../src/peers/werift/peer.ts'
import { encodeTestsrc } from './werift-video-source.ts'

const LATE_MS = 1200

describe('werift video: time to first frame', () => {
  it(`counts from the receiver's join: a sender starting ${LATE_MS} ms after the call connected gives a first frame ≥ ${LATE_MS} ms`, async () => {
    const video = await encodeTestsrc('VP8', [{ frames: 15, width: 320, height: 240, gop: 15 }])
    const alice = createWeriftPeer({ name: 'alice', audio: false, video: 'sendonly', videoCodecs: ['VP8'] })
    const bob = createWeriftPeer({ name: 'bob', audio: false, video: 'recvonly' })
    await using _call = await connectBackToBack(alice, bob)
    await new Promise((r) => setTimeout(r, LATE_MS))
    const handle = alice.sendVideo(video)
    const track = await bob.waitForTrack('video', 5000)
    await handle.ended
    await track.waitForVideoFrames?.(video.frames.length, 5000)
    expect(track.joinedAtMs).toBeTypeOf('number')
    const a = analyzeTrack(track)
    expect(a?.firstFrameMs).toBeGreaterThanOrEqual(LATE_MS)
    // the matcher reads the same figure: a 1 s promise is broken
    expect(() => expect(track).toShowFirstFrameWithin(1000)).toThrow(/first/i)
  })
})
