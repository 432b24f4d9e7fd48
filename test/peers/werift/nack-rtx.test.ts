/**
 * Resilience: NACK + RTX recovery. A video stream (VP8 payload type with `nack` feedback and an `rtx` codec; the
 * payload is filler — NACK/RTX work on RTP sequence numbers, not on decodable frames) crosses the impairment relay
 * with 5 % loss. werift's receiver NACKs the holes, werift's sender retransmits from its history over RTX, and
 * the loss the application sees (rtcspec's RFC 3550 count on bob's inbound track, where werift hands repaired
 * packets back with their original sequence numbers) falls far below the loss on the wire (the relay's ground truth).
 * The control run without NACK/RTX shows application loss equal to wire loss.
 */
import { describe, it, expect } from 'vitest'
import { RTCRtpCodecParameters } from 'werift'
import { createWeriftPeer, type WeriftPeer } from '../../../src/peers/werift/peer.ts'
import { connectBackToBack } from '../../../src/peers/back-to-back.ts'
import { relayPath } from '../../../src/peers/relay-path.ts'
import { UdpRelay } from '../../../src/net/relay.ts'
import { startRtpProbe } from '../../../src/peers/werift/rtp-probe.ts'
import { referenceLoss, streamRecords } from '../../../src/net/reference.ts'
import { waitFor } from '../../../src/wait.ts'

function videoPeer(name: string, nack: boolean): WeriftPeer {
  const video = [
    new RTCRtpCodecParameters({ mimeType: 'video/VP8', clockRate: 90000, payloadType: 96, rtcpFeedback: nack ? [{ type: 'nack' }] : [] }),
    ...(nack ? [new RTCRtpCodecParameters({ mimeType: 'video/rtx', clockRate: 90000, payloadType: 97, parameters: 'apt=96' })] : []),
  ]
  const audio = [new RTCRtpCodecParameters({ mimeType: 'audio/PCMU', clockRate: 8000, channels: 1, payloadType: 0 })]
  return createWeriftPeer({ name, audio: false, config: { codecs: { audio, video } } })
}

async function run(nack: boolean, seed: number) {
  const a = videoPeer('alice', nack)
  const b = videoPeer('bob', nack)
  a.pc.addTransceiver('video', { direction: 'sendonly' })
  await using relay = await UdpRelay.create({ seed, toB: { loss: 0.05 } })
  const call = await connectBackToBack(a, b, { path: relayPath(relay) }).catch(async (e: unknown) => {
    await Promise.allSettled([a.close(), b.close()])
    throw e
  })
  try {
    const probe = startRtpProbe(a, { kind: 'video', count: 600, intervalMs: 10, payloadBytes: 300 })
    const track = await b.waitForTrack('video', 5000)
    await probe.done
    // Let retransmissions of the last holes arrive: wait until nothing more is pending in the relay and bob saw the end.
    await waitFor(() => relay.summary('toB').pending === 0 && track.rtp.snapshot().expected >= 590, {
      timeoutMs: 5000,
      label: 'bob to see the end of the stream',
    })
    await waitFor(() => !nack || track.rtp.snapshot().lost === 0, { timeoutMs: 3000, label: 'retransmissions to fill every hole' }).catch(() => undefined)
    const wire = referenceLoss(streamRecords(relay.truth('toB').records, probe.ssrc))
    const app = track.rtp.snapshot()
    const sender = a.pc.getTransceivers().find((t) => t.kind === 'video')!.sender as unknown as { retransmittedPacketsSent: number; nackCount: number }
    return { wire, app, retransmitted: sender.retransmittedPacketsSent, nacks: sender.nackCount }
  } finally {
    await call.close()
  }
}

describe('NACK/RTX recovery (video, 5 % loss on the wire)', () => {
  it('with retransmission on, the loss the application sees is far below the loss on the wire; without it they are equal', async () => {
    const on = await run(true, 31)
    const off = await run(false, 31)
    const pct = (x: number) => `${(x * 100).toFixed(2)} %`
    process.stdout.write(
      `[nack-rtx] NACK+RTX on: wire loss ${pct(on.wire.lossFraction)} (${on.wire.dropped}/${on.wire.sent}), application loss ${pct(on.app.lossFraction)} (${on.app.lost}/${on.app.expected}), ${on.nacks} NACKs, ${on.retransmitted} retransmissions\n` +
        `[nack-rtx] off:         wire loss ${pct(off.wire.lossFraction)} (${off.wire.dropped}/${off.wire.sent}), application loss ${pct(off.app.lossFraction)} (${off.app.lost}/${off.app.expected})\n`,
    )
    // The wire really was lossy (RTX packets share the direction, so the two runs' fates differ slightly).
    expect(on.wire.lossFraction).toBeGreaterThan(0.03)
    expect(on.nacks).toBeGreaterThan(0)
    expect(on.retransmitted).toBeGreaterThan(0)
    expect(on.app.lossFraction).toBeLessThan(on.wire.lossFraction / 4)
    // Control: no repair, the application sees exactly what the wire lost (inside the span it can observe).
    expect(off.retransmitted).toBe(0)
    expect(off.app.lost).toBe(off.wire.droppedInsideSpan)
  }, 40_000)
})
