import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { RtpReceiveStats } from '../../src/rtp/stats.ts'
import { RtcspecError } from '../../src/errors.ts'
import { makeStream, type SentPacket } from './stream.ts'

/** Feeds packets in the given order, each arriving `transitMs` (default 50) after it was sent. */
function feed(stats: RtpReceiveStats, pkts: SentPacket[], transit: (p: SentPacket, k: number) => number = () => 50): void {
  pkts.forEach((p, k) => stats.onPacket(p, p.sentMs + transit(p, k)))
}

function run(pkts: SentPacket[], clockRate = 8000): RtpReceiveStats {
  const s = new RtpReceiveStats({ clockRate })
  feed(s, pkts)
  return s
}

describe('RtpReceiveStats: loss', () => {
  it('reports no loss for a clean in-order stream', () => {
    const pkts = makeStream(1000)
    const snap = run(pkts).snapshot()
    expect(snap).toMatchObject({
      ssrc: 0x1234,
      payloadType: 0,
      clockRate: 8000,
      packets: 1000,
      received: 1000,
      unique: 1000,
      duplicates: 0,
      expected: 1000,
      lost: 0,
      lossFraction: 0,
      reordered: 0,
      longestSeqGap: 0,
      discarded: 0,
      bytes: 160_000,
      firstArrivalMs: 50,
      lastArrivalMs: 999 * 20 + 50,
      longestArrivalGapMs: 20,
      restarts: 0,
      probation: false,
    })
    expect(snap.jitter).toBe(0)
    // 160 bytes per 20 ms = 64 kbit/s, over 999 intervals.
    expect(snap.bitrateBps).toBeCloseTo((160_000 * 8) / ((999 * 20) / 1000), 6)
    // RFC 3550 A.1: the first packet is consumed by probation; base_seq is the second packet.
    expect(snap.rfc3550).toMatchObject({ baseSeq: 1001, expected: 999, received: 999, cumulativeLost: 0, valid: true, probation: 0 })
    expect(snap.rfc3550CumulativeLost).toBe(0)
  })

  it('counts exactly k losses at known places, and the longest hole', () => {
    const dropped = new Set([10, 11, 12, 500, 900, 901])
    const pkts = makeStream(1000).filter((p) => !dropped.has(p.index))
    const snap = run(pkts).snapshot()
    expect(snap.lost).toBe(6)
    expect(snap.expected).toBe(1000)
    expect(snap.unique).toBe(994)
    expect(snap.lossFraction).toBeCloseTo(6 / 1000, 12)
    expect(snap.longestSeqGap).toBe(3)
    expect(snap.rfc3550CumulativeLost).toBe(6)
    expect(snap.longestArrivalGapMs).toBe(80) // 12→9 dropped: packets 9 and 13 are 4 × 20 ms apart
  })

  it('counts loss across the 16-bit wrap 65535 → 0', () => {
    const all = makeStream(100, { firstSeq: 65500 })
    const dropped = new Set([65534, 65535, 0, 1])
    const pkts = all.filter((p) => !dropped.has(p.sequenceNumber))
    const snap = run(pkts).snapshot()
    expect(snap.lost).toBe(4)
    expect(snap.expected).toBe(100)
    expect(snap.longestSeqGap).toBe(4)
    expect(snap.cycles).toBe(1)
    expect(snap.rfc3550.extendedHighestSeq).toBe(65536 + ((65500 + 99) & 0xffff))
    expect(snap.rfc3550CumulativeLost).toBe(4)
  })

  it('a stream starting at seq 0 or 65535 validates and counts normally', () => {
    for (const firstSeq of [0, 65535]) {
      const snap = run(makeStream(10, { firstSeq })).snapshot()
      expect(snap).toMatchObject({ expected: 10, lost: 0, unique: 10, probation: false })
    }
  })

  it('duplicates (immediate, late, and across the wrap) are not unique and do not lower loss', () => {
    const all = makeStream(2000, { firstSeq: 65000 })
    const pkts = all.filter((p) => p.index !== 700) // one real loss
    const withDups: SentPacket[] = []
    for (const p of pkts) {
      withDups.push(p)
      if (p.index === 5 || p.index === 536) withDups.push(p) // immediate duplicate (536 is seq 0, just after the wrap)
      if (p.index === 1500) withDups.push(all[100]!, all[530]!) // late duplicates, far behind (MAX_MISORDER < 1400)
    }
    withDups.push(all[1999]!) // duplicate of the last packet
    const snap = run(withDups).snapshot()
    expect(snap.packets).toBe(1999 + 5)
    expect(snap.duplicates).toBe(5)
    expect(snap.received).toBe(1999 + 5)
    expect(snap.unique).toBe(1999)
    expect(snap.lost).toBe(1)
    expect(snap.expected).toBe(2000)
    expect(snap.reordered).toBe(0)
    // RFC 3550: immediate duplicates count as received (A.1 "duplicate or reordered"); the two late ones are
    // "very large jumps" A.1 ignores. Cumulative lost = 1 lost - 3 counted duplicates.
    expect(snap.rfc3550CumulativeLost).toBe(-2)
  })

  it('reordering: loss fraction stays right and reordered is counted', () => {
    const all = makeStream(300)
    // swap (10,11), (50,51), move 100 after 105, drop 200
    const order = all.map((p) => p.index).filter((i) => i !== 200 && i !== 100)
    const swap = (a: number, b: number) => {
      const ia = order.indexOf(a)
      const ib = order.indexOf(b)
      order[ia] = b
      order[ib] = a
    }
    swap(10, 11)
    swap(50, 51)
    order.splice(order.indexOf(105) + 1, 0, 100)
    const pkts = order.map((i) => all[i]!)
    const snap = run(pkts).snapshot()
    expect(snap.reordered).toBe(3) // 10 after 11, 50 after 51, 100 after 105
    expect(snap.lost).toBe(1)
    expect(snap.lossFraction).toBeCloseTo(1 / 300, 12)
    expect(snap.duplicates).toBe(0)
    expect(snap.longestSeqGap).toBe(1) // 100 arrived late and filled its hole
  })

  it('keeps counting right over several wraps and beyond the duplicate window', () => {
    const all = makeStream(200_000, { firstSeq: 60000 })
    const dropped = new Set([3, 4, 5, 6, 7, 70_000, 150_000, 199_998])
    const pkts = all.filter((p) => !dropped.has(p.index))
    const snap = run(pkts).snapshot()
    expect(snap).toMatchObject({ expected: 200_000, lost: 8, longestSeqGap: 5, cycles: 3, duplicates: 0 })
  })

  it('a reordered first packet still counts in the span', () => {
    const all = makeStream(50)
    const pkts = [all[1]!, all[0]!, ...all.slice(2)]
    const snap = run(pkts).snapshot()
    expect(snap).toMatchObject({ expected: 50, unique: 50, lost: 0, reordered: 1 })
  })
})

