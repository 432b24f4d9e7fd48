/**
 * Sends a pre-encoded video stream ({@link EncodedVideo}) over a werift RTP sender: frames leave on the
 * performance clock at their presentation times (absolute schedule, no drift), with 90 kHz RTP timestamps taken
 * from the same media time, packetized by werift's own VP8 (RFC 7741) and H.264 (RFC 6184, mode 1) packetizers.
 *
 * Ground truth: every frame sent is listed (index, RTP timestamp, when its first packet left, keyframe), the
 * record a receiver's frame-accurate analysis is checked against.
 *
 * Feedback: a PLI or FIR for this stream makes the next frame sent the next keyframe of the list (a jump ahead,
 * wrapping when looping; counted `keyframesOnRequest`). NACKs are answered by werift itself from its 128-packet
 * history: the same packet again, or wrapped in RTX when RTX was negotiated (rtcspec's own codec lists offer no
 * RTX, so it is plain retransmission). PLI, FIR and NACK received are counted.
 */
import { createVideoFeedbackLog, logVideoFeedback } from '../../media/video/feedback-events.ts'
import { H264Packetizer, type RtpPacket, Vp8Packetizer } from 'werift'
import { RtcspecError } from '../../errors.ts'
import type { SentVideoFrame } from '../../media/video/analysis.ts'
import type { EncodedVideo } from '../../media/video/types.ts'
import type { SendVideoOptions, VideoSendCounters } from '../types.ts'

/** RTP clock rate of video (RFC 7741 §6.1, RFC 6184 §8.2.1). */
export const VIDEO_RTP_CLOCK = 90_000
/** Largest RTP payload the video packetizers produce (werift's MTU default; leaves room for SRTP and header extensions). */
export const VIDEO_MAX_PAYLOAD = 1200
/** Sent frames a sender lists (an hour at 30 fps); later ones are counted but not listed. */
export const MAX_SENT_FRAMES = 108_000
/** Frames a sender that fell behind (its process was busy) sends back to back before it re-anchors its schedule. */
const MAX_BURST = 10

/** A PLI or FIR a video sender received. */
export interface KeyframeRequest {
  readonly kind: 'pli' | 'fir'
  /** When it arrived, performance clock ms. */
  readonly atMs: number
  /** Frames listed as sent before it arrived. */
  readonly framesSentBefore: number
}

/** What the sender needs from the transport. */
export interface VideoSenderTransport {
  /** Hands one packetized RTP packet (payload type, sequence number, timestamp and marker set) to the transport. */
  send(packet: RtpPacket): void
  /** Whether the negotiated direction lets this side send now (frames are skipped, not queued, while false). */
  canSend?(): boolean
}

/** Options of {@link VideoSender}. */
export interface VideoSenderOptions extends SendVideoOptions {
  video: EncodedVideo
  payloadType: number
  transport: VideoSenderTransport
  /** RTP timestamp of media time 0 (default random). */
  timestampBase?: number
  /** Clock, default `performance.now`. */
  now?: () => number
  /** Called when a non-looping stream sent its last frame. */
  onEnded?: () => void
}

/** Paces and packetizes an {@link EncodedVideo}. Create it, `start()` once the connection is up, `stop()` to end. */
export class VideoSender {
  readonly counters: VideoSendCounters = {
    framesSent: 0,
    keyframesSent: 0,
    keyframesOnRequest: 0,
    pliReceived: 0,
    firReceived: 0,
    nackReceived: 0,
    packetsSent: 0,
    bytesSent: 0,
    lateFrames: 0,
    loops: 0,
    events: createVideoFeedbackLog(),
  }
  readonly #sent: SentVideoFrame[] = []
  readonly #requests: KeyframeRequest[] = []
  readonly #video: EncodedVideo
  readonly #transport: VideoSenderTransport
  readonly #packetize: (data: Buffer, ts: number) => RtpPacket[]
  readonly #now: () => number
  readonly #loop: boolean
  readonly #timestampBase: number
  readonly #onEnded: (() => void) | undefined
  readonly #frameMs: number
  #cursor: number
  /** Media time of the next frame, ms from the first frame sent (its due time is start + this). */
  #mediaMs = 0
  #startMs = 0
  #timer: NodeJS.Timeout | undefined
  #running = false
  #stopped = false
  #keyframeRequested = false
  #ended = false
  #firstPacketAtMs: number | undefined
  readonly #endedPromise: Promise<void>
  #resolveEnded!: () => void

  constructor(options: VideoSenderOptions) {
    const { video } = options
    if (video.frames.length === 0)
      throw new RtcspecError('VIDEO_EMPTY', `sendVideo: "${video.description}" has no frames`, { hint: 'encode at least one frame' })
    if (!(video.fps > 0))
      throw new RtcspecError('VIDEO_FPS', `sendVideo: "${video.description}" has fps ${video.fps}`, { hint: 'EncodedVideo.fps must be > 0' })
    const start = options.startAtFrame ?? 0
    if (!Number.isInteger(start) || start < 0 || start >= video.frames.length) {
      throw new RtcspecError('VIDEO_START_FRAME', `sendVideo: startAtFrame ${start} is outside the stream's ${video.frames.length} frames`, {
        hint: `use 0 … ${video.frames.length - 1}`,
      })
    }
    this.#video = video
    this.#transport = options.transport
    this.#now = options.now ?? (() => performance.now())
    this.#loop = options.loop ?? false
    this.#onEnded = options.onEnded
    this.#cursor = start
    this.#frameMs = 1000 / video.fps
    this.#timestampBase = (options.timestampBase ?? Math.floor(Math.random() * 0x1_0000_0000)) >>> 0
    const common = { payloadType: options.payloadType, maxPayloadSize: VIDEO_MAX_PAYLOAD, ssrc: 0 }
    if (video.codec === 'VP8') {
      const p = new Vp8Packetizer(common)
      this.#packetize = (data, ts) => p.packetize(data, ts)
    } else {
      const p = new H264Packetizer({ ...common, inputFormat: 'annexb' })
      this.#packetize = (data, ts) => p.packetize(data, ts)
    }
    this.#endedPromise = new Promise((r) => (this.#resolveEnded = r))
  }

