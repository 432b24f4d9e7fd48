/**
 * Reference figures computed from the relay's ground truth, to check what a receiver measured against what the
 * network (the relay) really did. Pure functions over {@link TruthRecord}s.
 */
import type { TruthRecord } from './truth.ts'

/** Selects one RTP stream's records (by SSRC); all RTP records when `ssrc` is undefined. */
export function streamRecords(records: readonly TruthRecord[], ssrc?: number): TruthRecord[] {
  return records.filter((r) => r.seq !== undefined && (ssrc === undefined || r.ssrc === ssrc))
}

/** Loss as a receiver of one stream can see it, from the truth. */
export interface ReferenceLoss {
  /** Packets the sender put on the wire (that reached the relay). */
  sent: number
  /** Packets the relay dropped. */
  dropped: number
  /** dropped / sent. */
  lossFraction: number
  /**
   * Drops a receiver can detect: those between the first and the last delivered packet in sequence order
   * (a receiver cannot know about packets lost before the first or after the last one it got).
   */
  droppedInsideSpan: number
  /** Sequence numbers spanned from the lowest to the highest delivered one, inclusive (the receiver's "expected"). */
  span: number
}

/**
 * Reference loss of one stream. Sequence numbers are unwrapped in arrival order (the relay sees packets in send
 * order), so streams longer than 65,536 packets are handled.
 */
export function referenceLoss(records: readonly TruthRecord[]): ReferenceLoss {
  let ext = 0
  let prev: number | undefined
  let lo = Infinity
  let hi = -Infinity
  const seqs: Array<{ ext: number; delivered: boolean }> = []
  for (const r of records) {
    if (r.seq === undefined) continue
    if (prev === undefined) ext = r.seq
    else {
      let d = r.seq - (prev & 0xffff)
      if (d > 0x8000) d -= 0x10000
      else if (d < -0x8000) d += 0x10000
      ext = prev + d
    }
    prev = ext
    const delivered = r.fate !== 'dropped'
    seqs.push({ ext, delivered })
    if (delivered) {
      lo = Math.min(lo, ext)
      hi = Math.max(hi, ext)
    }
  }
  const dropped = seqs.filter((s) => !s.delivered).length
  const droppedInsideSpan = seqs.filter((s) => !s.delivered && s.ext > lo && s.ext < hi).length
  return { sent: seqs.length, dropped, lossFraction: seqs.length ? dropped / seqs.length : 0, droppedInsideSpan, span: hi >= lo ? hi - lo + 1 : 0 }
}

/**
 * RFC 3550 A.8 interarrival jitter of one stream as the relay's output produced it: each delivered packet's
 * "arrival" is the moment the relay released it (`releasedAt`), taken in release order, with the packet's RTP
 * timestamp, in the order the relay sent them (`releaseIndex`); J += (|D| − J) / 16 in timestamp units. Returned in ms. This is the jitter of the network alone:
 * a receiver's measurement adds its own processing-time variation on top.
 */
export function referenceJitterMs(records: readonly TruthRecord[], clockRate: number): number {
  const delivered = records
    .filter((r) => r.fate !== 'dropped' && r.releasedAt !== undefined && r.timestamp !== undefined)
    .sort((x, y) => (x.releaseIndex ?? x.index) - (y.releaseIndex ?? y.index))
  let j = 0
  let prevTransit: number | undefined
  let prevTs: number | undefined
  let tsExt = 0
  for (const r of delivered) {
    const ts = r.timestamp as number
    if (prevTs === undefined) tsExt = ts
    else {
      let d = ts - (prevTs >>> 0)
      if (d > 0x80000000) d -= 0x100000000
      else if (d < -0x80000000) d += 0x100000000
      tsExt += d
    }
    prevTs = ts
    const transit = ((r.releasedAt as number) * clockRate) / 1000 - tsExt
    if (prevTransit !== undefined) j += (Math.abs(transit - prevTransit) - j) / 16
    prevTransit = transit
  }
  return (j / clockRate) * 1000
}

/** Median of a list of numbers (NaN when empty). */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN
  const s = [...values].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2
}
