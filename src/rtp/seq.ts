/**
 * RFC 3550 Appendix A.1 sequence-number state machine (probation, 16-bit wrap, `bad_seq` resync)
 * and the A.3 report-block arithmetic built on it. Pure: no I/O, no timers.
 */

/** RFC 3550 A.1: the modulus of RTP sequence numbers (2^16). */
export const RTP_SEQ_MOD = 0x10000
/** RFC 3550 A.1: largest forward jump still treated as "in order, with permissible gap". */
export const MAX_DROPOUT = 3000
/** RFC 3550 A.1: largest backward step still treated as "duplicate or reordered". */
export const MAX_MISORDER = 100
/** RFC 3550 A.1: packets in sequence needed before a new source is declared valid. */
export const MIN_SEQUENTIAL = 2

/** `x` (any integer) as a signed 16-bit value in [-32768, 32767]: the shortest distance on the 2^16 circle. */
export function signed16(x: number): number {
  return ((x & 0xffff) ^ 0x8000) - 0x8000
}

/** `x` (any integer) as a signed 32-bit value: RTP timestamp differences modulo 2^32 (RFC 3550 A.8). */
export function signed32(x: number): number {
  return x | 0
}

/**
 * What {@link Rfc3550Sequence.update} decided for one packet (RFC 3550 A.1 `update_seq`):
 * - `probation`: the source is not valid yet (A.1 returns 0; the packet is not counted);
 * - `validated`: this packet ended probation (`init_seq` ran; A.1 returns 1 and counts it);
 * - `accepted`: in order with a permissible gap, or duplicate/reordered (A.1 returns 1);
 * - `jump`: a very large jump; `bad_seq` is now `seq + 1` (A.1 returns 0; the packet is not counted);
 * - `restart`: `seq == bad_seq`, two sequential packets after a jump: the source restarted and A.1 re-synced
 *   (`init_seq(seq)`; A.1 returns 1 and counts it).
 */
export type SeqVerdict = 'probation' | 'validated' | 'accepted' | 'jump' | 'restart'

/**
 * The RFC 3550 Appendix A.1 per-source sequence state, transcribed from the RFC's C code,
 * plus the A.3 "expected / lost / fraction lost" computation.
 *
 * One deliberate deviation from the literal C: the probation test `seq == max_seq + 1` is evaluated modulo 2^16
 * (in C the `int` promotion makes `65535 + 1 != 0`, so a source whose probation straddles the wrap would need an
 * extra packet; the RFC's intent is modular).
 */
export class Rfc3550Sequence {
  /** A.1 `max_seq`: highest sequence number seen (16-bit). */
  maxSeq = 0
  /** A.1 `cycles`: count of sequence number wraps, shifted (a multiple of 2^16). */
  cycles = 0
  /** A.1 `base_seq`: the sequence number `init_seq` last ran with. */
  baseSeq = 0
  /** A.1 `bad_seq`: last "bad" sequence number + 1 (RTP_SEQ_MOD + 1 means none). */
  badSeq = RTP_SEQ_MOD + 1
  /** A.1 `received`: packets counted since `init_seq` (includes duplicates). */
  received = 0
  /** A.3 `received_prior`: `received` at the last interval report. */
  receivedPrior = 0
  /** A.3 `expected_prior`: `expected` at the last interval report. */
  expectedPrior = 0
  /** A.1 `probation`: sequential packets still needed before the source is valid. */
  probation = MIN_SEQUENTIAL
  /** How many times A.1 re-synced after a very large jump (`seq == bad_seq`). */
  restarts = 0

  /** A new source heard for the first time (A.1: `init_seq(s, seq); s->max_seq = seq - 1; s->probation = MIN_SEQUENTIAL`). */
  constructor(firstSeq: number) {
    this.initSeq(firstSeq)
    this.maxSeq = (firstSeq - 1) & 0xffff
    this.probation = MIN_SEQUENTIAL
  }

  /** A.1 `init_seq`. */
  private initSeq(seq: number): void {
    this.baseSeq = seq
    this.maxSeq = seq
    this.badSeq = RTP_SEQ_MOD + 1
    this.cycles = 0
    this.received = 0
    this.receivedPrior = 0
    this.expectedPrior = 0
  }

  /** A.1 `update_seq`: feed one packet's 16-bit sequence number. Call it for the first packet too. */
  update(seq: number): SeqVerdict {
    const udelta = (seq - this.maxSeq) & 0xffff
    if (this.probation > 0) {
      if (seq === ((this.maxSeq + 1) & 0xffff)) {
        this.probation--
        this.maxSeq = seq
        if (this.probation === 0) {
          this.initSeq(seq)
          this.received++
          return 'validated'
        }
      } else {
        this.probation = MIN_SEQUENTIAL - 1
        this.maxSeq = seq
      }
      return 'probation'
    } else if (udelta < MAX_DROPOUT) {
      if (seq < this.maxSeq) this.cycles += RTP_SEQ_MOD // wrapped
      this.maxSeq = seq
    } else if (udelta <= RTP_SEQ_MOD - MAX_MISORDER) {
      if (seq === this.badSeq) {
        this.initSeq(seq)
        this.restarts++
        this.received++
        return 'restart'
      }
      this.badSeq = (seq + 1) & (RTP_SEQ_MOD - 1)
      return 'jump'
    }
    // else: duplicate or reordered packet
    this.received++
    return 'accepted'
  }

  /** True once probation is over (A.1: `probation == 0`). */
  get valid(): boolean {
    return this.probation === 0
  }

  /** A.3 extended highest sequence number received: `cycles + max_seq`. */
  get extendedMax(): number {
    return this.cycles + this.maxSeq
  }

  /** A.3 `expected = extended_max - base_seq + 1` (0 while on probation). */
  get expected(): number {
    return this.valid ? this.extendedMax - this.baseSeq + 1 : 0
  }

  /** RFC 3550 §6.4.1 / A.3 cumulative number of packets lost: `expected - received` (may be negative: duplicates). */
  get cumulativeLost(): number {
    return this.expected - this.received
  }

  /** The A.3 interval values since the last {@link commitInterval}, without committing. */
  peekInterval(): { expectedInterval: number; receivedInterval: number; lostInterval: number; fraction: number; fractionByte: number } {
    const expectedInterval = this.expected - this.expectedPrior
    const receivedInterval = this.received - this.receivedPrior
    const lostInterval = expectedInterval - receivedInterval
    if (expectedInterval <= 0 || lostInterval <= 0) return { expectedInterval, receivedInterval, lostInterval, fraction: 0, fractionByte: 0 }
    // A.3: fraction = (lost_interval << 8) / expected_interval, an 8-bit fixed-point number.
    const fractionByte = Math.min(255, Math.floor((lostInterval * 256) / expectedInterval))
    return { expectedInterval, receivedInterval, lostInterval, fraction: lostInterval / expectedInterval, fractionByte }
  }

  /** A.3: `expected_prior = expected; received_prior = received`. */
  commitInterval(): void {
    this.expectedPrior = this.expected
    this.receivedPrior = this.received
  }

  /** A copy with the same state. */
  clone(): Rfc3550Sequence {
    const c = Object.create(Rfc3550Sequence.prototype) as Rfc3550Sequence
    return Object.assign(c, this)
  }
}

/** Clamps a cumulative lost count to the signed 24-bit field of an RTCP report block (RFC 3550 §6.4.1, A.3). */
export function clampCumulativeLost(lost: number): number {
  return Math.max(-0x800000, Math.min(0x7fffff, lost))
}