  /** The codec of the stream. */
  get codec(): EncodedVideo['codec'] {
    return this.#video.codec
  }

  /** When the first packet left (performance clock), once one did. */
  get firstPacketAtMs(): number | undefined {
    return this.#firstPacketAtMs
  }

  /** Resolves when a non-looping stream sent its last frame, or the sender stopped. */
  get ended(): Promise<void> {
    return this.#endedPromise
  }

  /** Frames sent so far, in order: the ground truth (index, RTP timestamp, sent at, keyframe). */
  sentFrames(): readonly SentVideoFrame[] {
    return this.#sent
  }

  /** A PLI or FIR arrived: the next frame sent is the next keyframe. */
  requestKeyframe(kind: 'pli' | 'fir'): void {
    if (kind === 'pli') this.counters.pliReceived++
    else this.counters.firReceived++
    if (this.counters.events) logVideoFeedback(this.counters.events, kind === 'pli' ? 'pli-received' : 'fir-received', this.#now())
    this.#keyframeRequested = true
    if (this.#requests.length < MAX_SENT_FRAMES) this.#requests.push({ kind, atMs: this.#now(), framesSentBefore: this.#sent.length })
  }

  /**
   * Every PLI/FIR received, with how many frames were listed as sent before it: `sentFrames()[framesSentBefore]`
   * is the frame that answered it (the next keyframe).
   */
  keyframeRequests(): readonly KeyframeRequest[] {
    return this.#requests
  }

  /** A NACK arrived (werift retransmits from its history). */
  nackReceived(): void {
    this.counters.nackReceived++
  }

  /** Starts sending (frame 0 now). Idempotent. */
  start(): void {
    if (this.#running || this.#stopped) return
    this.#running = true
    this.#startMs = this.#now()
    this.#tick()
  }

  /** Stops sending. Idempotent. */
  stop(): void {
    this.#stopped = true
    this.#running = false
    if (this.#timer) clearTimeout(this.#timer)
    this.#timer = undefined
    this.#finish()
  }

  #finish(): void {
    if (this.#ended) return
    this.#ended = true
    this.#resolveEnded()
  }

  #tick = (): void => {
    this.#timer = undefined
    if (!this.#running) return
    let burst = 0
    while (this.#running && this.#startMs + this.#mediaMs <= this.#now()) {
      if (++burst > MAX_BURST) {
        // The process stalled for many frames: send from now on, not all the backlog at once.
        this.#startMs = this.#now() - this.#mediaMs
        break
      }
      this.#sendNext()
    }
    if (!this.#running) return
    this.#timer = setTimeout(this.#tick, Math.max(0, this.#startMs + this.#mediaMs - this.#now()))
  }

  /** Sends the frame at the cursor (due now), then moves the cursor and the media time to the next frame. */
  #sendNext(): void {
    const frames = this.#video.frames
    if (this.#keyframeRequested) {
      this.#keyframeRequested = false
      const next = this.#nextKeyframe(this.#cursor)
      if (next !== undefined) {
        if (next < this.#cursor) this.counters.loops++
        this.#cursor = next
        this.counters.keyframesOnRequest++
      }
    }
    const frame = frames[this.#cursor]
    if (!frame) return
    const dueMs = this.#startMs + this.#mediaMs
    const now = this.#now()
    if (now - dueMs > this.#frameMs) this.counters.lateFrames++
    const ts = (this.#timestampBase + Math.round((this.#mediaMs * VIDEO_RTP_CLOCK) / 1000)) >>> 0
    if (this.#transport.canSend?.() !== false) {
      const packets = this.#packetize(Buffer.from(frame.data.buffer, frame.data.byteOffset, frame.data.byteLength), ts)
      for (const p of packets) {
        this.#transport.send(p)
        this.counters.packetsSent++
        this.counters.bytesSent += p.payload.length
      }
      this.#firstPacketAtMs ??= now
      this.counters.framesSent++
      if (frame.keyframe) {
        this.counters.keyframesSent++
        if (this.counters.events) logVideoFeedback(this.counters.events, 'keyframe-sent', now)
      }
      if (this.#sent.length < MAX_SENT_FRAMES) this.#sent.push({ index: frame.index, rtpTimestamp: ts, sentAtMs: now, keyframe: frame.keyframe })
    }
    this.#cursor++
    if (this.#cursor >= frames.length) {
      if (!this.#loop) {
        this.#running = false
        this.#finish()
        this.#onEnded?.()
        return
      }
      this.#cursor = 0
      this.counters.loops++
    }
    // Media time steps by the stream's own frame intervals; across the loop (or a non-increasing time) by one
    // nominal interval. A keyframe jump keeps the schedule: the keyframe goes out when the next frame was due.
    const next = frames[this.#cursor] as (typeof frames)[number]
    const step = next.timestampMs > frame.timestampMs ? next.timestampMs - frame.timestampMs : this.#frameMs
    this.#mediaMs += step
  }

  /** The first keyframe at or after `from` (wrapping when looping). */
  #nextKeyframe(from: number): number | undefined {
    const frames = this.#video.frames
    for (let i = from; i < frames.length; i++) if (frames[i]?.keyframe) return i
    if (this.#loop) for (let i = 0; i < from; i++) if (frames[i]?.keyframe) return i
    return undefined
  }
}
