/**
 * A candidate pair that starts failing mid-call, made by the relay: every datagram (RTP, RTCP, STUN consent checks,
 * DTLS) is dropped for 9 s with `impair: 'all'`. Media stops, consent checks go unanswered (RFC 7675), and when the
 * path comes back media resumes on the same pair. werift declares consent lost only after 30 s (RFC 7675's
 * timeout), so this outage stays below it: the ICE state stays connected, and the record shows the unanswered checks.
 */
import { describe, it, expect } from 'vitest'
import { openBackToBack, sources } from '../../src/calls/open.ts'

describe('a candidate pair that fails mid-call (relay drops everything, STUN included)', () => {
  it('media stops, consent checks go unanswered, media resumes when the path returns', async () => {
    const call = await openBackToBack({
      codec: 'PCMU',
      network: { seed: 77, impair: 'all', schedule: [{ outage: { at: '500ms', for: '9s' } }] },
      send: { a: sources.tone(440), b: sources.tone(880) },
    })
    try {
      const inB = await call.b.waitForTrack('audio', 5000)
      const relay = call.relay!
      await relay.waitFor(() => relay.profile('toB').loss === 1, { label: 'the outage to start', timeoutMs: 5000 })
      const stun = () => {
        const c = relay.counters()
        return c.toA.byClass.stun + c.toB.byClass.stun
      }
      const stunAtStart = stun()
      const packetsAtStart = inB.rtp.snapshot().received
      const nominated = async () => Promise.all([call.a, call.b].map(async (p) => (await p.stats()).iceDetail!.checks.find((c) => c.nominated)!))
      const atStart = await nominated()
      await relay.waitFor(() => relay.profile('toB').loss !== 1, { label: 'the outage to end', timeoutMs: 14_000 })
      const atEnd = await nominated()
      const stunInOutage = stun() - stunAtStart
      process.stdout.write(
        `[failing-pair] STUN datagrams dropped during the outage: ${stunInOutage}; consent requests a/b ${atStart.map((c) => c.consentRequestsSent).join('/')} → ${atEnd.map((c) => c.consentRequestsSent).join('/')}\n`,
      )
      // During the outage: no media arrived (at most the packets already in flight); consent checks (every 4–6 s per
      // side) reached the relay and were dropped — its counters are the ground truth — and none was answered.
      expect(inB.rtp.snapshot().received - packetsAtStart).toBeLessThanOrEqual(2)
      expect(stunInOutage).toBeGreaterThan(0)
      expect(atEnd.map((c) => c.responsesReceived)).toEqual(atStart.map((c) => c.responsesReceived))
      // The relay's truth shows the STUN/DTLS/RTCP datagrams it dropped (records without an RTP sequence number).
      const droppedNonRtp = relay.truth('toB').records.filter((r) => r.fate === 'dropped' && r.seq === undefined).length
      const droppedStun = relay.truth('toA').records.filter((r) => r.fate === 'dropped' && r.seq === undefined).length
      expect(droppedNonRtp + droppedStun).toBeGreaterThan(0)
      // Afterwards media flows again on the same pair; the ICE state never left connected (consent not yet expired).
      await inB.waitForPackets(packetsAtStart + 50, 5000)
      const snap = inB.rtp.snapshot()
      expect(snap.longestArrivalGapMs).toBeGreaterThan(8500)
      expect(call.a.timeline.nominations).toHaveLength(1)
      expect(call.a.timeline.ice.at(-1)?.state).toBe('connected')
    } finally {
      await call.close()
    }
  }, 30_000)
})
