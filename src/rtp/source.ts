/** Receive statistics of one SSRC: RFC 3550 A.1/A.3/A.8 plus the ground truth from the delivered sequence numbers. */
import { InterarrivalJitter } from './jitter.ts'
import { SeqWindow } from './seq-window.ts'
import { MAX_DROPOUT, Rfc3550Sequence, clampCumulativeLost, signed16 } from './seq.ts'
import type { RtpIntervalReport, RtpPacketInfo, RtpStatsSnapshot, RtpTimelineBucket } from './stats-types.ts'

interface Held {
  seq: number
  timestamp: number
  arrivalMs: number
  /** Counted, but not used for jitter (RtpPacketInfo.excludeFromJitter). */
  noJitter?: boolean
}

/** Probation packets kept for the ground truth while the source is not yet valid; older ones are discarded. */
const PROBATION_BUFFER = 512

function mod16(ext: number): number {
  return ((ext % 0x10000) + 0x10000) % 0x10000
}

/**
 * State of one SSRC. The RFC 3550 A.1 machine decides probation, jumps and restarts; the ground truth follows it:
 * - probation packets are held, and when A.1 validates the source at sequence `s`, those within ±MAX_DROPOUT of `s`
 *   are counted (A.1 itself ignores them);
 * - a very large jump (A.1 returns 0) is held for one packet: if the next one confirms it (`seq == bad_seq`) A.1
 *   re-syncs and a new sequence space ("epoch") starts with both; otherwise, if the jump lies behind the highest
 *   sequence number, it is a late arrival (filling its hole or a duplicate), else it is discarded;
 * - a snapshot resolves held packets provisionally, on a copy.
 */
export class SourceStats {
  readonly ssrc: number
  private readonly clockRate: number
  private seq: Rfc3550Sequence
  private jit: InterarrivalJitter
  private epoch: SeqWindow | undefined
  private closedExpected = 0
  private closedUnique = 0
  private closedLongestGap = 0
  private probationHeld: Held[] = []
  private pending: Held | undefined
  private duplicates = 0
  private reordered = 0
  private discarded = 0
  private packets = 0
  private bytes = 0
  private markers = 0
  private payloadType = 0
  private firstArrivalMs = 0
  private lastArrivalMs = 0
  private longestArrivalGapMs = 0
  private timeline: RtpTimelineBucket[] = []

  constructor(ssrc: number, firstSeq: number, clockRate: number) {
    this.ssrc = ssrc
    this.clockRate = clockRate
    this.seq = new Rfc3550Sequence(firstSeq)
    this.jit = new InterarrivalJitter(clockRate)
  }

  /** Feeds one packet of this SSRC. */
  onPacket(p: RtpPacketInfo, arrivalMs: number): void {
    if (this.packets === 0) this.firstArrivalMs = arrivalMs
    else this.longestArrivalGapMs = Math.max(this.longestArrivalGapMs, arrivalMs - this.lastArrivalMs)
    this.lastArrivalMs = arrivalMs
    this.packets++
    this.bytes += p.payloadBytes
    if (p.marker) this.markers++
    this.payloadType = p.payloadType
    const held: Held = { seq: p.sequenceNumber, timestamp: p.timestamp, arrivalMs, ...(p.excludeFromJitter ? { noJitter: true } : {}) }

    const verdict = this.seq.update(p.sequenceNumber)
    if (verdict === 'restart') {
      this.restartEpoch(held)
    } else {
      if (this.pending) this.resolvePending()
      if (verdict === 'probation') {
        this.probationHeld.push(held)
        if (this.probationHeld.length > PROBATION_BUFFER) {
          this.probationHeld.shift()
          this.discarded++
        }
      } else if (verdict === 'validated') {
        this.flushProbation(held)
      } else if (verdict === 'jump') {
        this.pending = held
      } else {
        this.accept(held)
      }
    }
    this.updateTimeline(p.payloadBytes, arrivalMs)
  }

  /** Counts `h` at extended sequence `ext` of the current epoch. */
  private acceptExt(ext: number, h: Held): void {
    const epoch = (this.epoch ??= new SeqWindow())
    const wasEmpty = epoch.span === 0
    const prevMax = epoch.max
    const r = epoch.add(ext)
    if (r === 'duplicate') this.duplicates++
    else if (r === 'too-old') this.discarded++
    else {
      if (!wasEmpty && ext < prevMax) this.reordered++
      if (!h.noJitter) this.jit.update(h.arrivalMs, h.timestamp)
    }
  }

  /** Counts `h` relative to the highest sequence number of the current epoch. */
  private accept(h: Held): void {
    const epoch = this.epoch
    if (!epoch || epoch.span === 0) return this.acceptExt(h.seq, h)
    const d = signed16(h.seq - mod16(epoch.max))
    if (d === -0x8000) this.discarded++
    else this.acceptExt(epoch.max + d, h)
  }

  private flushProbation(validating: Held): void {
    const s = validating.seq
    for (const h of this.probationHeld) {
      const d = signed16(h.seq - s)
      if (d >= -MAX_DROPOUT && d < MAX_DROPOUT) this.acceptExt(s + d, h)
      else this.discarded++
    }
    this.probationHeld = []
    this.acceptExt(s, validating)
  }

  private resolvePending(): void {
    const h = this.pending
    if (!h) return
    this.pending = undefined
    const epoch = this.epoch
    const d = epoch && epoch.span > 0 ? signed16(h.seq - mod16(epoch.max)) : 0
    if (epoch && d < 0 && d > -0x8000) this.acceptExt(epoch.max + d, h)
    else this.discarded++
  }

