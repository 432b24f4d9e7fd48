/**
 * The shared `InboundTrack` implementation: statistics, receive hooks, waits, the in-memory packet
 * capture behind recordings/pcaps, and RFC 4733 digit reassembly, for any peer kind.
 */
import { TimeoutError } from '../errors.ts'
import { RtpReceiveStats } from '../rtp/stats.ts'
import { collectDtmf } from '../rtp/telephone-event.ts'
import { renderRtpAudio, type RenderRtpAudioStats } from '../media/rtp-recorder.ts'
import type { AudioRecording, DetectedDigit } from '../media/types.ts'
import { VideoFrameAssembler } from '../media/video/frame-assembler.ts'
import type { VideoCodecName, VideoFrameArrival } from '../media/video/types.ts'
import { findAudioCodec, isTelephoneEvent } from './codecs.ts'
import type { CodecInfo, InboundTrack, InboundVideoSummary, MediaKind, ReceivedRtp, VideoReceiveCounters } from './types.ts'
import { type Stall, type StallWatch, watchProcessStalls } from '../media/process-stalls.ts'

/**
 * Packets an inbound track keeps for its recording and pcap: 90 000 (30 minutes of 20 ms audio, a few MB).
 * Later packets still count in the statistics but are not recorded (`recordingStats().capped`).
 */
export const MAX_CAPTURED_PACKETS = 90_000
/**
 * Packets a video track keeps for its recording and pcap: 30 000 (up to about 36 MB of 1200-byte payloads; 10
 * minutes at 50 packets/s). Frames are still assembled from every packet (`videoFrames()`); only the recording stops.
 */
export const MAX_CAPTURED_VIDEO_PACKETS = 30_000

export interface InboundTrackInit {
  kind: MediaKind
  mid: string | undefined
  peerName: string
  clockRate: number
  /** Maps a payload type to the negotiated codec. */
  codecOf: (payloadType: number) => CodecInfo | undefined
  /** Ask for the recording to be saved when the call ends (peer option `record`). */
  record?: boolean
  /** Packets kept for the recording/pcap. Default `MAX_CAPTURED_PACKETS` (video: `MAX_CAPTURED_VIDEO_PACKETS`); 0 keeps none. */
  maxCapturedPackets?: number
  /** Video tracks: called when packets are missing (a sequence gap from `firstMissing` on), e.g. to ask for a keyframe. */
  onVideoGap?: (missing: number, firstMissing: number) => void
  /**
   * When the receiving peer joined the session (its first offer or answer), ms on the performance clock of the
   * packets' `arrivalMs`: the time to first frame counts from here, so a sender slow to start is not hidden.
   */
  joinedAtMs?: number
}

/** The video codec an RTP encoding name stands for, when rtcspec assembles its frames. */
export function videoCodecName(encoding: string | undefined): VideoCodecName | undefined {
  const e = encoding?.toUpperCase()
  return e === 'VP8' ? 'VP8' : e === 'H264' ? 'H264' : undefined
}

export class InboundTrackImpl implements InboundTrack {
  readonly kind: MediaKind
  readonly mid: string | undefined
  readonly peerName: string
  readonly rtp: RtpReceiveStats
  /** When the receiving peer joined the session (its first offer or answer), ms on the packets' performance clock. */
  readonly joinedAtMs: number | undefined
  codec: CodecInfo | undefined
  readonly #codecOf: (pt: number) => CodecInfo | undefined
  readonly #listeners = new Set<(p: ReceivedRtp) => void>()
  readonly #waiters = new Set<{ count: number; resolve: () => void }>()
  readonly #captured: ReceivedRtp[] = []
  readonly #maxCaptured: number
  #capped = 0
  #count = 0
  #ended = false
  #recordRequested: boolean
  #saved: { wavPath?: string; pcapPath?: string } = {}
  #lastRender: RenderRtpAudioStats | undefined
  /** The last rendered audio and how many captured packets it covered (a render is reused until more arrive). */
  #cache: { packets: number; sampleRate: number; samples: Int16Array } | undefined
  /** Video tracks: the frames assembled from the packets (VP8, H.264), and the feedback the receiver sent. */
  readonly #video: VideoFrameAssembler | undefined
  readonly #videoWaiters = new Set<{ count: number; resolve: () => void }>()
  #completeFrames = 0
  /** Keyframe requests and NACKs sent for this track; the peer implementation counts them here. */
  readonly videoCounters: VideoReceiveCounters = { pliSent: 0, firSent: 0, nackSent: 0 }
  /** Video tracks: this process's stalls while the track is open (the analysis sets apart the freezes they explain). */
  readonly #stalls: StallWatch | undefined

