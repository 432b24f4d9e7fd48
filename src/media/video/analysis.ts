/**
 * Frame-accurate analysis of a received video stream: what arrived (`VideoFrameArrival`s, one per RTP timestamp, as
 * every receiver assembles them) against what was sent — exactly, from the sender's ground truth when it is known
 * (`SentVideoFrame`s), or estimated from RTP timestamp gaps at the nominal frame interval when it is not.
 *
 * Definitions (each figure of `VideoAnalysis` follows one of these):
 * - **received**: frames assembled complete (every packet from the codec's start packet to the marker packet);
 * - **lost**: frames sent but never assembled complete. With truth, exactly the sent frames without a complete
 *   arrival; without it, the frames missing between received RTP timestamps (each gap of d ticks hides
 *   round(d / interval) − 1 frames) plus the incomplete ones. Frames sent before `joinedAtMs`, and sent frames
 *   after the last received one (still in flight, or the stream stopped: see `notArrived`), are not counted lost;
 * - **decodable**: a complete keyframe, or a complete delta frame whose every predecessor since the last keyframe
 *   was decodable (each delta frame references the one before it, as single-layer VP8 and H.264 do): the frames a
 *   decoder would show. Freezes, achieved fps and the first frame are measured on these;
 * - **render time** of a decodable frame: when its last packet arrived, and never before the previous frame's
 *   (frames are shown in order);
 * - **late**: a complete frame that arrived more than `playoutDeadlineMs` after it should have: after its send time
 *   with truth on the same clock, otherwise after the least-delayed frame's schedule (arrival − RTP time);
 * - **freezes**: the WebRTC-stats definition on render times (`freezes.ts`);
 * - **delay**: arrival time − capture time from the frame code read in the picture (`code.captureMs` moved onto the
 *   receiver's clock by `captureClockOffsetMs`), or arrival − send time from the truth when no frame has a code.
 *
 * Pure: reads arrays, returns a JSON-safe summary.
 *
 * @module
 */
import type { Stall } from '../process-stalls.ts'
import { detectFreezes, type FreezeSummary, setApartOwnStalls } from './freezes.ts'
import type { RenderedVideoFrame, VideoFrameArrival } from './types.ts'

/** RTP clock rate of every video codec rtcspec handles (RFC 7741, RFC 6184). */
export const VIDEO_CLOCK_RATE = 90_000

/** One frame as its sender sent it: the ground truth the analysis compares arrivals with. */
export interface SentVideoFrame {
  /** Frame index from the source's first frame (the frame code's index for pattern sources). */
  readonly index: number
  /** RTP timestamp the sender gave the frame's packets. */
  readonly rtpTimestamp: number
  /** When its first packet left, ms on the sender's performance clock. */
  readonly sentAtMs: number
  /** Whether the sender sent it as a keyframe. */
  readonly keyframe?: boolean
}

/** What the analysis needs besides the arrivals. */
export interface VideoAnalysisOptions {
  /** Nominal frame rate of the stream (frames per second). */
  readonly fps: number
  /** The sender's ground truth, when known (same SSRC): lost frames are then exact. */
  readonly sent?: readonly SentVideoFrame[]
  /**
   * When the receiver started listening (ms, receiver clock): the start of time-to-first-frame and of the
   * per-second bins; sent frames before it are not expected. Default: the first packet's arrival.
   */
  readonly joinedAtMs?: number
  /** A complete frame arriving later than this after its due time counts as late (see the module notes). */
  readonly playoutDeadlineMs?: number
  /**
   * Receiver clock − capture clock, ms: added to a frame code's `captureMs` to place it on the receiver's clock.
   * 0 when both sides read the same `performance` clock (werift peers in one process; see docs/video.md).
   */
  readonly captureClockOffsetMs?: number
  /**
   * The arrivals are frames a player decoded and showed (`renderedAsArrivals`): each is decodable whatever came
   * before it, and keyframes are not known (counted 0).
   */
  readonly decoded?: boolean
  /**
   * Spans in which the process that timestamped the arrivals did not run (`watchProcessStalls`): freezes it explains
   * are set apart (`freezes.duringOwnStalls`), not counted. Only for arrivals this process read itself.
   */
  readonly ownStalls?: readonly Stall[]
}

