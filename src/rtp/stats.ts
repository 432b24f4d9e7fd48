/**
 * Ground-truth RTP receive statistics (RFC 3550 §6.4.1 and Appendices A.1, A.3, A.8) computed from the packets
 * themselves. Pure: no I/O, no timers — the caller supplies arrival times.
 */
import { RtcspecError } from '../errors.ts'
import { SourceStats } from './source.ts'
import type { RtpIntervalReport, RtpPacketInfo, RtpStatsSnapshot, RtpTimelineBucket } from './stats-types.ts'

export type { RtpIntervalReport, RtpPacketInfo, RtpStatsSnapshot, RtpTimelineBucket, Rfc3550SourceState } from './stats-types.ts'

function checkInt(name: string, v: number, max: number): void {
  if (!Number.isInteger(v) || v < 0 || v > max) {
    throw new RtcspecError('INVALID_ARGUMENT', `RtpReceiveStats.onPacket: ${name} must be an integer in 0..${max}, got ${String(v)}`, {
      hint: 'pass the fields of a parsed RTP header (see parseRtp) and the payload length in bytes',
    })
  }
}

/**
 * RFC 3550 receiver statistics for every SSRC seen, computed from the packets themselves.
 *
 * - Sequence handling follows RFC 3550 A.1 (MIN_SEQUENTIAL=2, MAX_DROPOUT=3000, MAX_MISORDER=100, 16-bit wrap,
 *   `bad_seq` re-sync); the `rfc3550*` fields and {@link intervalReport} are exactly the A.1/A.3 values.
 * - `lost`, `expected`, `unique`, `duplicates`, `reordered`, `longestSeqGap` are the ground truth from the set of
 *   delivered sequence numbers (duplicates detected within the last 32768 extended sequence numbers, the most a
 *   16-bit sequence number can identify).
 * - Jitter is the A.8 interarrival jitter over non-duplicate packets in arrival order.
 *
 * @example
 * const stats = new RtpReceiveStats({ clockRate: 48000 })
 * stats.onPacket({ sequenceNumber, timestamp, ssrc, payloadType, payloadBytes }, performance.now())
 * stats.snapshot().lossFraction
 */
export class RtpReceiveStats {
  /** RTP clock rate, Hz. */
  readonly clockRate: number
  private readonly sources = new Map<number, SourceStats>()
  private current: SourceStats | undefined

  /** @param options.clockRate RTP clock rate in Hz (8000 for G.711, 48000 for Opus); used for jitter. */
  constructor(options: { clockRate: number }) {
    const { clockRate } = options
    if (!Number.isFinite(clockRate) || clockRate <= 0) {
      throw new RtcspecError('INVALID_ARGUMENT', `RtpReceiveStats: clockRate must be a positive number of Hz, got ${String(clockRate)}`, {
        hint: 'use the clock rate from the SDP rtpmap (e.g. 8000 for PCMU, 48000 for Opus)',
      })
    }
    this.clockRate = clockRate
  }

  /**
   * Records one received RTP packet.
   * @param p header fields and payload size
   * @param arrivalMs arrival time in ms on any monotonic clock (e.g. `performance.now()`)
   * @throws RtcspecError `INVALID_ARGUMENT` when a field is out of range
   */
  onPacket(p: RtpPacketInfo, arrivalMs: number): void {
    checkInt('sequenceNumber', p.sequenceNumber, 0xffff)
    checkInt('timestamp', p.timestamp, 0xffffffff)
    checkInt('ssrc', p.ssrc, 0xffffffff)
    checkInt('payloadType', p.payloadType, 127)
    checkInt('payloadBytes', p.payloadBytes, Number.MAX_SAFE_INTEGER)
    if (!Number.isFinite(arrivalMs)) {
      throw new RtcspecError('INVALID_ARGUMENT', `RtpReceiveStats.onPacket: arrivalMs must be a finite number, got ${String(arrivalMs)}`)
    }
    let src = this.sources.get(p.ssrc)
    if (!src) {
      src = new SourceStats(p.ssrc, p.sequenceNumber, this.clockRate)
      this.sources.set(p.ssrc, src)
    }
    this.current = src
    src.onPacket(p, arrivalMs)
  }

  /** Statistics of the current SSRC (the one of the latest packet); an all-zero snapshot before any packet. */
  snapshot(): RtpStatsSnapshot {
    return this.current ? this.current.snapshot() : emptySnapshot(this.clockRate)
  }

  /** Statistics of every SSRC seen, in order of first appearance. */
  snapshots(): RtpStatsSnapshot[] {
    return [...this.sources.values()].map((s) => s.snapshot())
  }

  /** Statistics of one SSRC, or undefined if it was never seen. */
  snapshotOf(ssrc: number): RtpStatsSnapshot | undefined {
    return this.sources.get(ssrc)?.snapshot()
  }

  /** The SSRCs seen, in order of first appearance. */
  ssrcs(): number[] {
    return [...this.sources.keys()]
  }

  /**
   * RFC 3550 A.3 report-block values (fraction lost of the interval, cumulative lost, extended highest sequence
   * number, jitter) for the current SSRC (or `ssrc`), and starts a new interval. Undefined when there is no such SSRC.
   */
  intervalReport(ssrc?: number): RtpIntervalReport | undefined {
    const src = ssrc === undefined ? this.current : this.sources.get(ssrc)
    return src?.intervalReport()
  }

  /**
   * Per-second buckets (packets, bytes, lost so far, jitter ms at bucket end) for the current SSRC (or `ssrc`),
   * relative to its first arrival. Seconds without packets are present with zero packets.
   */
  timeline(ssrc?: number): RtpTimelineBucket[] {
    const src = ssrc === undefined ? this.current : this.sources.get(ssrc)
    return src ? src.timelineBuckets() : []
  }
}

function emptySnapshot(clockRate: number): RtpStatsSnapshot {
  return {
    ssrc: undefined,
    payloadType: undefined,
    clockRate,
    packets: 0,
    received: 0,
    duplicates: 0,
    unique: 0,
    expected: 0,
    lost: 0,
    lossFraction: 0,
    discarded: 0,
    rfc3550CumulativeLost: 0,
    fractionLostInterval: 0,
    jitter: 0,
    jitterMs: 0,
    reordered: 0,
    longestSeqGap: 0,
    longestArrivalGapMs: 0,
    firstArrivalMs: undefined,
    lastArrivalMs: undefined,
    bytes: 0,
    bitrateBps: 0,
    markers: 0,
    cycles: 0,
    restarts: 0,
    probation: false,
    rfc3550: { baseSeq: 0, extendedHighestSeq: 0, expected: 0, received: 0, cumulativeLost: 0, cycles: 0, probation: 0, valid: false },
  }
}
