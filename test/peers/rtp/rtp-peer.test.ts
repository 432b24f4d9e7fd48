import { describe, expect, test } from 'vitest'
import { createRtpPeer } from '../../../src/peers/rtp/peer.ts'
import { tone } from '../../../src/media/sources.ts'
import { detectTone } from '../../../src/media/analysis.ts'
import { decodeMulaw, decodeAlaw } from '../../../src/media/g711.ts'
import { waitFor } from '../../../src/wait.ts'
import type { InboundTrack } from '../../../src/peers/types.ts'

function decoded(track: InboundTrack): Int16Array {
  const chunks = track
    .packets()
    .filter((p) => p.payloadType === 0 || p.payloadType === 8)
    .map((p) => (p.payloadType === 0 ? decodeMulaw(p.payload) : decodeAlaw(p.payload)))
  const out = new Int16Array(chunks.reduce((n, c) => n + c.length, 0))
  let o = 0
  for (const c of chunks) {
    out.set(c, o)
    o += c.length
  }
  return out
}

describe('plain-RTP peer', () => {
  test('two peers exchange G.711 both ways with RTCP; tones detected, no loss', async () => {
    await using a = createRtpPeer({ name: 'a', codecs: ['PCMA', 'PCMU'], rtcpIntervalMs: 200 })
    await using b = createRtpPeer({ name: 'b' })
    const offer = await a.createOffer()
    expect(offer.sdp).toMatch(/^m=audio \d+ RTP\/AVP 8 0 101\r$/m)
    const answer = await b.acceptOffer(offer)
    expect(answer.sdp).toMatch(/^m=audio \d+ RTP\/AVP 8 101\r$/m)
    await a.acceptAnswer(answer)
    a.sendAudio(tone(1000))
    b.sendAudio(tone(1500))
    const [ta, tb] = await Promise.all([a.waitForTrack('audio', 5000), b.waitForTrack('audio', 5000)])
    await Promise.all([ta.waitForPackets(50, 5000), tb.waitForPackets(50, 5000)])
    expect(tb.codec?.encoding).toBe('PCMA')
    expect(detectTone(decoded(tb), 8000, 1000).present).toBe(true)
    expect(detectTone(decoded(tb), 8000, 1500).present).toBe(false)
    expect(detectTone(decoded(ta), 8000, 1500).present).toBe(true)
    expect(tb.rtp.snapshot().lost).toBe(0)
    await waitFor(() => a.rtcpReceived.some((r) => r.packets.some((p) => p.type === 'sr' && p.reports.length > 0)), {
      timeoutMs: 5000,
      label: 'an SR with a report block at a',
    })
    const sr = a.rtcpReceived.flatMap((r) => r.packets).find((p) => p.type === 'sr' && p.reports.length > 0)
    // b's report block is about a's stream, and a's SR counts what a sent.
    expect(sr?.type === 'sr' && sr.reports[0]!.ssrc).toBe((await a.stats()).outbound[0]!.ssrc)
  })

  test('RFC 4733 DTMF reaches the far end', async () => {
    await using a = createRtpPeer({ name: 'a' })
    await using b = createRtpPeer({ name: 'b' })
    await a.acceptAnswer(await b.acceptOffer(await a.createOffer()))
    await a.sendDtmf('12#', { durationMs: 60, gapMs: 40 })
    const t = await b.waitForTrack('audio', 5000)
    await waitFor(() => t.dtmf().length === 3, { timeoutMs: 5000, label: '3 DTMF digits at b' })
    expect(
      t
        .dtmf()
        .map((d) => d.digit)
        .join(''),
    ).toBe('12#')
  })

  test('hold: a sendonly re-offer stops the far end sending; resume restarts it', async () => {
    await using a = createRtpPeer({ name: 'a' })
    await using b = createRtpPeer({ name: 'b' })
    await a.acceptAnswer(await b.acceptOffer(await a.createOffer()))
    b.sendAudio(tone(800))
    const t = await a.waitForTrack('audio', 5000)
    await t.waitForPackets(10, 5000)
    a.setDirection('sendonly')
    const held = await b.acceptOffer(await a.createOffer())
    expect(held.sdp).toContain('a=recvonly')
    await a.acceptAnswer(held)
    const atHold = t.packets().length
    // b's pacer keeps ticking while held: wait for 10 held frames, then nothing beyond one in-flight packet arrived.
    await waitFor(() => b.heldPackets >= 10, { timeoutMs: 5000, label: 'b to hold back 10 frames' })
    expect(t.packets().length).toBeLessThanOrEqual(atHold + 1)
    a.setDirection('sendrecv')
    await a.acceptAnswer(await b.acceptOffer(await a.createOffer()))
    await t.waitForPackets(atHold + 10, 5000)
    // Held frames spend no sequence numbers: the far end sees a pause, not the held frames as loss,
    // and the first packet after resume starts a new talkspurt (marker bit).
    expect(t.rtp.snapshot().lost).toBeLessThanOrEqual(1)
    expect(
      t
        .packets()
        .slice(atHold)
        .some((p) => p.marker),
    ).toBe(true)
  })

  test('refuses non-loopback media addresses and codec mismatches with clear errors', async () => {
    await using a = createRtpPeer({ name: 'a' })
    const sdp = (addr: string, fmt: string) => `v=0\r\no=- 1 1 IN IP4 ${addr}\r\ns=-\r\nc=IN IP4 ${addr}\r\nt=0 0\r\nm=audio 4000 RTP/AVP ${fmt}\r\n`
    await expect(a.acceptOffer({ type: 'offer', sdp: sdp('10.0.0.1', '0') })).rejects.toThrow(/not loopback/)
    await expect(a.acceptOffer({ type: 'offer', sdp: sdp('127.0.0.1', '18') })).rejects.toThrow(/no common audio codec; offered G729\/18/)
    await expect(a.acceptOffer({ type: 'offer', sdp: 'garbage' })).rejects.toThrow(/could not read the remote offer/)
  })
})

describe('plain-RTP peer with Opus', () => {
  test('negotiates opus/48000/2 on RTP/AVP and carries a tone', async () => {
    const { detectTone } = await import('../../../src/media/analysis.ts')
    await using a = createRtpPeer({ name: 'a', codecs: ['opus'] })
    await using b = createRtpPeer({ name: 'b', codecs: ['opus', 'PCMU'] })
    const offer = await a.createOffer()
    expect(offer.sdp).toContain('a=rtpmap:111 opus/48000/2')
    await a.acceptAnswer(await b.acceptOffer(offer))
    a.sendAudio((sampleRate) => tone(1000, { sampleRate }))
    const t = await b.waitForTrack('audio', 5000)
    await t.waitForPackets(50, 5000)
    expect(t.codec?.encoding).toBe('opus')
    const rec = t.recording()
    expect(rec.sampleRate).toBe(48000)
    expect(detectTone(rec.samples.subarray(4800), rec.sampleRate, 1000).present).toBe(true)
  })
})
