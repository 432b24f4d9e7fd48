/**
 * Video RTP payload parsing: what one packet tells about the frame it belongs to.
 *
 * - VP8 (RFC 7741): the payload descriptor (§4.2) and, on the first packet of a frame, the VP8 payload header
 *   (§4.3, RFC 6386 §9.1): key frame bit, and a key frame's width and height.
 * - H.264 (RFC 6184, packetization-mode 0 and 1): single NAL unit packets (§5.6), STAP-A (§5.7.1) and FU-A (§5.8);
 *   NAL unit types (IDR, SPS, PPS, AUD) and the picture size an SPS states (ITU-T H.264 §7.3.2.1.1, with cropping).
 *
 * Pure: no I/O. Malformed input throws an {@link RtcspecError} `VIDEO_PAYLOAD` naming what is wrong.
 */
import { RtcspecError } from '../errors.ts'

/** A video codec whose RTP payload this module parses. */
export type VideoPayloadCodec = 'VP8' | 'H264'

/** The VP8 payload descriptor (RFC 7741 §4.2). */
export interface Vp8Descriptor {
  /** X: the extension octet is present. */
  readonly extended: boolean
  /** N: a non-reference frame (can be discarded). */
  readonly nonReference: boolean
  /** S: the packet starts a VP8 partition. */
  readonly partitionStart: boolean
  /** PID: partition index (0–7). */
  readonly partitionId: number
  /** PictureID when I is set; `pictureIdBits` says whether it was the 7- or 15-bit form (M bit). */
  readonly pictureId?: number
  readonly pictureIdBits?: 7 | 15
  /** TL0PICIDX when L is set. */
  readonly tl0PicIdx?: number
  /** TID (temporal layer index) and Y (layer sync) when T is set. */
  readonly temporalLayer?: number
  readonly layerSync?: boolean
  /** KEYIDX when K is set. */
  readonly keyIdx?: number
  /** Length of the descriptor in octets: the VP8 payload starts here. */
  readonly length: number
}

/** What one video RTP packet says about its frame, for the frame assembler. */
export interface VideoPacketInfo {
  /**
   * The packet starts a frame as the codec marks it: VP8 S=1 with PID 0 (RFC 7741 §4.4). H.264 has no such bit;
   * there this is true when the packet starts with an access unit delimiter or an SPS (how encoders begin key
   * frames), and {@link beginsNal} says whether it begins a NAL unit at all.
   */
  readonly frameStart: boolean
  /** The packet begins a NAL unit (single NAL, STAP-A, or FU-A with S=1). VP8: same as `frameStart`. */
  readonly beginsNal: boolean
  /** The packet shows the frame is a key frame (VP8 P=0 on the frame's first packet; H.264 an IDR slice). */
  readonly keyframe: boolean
  /** Picture size the packet states (VP8 key frame header; H.264 SPS). */
  readonly width?: number
  readonly height?: number
}

function fail(message: string, hint: string): never {
  throw new RtcspecError('VIDEO_PAYLOAD', message, { hint })
}

