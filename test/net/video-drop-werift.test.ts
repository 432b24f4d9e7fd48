/**
 * Cross-check of the video analysis against the relay's ground truth on a real werift ↔ werift VP8 call: the relay
 * drops every packet of N chosen frames, and the analysis of what bob assembled reports exactly those frames lost;
 * a delay line of X ms on the relay is measured as X by the analysis (arrival − the sender's send time).
 */
import { describe, expect, it } from 'vitest'
import { analyzeVideo } from '../../src/media/video/analysis.ts'
import { videoTruthFromRelay } from '../../src/media/video/relay-truth.ts'
import { UdpRelay } from '../../src/net/relay.ts'
import { connectBackToBack } from '../../src/peers/back-to-back.ts'
import { relayPath } from '../../src/peers/relay-path.ts'
import { createWeriftPeer } from '../../src/peers/werift/peer.ts'
import { encodeVideoPattern } from '../../src/services/video-encode.ts'
import { waitFor } from '../../src/wait.ts'
import { requireTool } from '../support/requires.ts'
import '../../src/dsl/expect.ts'

/** alice sends the pattern (VP8, 30 fps, a keyframe every second) to bob through the relay; both close with the call. */
async function lossyCall(relay: UdpRelay, seconds: number) {
  const video = await encodeVideoPattern({ codec: 'VP8', width: 320, height: 240, fps: 30, seconds, bitrateKbps: 300, keyframeIntervalFrames: 30 })
  const alice = createWeriftPeer({ name: 'alice', audio: false, video: 'sendonly', videoCodecs: ['VP8'] })
  const bob = createWeriftPeer({ name: 'bob', audio: false, video: 'recvonly' })
  const call = await connectBackToBack(alice, bob, { path: relayPath(relay) })
  const handle = alice.sendVideo(video)
  const track = await bob.waitForTrack('video', 5000)
  return { call, alice, bob, handle, track, video }
}

describe('video analysis against the relay’s truth (werift ↔ werift VP8)', () => {
  it('drop every packet of 3 chosen frames: exactly those 3 are lost', async () => {
    requireTool('ffmpeg')
    await using relay = await UdpRelay.create({ seed: 11 })
    const { call, handle, track } = await lossyCall(relay, 3)
    await using _call = call
    await track.waitForVideoFrames?.(5, 5000)
    const payloadType = track.codec?.payloadType as number
    relay.dropFrames('toB', { payloadType, after: 10, every: 20, count: 3 })
    await handle.ended
    const sent = handle.sentFrames?.() ?? []
    // every sent frame not dropped has arrived (the relay releases at once; bound the wait)
    const dropped = new Set(relay.droppedFrames('toB').map((d) => d.timestamp))
    // counted by complete frames: a frame whose first packet arrived may still have packets on their way
    await waitFor(() => new Set((track.videoFrames?.() ?? []).filter((f) => f.complete).map((f) => f.rtpTimestamp)).size >= sent.length - dropped.size, {
      timeoutMs: 5000,
      label: `bob to assemble the ${sent.length - dropped.size} frames the relay let through`,
    })
    expect(dropped.size).toBe(3)
    const truthLost = sent.filter((f) => dropped.has(f.rtpTimestamp >>> 0)).map((f) => f.index)
    expect(truthLost).toHaveLength(3)

    const exact = analyzeVideo(track.videoFrames?.() ?? [], { fps: 30, sent })
    expect(exact.lostIndices).toEqual(truthLost)
    expect(exact).toMatchObject({ lost: 3, incomplete: 0, unexpected: 0, notArrived: 0 })
    // without the sender's truth, the same count from RTP timestamp gaps, plus any gap the sender's own timestamps
    // have (a sender that skips ahead to a keyframe on a PLI may leave one): both are read from the timestamps alone
    const estimated = analyzeVideo(track.videoFrames?.() ?? [], { fps: 30 })
    const senderGaps = sent.slice(1).reduce((n, f, i) => n + Math.max(0, Math.round(((f.rtpTimestamp - (sent[i]?.rtpTimestamp ?? 0)) >>> 0) / 3000) - 1), 0)
    expect(estimated.lost).toBe(3 + senderGaps)
    // freezes: the same count as a player right behind the relay (the relay's per-packet truth), duration within
    // the delivery from the relay to bob (a busy machine can hold it up by tens of ms; bound 100 ms per freeze)
    const truth = videoTruthFromRelay(relay.truth('toB').records, sent)
    expect(truth.lostIndices).toEqual(truthLost)
    process.stdout.write(
      `[video-freezes] truth ${truth.freezes.count} freezes ${truth.freezes.totalMs.toFixed(1)} ms; analysis ${exact.freezes.count} freezes ${exact.freezes.totalMs.toFixed(1)} ms\n`,
    )
    expect(exact.freezes.count).toBe(truth.freezes.count)
    expect(Math.abs(exact.freezes.totalMs - truth.freezes.totalMs)).toBeLessThanOrEqual(100 * truth.freezes.count)
    expect(exact.decodable).toBe(truth.decodable)
    // the matchers read the same analysis from the peer
    expect(call.b).toHaveFreezesBelow({ count: 10, sender: handle })
  })

  it('a 120 ms delay line is measured as 120 ms (p50 of arrival − send, within 15 ms)', async () => {
    requireTool('ffmpeg')
    await using relay = await UdpRelay.create({ seed: 12, toB: { delayMs: 120 } })
    const { call, handle, track } = await lossyCall(relay, 2)
    await using _call = call
    await handle.ended
    const sent = handle.sentFrames?.() ?? []
    // complete frames: the last frame's first packets arrive while the rest are still in the 120 ms delay line
    await waitFor(() => (track.videoFrames?.() ?? []).filter((f) => f.complete).length >= sent.length, {
      timeoutMs: 5000,
      label: `bob to assemble all ${sent.length} frames complete`,
    })
    const a = analyzeVideo(track.videoFrames?.() ?? [], { fps: 30, sent })
    expect(a.lost).toBe(0)
    expect(a.delay?.basis).toBe('sent')
    const p50 = a.delay?.p50Ms ?? Number.NaN
    const relayDelay = relay.summary('toB').meanDelayMs
    process.stdout.write(`[video-delay] relay mean ${relayDelay.toFixed(2)} ms, analysis p50 ${p50.toFixed(2)} ms (min ${a.delay?.minMs.toFixed(2)})\n`)
    expect(p50).toBeGreaterThanOrEqual(120)
    expect(p50).toBeLessThan(135)
  })
})
