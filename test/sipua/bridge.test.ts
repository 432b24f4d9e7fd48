import { describe, expect, test } from 'vitest'
import { startSipRegistrar } from '../../src/sipua/registrar.ts'
import { createSipUserAgent, sipCallRecord, type SipCall } from '../../src/sipua/user-agent.ts'
import { bridgeMedia, startSipB2bua } from '../../src/sipua/bridge.ts'
import { CallRecordSchema } from '../../src/peers/call-record.ts'
import { tone } from '../../src/media/sources.ts'
import { waitFor } from '../../src/wait.ts'
import { hasTone } from './support.ts'

describe('WebRTC ↔ plain-RTP bridge (B2BUA gateway)', () => {
  test('a sip.js UA on WebRTC media calls a plain-RTP endpoint through the bridge; audio verified both ways', async () => {
    await using registrar = await startSipRegistrar()
    // The plain-RTP endpoint: a SIP UA on UDP with RTP/AVP media (what a PBX or trunk looks like).
    await using pstn = await createSipUserAgent({ uri: 'sip:carol@127.0.0.1', transport: { kind: 'udp' }, media: 'rtp' })
    const pstnCalls: SipCall[] = []
    pstn.autoAnswer({ send: tone(1500), onCall: (c) => pstnCalls.push(c) })
    // The gateway: WebRTC leg registered as "carol" over WS, plain-RTP leg towards the endpoint over UDP.
    await using gateway = await startSipB2bua({
      a: { uri: 'sip:carol@rtcspec.test', transport: { kind: 'ws', url: registrar.wsUrl }, media: 'webrtc' },
      b: { uri: 'sip:gateway@127.0.0.1', transport: { kind: 'udp', remote: { host: '127.0.0.1', port: pstn.local!.port } }, media: 'rtp' },
      target: `sip:carol@127.0.0.1:${pstn.local!.port}`,
    })
    await using alice = await createSipUserAgent({ uri: 'sip:alice@rtcspec.test', transport: { kind: 'ws', url: registrar.wsUrl }, media: 'webrtc' })
    const call = await alice.call('sip:carol@rtcspec.test', { send: tone(1000), timeoutMs: 15_000 })
    const bridged = await gateway.waitForCall(1)
    expect(bridged.a.peer.kind).toBe('werift')
    expect(bridged.b.peer.kind).toBe('rtp')
    await waitFor(() => pstnCalls.length === 1, { timeoutMs: 5000, label: 'the endpoint to answer' })
    const atPstn = await pstnCalls[0]!.peer.waitForTrack('audio', 10_000)
    const atAlice = await call.peer.waitForTrack('audio', 10_000)
    await Promise.all([atPstn.waitForPackets(75, 10_000), atAlice.waitForPackets(75, 10_000)])
    // Skip the start-up cushion (silence) before analysing.
    expect(hasTone(atPstn, 1000, 10)).toBe(true)
    expect(hasTone(atPstn, 1500, 10)).toBe(false)
    expect(hasTone(atAlice, 1500, 10)).toBe(true)
    expect(hasTone(atAlice, 1000, 10)).toBe(false)
    // Counters on both legs and both directions.
    expect(bridged.media.aToB.packetsIn).toBeGreaterThanOrEqual(50)
    expect(bridged.media.bToA.packetsIn).toBeGreaterThanOrEqual(50)
    expect(bridged.media.aToB.framesOut).toBeGreaterThanOrEqual(50)
    expect(bridged.media.bToA.undecodable).toBe(0)
    const record = await sipCallRecord([bridged.a, bridged.b], { extra: { bridge: { aToB: bridged.media.aToB, bToA: bridged.media.bToA } } })
    expect(CallRecordSchema.parse(record).peers.map((p) => p.kind)).toEqual(['werift', 'rtp'])
    expect(record.peers.every((p) => p.rtp.inbound[0]!.received > 50 && p.rtp.outbound[0]!.packetsSent > 50)).toBe(true)
    // Hanging up one side ends the other.
    await call.hangup()
    await pstnCalls[0]!.waitForEnd(5000)
  })
})

describe('bridgeMedia', () => {
  test('same-law G.711 passes through bit-exact (payload bytes unchanged, re-paced)', async () => {
    const { createRtpPeer } = await import('../../src/peers/rtp/peer.ts')
    await using x = createRtpPeer({ name: 'x' })
    await using p1 = createRtpPeer({ name: 'p1' })
    await using p2 = createRtpPeer({ name: 'p2' })
    await using y = createRtpPeer({ name: 'y' })
    await x.acceptAnswer(await p1.acceptOffer(await x.createOffer()))
    await p2.acceptAnswer(await y.acceptOffer(await p2.createOffer()))
    const bridge = bridgeMedia(p1, p2)
    x.sendAudio(tone(440))
    const atY = await y.waitForTrack('audio', 5000)
    // Every payload p1 received (10..40) reaches y unchanged and in order. Under load the pipe may insert
    // silence frames between them (an underflow), but never alters or splits a frame.
    const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')
    const found = () => {
      const sent =
        p1.inbound[0]
          ?.packets()
          .slice(10, 40)
          .map((p) => hex(p.payload)) ?? []
      if (sent.length < 30) return 0
      let at = 0
      for (const p of atY.packets()) if (hex(p.payload) === sent[at]) at++
      return at
    }
    await waitFor(() => found() === 30, { timeoutMs: 10_000, label: "p1's frames 10..40 to reach y unchanged and in order" }).catch(() => {})
    bridge.stop()
    expect(found(), `frames found in order; underflows ${bridge.aToB.underflowFrames}`).toBe(30)
    expect(bridge.aToB.packetsIn).toBeGreaterThanOrEqual(30)
  })
})