/** Parses the VP8 payload descriptor at the start of an RTP payload (RFC 7741 §4.2). */
export function parseVp8Descriptor(payload: Uint8Array): Vp8Descriptor {
  const need = (n: number, what: string) => {
    if (payload.length < n)
      fail(
        `VP8 payload descriptor truncated: ${what} needs ${n} octets, the payload has ${payload.length}`,
        'RFC 7741 §4.2: check the X/I/L/T/K bits against the octets that follow',
      )
  }
  need(1, 'the first octet')
  const b0 = payload[0] as number
  const extended = (b0 & 0x80) !== 0
  const base = { extended, nonReference: (b0 & 0x20) !== 0, partitionStart: (b0 & 0x10) !== 0, partitionId: b0 & 0x07 }
  if (!extended) return { ...base, length: 1 }
  need(2, 'the X octet')
  const x = payload[1] as number
  const i = (x & 0x80) !== 0
  const l = (x & 0x40) !== 0
  const t = (x & 0x20) !== 0
  const k = (x & 0x10) !== 0
  let off = 2
  let pictureId: number | undefined
  let pictureIdBits: 7 | 15 | undefined
  if (i) {
    need(off + 1, 'PictureID')
    const p0 = payload[off] as number
    if (p0 & 0x80) {
      need(off + 2, 'a 15-bit PictureID')
      pictureId = ((p0 & 0x7f) << 8) | (payload[off + 1] as number)
      pictureIdBits = 15
      off += 2
    } else {
      pictureId = p0 & 0x7f
      pictureIdBits = 7
      off += 1
    }
  }
  let tl0PicIdx: number | undefined
  if (l) {
    need(off + 1, 'TL0PICIDX')
    tl0PicIdx = payload[off] as number
    off += 1
  }
  let temporalLayer: number | undefined
  let layerSync: boolean | undefined
  let keyIdx: number | undefined
  if (t || k) {
    need(off + 1, 'the TID/Y/KEYIDX octet')
    const o = payload[off] as number
    if (t) {
      temporalLayer = o >> 6
      layerSync = (o & 0x20) !== 0
    }
    if (k) keyIdx = o & 0x1f
    off += 1
  }
  return {
    ...base,
    ...(pictureId !== undefined ? { pictureId, pictureIdBits } : {}),
    ...(tl0PicIdx !== undefined ? { tl0PicIdx } : {}),
    ...(temporalLayer !== undefined ? { temporalLayer, layerSync } : {}),
    ...(keyIdx !== undefined ? { keyIdx } : {}),
    length: off,
  }
}

/** The start of a VP8 frame (RFC 6386 §9.1): the frame tag, and a key frame's picture size. */
export interface Vp8FrameHeader {
  readonly keyframe: boolean
  readonly version: number
  readonly showFrame: boolean
  /** Size of the first partition in octets. */
  readonly firstPartitionSize: number
  /** Key frames only: width and height in pixels and their 2-bit upscaling fields. */
  readonly width?: number
  readonly height?: number
  readonly horizontalScale?: number
  readonly verticalScale?: number
}

/** Parses the frame tag (and a key frame's start code and size) at the start of a VP8 frame. */
export function parseVp8FrameHeader(frame: Uint8Array): Vp8FrameHeader {
  if (frame.length < 3) fail(`VP8 frame header truncated: the frame tag needs 3 octets, got ${frame.length}`, 'RFC 6386 §9.1')
  const tag = (frame[0] as number) | ((frame[1] as number) << 8) | ((frame[2] as number) << 16)
  const keyframe = (tag & 1) === 0
  const head = { keyframe, version: (tag >> 1) & 7, showFrame: ((tag >> 4) & 1) === 1, firstPartitionSize: tag >>> 5 }
  if (!keyframe) return head
  if (frame.length < 10)
    fail(`VP8 key frame header truncated: needs 10 octets, got ${frame.length}`, 'RFC 6386 §9.1: start code 9d 01 2a, then width and height')
  if (frame[3] !== 0x9d || frame[4] !== 0x01 || frame[5] !== 0x2a) {
    const got = [frame[3], frame[4], frame[5]].map((b) => (b as number).toString(16).padStart(2, '0')).join(' ')
    fail(`VP8 key frame start code is ${got}, expected 9d 01 2a`, 'RFC 6386 §9.1: a key frame (frame tag bit 0 = 0) carries the start code after the tag')
  }
  const w = (frame[6] as number) | ((frame[7] as number) << 8)
  const h = (frame[8] as number) | ((frame[9] as number) << 8)
  return { ...head, width: w & 0x3fff, height: h & 0x3fff, horizontalScale: w >> 14, verticalScale: h >> 14 }
}

