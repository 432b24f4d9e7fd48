/**
 * The video analysis as call records keep it: `VideoAnalysis` without the lost frames' timestamps and indices, with
 * the freezes, keyframe times and the fate of every frame bounded (for the report's plots and filmstrip), and its zod
 * schema for reading records back. Gates and reports read these figures.
 *
 * @module
 */
import { z } from 'zod'
import type { VideoAnalysis } from './analysis.ts'

const n = z.number()
const count = z.number().int().nonnegative()

/** zod schema of {@link VideoAnalysisDigest}. */
export const VideoAnalysisDigestSchema = z.object({
  nominalFps: n,
  lossBasis: z.enum(['truth', 'frame-codes', 'rtp-timestamps']),
  expected: count,
  received: count,
  incomplete: count,
  lost: count,
  notArrived: count,
  unexpected: count,
  decodable: count,
  undecodable: count,
  late: count,
  playoutDeadlineMs: n.optional(),
  duplicatedFrames: count,
  duplicatePackets: count,
  keyframes: count,
  repeatedPictures: count,
  firstFrameMs: n.optional(),
  firstKeyframeMs: n.optional(),
  achievedFps: n,
  perSecond: z.array(z.object({ second: count, fps: n, kbps: n })),
  freezes: z.object({ count, totalMs: n }),
  resolutions: z.array(z.object({ atMs: n, width: n, height: n })),
  delay: z.object({ basis: z.enum(['code', 'sent']), frames: count, minMs: n, p50Ms: n, p95Ms: n, maxMs: n }).optional(),
  startMs: n,
  durationMs: n,
  /** Each freeze (at most 1000): start (ms from `startMs`) and duration. */
  freezeList: z.array(z.object({ atMs: n, durationMs: n })).optional(),
  /** Gaps not counted as freezes: this process stalled through at least half of each (`freezes.duringOwnStalls`). */
  ownStallGaps: z.array(z.object({ atMs: n, durationMs: n })).optional(),
  /** Render times of decodable keyframes, ms from `startMs` (at most 1000). */
  keyframesAtMs: z.array(n).optional(),
  /** The fate of each expected frame (`VideoAnalysis.sequence`), at most 36,000 frames (20 min at 30 fps). */
  sequence: z.string().optional(),
  /** Positions in `sequence` of the frames that ended a freeze (at most 1000). */
  freezeEnds: z.array(count).optional(),
})

/** A `VideoAnalysis` without its per-frame lists: what call records and test metadata keep. */
export type VideoAnalysisDigest = z.infer<typeof VideoAnalysisDigestSchema>

/** At most this many per-second entries are kept (one hour). */
const MAX_SECONDS = 3600

/** The analysis without its per-frame lists (see the module notes). */
export function digestVideoAnalysis(a: VideoAnalysis): VideoAnalysisDigest {
  const { sequence, lostTimestamps: _t, lostIndices: _i, freezes, freezeEnds, keyframeTimesMs, perSecond, resolutions, ...rest } = a
  return {
    ...rest,
    freezeList: freezes.freezes.slice(0, 1000).map((f) => ({ atMs: f.startMs - a.startMs, durationMs: f.durationMs })),
    keyframesAtMs: keyframeTimesMs.slice(0, 1000).map((t) => t - a.startMs),
    sequence: sequence.slice(0, 36_000),
    freezeEnds: freezeEnds.filter((x) => x < 36_000).slice(0, 1000),
    perSecond: perSecond.slice(0, MAX_SECONDS).map((x) => ({ ...x })),
    resolutions: resolutions.slice(0, 1000).map((x) => ({ ...x })),
    freezes: { count: freezes.count, totalMs: freezes.totalMs },
    ...(freezes.duringOwnStalls?.length
      ? { ownStallGaps: freezes.duringOwnStalls.slice(0, 1000).map((f) => ({ atMs: f.startMs - a.startMs, durationMs: f.durationMs })) }
      : {}),
    ...(rest.delay ? { delay: { ...rest.delay } } : {}),
  }
}
