import { describe, expect, test } from 'vitest'
import '../../src/dsl/expect.ts'
import { createRtpPeer } from '../../src/peers/rtp/peer.ts'
import { tone } from '../../src/media/sources.ts'
import { bridgeMedia, bridgeMissingMedia, b2buaCallRecord, startSipB2bua } from '../../src/sipua/bridge.ts'
import { startSipRegistrar } from '../../src/sipua/registrar.ts'
import { createSipUserAgent, type SipCall } from '../../src/sipua/user-agent.ts'
import { CallRecordSchema } from '../../src/peers/call-record.ts'
import { waitFor } from '../../src/wait.ts'
import { monitorEventLoopDelay } from 'node:perf_hooks'

/**
 * The longest this test process stalled (event-loop delay, ms) while `run` ran. Everything here — senders, the
 * bridge's playout and its receiving sockets — runs in this process: a stall longer than a frame (20 ms) holds the
 * bridge's output and its input alike, and the ticks that catch up can run before the packets waiting in the
 * socket are read, while the playout buffer sits at its low end. Underflow then is this process's, not the
 * bridge's; a steady-state assertion allows at most the frames such a stall covers (20 ms each), and none when
 * the process never stalled longer than a frame.
 */
async function stallAllowance<T>(run: () => Promise<T>): Promise<{ result: T; maxStallMs: number; frames: number }> {
  const h = monitorEventLoopDelay({ resolution: 5 })
  h.enable()
  try {
    const result = await run()
    const maxStallMs = h.max / 1e6
    return { result, maxStallMs, frames: maxStallMs > 20 ? Math.ceil(maxStallMs / 20) : 0 }
  } finally {
    h.disable()
  }
}

/** x → p1 ⇄ bridge ⇄ p2 → y, all plain RTP on loopback. */
async function bridged() {
  const x = createRtpPeer({ name: 'x' })
  const p1 = createRtpPeer({ name: 'p1' })
  const p2 = createRtpPeer({ name: 'p2' })
  const y = createRtpPeer({ name: 'y' })
  await x.acceptAnswer(await p1.acceptOffer(await x.createOffer()))
  await p2.acceptAnswer(await y.acceptOffer(await p2.createOffer()))
  const bridge = bridgeMedia(p1, p2)
  return {
    x,
    y,
    bridge,
    async [Symbol.asyncDispose]() {
      bridge.stop()
      for (const p of [x, p1, p2, y]) await p.close()
    },
  }
}