/** What a VP8 RTP payload tells (descriptor, and the frame header on a frame's first packet). */
export function parseVp8Packet(payload: Uint8Array): VideoPacketInfo & { readonly descriptor: Vp8Descriptor } {
  const descriptor = parseVp8Descriptor(payload)
  const frameStart = descriptor.partitionStart && descriptor.partitionId === 0
  if (!frameStart) return { descriptor, frameStart, beginsNal: false, keyframe: false }
  const rest = payload.subarray(descriptor.length)
  if (rest.length === 0)
    fail('VP8 packet starts a frame but carries no payload after the descriptor', 'RFC 7741 §4.3: the first packet holds the VP8 payload header')
  // A key frame shorter than its 10-octet header is malformed; an interframe needs only the 3-octet tag.
  const header = parseVp8FrameHeader(rest)
  return {
    descriptor,
    frameStart,
    beginsNal: true,
    keyframe: header.keyframe,
    ...(header.width !== undefined ? { width: header.width, height: header.height } : {}),
  }
}

/** H.264 NAL unit types rtcspec looks at (ITU-T H.264 Table 7-1, RFC 6184 Table 1). */
export const H264_NAL = { slice: 1, idr: 5, sei: 6, sps: 7, pps: 8, aud: 9, stapA: 24, stapB: 25, mtap16: 26, mtap24: 27, fuA: 28, fuB: 29 } as const

/** One NAL unit (or its first fragment) an H.264 RTP packet carries. */
export interface H264NalRef {
  /** nal_unit_type (1–23). */
  readonly type: number
  /** The NAL unit's bytes with its header; for an FU-A, this fragment behind the NAL header the FU indicator and header encode. */
  readonly data: Uint8Array
  /** FU-A only: start and end bits. */
  readonly fuStart?: boolean
  readonly fuEnd?: boolean
}

/** The structure of an H.264 RTP payload (RFC 6184 §5.6–5.8). */
export interface H264Packet {
  /** `single` (types 1–23), `stap-a` (24) or `fu-a` (28). */
  readonly packetization: 'single' | 'stap-a' | 'fu-a'
  readonly nals: readonly H264NalRef[]
}

/** Parses an H.264 RTP payload: single NAL unit, STAP-A or FU-A (packetization-mode 0 or 1). */
export function parseH264Packet(payload: Uint8Array): H264Packet {
  if (payload.length < 1) fail('H.264 RTP payload is empty', 'RFC 6184 §5.2: every payload starts with a NAL unit header')
  const b0 = payload[0] as number
  const type = b0 & 0x1f
  if (type >= 1 && type <= 23) return { packetization: 'single', nals: [{ type, data: payload }] }
  if (type === H264_NAL.stapA) {
    const nals: H264NalRef[] = []
    let off = 1
    while (off < payload.length) {
      if (off + 2 > payload.length)
        fail(`H.264 STAP-A truncated: a NAL unit size at octet ${off} needs 2 octets`, 'RFC 6184 §5.7.1: each unit is a 16-bit size then the NAL unit')
      const size = ((payload[off] as number) << 8) | (payload[off + 1] as number)
      off += 2
      if (size === 0 || off + size > payload.length)
        fail(
          `H.264 STAP-A unit at octet ${off - 2} states ${size} octets, ${payload.length - off} remain`,
          'RFC 6184 §5.7.1: the sizes must add up to the payload',
        )
      const data = payload.subarray(off, off + size)
      nals.push({ type: (data[0] as number) & 0x1f, data })
      off += size
    }
    if (nals.length === 0) fail('H.264 STAP-A carries no NAL unit', 'RFC 6184 §5.7.1: a STAP-A aggregates one or more NAL units')
    return { packetization: 'stap-a', nals }
  }
  if (type === H264_NAL.fuA) {
    if (payload.length < 2) fail('H.264 FU-A truncated: no FU header', 'RFC 6184 §5.8: FU indicator, FU header, then the fragment')
    const fu = payload[1] as number
    const fuStart = (fu & 0x80) !== 0
    const fuEnd = (fu & 0x40) !== 0
    if (fuStart && fuEnd)
      fail('H.264 FU-A has both S and E set', 'RFC 6184 §5.8: a NAL unit that fits one packet is sent as a single NAL unit packet, never as one FU-A')
    const nalType = fu & 0x1f
    // The NAL header comes back from the FU indicator (F, NRI) and the FU header (type), so a first fragment parses.
    const data = new Uint8Array(payload.length - 1)
    data[0] = (b0 & 0xe0) | nalType
    data.set(payload.subarray(2), 1)
    return { packetization: 'fu-a', nals: [{ type: nalType, data, fuStart, fuEnd }] }
  }
  return fail(
    `H.264 packet type ${type} (${type === 0 || type >= 30 ? 'reserved' : 'interleaved mode only'}) is not supported`,
    'rtcspec receives packetization-mode 0 and 1: single NAL units, STAP-A and FU-A (RFC 6184 §6.2, §6.3)',
  )
}