/** One picture-size change. */
export interface ResolutionChange {
  /** Render time of the first frame with this size, ms (receiver clock). */
  readonly atMs: number
  readonly width: number
  readonly height: number
}

/** Per-second figures, from `startMs`. */
export interface VideoSecond {
  /** Seconds from `startMs` to the start of this bin. */
  readonly second: number
  /** Decodable frames rendered in this second. */
  readonly fps: number
  /** Payload bit rate of the frames that completed in this second, kbit/s. */
  readonly kbps: number
}

/** Delay distribution, ms. */
export interface VideoDelay {
  /** `code`: arrival − capture time read from the picture; `sent`: arrival − the sender's send time (truth). */
  readonly basis: 'code' | 'sent'
  /** Frames measured. */
  readonly frames: number
  readonly minMs: number
  readonly p50Ms: number
  readonly p95Ms: number
  readonly maxMs: number
}

/** The analysis of one received video stream: every figure the matchers, gates and reports read. */
export interface VideoAnalysis {
  /** Nominal frame rate given. */
  readonly nominalFps: number
  /**
   * Whether `lost` is exact (sender's truth), exact from frame-code indices (a player's decoded frames), or estimated
   * from RTP timestamp gaps.
   */
  readonly lossBasis: 'truth' | 'frame-codes' | 'rtp-timestamps'
  /** Frames expected: sent (truth) or spanned by the received RTP timestamps (estimate). */
  readonly expected: number
  /** Frames assembled complete (distinct RTP timestamps). */
  readonly received: number
  /** Frames some packets of which arrived, but never all. */
  readonly incomplete: number
  /** Frames sent but never assembled complete (includes the incomplete ones). */
  readonly lost: number
  /** RTP timestamps of the lost frames, in order. */
  readonly lostTimestamps: readonly number[]
  /** Frame indices of the lost frames (truth only). */
  readonly lostIndices?: readonly number[]
  /** Sent frames after the last received one: in flight when the analysis ran, or never delivered at the end. */
  readonly notArrived: number
  /** Arrivals with an RTP timestamp the sender never sent (truth only): another stream, or a corrupted header. */
  readonly unexpected: number
  /** Complete frames decodable by the rules above. */
  readonly decodable: number
  /** Complete frames not decodable because a frame they depend on was lost. */
  readonly undecodable: number
  /** Complete frames that arrived after the playout deadline (0 when no deadline was given). */
  readonly late: number
  /** The deadline `late` used, ms. */
  readonly playoutDeadlineMs?: number
  /** Frames assembled more than once (the same RTP timestamp again after it completed). */
  readonly duplicatedFrames: number
  /** Duplicate packets inside frames. */
  readonly duplicatePackets: number
  /** Keyframes assembled complete. */
  readonly keyframes: number
  /** Decodable frames whose picture code repeats the previous one's index: the same picture sent again (frozen source). */
  readonly repeatedPictures: number
  /** Time from `startMs` to the first decodable frame (a complete keyframe), ms; absent when none arrived. */
  readonly firstFrameMs?: number
  /** Time from `startMs` to the first packet of a keyframe, ms; absent when none arrived. */
  readonly firstKeyframeMs?: number
  /** Decodable frames per second over the render times of the first and last ones. */
  readonly achievedFps: number
  /** Per full second from `startMs`. */
  readonly perSecond: readonly VideoSecond[]
  /** Freezes by the WebRTC-stats definition, on render times. */
  readonly freezes: FreezeSummary
  /** Picture size over time (first entry: the first stated size). */
  readonly resolutions: readonly ResolutionChange[]
  /** Render times of decodable keyframes, ms (receiver clock). */
  readonly keyframeTimesMs: readonly number[]
  /** End-to-end delay, when codes or truth give it. */
  readonly delay?: VideoDelay
  /**
   * Every expected frame in RTP time order, one character each: `D` decodable, `U` complete but undecodable (a
   * frame it depends on was lost), `I` incomplete, `L` lost without a packet. For filmstrips and reports.
   */
  readonly sequence: string
  /** Positions in `sequence` of the frames that ended a freeze. */
  readonly freezeEnds: readonly number[]
  /** Start of the analysis window (`joinedAtMs`, or the first packet's arrival), ms. */
  readonly startMs: number
  /** From `startMs` to the last frame's arrival, ms. */
  readonly durationMs: number
}

