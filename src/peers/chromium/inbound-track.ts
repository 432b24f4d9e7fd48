/**
 * The inbound track of a Chromium peer. A page cannot hand out the RTP packets it receives, so:
 * - `rtp` is a {@link BrowserRtpStats}: its snapshots are the browser's own getStats counters
 *   (`packetsReceived`, `packetsLost`, `jitter`, `bytesReceived`), refreshed by the peer's polling — not RFC 3550
 *   statistics computed by rtcspec from packets (`statsOrigin` says `'browser'`);
 * - the recording is the decoded audio as the page heard it (WebAudio, 48 kHz), streamed to Node while the
 *   call runs, so `recording()` works synchronously and every audio analysis applies;
 * - `onRtp` and `packets()` cannot see packets: `onRtp` throws, `packets()` is empty;
 * - a video track is rendered in a `<video>` element: `renderedFrames()` lists every rendered frame with the
 *   frame code read from its pixels, `videoCounters` and `videoTimeline()` are the browser's frame counters.
 */
import { RtcspecError, TimeoutError } from '../../errors.ts'
import { RtpReceiveStats } from '../../rtp/stats.ts'
import type { RtpIntervalReport, RtpPacketInfo, RtpStatsSnapshot, RtpTimelineBucket } from '../../rtp/stats-types.ts'
import type { AudioRecording, DetectedDigit } from '../../media/types.ts'
import type { CodecInfo, InboundTrack, MediaKind, NativeVideoInboundStats, PageVideoRecording, ReceivedRtp, VideoTimelineBucket } from '../types.ts'
import { countWebmBlocks } from './webm-blocks.ts'
import type { RenderedVideoFrame } from '../../media/video/types.ts'
import { RenderedFrameLog, type RenderedBatchSchema } from './rendered-frames.ts'
import { VideoCounterTimeline } from './video-timeline.ts'
import type { z } from 'zod'
import { snapshotFromBrowser, type BrowserInbound, type ObservedTiming } from './stats.ts'
import { arrivalGapBounds, type ArrivalGapBounds, type ArrivalSample } from './arrival-gap.ts'
import { CounterTimeline } from './counter-timeline.ts'

/** Receive statistics backed by a browser's getStats counters (see {@link snapshotFromBrowser}). */
export class BrowserRtpStats extends RtpReceiveStats {
  /** Where the figures come from: the browser's getStats, not rtcspec's packet analysis. */
  readonly origin = 'browser-getstats' as const
  #native: BrowserInbound | undefined
  readonly #timing: ObservedTiming = { firstSeenMs: undefined, lastGrowthMs: undefined }
  readonly #timeline = new CounterTimeline()
  readonly #videoTimeline = new VideoCounterTimeline()

