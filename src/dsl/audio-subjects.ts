/**
 * What the audio matchers accept and how they get PCM out of it: decoded audio (`PcmAudio`), anything
 * with a `recording()` (an inbound track), or a peer (its first inbound audio track). Also the
 * arrival-time anchor that turns a recording's own timeline into wall-clock delay.
 *
 * @module
 */
import { RtcspecError } from '../errors.ts'
import type { DetectedDigit, PcmAudio } from '../media/types.ts'
import type { InboundTrack, Peer } from '../peers/types.ts'

/** Anything an audio matcher can listen to. */
export type AudioSubject = PcmAudio | { recording(): PcmAudio } | Peer

/** A subject resolved to audio. */
export interface ResolvedAudio {
  /** For messages, e.g. `bob's inbound audio (PCMU)` or `audio`. */
  label: string
  audio: PcmAudio
  /** The inbound track, when the subject was a track or a peer. */
  track?: InboundTrack
  /** The recording's WAV on disk, if it was saved already. */
  wavPath?: string
}

/** True for `{ sampleRate: positive number, samples: Int16Array }`. */
export function isPcmAudio(x: unknown): x is PcmAudio {
  return (
    typeof x === 'object' &&
    x !== null &&
    (x as PcmAudio).samples instanceof Int16Array &&
    typeof (x as PcmAudio).sampleRate === 'number' &&
    (x as PcmAudio).sampleRate > 0
  )
}

function isPeer(x: unknown): x is Peer {
  return typeof x === 'object' && x !== null && 'waitForTrack' in x && Array.isArray((x as Peer).inbound)
}

function isTrack(x: unknown): x is InboundTrack {
  return typeof x === 'object' && x !== null && 'waitForPackets' in x && 'rtp' in x && typeof (x as InboundTrack).recording === 'function'
}

function describe(x: unknown): string {
  if (x === null || x === undefined) return String(x)
  if (typeof x !== 'object') return `${typeof x} ${String(x).slice(0, 60)}`
  return `an object with keys ${Object.keys(x).slice(0, 8).join(', ') || '(none)'}`
}

/** The first inbound audio track of a peer, or a helpful error. */
export function audioTrackOf(peer: Peer, matcher: string): InboundTrack {
  const t = peer.inbound.find((x) => x.kind === 'audio')
  if (t === undefined) {
    throw new RtcspecError('AUDIO_SUBJECT', `${matcher}: ${peer.name} has no inbound audio track yet`, {
      hint: `wait for media first, e.g. await expect(${peer.name}).toReceiveRtp({ packets: 100 })`,
    })
  }
  return t
}

/**
 * Resolves a matcher's subject to audio. Throws an RtcspecError (which fails the assertion with or
 * without `.not`) when the subject is not audio.
 */
export function resolveAudio(subject: unknown, matcher: string, role = 'subject'): ResolvedAudio {
  if (isPcmAudio(subject)) {
    const rec = subject as PcmAudio & { label?: unknown; wavPath?: unknown }
    return {
      label: typeof rec.label === 'string' ? rec.label : 'audio',
      audio: subject,
      ...(typeof rec.wavPath === 'string' ? { wavPath: rec.wavPath } : {}),
    }
  }
  let track: InboundTrack | undefined
  if (isTrack(subject)) track = subject
  else if (isPeer(subject)) track = audioTrackOf(subject, matcher)
  if (track !== undefined) {
    const rec = track.recording()
    const codec = track.codec?.encoding
    return {
      label: `${track.peerName}'s inbound ${track.kind}${codec ? ` (${codec})` : ''}`,
      audio: rec,
      track,
      ...(rec.wavPath ? { wavPath: rec.wavPath } : {}),
    }
  }
  if (typeof subject === 'object' && subject !== null && typeof (subject as { recording?: unknown }).recording === 'function') {
    const rec = (subject as { recording(): unknown }).recording()
    if (isPcmAudio(rec)) return resolveAudio(rec, matcher, role)
    throw new RtcspecError('AUDIO_SUBJECT', `${matcher}: ${role}.recording() returned ${describe(rec)}, not PcmAudio`)
  }
  throw new RtcspecError(
    'AUDIO_SUBJECT',
    `${matcher}: the ${role} must be PcmAudio ({ sampleRate, samples: Int16Array }), an inbound track or a peer; got ${describe(subject)}`,
    {
      hint: 'pass track.recording(), the track, or the peer (its first inbound audio track is used)',
    },
  )
}

/** The RFC 4733 digits of a subject that has `dtmf()` (a track, or a peer's first audio track). */
export function rfc4733DigitsOf(subject: unknown, matcher: string): DetectedDigit[] | undefined {
  let track: unknown = subject
  if (isPeer(subject)) track = audioTrackOf(subject, matcher)
  if (typeof track === 'object' && track !== null && typeof (track as { dtmf?: unknown }).dtmf === 'function') {
    return (track as { dtmf(): DetectedDigit[] }).dtmf()
  }
  return undefined
}

/**
 * When sample 0 of `track.recording()` arrived, on the `performance.now()` clock. The recording starts
 * at the lowest RTP timestamp of the track's audio packets (see `renderRtpAudio`), so this is the
 * earliest `arrivalMs − (timestamp − lowestTimestamp) / clockRate` over those packets. Taking the
 * minimum removes queueing and event-loop stalls on the receive side (a packet can arrive late, never
 * early). Undefined before any audio packet arrived.
 */
export function recordingAnchorMs(track: InboundTrack): number | undefined {
  const codec = track.codec
  if (codec === undefined) return undefined
  // unwrap timestamps as the recorder does: each one relative to the previous, signed 32-bit
  let lastTs: number | undefined
  let lastExt = 0
  let minExt = Number.POSITIVE_INFINITY
  const audio: Array<{ ext: number; arrivalMs: number }> = []
  for (const p of track.packets()) {
    const ext: number = lastTs === undefined ? 0 : lastExt + ((p.timestamp - lastTs) | 0)
    lastTs = p.timestamp
    lastExt = ext
    if (p.payloadType !== codec.payloadType) continue
    audio.push({ ext, arrivalMs: p.arrivalMs })
    if (ext < minExt) minExt = ext
  }
  let best = Number.POSITIVE_INFINITY
  for (const a of audio) {
    const anchor = a.arrivalMs - ((a.ext - minExt) * 1000) / codec.clockRate
    if (anchor < best) best = anchor
  }
  return Number.isFinite(best) ? best : undefined
}
