/**
 * rtcspec's `expect` matchers on video: frames received, frame rate, freezes, resolution, delay, time to the first
 * frame, and picture quality against the reference.
 *
 * Subjects (see `video-subjects.ts`): a peer (its first inbound video track), an inbound video track or receiver
 * (`videoFrames()`), a `VideoAnalysis`, or `{ frames, fps }`. Each figure is the frame-accurate analysis'
 * (`analyzeVideo`, docs/video.md): frames are counted when a decoder could show them (complete, and every frame they
 * depend on too), freezes by the WebRTC-stats definition. Every failure message shows the measured figures; a failing
 * assertion attaches a filmstrip PNG, and every assertion is stored in `task.meta.rtcspecVideo` for reports.
 *
 * @module
 */
import type { MatcherState } from 'vitest'
import { z } from 'zod'
import { type Duration, DurationSchema, durationArg } from '../calls/duration.ts'
import type { VideoAnalysis } from '../media/video/analysis.ts'
import { RtcspecError } from '../errors.ts'
import { parseOptions } from '../options.ts'
import { waitFor } from '../wait.ts'
import { fitInTest } from './test-deadline.ts'
import { recordVideoEvidence } from './video-evidence.ts'
import { type ResolvedVideo, resolveVideo, type VideoSenderTruth, type VideoSubjectOptions, videoSourceOf } from './video-subjects.ts'

interface MatcherResult {
  pass: boolean
  message: () => string
  actual?: unknown
  expected?: unknown
}

/** Options of `toReceiveVideo`. */
export interface ReceiveVideoOptions extends VideoSubjectOptions {
  /** Decodable frames that must arrive. Default 1. */
  frames?: number
  /** How long to wait for them: `'3s'`, `'500ms'` or ms. Default `'5s'` (capped by what is left of the test). */
  within?: Duration
}

/** Options of `toHaveFreezesBelow`: the freeze count and/or total frozen time must stay below these. */
export interface FreezesBelowOptions extends VideoSubjectOptions {
  /** Freezes (WebRTC-stats `freezeCount`) must be fewer than this: `{ count: 1 }` allows none. */
  count?: number
  /** Total frozen time (`totalFreezesDuration`) must be below this. */
  totalMs?: Duration
}

/** Options of `toHaveVideoDelayBelow`. */
export interface VideoDelayOptions extends VideoSubjectOptions {
  /** Which figure of the delay distribution must be below the limit. Default `'p95'`. */
  percentile?: 'p50' | 'p95' | 'max'
}

/** What `toHaveVideoQualityAbove` compares: PSNR in dB or SSIM (0 … 1). */
export type VideoQualityThreshold = { psnr: number } | { ssim: number }

const subjectKeys = {
  fps: z.number().positive('fps is a frame rate above 0').max(1000, 'fps is a frame rate up to 1000').optional(),
  sender: z
    .custom<VideoSenderTruth>(
      (v) => Array.isArray(v) || (typeof v === 'object' && v !== null && typeof (v as { sentFrames?: unknown }).sentFrames === 'function'),
      'sender is the video sender handle (with sentFrames()) or the list of frames it sent',
    )
    .optional(),
  playoutDeadlineMs: DurationSchema.optional(),
}
const SubjectOptionsSchema = z.strictObject(subjectKeys)
const ReceiveVideoSchema = z.strictObject({
  ...subjectKeys,
  frames: z.number().int('frames is a whole number of frames').positive('frames is at least 1').optional(),
  within: DurationSchema.optional(),
})
const FreezesSchema = z
  .strictObject({
    ...subjectKeys,
    count: z.number().int('count is a whole number of freezes').positive('count is at least 1 (freezes must be fewer than count)').optional(),
    totalMs: DurationSchema.optional(),
  })
  .refine((o) => o.count !== undefined || o.totalMs !== undefined, 'give count, totalMs or both, e.g. { count: 1 } for no freeze')
const DelaySchema = z.strictObject({ ...subjectKeys, percentile: z.enum(['p50', 'p95', 'max']).optional() })
const QualitySchema = z.union([
  z.strictObject({ psnr: z.number().positive('psnr is in dB, above 0, e.g. 30').max(100, 'psnr is in dB, at most 100') }),
  z.strictObject({ ssim: z.number().min(0, 'ssim is between 0 and 1').max(1, 'ssim is between 0 and 1, e.g. 0.9') }),
])

