/**
 * What a receiving track hands the video analysis: its assembled frames (`videoFrames()`, a receiver of RTP) or its
 * rendered frames (`renderedFrames()`, a player), the nominal frame rate when no one states it, and the analysis of
 * a track as call records keep it.
 *
 * @module
 */
import { analyzeVideo, renderedAsArrivals, VIDEO_CLOCK_RATE, type VideoAnalysis } from './analysis.ts'
import type { Stall } from '../process-stalls.ts'
import type { RenderedVideoFrame, VideoFrameArrival } from './types.ts'

/** A track as the video analysis reads it (structural). */
export interface VideoTrackFrames {
  videoFrames?(): readonly VideoFrameArrival[]
  renderedFrames?(): readonly RenderedVideoFrame[]
  readonly nominalFps?: number
  readonly joinedAtMs?: number
  readonly captureClockOffsetMs?: number
  /** Spans in which the process that read the frames did not run (a receiver of RTP in this process). */
  ownStalls?(): readonly Stall[]
}

/** Frame rate from rendered frames' codes: median capture-time step per index step. */
export function fpsOfRendered(frames: readonly RenderedVideoFrame[]): number | undefined {
  const steps: number[] = []
  for (let i = 1; i < frames.length; i++) {
    const a = frames[i - 1]?.code
    const b = frames[i]?.code
    if (a && b && b.index > a.index && b.captureMs > a.captureMs) steps.push((b.captureMs - a.captureMs) / (b.index - a.index))
  }
  if (!steps.length) return undefined
  steps.sort((x, y) => x - y)
  return 1000 / (steps[Math.floor(steps.length / 2)] as number)
}

/** Nominal fps from the median RTP timestamp step between consecutive distinct frames (undefined with < 2 frames). */
export function inferFps(frames: readonly VideoFrameArrival[]): number | undefined {
  const ts = [...new Set(frames.map((f) => f.rtpTimestamp >>> 0))]
  const ordered = frames
    .slice()
    .sort((a, b) => a.firstArrivalMs - b.firstArrivalMs)
    .map((f) => f.rtpTimestamp >>> 0)
  if (ts.length < 2) return undefined
  const steps: number[] = []
  for (let i = 1; i < ordered.length; i++) {
    const d = ((ordered[i] as number) - (ordered[i - 1] as number) + 2 ** 32) % 2 ** 32
    if (d > 0 && d < VIDEO_CLOCK_RATE * 10) steps.push(d)
  }
  if (!steps.length) return undefined
  steps.sort((a, b) => a - b)
  return VIDEO_CLOCK_RATE / (steps[Math.floor(steps.length / 2)] as number)
}

/** The analysis of a track's frames so far, or undefined when it has no frames to analyse. */
export function analyzeTrack(track: VideoTrackFrames, fps?: number): VideoAnalysis | undefined {
  if (typeof track.videoFrames === 'function') {
    const frames = track.videoFrames()
    if (!frames.length) return undefined
    return analyzeVideo(frames, {
      fps: fps ?? track.nominalFps ?? inferFps(frames) ?? 30,
      ...(track.joinedAtMs !== undefined ? { joinedAtMs: track.joinedAtMs } : {}),
      ...(track.captureClockOffsetMs !== undefined ? { captureClockOffsetMs: track.captureClockOffsetMs } : {}),
      ...(typeof track.ownStalls === 'function' ? { ownStalls: track.ownStalls() } : {}),
    })
  }
  if (typeof track.renderedFrames === 'function') {
    const rendered = track.renderedFrames()
    if (!rendered.length) return undefined
    const f = fps ?? track.nominalFps ?? fpsOfRendered(rendered) ?? 30
    // a player's joinedAtMs is on its rendered frames' clock (the page's wall clock), so time to first frame holds
    return analyzeVideo(renderedAsArrivals(rendered, f), { fps: f, decoded: true, ...(track.joinedAtMs !== undefined ? { joinedAtMs: track.joinedAtMs } : {}) })
  }
  return undefined
}
