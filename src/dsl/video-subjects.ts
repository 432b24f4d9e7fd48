/**
 * What the video matchers accept, and how each becomes a `VideoAnalysis`:
 *
 * - a `VideoAnalysis` (already analysed);
 * - a video source: anything with `videoFrames()` returning the `VideoFrameArrival`s assembled so far — an inbound
 *   video track or a video receiver — optionally with `nominalFps`, `joinedAtMs`, `peerName` and `pictures()`
 *   (decoded pictures with their codes, for the filmstrip);
 * - a player's track with `renderedFrames()` (the Chromium peer): its rendered frames, placed by the index of the
 *   frame code read from each (`renderedAsArrivals`), so the frames lost are the indices never shown;
 * - a peer: its first inbound video track that is such a source;
 * - plain input: `{ frames: VideoFrameArrival[], fps?, sent? }`.
 *
 * The sender's ground truth comes from the `sender` option (`{ sentFrames() }`, or the list of `SentVideoFrame`s);
 * the nominal frame rate from the `fps` option, the source's `nominalFps`, or — when neither is given — from the
 * median RTP timestamp step between consecutive received frames.
 *
 * @module
 */
import { analyzeVideo, renderedAsArrivals, type SentVideoFrame, type VideoAnalysis } from '../media/video/analysis.ts'
import { fpsOfRendered, inferFps } from '../media/video/track-frames.ts'
import type { Stall } from '../media/process-stalls.ts'
import type { FilmstripPicture } from '../media/video/filmstrip.ts'
import type { RenderedVideoFrame, VideoFrameArrival } from '../media/video/types.ts'
import { RtcspecError } from '../errors.ts'

/** A receiver of video as the matchers read it (structural: any peer kind's inbound video track can be one). */
export interface VideoFramesSource {
  /** The frames assembled so far (a receiver of RTP). */
  videoFrames?(): readonly VideoFrameArrival[]
  /** The frames rendered so far (a player: the Chromium peer); used when there is no `videoFrames()`. */
  renderedFrames?(): readonly RenderedVideoFrame[]
  /** The stream's nominal frame rate, when the receiver knows it. */
  readonly nominalFps?: number
  /** When the receiver started listening, ms (performance clock). */
  readonly joinedAtMs?: number
  /** Owner's name, for messages. */
  readonly peerName?: string
  /** Receiver clock − capture clock, ms, when the receiver knows it (see docs/video.md). */
  readonly captureClockOffsetMs?: number
  /** Decoded pictures with the codes read from them, when the receiver decodes (for the filmstrip). */
  pictures?(): readonly FilmstripPicture[]
  /** Spans in which this process, which read the frames, did not run: the freezes they explain are set apart. */
  ownStalls?(): readonly Stall[]
}

/** The sender's ground truth: a sender handle or the list of frames it sent. */
export type VideoSenderTruth = { sentFrames?(): readonly SentVideoFrame[]; readonly fps?: number } | readonly SentVideoFrame[]

/** Options every video matcher takes about its subject. */
export interface VideoSubjectOptions {
  /** Nominal frame rate, when the subject does not say it. */
  fps?: number
  /** The sender's truth: makes lost frames exact. */
  sender?: VideoSenderTruth
  /** A frame arriving later than this after it was due counts as late. */
  playoutDeadlineMs?: number
}

/** A subject resolved for a matcher. */
export interface ResolvedVideo {
  label: string
  analysis: VideoAnalysis
  pictures?: readonly FilmstripPicture[]
  /** The live source, when the subject is one (for waiting). */
  source?: VideoFramesSource
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null
}

/** Whether `x` is a `VideoAnalysis`. */
export function isVideoAnalysis(x: unknown): x is VideoAnalysis {
  return isObject(x) && typeof x.nominalFps === 'number' && typeof x.sequence === 'string' && isObject(x.freezes)
}

function isSource(x: unknown): x is VideoFramesSource {
  return isObject(x) && (typeof x.videoFrames === 'function' || typeof x.renderedFrames === 'function')
}

/** The frames a source gives for the analysis, and the fps it implies. */
function framesOf(source: VideoFramesSource, fps: number | undefined): { frames: readonly VideoFrameArrival[]; fps?: number; rendered: boolean } {
  if (typeof source.videoFrames === 'function') return { frames: source.videoFrames(), rendered: false, ...(fps !== undefined ? { fps } : {}) }
  const rendered = source.renderedFrames?.() ?? []
  const f = fps ?? fpsOfRendered(rendered) ?? 30
  return { frames: renderedAsArrivals(rendered, f), fps: f, rendered: true }
}

