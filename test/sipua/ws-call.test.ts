import { describe, expect, test } from 'vitest'
import { startSipRegistrar } from '../../src/sipua/registrar.ts'
import { createSipUserAgent, sipCallRecord } from '../../src/sipua/user-agent.ts'
import { CallRecordSchema } from '../../src/peers/call-record.ts'
import { tone } from '../../src/media/sources.ts'
import { hasTone } from './support.ts'

describe('sip.js UAs on werift media through the embedded registrar over WebSocket', () => {
  for (const trickle of [true, false]) {
    test(`call with trickle ${trickle ? 'on' : 'off'}: tones both ways, stats in the call record`, async () => {
      await using registrar = await startSipRegistrar()
      const transport = { kind: 'ws' as const, url: registrar.wsUrl }
      await using alice = await createSipUserAgent({ uri: 'sip:alice@rtcspec.test', transport, trickle })
      await using bob = await createSipUserAgent({ uri: 'sip:bob@rtcspec.test', transport, trickle })
      await bob.register()
      expect(registrar.bindings().map((b) => b.aor)).toEqual(['bob@rtcspec.test'])
      const incoming = bob.waitForIncoming(10_000)
      const outgoing = alice.call('sip:bob@rtcspec.test', { send: tone(1000), timeoutMs: 15_000 })
      const bobCall = await (await incoming).accept({ send: tone(1500) })
      const aliceCall = await outgoing
      await aliceCall.peer.waitForConnected(10_000)
      const [atBob, atAlice] = await Promise.all([bobCall.peer.waitForTrack('audio', 10_000), aliceCall.peer.waitForTrack('audio', 10_000)])
      await Promise.all([atBob.waitForPackets(60, 10_000), atAlice.waitForPackets(60, 10_000)])
      expect(hasTone(atBob, 1000)).toBe(true)
      expect(hasTone(atBob, 1500)).toBe(false)
      expect(hasTone(atAlice, 1500)).toBe(true)
      // Trickle: candidates went in INFO requests, not in the SDP.
      const invite = alice.log.entries.find((e) => e.direction === 'out' && e.summary.startsWith('INVITE'))!
      if (trickle) {
        expect(invite.raw).toMatch(/^Supported:.*trickle-ice/m)
        expect(invite.raw).not.toContain('a=candidate')
        expect(aliceCall.sdh?.trickler?.candidatesSent).toBeGreaterThan(0)
        expect(bobCall.sdh?.trickler?.candidatesReceived).toBeGreaterThan(0)
        expect(bobCall.sdh?.trickler?.endOfCandidatesReceived).toBe(true)
        expect(registrar.log.entries.some((e) => e.summary.startsWith('INFO') && /application\/trickle-ice-sdpfrag/.test(e.raw))).toBe(true)
      } else {
        expect(invite.raw).toContain('a=candidate')
        expect(aliceCall.sdh?.trickler).toBeUndefined()
        expect(registrar.log.entries.some((e) => e.summary.startsWith('INFO'))).toBe(false)
      }
      await aliceCall.hangup()
      await bobCall.waitForEnd(5000)
      const record = await sipCallRecord([aliceCall, bobCall])
      expect(CallRecordSchema.parse(record).kind).toBe('sip')
      expect(record.peers).toHaveLength(2)
      expect(record.peers[1]!.rtp.inbound[0]!.received).toBeGreaterThanOrEqual(60)
      expect(record.signaling.map((s) => s.type)).toEqual(expect.arrayContaining(['INVITE sip:bob@rtcspec.test', '200 OK (INVITE)', '200 OK (BYE)']))
    })
  }
})