  private restartEpoch(h: Held): void {
    if (this.epoch) {
      this.closedExpected += this.epoch.span
      this.closedUnique += this.epoch.unique
      this.closedLongestGap = Math.max(this.closedLongestGap, this.epoch.longestGap())
    }
    this.epoch = new SeqWindow()
    this.jit.resetReference()
    const prev = this.pending
    this.pending = undefined
    if (prev && prev.seq === ((h.seq - 1) & 0xffff)) this.acceptExt(h.seq - 1, prev)
    else if (prev) this.discarded++
    this.acceptExt(h.seq, h)
  }

  private liveLost(): number {
    const e = this.epoch
    return this.closedExpected - this.closedUnique + (e ? e.missing : 0)
  }

  private updateTimeline(bytes: number, arrivalMs: number): void {
    const idx = Math.max(0, Math.floor((arrivalMs - this.firstArrivalMs) / 1000))
    const tl = this.timeline
    const last = tl[tl.length - 1]
    if (last && idx < last.second) {
      // Arrival time went backwards: count it where it belongs, leave the end-of-bucket values alone.
      const b = tl.find((x) => x.second === idx)
      if (b) {
        b.packets++
        b.bytes += bytes
      }
      return
    }
    for (let s = tl.length; s < idx; s++) {
      const prev = tl[tl.length - 1]
      tl.push({ second: s, packets: 0, bytes: 0, lostSoFar: prev?.lostSoFar ?? 0, jitterMs: prev?.jitterMs ?? 0 })
    }
    let cur = tl[tl.length - 1]
    if (!cur || cur.second !== idx) {
      cur = { second: idx, packets: 0, bytes: 0, lostSoFar: 0, jitterMs: 0 }
      tl.push(cur)
    }
    cur.packets++
    cur.bytes += bytes
    cur.lostSoFar = this.liveLost()
    cur.jitterMs = this.jit.jitterMs
  }

  /** A copy whose held packets (probation, pending jump) are resolved as if the stream ended now. */
  private settled(): SourceStats {
    if (!this.pending && this.probationHeld.length === 0) return this
    const c = Object.assign(Object.create(SourceStats.prototype) as SourceStats, this)
    c.seq = this.seq.clone()
    c.jit = this.jit.clone()
    c.epoch = this.epoch?.clone()
    c.probationHeld = [...this.probationHeld]
    c.timeline = [] // not needed on the copy
    if (c.pending) c.resolvePending()
    const last = c.probationHeld[c.probationHeld.length - 1]
    if (last) {
      c.probationHeld.pop()
      c.flushProbation(last)
    }
    return c
  }

  /** The statistics now (held packets resolved provisionally; this object is not changed). */
  snapshot(): RtpStatsSnapshot {
    const s = this.settled()
    const e = s.epoch
    const expected = s.closedExpected + (e ? e.span : 0)
    const unique = s.closedUnique + (e ? e.unique : 0)
    const lost = Math.max(0, expected - unique)
    const received = unique + s.duplicates
    const a1 = this.seq
    const elapsedMs = this.lastArrivalMs - this.firstArrivalMs
    return {
      ssrc: this.ssrc,
      payloadType: this.payloadType,
      clockRate: this.clockRate,
      packets: this.packets,
      received,
      duplicates: s.duplicates,
      unique,
      expected,
      lost,
      lossFraction: expected > 0 ? lost / expected : 0,
      discarded: s.discarded,
      rfc3550CumulativeLost: a1.cumulativeLost,
      fractionLostInterval: a1.peekInterval().fraction,
      jitter: s.jit.jitter,
      jitterMs: s.jit.jitterMs,
      reordered: s.reordered,
      longestSeqGap: Math.max(s.closedLongestGap, e ? e.longestGap() : 0),
      longestArrivalGapMs: this.longestArrivalGapMs,
      firstArrivalMs: this.firstArrivalMs,
      lastArrivalMs: this.lastArrivalMs,
      bytes: this.bytes,
      bitrateBps: this.packets >= 2 && elapsedMs > 0 ? (this.bytes * 8 * 1000) / elapsedMs : 0,
      markers: this.markers,
      cycles: a1.cycles / 0x10000,
      restarts: a1.restarts,
      probation: !a1.valid,
      rfc3550: {
        baseSeq: a1.baseSeq,
        extendedHighestSeq: a1.extendedMax,
        expected: a1.expected,
        received: a1.received,
        cumulativeLost: a1.cumulativeLost,
        cycles: a1.cycles / 0x10000,
        probation: a1.probation,
        valid: a1.valid,
      },
    }
  }

  /** RFC 3550 A.3 report-block values for the interval since the previous call; starts a new interval. */
  intervalReport(): RtpIntervalReport {
    const a1 = this.seq
    const i = a1.peekInterval()
    a1.commitInterval()
    return {
      ssrc: this.ssrc,
      fractionLost: i.fraction,
      fractionLostByte: i.fractionByte,
      expectedInterval: i.expectedInterval,
      receivedInterval: i.receivedInterval,
      lostInterval: i.lostInterval,
      cumulativeLost: clampCumulativeLost(a1.cumulativeLost),
      extendedHighestSeq: a1.extendedMax >>> 0,
      jitter: Math.floor(this.jit.jitter) >>> 0,
    }
  }

  /** Per-second buckets relative to the first arrival (copies). */
  timelineBuckets(): RtpTimelineBucket[] {
    return this.timeline.map((b) => ({ ...b }))
  }
}