/** What an H.264 RTP payload tells about its frame. */
export function parseH264PacketInfo(payload: Uint8Array): VideoPacketInfo & { readonly packet: H264Packet } {
  const packet = parseH264Packet(payload)
  const first = packet.nals[0] as H264NalRef
  const beginsNal = packet.packetization !== 'fu-a' || first.fuStart === true
  const frameStart = beginsNal && (first.type === H264_NAL.aud || first.type === H264_NAL.sps)
  const keyframe = packet.nals.some((n) => n.type === H264_NAL.idr)
  let size: { width: number; height: number } | undefined
  for (const n of packet.nals) {
    if (n.type !== H264_NAL.sps || (packet.packetization === 'fu-a' && !n.fuStart)) continue
    try {
      size = parseH264Sps(n.data)
    } catch {
      // An SPS cut by fragmentation (or an unusual one) gives no size; the frame's other facts still count.
    }
  }
  return { packet, frameStart, beginsNal, keyframe, ...(size ? { width: size.width, height: size.height } : {}) }
}

/** What one RTP payload of `codec` tells about its frame. */
export function parseVideoPacket(codec: VideoPayloadCodec, payload: Uint8Array): VideoPacketInfo {
  return codec === 'VP8' ? parseVp8Packet(payload) : parseH264PacketInfo(payload)
}

/** Removes emulation-prevention bytes (00 00 03 → 00 00) from a NAL unit (ITU-T H.264 §7.4.1). */
export function nalToRbsp(nal: Uint8Array): Uint8Array {
  const out = new Uint8Array(nal.length)
  let n = 0
  let zeros = 0
  for (const b of nal) {
    if (zeros >= 2 && b === 3) {
      zeros = 0
      continue
    }
    out[n++] = b
    zeros = b === 0 ? zeros + 1 : 0
  }
  return out.subarray(0, n)
}