  /** Takes the browser's latest counters for this stream (called by the peer's polling). */
  update(native: BrowserInbound, nowMs: number): void {
    const before = this.#native?.packetsReceived ?? 0
    if (native.packetsReceived > 0 && this.#timing.firstSeenMs === undefined) this.#timing.firstSeenMs = nowMs
    if (native.packetsReceived > before) this.#timing.lastGrowthMs = nowMs
    this.#native = native
    this.#timeline.add(native, nowMs)
    if (native.video) this.#videoTimeline.add(native.video, nowMs)
  }

  /** Per-second buckets of the browser's video frame counters (video streams; empty for audio). */
  videoTimeline(): VideoTimelineBucket[] {
    return this.#videoTimeline.buckets()
  }

  /** The browser's latest raw counters for this stream. */
  get native(): BrowserInbound | undefined {
    return this.#native
  }

  /** Browser peers cannot feed packets: always throws. */
  override onPacket(_p: RtpPacketInfo, _arrivalMs: number): void {
    throw new RtcspecError('NOT_SUPPORTED', "BrowserRtpStats takes the browser's getStats counters, not packets")
  }

  override snapshot(): RtpStatsSnapshot {
    return snapshotFromBrowser(this.#native, this.clockRate, this.#timing)
  }

  override snapshots(): RtpStatsSnapshot[] {
    return this.#native ? [this.snapshot()] : []
  }

  override snapshotOf(ssrc: number): RtpStatsSnapshot | undefined {
    return this.#native?.ssrc === ssrc ? this.snapshot() : undefined
  }

  override ssrcs(): number[] {
    return this.#native ? [this.#native.ssrc] : []
  }

  /** Not available from a browser (no interval state): undefined. */
  override intervalReport(_ssrc?: number): RtpIntervalReport | undefined {
    return undefined
  }

  /**
   * Per-second buckets of what the browser's counters grew by between polls (see {@link CounterTimeline}): a
   * packet is counted at most one poll interval after it arrived. Lost and jitter are the browser's figures.
   */
  override timeline(ssrc?: number): RtpTimelineBucket[] {
    return ssrc === undefined || ssrc === this.#native?.ssrc ? this.#timeline.buckets() : []
  }
}

/** What a {@link ChromiumInboundTrack} needs from its peer. */
export interface ChromiumInboundTrackInit {
  kind: MediaKind
  mid: string | undefined
  peerName: string
  /** Index of the track in the page (order of arrival). */
  index: number
  /** When the page saw the track arrive, its wall clock, ms. */
  arrivedAtMs?: number
  /** Sample rate of the page's recording (its AudioContext), Hz. */
  sampleRate: number
  /** Recording cap, samples. */
  maxSamples: number
  /** Most rendered frames kept (video tracks). Default 18 000 (10 min at 30 fps). */
  maxRenderedFrames?: number
  /** Asks the peer for fresh counters (one getStats round trip). */
  refresh: () => Promise<void>
  /** Poll interval of `waitForPackets`, ms. */
  pollIntervalMs: number
  /** The page's recorder of this (video) track: starts it from now, and has it hand over what it holds. */
  videoRecorder?: {
    start(): Promise<boolean>
    flush(): Promise<void>
  }
  /** The page's arrival sampler (see {@link ChromiumInboundTrack.watchArrivalGap}). */
  arrivals?: {
    start(intervalMs: number, maxMs: number): Promise<void>
    /** Stops sampling once a sample shows `minPackets` received (or after `waitMs`) and returns the samples. */
    take(minPackets: number, waitMs: number): Promise<Array<ArrivalSample & { mid: string | null }>>
  }
}

/** A running measurement of the longest interval without RTP on a browser track. */
export interface ArrivalGapWatch {
  /**
   * Stops sampling and bounds the longest interval between two packets since the watch started. The samples
   * first catch up with the packets counted so far (`rtp.snapshot().received`, at most 2 s), so the bounds cover them.
   */
  stop(): Promise<ArrivalGapBounds>
}

/** An inbound track of a Chromium peer (see the module doc for what differs from werift's). */
export class ChromiumInboundTrack implements InboundTrack {
  readonly kind: MediaKind
  readonly mid: string | undefined
  readonly peerName: string
  readonly index: number
  readonly rtp: BrowserRtpStats
  /** The figures in `rtp` are the browser's getStats counters. */
  readonly statsOrigin = 'browser' as const
  readonly #init: ChromiumInboundTrackInit
  #chunks: Int16Array[] = []
  #samples = 0
  #dropped = 0
  #recordRequested = false
  #webm: { chunks: Uint8Array[]; bytes: number; mimeType: string | undefined; droppedBytes: number } = {
    chunks: [],
    bytes: 0,
    mimeType: undefined,
    droppedBytes: 0,
  }
  #ended = false
  readonly #rendered: RenderedFrameLog

  constructor(init: ChromiumInboundTrackInit) {
    this.#init = init
    this.kind = init.kind
    this.mid = init.mid
    this.peerName = init.peerName
    this.index = init.index
    this.rtp = new BrowserRtpStats({ clockRate: init.kind === 'audio' ? 48000 : 90000 })
    this.#rendered = new RenderedFrameLog(init.maxRenderedFrames ?? 18_000)
  }

  /**
   * When the page saw this track arrive (its `track` event), ms on the page's wall clock: the clock of
   * `renderedFrames()`, so the first rendered frame's `presentedAtMs` minus this is the time to first frame.
   */
  get joinedAtMs(): number | undefined {
    return this.#init.arrivedAtMs
  }

  /** Appends rendered frames that came from the page (video tracks). */
  appendRendered(batch: z.infer<typeof RenderedBatchSchema>): void {
    if (!this.#ended) this.#rendered.add(batch)
  }

  /**
   * The frames the page rendered from this track, in order, with the frame code read from its pixels (`code`
   * absent when none could be read: not a pattern, or a picture too damaged to read with confidence). Empty for
   * audio tracks. The latest `maxRenderedFrames` (default 18 000: the last 10 min at 30 fps) are kept;
   * `renderedFramesDropped` counts the older ones let go, `firstRenderedFrame` keeps the first.
   */
  renderedFrames(): readonly RenderedVideoFrame[] {
    return this.#rendered.frames
  }

  /** Rendered frames no longer kept (the oldest past the cap). */
  get renderedFramesDropped(): number {
    return this.#rendered.dropped
  }

  /**
   * Rendered frames recorded without a code because a newer frame had replaced the picture before the page read it
   * (a busy page), or the element had no picture to hand out: so a code always names the frame whose presentation
   * times it is recorded with.
   */
  get renderedFramesReplaced(): number {
    return this.#rendered.replaced
  }

  /** The first frame rendered from this track, kept even once it is no longer in `renderedFrames()`. */
  get firstRenderedFrame(): RenderedVideoFrame | undefined {
    return this.#rendered.first
  }

  /** The browser's latest video receive counters (video tracks, once a poll saw them). */
  get videoCounters(): NativeVideoInboundStats | undefined {
    return this.rtp.native?.video
  }

  /** Per-second buckets of the browser's frame counters (see {@link BrowserRtpStats.videoTimeline}). */
  videoTimeline(): VideoTimelineBucket[] {
    return this.rtp.videoTimeline()
  }

  /**
   * Resolves with the rendered frames once `done(frames)` holds (checked after each poll); rejects with a
   * TimeoutError naming `what` and the frames seen otherwise.
   */
  async waitForRendered(what: string, done: (frames: readonly RenderedVideoFrame[]) => boolean, timeoutMs: number): Promise<readonly RenderedVideoFrame[]> {
    const deadline = performance.now() + timeoutMs
    for (let i = 0; i < 100_000; i++) {
      if (!this.#ended) await this.#init.refresh()
      if (done(this.#rendered.frames)) return this.#rendered.frames
      const left = deadline - performance.now()
      if (left <= 0 || this.#ended) break
      await new Promise((r) => setTimeout(r, Math.min(this.#init.pollIntervalMs, left)))
    }
    const frames = this.#rendered.frames
    const coded = frames.filter((f) => f.code).length
    throw new TimeoutError(`${what} on ${this.peerName}'s inbound video track (rendered frames: ${frames.length}, with a readable code: ${coded})`, timeoutMs)
  }

  /** The negotiated codec, as the browser's stats name it. */
  get codec(): CodecInfo | undefined {
    return this.rtp.native?.codec
  }

  /** Appends recorded PCM that came from the page. */
  appendAudio(pcm: Int16Array, droppedInPage: number): void {
    if (this.#ended) return
    if (pcm.length > 0) {
      const room = this.#init.maxSamples - this.#samples
      if (room <= 0) this.#dropped += pcm.length
      else {
        const keep = pcm.length > room ? pcm.subarray(0, room) : pcm
        this.#chunks.push(keep)
        this.#samples += keep.length
        this.#dropped += pcm.length - keep.length
      }
    }
    this.#dropped = Math.max(this.#dropped, droppedInPage)
  }

  /** Samples recorded so far. */
  get recordedSamples(): number {
    return this.#samples
  }

  /** Samples not kept because the recording cap was reached. */
  get droppedSamples(): number {
    return this.#dropped
  }

  /** Stops taking audio and counters (the peer closed). */
  end(): void {
    this.#ended = true
  }

  /**
   * Starts sampling the browser's packetsReceived / lastPacketReceivedTimestamp for this stream every
   * `intervalMs` (default 10; Chromium refreshes its stats about every 50 ms) for at most `maxMs` (default 30 s).
   * `stop()` returns bounds of the longest interval without RTP since then (see src/peers/chromium/arrival-gap.ts).
   * One watch per peer at a time: a new one restarts the page's sampler.
   */
  async watchArrivalGap(options: { intervalMs?: number; maxMs?: number } = {}): Promise<ArrivalGapWatch> {
    const arrivals = this.#init.arrivals
    if (!arrivals) throw new RtcspecError('NOT_SUPPORTED', `${this.peerName}'s inbound ${this.kind} track has no arrival sampler`)
    await arrivals.start(options.intervalMs ?? 10, options.maxMs ?? 30_000)
    return {
      stop: async () => {
        const samples = await arrivals.take(this.rtp.snapshot().received, 2000)
        return arrivalGapBounds(samples.filter((x) => this.mid === undefined || x.mid === null || x.mid === this.mid))
      },
    }
  }

  /** A page cannot hand out received RTP packets: always throws with what to use instead. */
  onRtp(_listener: (packet: ReceivedRtp) => void): () => void {
    throw new RtcspecError('NOT_SUPPORTED', `${this.peerName} is a Chromium peer: its received RTP packets are not visible to rtcspec`, {
      hint: "use track.rtp (the browser's getStats counters) or track.recording(); use a werift peer to inspect packets",
    })
  }

  async waitForPackets(count: number, timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs
    for (let i = 0; i < 100_000; i++) {
      if (!this.#ended) await this.#init.refresh()
      if (this.rtp.snapshot().received >= count) return
      const left = deadline - performance.now()
      if (left <= 0 || this.#ended) break
      await new Promise((r) => setTimeout(r, Math.min(this.#init.pollIntervalMs, left)))
    }
    throw new TimeoutError(
      `${count} RTP packets on ${this.peerName}'s inbound ${this.kind} track (browser getStats packetsReceived: ${this.rtp.snapshot().received})`,
      timeoutMs,
    )
  }

  /** The audio the page decoded so far (48 kHz mono PCM16), from the moment the track arrived. */
  recording(): AudioRecording {
    const samples = new Int16Array(this.#samples)
    let off = 0
    for (const c of this.#chunks) {
      samples.set(c, off)
      off += c.length
    }
    if (this.#chunks.length > 1) this.#chunks = [samples]
    const codec = this.codec ? `, ${this.codec.encoding}` : ''
    return { sampleRate: this.#init.sampleRate, samples, label: `${this.peerName} ${this.kind} in (mid ${this.mid ?? '?'}${codec}, recorded in Chromium)` }
  }

  /**
   * Asks for this track to be saved when the call ends. A video track is recorded in the page (MediaRecorder,
   * WebM) from now on; with the peer option `record: true` it is recorded from its first frame.
   */
  record(): void {
    if (this.kind === 'video' && !this.#recordRequested && !this.#ended) {
      void this.#init.videoRecorder?.start().catch(() => undefined)
    }
    this.#recordRequested = true
  }

  /** Appends recorded WebM bytes that came from the page (video tracks). */
  appendVideoRecording(bytes: Uint8Array, mimeType: string, droppedBytes: number): void {
    this.#webm.mimeType = mimeType
    this.#webm.droppedBytes = droppedBytes
    if (bytes.length === 0) return
    this.#webm.chunks.push(bytes)
    this.#webm.bytes += bytes.length
  }

  /**
   * The WebM the page recorded from this video track so far (MediaRecorder: the browser re-encodes the pictures it
   * decoded, VP8 or VP9), or undefined when it was not recorded. At most 64 MiB are kept: `droppedBytes` counts the
   * rest. {@link flushVideoRecording} first to include what the page's recorder still holds.
   */
  videoRecording(): { bytes: Uint8Array; mimeType: string; droppedBytes: number } | undefined {
    const w = this.#webm
    if (w.mimeType === undefined) return undefined
    const bytes = new Uint8Array(w.bytes)
    let off = 0
    for (const c of w.chunks) {
      bytes.set(c, off)
      off += c.length
    }
    if (w.chunks.length > 1) w.chunks = [bytes]
    return { bytes, mimeType: w.mimeType, droppedBytes: w.droppedBytes }
  }

  /** Has the page's recorder hand over what it holds, and takes it (no-op once the peer is closed). */
  async flushVideoRecording(): Promise<void> {
    if (this.kind !== 'video' || this.#ended) return
    await this.#init.videoRecorder?.flush().catch(() => undefined)
  }

  /** The page's WebM of this video track, flushed first (see {@link videoRecording}); undefined when not recorded. */
  async takePageVideoRecording(): Promise<PageVideoRecording | undefined> {
    await this.flushVideoRecording()
    const rec = this.videoRecording()
    if (!rec) return undefined
    const rendered = this.renderedFrames()
    const first = this.firstRenderedFrame ?? rendered[0]
    const last = rendered.at(-1)
    return {
      format: 'webm',
      bytes: rec.bytes,
      mimeType: rec.mimeType,
      frames: countWebmBlocks(rec.bytes),
      durationMs: first && last ? Math.max(0, last.presentedAtMs - first.presentedAtMs) : 0,
      droppedBytes: rec.droppedBytes,
    }
  }

  get recordRequested(): boolean {
    return this.#recordRequested
  }

  /** The browser does not expose received telephone-events: always empty (analyse the recording in-band instead). */
  dtmf(): DetectedDigit[] {
    return []
  }

  /** The browser does not expose received packets: always empty. */
  packets(): ReadonlyArray<ReceivedRtp> {
    return []
  }
}