describe('RtpReceiveStats: jitter (RFC 3550 A.8)', () => {
  it('is 0 for constant transit, also across the 32-bit timestamp wrap', () => {
    const pkts = makeStream(500, { firstTs: 0xffffffff - 160 * 100 })
    const s = new RtpReceiveStats({ clockRate: 8000 })
    feed(s, pkts, () => 1234.5)
    expect(s.snapshot().jitter).toBe(0)
    expect(s.snapshot().jitterMs).toBe(0)
  })

  it('converges to the analytic value for alternating transit', () => {
    // transit alternates 40 ms, 50 ms: every |D| = 10 ms = 80 ts units at 8 kHz.
    // J_n = 80 * (1 - (15/16)^n) after n updates (n = packets - 1).
    const n = 400
    const pkts = makeStream(n)
    const s = new RtpReceiveStats({ clockRate: 8000 })
    feed(s, pkts, (p) => (p.index % 2 === 0 ? 40 : 50))
    const closed = 80 * (1 - (15 / 16) ** (n - 1))
    expect(s.snapshot().jitter).toBeCloseTo(closed, 9)
    expect(s.snapshot().jitterMs).toBeCloseTo((closed / 8000) * 1000, 9)
    expect(s.snapshot().jitterMs).toBeCloseTo(10, 6)

    // And after only a few packets, against the recurrence computed independently.
    const few = new RtpReceiveStats({ clockRate: 48000 })
    const transits = [10, 13, 9, 30, 30, 11]
    let j = 0
    for (let i = 0; i < transits.length; i++) {
      few.onPacket({ sequenceNumber: i, timestamp: i * 960, ssrc: 1, payloadType: 111, payloadBytes: 100 }, i * 20 + transits[i]!)
      if (i > 0) j += (Math.abs((transits[i]! - transits[i - 1]!) * 48) - j) / 16
    }
    expect(few.snapshot().jitter).toBeCloseTo(j, 9)
    expect(j).toBeGreaterThan(0)
  })

  it('ignores duplicates for jitter', () => {
    const pkts = makeStream(100)
    const s = new RtpReceiveStats({ clockRate: 8000 })
    feed(s, pkts)
    s.onPacket(pkts[99]!, 99 * 20 + 50 + 500) // the same packet again, half a second later
    expect(s.snapshot().jitter).toBe(0)
    expect(s.snapshot().duplicates).toBe(1)
  })
})

