import { describe, expect, test } from 'vitest'
import { requireTool } from '../support/requires.ts'
import { g711Wav, sippUacStreamScenario, sippUasScenario, startSipp } from '../../src/services/sipp.ts'
import { createSipUserAgent, sipCallRecord, type SipCall } from '../../src/sipua/user-agent.ts'
import { readAll, tone } from '../../src/media/sources.ts'
import { waitFor } from '../../src/wait.ts'
import { hasTone } from './support.ts'

describe.skipIf(requireTool('sipp'))('interop with sipp', () => {
  test('sipp UAS with RTP echo answers an rtcspec UAC over UDP; the echoed tone is detected', async () => {
    await using sipp = await startSipp({ scenario: { xml: sippUasScenario() }, rtpEcho: true, calls: 1, timeoutS: 30 })
    await using ua = await createSipUserAgent({ uri: 'sip:alice@127.0.0.1', media: 'rtp', transport: { kind: 'udp', remote: { host: '127.0.0.1', port: sipp.port } } })
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