const TWO_32 = 2 ** 32

/** Signed distance b − a between two 32-bit RTP timestamps. */
function tsDelta(a: number, b: number): number {
  let d = (b - a) % TWO_32
  if (d > TWO_32 / 2) d -= TWO_32
  else if (d <= -TWO_32 / 2) d += TWO_32
  return d
}

/** The value at fraction p of sorted values (nearest rank). */
function quantile(sorted: readonly number[], p: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))
  return sorted[i] as number
}

/** Arrivals of one RTP timestamp, merged. */
interface Slot {
  /** Extended RTP timestamp (unwrapped against the first arrival). */
  ext: number
  rtpTimestamp: number
  arrivals: VideoFrameArrival[]
  complete?: VideoFrameArrival
  sent?: SentVideoFrame
}

function check(arrivals: readonly VideoFrameArrival[], options: VideoAnalysisOptions): void {
  if (!Array.isArray(arrivals)) throw new TypeError('analyzeVideo: arrivals must be an array of VideoFrameArrival')
  if (!(typeof options.fps === 'number' && options.fps > 0 && options.fps <= 1000))
    throw new RangeError(`analyzeVideo: fps is the nominal frame rate (0 < fps ≤ 1000), got ${String(options.fps)}`)
  if (options.playoutDeadlineMs !== undefined && !(options.playoutDeadlineMs >= 0))
    throw new RangeError(`analyzeVideo: playoutDeadlineMs is a duration ≥ 0 ms, got ${String(options.playoutDeadlineMs)}`)
}

/** Groups arrivals by RTP timestamp and unwraps the timestamps, in RTP time order. */
function slotsOf(arrivals: readonly VideoFrameArrival[]): Slot[] {
  const byArrival = [...arrivals].sort((a, b) => a.firstArrivalMs - b.firstArrivalMs)
  const slots = new Map<number, Slot>()
  let lastExt: number | undefined
  let lastTs = 0
  for (const a of byArrival) {
    const ts = a.rtpTimestamp >>> 0
    let slot = slots.get(ts)
    if (slot === undefined) {
      const ext = lastExt === undefined ? ts : lastExt + tsDelta(lastTs, ts)
      slot = { ext, rtpTimestamp: ts, arrivals: [] }
      slots.set(ts, slot)
      lastExt = ext
      lastTs = ts
    }
    slot.arrivals.push(a)
    if (a.complete && slot.complete === undefined) slot.complete = a
  }
  return [...slots.values()].sort((a, b) => a.ext - b.ext)
}

/**
 * Analyses one received video stream. `arrivals` may be in any order; frames of one RTP timestamp reported more
 * than once are merged (the first complete one counts). Throws a `RangeError` for a non-positive fps.
 */
