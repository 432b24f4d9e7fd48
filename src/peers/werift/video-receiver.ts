/**
 * The receive side of a werift video track: frames are assembled from the packets by the track itself
 * (`InboundTrackImpl`, see src/media/video/frame-assembler.ts); this module drives the feedback a video receiver
 * owes its sender and counts it:
 * - a PLI when the track starts without a keyframe (a receiver that joins mid-stream cannot decode until one
 *   comes; RFC 4585 §6.3.1): judged on the first frame whose marker packet arrived;
 * - a PLI when a frame is lost: a sequence gap whose packets did not all arrive within a grace period for NACK
 *   retransmissions (a frame missing whole, or incomplete); at most one PLI per `pliIntervalMs`;
 * - NACKs are sent by werift itself when `nack` feedback was negotiated (counted here).
 * werift sends no FIR (`firSent` stays 0).
 */
import type { RTCRtpTransceiver } from 'werift'
import { createVideoFeedbackLog, logVideoFeedback } from '../../media/video/feedback-events.ts'
import type { InboundTrackImpl } from '../inbound-track.ts'

/** Options of {@link VideoReceiveFeedback}. */
export interface VideoFeedbackOptions {
  /** Least time between two PLIs sent for losses, ms. Default 500. */
  pliIntervalMs?: number
  /** How long a gap may wait for retransmissions before its frame counts as lost, ms. Default 150. */
  lossGraceMs?: number
  /** Records an error (a failed RTCP send) on the peer's timeline. */
  onError?: (message: string) => void
}

/** Drives PLI on join and on loss for one inbound video track of a werift peer, and counts PLI/NACK sent. */
export class VideoReceiveFeedback {
  readonly #transceiver: RTCRtpTransceiver
  readonly #pliIntervalMs: number
  readonly #lossGraceMs: number
  readonly #onError: ((message: string) => void) | undefined
  #track: InboundTrackImpl | undefined
  #ssrc: number | undefined
  #lastPliAtMs = Number.NEGATIVE_INFINITY
  readonly #timers = new Set<NodeJS.Timeout>()
  #unsubscribe: (() => void) | undefined
  #closed = false

  constructor(transceiver: RTCRtpTransceiver, options: VideoFeedbackOptions = {}) {
    this.#transceiver = transceiver
    this.#pliIntervalMs = options.pliIntervalMs ?? 500
    this.#lossGraceMs = options.lossGraceMs ?? 150
    this.#onError = options.onError
  }

  /** Starts watching `track` (its first frame decides the join PLI) and counting werift's NACKs. */
  attach(track: InboundTrackImpl): void {
    this.#track = track
    let joined = false
    const offRtp = track.onRtp((p) => {
      this.#ssrc ??= p.ssrc
      if (joined || !p.marker) return
      joined = true
      offRtp()
      const first = track.videoFrames()[0]
      if (!first?.complete || !first.keyframe) this.#sendPli()
    })
    const sub = this.#transceiver.receiver.onPacketLost.subscribe(() => {
      track.videoCounters.nackSent++
    })
    this.#unsubscribe = () => {
      offRtp()
      sub.unSubscribe()
    }
  }

  /** `missing` packets from `firstMissing` on were skipped: after the grace period, ask for a keyframe if any is still missing. */
  onGap(missing: number, firstMissing: number): void {
    if (this.#closed) return
    const timer = setTimeout(() => {
      this.#timers.delete(timer)
      this.#checkLoss(firstMissing, missing)
    }, this.#lossGraceMs)
    this.#timers.add(timer)
  }

  #checkLoss(first: number, count: number): void {
    const track = this.#track
    if (!track || this.#closed) return
    // Gaps wider than the assembler's memory are judged on their first packets (a long outage is a loss anyway).
    let lost = false
    for (let s = first; s < first + Math.min(count, 1000) && !lost; s++) lost = !track.videoPacketReceived(s)
    if (lost && performance.now() - this.#lastPliAtMs >= this.#pliIntervalMs) this.#sendPli()
  }

  #sendPli(): void {
    const ssrc = this.#ssrc
    const track = this.#track
    if (ssrc === undefined || !track || this.#closed) return
    // werift drops a PLI silently when the far end did not offer `nack pli` feedback: count only what is sent.
    if ((this.#transceiver.receiver as unknown as { pliEnabled?: unknown }).pliEnabled === undefined) return
    this.#lastPliAtMs = performance.now()
    track.videoCounters.pliSent++
    logVideoFeedback((track.videoCounters.events ??= createVideoFeedbackLog()), 'pli-sent', this.#lastPliAtMs)
    this.#transceiver.receiver.sendRtcpPLI(ssrc).catch((e: unknown) => this.#onError?.(`video: sending a PLI failed: ${String(e)}`))
  }

  /** Stops timers and subscriptions. Idempotent. */
  close(): void {
    this.#closed = true
    for (const t of this.#timers) clearTimeout(t)
    this.#timers.clear()
    this.#unsubscribe?.()
  }
}