describe('bridge missing media', () => {
  test('a steady bridged stream has no underflow once the media started; start-up silence is counted apart', async () => {
    await using b = await bridged()
    const send = b.x.sendAudio(tone(440))
    const stall = await stallAllowance(() =>
      waitFor(() => b.bridge.aToB.framesOut >= 150, { timeoutMs: 10_000, label: 'the bridge to send 150 audio frames (3 s) towards y' }),
    )
    const late = send.stats.lateTicks
    expect(
      b.bridge.aToB.underflowFrames,
      `gaps ${JSON.stringify(b.bridge.aToB.gaps)}; the feeding sender was late on ${late} tick(s); this process stalled up to ${stall.maxStallMs.toFixed(0)} ms`,
    ).toBeLessThanOrEqual(stall.frames)
    expect(b.bridge.aToB.startupFrames).toBeGreaterThan(0)
    if (stall.frames === 0) {
      expect(b.bridge).toHaveMissingMediaBelow(0.001)
      expect(bridgeMissingMedia(b.bridge.aToB)).toMatchObject({ missingFrames: 0 })
      // a bridge direction's loss counts the frames it had no audio for
      expect(b.bridge.aToB).toHaveLossBelow(0.001)
    }
    // whatever this process did, no packet went missing on the way to y
    expect(await b.y.waitForTrack('audio', 5000)).toHaveLossBelow(0.001)
  })

  test('a gap in the feeding leg is missing media: counted as underflow frames and failing the loss and missing-media assertions', async () => {
    await using b = await bridged()
    const first = b.x.sendAudio(tone(440))
    await waitFor(() => b.bridge.aToB.framesOut >= 50, { timeoutMs: 10_000, label: 'the bridge to send 50 audio frames' })
    // pause the feeding leg's sender: nothing reaches the bridge until it sends again
    first.stop()
    await waitFor(() => b.bridge.aToB.underflowFrames >= 10, { timeoutMs: 5000, label: 'the bridge to send 10 frames of silence for lack of audio' })
    const before = b.bridge.aToB.packetsIn
    b.x.sendAudio(tone(440))
    await waitFor(() => b.bridge.aToB.packetsIn > before + 25, { timeoutMs: 5000, label: 'audio to reach the bridge again' })
    const c = b.bridge.aToB
    expect(c.gaps.length).toBeGreaterThanOrEqual(1)
    expect(c.gaps.reduce((s, g) => s + g.frames, 0)).toBe(c.underflowFrames)
    expect(c.playoutMs).toBeGreaterThan(40) // the playout buffer deepened after running dry
    expect(() => expect(b.bridge).toHaveMissingMediaBelow(0.01)).toThrow(/bridge A → B: \d+ of \d+ frames sent as silence/)
    expect(() => expect(b.bridge.aToB).toHaveLossBelow(0.01)).toThrow(/missing media of the bridge/)
    // y's packet statistics alone cannot see it: the silence arrived in regular packets
    const atY = await b.y.waitForTrack('audio', 5000)
    expect(atY).toHaveLossBelow(0.01)
  })

  test('a bridged SIP call: no underflow in steady state; a gap in the feeding leg is recorded as each leg’s missing media on its outbound audio', async () => {
    await using registrar = await startSipRegistrar()
    await using pstn = await createSipUserAgent({ uri: 'sip:carol@127.0.0.1', transport: { kind: 'udp' }, media: 'rtp' })
    const pstnCalls: SipCall[] = []
    pstn.autoAnswer({ send: tone(1500), onCall: (c) => pstnCalls.push(c) })
    await using gateway = await startSipB2bua({
      a: { uri: 'sip:carol@rtcspec.test', transport: { kind: 'ws', url: registrar.wsUrl }, media: 'rtp' },
      b: { uri: 'sip:gateway@127.0.0.1', transport: { kind: 'udp', remote: { host: '127.0.0.1', port: pstn.local!.port } }, media: 'rtp' },
      target: `sip:carol@127.0.0.1:${pstn.local!.port}`,
    })
    await using alice = await createSipUserAgent({ uri: 'sip:alice@rtcspec.test', transport: { kind: 'ws', url: registrar.wsUrl }, media: 'rtp' })
    const call = await alice.call('sip:carol@rtcspec.test', { timeoutMs: 15_000 })
    const sending = call.peer.sendAudio(tone(1000))
    const leg = await gateway.waitForCall(1)
    const stall = await stallAllowance(() =>
      waitFor(() => leg.media.aToB.framesOut >= 100 && leg.media.bToA.framesOut >= 100, {
        timeoutMs: 10_000,
        label: 'the bridge to send 100 audio frames each way',
      }),
    )
    // steady state: once the media started, the playout buffer never ran dry (beyond what a stall of this
    // process itself covers; none when it never stalled)
    const why = `gaps A→B ${JSON.stringify(leg.media.aToB.gaps)}, B→A ${JSON.stringify(leg.media.bToA.gaps)}; this process stalled up to ${stall.maxStallMs.toFixed(0)} ms`
    expect(leg.media.aToB.underflowFrames, why).toBeLessThanOrEqual(stall.frames)
    expect(leg.media.bToA.underflowFrames, why).toBeLessThanOrEqual(stall.frames)
    if (stall.frames === 0) expect(leg).toHaveMissingMediaBelow(0.001)
    // a gap: alice (leg A's far end) stops sending for a while, then sends again
    sending.stop()
    await waitFor(() => leg.media.aToB.underflowFrames >= 5, { timeoutMs: 5000, label: 'the bridge to send 5 frames of silence towards leg B' })
    const before = leg.media.aToB.packetsIn
    call.peer.sendAudio(tone(1000))
    await waitFor(() => leg.media.aToB.packetsIn > before + 10, { timeoutMs: 5000, label: "alice's audio to reach the bridge again" })
    const record = CallRecordSchema.parse(await b2buaCallRecord(leg))
    const [a, b] = record.peers
    expect(b!.rtp.outbound[0]!.missingFrames).toBeGreaterThanOrEqual(5)
    expect(b!.rtp.outbound[0]!.missingFrames).toBe(leg.media.aToB.underflowFrames)
    expect(a!.rtp.outbound[0]!.missingFrames).toBe(leg.media.bToA.underflowFrames)
    expect(b!.rtp.outbound[0]!.frames).toBe(leg.media.aToB.framesOut + leg.media.aToB.underflowFrames)
    expect((record.extra!.bridge as { aToB: { gaps: unknown[] } }).aToB.gaps.length).toBeGreaterThanOrEqual(1)
    // the ladder of leg A carries the transport addresses and the whole messages
    expect(record.signaling.find((m) => m.type.startsWith('INVITE'))).toMatchObject({
      raw: expect.stringMatching(/^INVITE sip:/),
      fromAddress: expect.any(String),
      transport: 'WS',
    })
    expect(() => expect(leg).toHaveLossBelow(0.0001)).toThrow(/bridge A → B: \d+ of \d+ frames sent as silence/)
    await call.hangup()
    await waitFor(() => pstnCalls.length === 1, { timeoutMs: 5000, label: 'the endpoint to have had the call' })
    await pstnCalls[0]!.waitForEnd(5000)
  })
})
