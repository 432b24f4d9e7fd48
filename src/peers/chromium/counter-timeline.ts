/**
 * Per-second buckets built from cumulative receive counters sampled now and then (a browser's getStats
 * `inbound-rtp`), in the shape `RtpReceiveStats.timeline()` gives for packets a peer sees itself. A page cannot
 * hand out packets, so the buckets hold what grew between samples: with the Chromium peer's 200 ms polling, a
 * packet lands at most one poll interval late, in the bucket of the sample that first counted it.
 */
import type { RtpTimelineBucket } from '../../rtp/stats-types.ts'

/** One reading of the cumulative counters. */
export interface CounterSample {
  packetsReceived: number
  bytesReceived: number
  packetsLost: number
  jitterSec: number
}

/** Accumulates {@link CounterSample}s into per-second buckets (see the module doc). */
export class CounterTimeline {
  readonly #maxSeconds: number
  readonly #buckets: RtpTimelineBucket[] = []
  #firstMs: number | undefined
  #last: CounterSample | undefined

  /** @param maxSeconds Buckets kept at most; samples past them are ignored (memory stays bounded). */
  constructor(maxSeconds = 3600) {
    this.#maxSeconds = Math.max(1, maxSeconds)
  }

  /**
   * Takes a reading taken at `nowMs` (any monotonic clock in ms). Bucket 0 starts at the first reading that
   * shows a packet. Counters that went down (a new SSRC, a renegotiated receiver) restart from zero.
   */
  add(sample: CounterSample, nowMs: number): void {
    if (this.#firstMs === undefined) {
      if (sample.packetsReceived <= 0) return
      this.#firstMs = nowMs
    }
    const prev = this.#last
    const restarted = prev !== undefined && (sample.packetsReceived < prev.packetsReceived || sample.bytesReceived < prev.bytesReceived)
    const base = prev === undefined || restarted ? { packetsReceived: 0, bytesReceived: 0 } : prev
    this.#last = sample
    const second = Math.floor((nowMs - this.#firstMs) / 1000)
    if (second < 0 || second >= this.#maxSeconds) return
    while (this.#buckets.length <= second) {
      // a second without a poll carries the previous second's lost and jitter
      const prior = this.#buckets.at(-1)
      this.#buckets.push({ second: this.#buckets.length, packets: 0, bytes: 0, lostSoFar: prior?.lostSoFar ?? 0, jitterMs: prior?.jitterMs ?? 0 })
    }
    const bucket = this.#buckets[second]!
    bucket.packets += Math.max(0, sample.packetsReceived - base.packetsReceived)
    bucket.bytes += Math.max(0, sample.bytesReceived - base.bytesReceived)
    bucket.lostSoFar = sample.packetsLost
    bucket.jitterMs = Math.max(0, sample.jitterSec * 1000)
  }

  /** The buckets so far (copies). */
  buckets(): RtpTimelineBucket[] {
    return this.#buckets.map((b) => ({ ...b }))
  }
}
