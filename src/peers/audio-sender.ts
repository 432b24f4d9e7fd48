/**
 * Packetizes an audio source into RTP on a drift-free 20 ms (by default) pacer:
 * sequence numbers +1, timestamps +clockRate·ptime per frame, marker bit at talkspurt start.
 * Also sends RFC 4733 telephone-events in the same stream (`sendDtmf`), in place of the audio while
 * each event lasts.
 */
import type { AudioEncoder, AudioSource } from '../media/types.ts'
import { createPacer, type PacerLike } from '../media/shared-clock.ts'
import { RtcspecError } from '../errors.ts'
import { dtmfEventCode, serializeTelephoneEvent, validateDtmfDigits } from '../rtp/telephone-event.ts'
import type { AudioSourceSpec, DtmfSendOptions } from './types.ts'

/** The RTP header fields the sender chooses for each packet. */
export interface OutgoingRtp {
  payloadType: number
  sequenceNumber: number
  timestamp: number
  marker: boolean
  payload: Uint8Array
}

export interface AudioSenderOptions {
  source: AudioSource
  encoder: AudioEncoder
  payloadType: number
  /** Packet time, default 20 ms. */
  ptimeMs?: number
  /**
   * Overdue frames sent back to back after the process stalled; beyond that many, frames are skipped (their
   * timestamps stay true to wall time). Default 10 (the Pacer's). Tests that check exact framing raise it.
   */
  maxCatchUp?: number
  /**
   * Discontinuous transmission: frames quieter than the threshold are not sent once `hangoverFrames` of them
   * followed each other; the first frame after such a pause starts a new talkspurt and carries the marker bit
   * (RFC 3551 §4.1). Timestamps keep counting through the pause. Default off: every frame is sent.
   */
  dtx?: boolean | DtxOptions
  /**
   * A previous sender of the same RTP stream (same SSRC): this one continues its sequence numbers, and its
   * timestamps at the wall-clock rate, so the receiver sees one stream (a new talkspurt), not a restart.
   */
  continueFrom?: AudioSender
  /**
   * Hold (a negotiated direction that does not let this side send): while it returns true, frames are read and
   * dropped without using sequence numbers, so the receiver sees no loss; timestamps keep counting, and the first
   * frame after it starts a new talkspurt (marker bit). Queued DTMF waits.
   */
  held?: () => boolean
  /** Hands each packet to the transport. */
  send: (packet: OutgoingRtp) => void
  /** Called once when the source ends. */
  onEnded?: () => void
  /** Payload type of the negotiated telephone-event at the encoder's clock rate; without it `sendDtmf` fails. */
  telephoneEventPayloadType?: number
  /**
   * Called once if a frame fails (the source, the encoder or `send` threw): the sender has stopped, and
   * {@link AudioSender.error} holds the message. Without it the failure is only recorded there.
   */
  onError?: (message: string) => void
}

/** Options of discontinuous transmission (`AudioSenderOptions.dtx`). */
export interface DtxOptions {
  /** A frame whose RMS level is below this is silence. Default −60 dBFS. */
  thresholdDbfs?: number
  /** Silent frames still sent after speech before the pause starts (a hangover, so word endings are not cut). Default 5 (100 ms). */
  hangoverFrames?: number
}

/** One queued RFC 4733 event. */
interface DtmfJob {
  event: number
  frames: number
  gapFrames: number
  volume: number
  /** Set on the digit that finishes a `sendDtmf` call. */
  done?: { resolve: () => void; reject: (e: Error) => void }
}

/** The event being sent: tone frames so far, then the final packet and its two retransmissions. */
interface DtmfActive {
  job: DtmfJob
  timestamp: number
  /** Tone frames reported so far (the duration field is `sent` frames). */
  sent: number
  /** End packets sent (1 final + 2 retransmissions). */
  endSent: number
  /** Packets of this event sent. */
  packets: number
  /** Audio frames still to send before the next event. */
  gapLeft: number
}

