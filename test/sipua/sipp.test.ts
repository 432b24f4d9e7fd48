import { describe, expect, test } from 'vitest'
import { requireTool } from '../support/requires.ts'
import { g711Wav, sippUacStreamScenario, sippUasScenario, startSipp } from '../../src/services/sipp.ts'
import { createSipUserAgent, sipCallRecord, type SipCall } from '../../src/sipua/user-agent.ts'
import { readAll, tone } from '../../src/media/sources.ts'
import { waitFor } from '../../src/wait.ts'
import { startSipB2bua } from '../../src/sipua/bridge.ts'
import { hasTone } from './support.ts'

describe.skipIf(requireTool('sipp'))('interop with sipp', () => {
  test('sipp UAS with RTP echo answers an rtcspec UAC over UDP; the echoed tone is detected', async () => {
    await using sipp = await startSipp({ scenario: { xml: sippUasScenario() }, rtpEcho: true, calls: 1, timeoutS: 30 })
    await using ua = await createSipUserAgent({
      uri: 'sip:alice@127.0.0.1',
      media: 'rtp',
      transport: { kind: 'udp', remote: { host: '127.0.0.1', port: sipp.port } },
    })
    const call = await ua.call(`sip:service@127.0.0.1:${sipp.port}`, { send: tone(1000) })
    const track = await call.peer.waitForTrack('audio', 5000)
    await track.waitForPackets(100, 10_000)
    expect(track.codec?.encoding).toBe('PCMU')
    expect(hasTone(track, 1000)).toBe(true)
    expect(hasTone(track, 1500)).toBe(false)
    const sent = (await call.peer.stats()).outbound[0]!.packetsSent
    expect(track.rtp.snapshot().received).toBeGreaterThanOrEqual(100)
    expect(track.rtp.snapshot().received).toBeLessThanOrEqual(sent)
    await call.hangup()
    expect(await sipp.exited).toBe(0)
    expect(sipp.stats()).toMatchObject({ successfulCalls: 1, failedCalls: 0 })
    const record = await sipCallRecord([call])
    expect(record.signaling.map((s) => s.type)).toEqual(expect.arrayContaining(['180 Ringing (INVITE)', '200 OK (INVITE)', '200 OK (BYE)']))
  })
})

describe.skipIf(requireTool('sipp'))('interop with sipp as UAC', () => {
  test('sipp UAC streams a WAV rtcspec generated (rtp_stream) to an rtcspec UAS; the tone is detected', async () => {
    await using bob = await createSipUserAgent({ uri: 'sip:bob@127.0.0.1', media: 'rtp', transport: { kind: 'udp' } })
    const wav = g711Wav(readAll(tone(1300, { sampleRate: 8000 }), 8000))
    const answered: SipCall[] = []
    bob.autoAnswer({ send: tone(500), onCall: (c) => answered.push(c) })
    await using sipp = await startSipp({
      scenario: { xml: sippUacStreamScenario({ wav: 'tone.wav', streamMs: 2000 }) },
      files: { 'tone.wav': wav },
      service: 'bob',
      remote: { host: '127.0.0.1', port: bob.local!.port },
      calls: 1,
      timeoutS: 30,
    })
    await waitFor(() => answered.length === 1, { timeoutMs: 10_000, label: 'bob to answer sipp' })
    const call = answered[0]!
    const track = await call.peer.waitForTrack('audio', 5000)
    await track.waitForPackets(50, 10_000)
    expect(track.codec?.encoding).toBe('PCMU')
    expect(hasTone(track, 1300)).toBe(true)
    expect(hasTone(track, 500)).toBe(false)
    await call.waitForEnd(10_000)
    expect(await sipp.exited).toBe(0)
    const received = track.rtp.snapshot()
    // 2 s of 20 ms packets: about 100; the counters come from the packets themselves.
    expect(received.received).toBeGreaterThanOrEqual(80)
    expect(received.received).toBeLessThanOrEqual(130)
    expect(received.lost).toBe(0)
    expect(sipp.stats()?.successfulCalls).toBe(1)
  })
})

describe.skipIf(requireTool('sipp'))('B2BUA between two SIP parties', () => {
  test('sipp UAC → rtcspec B2BUA → rtcspec UAS: the streamed tone crosses both legs, counters on both', async () => {
    await using bob = await createSipUserAgent({ uri: 'sip:bob@127.0.0.1', media: 'rtp', transport: { kind: 'udp' } })
    const atBob: SipCall[] = []
    bob.autoAnswer({ onCall: (c) => atBob.push(c) })
    await using b2bua = await startSipB2bua({
      a: { uri: 'sip:b2bua@127.0.0.1', media: 'rtp', transport: { kind: 'udp' } },
      b: { uri: 'sip:b2bua-out@127.0.0.1', media: 'rtp', transport: { kind: 'udp', remote: { host: '127.0.0.1', port: bob.local!.port } } },
      target: `sip:bob@127.0.0.1:${bob.local!.port}`,
      registerA: false,
    })
    await using sipp = await startSipp({
      scenario: { xml: sippUacStreamScenario({ wav: 'tone.wav', streamMs: 2500 }) },
      files: { 'tone.wav': g711Wav(readAll(tone(1300, { sampleRate: 8000 }), 8000)) },
      service: 'b2bua',
      remote: { host: '127.0.0.1', port: b2bua.a.local!.port },
      calls: 1,
      timeoutS: 30,
    })
    const bridged = await b2bua.waitForCall(1, 15_000)
    await waitFor(() => atBob.length === 1, { timeoutMs: 5000, label: 'bob to answer the B2BUA' })
    const track = await atBob[0]!.peer.waitForTrack('audio', 5000)
    await track.waitForPackets(60, 10_000)
    expect(hasTone(track, 1300, 10)).toBe(true)
    expect(bridged.media.aToB.packetsIn).toBeGreaterThanOrEqual(50)
    expect(bridged.a.peer.inbound[0]!.rtp.snapshot().received).toBeGreaterThanOrEqual(50)
    // sipp hangs up; the B2BUA ends bob's leg too.
    await atBob[0]!.waitForEnd(10_000)
    expect(await sipp.exited).toBe(0)
  })
})
