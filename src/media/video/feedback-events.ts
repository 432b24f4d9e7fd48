/**
 * Keyframe and RTCP feedback events of a video stream, with their times: the keyframes a sender sent and the
 * PLI/FIR it received, the PLI/FIR a receiver sent. Counters say how many; these say when, so a report can put them
 * on the stream's timeline next to its freezes (a PLI sent at a loss, the keyframe that answered it, the freeze's end).
 * Times are on the process's `performance.now()` clock, like a track's packet arrival times. Bounded per stream.
 *
 * @module
 */

/** What happened: a keyframe sent, or a keyframe request (PLI, FIR) sent or received. */
export type VideoFeedbackEventType = 'keyframe-sent' | 'pli-sent' | 'fir-sent' | 'pli-received' | 'fir-received'

/** One keyframe or feedback event of a video stream. */
export interface VideoFeedbackEvent {
  /** When, `performance.now()` ms of the process that sent or received it. */
  readonly atMs: number
  readonly type: VideoFeedbackEventType
}

/** Most events kept per stream (later ones are counted in `dropped`, not kept): about an hour of a keyframe a second. */
export const MAX_VIDEO_FEEDBACK_EVENTS = 4000

/** A stream's bounded event log. */
export interface VideoFeedbackLog {
  readonly events: VideoFeedbackEvent[]
  /** Events left out because the log was full. */
  dropped: number
}

/** A new, empty log. */
export function createVideoFeedbackLog(): VideoFeedbackLog {
  return { events: [], dropped: 0 }
}

/** Adds an event to the log, or counts it as dropped when the log holds {@link MAX_VIDEO_FEEDBACK_EVENTS}. */
export function logVideoFeedback(log: VideoFeedbackLog, type: VideoFeedbackEventType, atMs: number, max = MAX_VIDEO_FEEDBACK_EVENTS): void {
  if (log.events.length < max) log.events.push({ atMs, type })
  else log.dropped++
}
