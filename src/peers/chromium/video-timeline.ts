/**
 * Per-second buckets of a browser's cumulative video receive counters (getStats `inbound-rtp` of kind video)
 * sampled at each poll, like {@link CounterTimeline} does for packets: each bucket holds what grew between
 * samples, so a frame lands at most one poll interval late, in the bucket of the sample that first counted it.
 */
import type { NativeVideoInboundStats, VideoTimelineBucket } from '../types.ts'

/** Accumulates video counter samples into {@link VideoTimelineBucket}s. */
export class VideoCounterTimeline {
  readonly #maxSeconds: number
  readonly #buckets: VideoTimelineBucket[] = []
  #firstMs: number | undefined
  #last: NativeVideoInboundStats | undefined

  /** @param maxSeconds Buckets kept at most; later samples are ignored (memory stays bounded). */
  constructor(maxSeconds = 3600) {
    this.#maxSeconds = Math.max(1, maxSeconds)
  }

  /**
   * Takes a sample taken at `nowMs` (a monotonic clock, ms). Bucket 0 starts at the first sample that shows a
   * received frame; counters that went down (a new receiver) count again from zero.
   */
  add(sample: NativeVideoInboundStats, nowMs: number): void {
    if (this.#firstMs === undefined) {
      if (sample.framesReceived <= 0) return
      this.#firstMs = nowMs
    }
    const prev = this.#last
    const restarted = prev !== undefined && (sample.framesReceived < prev.framesReceived || sample.framesDecoded < prev.framesDecoded)
    const base = prev === undefined || restarted ? { framesReceived: 0, framesDecoded: 0, framesDropped: 0 } : prev
    this.#last = sample
    const second = Math.floor((nowMs - this.#firstMs) / 1000)
    if (second < 0 || second >= this.#maxSeconds) return
    while (this.#buckets.length <= second) {
      const prior = this.#buckets.at(-1)
      this.#buckets.push({
        second: this.#buckets.length,
        framesReceived: 0,
        framesDecoded: 0,
        framesDropped: 0,
        freezeCountSoFar: prior?.freezeCountSoFar ?? 0,
        freezesDurationMsSoFar: prior?.freezesDurationMsSoFar ?? 0,
        ...(prior?.width !== undefined && prior.height !== undefined ? { width: prior.width, height: prior.height } : {}),
      })
    }
    const b = this.#buckets[second]!
    b.framesReceived += Math.max(0, sample.framesReceived - base.framesReceived)
    b.framesDecoded += Math.max(0, sample.framesDecoded - base.framesDecoded)
    b.framesDropped += Math.max(0, sample.framesDropped - base.framesDropped)
    b.freezeCountSoFar = sample.freezeCount
    b.freezesDurationMsSoFar = sample.totalFreezesDurationMs
    if (sample.frameWidth !== undefined && sample.frameHeight !== undefined) {
      b.width = sample.frameWidth
      b.height = sample.frameHeight
    }
  }

  /** The buckets so far (copies). */
  buckets(): VideoTimelineBucket[] {
    return this.#buckets.map((b) => ({ ...b }))
  }
}
