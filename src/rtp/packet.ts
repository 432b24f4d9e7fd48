/**
 * RTP packet parse/serialize (RFC 3550 §5.1 fixed header, §5.3.1 header extension) with RFC 8285 header-extension
 * elements available on request. Pure functions, no I/O. RTCP lives in `rtcp.ts`.
 */
import { ParseError, RtcspecError } from '../errors.ts'

/** The RTP header extension (RFC 3550 §5.3.1): the 16-bit profile-defined field and the raw extension data. */
export interface RtpHeaderExtension {
  /** "defined by profile": 0xBEDE for RFC 8285 one-byte elements, 0x1000..0x100F for two-byte elements. */
  profile: number
  /** The extension data, a multiple of 4 bytes (kept raw; see {@link parseHeaderExtensionElements}). */
  data: Uint8Array
}

/** An RTP packet (RFC 3550 §5.1). */
export interface RtpPacket {
  /** Marker bit (M). */
  marker: boolean
  /** Payload type, 0..127 (PT). */
  payloadType: number
  /** Sequence number, 0..65535. */
  sequenceNumber: number
  /** RTP timestamp, 0..2^32-1. */
  timestamp: number
  /** Synchronization source, 0..2^32-1. */
  ssrc: number
  /** Contributing sources, at most 15 (CC). */
  csrcs: number[]
  /** Header extension (X bit), if present. */
  extension: RtpHeaderExtension | undefined
  /** The payload, without padding. */
  payload: Uint8Array
  /** Padding bytes at the end, including the count byte (0 = no P bit). */
  paddingLength: number
}

/** One RFC 8285 header-extension element. */
export interface RtpExtensionElement {
  /** Local identifier: 1..14 for one-byte elements, 1..255 for two-byte elements. */
  id: number
  /** Element data. */
  data: Uint8Array
}

const fail = (reason: string): never => {
  throw new ParseError('rtp', reason)
}

/**
 * Parses an RTP packet (RFC 3550 §5.1). The returned `payload` and `extension.data` are views into `buf`.
 * @throws ParseError (format `rtp`) when the input is shorter than its header says, not version 2, or has bad padding.
 */
export function parseRtp(buf: Uint8Array): RtpPacket {
  if (buf.length < 12) fail(`packet is ${buf.length} bytes, shorter than the 12-byte fixed header (RFC 3550 §5.1)`)
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength)
  const b0 = buf[0]!
  const version = b0 >> 6
  if (version !== 2) fail(`version is ${version}, expected 2 (RFC 3550 §5.1)`)
  const hasPadding = (b0 & 0x20) !== 0
  const hasExtension = (b0 & 0x10) !== 0
  const cc = b0 & 0x0f
  const b1 = buf[1]!
  let offset = 12
  if (buf.length < offset + 4 * cc) fail(`CSRC count ${cc} needs ${12 + 4 * cc} header bytes, packet has ${buf.length}`)
  const csrcs: number[] = []
  for (let i = 0; i < cc; i++) csrcs.push(view.getUint32(12 + 4 * i))
  offset += 4 * cc
  let extension: RtpHeaderExtension | undefined
  if (hasExtension) {
    if (buf.length < offset + 4) fail(`X bit set but only ${buf.length - offset} bytes left for the 4-byte extension header (RFC 3550 §5.3.1)`)
    const profile = view.getUint16(offset)
    const words = view.getUint16(offset + 2)
    offset += 4
    if (buf.length < offset + 4 * words) fail(`header extension length ${words} words exceeds the packet (${buf.length - offset} bytes left)`)
    extension = { profile, data: buf.subarray(offset, offset + 4 * words) }
    offset += 4 * words
  }
  let end = buf.length
  let paddingLength = 0
  if (hasPadding) {
    paddingLength = buf[buf.length - 1]!
    if (paddingLength === 0) fail('P bit set but the padding count (last byte) is 0 (RFC 3550 §5.1)')
    if (paddingLength > buf.length - offset) fail(`padding count ${paddingLength} exceeds the ${buf.length - offset} bytes after the header`)
    end -= paddingLength
  }
  return {
    marker: (b1 & 0x80) !== 0,
    payloadType: b1 & 0x7f,
    sequenceNumber: view.getUint16(2),
    timestamp: view.getUint32(4),
    ssrc: view.getUint32(8),
    csrcs,
    extension,
    payload: buf.subarray(offset, end),
    paddingLength,
  }
}

function check(name: string, v: number, max: number): void {
  if (!Number.isInteger(v) || v < 0 || v > max) {
    throw new RtcspecError('INVALID_ARGUMENT', `serializeRtp: ${name} must be an integer in 0..${max}, got ${String(v)}`)
  }
}

/**
 * Serializes an RTP packet (RFC 3550 §5.1). Padding, if `paddingLength > 0`, is zeros followed by the count byte.
 * @throws RtcspecError `INVALID_ARGUMENT` for out-of-range fields, more than 15 CSRCs, or extension data that is not
 *   a multiple of 4 bytes.
 */
