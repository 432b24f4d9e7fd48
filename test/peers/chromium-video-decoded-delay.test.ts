/**
 * End-to-end delay at a werift receiver of a sender rtcspec does not drive (Chromium drawing the pattern and
 * encoding it itself): werift does not decode, so after the call the frames it assembled are decoded with FFmpeg
 * (decodeReceivedVideo) and the code in each picture — the page's wall-clock capture time — gives arrival − capture.
 * Checked against a delay line: through a relay that holds every packet 200 ms the p50 is at least 200 ms (less 5 ms of
 * rounding) and less than 200 ms plus a stated 400 ms for the browser's encoder, its pacer and a loaded machine.
 */
import { afterAll, describe, it } from 'vitest'
import { expect } from '../../src/dsl/expect.ts'
import { analyzeTrack } from '../../src/media/video/track-frames.ts'
import { decodeReceivedVideo } from '../../src/dsl/video-decoded-frames.ts'
import { createChromiumPeer } from '../../src/peers/chromium/peer.ts'
import { chromiumDescendants, liveBrowserProcesses } from '../../src/peers/chromium/index.ts'
import { createWeriftPeer } from '../../src/peers/werift/peer.ts'
import { connectBackToBack } from '../../src/peers/back-to-back.ts'
import { relayPath } from '../../src/peers/relay-path.ts'
import { UdpRelay } from '../../src/net/relay.ts'
import { RtcspecError } from '../../src/errors.ts'
import { waitFor } from '../../src/wait.ts'
import { holdBrowserForFile } from '../support/browser.ts'
import { requireTool } from '../support/requires.ts'

const skip = process.env.RTCSPEC_CHROMIUM ? false : requireTool('chromium')

describe.skipIf(skip)('Chromium → werift: video delay from the decoded frame codes', () => {
  const held = holdBrowserForFile()
  afterAll(async () => {
    await held.release()
    await waitFor(() => liveBrowserProcesses().length === 0 && chromiumDescendants().length === 0, {
      timeoutMs: 10_000,
      label: 'every Chromium process of this file to exit',
      intervalMs: 50,
    })
  })

  it('through a 200 ms delay line, the p50 delay from the codes is 200 ms plus the encoder, within 400 ms; the matcher reads the same', async () => {
    requireTool('ffmpeg')
    await using relay = await UdpRelay.create({ seed: 9, toB: { delayMs: 200 } })
    await using chromium = await createChromiumPeer({ name: 'camera', audio: false })
    await using werift = createWeriftPeer({ name: 'ingest', audio: false, video: 'recvonly', videoCodecs: ['VP8'] })
    chromium.sendVideo({ codec: 'VP8', width: 320, height: 240, fps: 30 })
    await using _call = await connectBackToBack(chromium, werift, { path: relayPath(relay), connectTimeoutMs: 15_000 })
    const track = await werift.waitForTrack('video', 10_000)
    await waitFor(() => (track.videoFrames?.() ?? []).filter((f) => f.complete).length >= 45, {
      timeoutMs: 30_000,
      intervalMs: 50,
      label: '45 complete VP8 frames at werift',
    })

    // Without decoding there is no delay: no code, no send times of a browser sender.
    expect(analyzeTrack(track)?.delay).toBeUndefined()

    const decoded = await decodeReceivedVideo(track)
    const what = `decoded ${decoded.decodedFrames}, coded ${decoded.codedFrames}`
    expect(decoded.decodedFrames, what).toBeGreaterThanOrEqual(45)
    // the pattern's code survives the browser's VP8 at 320×240: nearly every picture gives one
    expect(decoded.codedFrames, what).toBeGreaterThanOrEqual(Math.floor(decoded.decodedFrames * 0.9))
    // pictures paired with the right frames: the code indices rise with the RTP timestamps
    const coded = decoded.videoFrames().filter((f) => f.code !== undefined)
    for (let k = 1; k < coded.length; k++) expect(coded[k]!.code!.index, what).toBeGreaterThan(coded[k - 1]!.code!.index)

    const a = analyzeTrack(decoded)
    const d = a?.delay
    process.stdout.write(
      `[video-delay chromium→werift] relay ${relay.summary('toB').meanDelayMs.toFixed(1)} ms; from codes p50 ${d?.p50Ms.toFixed(1)} min ${d?.minMs.toFixed(1)} max ${d?.maxMs.toFixed(1)} ms (${what})\n`,
    )
    expect(d?.basis).toBe('code')
    // stated bounds: the p50 holds the delay line, less 5 ms for whole-ms capture times in the codes, timer rounding and
    // the two processes' clock origins; no frame is measured below 0 or above 5 s (a wrong clock gives values far
    // outside: the wall clock against performance.now() is 56 years). The minimum is not bounded by 200 ms: once in
    // a few runs one frame was measured at 30 ms (not explained yet; a packet that bypassed the relay is one guess).
    expect(d!.p50Ms).toBeGreaterThanOrEqual(195)
    expect(d!.p50Ms).toBeLessThan(600)
    expect(d!.minMs).toBeGreaterThanOrEqual(0)
    expect(d!.maxMs).toBeLessThan(5000)
    await expect(decoded).toHaveVideoDelayBelow('600ms', { percentile: 'p50' })
    expect(() => expect(decoded).toHaveVideoDelayBelow('200ms', { percentile: 'p50' })).toThrow(/video delay below 200 ms/)
  }, 90_000)

  it('a track that is not VP8/H.264 video is refused, naming it', async () => {
    await using werift = createWeriftPeer({ name: 'audio-only', codecs: ['PCMU'] })
    const fake = { kind: 'audio', peerName: 'audio-only', codec: { encoding: 'PCMU' }, packets: () => [] } as unknown as Parameters<
      typeof decodeReceivedVideo
    >[0]
    await expect(decodeReceivedVideo(fake)).rejects.toThrow(RtcspecError)
    await expect(decodeReceivedVideo(fake)).rejects.toThrow(/audio-only's audio track is not VP8 or H.264 video/)
    await expect(decodeReceivedVideo(fake, { timeoutMs: 5 } as never)).rejects.toThrow(/VIDEO_DECODE_OPTIONS|timeoutMs/)
    void werift
  })
})