export function analyzeVideo(arrivals: readonly VideoFrameArrival[], options: VideoAnalysisOptions): VideoAnalysis {
  check(arrivals, options)
  const interval = VIDEO_CLOCK_RATE / options.fps
  const firstPacketMs = arrivals.reduce((m, a) => Math.min(m, a.firstArrivalMs), Number.POSITIVE_INFINITY)
  const lastMs = arrivals.reduce((m, a) => Math.max(m, a.lastArrivalMs), Number.NEGATIVE_INFINITY)
  const startMs = options.joinedAtMs ?? (Number.isFinite(firstPacketMs) ? firstPacketMs : 0)
  const received = slotsOf(arrivals)
  const byTs = new Map(received.map((s) => [s.rtpTimestamp, s]))

  // The frame sequence: every sent frame (truth) or every frame the received timestamps span (estimate).
  type Entry = { slot?: Slot; sent?: SentVideoFrame; ts: number }
  const sequence: Entry[] = []
  let notArrived = 0
  let unexpected = 0
  if (options.sent !== undefined) {
    const lastReceivedExt = received.length ? (received[received.length - 1] as Slot).ext : undefined
    const firstTs = received[0]?.rtpTimestamp
    const sentSet = new Set<number>()
    for (const f of options.sent) {
      const ts = f.rtpTimestamp >>> 0
      sentSet.add(ts)
      if (options.joinedAtMs !== undefined && f.sentAtMs < options.joinedAtMs) continue
      const slot = byTs.get(ts)
      if (slot === undefined) {
        // after the last received frame: in flight or never delivered, reported apart
        if (lastReceivedExt === undefined || firstTs === undefined || received[0] === undefined) {
          notArrived++
          continue
        }
        const ext = received[0].ext + tsDelta(firstTs, ts)
        if (ext > lastReceivedExt) {
          notArrived++
          continue
        }
      }
      sequence.push({ ...(slot ? { slot } : {}), sent: f, ts })
    }
    for (const s of received) if (!sentSet.has(s.rtpTimestamp)) unexpected++
  } else {
    for (let i = 0; i < received.length; i++) {
      const s = received[i] as Slot
      if (i > 0) {
        const prev = received[i - 1] as Slot
        const gap = s.ext - prev.ext
        // packets with consecutive sequence numbers: no frame is missing between them, whatever the timestamp step
        // (a source whose capture times vary, like a browser's canvas or camera)
        const adjacent = prev.complete !== undefined && s.arrivals.some((a) => a.firstSeq === (prev.complete as VideoFrameArrival).lastSeq + 1)
        const missing = adjacent ? 0 : Math.max(0, Math.round(gap / interval) - 1)
        for (let k = 1; k <= missing; k++) {
          const ts = ((received[i - 1] as Slot).rtpTimestamp + Math.round(k * interval)) >>> 0
          sequence.push({ ts })
        }
      }
      sequence.push({ slot: s, ts: s.rtpTimestamp })
    }
  }

  // Lost, decodable, render times.
  const lostTimestamps: number[] = []
  const lostIndices: number[] = []
  let incomplete = 0
  let decodable = 0
  let undecodable = 0
  let keyframes = 0
  let chain = false
  let lastRender = Number.NEGATIVE_INFINITY
  const renders: number[] = []
  const keyframeTimesMs: number[] = []
  const resolutions: ResolutionChange[] = []
  let repeatedPictures = 0
  let lastCodeIndex: number | undefined
  let firstFrameAt: number | undefined
  type Rendered = { at: number; bytes: number }
  const rendered: Rendered[] = []
  const completes: VideoFrameArrival[] = []
  const states: string[] = []
  const renderPositions: number[] = []
  for (const e of sequence) {
    const c = e.slot?.complete
    if (c === undefined) {
      lostTimestamps.push(e.ts)
      if (e.sent) lostIndices.push(e.sent.index)
      if (e.slot) incomplete++
      states.push(e.slot ? 'I' : 'L')
      chain = false
      continue
    }
    completes.push(c)
    if (c.keyframe) keyframes++
    if (c.keyframe || options.decoded) chain = true
    if (!chain) {
      undecodable++
      states.push('U')
      continue
    }
    decodable++
    renderPositions.push(states.length)
    states.push('D')
    const at = Math.max(lastRender, c.lastArrivalMs)
    lastRender = at
    renders.push(at)
    rendered.push({ at, bytes: c.bytes })
    firstFrameAt ??= at
    if (c.keyframe) keyframeTimesMs.push(at)
    if (c.width !== undefined && c.height !== undefined) {
      const prev = resolutions[resolutions.length - 1]
      if (prev === undefined || prev.width !== c.width || prev.height !== c.height) resolutions.push({ atMs: at, width: c.width, height: c.height })
    }
    if (c.code !== undefined) {
      if (lastCodeIndex === c.code.index) repeatedPictures++
      lastCodeIndex = c.code.index
    }
  }

  // Duplicates.
  let duplicatedFrames = 0
  let duplicatePackets = 0
  for (const s of received) {
    const completeCount = s.arrivals.filter((a) => a.complete).length
    duplicatedFrames += Math.max(0, completeCount - 1)
    for (const a of s.arrivals) duplicatePackets += a.duplicatePackets
  }

  // Late.
  let late = 0
  if (options.playoutDeadlineMs !== undefined) {
    const deadline = options.playoutDeadlineMs
    if (options.sent !== undefined) {
      for (const e of sequence) if (e.slot?.complete && e.sent && e.slot.complete.lastArrivalMs - e.sent.sentAtMs > deadline) late++
    } else if (received.length) {
      const base = received[0] as Slot
      const transit = (s: Slot, a: VideoFrameArrival) => a.lastArrivalMs - ((s.ext - base.ext) * 1000) / VIDEO_CLOCK_RATE
      let least = Number.POSITIVE_INFINITY
      for (const s of received) if (s.complete) least = Math.min(least, transit(s, s.complete))
      for (const s of received) if (s.complete && transit(s, s.complete) - least > deadline) late++
    }
  }

  // First frames.
  const firstKeyPacket = arrivals.filter((a) => a.keyframe).reduce((m, a) => Math.min(m, a.firstArrivalMs), Number.POSITIVE_INFINITY)

  // Rates.
  const achievedFps = renders.length >= 2 ? ((renders.length - 1) * 1000) / ((renders[renders.length - 1] as number) - (renders[0] as number) || 1) : 0
  const endMs = Math.max(lastMs, startMs)
  const fullSeconds = Math.floor((endMs - startMs) / 1000)
  const perSecond: VideoSecond[] = []
  for (let k = 0; k < Math.min(fullSeconds, 86_400); k++) perSecond.push({ second: k, fps: 0, kbps: 0 })
  const bins = perSecond as { second: number; fps: number; kbps: number }[]
  for (const r of rendered) {
    const k = Math.floor((r.at - startMs) / 1000)
    const bin = bins[k]
    if (bin) bin.fps++
  }
  for (const c of completes) {
    const bin = bins[Math.floor((c.lastArrivalMs - startMs) / 1000)]
    if (bin) bin.kbps += (c.bytes * 8) / 1000
  }

  // Delay.
  let delay: VideoDelay | undefined
  const offset = options.captureClockOffsetMs ?? 0
  const coded = completes.filter((c) => c.code !== undefined)
  let delays: number[] = []
  let basis: VideoDelay['basis'] = 'code'
  if (coded.length) {
    delays = coded.map((c) => {
      let d = (c.lastArrivalMs - offset - (c.code?.captureMs as number)) % TWO_32
      if (d > TWO_32 / 2) d -= TWO_32
      else if (d < -TWO_32 / 2) d += TWO_32
      return d
    })
  } else if (options.sent !== undefined) {
    basis = 'sent'
    for (const e of sequence) if (e.slot?.complete && e.sent) delays.push(e.slot.complete.lastArrivalMs - e.sent.sentAtMs)
  }
  if (delays.length) {
    const sorted = [...delays].sort((a, b) => a - b)
    delay = {
      basis,
      frames: sorted.length,
      minMs: sorted[0] as number,
      p50Ms: quantile(sorted, 0.5),
      p95Ms: quantile(sorted, 0.95),
      maxMs: sorted[sorted.length - 1] as number,
    }
  }

  const detected = detectFreezes(renders)
  const freezes = options.ownStalls !== undefined ? setApartOwnStalls(detected, options.ownStalls) : detected
  return {
    nominalFps: options.fps,
    lossBasis: options.sent !== undefined ? 'truth' : options.decoded ? 'frame-codes' : 'rtp-timestamps',
    expected: sequence.length,
    received: received.filter((s) => s.complete).length,
    incomplete,
    lost: lostTimestamps.length,
    lostTimestamps,
    ...(options.sent !== undefined ? { lostIndices } : {}),
    notArrived,
    unexpected,
    decodable,
    undecodable,
    late,
    ...(options.playoutDeadlineMs !== undefined ? { playoutDeadlineMs: options.playoutDeadlineMs } : {}),
    duplicatedFrames,
    duplicatePackets,
    keyframes,
    repeatedPictures,
    ...(firstFrameAt !== undefined ? { firstFrameMs: firstFrameAt - startMs } : {}),
    ...(Number.isFinite(firstKeyPacket) ? { firstKeyframeMs: firstKeyPacket - startMs } : {}),
    achievedFps,
    perSecond,
    freezes,
    freezeEnds: freezes.freezes.map((f) => renderPositions[f.frame] as number),
    resolutions,
    keyframeTimesMs,
    ...(delay ? { delay } : {}),
    sequence: states.join(''),
    startMs,
    durationMs: Number.isFinite(lastMs) ? Math.max(0, lastMs - startMs) : 0,
  }
}

