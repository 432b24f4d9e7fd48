/**
 * The probe video the conformance video checks publish: a constant-rate VP8 (RFC 7741) or H.264 (RFC 6184,
 * packetization-mode 1) RTP stream from a werift peer's video sender, with exact ground truth. Every frame carries
 * its index in its bitstream (after the codec's frame header: `RTCS` and the index, 32 bits big-endian), so a viewer
 * reads from the packets themselves which of the publisher's frames it got, whatever sequence numbers, timestamps or
 * SSRC a server rewrites. Key frames come at index 0, every `keyframeIntervalFrames`, and as the answer to every
 * PLI or FIR (RFC 4585 §6.3.1, RFC 5104 §4.3.1).
 *
 * The frames have valid codec headers (a VP8 key frame states its size; an H.264 key frame is SPS, PPS and an IDR
 * slice, the SPS a real 320×240 constrained-baseline one) but no decodable picture: they judge servers that forward
 * video (SFUs, relays), which is what WHIP/WHEP servers do. A server that transcodes needs an encoded pattern.
 */
import { PictureLossIndication, RtcpPayloadSpecificFeedback, RtpHeader, RtpPacket, type RtcpPacket } from 'werift'
import type { SentVideoFrame } from '../media/video/analysis.ts'
import type { VideoCodecName } from '../media/video/types.ts'
import type { WeriftPeer } from '../peers/werift/peer.ts'

/** Options of {@link startProbeVideo}. */
export interface ProbeVideoOptions {
  codec: VideoCodecName
  /** Frames per second. */
  fps: number
  /** A periodic key frame every this many frames (besides index 0 and requested ones). */
  keyframeIntervalFrames: number
  /** Bitstream bytes of a frame (a key frame is three times as large); split into packets of at most 1000 bytes. */
  frameBytes?: number
  /** Stops on its own after this many frames (every loop is bounded). Default 30 min of frames. */
  maxFrames?: number
}

/** A running probe stream. */
export interface ProbeVideo {
  /** Every frame sent so far (RTP timestamps as handed to the sender), in order. */
  readonly sent: readonly SentVideoFrame[]
  /** Key frame requests (PLI, FIR) received from the server. */
  readonly requests: { pli: number; fir: number }
  /** When the last key frame left (ms, performance clock), or undefined before the first. */
  readonly lastKeyframeAtMs: number | undefined
  stop(): void
}

/** The magic before each frame's index in its bitstream. */
const MAGIC = [0x52, 0x54, 0x43, 0x53] // RTCS
const MAX_PACKET = 1000
const FIR_FORMAT = 4
/** A 320×240 constrained-baseline SPS and its PPS (from libx264), so a key frame states a real size. */
const H264_SPS = Buffer.from('6742c01fd90141fb0110000003001000000301e0f1832480', 'hex')
const H264_PPS = Buffer.from('68cb83cb20', 'hex')

function frameBody(index: number, bytes: number): Buffer {
  const b = Buffer.alloc(Math.max(8, bytes), 0x5a)
  b.set(MAGIC, 0)
  b.writeUInt32BE(index >>> 0, 4)
  return b
}

/** The RTP payloads of one VP8 frame: descriptor (S=1 on the first, PID 0) + payload header + body, split. */
function vp8Payloads(index: number, key: boolean, bytes: number): Buffer[] {
  // RFC 6386 §9.1 frame tag: P bit (0 = key frame), version 0, show_frame; a key frame adds the start code and 320×240.
  const header = key ? [0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a, 0x40, 0x01, 0xf0, 0x00] : [0x11, 0x02, 0x00]
  const frame = Buffer.concat([Buffer.from(header), frameBody(index, bytes)])
  const out: Buffer[] = []
  for (let at = 0; at < frame.length; at += MAX_PACKET) out.push(Buffer.concat([Buffer.from([at === 0 ? 0x10 : 0x00]), frame.subarray(at, at + MAX_PACKET)]))
  return out
}

/** The RTP payloads of one H.264 access unit: a key frame's SPS+PPS in a STAP-A, then the slice (FU-A when large). */
function h264Payloads(index: number, key: boolean, bytes: number): Buffer[] {
  const slice = Buffer.concat([Buffer.from([key ? 0x65 : 0x41]), frameBody(index, bytes)])
  const out: Buffer[] = []
  if (key) {
    const len = (n: Buffer) => Buffer.from([n.length >> 8, n.length & 0xff])
    out.push(Buffer.concat([Buffer.from([0x78]), len(H264_SPS), H264_SPS, len(H264_PPS), H264_PPS]))
  }
  if (slice.length <= MAX_PACKET) {
    out.push(slice)
    return out
  }
  const nri = (slice[0] as number) & 0x60
  const type = (slice[0] as number) & 0x1f
  const body = slice.subarray(1)
  for (let at = 0; at < body.length; at += MAX_PACKET) {
    const start = at === 0 ? 0x80 : 0
    const end = at + MAX_PACKET >= body.length ? 0x40 : 0
    out.push(Buffer.concat([Buffer.from([nri | 28, start | end | type]), body.subarray(at, at + MAX_PACKET)]))
  }
  return out
}

