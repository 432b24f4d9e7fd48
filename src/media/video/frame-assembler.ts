/**
 * Assembles received video RTP packets into frames ({@link VideoFrameArrival}): all packets sharing one RTP
 * timestamp are one frame, which is `complete` only when its start packet, its marker packet and every sequence
 * number between them arrived.
 *
 * Start of a frame: VP8 marks it (S=1, PID 0; RFC 7741 §4.4). H.264 does not (RFC 6184): a frame's first received
 * packet is its start when it begins a NAL unit and either begins with an access unit delimiter or SPS, or the
 * packet with the sequence number before it arrived and belongs to another frame. So an H.264 frame whose
 * predecessor lost its last packet, and that does not begin with an AUD or SPS, is reported incomplete even when
 * all its packets arrived: rtcspec cannot prove it whole (a false "incomplete" there, never a false "complete").
 *
 * Reordering is tolerated within {@link REORDER_WINDOW} packets; sequence numbers are extended across the 16-bit
 * wrap. Pure: no I/O, no timers.
 */
import { signed16 } from '../../rtp/seq.ts'
import { parseVideoPacket, type VideoPacketInfo } from '../../rtp/video-payload.ts'
import type { VideoCodecName, VideoFrameArrival } from './types.ts'

/** Packets behind the highest sequence number seen that still join their frame; older ones are counted `late`. */
export const REORDER_WINDOW = 1000
/** Frames an assembler keeps by default (an hour at 30 fps, a few tens of MB at most); later frames are counted `cappedFrames`. */
export const MAX_FRAMES = 108_000

/** One received RTP packet, as the assembler needs it. */
export interface AssemblerPacket {
  readonly sequenceNumber: number
  readonly timestamp: number
  readonly marker: boolean
  readonly payload: Uint8Array
  /** Arrival time, ms on the receiver's performance clock. */
  readonly arrivalMs: number
}

/** Counters of an assembler. */
export interface FrameAssemblerStats {
  /** Packets pushed (duplicates and late ones included). */
  packets: number
  /** Packets received twice (same sequence number). */
  duplicates: number
  /** Packets more than {@link REORDER_WINDOW} behind the newest one: not assigned to a frame. */
  late: number
  /** Packets whose payload did not parse (they count in their frame, but tell nothing about it). */
  malformed: number
  /** Frames not kept because `maxFrames` was reached. */
  cappedFrames: number
  /** Sequence numbers skipped when a packet arrived beyond the next expected one (before any reordering repaired it). */
  gapPackets: number
}

/** Options of {@link VideoFrameAssembler}. */
export interface FrameAssemblerOptions {
  /** Frames kept; default {@link MAX_FRAMES}. */
  maxFrames?: number
  /**
   * Called when a packet arrives beyond the next expected sequence number: `missing` packets were skipped, the
   * first of them `firstMissing` (an extended sequence number, as in {@link VideoFrameArrival.firstSeq}).
   */
  onGap?: (missing: number, firstMissing: number) => void
}

/**
 * Extended sequence numbers count from the first packet's cycle: the first packet's number is its own (0–65535);
 * one reordered before it across the 16-bit wrap is negative.
 */
const SEQ_BASE = 0x10000

const F_START = 1
const F_BEGINS_NAL = 2
const F_MARKER = 4

interface FrameState {
  readonly rtpTimestamp: number
  /** Extended sequence number → flags of the packet. */
  readonly seqs: Map<number, number>
  /** Sequence numbers whose predecessor arrived as part of another frame. */
  readonly boundaryBefore: Set<number>
  codec: VideoCodecName
  minSeq: number
  maxSeq: number
  duplicates: number
  bytes: number
  keyframe: boolean
  width?: number
  height?: number
  firstArrivalMs: number
  lastArrivalMs: number
}

/** Turns received video RTP packets into per-frame arrivals. */
export class VideoFrameAssembler {
  readonly stats: FrameAssemblerStats = { packets: 0, duplicates: 0, late: 0, malformed: 0, cappedFrames: 0, gapPackets: 0 }
  /** Frames behind the reorder window: final, kept as arrivals only (their per-packet state is dropped). */
  readonly #done: VideoFrameArrival[] = []
  /** Frames still taking packets, by RTP timestamp. */
  readonly #open = new Map<number, FrameState>()
  /** Recent packets' RTP timestamps by extended sequence number (pruned behind the reorder window). */
  readonly #seqTs = new Map<number, number>()
  readonly #maxFrames: number
  readonly #onGap: ((missing: number, firstMissing: number) => void) | undefined
  #highest: number | undefined
  #cache: VideoFrameArrival[] | undefined

  constructor(options: FrameAssemblerOptions = {}) {
    this.#maxFrames = options.maxFrames ?? MAX_FRAMES
    this.#onGap = options.onGap
  }

  /** The highest extended sequence number received (as in {@link VideoFrameArrival.firstSeq}), or undefined before the first packet. */
  get highestSeq(): number | undefined {
    return this.#highest === undefined ? undefined : this.#highest - SEQ_BASE
  }

  /**
   * Whether the packet with this extended sequence number arrived. Known within {@link REORDER_WINDOW} of the
   * newest packet; older numbers answer false.
   */
  received(seq: number): boolean {
    return this.#seqTs.has(seq + SEQ_BASE)
  }