function options<S extends z.ZodType>(schema: S, value: unknown, matcher: string, example: string): z.output<S> {
  return parseOptions(schema, value ?? {}, { code: 'MATCHER_OPTIONS', what: `${matcher} options`, hint: example })
}

function subjectOptions(o: { fps?: number | undefined; sender?: VideoSenderTruth | undefined; playoutDeadlineMs?: number | undefined }): VideoSubjectOptions {
  return {
    ...(o.fps !== undefined ? { fps: o.fps } : {}),
    ...(o.sender !== undefined ? { sender: o.sender } : {}),
    ...(o.playoutDeadlineMs !== undefined ? { playoutDeadlineMs: o.playoutDeadlineMs } : {}),
  }
}

const f1 = (x: number | undefined) => (x === undefined ? 'none' : Number.isFinite(x) ? x.toFixed(1) : String(x))

/** The freezes set apart because rtcspec's own process stalled, said in a message (empty when none). */
function ownStallNote(a: VideoAnalysis): string {
  const own = a.freezes.duringOwnStalls ?? []
  if (!own.length) return ''
  return ` (not counted: ${own.length} gap${own.length === 1 ? '' : 's'} of ${own.map((f) => `${f1(f.durationMs)} ms`).join(', ')} while rtcspec's own process stalled and read no packet)`
}

/** The analysis in one line: what a failure message shows whatever the matcher. */
export function describeVideo(a: VideoAnalysis): string {
  const res = a.resolutions.length ? a.resolutions.map((r) => `${r.width}×${r.height}`).join(' → ') : 'not stated'
  const delay = a.delay
    ? `, delay p50 ${f1(a.delay.p50Ms)} / p95 ${f1(a.delay.p95Ms)} / max ${f1(a.delay.maxMs)} ms (${a.delay.basis === 'code' ? 'from frame codes' : 'from send times'})`
    : ''
  return (
    `${a.decodable} decodable of ${a.expected} expected frames (${a.received} complete, ${a.lost} lost${a.lossBasis === 'truth' ? ' per the sender' : a.lossBasis === 'frame-codes' ? ' from frame codes' : ' estimated from RTP timestamps'}, ${a.incomplete} incomplete, ${a.undecodable} undecodable, ${a.late} late, ${a.notArrived} not arrived), ` +
    `${a.keyframes} keyframes, first frame ${a.firstFrameMs === undefined ? 'never' : `after ${f1(a.firstFrameMs)} ms`}, ${f1(a.achievedFps)} fps (nominal ${f1(a.nominalFps)}), ` +
    `${a.freezes.count} freezes totalling ${f1(a.freezes.totalMs)} ms${ownStallNote(a)}, resolution ${res}${a.repeatedPictures ? `, ${a.repeatedPictures} repeated pictures` : ''}${delay}`
  )
}

function failing(state: MatcherState, pass: boolean): boolean {
  return pass === Boolean(state.isNot)
}

function attachedNote(files: string[]): string {
  return files.length ? `\n  attached: ${files.join(', ')}` : ''
}

/** Records the evidence and builds the result. */
function result(
  state: MatcherState,
  matcher: string,
  r: ResolvedVideo,
  pass: boolean,
  measured: Record<string, unknown>,
  expectation: string,
  actual: unknown,
  expected: unknown,
): MatcherResult {
  const files = recordVideoEvidence(state, {
    matcher,
    subject: r.label,
    passed: !failing(state, pass),
    measured,
    analysis: r.analysis,
    ...(r.pictures ? { pictures: r.pictures } : {}),
    ...(r.source ? { source: r.source } : {}),
  })
  return {
    pass,
    actual,
    expected,
    message: () => `expected ${r.label} ${state.isNot ? 'NOT ' : ''}${expectation}\n  measured: ${describeVideo(r.analysis)}${attachedNote(files)}`,
  }
}