/**
 * A span in which the sender's frames left late: its event loop (the process) was busy, so frames were sent in a
 * burst when it woke up, or skipped when it stalled for more than `maxCatchUp` frames. Skipped frames are never
 * read from the source: the audio after them reaches the receiver later than its RTP timestamps say by
 * `skippedFrames × ptimeMs`, which a delay measurement must not take for path delay.
 */
export interface SenderStall {
  /** `performance.now()` when the first late frame was due on the sender's schedule. */
  atMs: number
  /** How late the latest frame of the span left, ms (measured from the sender's own schedule). */
  lateMs: number
  /** Frames of the span sent more than one frame interval late. */
  lateFrames: number
  /** Frames skipped (not read from the source) in the span. */
  skippedFrames: number
  /** Source frames read before the span: where in the source audio it happened (× `ptimeMs` = ms). */
  sourceFrameIndex: number
  /** The sender's frame interval, ms. */
  ptimeMs: number
}

/** A late span counts as a stall when a frame left at least this many frame intervals late, or frames were skipped. */
export const STALL_FRAMES = 3
/** Most stalls a sender keeps (the earliest ones); `stallCount` counts them all. */
export const MAX_STALLS = 100

/** Builds the source a spec asked for at the sample rate the encoder needs. */
export function resolveAudioSource(spec: AudioSourceSpec, sampleRate: number): AudioSource {
  const source = typeof spec === 'function' ? spec(sampleRate) : spec
  if (source.sampleRate !== sampleRate) {
    throw new RtcspecError(
      'SOURCE_RATE',
      `audio source ${source.description} runs at ${source.sampleRate} Hz but the negotiated codec needs ${sampleRate} Hz`,
      {
        hint: 'pass a source factory such as tone(440) (without a sampleRate) so rtcspec builds it at the codec rate',
      },
    )
  }
  return source
}

/** Sends one audio source as RTP, paced in real time. */
export class AudioSender {
  packetsSent = 0
  bytesSent = 0
  /** `performance.now()` time at which the first audio packet was due on the pacer's schedule. */
  firstPacketAtMs: number | undefined
  readonly #pacer: PacerLike
  readonly #frame: Int16Array
  readonly #timestampStep: number
  readonly #options: AudioSenderOptions
  #seq = Math.floor(Math.random() * 0x10000)
  #ts0 = Math.floor(Math.random() * 0x100000000)
  #startedAtMs: number | undefined
  readonly #ptimeMs: number
  #ended = false
  #stopped = false
  readonly #dtmfQueue: DtmfJob[] = []
  #dtmf: DtmfActive | undefined
  /** RFC 4733 event packets sent (end retransmissions included). */
  dtmfPacketsSent = 0
  /** Frames not sent because of DTX. */
  suppressedFrames = 0
  /** Talkspurts started (packets sent with the marker bit, the first one included). */
  talkspurts = 0
  readonly #dtx: { threshold: number; hangover: number } | undefined
  #silentRun = 0
  #paused = false
  /** Frames dropped while `held()` said so. */
  heldFrames = 0
  #wasHeld = false
  /** Frames read from the source so far. */
  #framesRead = 0
  #lastIndex: number | undefined
  #stall: SenderStall | undefined
  readonly #stalls: SenderStall[] = []
  /** Stalls seen, including those beyond {@link MAX_STALLS}. */
  stallCount = 0
  #error: string | undefined
  readonly #errorListeners: Array<(message: string) => void> = []

