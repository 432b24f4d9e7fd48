/**
 * Turns received video RTP packets back into the codec's bitstream, for recordings a decoder can read:
 * VP8 frames in an IVF file (time base 1/90000, presentation times from the RTP timestamps), H.264 access units as
 * an Annex B byte stream. Only frames whose every packet arrived (`complete`, see frame-assembler.ts) are written:
 * a decoder fed a partial frame shows garbage, and the frame count of the file then equals the complete frames.
 *
 * Depacketizing: VP8 strips each packet's payload descriptor (RFC 7741 §4.2) and joins the rest; H.264 writes each
 * single NAL unit, each unit of a STAP-A and each FU-A-reassembled NAL unit with a start code (RFC 6184 §5.6–5.8).
 * Pure: no I/O.
 */
import { signed16, signed32 } from '../../rtp/seq.ts'
import { parseH264Packet, parseVp8Descriptor } from '../../rtp/video-payload.ts'
import { VideoFrameAssembler, type AssemblerPacket } from './frame-assembler.ts'
import { writeIvf } from './ivf.ts'
import type { VideoCodecName } from './types.ts'

/** One frame of a recording. */
export interface RecordedVideoFrame {
  readonly rtpTimestamp: number
  /** Presentation time in 90 kHz units from the first frame written. */
  readonly pts: number
  /** VP8 frame, or H.264 access unit in Annex B. */
  readonly data: Uint8Array
  readonly keyframe: boolean
  readonly width?: number
  readonly height?: number
}

/** What a recording holds. */
export interface RecordedVideo {
  readonly codec: VideoCodecName
  readonly frames: readonly RecordedVideoFrame[]
  /** Frames left out because a packet was missing (or did not depacketize). */
  readonly incompleteFrames: number
  /** Time from the first to the last frame written, ms (RTP timestamps). */
  readonly durationMs: number
}

const START_CODE = Uint8Array.of(0, 0, 0, 1)

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

/** Rebuilds one frame's bitstream from its packets' payloads, in sequence order. Throws on a malformed payload. */
export function depacketizeVideoFrame(codec: VideoCodecName, payloads: readonly Uint8Array[]): Uint8Array {
  if (codec === 'VP8') return concat(payloads.map((p) => p.subarray(parseVp8Descriptor(p).length)))
  const parts: Uint8Array[] = []
  for (const payload of payloads) {
    const packet = parseH264Packet(payload)
    for (const nal of packet.nals) {
      if (packet.packetization !== 'fu-a') parts.push(START_CODE, nal.data)
      else if (nal.fuStart) parts.push(START_CODE, nal.data)
      else parts.push(nal.data.subarray(1)) // the rebuilt NAL header is written once, with the first fragment
    }
  }
  return concat(parts)
}

/** Assembles `packets` (arrival order, one stream) and keeps the complete frames' bitstreams in RTP order. */
export function recordRtpVideo(packets: Iterable<AssemblerPacket>, codec: VideoCodecName): RecordedVideo {
  const assembler = new VideoFrameAssembler()
  const byTs = new Map<number, Map<number, Uint8Array>>()
  for (const p of packets) {
    const before = assembler.highestSeq
    assembler.push(p, codec)
    // The same extension of the sequence number the assembler made (relative to its highest before this packet).
    const ext = before === undefined ? p.sequenceNumber & 0xffff : before + signed16(p.sequenceNumber - before)
    const ts = p.timestamp >>> 0
    let m = byTs.get(ts)
    if (!m) byTs.set(ts, (m = new Map()))
    if (!m.has(ext)) m.set(ext, p.payload)
  }
  const frames: RecordedVideoFrame[] = []
  let incomplete = 0
  let firstTs: number | undefined
  let lastPts = 0
  for (const f of assembler.frames()) {
    if (!f.complete) {
      incomplete++
      continue
    }
    const m = byTs.get(f.rtpTimestamp)
    const payloads: Uint8Array[] = []
    for (let s = f.firstSeq; s <= f.lastSeq; s++) {
      const p = m?.get(s)
      if (p) payloads.push(p)
    }
    let data: Uint8Array
    try {
      data = depacketizeVideoFrame(codec, payloads)
    } catch {
      incomplete++
      continue
    }
    firstTs ??= f.rtpTimestamp
    const pts = Math.max(lastPts, signed32(f.rtpTimestamp - firstTs))
    lastPts = pts
    frames.push({ rtpTimestamp: f.rtpTimestamp, pts, data, keyframe: f.keyframe, ...(f.width !== undefined ? { width: f.width, height: f.height } : {}) })
  }
  return { codec, frames, incompleteFrames: incomplete, durationMs: frames.length ? ((frames.at(-1) as RecordedVideoFrame).pts * 1000) / 90_000 : 0 }
}

/** The recording as a file: IVF for VP8 (size from the first key frame), Annex B for H.264. */
export function recordedVideoFile(rec: RecordedVideo): { extension: 'ivf' | 'h264'; bytes: Uint8Array } {
  if (rec.codec === 'H264') return { extension: 'h264', bytes: concat(rec.frames.map((f) => f.data)) }
  const sized = rec.frames.find((f) => f.width !== undefined)
  return {
    extension: 'ivf',
    bytes: writeIvf({
      fourcc: 'VP80',
      width: sized?.width ?? 0,
      height: sized?.height ?? 0,
      timebaseNum: 1,
      timebaseDen: 90_000,
      frames: rec.frames.map((f) => ({ pts: f.pts, data: f.data })),
    }),
  }
}