  constructor(init: InboundTrackInit) {
    this.kind = init.kind
    this.mid = init.mid
    this.peerName = init.peerName
    this.joinedAtMs = init.joinedAtMs
    this.#codecOf = init.codecOf
    this.#recordRequested = init.record === true
    this.#maxCaptured = init.maxCapturedPackets ?? (init.kind === 'video' ? MAX_CAPTURED_VIDEO_PACKETS : MAX_CAPTURED_PACKETS)
    this.rtp = new RtpReceiveStats({ clockRate: init.clockRate })
    this.#video = init.kind === 'video' ? new VideoFrameAssembler(init.onVideoGap ? { onGap: init.onVideoGap } : {}) : undefined
    this.#stalls = init.kind === 'video' ? watchProcessStalls() : undefined
  }

  /** Number of packets received so far (duplicates included). */
  get packetCount(): number {
    return this.#count
  }

  /** Feeds one received packet (called by the peer implementation). */
  push(packet: ReceivedRtp): void {
    if (this.#ended) return
    const event = isTelephoneEvent(this.#codecOf(packet.payloadType)?.encoding)
    if (!event && (this.codec === undefined || this.codec.payloadType !== packet.payloadType)) {
      // telephone-event packets share the stream but are not its codec
      this.codec = this.#codecOf(packet.payloadType) ?? this.codec
    }
    if (this.#captured.length < this.#maxCaptured) this.#captured.push(packet)
    else this.#capped++
    this.rtp.onPacket(
      {
        sequenceNumber: packet.sequenceNumber,
        timestamp: packet.timestamp,
        ssrc: packet.ssrc,
        payloadType: packet.payloadType,
        marker: packet.marker,
        payloadBytes: packet.payload.length,
        // RFC 4733 events repeat their start timestamp: keep them out of the jitter
        ...(event ? { excludeFromJitter: true } : {}),
      },
      packet.arrivalMs,
    )
    this.#count++
    if (this.#video) this.#pushVideo(packet)
    for (const l of this.#listeners) l(packet)
    for (const w of this.#waiters) {
      if (this.#count >= w.count) {
        this.#waiters.delete(w)
        w.resolve()
      }
    }
  }

  #pushVideo(packet: ReceivedRtp): void {
    const codec = videoCodecName(this.#codecOf(packet.payloadType)?.encoding)
    if (!codec || !this.#video) return
    this.#video.push(packet, codec)
    // Any packet may complete a frame (a retransmission fills a hole): count complete frames while someone waits.
    if (this.#videoWaiters.size === 0) return
    this.#completeFrames = this.#video.frames().filter((f) => f.complete).length
    for (const w of this.#videoWaiters) {
      if (this.#completeFrames >= w.count) {
        this.#videoWaiters.delete(w)
        w.resolve()
      }
    }
  }

  /** Video tracks: every frame assembled from the packets so far (see `InboundTrack.videoFrames`). */
  videoFrames(): VideoFrameArrival[] {
    return this.#video?.frames() ?? []
  }

  /**
   * Video tracks: the spans, while the track was open, in which this process — which reads and timestamps the
   * packets — did not run (see `watchProcessStalls`).
   */
  ownStalls(): readonly Stall[] {
    return this.#stalls?.stalls() ?? []
  }

  /** Video tracks: whether the packet with this extended sequence number arrived (see `VideoFrameAssembler.received`). */
  videoPacketReceived(seq: number): boolean {
    return this.#video?.received(seq) ?? false
  }

  /** Video tracks: the assembler's counters (packets, duplicates, late, malformed, gaps). */
  videoAssemblyStats(): VideoFrameAssembler['stats'] | undefined {
    return this.#video ? { ...this.#video.stats } : undefined
  }

  /** Video tracks: the keyframe requests and NACKs the receiver sent. */
  videoFeedback(): VideoReceiveCounters {
    return { ...this.videoCounters }
  }

  /** Video tracks: frames, complete frames, keyframes, latest size and the feedback sent, for stats. */
  videoSummary(): InboundVideoSummary | undefined {
    if (!this.#video) return undefined
    const frames = this.#video.frames()
    const sized = frames.findLast((f) => f.width !== undefined)
    return {
      frames: frames.length,
      completeFrames: frames.filter((f) => f.complete).length,
      keyframes: frames.filter((f) => f.keyframe).length,
      ...(sized ? { width: sized.width, height: sized.height } : {}),
      ...this.videoCounters,
    }
  }

  /** Video tracks: resolves once `count` complete frames arrived. */
  waitForVideoFrames(count: number, timeoutMs: number): Promise<void> {
    const complete = () => this.videoFrames().filter((f) => f.complete).length
    if (complete() >= count) return Promise.resolve()
    return new Promise<void>((resolve, reject) => {
      const waiter = {
        count,
        resolve: () => {
          clearTimeout(timer)
          resolve()
        },
      }
      const timer = setTimeout(() => {
        this.#videoWaiters.delete(waiter)
        const frames = this.videoFrames()
        reject(
          new TimeoutError(
            `${count} complete video frames on ${this.peerName}'s inbound ${this.kind} track (got ${frames.filter((f) => f.complete).length} complete of ${frames.length} frames, ${this.#count} packets)`,
            timeoutMs,
          ),
        )
      }, timeoutMs)
      this.#videoWaiters.add(waiter)
    })
  }

  /** Stops accepting packets (the peer closed). */
  end(): void {
    this.#ended = true
    this.#listeners.clear()
    this.#stalls?.stop()
  }

  get recordRequested(): boolean {
    return this.#recordRequested
  }

  record(): void {
    this.#recordRequested = true
  }

  /** Where the recording was saved (set by `saveTrackRecording`). */
  markSaved(paths: { wavPath?: string; pcapPath?: string }): void {
    this.#saved = { ...this.#saved, ...paths }
  }

  /** A label for files and messages, e.g. `bob audio in (mid 0, PCMU)`. */
  get label(): string {
    const parts = [this.mid !== undefined ? `mid ${this.mid}` : undefined, this.codec?.encoding].filter(Boolean)
    return `${this.peerName} ${this.kind} in${parts.length ? ` (${parts.join(', ')})` : ''}`
  }

  packets(): ReadonlyArray<ReceivedRtp> {
    return this.#captured
  }

  recording(): AudioRecording {
    const cached = this.#cache
    if (cached && cached.packets === this.#captured.length) {
      return { label: this.label, sampleRate: cached.sampleRate, samples: cached.samples, ...this.#saved }
    }
    const rendered = renderRtpAudio(this.#captured, {
      decoderFor: (pt) => {
        const c = this.#codecOf(pt)
        if (!c || isTelephoneEvent(c.encoding)) return undefined
        return findAudioCodec(c.encoding)?.createDecoder()
      },
      defaultSampleRate: this.codec ? (findAudioCodec(this.codec.encoding)?.sampleRate ?? 8000) : 8000,
    })
    this.#lastRender = rendered.stats
    this.#cache = { packets: this.#captured.length, sampleRate: rendered.sampleRate, samples: rendered.samples }
    return { label: this.label, sampleRate: rendered.sampleRate, samples: rendered.samples, ...this.#saved }
  }

  /** What the last `recording()` decoded, and how many packets were not kept because of the capture limit. */
  recordingStats(): (RenderRtpAudioStats & { capped: number }) | undefined {
    return this.#lastRender ? { ...this.#lastRender, capped: this.#capped } : undefined
  }

  dtmf(): DetectedDigit[] {
    const first = this.#captured[0]
    if (!first) return []
    const events = this.#captured.filter((p) => p.ssrc === first.ssrc && isTelephoneEvent(this.#codecOf(p.payloadType)?.encoding))
    const te = events[0] && this.#codecOf(events[0].payloadType)
    if (!te) return []
    return collectDtmf(events, { clockRate: te.clockRate, baseTimestamp: first.timestamp })
  }

  onRtp(listener: (packet: ReceivedRtp) => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  waitForPackets(count: number, timeoutMs: number): Promise<void> {
    if (this.#count >= count) return Promise.resolve()
    return new Promise<void>((resolve, reject) => {
      const waiter = {
        count,
        resolve: () => {
          clearTimeout(timer)
          resolve()
        },
      }
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter)
        reject(new TimeoutError(`${count} RTP packets on ${this.peerName}'s inbound ${this.kind} track (got ${this.#count})`, timeoutMs))
      }, timeoutMs)
      this.#waiters.add(waiter)
    })
  }
}