  constructor(options: AudioSenderOptions) {
    const ptime = options.ptimeMs ?? 20
    this.#options = options
    this.#frame = new Int16Array(Math.round((options.encoder.sampleRate * ptime) / 1000))
    this.#timestampStep = Math.round((options.encoder.clockRate * ptime) / 1000)
    this.#ptimeMs = ptime
    this.#pacer = createPacer({ periodMs: ptime, ...(options.maxCatchUp !== undefined ? { maxCatchUp: options.maxCatchUp } : {}) }, (i) => this.#guardedTick(i))
    if (options.onError) this.#errorListeners.push(options.onError)
    if (options.dtx) {
      const o = options.dtx === true ? {} : options.dtx
      const thresholdDbfs = o.thresholdDbfs ?? -60
      const hangover = o.hangoverFrames ?? 5
      if (!Number.isFinite(thresholdDbfs)) throw new RangeError(`dtx.thresholdDbfs must be a finite dBFS level, got ${thresholdDbfs}`)
      if (!Number.isInteger(hangover) || hangover < 0) throw new RangeError(`dtx.hangoverFrames must be an integer ≥ 0, got ${hangover}`)
      // compare mean squares: (rms / 32768)² < 10^(dB/10) / 2 (AES17: a full-scale sine is 0 dBFS)
      this.#dtx = { threshold: (32768 * 32768 * 10 ** (thresholdDbfs / 10)) / 2, hangover }
    }
  }

  /**
   * Why the sender stopped on its own before its source ended: the message of what threw while it made or sent a
   * frame (the source, the encoder, `send`). Undefined unless a frame failed.
   */
  get error(): string | undefined {
    return this.#error
  }