/**
 * Reads a probe frame's index from the first packet of a frame, or undefined when the packet is not one (another
 * publisher's video, or not a frame's first packet).
 */
export function probeFrameIndex(codec: VideoCodecName, payload: Uint8Array): number | undefined {
  const at = (o: number) => {
    if (payload.length < o + 8) return undefined
    for (let i = 0; i < 4; i++) if (payload[o + i] !== MAGIC[i]) return undefined
    return Buffer.from(payload.buffer, payload.byteOffset + o + 4, 4).readUInt32BE(0)
  }
  if (codec === 'VP8') {
    if (payload[0] !== 0x10) return undefined
    return ((payload[1] ?? 1) & 0x01) === 0 ? at(11) : at(4)
  }
  const nal = (payload[0] ?? 0) & 0x1f
  if (nal === 1 || nal === 5) return at(1)
  if (nal === 28 && ((payload[1] ?? 0) & 0x80) !== 0) return at(2)
  return undefined
}

/**
 * Starts sending the probe stream on `peer`'s video sender (the peer must be connected with a video section
 * negotiated for `codec`). Paced on the clock: frames due are sent on each tick, never more than a second's worth
 * at once (a busy event loop shows as late frames, which the truth's `sentAtMs` records).
 */
export function startProbeVideo(peer: WeriftPeer, options: ProbeVideoOptions): ProbeVideo {
  const transceiver = peer.pc.getTransceivers().find((t) => t.kind === 'video')
  if (!transceiver) throw new Error(`${peer.name} has no video transceiver`)
  const sender = transceiver.sender
  const interval = 1000 / options.fps
  const ticks = 90_000 / options.fps
  const bytes = options.frameBytes ?? 1200
  const maxFrames = options.maxFrames ?? options.fps * 1800
  const sent: SentVideoFrame[] = []
  const requests = { pli: 0, fir: 0 }
  let keyRequested = false
  let lastKeyframeAtMs: number | undefined
  let seq = Math.floor(Math.random() * 0x8000)
  // From the transport, by media SSRC: werift routes a PSFB by its sender SSRC first, which may hand it elsewhere.
  const sub = sender.dtlsTransport.onRtcp.subscribe((packet: RtcpPacket) => {
    if (packet.type !== RtcpPayloadSpecificFeedback.type) return
    const feedback = (packet as RtcpPayloadSpecificFeedback).feedback as { count: number; mediaSsrc?: number; fir?: Array<{ ssrc: number }> }
    const count = feedback.count
    if (feedback.mediaSsrc !== sender.ssrc && !(feedback.fir ?? []).some((e) => e.ssrc === sender.ssrc)) return
    if (count === PictureLossIndication.count) requests.pli++
    else if (count === FIR_FORMAT) requests.fir++
    else return
    keyRequested = true
  })
  const started = performance.now()
  const send = (index: number) => {
    const key = index % options.keyframeIntervalFrames === 0 || keyRequested
    keyRequested = false
    const now = performance.now()
    if (key) lastKeyframeAtMs = now
    const timestamp = Math.round(index * ticks) >>> 0
    sent.push({ index, rtpTimestamp: timestamp, sentAtMs: now, keyframe: key })
    const payloads = options.codec === 'VP8' ? vp8Payloads(index, key, key ? bytes * 3 : bytes) : h264Payloads(index, key, key ? bytes * 3 : bytes)
    payloads.forEach((p, i) => {
      const header = new RtpHeader({ payloadType: 96, marker: i === payloads.length - 1, sequenceNumber: seq, timestamp })
      seq = (seq + 1) & 0xffff
      sender.sendRtp(new RtpPacket(header, p)).catch(() => undefined)
    })
  }
  let next = 0
  const tick = () => {
    const due = Math.min(maxFrames, Math.floor((performance.now() - started) / interval) + 1)
    const until = Math.min(due, next + options.fps)
    while (next < until) send(next++)
    if (next >= maxFrames) stop()
  }
  const timer = setInterval(tick, Math.max(5, interval / 2))
  const stop = () => {
    clearInterval(timer)
    sub.unSubscribe()
  }
  tick()
  return {
    sent,
    requests,
    get lastKeyframeAtMs() {
      return lastKeyframeAtMs
    },
    stop,
  }
}
