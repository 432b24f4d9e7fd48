import { describe, it, expect } from 'vitest'
import { createWeriftPeer } from '../../../src/peers/werift/peer.ts'
import { connectBackToBack } from '../../../src/peers/back-to-back.ts'
import { tone } from '../../../src/media/sources.ts'

const tone440 = (rate: number) => tone(440, { sampleRate: rate })

describe('werift back-to-back', () => {
  for (const trickle of [true, false]) {
    it(`connects on loopback and carries PCMU both ways (trickle=${trickle})`, async () => {
      await using call = await connectBackToBack(createWeriftPeer({ name: 'alice', trickle }), createWeriftPeer({ name: 'bob', trickle }))
      call.a.sendAudio(tone440)
      call.b.sendAudio(tone440)
      const [inA, inB] = await Promise.all([call.a.waitForTrack('audio', 5000), call.b.waitForTrack('audio', 5000)])
      await Promise.all([inA.waitForPackets(50, 5000), inB.waitForPackets(50, 5000)])
      const sa = await call.a.stats()
      const sb = await call.b.stats()
      for (const s of [sa, sb]) {
        const rtp = s.inbound[0]!.rtp
        expect(rtp.unique).toBeGreaterThanOrEqual(50)
        expect(rtp.lost).toBe(0)
        expect(s.inbound[0]!.codec?.encoding).toBe('PCMU')
        expect(s.selectedPair?.local.address).toBe('127.0.0.1')
        expect(s.selectedPair?.remote.address).toBe('127.0.0.1')
      }
      // Only loopback candidates were ever exchanged.
      for (const p of [call.a, call.b]) {
        expect(p.timeline.localCandidates.length).toBeGreaterThan(0)
        for (const c of p.timeline.localCandidates) expect(c.candidate).toMatch(/ 127\.0\.0\.1 /)
      }
      if (trickle) expect(call.signaling.some((m) => m.type === 'candidate')).toBe(true)
      else expect(call.signaling.find((m) => m.type === 'offer')?.sdp).toMatch(/a=candidate:/)
    })
  }

  it('negotiates PCMA when the answerer only accepts PCMA', async () => {
    await using call = await connectBackToBack(createWeriftPeer({ codecs: ['PCMU', 'PCMA'] }), createWeriftPeer({ codecs: ['PCMA'] }))
    call.a.sendAudio(tone440)
    const inB = await call.b.waitForTrack('audio', 5000)
    await inB.waitForPackets(20, 5000)
    expect(inB.codec?.encoding).toBe('PCMA')
    expect(inB.codec?.payloadType).toBe(8)
  })
})