/** Reads bits MSB-first with exp-Golomb codes (ITU-T H.264 §9.1). */
class BitReader {
  #pos = 0
  readonly #buf: Uint8Array
  constructor(buf: Uint8Array) {
    this.#buf = buf
  }
  bit(): number {
    const byte = this.#pos >> 3
    if (byte >= this.#buf.length) fail('H.264 SPS truncated', 'the SPS ends before its picture size fields')
    const v = ((this.#buf[byte] as number) >> (7 - (this.#pos & 7))) & 1
    this.#pos++
    return v
  }
  bits(n: number): number {
    let v = 0
    for (let i = 0; i < n; i++) v = v * 2 + this.bit()
    return v
  }
  ue(): number {
    let zeros = 0
    while (this.bit() === 0) {
      if (++zeros > 31) fail('H.264 SPS: an exp-Golomb code longer than 32 bits', 'the SPS is corrupt')
    }
    return 2 ** zeros - 1 + this.bits(zeros)
  }
  se(): number {
    const k = this.ue()
    return k % 2 === 1 ? (k + 1) / 2 : -(k / 2)
  }
}

/** The fields of an H.264 sequence parameter set rtcspec uses. */
export interface H264Sps {
  readonly profileIdc: number
  /** constraint_set0..5 flags as the octet after profile_idc. */
  readonly constraints: number
  readonly levelIdc: number
  /** Picture size after cropping, in pixels. */
  readonly width: number
  readonly height: number
}

const HIGH_PROFILES = new Set([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135])

/** Parses an SPS NAL unit (header included) up to its cropping window (ITU-T H.264 §7.3.2.1.1, §7.4.2.1.1). */
export function parseH264Sps(nal: Uint8Array): H264Sps {
  if (nal.length < 4 || ((nal[0] as number) & 0x1f) !== H264_NAL.sps)
    fail('not an H.264 SPS NAL unit (type 7, at least 4 octets)', 'pass the NAL unit with its one-octet header')
  const r = new BitReader(nalToRbsp(nal.subarray(1)))
  const profileIdc = r.bits(8)
  const constraints = r.bits(8)
  const levelIdc = r.bits(8)
  r.ue() // seq_parameter_set_id
  let chromaFormatIdc = 1
  let separateColourPlane = 0
  if (HIGH_PROFILES.has(profileIdc)) {
    chromaFormatIdc = r.ue()
    if (chromaFormatIdc === 3) separateColourPlane = r.bit()
    r.ue() // bit_depth_luma_minus8
    r.ue() // bit_depth_chroma_minus8
    r.bit() // qpprime_y_zero_transform_bypass_flag
    if (r.bit()) {
      // seq_scaling_matrix_present_flag: skip the scaling lists (§7.3.2.1.1.1)
      const lists = chromaFormatIdc !== 3 ? 8 : 12
      for (let i = 0; i < lists; i++) {
        if (!r.bit()) continue
        const size = i < 6 ? 16 : 64
        let last = 8
        let next = 8
        for (let j = 0; j < size; j++) {
          if (next !== 0) next = (last + r.se() + 256) % 256
          last = next === 0 ? last : next
        }
      }
    }
  }
  r.ue() // log2_max_frame_num_minus4
  const pocType = r.ue()
  if (pocType === 0) r.ue()
  else if (pocType === 1) {
    r.bit()
    r.se()
    r.se()
    const cycle = r.ue()
    if (cycle > 255) fail(`H.264 SPS: num_ref_frames_in_pic_order_cnt_cycle ${cycle} exceeds 255`, 'the SPS is corrupt')
    for (let i = 0; i < cycle; i++) r.se()
  }
  r.ue() // max_num_ref_frames
  r.bit() // gaps_in_frame_num_value_allowed_flag
  const widthMbs = r.ue() + 1
  const heightMapUnits = r.ue() + 1
  const frameMbsOnly = r.bit()
  if (!frameMbsOnly) r.bit() // mb_adaptive_frame_field_flag
  r.bit() // direct_8x8_inference_flag
  let crop = { left: 0, right: 0, top: 0, bottom: 0 }
  if (r.bit()) crop = { left: r.ue(), right: r.ue(), top: r.ue(), bottom: r.ue() }
  const chromaArrayType = separateColourPlane ? 0 : chromaFormatIdc
  const subWidthC = chromaArrayType === 1 || chromaArrayType === 2 ? 2 : 1
  const subHeightC = chromaArrayType === 1 ? 2 : 1
  const cropUnitX = chromaArrayType === 0 ? 1 : subWidthC
  const cropUnitY = (chromaArrayType === 0 ? 1 : subHeightC) * (2 - frameMbsOnly)
  const width = widthMbs * 16 - cropUnitX * (crop.left + crop.right)
  const height = (2 - frameMbsOnly) * heightMapUnits * 16 - cropUnitY * (crop.top + crop.bottom)
  if (width <= 0 || height <= 0) fail(`H.264 SPS: cropping leaves ${width}×${height}`, 'the SPS is corrupt')
  return { profileIdc, constraints, levelIdc, width, height }
}
