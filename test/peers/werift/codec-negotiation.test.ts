import { describe, it, expect } from 'vitest'
import { createWeriftPeer } from '../../../src/peers/werift/peer.ts'
import { connectBackToBack } from '../../../src/peers/back-to-back.ts'
import { tone } from '../../../src/media/sources.ts'

const send = (rate: number) => tone(700, { sampleRate: rate })

describe('audio codec negotiation on werift peers', () => {
  it("offers Opus (RFC 7587 parameters) and telephone-event at both clock rates, 8 kHz first, with codecs: ['opus', 'PCMU', 'PCMA']", async () => {
    await using a = createWeriftPeer({ codecs: ['opus', 'PCMU', 'PCMA'] })
    const offer = await a.createOffer()
    const m = /^m=audio \d+ \S+ (.*)$/m.exec(offer.sdp)
    expect(m?.[1]?.trim().split(' ')).toEqual(['111', '0', '8', '101', '110'])
    expect(offer.sdp).toMatch(/^a=rtpmap:111 opus\/48000\/2\r?$/m)
    expect(offer.sdp).toMatch(/^a=fmtp:111 minptime=10;useinbandfec=1\r?$/m)
    expect(offer.sdp).toMatch(/^a=rtpmap:110 telephone-event\/48000\r?$/m)
    expect(offer.sdp).toMatch(/^a=rtpmap:101 telephone-event\/8000\r?$/m)
  })

  it('dtmf: false offers no telephone-event, and sendDtmf then says why it cannot', async () => {
    await using call = await connectBackToBack(createWeriftPeer({ codecs: ['PCMU'], dtmf: false }), createWeriftPeer({ codecs: ['PCMU'] }))
    expect(call.signaling.find((s) => s.type === 'offer')?.sdp).not.toMatch(/telephone-event/)
    call.a.sendAudio(send)
    await (await call.b.waitForTrack('audio', 5000)).waitForPackets(5, 5000)
    await expect(call.a.sendDtmf('1')).rejects.toThrow(/telephone-event\/8000 was not negotiated/)
  })

  for (const [a, b, expected] of [
    [['opus', 'PCMU', 'PCMA'], ['opus', 'PCMU', 'PCMA'], 'opus'],
    [['opus', 'PCMU', 'PCMA'], ['PCMU', 'PCMA'], 'PCMU'],
    // the answerer's preference order wins (werift orders the answer by its own codecs)
    [['PCMA', 'opus'], ['opus', 'PCMA'], 'opus'],
    [['PCMU', 'opus'], ['opus'], 'opus'],
    [['opus'], ['PCMU', 'opus'], 'opus'],
    [['PCMU'], ['opus', 'PCMU'], 'PCMU'],
  ] as const) {
    it(`${a.join(',')} → ${b.join(',')} negotiates ${expected}, and DTMF works at its clock rate`, async () => {
      await using call = await connectBackToBack(createWeriftPeer({ codecs: [...a] }), createWeriftPeer({ codecs: [...b] }))
      call.a.sendAudio(send)
      const track = await call.b.waitForTrack('audio', 5000)
      await track.waitForPackets(5, 5000)
      expect(track.codec?.encoding).toBe(expected)
      await call.a.sendDtmf('*', { durationMs: 40 })
      const te = expected === 'opus' ? 110 : 101
      // 2 updates + 2 end retransmissions
      await expect.poll(() => track.packets().filter((p) => p.payloadType === te).length, { timeout: 3000 }).toBe(4)
      expect(track.dtmf()).toEqual([expect.objectContaining({ digit: '*', durationMs: 40, ended: true })])
    })
  }
})
