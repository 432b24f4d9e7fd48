/**
 * A freeze that only rtcspec's own process made is not blamed on the path: on a real werift ↔ werift VP8 call, the
 * test blocks this process's event loop (both ends and the reader stop) — the receiver then reads a burst late,
 * a gap a freeze detector would count. The track's analysis sets that gap apart (`freezes.duringOwnStalls`), so
 * `toHaveFreezesBelow({ count: 1 })` passes and says what it left out; the same frames analysed without the stalls
 * count the freeze (the gap is real in the data). A freeze made on the path — ten frames dropped by the relay while
 * the process runs — is still counted.
 */
import { describe, expect, it } from 'vitest'
import { analyzeVideo } from '../../src/media/video/analysis.ts'
import { analyzeTrack } from '../../src/media/video/track-frames.ts'
import { UdpRelay } from '../../src/net/relay.ts'
import { connectBackToBack } from '../../src/peers/back-to-back.ts'
import { relayPath } from '../../src/peers/relay-path.ts'
import { createWeriftPeer } from '../../src/peers/werift/peer.ts'
import { encodeVideoPattern } from '../../src/services/video-encode.ts'
import { waitFor } from '../../src/wait.ts'
import { requireTool } from '../support/requires.ts'
import '../../src/dsl/expect.ts'

/** Holds this process for `ms` without yielding: nothing is read, sent or timestamped meanwhile. */
function blockEventLoop(ms: number): void {
  const until = performance.now() + ms
  while (performance.now() < until) {
    // spin
  }
}

async function videoCall(relay: UdpRelay) {
  const video = await encodeVideoPattern({ codec: 'VP8', width: 320, height: 240, fps: 30, seconds: 3, bitrateKbps: 300, keyframeIntervalFrames: 30 })
  const alice = createWeriftPeer({ name: 'alice', audio: false, video: 'sendonly', videoCodecs: ['VP8'] })
  const bob = createWeriftPeer({ name: 'bob', audio: false, video: 'recvonly' })
  const call = await connectBackToBack(alice, bob, { path: relayPath(relay) })
  const handle = alice.sendVideo(video)
  const track = await bob.waitForTrack('video', 5000)
  return { call, handle, track }
}

describe("freezes made by rtcspec's own process stalls are set apart", () => {
  it('a 400 ms stall of this process mid-stream: no freeze counted, the gap listed apart and named by the matcher', async () => {
    requireTool('ffmpeg')
    await using relay = await UdpRelay.create({ seed: 5 })
    const { call, handle, track } = await videoCall(relay)
    await using _call = call
    await track.waitForVideoFrames?.(30, 5000)
    blockEventLoop(400)
    await handle.ended
    const sent = handle.sentFrames?.() ?? []
    await waitFor(() => (track.videoFrames?.() ?? []).filter((f) => f.complete).length >= sent.length, { timeoutMs: 5000, label: 'every frame at bob' })

    const stalls = track.ownStalls?.() ?? []
    expect(
      stalls.some((s) => s.endMs - s.startMs >= 390),
      JSON.stringify(stalls),
    ).toBe(true)
    const analysis = analyzeTrack(track, 30)
    expect(
      analysis?.freezes.duringOwnStalls?.some((f) => f.durationMs >= 350),
      JSON.stringify(analysis?.freezes),
    ).toBe(true)
    // the gap is in the data: the same frames without the stalls count it
    const blind = analyzeVideo(track.videoFrames?.() ?? [], { fps: 30, ...(track.joinedAtMs !== undefined ? { joinedAtMs: track.joinedAtMs } : {}) })
    expect(blind.freezes.count).toBeGreaterThanOrEqual((analysis?.freezes.count ?? 0) + 1)
    // the matcher judges the path, and its message says what it left out
    expect(track).toHaveFreezesBelow({ count: (analysis?.freezes.count ?? 0) + 1 })
    let message = ''
    try {
      expect(track).not.toHaveFreezesBelow({ count: (analysis?.freezes.count ?? 0) + 1 })
    } catch (e) {
      message = (e as Error).message
    }
    expect(message).toMatch(/not counted: \d+ gaps? of [\d., ms]+ while rtcspec's own process stalled/)
  })

  it('ten frames dropped on the path while the process runs: the freeze is counted', async () => {
    requireTool('ffmpeg')
    await using relay = await UdpRelay.create({ seed: 6 })
    const { call, handle, track } = await videoCall(relay)
    await using _call = call
    await track.waitForVideoFrames?.(5, 5000)
    relay.dropFrames('toB', { payloadType: track.codec?.payloadType as number, after: 20, count: 10 })
    await handle.ended
    const sent = handle.sentFrames?.() ?? []
    await waitFor(() => (track.videoFrames?.() ?? []).filter((f) => f.complete).length >= sent.length - 10, {
      timeoutMs: 5000,
      label: 'every frame the relay let through at bob',
    })
    const analysis = analyzeTrack(track, 30)
    const pathFreezes = (analysis?.freezes.freezes ?? []).filter((f) => f.durationMs >= 300)
    expect(pathFreezes.length, JSON.stringify(analysis?.freezes)).toBeGreaterThanOrEqual(1)
    expect(() => expect(track).toHaveFreezesBelow({ count: 1 })).toThrow(/freezes/)
  })
})
