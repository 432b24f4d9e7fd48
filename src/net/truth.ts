/**
 * Ground-truth log of what the relay did to each impaired packet, per direction.
 */
import type { DropReason } from './impairment.ts'

/** A direction of the relay: towards side a, towards side b, or towards a source no side registered. */
export type Direction = 'toA' | 'toB' | 'unknown'

/** What happened to one impaired-class packet. */
export interface TruthRecord {
  /** Direction the packet travelled. */
  dir: Direction
  /** 0-based arrival index of this packet among the impaired packets of its direction. */
  index: number
  /** RTP sequence number (absent when the packet is not RTP, e.g. with `impair: 'all'`). */
  seq?: number
  /** RTP SSRC. */
  ssrc?: number
  /** RTP timestamp. */
  timestamp?: number
  /** UDP payload size, bytes. */
  size: number
  /** When the relay received it, performance.now() ms. */
  receivedAt: number
  /** `delivered` (once), `duplicated` (delivered twice) or `dropped`. Decided on arrival. */
  fate: 'delivered' | 'dropped' | 'duplicated'
  /** When the relay sent it on (first copy), performance.now() ms. Absent while held or when dropped. */
  releasedAt?: number
  /** 0-based position of this packet in the order the relay sent packets of its direction on (ties of releasedAt included). */
  releaseIndex?: number
  /** releasedAt − receivedAt, ms: the delay the relay actually added. */
  delayMs?: number
  /** Why it was dropped. */
  dropReason?: DropReason
}

/** Totals for one direction. Counted for every packet, even past the record cap. */
export interface TruthSummary {
  /** Impaired-class packets that arrived for this direction. */
  sent: number
  /** Packets released to the destination at least once (fates delivered and duplicated). */
  delivered: number
  /** Packets dropped (any reason). */
  dropped: number
  /** Of `delivered`, how many were sent twice. The destination sees delivered + duplicated datagrams. */
  duplicated: number
  /** Forwarded but still held in the delay/rate queue (or discarded by close before release). */
  pending: number
  /** dropped / sent (0 when nothing was sent). */
  lossFraction: number
  /** Mean of delayMs over released packets (NaN when none). */
  meanDelayMs: number
  /** Drops by reason. */
  dropReasons: Record<DropReason, number>
  /** True when records stopped being stored because the cap was reached. */
  truncated: boolean
}

/** Ground truth of one direction: the records (in arrival order) and the summary. */
export interface Truth {
  records: readonly TruthRecord[]
  summary: TruthSummary
}

/** Default cap on stored records per direction (≈ 150 bytes each, so ≤ ~150 MB per direction at the cap). */
export const DEFAULT_MAX_RECORDS = 1_000_000

/** Mutable per-direction log kept by the relay. */
export class TruthLog {
  readonly dir: Direction
  readonly maxRecords: number
  records: TruthRecord[] = []
  sent = 0
  released = 0
  dropped = 0
  duplicated = 0
  delaySum = 0
  truncated = false
  reasons: Record<DropReason, number> = { loss: 0, burst: 0, queue: 0, frame: 0 }

  constructor(dir: Direction, maxRecords: number) {
    this.dir = dir
    this.maxRecords = maxRecords
  }

  /** Adds a record (or only counts it past the cap). */
  add(rec: TruthRecord): void {
    this.sent++
    if (rec.fate === 'dropped') {
      this.dropped++
      if (rec.dropReason) this.reasons[rec.dropReason]++
    }
    if (this.records.length < this.maxRecords) this.records.push(rec)
    else this.truncated = true
  }

  /** Marks a forwarded record as released now. */
  release(rec: TruthRecord, at: number, copies: number): void {
    rec.releasedAt = at
    rec.releaseIndex = this.released
    rec.delayMs = at - rec.receivedAt
    this.released++
    if (copies > 1) this.duplicated++
    this.delaySum += rec.delayMs
  }

  /** Snapshot of records and summary. */
  snapshot(): Truth {
    return { records: this.records.slice(), summary: this.summary() }
  }

  /** Summary only. */
  summary(): TruthSummary {
    return {
      sent: this.sent,
      delivered: this.released,
      dropped: this.dropped,
      duplicated: this.duplicated,
      pending: this.sent - this.dropped - this.released,
      lossFraction: this.sent === 0 ? 0 : this.dropped / this.sent,
      meanDelayMs: this.released === 0 ? Number.NaN : this.delaySum / this.released,
      dropReasons: { ...this.reasons },
      truncated: this.truncated,
    }
  }
}
