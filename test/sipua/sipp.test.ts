import { describe, expect, test } from 'vitest'
import { requireTool } from '../support/requires.ts'
import { startSipp } from '../../src/services/sipp.ts'
import { createSipUserAgent, sipCallRecord } from '../../src/sipua/user-agent.ts'
import { tone } from '../../src/media/sources.ts'
import { waitFor } from '../../src/wait.ts'
import { hasTone } from './support.ts'

describe.skipIf(requireTool('sipp'))('interop with sipp', () => {
  test('sipp UAS with RTP echo answers an rtcspec UAC over UDP; the echoed tone is detected', async () => {
    await using sipp = await startSipp({ scenario: 'uas', rtpEcho: true, calls: 1, timeoutS: 30 })
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
    // SIPp dumps its counters every second (-fd 1); its exit waits a 4 s timewait we need not sit through.
    await waitFor(() => sipp.stats()?.successfulCalls === 1, { timeoutMs: 5000, label: 'sipp to count 1 successful call' })
    expect(sipp.stats()?.failedCalls).toBe(0)
    const record = await sipCallRecord([call])
    expect(record.signaling.map((s) => s.type)).toEqual(expect.arrayContaining(['180 Ringing (INVITE)', '200 OK (INVITE)', '200 OK (BYE)']))
  })
})