export function serializeRtp(p: Pick<RtpPacket, 'payloadType' | 'sequenceNumber' | 'timestamp' | 'ssrc' | 'payload'> & Partial<RtpPacket>): Uint8Array {
  const csrcs = p.csrcs ?? []
  const paddingLength = p.paddingLength ?? 0
  check('payloadType', p.payloadType, 127)
  check('sequenceNumber', p.sequenceNumber, 0xffff)
  check('timestamp', p.timestamp, 0xffffffff)
  check('ssrc', p.ssrc, 0xffffffff)
  check('paddingLength', paddingLength, 255)
  if (csrcs.length > 15) throw new RtcspecError('INVALID_ARGUMENT', `serializeRtp: at most 15 CSRCs fit the CC field, got ${csrcs.length}`)
  csrcs.forEach((c, i) => check(`csrcs[${i}]`, c, 0xffffffff))
  const ext = p.extension
  if (ext) {
    check('extension.profile', ext.profile, 0xffff)
    if (ext.data.length % 4 !== 0 || ext.data.length / 4 > 0xffff) {
      throw new RtcspecError('INVALID_ARGUMENT', `serializeRtp: extension data must be a multiple of 4 bytes (at most 262140), got ${ext.data.length}`, {
        hint: 'pad RFC 8285 elements with zero bytes, or use serializeHeaderExtensionElements',
      })
    }
  }
  const headerLen = 12 + 4 * csrcs.length + (ext ? 4 + ext.data.length : 0)
  const out = new Uint8Array(headerLen + p.payload.length + paddingLength)
  const view = new DataView(out.buffer)
  out[0] = 0x80 | (paddingLength > 0 ? 0x20 : 0) | (ext ? 0x10 : 0) | csrcs.length
  out[1] = (p.marker ? 0x80 : 0) | p.payloadType
  view.setUint16(2, p.sequenceNumber)
  view.setUint32(4, p.timestamp)
  view.setUint32(8, p.ssrc)
  let offset = 12
  for (const c of csrcs) {
    view.setUint32(offset, c)
    offset += 4
  }
  if (ext) {
    view.setUint16(offset, ext.profile)
    view.setUint16(offset + 2, ext.data.length / 4)
    out.set(ext.data, offset + 4)
    offset += 4 + ext.data.length
  }
  out.set(p.payload, offset)
  if (paddingLength > 0) out[out.length - 1] = paddingLength
  return out
}

/**
 * Splits RFC 8285 header-extension data into elements: one-byte form (profile 0xBEDE, RFC 8285 §4.2) or two-byte
 * form (profile 0x100X, §4.3). Padding bytes (0) are skipped; in the one-byte form ID 15 stops parsing (§4.2).
 * @throws ParseError (format `rtp`) for an unknown profile or an element running past the data.
 */
export function parseHeaderExtensionElements(ext: RtpHeaderExtension): RtpExtensionElement[] {
  const d = ext.data
  const out: RtpExtensionElement[] = []
  if (ext.profile === 0xbede) {
    let i = 0
    while (i < d.length) {
      const b = d[i]!
      if (b === 0) {
        i++
        continue
      }
      const id = b >> 4
      if (id === 15) break
      const len = (b & 0x0f) + 1
      if (i + 1 + len > d.length) fail(`one-byte header extension element id ${id} length ${len} runs past the extension data (RFC 8285 §4.2)`)
      out.push({ id, data: d.subarray(i + 1, i + 1 + len) })
      i += 1 + len
    }
    return out
  }
  if ((ext.profile & 0xfff0) === 0x1000) {
    let i = 0
    while (i < d.length) {
      const id = d[i]!
      if (id === 0) {
        i++
        continue
      }
      if (i + 2 > d.length) fail(`two-byte header extension element id ${id} has no length byte (RFC 8285 §4.3)`)
      const len = d[i + 1]!
      if (i + 2 + len > d.length) fail(`two-byte header extension element id ${id} length ${len} runs past the extension data (RFC 8285 §4.3)`)
      out.push({ id, data: d.subarray(i + 2, i + 2 + len) })
      i += 2 + len
    }
    return out
  }
  return fail(`header extension profile 0x${ext.profile.toString(16)} is neither RFC 8285 one-byte (0xBEDE) nor two-byte (0x100X)`)
}

/**
 * Builds RFC 8285 header-extension data from elements, zero-padded to 32 bits. Uses the one-byte form (0xBEDE) when
 * every id is 1..14 and every element is 1..16 bytes, else the two-byte form (0x1000).
 */
export function serializeHeaderExtensionElements(elements: RtpExtensionElement[]): RtpHeaderExtension {
  const oneByte = elements.every((e) => e.id >= 1 && e.id <= 14 && e.data.length >= 1 && e.data.length <= 16)
  const bytes: number[] = []
  for (const e of elements) {
    if (oneByte) bytes.push((e.id << 4) | (e.data.length - 1))
    else {
      if (!Number.isInteger(e.id) || e.id < 1 || e.id > 255 || e.data.length > 255) {
        throw new RtcspecError(
          'INVALID_ARGUMENT',
          `serializeHeaderExtensionElements: element id ${e.id} / ${e.data.length} bytes does not fit RFC 8285 §4.3 (id 1..255, at most 255 bytes)`,
        )
      }
      bytes.push(e.id, e.data.length)
    }
    bytes.push(...e.data)
  }
  while (bytes.length % 4 !== 0) bytes.push(0)
  return { profile: oneByte ? 0xbede : 0x1000, data: Uint8Array.from(bytes) }
}