describe('RtpReceiveStats: RFC 3550 A.1 probation and restarts', () => {
  it('a source is on probation until MIN_SEQUENTIAL (2) packets arrive in sequence', () => {
    const s = new RtpReceiveStats({ clockRate: 8000 })
    const base = { timestamp: 0, ssrc: 7, payloadType: 0, payloadBytes: 10 }
    s.onPacket({ ...base, sequenceNumber: 10 }, 0)
    expect(s.snapshot().probation).toBe(true)
    expect(s.snapshot().rfc3550).toMatchObject({ valid: false, probation: 1, received: 0, expected: 0 })
    // provisional ground truth: the one packet
    expect(s.snapshot()).toMatchObject({ received: 1, expected: 1, lost: 0 })
    s.onPacket({ ...base, sequenceNumber: 20 }, 20) // not in sequence: probation restarts at 20
    expect(s.snapshot().rfc3550).toMatchObject({ valid: false, probation: 1 })
    s.onPacket({ ...base, sequenceNumber: 21 }, 40) // 20, 21 in sequence: valid, init_seq(21)
    const snap = s.snapshot()
    expect(snap.probation).toBe(false)
    expect(snap.rfc3550).toMatchObject({ valid: true, baseSeq: 21, received: 1, expected: 1, cumulativeLost: 0 })
    // Ground truth keeps the probation packets: 10..21 spanned, 10, 20, 21 delivered.
    expect(snap).toMatchObject({ expected: 12, unique: 3, lost: 9, longestSeqGap: 9 })
  })

  it('a single very large jump is ignored (bad_seq), the stream continues', () => {
    const all = makeStream(100, { firstSeq: 0 })
    const stray = { ...all[50]!, sequenceNumber: 30000 }
    const pkts = [...all.slice(0, 50), stray, ...all.slice(50)]
    const snap = run(pkts).snapshot()
    expect(snap).toMatchObject({ packets: 101, received: 100, discarded: 1, expected: 100, lost: 0, restarts: 0 })
    expect(snap.rfc3550).toMatchObject({ received: 99, expected: 99, cumulativeLost: 0 }) // A.1 does not count the stray
  })

  it('a big jump followed by a sequential packet is a source restart: A.1 re-syncs', () => {
    const a = makeStream(100, { firstSeq: 0 })
    const b = makeStream(100, { firstSeq: 20000 }).map((p) => ({ ...p, index: p.index + 100, sentMs: p.sentMs + 2000 }))
    const pkts = [...a.slice(0, 90), ...b.filter((p) => p.index !== 150)]
    const snap = run(pkts).snapshot()
    expect(snap.restarts).toBe(1)
    // A.1: init_seq(20001): base 20001, counts from there; 20000 (the jump) is not counted by A.1.
    expect(snap.rfc3550).toMatchObject({ baseSeq: 20001, received: 98, expected: 99, cumulativeLost: 1 })
    // Ground truth: two sequence spaces, 0..89 and 20000..20099, one loss.
    expect(snap).toMatchObject({ expected: 190, unique: 189, lost: 1, discarded: 0, longestSeqGap: 1 })
  })

  it('a backward restart is a restart too, not 30000 late packets', () => {
    const a = makeStream(100, { firstSeq: 40000 })
    const b = makeStream(50, { firstSeq: 10 })
    const snap = run([...a, ...b]).snapshot()
    expect(snap).toMatchObject({ restarts: 1, expected: 150, unique: 150, lost: 0, duplicates: 0 })
  })
})