  /** Adds one received packet of `codec`. */
  push(packet: AssemblerPacket, codec: VideoCodecName): void {
    this.stats.packets++
    const seq = packet.sequenceNumber & 0xffff
    let ext: number
    if (this.#highest === undefined) {
      // One cycle up, so a packet reordered before the first one across the wrap still has a place.
      ext = seq + SEQ_BASE
      this.#highest = ext
    } else {
      ext = this.#highest + signed16(seq - (this.#highest & 0xffff))
      if (ext > this.#highest) {
        if (ext > this.#highest + 1) {
          this.stats.gapPackets += ext - this.#highest - 1
          this.#onGap?.(ext - this.#highest - 1, this.#highest + 1 - SEQ_BASE)
        }
        this.#highest = ext
        this.#prune()
      }
    }
    if (ext < 0 || ext < (this.#highest as number) - REORDER_WINDOW) {
      this.stats.late++
      return
    }
    const ts = packet.timestamp >>> 0
    let frame = this.#open.get(ts)
    if (frame?.seqs.has(ext)) {
      frame.duplicates++
      this.stats.duplicates++
      this.#cache = undefined
      return
    }
    let info: VideoPacketInfo | undefined
    try {
      info = parseVideoPacket(codec, packet.payload)
    } catch {
      this.stats.malformed++
    }
    if (!frame) {
      if (this.#done.length + this.#open.size >= this.#maxFrames) {
        this.stats.cappedFrames++
        return
      }
      frame = {
        rtpTimestamp: ts,
        seqs: new Map(),
        boundaryBefore: new Set(),
        codec,
        minSeq: ext,
        maxSeq: ext,
        duplicates: 0,
        bytes: 0,
        keyframe: false,
        firstArrivalMs: packet.arrivalMs,
        lastArrivalMs: packet.arrivalMs,
      }
      this.#open.set(ts, frame)
    }
    const flags = (info?.frameStart ? F_START : 0) | (info?.beginsNal ? F_BEGINS_NAL : 0) | (packet.marker ? F_MARKER : 0)
    frame.seqs.set(ext, flags)
    frame.minSeq = Math.min(frame.minSeq, ext)
    frame.maxSeq = Math.max(frame.maxSeq, ext)
    frame.bytes += packet.payload.length
    frame.firstArrivalMs = Math.min(frame.firstArrivalMs, packet.arrivalMs)
    frame.lastArrivalMs = Math.max(frame.lastArrivalMs, packet.arrivalMs)
    if (info?.keyframe) frame.keyframe = true
    if (info?.width !== undefined && info.height !== undefined) {
      frame.width = info.width
      frame.height = info.height
    }
    // Frame boundaries seen from both sides: the packet before this one, and the one after it.
    this.#seqTs.set(ext, ts)
    const before = this.#seqTs.get(ext - 1)
    if (before !== undefined && before !== ts) frame.boundaryBefore.add(ext)
    const after = this.#seqTs.get(ext + 1)
    if (after !== undefined && after !== ts) this.#open.get(after)?.boundaryBefore.add(ext + 1)
    this.#cache = undefined
  }

  /** Closes frames and forgets sequence numbers that fell behind the reorder window. */
  #prune(): void {
    const floor = (this.#highest as number) - REORDER_WINDOW
    for (const [ts, f] of this.#open) {
      if (f.maxSeq >= floor) continue
      this.#open.delete(ts)
      this.#done.push(toArrival(f))
    }
    if (this.#seqTs.size > 2 * REORDER_WINDOW) {
      for (const s of this.#seqTs.keys()) {
        if (s < floor - 1) this.#seqTs.delete(s)
      }
    }
  }

  /** Every frame received so far, in sequence-number order (a fresh array; frames still open may change later). */
  frames(): VideoFrameArrival[] {
    if (this.#cache) return [...this.#cache]
    const out = [...this.#done, ...[...this.#open.values()].map((f) => toArrival(f))].sort((a, b) => a.firstSeq - b.firstSeq)
    this.#cache = out
    return [...out]
  }
}

function isComplete(f: FrameState): boolean {
  if (f.seqs.size !== f.maxSeq - f.minSeq + 1) return false
  const first = f.seqs.get(f.minSeq) as number
  const last = f.seqs.get(f.maxSeq) as number
  if (!(last & F_MARKER)) return false
  if (f.codec === 'VP8') return (first & F_START) !== 0
  return (first & F_BEGINS_NAL) !== 0 && ((first & F_START) !== 0 || f.boundaryBefore.has(f.minSeq))
}

function toArrival(f: FrameState): VideoFrameArrival {
  return {
    rtpTimestamp: f.rtpTimestamp,
    firstSeq: f.minSeq - SEQ_BASE,
    lastSeq: f.maxSeq - SEQ_BASE,
    packets: f.seqs.size,
    duplicatePackets: f.duplicates,
    bytes: f.bytes,
    complete: isComplete(f),
    keyframe: f.keyframe,
    ...(f.width !== undefined ? { width: f.width, height: f.height } : {}),
    firstArrivalMs: f.firstArrivalMs,
    lastArrivalMs: f.lastArrivalMs,
  }
}