/** The live video source a subject stands for (a source, or a peer's first inbound video source), if any. */
export function videoSourceOf(subject: unknown): { source: VideoFramesSource; label: string } | undefined {
  if (isSource(subject)) return { source: subject, label: `${subject.peerName ? `${subject.peerName}'s ` : ''}inbound video` }
  if (isObject(subject) && Array.isArray(subject.inbound)) {
    const t = (subject.inbound as unknown[]).find((x) => isObject(x) && x.kind === 'video' && isSource(x)) as VideoFramesSource | undefined
    if (t) return { source: t, label: `${String(subject.name ?? t.peerName ?? 'peer')}'s inbound video` }
  }
  return undefined
}

function truthOf(sender: VideoSenderTruth | undefined): { sent?: readonly SentVideoFrame[]; fps?: number } {
  if (sender === undefined) return {}
  if (Array.isArray(sender)) return { sent: sender as readonly SentVideoFrame[] }
  const s = sender as { sentFrames?(): readonly SentVideoFrame[]; fps?: number }
  if (typeof s.sentFrames !== 'function')
    throw new RtcspecError('MATCHER_OPTIONS', 'sender: this video sender does not report the frames it sent (sentFrames), so it cannot give the truth', {
      hint: 'pass the handle of a sender rtcspec packetizes (werift sendVideo), or leave sender out',
    })
  return { sent: s.sentFrames(), ...(s.fps !== undefined ? { fps: s.fps } : {}) }
}

function withoutSender(o: VideoSubjectOptions, drop: boolean, fps: number | undefined): VideoSubjectOptions {
  const { sender, ...rest } = o
  return { ...rest, ...(sender !== undefined && !drop ? { sender } : {}), ...(fps !== undefined ? { fps } : {}) }
}

/** Analyses `frames` with the subject's and the options' figures. */
function analyse(
  frames: readonly VideoFrameArrival[],
  matcher: string,
  o: VideoSubjectOptions,
  source?: VideoFramesSource,
  plainFps?: number,
  plainSent?: readonly SentVideoFrame[],
  decoded = false,
): VideoAnalysis {
  const truth = truthOf(o.sender)
  const sent = truth.sent ?? plainSent
  const fps = o.fps ?? source?.nominalFps ?? plainFps ?? truth.fps ?? inferFps(frames) ?? 30
  if (!(fps > 0)) throw new RtcspecError('MATCHER_OPTIONS', `${matcher}: the nominal frame rate must be above 0, got ${fps}`, { hint: 'pass { fps: 30 }' })
  return analyzeVideo(frames, {
    fps,
    ...(sent ? { sent } : {}),
    ...(source?.joinedAtMs !== undefined ? { joinedAtMs: source.joinedAtMs } : {}),
    ...(source?.captureClockOffsetMs !== undefined ? { captureClockOffsetMs: source.captureClockOffsetMs } : {}),
    ...(!decoded && typeof source?.ownStalls === 'function' ? { ownStalls: source.ownStalls() } : {}),
    ...(o.playoutDeadlineMs !== undefined ? { playoutDeadlineMs: o.playoutDeadlineMs } : {}),
    ...(decoded ? { decoded } : {}),
  })
}

/**
 * Resolves a matcher's subject to its analysis, or throws an `RtcspecError` naming what the matcher accepts.
 */
export function resolveVideo(subject: unknown, matcher: string, o: VideoSubjectOptions = {}): ResolvedVideo {
  if (isVideoAnalysis(subject)) return { label: 'the analysed video', analysis: subject }
  const live = videoSourceOf(subject)
  if (live) {
    const pictures = live.source.pictures?.()
    const got = framesOf(live.source, o.fps ?? live.source.nominalFps)
    const label = got.rendered ? `${live.label} (rendered frames)` : live.label
    return {
      label,
      // a player's frames are placed by code index, so the code index is the truth (a sender's RTP timestamps are not)
      analysis: analyse(got.frames, matcher, withoutSender(o, got.rendered, got.fps), live.source, undefined, undefined, got.rendered),
      source: live.source,
      ...(pictures ? { pictures } : {}),
    }
  }
  if (isObject(subject) && Array.isArray(subject.frames)) {
    const p = subject as { frames: VideoFrameArrival[]; fps?: number; sent?: SentVideoFrame[] }
    return { label: 'the given video frames', analysis: analyse(p.frames, matcher, o, undefined, p.fps, p.sent) }
  }
  if (isObject(subject) && Array.isArray(subject.inbound))
    throw new RtcspecError('NO_VIDEO', `${matcher}: ${String(subject.name ?? 'the peer')} has no inbound video track`, {
      hint: 'negotiate video on this peer (the other side must send it), or pass the inbound video track itself',
    })
  throw new RtcspecError(
    'MATCHER_SUBJECT',
    `${matcher}: expected a peer, an inbound video track (with videoFrames()), a VideoAnalysis or { frames, fps }, got ${isObject(subject) ? `an object with ${Object.keys(subject).slice(0, 8).join(', ')}` : typeof subject}`,
    { hint: 'pass the receiving peer, e.g. expect(call.b).toReceiveVideo({ frames: 30 })' },
  )
}