describe('RtpReceiveStats: per SSRC', () => {
  it('tracks SSRCs separately and reports the latest one', () => {
    const a = makeStream(100, { ssrc: 111 })
    const b = makeStream(60, { ssrc: 222, firstSeq: 5 }).filter((p) => p.index !== 30)
    const s = new RtpReceiveStats({ clockRate: 8000 })
    feed(s, a)
    feed(s, b, () => 2100)
    expect(s.snapshot()).toMatchObject({ ssrc: 222, expected: 60, lost: 1 })
    expect(s.ssrcs()).toEqual([111, 222])
    const all = s.snapshots()
    expect(all.map((x) => [x.ssrc, x.expected, x.lost])).toEqual([
      [111, 100, 0],
      [222, 60, 1],
    ])
    expect(s.snapshotOf(111)?.unique).toBe(100)
    expect(s.snapshotOf(999)).toBeUndefined()
  })

  it('has an empty snapshot before any packet', () => {
    const s = new RtpReceiveStats({ clockRate: 48000 })
    expect(s.snapshot()).toMatchObject({ ssrc: undefined, received: 0, expected: 0, lossFraction: 0, bitrateBps: 0 })
    expect(s.snapshots()).toEqual([])
    expect(s.intervalReport()).toBeUndefined()
    expect(s.timeline()).toEqual([])
  })
})

describe('RtpReceiveStats: A.3 interval report', () => {
  it('computes fraction lost per interval and cumulative lost', () => {
    const all = makeStream(301, { firstSeq: 0 })
    // interval 1: 1..100 after probation (seq 1 is base) — drop 25 of them; interval 2: 101..200 no loss; interval 3: dup-heavy
    const drop = new Set(Array.from({ length: 25 }, (_, i) => 10 + i * 3))
    const s = new RtpReceiveStats({ clockRate: 8000 })
    feed(
      s,
      all.slice(0, 101).filter((p) => !drop.has(p.index)),
    )
    expect(s.snapshot().fractionLostInterval).toBeCloseTo(0.25, 12)
    const r1 = s.intervalReport()!
    expect(r1).toMatchObject({ ssrc: 0x1234, expectedInterval: 100, receivedInterval: 75, lostInterval: 25, fractionLostByte: 64, cumulativeLost: 25 })
    expect(r1.fractionLost).toBeCloseTo(0.25, 12)
    expect(s.snapshot().fractionLostInterval).toBe(0)
    feed(s, all.slice(101, 201))
    expect(s.intervalReport()).toMatchObject({ expectedInterval: 100, receivedInterval: 100, fractionLostByte: 0, cumulativeLost: 25, extendedHighestSeq: 200 })
    // duplicates outnumber losses: A.3 says fraction 0, cumulative lost goes down
    const third = all.slice(201, 301).filter((p) => p.index !== 250)
    feed(s, [...third, ...third.slice(-30)])
    const r3 = s.intervalReport()!
    expect(r3).toMatchObject({ fractionLost: 0, fractionLostByte: 0, lostInterval: -29, cumulativeLost: -4 })
    // 1 lost of 100: (1 << 8) / 100 = 2 (integer division, A.3)
    const more = makeStream(100, { firstSeq: 301 })
      .map((p) => ({ ...p, sentMs: p.sentMs + 7000 }))
      .filter((p) => p.index !== 50)
    feed(s, more)
    expect(s.intervalReport()).toMatchObject({ expectedInterval: 100, receivedInterval: 99, fractionLostByte: 2 })
  })
})

