/**
 * Video freezes by the WebRTC-stats definition (`freezeCount`, `totalFreezesDuration` of
 * RTCInboundRtpStreamStats), computed the way libwebrtc's video quality observer does, so a count from rtcspec's
 * analysis and a browser's `freezeCount` agree on the same frame times:
 *
 * - the inter-frame delay of a frame is its time minus the previous rendered frame's time;
 * - each delay joins a moving window of the last 30 delays (the current one included) before the test;
 * - once the window holds at least 5 delays, the frame is a freeze when its delay ≥ max(3 × avg, avg + 150 ms),
 *   with avg the window's mean rounded down to a whole ms;
 * - a freeze's duration is its inter-frame delay; `totalMs` is their sum.
 *
 * Pure: reads frame times in ms (one clock, non-decreasing) and returns the freezes.
 *
 * @module
 */
import type { Stall } from '../process-stalls.ts'

/** Delays averaged for the freeze threshold (libwebrtc's `kAvgInterframeDelaysWindowSizeFrames`). */
export const FREEZE_WINDOW_FRAMES = 30
/** Delays needed before a freeze can be detected (libwebrtc's `kMinFrameSamplesToDetectFreeze`). */
export const FREEZE_MIN_SAMPLES = 5
/** A freeze is at least this much above the average inter-frame delay (libwebrtc's `kMinIncreaseForFreezeMs`). */
export const FREEZE_MIN_INCREASE_MS = 150

/** One freeze: the gap before the frame at `endMs`. */
export interface VideoFreeze {
  /** Time of the last frame shown before the freeze, ms. */
  readonly startMs: number
  /** Time of the frame that ended it, ms. */
  readonly endMs: number
  /** `endMs - startMs`: the freeze's duration as `totalFreezesDuration` counts it. */
  readonly durationMs: number
  /** The threshold this delay met: max(3 × avg, avg + 150 ms). */
  readonly thresholdMs: number
  /** Position in the input times of the frame that ended it. */
  readonly frame: number
}

/** Freezes of a rendered-frame sequence. */
export interface FreezeSummary {
  /** Number of freezes (`freezeCount`). */
  readonly count: number
  /** Sum of their durations, ms (`totalFreezesDuration` × 1000). */
  readonly totalMs: number
  /** Each freeze, in order. */
  readonly freezes: readonly VideoFreeze[]
  /**
   * Gaps that met the freeze threshold while the receiving process itself stalled for at least half of them (see
   * {@link setApartOwnStalls}): not in `count`, `totalMs` or `freezes`. Absent when no stalls were given.
   */
  readonly duringOwnStalls?: readonly VideoFreeze[]
}

/** The longest part of `span` that one of `stalls` covers, ms (0 when none overlaps). */
export function longestStallWithin(span: { readonly startMs: number; readonly endMs: number }, stalls: readonly Stall[]): number {
  let longest = 0
  for (const st of stalls)
    if (st.endMs >= span.startMs && st.startMs <= span.endMs) longest = Math.max(longest, Math.min(st.endMs, span.endMs) - Math.max(st.startMs, span.startMs))
  return longest
}

/**
 * Sets apart the freezes during which the receiving process stalled for at least half their duration. When the
 * process that timestamps arrivals does not run, packets wait in the kernel and are read in one burst afterwards:
 * the gap is in the measurement, not on the path or at the sender, and a verdict on it would be a false failure.
 * The freezes set apart are listed in `duringOwnStalls`; the rest keep their count and total.
 */
export function setApartOwnStalls(summary: FreezeSummary, stalls: readonly Stall[]): FreezeSummary {
  const kept: VideoFreeze[] = []
  const own: VideoFreeze[] = []
  for (const f of summary.freezes) (longestStallWithin(f, stalls) >= f.durationMs / 2 ? own : kept).push(f)
  return { count: kept.length, totalMs: kept.reduce((n, f) => n + f.durationMs, 0), freezes: kept, duringOwnStalls: own }
}

/**
 * The freezes in a sequence of rendered-frame times (ms, one clock, in render order). Times that go backwards are
 * treated as a zero delay (a frame cannot be shown before the previous one).
 */
export function detectFreezes(frameTimesMs: readonly number[]): FreezeSummary {
  const window: number[] = []
  let windowSum = 0
  const freezes: VideoFreeze[] = []
  let total = 0
  for (let i = 1; i < frameTimesMs.length; i++) {
    const prev = frameTimesMs[i - 1] as number
    const delay = Math.max(0, (frameTimesMs[i] as number) - prev)
    window.push(delay)
    windowSum += delay
    if (window.length > FREEZE_WINDOW_FRAMES) windowSum -= window.shift() as number
    if (window.length < FREEZE_MIN_SAMPLES) continue
    const avg = Math.floor(windowSum / window.length)
    const threshold = Math.max(3 * avg, avg + FREEZE_MIN_INCREASE_MS)
    if (delay >= threshold) {
      freezes.push({ startMs: prev, endMs: prev + delay, durationMs: delay, thresholdMs: threshold, frame: i })
      total += delay
    }
  }
  return { count: freezes.length, totalMs: total, freezes }
}