/**
 * A player's rendered frames (`RenderedVideoFrame`, e.g. a browser's `requestVideoFrameCallback` records) as frame
 * arrivals for {@link analyzeVideo} (with `decoded: true`): each rendered frame is one decodable frame, placed at its presentation time,
 * and its RTP time comes from its frame code's index (index × 90000 / fps), so frame indices the player never showed
 * are the lost frames — exact against the sender, whose code index counts every frame it captured. Frames presented
 * without a callback (a `presentedFrames` step above 1 matched by the same code index step) were shown: they are
 * filled in, evenly spaced, not counted lost. Frames without a code are skipped (no index to place them).
 */
export function renderedAsArrivals(frames: readonly RenderedVideoFrame[], fps: number): VideoFrameArrival[] {
  const interval = VIDEO_CLOCK_RATE / fps
  const out: VideoFrameArrival[] = []
  let prev: RenderedVideoFrame | undefined
  const push = (index: number, at: number, f: RenderedVideoFrame, code: boolean) =>
    out.push({
      rtpTimestamp: Math.round(index * interval) >>> 0,
      firstSeq: index,
      lastSeq: index,
      packets: 1,
      duplicatePackets: 0,
      bytes: 0,
      complete: true,
      keyframe: false,
      width: f.width,
      height: f.height,
      firstArrivalMs: at,
      lastArrivalMs: at,
      ...(code && f.code ? { code: f.code } : {}),
    })
  for (const f of frames) {
    if (f.code === undefined) continue
    if (prev?.code !== undefined) {
      const step = f.presentedFrames - prev.presentedFrames
      const gap = f.code.index - prev.code.index
      if (step > 1 && gap >= step) {
        // frames shown between two callbacks: the `step - 1` frames right after the previous one
        for (let k = 1; k < step; k++) push(prev.code.index + k, prev.presentedAtMs + ((f.presentedAtMs - prev.presentedAtMs) * k) / step, f, false)
      }
    }
    push(f.code.index, f.presentedAtMs, f, true)
    prev = f
  }
  return out
}
