/** Result types of {@link RtpReceiveStats}: snapshots, interval (report-block) values and the timeline. */

/** One packet as {@link RtpReceiveStats.onPacket} takes it: the RTP header fields plus the payload size. */
export interface RtpPacketInfo {
  /** RTP sequence number, 0..65535. */
  sequenceNumber: number
  /** RTP timestamp, 0..2^32-1. */
  timestamp: number
  /** Synchronization source, 0..2^32-1. */
  ssrc: number
  /** Payload type, 0..127. */
  payloadType: number
  /** The RTP marker bit. */
  marker?: boolean
  /** Payload size in bytes (no RTP header, no padding). */
  payloadBytes: number
  /**
   * Leave this packet out of the interarrival jitter (it still counts for loss, order and duplicates): for packets
   * whose timestamp does not advance with sampling time, such as RFC 4733 events (every packet of an event carries
   * the event's start timestamp), which would otherwise show up as jitter of up to the event's length.
   */
  excludeFromJitter?: boolean
}

/** The RFC 3550 Appendix A.1/A.3 view of one source, exactly as a compliant RTCP receiver would compute it. */
export interface Rfc3550SourceState {
  /** A.1 `base_seq` (the packet that ended probation or re-synced; probation packets are not counted). */
  baseSeq: number
  /** A.3 extended highest sequence number received, `cycles + max_seq`. */
  extendedHighestSeq: number
  /** A.3 `expected = extended_max - base_seq + 1` (0 on probation). */
  expected: number
  /** A.1 `received` since the last `init_seq` (includes duplicates). */
  received: number
  /** A.3 cumulative lost `expected - received` (negative when duplicates outnumber losses); not clamped. */
  cumulativeLost: number
  /** Sequence number wraps (A.1 `cycles / 2^16`). */
  cycles: number
  /** A.1 `probation` counter (0 = valid). */
  probation: number
  /** True once the source passed probation (A.1). */
  valid: boolean
}

/**
 * Receive statistics of one SSRC. "Ground truth" fields (`received`, `unique`, `expected`, `lost`, `lossFraction`,
 * `reordered`, `longestSeqGap`, `duplicates`) are computed from the set of sequence numbers actually delivered;
 * `rfc3550*` fields are what RFC 3550 A.1/A.3 computes (and what an RTCP RR reports).
 */
export interface RtpStatsSnapshot {
  /** The SSRC, or undefined when no packet has been seen. */
  ssrc: number | undefined
  /** Payload type of the latest packet. */
  payloadType: number | undefined
  /** RTP clock rate used for jitter, Hz. */
  clockRate: number
  /** Every packet handed to `onPacket` for this SSRC (`received + discarded`). */
  packets: number
  /** Packets accounted in the sequence space, including duplicates. */
  received: number
  /** Packets whose sequence number had already been received (detected within the last 32768 sequence numbers). */
  duplicates: number
  /** `received - duplicates`: distinct sequence numbers delivered. */
  unique: number
  /**
   * Sequence numbers spanned (A.3 `extended max - base + 1`), summed over A.1 restarts. Unlike A.1 the base is the
   * lowest sequence number actually delivered: probation packets and a reordered first packet count.
   */
  expected: number
  /** `max(0, expected - unique)`: the true count of sequence numbers never delivered within the span. */
  lost: number
  /** `lost / expected`, 0 when `expected` is 0. */
  lossFraction: number
  /**
   * Packets the A.1 state machine rejected for good: a very large jump never confirmed by a following packet and not
   * identifiable as a late arrival, or probation packets far from the sequence that validated the source.
   */
  discarded: number
  /** RFC 3550 §6.4.1 cumulative number of packets lost, `expected - received` per A.1/A.3 (may be negative). */
  rfc3550CumulativeLost: number
  /** A.3 fraction lost (0..1) of the interval since the previous `intervalReport()` call (not consumed here). */
  fractionLostInterval: number
  /** A.8 interarrival jitter, RTP timestamp units. */
  jitter: number
  /** `jitter / clockRate * 1000`. */
  jitterMs: number
  /** Non-duplicate packets that arrived with a sequence number lower than the highest already seen. */
  reordered: number
  /** Longest run of consecutive sequence numbers never delivered (late arrivals fill their hole). */
  longestSeqGap: number
  /** Largest gap between consecutive arrivals of this SSRC, ms (0 with fewer than two packets). */
  longestArrivalGapMs: number
  /** Arrival time of the first packet, ms. */
  firstArrivalMs: number | undefined
  /** Arrival time of the latest packet, ms. */
  lastArrivalMs: number | undefined
  /** Payload bytes of every packet (`packets`). */
  bytes: number
  /** Payload bits per second over first→last arrival (0 with fewer than two packets or no elapsed time). */
  bitrateBps: number
  /** Packets with the marker bit set. */
  markers: number
  /** Sequence number wraps since the last A.1 `init_seq`. */
  cycles: number
  /** A.1 re-syncs after a very large jump confirmed by a sequential packet (source restarts). */
  restarts: number
  /** True while the source is on A.1 probation (not yet `MIN_SEQUENTIAL` packets in sequence). */
  probation: boolean
  /** The A.1/A.3 state behind the `rfc3550*` fields. */
  rfc3550: Rfc3550SourceState
}

/** The values of one RTCP report block (RFC 3550 §6.4.1), computed per A.3 for the interval since the previous call. */
export interface RtpIntervalReport {
  /** SSRC the block is about. */
  ssrc: number
  /** Fraction lost in the interval, 0..1 (0 when duplicates outnumber losses). */
  fractionLost: number
  /** The same as the 8-bit fixed-point report-block field (0..255). */
  fractionLostByte: number
  /** A.3 `expected_interval`. */
  expectedInterval: number
  /** A.3 `received_interval`. */
  receivedInterval: number
  /** A.3 `lost_interval` (may be negative). */
  lostInterval: number
  /** Cumulative lost clamped to signed 24 bits. */
  cumulativeLost: number
  /** Extended highest sequence number received (A.3), as the 32-bit field. */
  extendedHighestSeq: number
  /** Interarrival jitter as the 32-bit field: `floor(J)` in timestamp units. */
  jitter: number
}

/** One second of the timeline, relative to the first arrival of the SSRC. */
export interface RtpTimelineBucket {
  /** Bucket index: covers `[first + 1000*second, first + 1000*(second+1))` ms. */
  second: number
  /** Packets that arrived in this bucket. */
  packets: number
  /** Payload bytes that arrived in this bucket. */
  bytes: number
  /** Ground-truth `lost` as it stood at the end of the bucket (late arrivals after it are not reflected). */
  lostSoFar: number
  /** Jitter in ms at the end of the bucket. */
  jitterMs: number
}
