/**
 * The video analysis as call records keep it: `VideoAnalysis` without its per-frame lists (the fate of every frame,
 * lost timestamps, each freeze, keyframe times), with its zod schema for reading records back. Gates and reports
 * read these figures.
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
})

/** A `VideoAnalysis` without its per-frame lists: what call records and test metadata keep. */
export type VideoAnalysisDigest = z.infer<typeof VideoAnalysisDigestSchema>

/** At most this many per-second entries are kept (one hour). */
const MAX_SECONDS = 3600

/** The analysis without its per-frame lists (see the module notes). */
export function digestVideoAnalysis(a: VideoAnalysis): VideoAnalysisDigest {
  const { sequence: _s, lostTimestamps: _t, lostIndices: _i, freezes, freezeEnds: _f, keyframeTimesMs: _k, perSecond, resolutions, ...rest } = a
  return {
    ...rest,
    perSecond: perSecond.slice(0, MAX_SECONDS).map((x) => ({ ...x })),
    resolutions: resolutions.slice(0, 1000).map((x) => ({ ...x })),
    freezes: { count: freezes.count, totalMs: freezes.totalMs },
    ...(rest.delay ? { delay: { ...rest.delay } } : {}),
  }
}
