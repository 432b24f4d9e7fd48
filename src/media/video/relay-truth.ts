/**
 * The ground truth of a video stream as it left an impairment relay: which frames left it whole, when, and the
 * freezes a player right behind the relay would show — computed from the relay's per-packet truth records and the
 * sender's frames, with the same decodability and freeze rules as `analyzeVideo`. The receiver's analysis is then
 * checked against it: lost frames exactly, freezes in count and (within the loopback transit) in duration.
 *
 * Structural input (the relay's `TruthRecord`s), so this pure module needs nothing from the relay.
 *
 * @module
 */
import type { SentVideoFrame } from './analysis.ts'
import { detectFreezes, type FreezeSummary } from './freezes.ts'

/** What the relay recorded about one packet (a `TruthRecord` of `relay.truth(direction)`). */
export interface RelayPacketRecord {
  readonly seq?: number
  readonly ssrc?: number
  readonly timestamp?: number
  readonly fate: 'delivered' | 'dropped' | 'duplicated'
  readonly releasedAt?: number
}

/** The stream as the relay let it through. */
export interface RelayVideoTruth {
  /** Indices of sent frames that did not leave the relay whole (a packet of theirs never released). */
  readonly lostIndices: readonly number[]
  /** Frames a decoder right behind the relay could show (complete, and every frame they depend on too). */
  readonly decodable: number
  /** When each decodable frame left the relay whole (its last packet released), ms, in order. */
  readonly renderTimesMs: readonly number[]
  /** The freezes of those render times (WebRTC-stats definition). */
  readonly freezes: FreezeSummary
}

/**
 * The truth of the frames `sent` (one SSRC) as the relay released them. A frame left whole when every sequence
 * number the relay saw for it was released at least once (a retransmission counts); frames the relay never saw a
 * packet of are lost too.
 */
export function videoTruthFromRelay(records: readonly RelayPacketRecord[], sent: readonly SentVideoFrame[], options: { ssrc?: number } = {}): RelayVideoTruth {
  const byTs = new Map<number, Map<number, number | undefined>>()
  for (const r of records) {
    if (r.timestamp === undefined || r.seq === undefined) continue
    if (options.ssrc !== undefined && r.ssrc !== options.ssrc) continue
    const ts = r.timestamp >>> 0
    let seqs = byTs.get(ts)
    if (!seqs) {
      seqs = new Map()
      byTs.set(ts, seqs)
    }
    const released = r.fate === 'dropped' ? undefined : r.releasedAt
    const prev = seqs.get(r.seq)
    seqs.set(r.seq, prev === undefined ? released : released === undefined ? prev : Math.min(prev, released))
  }
  const lostIndices: number[] = []
  const renderTimesMs: number[] = []
  let chain = false
  let last = Number.NEGATIVE_INFINITY
  for (const f of sent) {
    const seqs = byTs.get(f.rtpTimestamp >>> 0)
    const times = seqs ? [...seqs.values()] : []
    const whole = times.length > 0 && times.every((t) => t !== undefined)
    if (!whole) {
      lostIndices.push(f.index)
      chain = false
      continue
    }
    if (f.keyframe) chain = true
    if (!chain) continue
    last = Math.max(last, ...(times as number[]))
    renderTimesMs.push(last)
  }
  return { lostIndices, decodable: renderTimesMs.length, renderTimesMs, freezes: detectFreezes(renderTimesMs) }
}
