import { describe, it, expect } from 'vitest'
import { RtpReceiveStats } from '../../src/rtp/stats.ts'

/** 50 audio frames, then a 7-packet RFC 4733 event (5 updates + 2 end retransmissions), then `after` more frames; perfect arrival times. */
function feed(exclude: boolean, after = 20): RtpReceiveStats {
  const stats = new RtpReceiveStats({ clockRate: 8000 })
  let seq = 100
  let frame = 0
  const audio = () => stats.onPacket({ sequenceNumber: seq++, timestamp: frame * 160, ssrc: 7, payloadType: 0, payloadBytes: 160 }, frame++ * 20)
  for (let i = 0; i < 50; i++) audio()
  const eventTs = frame * 160
  for (let i = 0; i < 7; i++) {
    stats.onPacket(
      { sequenceNumber: seq++, timestamp: eventTs, ssrc: 7, payloadType: 101, payloadBytes: 4, ...(exclude ? { excludeFromJitter: true } : {}) },
      frame++ * 20,
    )
  }
  for (let i = 0; i < after; i++) audio()
  return stats
}

describe('RFC 4733 events and the interarrival jitter', () => {
  it('events excluded from the jitter leave a perfectly paced stream at 0 ms, and still count as received', () => {
    const s = feed(true).snapshot()
    expect(s.jitterMs).toBe(0)
    expect(s.received).toBe(77)
    expect(s.lost).toBe(0)
  })
  it('without the exclusion the repeated event timestamp shows up as jitter (what the flag is for)', () => {
    // right after the event: (6 × 20 ms of growing transit, then a 120 ms step back) / 16 per packet
    expect(feed(false, 1).snapshot().jitterMs).toBeGreaterThan(10)
    expect(feed(true, 1).snapshot().jitterMs).toBe(0)
  })
})