async function toReceiveVideo(this: MatcherState, received: unknown, opts: ReceiveVideoOptions = {}): Promise<MatcherResult> {
  const o = options(ReceiveVideoSchema, opts, 'toReceiveVideo', "toReceiveVideo({ frames: 30, within: '3s' })")
  const frames = o.frames ?? 1
  const withinMs = o.within ?? 5000
  const so = subjectOptions(o)
  const fit = fitInTest(withinMs, 'within', this)
  const live = videoSourceOf(received)
  let waitError: Error | undefined
  if (live) {
    // Count decodable frames as they come: the wait ends as soon as enough of them arrived.
    await waitFor(() => resolveVideo(received, 'toReceiveVideo', so).analysis.decodable >= frames, {
      timeoutMs: fit.waitMs,
      label: `${frames} decodable video frames at ${live.label}`,
      intervalMs: 50,
    }).catch((e: unknown) => {
      waitError = e as Error
    })
  }
  const r = resolveVideo(received, 'toReceiveVideo', so)
  const pass = r.analysis.decodable >= frames
  const note = fit.note ? `\n  note: ${fit.note}` : ''
  const res = result(
    this,
    'toReceiveVideo',
    r,
    pass,
    { frames, withinMs, decodable: r.analysis.decodable },
    `to receive ${frames} decodable video frames${live ? ` within ${withinMs} ms` : ''}${waitError && !pass ? ` (${waitError.message})` : ''}`,
    r.analysis.decodable,
    frames,
  )
  return { ...res, message: () => `${res.message()}${note}` }
}

function toHaveFrameRateAbove(this: MatcherState, received: unknown, fps: number, opts: VideoSubjectOptions = {}): MatcherResult {
  if (typeof fps !== 'number' || !(fps > 0) || !Number.isFinite(fps))
    throw new RtcspecError('MATCHER_OPTIONS', `toHaveFrameRateAbove: fps must be a frame rate above 0, got ${JSON.stringify(fps)}`, {
      hint: 'toHaveFrameRateAbove(25)',
    })
  const o = options(SubjectOptionsSchema, opts, 'toHaveFrameRateAbove', 'toHaveFrameRateAbove(25, { sender })')
  const r = resolveVideo(received, 'toHaveFrameRateAbove', subjectOptions(o))
  const a = r.analysis
  const perSecond = a.perSecond.map((s) => s.fps)
  const pass = a.achievedFps > fps
  const seconds = perSecond.length ? `; per second: ${perSecond.join(', ')}` : ''
  const res = result(
    this,
    'toHaveFrameRateAbove',
    r,
    pass,
    { fps, achievedFps: a.achievedFps, perSecond },
    `to show more than ${fps} frames per second`,
    a.achievedFps,
    fps,
  )
  return { ...res, message: () => `${res.message()}${seconds}` }
}

function toHaveFreezesBelow(this: MatcherState, received: unknown, opts: FreezesBelowOptions): MatcherResult {
  const o = options(
    FreezesSchema,
    opts,
    'toHaveFreezesBelow',
    "toHaveFreezesBelow({ count: 1 }) (no freeze) or toHaveFreezesBelow({ count: 3, totalMs: '1s' })",
  )
  const r = resolveVideo(received, 'toHaveFreezesBelow', subjectOptions(o))
  const f = r.analysis.freezes
  const pass = (o.count === undefined || f.count < o.count) && (o.totalMs === undefined || f.totalMs < o.totalMs)
  const limits = [o.count !== undefined ? `fewer than ${o.count} freezes` : '', o.totalMs !== undefined ? `less than ${o.totalMs} ms frozen` : '']
    .filter(Boolean)
    .join(' and ')
  const list = f.freezes.length ? `\n  freezes: ${f.freezes.map((x) => `${f1(x.durationMs)} ms at ${f1(x.startMs - r.analysis.startMs)} ms`).join(', ')}` : ''
  const res = result(
    this,
    'toHaveFreezesBelow',
    r,
    pass,
    { count: o.count, totalMs: o.totalMs, freezeCount: f.count, freezeTotalMs: f.totalMs },
    `to have ${limits}`,
    f,
    { count: o.count, totalMs: o.totalMs },
  )
  return { ...res, message: () => `${res.message()}${list}` }
}

