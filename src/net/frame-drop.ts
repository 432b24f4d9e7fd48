/**
 * Whole-frame loss for the impairment relay: drop every packet of chosen video frames, and record which frames were
 * dropped as ground truth. A frame is all RTP packets sharing one RTP timestamp; SRTP leaves the RTP header in clear,
 * so the relay can choose frames on encrypted media.
 *
 * Frames are chosen either by RTP timestamp (`timestamps`: exact, when the test knows the sender's truth) or as they
 * arrive (`after`, `every`, `count`: the frames whose first packet is the n-th new timestamp with n ≥ after and
 * (n − after) a multiple of `every`, `count` of them). Only packets of the rule's stream count as frames
 * (`payloadType` and/or `ssrc`: the video codec's payload type, so audio never is chosen); once a frame is chosen,
 * every later packet carrying its timestamp on its SSRC is dropped too (a retransmission on the same stream), and
 * with `rtxPayloadType` so are packets of that payload type carrying it (an RTX stream resends a packet with its
 * original timestamp, RFC 4588 §4). Other streams are never touched, even when their timestamp happens to match.
 *
 * Pure apart from the times it is handed.
 *
 * @module
 */
import { z } from 'zod'
import { RtcspecError } from '../errors.ts'

/** Which frames of one direction the relay drops whole. */
export interface FrameDropRule {
  /** Only packets with this RTP payload type form frames (e.g. the negotiated VP8 payload type). */
  payloadType?: number
  /** Only packets of this SSRC form frames. */
  ssrc?: number
  /** Drop exactly the frames with these RTP timestamps. */
  timestamps?: number[]
  /** Choose frames as they arrive: skip this many frames first. Default 0. */
  after?: number
  /** Then drop one frame every `every` frames. Default 1 (consecutive frames). */
  every?: number
  /** How many frames to drop that way. */
  count?: number
  /** The RTX payload type (RFC 4588) of the video stream: its packets carrying a dropped frame's timestamp are dropped too. */
  rtxPayloadType?: number
}

/** One frame the relay dropped whole: the ground truth an analysis must report as lost. */
export interface DroppedFrame {
  /** SSRC of the stream the frame was chosen on. */
  ssrc: number
  /** RTP timestamp shared by its packets. */
  timestamp: number
  /** Its packets dropped so far (retransmissions included). */
  packets: number
  /** When its first packet reached the relay, performance.now() ms. */
  firstAt: number
}

const u32 = z
  .number()
  .int()
  .min(0)
  .max(2 ** 32 - 1)

/** zod schema of {@link FrameDropRule}: strict, so a typo is an error rather than "drop nothing". */
export const frameDropRuleSchema = z
  .strictObject({
    payloadType: z.number().int().min(0).max(127).optional(),
    ssrc: u32.optional(),
    timestamps: z.array(u32).max(100_000).optional(),
    after: z.number().int().min(0).max(100_000_000).optional(),
    every: z.number().int().min(1).max(100_000).optional(),
    count: z.number().int().min(1).max(100_000).optional(),
    rtxPayloadType: z.number().int().min(0).max(127).optional(),
  })
  .refine((r) => r.timestamps !== undefined || r.count !== undefined, 'give timestamps (exact frames) or count (with after/every)')
  .refine((r) => r.payloadType !== undefined || r.ssrc !== undefined, 'give payloadType or ssrc, so only video packets form frames')

/** Validates a rule (RtcspecError `BAD_FRAME_DROP` naming the problem). */
export function parseFrameDropRule(rule: unknown, where: string): FrameDropRule {
  const r = frameDropRuleSchema.safeParse(rule)
  if (!r.success) {
    const issues = r.error.issues.map((i) => `${[where, ...i.path.map(String)].join('.')}: ${i.message}`).join('; ')
    throw new RtcspecError('BAD_FRAME_DROP', `invalid frame-drop rule ${where}: ${issues}`, {
      hint: '{ payloadType: 96, after: 60, every: 30, count: 3 } or { ssrc, timestamps: [...] }; keys: payloadType, ssrc, timestamps, after, every, count, rtxPayloadType',
    })
  }
  return r.data
}

/** The per-direction frame chooser: decides, packet by packet, whether it belongs to a dropped frame. */
export class FrameDropper {
  readonly rule: FrameDropRule
  #seen = new Set<string>()
  #frames = 0
  #chosen = 0
  #exact: Set<number> | undefined
  #dropped = new Map<number, DroppedFrame>()
  #list: DroppedFrame[] = []

  constructor(rule: FrameDropRule) {
    this.rule = rule
    if (rule.timestamps) this.#exact = new Set(rule.timestamps.map((t) => t >>> 0))
  }

  /** The frames dropped so far, in the order they were chosen. */
  dropped(): DroppedFrame[] {
    return this.#list.map((f) => ({ ...f }))
  }

  /** Whether this RTP packet is dropped (it belongs to a chosen frame). */
  decide(p: { ssrc: number; payloadType: number; timestamp: number }, now: number): boolean {
    const ts = p.timestamp >>> 0
    const onStream =
      (this.rule.payloadType === undefined || p.payloadType === this.rule.payloadType) && (this.rule.ssrc === undefined || p.ssrc === this.rule.ssrc)
    const known = this.#dropped.get(ts)
    if (known && (known.ssrc === p.ssrc || (this.rule.rtxPayloadType !== undefined && p.payloadType === this.rule.rtxPayloadType))) {
      known.packets++
      return true
    }
    if (!onStream) return false
    const key = `${p.ssrc}:${ts}`
    if (this.#seen.has(key)) return false
    if (this.#seen.size < 1_000_000) this.#seen.add(key)
    const n = this.#frames++
    let choose = false
    if (this.#exact) choose = this.#exact.has(ts)
    else if (this.rule.count !== undefined && this.#chosen < this.rule.count) {
      const after = this.rule.after ?? 0
      choose = n >= after && (n - after) % (this.rule.every ?? 1) === 0
    }
    if (!choose) return false
    this.#chosen++
    const frame: DroppedFrame = { ssrc: p.ssrc, timestamp: ts, packets: 1, firstAt: now }
    this.#dropped.set(ts, frame)
    this.#list.push(frame)
    return true
  }
}