  /** Calls `listener` once with {@link error} when a frame fails (at once when it already has). */
  onError(listener: (message: string) => void): void {
    if (this.#error !== undefined) listener(this.#error)
    else this.#errorListeners.push(listener)
  }

  /** Whether the sender stopped (its source ended, `stop()`, or a frame failed: see {@link error}); it cannot restart. */
  get stopped(): boolean {
    return this.#stopped
  }

  /** Frames skipped because the process stalled for longer than `maxCatchUp` frames. */
  get skippedTicks(): number {
    return this.#pacer.stats.skippedTicks
  }

  get lateTicks(): number {
    return this.#pacer.stats.lateTicks
  }

  /** The spans in which this sender's frames left late or were skipped (see {@link SenderStall}), oldest first. */
  get stalls(): SenderStall[] {
    const open = this.#stall && this.#isStall(this.#stall) && !this.#stalls.includes(this.#stall) ? [this.#stall] : []
    return [...this.#stalls, ...open].map((x) => ({ ...x }))
  }

  /** The frame interval, ms. */
  get ptimeMs(): number {
    return this.#ptimeMs
  }

  #isStall(x: SenderStall): boolean {
    return x.skippedFrames > 0 || x.lateMs >= STALL_FRAMES * this.#ptimeMs
  }

  /** Follows the pacer's lateness: opens a span at the first late (or skipped) frame, closes it at the next on-time one. */
  #trackLateness(index: number): void {
    const dueAt = this.#pacer.scheduledAtMs(index)
    const lateMs = Number.isFinite(dueAt) ? performance.now() - dueAt : 0
    const skipped = this.#lastIndex === undefined ? 0 : Math.max(0, index - this.#lastIndex - 1)
    this.#lastIndex = index
    const late = lateMs > this.#ptimeMs || skipped > 0
    if (!late) {
      const done = this.#stall
      this.#stall = undefined
      if (done && this.#isStall(done)) {
        this.stallCount++
        if (this.#stalls.length < MAX_STALLS) this.#stalls.push(done)
      }
      return
    }
    const s = (this.#stall ??= {
      atMs: dueAt - skipped * this.#ptimeMs,
      lateMs: 0,
      lateFrames: 0,
      skippedFrames: 0,
      sourceFrameIndex: this.#framesRead,
      ptimeMs: this.#ptimeMs,
    })
    s.lateMs = Math.max(s.lateMs, lateMs + skipped * this.#ptimeMs)
    if (lateMs > this.#ptimeMs) s.lateFrames++
    s.skippedFrames += skipped
  }

  start(): void {
    const prev = this.#options.continueFrom
    if (prev && this.#startedAtMs === undefined) {
      const now = performance.now()
      this.#seq = prev.#seq
      // one frame past the timestamp the previous sender would be at now
      const frames = prev.#startedAtMs === undefined ? 0 : Math.floor((now - prev.#startedAtMs) / prev.#ptimeMs) + 1
      this.#ts0 = (prev.#ts0 + frames * prev.#timestampStep) >>> 0
    }
    this.#startedAtMs ??= performance.now()
    this.#pacer.start()
  }

  /** Stops the pacer, fails pending DTMF and frees the encoder. Idempotent. */
  stop(): void {
    this.#pacer.stop()
    if (this.#stopped) return
    this.#stopped = true
    const pending = [...(this.#dtmf ? [this.#dtmf.job] : []), ...this.#dtmfQueue.splice(0)]
    this.#dtmf = undefined
    const why = this.#error === undefined ? '' : ` (${this.#error})`
    for (const j of pending) j.done?.reject(new RtcspecError('DTMF_ABORTED', `the audio sender stopped before every DTMF digit was sent${why}`))
    try {
      this.#options.encoder.close?.()
    } catch {
      // a failed encoder may fail to close too; the sender is stopped either way
    }
  }

  /**
   * One pacer tick. A frame that throws (the source, the encoder, `send`) stops this sender and records why
   * ({@link error}, the `onError` listeners) instead of throwing out of the pacer's timer, where it would be an
   * uncaught exception of the whole process (and, on a shared pacer, of the other streams' tick).
   */
  #guardedTick(index: number): void {
    try {
      this.#tick(index)
    } catch (e) {
      if (this.#error !== undefined) return
      const message = e instanceof Error ? e.message : String(e)
      this.#error = message
      this.stop()
      for (const listener of this.#errorListeners.splice(0)) {
        try {
          listener(message)
        } catch {
          // a listener's own failure must not escape the pacer either
        }
      }
    }
  }

  /**
   * Queues `digits` as RFC 4733 events. Each lasts `durationMs` (rounded to whole frames, ≥ 1) and is followed
   * by its final packet sent three times (RFC 4733 §2.5.1.4), then `gapMs` of audio (rounded up to whole frames).
   * Resolves when the last digit's third end packet has been sent.
   */
  sendDtmf(digits: string, options: DtmfSendOptions = {}): Promise<void> {
    const pt = this.#options.telephoneEventPayloadType
    if (pt === undefined) {
      return Promise.reject(
        new RtcspecError('DTMF_NOT_NEGOTIATED', `telephone-event/${this.#options.encoder.clockRate} was not negotiated for this audio stream`, {
          hint: 'both peers must offer/accept RFC 4733 (werift peers do unless created with dtmf: false)',
        }),
      )
    }
    try {
      validateDtmfDigits(digits)
    } catch (e) {
      return Promise.reject(e)
    }
    if (this.#stopped) return Promise.reject(new RtcspecError('DTMF_ABORTED', 'sendDtmf on a stopped audio sender'))
    const ptime = this.#frame.length / (this.#options.encoder.sampleRate / 1000)
    const durationMs = options.durationMs ?? 100
    const gapMs = options.gapMs ?? 50
    const volume = options.volume ?? 10
    if (!(durationMs > 0) || !Number.isFinite(durationMs)) return Promise.reject(new RangeError(`sendDtmf: durationMs must be > 0, got ${durationMs}`))
    if (!(gapMs >= 0) || !Number.isFinite(gapMs)) return Promise.reject(new RangeError(`sendDtmf: gapMs must be ≥ 0, got ${gapMs}`))
    if (!Number.isInteger(volume) || volume < 0 || volume > 63)
      return Promise.reject(new RangeError(`sendDtmf: volume must be an integer 0..63 (−dBm0), got ${volume}`))
    const frames = Math.max(1, Math.round(durationMs / ptime))
    if (frames * this.#timestampStep > 0xffff) {
      return Promise.reject(new RangeError(`sendDtmf: ${durationMs} ms does not fit RFC 4733's 16-bit duration at ${this.#options.encoder.clockRate} Hz`))
    }
    const gapFrames = Math.ceil(gapMs / ptime)
    return new Promise<void>((resolve, reject) => {
      for (let i = 0; i < digits.length; i++) {
        const job: DtmfJob = { event: dtmfEventCode(digits[i] as string), frames, gapFrames, volume }
        if (i === digits.length - 1) job.done = { resolve, reject }
        this.#dtmfQueue.push(job)
      }
    })
  }

  /** Sends the next event packet in place of audio; returns false when no event is due this tick. */
  #dtmfTick(index: number): boolean {
    if (this.#dtmf && this.#dtmf.endSent >= 3) {
      if (this.#dtmf.gapLeft > 0) {
        this.#dtmf.gapLeft--
        return false
      }
      this.#dtmf = undefined
    }
    if (!this.#dtmf) {
      const job = this.#dtmfQueue.shift()
      if (!job) return false
      this.#dtmf = { job, timestamp: (this.#ts0 + index * this.#timestampStep) >>> 0, sent: 0, endSent: 0, packets: 0, gapLeft: job.gapFrames }
    }
    const a = this.#dtmf
    let end = false
    if (a.sent < a.job.frames) {
      a.sent++
      end = a.sent === a.job.frames
    } else {
      end = true
    }
    if (end) a.endSent++
    const payload = serializeTelephoneEvent({ event: a.job.event, end, volume: a.job.volume, duration: a.sent * this.#timestampStep })
    this.#options.send({
      payloadType: this.#options.telephoneEventPayloadType as number,
      sequenceNumber: this.#seq,
      timestamp: a.timestamp,
      // RFC 4733 §2.5.1.3: the marker bit on the first packet of the event only
      marker: a.packets === 0,
      payload,
    })
    this.#seq = (this.#seq + 1) & 0xffff
    a.packets++
    this.dtmfPacketsSent++
    if (a.endSent >= 3) a.job.done?.resolve()
    return true
  }

  #tick(index: number): void {
    this.#trackLateness(index)
    const more = this.#options.source.read(this.#frame)
    this.#framesRead++
    if (this.#options.held?.()) {
      this.heldFrames++
      this.#wasHeld = true
      this.#afterTick(more)
      return
    }
    if (this.#dtmfTick(index)) {
      this.#afterTick(more)
      return
    }
    let marker = this.packetsSent === 0 || this.#wasHeld // a new talkspurt after a hold (RFC 3551 §4.1)
    this.#wasHeld = false
    if (this.#dtx) {
      let sum = 0
      for (let i = 0; i < this.#frame.length; i++) sum += (this.#frame[i] as number) ** 2
      if (sum / this.#frame.length < this.#dtx.threshold) {
        this.#silentRun++
        if (this.#silentRun > this.#dtx.hangover && this.packetsSent > 0) {
          this.#paused = true
          this.suppressedFrames++
          this.#afterTick(more)
          return
        }
      } else {
        this.#silentRun = 0
      }
      if (this.#paused) {
        // a new talkspurt after a pause (RFC 3551 §4.1)
        marker = true
        this.#paused = false
      }
    }
    if (marker) this.talkspurts++
    // the first packet's scheduled time on the pacer's clock, not when its (slower, first-time) tick
    // ran or its send finished: audio delay is measured from here
    this.firstPacketAtMs ??= this.#pacer.scheduledAtMs(index)
    const payload = this.#options.encoder.encode(this.#frame)
    this.#options.send({
      payloadType: this.#options.payloadType,
      sequenceNumber: this.#seq,
      // Timestamps derive from the frame index, so skipped ticks show as a timestamp jump, not drift.
      timestamp: (this.#ts0 + index * this.#timestampStep) >>> 0,
      marker,
      payload,
    })
    this.#seq = (this.#seq + 1) & 0xffff
    this.packetsSent++
    this.bytesSent += payload.length
    this.#afterTick(more)
  }

  #afterTick(more: boolean): void {
    // Keep ticking while DTMF is pending even if the source ended.
    if (!more && !this.#ended && !this.#dtmf && this.#dtmfQueue.length === 0) {
      this.#ended = true
      this.stop()
      this.#options.onEnded?.()
    }
  }
}