function toHaveResolution(this: MatcherState, received: unknown, width: number, height: number, opts: VideoSubjectOptions = {}): MatcherResult {
  for (const [name, v] of [
    ['width', width],
    ['height', height],
  ] as const)
    if (!Number.isInteger(v) || v <= 0)
      throw new RtcspecError('MATCHER_OPTIONS', `toHaveResolution: ${name} must be a whole number of pixels above 0, got ${JSON.stringify(v)}`, {
        hint: 'toHaveResolution(640, 480)',
      })
  const o = options(SubjectOptionsSchema, opts, 'toHaveResolution', 'toHaveResolution(640, 480)')
  const r = resolveVideo(received, 'toHaveResolution', subjectOptions(o))
  const last = r.analysis.resolutions[r.analysis.resolutions.length - 1]
  const pass = last !== undefined && last.width === width && last.height === height
  return result(
    this,
    'toHaveResolution',
    r,
    pass,
    { width, height, last: last ?? null },
    `to show ${width}×${height} pictures (the latest stated size)`,
    last ? `${last.width}×${last.height}` : undefined,
    `${width}×${height}`,
  )
}

function toHaveVideoDelayBelow(this: MatcherState, received: unknown, limit: Duration, opts: VideoDelayOptions = {}): MatcherResult {
  const ms = durationArg(limit, `toHaveVideoDelayBelow(${typeof limit === 'string' ? JSON.stringify(limit) : String(limit)})`)
  const o = options(DelaySchema, opts, 'toHaveVideoDelayBelow', "toHaveVideoDelayBelow('200ms', { percentile: 'p95' })")
  const r = resolveVideo(received, 'toHaveVideoDelayBelow', subjectOptions(o))
  const d = r.analysis.delay
  if (d === undefined)
    throw new RtcspecError(
      'NO_VIDEO_DELAY',
      `toHaveVideoDelayBelow: ${r.label} gives no delay: no received frame carries a frame code and no sender truth was given`,
      {
        hint: 'send a pattern source (its frames carry their capture time) and decode the received frames, or pass { sender }',
      },
    )
  const which = o.percentile ?? 'p95'
  const value = which === 'p50' ? d.p50Ms : which === 'p95' ? d.p95Ms : d.maxMs
  return result(
    this,
    'toHaveVideoDelayBelow',
    r,
    value < ms,
    { ms, percentile: which, delayMs: value, delay: d },
    `to have a ${which} video delay below ${ms} ms`,
    value,
    ms,
  )
}

function toShowFirstFrameWithin(this: MatcherState, received: unknown, limit: Duration, opts: VideoSubjectOptions = {}): MatcherResult {
  const ms = durationArg(limit, `toShowFirstFrameWithin(${typeof limit === 'string' ? JSON.stringify(limit) : String(limit)})`)
  const o = options(SubjectOptionsSchema, opts, 'toShowFirstFrameWithin', "toShowFirstFrameWithin('3s')")
  const r = resolveVideo(received, 'toShowFirstFrameWithin', subjectOptions(o))
  const first = r.analysis.firstFrameMs
  const pass = first !== undefined && first <= ms
  return result(
    this,
    'toShowFirstFrameWithin',
    r,
    pass,
    { ms, firstFrameMs: first ?? null, firstKeyframeMs: r.analysis.firstKeyframeMs ?? null },
    `to show its first decodable frame (a complete keyframe) within ${ms} ms of joining${r.analysis.firstKeyframeMs !== undefined ? ` (first keyframe packet after ${f1(r.analysis.firstKeyframeMs)} ms)` : ' (no keyframe packet arrived)'}`,
    first,
    ms,
  )
}

/** A picture-quality result as V1's `videoQuality` and similar functions give it. */
interface QualityLike {
  psnr?: number | { mean?: number; average?: number; min?: number }
  ssim?: number | { mean?: number; average?: number; min?: number }
  psnrDb?: number
  frames?: number
  unmatched?: number
}

function figure(x: QualityLike['psnr']): number | undefined {
  if (typeof x === 'number') return x
  if (typeof x === 'object' && x !== null) return x.mean ?? x.average
  return undefined
}

