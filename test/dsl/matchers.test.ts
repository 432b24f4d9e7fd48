import { describe, it, expect } from 'vitest'
import '../../src/dsl/expect.ts'
import { RtpReceiveStats } from '../../src/rtp/stats.ts'
import { InboundTrackImpl } from '../../src/peers/inbound-track.ts'
import { toMs } from '../../src/calls/duration.ts'

/** A stats object fed with seqs 0..n-1 except `drop`, 20 ms apart with `jitterMs` of alternating transit. */
function statsWith(n: number, drop: Set<number>, transitSwingMs = 0) {
  const s = new RtpReceiveStats({ clockRate: 8000 })
  for (let i = 0; i < n; i++) {
    if (drop.has(i)) continue
    s.onPacket({ sequenceNumber: i, timestamp: i * 160, ssrc: 1, payloadType: 0, payloadBytes: 160 }, i * 20 + (i % 2) * transitSwingMs)
  }
  return s
}

function track(): InboundTrackImpl {
  return new InboundTrackImpl({
    kind: 'audio',
    mid: '0',
    peerName: 'bob',
    clockRate: 8000,
    codecOf: () => ({ encoding: 'PCMU', payloadType: 0, clockRate: 8000 }),
  })
}

describe('toHaveLossBelow', () => {
  it('passes under the budget and fails over it, showing the measured figures', () => {
    const snap = statsWith(100, new Set([10, 20, 30])).snapshot()
    expect(snap.lost).toBe(3)
    expect(snap).toHaveLossBelow(0.05)
    expect(() => expect(snap).toHaveLossBelow(0.02)).toThrow(/expected loss on RTP stream to be below 2\.00 %, measured 3\.00 %[\s\S]*lost 3/)
    expect(snap).not.toHaveLossBelow(0.02)
  })

  it('refuses to judge a stream with no packets', () => {
    const snap = statsWith(0, new Set()).snapshot()
    expect(() => expect(snap).toHaveLossBelow(0.5)).toThrow(/no packets arrived/)
  })

  it('says what it got when the subject is not RTP', () => {
    expect(() => expect({ foo: 1 }).toHaveLossBelow(0.1)).toThrow(/expected an InboundTrack, a Peer, or RTP stats/)
  })
})

describe('toHaveJitterBelow', () => {
  it('measures RFC 3550 jitter and compares', () => {
    expect(statsWith(200, new Set()).snapshot()).toHaveJitterBelow(0.5)
    const jittery = statsWith(400, new Set(), 8).snapshot()
    // Alternating ±8 ms transit converges to a jitter of about 8 ms.
    expect(jittery.jitterMs).toBeGreaterThan(6)
    expect(() => expect(jittery).toHaveJitterBelow(5)).toThrow(/measured \d+\.\d+ ms/)
  })
})

describe('toReceiveRtp', () => {
  it('resolves once enough packets arrived', async () => {
    const t = track()
    const p = expect(t).toReceiveRtp({ packets: 3, within: '1s' })
    for (let i = 0; i < 3; i++)
      t.push({ sequenceNumber: i, timestamp: i * 160, ssrc: 9, payloadType: 0, marker: false, payload: new Uint8Array(160), arrivalMs: i * 20 })
    await p
  })

  it('fails after the deadline with what it measured', async () => {
    const t = track()
    t.push({ sequenceNumber: 1, timestamp: 0, ssrc: 9, payloadType: 0, marker: true, payload: new Uint8Array(160), arrivalMs: 0 })
    await expect(expect(t).toReceiveRtp({ packets: 5, within: '50ms' })).rejects.toThrow(/expected 5 RTP packets within 50 ms[\s\S]*got 1[\s\S]*received 1/)
  })
})

describe('durations', () => {
  it('parses the usual forms and rejects others with a hint', () => {
    expect(toMs('3s')).toBe(3000)
    expect(toMs('1.5s')).toBe(1500)
    expect(toMs('2m')).toBe(120_000)
    expect(toMs(42)).toBe(42)
    expect(() => toMs('soon')).toThrow(/invalid duration "soon"[\s\S]*hint/)
    expect(() => toMs(-1)).toThrow(/invalid duration/)
  })
})