describe('RtpReceiveStats: timeline', () => {
  it('buckets per second from the first arrival, with empty seconds filled in', () => {
    const all = makeStream(250) // 5 s at 20 ms
    const pkts = all.filter((p) => !(p.index >= 100 && p.index < 150)) // second 2 (sent 2000..2999 ms) entirely lost
    const s = new RtpReceiveStats({ clockRate: 8000 })
    feed(s, pkts, () => 0)
    const tl = s.timeline()
    expect(tl.map((b) => b.second)).toEqual([0, 1, 2, 3, 4])
    expect(tl.map((b) => b.packets)).toEqual([50, 50, 0, 50, 50])
    expect(tl.map((b) => b.bytes)).toEqual([8000, 8000, 0, 8000, 8000])
    expect(tl.map((b) => b.lostSoFar)).toEqual([0, 0, 0, 50, 50])
    expect(tl.every((b) => b.jitterMs >= 0)).toBe(true)
  })
})

describe('RtpReceiveStats: input validation', () => {
  it('rejects out-of-range fields and a bad clock rate', () => {
    const s = new RtpReceiveStats({ clockRate: 8000 })
    const ok = { sequenceNumber: 1, timestamp: 1, ssrc: 1, payloadType: 0, payloadBytes: 1 }
    expect(() => s.onPacket({ ...ok, sequenceNumber: 65536 }, 0)).toThrow(RtcspecError)
    expect(() => s.onPacket({ ...ok, payloadType: 128 }, 0)).toThrow(/payloadType/)
    expect(() => s.onPacket({ ...ok, timestamp: -1 }, 0)).toThrow(/timestamp/)
    expect(() => s.onPacket(ok, Number.NaN)).toThrow(/arrivalMs/)
    expect(() => new RtpReceiveStats({ clockRate: 0 })).toThrow(/clockRate/)
  })
})

describe('RtpReceiveStats: property', () => {
  it('lost = distinct seqs never delivered, unique + lost = expected, for random drop/dup/reorder', () => {
    const scenario = fc
      .record({
        n: fc.integer({ min: 2, max: 600 }),
        firstSeq: fc.integer({ min: 0, max: 0xffff }),
        seed: fc.array(fc.record({ drop: fc.boolean(), dup: fc.nat({ max: 2 }), delay: fc.nat({ max: 30 }) }), { minLength: 600, maxLength: 600 }),
        dropRate: fc.integer({ min: 0, max: 60 }),
      })
      .map(({ n, firstSeq, seed, dropRate }) => ({ n, firstSeq, seed, dropRate }))
    fc.assert(
      fc.property(scenario, ({ n, firstSeq, seed, dropRate }) => {
        const all = makeStream(n, { firstSeq })
        const arrivals: { p: SentPacket; at: number }[] = []
        const delivered = new Set<number>()
        for (const p of all) {
          const r = seed[p.index]!
          const first = p.index === 0 || p.index === n - 1
          // drop with probability ~dropRate% (derived from delay bits to keep it shrinkable)
          const dropped = !first && r.drop && r.delay * 2 < dropRate
          if (dropped) continue
          delivered.add(p.index)
          // delay in packet slots: reorders by up to 30 slots (< MAX_MISORDER)
          arrivals.push({ p, at: p.sentMs + r.delay * 20 + 0.5 })
          for (let k = 0; k < r.dup; k++) arrivals.push({ p, at: p.sentMs + (r.delay + k + 1) * 20 + 0.25 })
        }
        arrivals.sort((x, y) => x.at - y.at)
        const s = new RtpReceiveStats({ clockRate: 8000 })
        for (const a of arrivals) s.onPacket(a.p, a.at)
        const snap = s.snapshot()
        expect(snap.expected).toBe(n)
        expect(snap.lost).toBe(n - delivered.size)
        expect(snap.unique).toBe(delivered.size)
        expect(snap.unique + snap.lost).toBe(snap.expected)
        expect(snap.received).toBe(arrivals.length)
        expect(snap.duplicates).toBe(arrivals.length - delivered.size)
        // longest gap, from the delivered set
        let run = 0
        let longest = 0
        for (let i = 0; i < n; i++) {
          run = delivered.has(i) ? 0 : run + 1
          longest = Math.max(longest, run)
        }
        expect(snap.longestSeqGap).toBe(longest)
      }),
      { numRuns: 300 },
    )
  })
})