async function toHaveVideoQualityAbove(this: MatcherState, received: unknown, threshold: VideoQualityThreshold): Promise<MatcherResult> {
  const t = options(QualitySchema, threshold, 'toHaveVideoQualityAbove', 'toHaveVideoQualityAbove({ psnr: 30 }) or toHaveVideoQualityAbove({ ssim: 0.9 })')
  const q = (await received) as QualityLike
  if (typeof q !== 'object' || q === null)
    throw new RtcspecError(
      'MATCHER_SUBJECT',
      `toHaveVideoQualityAbove: expected a video quality result ({ psnr, ssim }) or a promise of one, got ${typeof q}`,
      {
        hint: 'expect(await videoQuality(recording, reference)).toHaveVideoQualityAbove({ psnr: 30 })',
      },
    )
  const metric = 'psnr' in t ? 'psnr' : 'ssim'
  const limit = 'psnr' in t ? t.psnr : t.ssim
  const value = metric === 'psnr' ? (figure(q.psnr) ?? q.psnrDb) : figure(q.ssim)
  if (value === undefined)
    throw new RtcspecError('MATCHER_SUBJECT', `toHaveVideoQualityAbove: the quality result has no ${metric} figure (keys: ${Object.keys(q).join(', ')})`, {
      hint: `compute ${metric} against the reference, or assert on the figure it has`,
    })
  const pass = value > limit
  const unit = metric === 'psnr' ? ' dB' : ''
  const worst = typeof q[metric] === 'object' ? (q[metric] as { min?: number }).min : undefined
  const pairs = `${worst !== undefined ? `, worst picture ${worst.toFixed(metric === 'psnr' ? 2 : 4)}${unit}` : ''}${q.frames !== undefined ? `, over ${q.frames} pictures paired by frame code` : ''}${q.unmatched ? ` (${q.unmatched} without a readable code or of another size, left out)` : ''}`
  const files = recordVideoEvidence(this, {
    matcher: 'toHaveVideoQualityAbove',
    subject: 'the recording',
    passed: !failing(this, pass),
    measured: { metric, limit, value },
  })
  return {
    pass,
    actual: value,
    expected: limit,
    message: () =>
      `expected the recording's ${metric.toUpperCase()} against the reference ${this.isNot ? 'NOT ' : ''}to be above ${limit}${unit}\n  measured: ${metric.toUpperCase()} ${value.toFixed(metric === 'psnr' ? 2 : 4)}${unit}${figure(q.psnr) !== undefined && metric !== 'psnr' ? `, PSNR ${figure(q.psnr)?.toFixed(2)} dB` : ''}${figure(q.ssim) !== undefined && metric !== 'ssim' ? `, SSIM ${figure(q.ssim)?.toFixed(4)}` : ''}${pairs}${attachedNote(files)}`,
  }
}

/** The matcher implementations, for `expect.extend`. */
export const videoMatchers = {
  toReceiveVideo,
  toHaveFrameRateAbove,
  toHaveFreezesBelow,
  toHaveResolution,
  toHaveVideoDelayBelow,
  toShowFirstFrameWithin,
  toHaveVideoQualityAbove,
}

declare module 'vitest' {
  interface Matchers<R, T> {
    /** At least `frames` decodable video frames arrive (waiting up to `within`, default 5 s). */
    toReceiveVideo(options?: ReceiveVideoOptions): R
    /** The achieved frame rate of decodable frames is above `fps`. */
    toHaveFrameRateAbove(fps: number, options?: VideoSubjectOptions): R
    /** Fewer freezes than `count` and/or less frozen time than `totalMs` (WebRTC-stats freeze definition). */
    toHaveFreezesBelow(options: FreezesBelowOptions): R
    /** The latest stated picture size is `width`×`height`. */
    toHaveResolution(width: number, height: number, options?: VideoSubjectOptions): R
    /** The end-to-end video delay (p95 by default) is below `limit`. */
    toHaveVideoDelayBelow(limit: Duration, options?: VideoDelayOptions): R
    /** The first decodable frame arrived within `limit` of joining. */
    toShowFirstFrameWithin(limit: Duration, options?: VideoSubjectOptions): R
    /** The recording's PSNR (dB) or SSIM against the reference is above the threshold. */
    toHaveVideoQualityAbove(threshold: VideoQualityThreshold): R
  }
}
