/**
 * Minimal RTCP (RFC 3550 §6.4–6.6): parse SR, RR, SDES, BYE and compound packets; serialize SR, RR, SDES CNAME and
 * BYE. Other packet types are kept raw. Pure functions, no I/O.
 */
import { ParseError, RtcspecError } from '../errors.ts'

/** RTCP packet type numbers (RFC 3550 §12.1). */
export const RTCP_PT = { SR: 200, RR: 201, SDES: 202, BYE: 203, APP: 204 } as const

/** One reception report block (RFC 3550 §6.4.1). */
export interface RtcpReportBlock {
  /** SSRC of the source this block is about (SSRC_n). */
  ssrc: number
  /** Fraction lost since the previous report, 8-bit fixed point (0..255 = 0..255/256). */
  fractionLost: number
  /** Cumulative number of packets lost, signed 24-bit (negative when duplicates outnumber losses). */
  cumulativeLost: number
  /** Extended highest sequence number received (cycles in the high 16 bits). */
  extendedHighestSeq: number
  /** Interarrival jitter, RTP timestamp units. */
  jitter: number
  /** Last SR timestamp (middle 32 bits of its NTP timestamp), 0 if none. */
  lsr: number
  /** Delay since last SR, units of 1/65536 s. */
  dlsr: number
}

/** Sender report (RFC 3550 §6.4.1). */
export interface RtcpSenderReport {
  type: 'sr'
  /** SSRC of the sender. */
  ssrc: number
  /** NTP timestamp, seconds part (high 32 bits). */
  ntpSeconds: number
  /** NTP timestamp, fraction part (low 32 bits). */
  ntpFraction: number
  /** RTP timestamp corresponding to the NTP timestamp. */
  rtpTimestamp: number
  /** Sender's packet count. */
  packetCount: number
  /** Sender's octet count (payload bytes). */
  octetCount: number
  /** Reception report blocks. */
  reports: RtcpReportBlock[]
  /** Profile-specific extension after the report blocks (raw, possibly empty). */
  profileExtension: Uint8Array
}

/** Receiver report (RFC 3550 §6.4.2). */
export interface RtcpReceiverReport {
  type: 'rr'
  /** SSRC of the packet sender. */
  ssrc: number
  /** Reception report blocks. */
  reports: RtcpReportBlock[]
  /** Profile-specific extension after the report blocks (raw, possibly empty). */
  profileExtension: Uint8Array
}

/** One SDES item (RFC 3550 §6.5): type 1 = CNAME, 2 = NAME, ... 8 = PRIV (raw text). */
export interface RtcpSdesItem {
  /** Item type, 1..255. */
  type: number
  /** Item text (UTF-8 decoded). */
  text: string
}

/** One SDES chunk: an SSRC/CSRC and its items. */
export interface RtcpSdesChunk {
  /** SSRC or CSRC. */
  ssrc: number
  /** Items, in order. */
  items: RtcpSdesItem[]
  /** The CNAME item's text (type 1), if present (RFC 3550 §6.5.1). */
  cname: string | undefined
}

/** Source description (RFC 3550 §6.5). */
export interface RtcpSdes {
  type: 'sdes'
  /** The chunks, in order. */
  chunks: RtcpSdesChunk[]
}

/** Goodbye (RFC 3550 §6.6). */
export interface RtcpBye {
  type: 'bye'
  /** SSRCs/CSRCs leaving. */
  ssrcs: number[]
  /** Reason for leaving, if given. */
  reason: string | undefined
}

/** Any other RTCP packet (APP, RTPFB, PSFB, XR, ...), kept raw. */
export interface RtcpOther {
  type: 'other'
  /** Packet type (PT). */
  packetType: number
  /** The 5-bit count / format field. */
  count: number
  /** Everything after the 4-byte common header, without padding. */
  body: Uint8Array
}

/** A parsed RTCP packet. */
export type RtcpPacket = RtcpSenderReport | RtcpReceiverReport | RtcpSdes | RtcpBye | RtcpOther

const fail = (reason: string): never => {
  throw new ParseError('rtcp', reason)
}

const utf8 = new TextDecoder('utf-8')
const utf8enc = new TextEncoder()

function parseReportBlocks(view: DataView, offset: number, count: number, end: number): RtcpReportBlock[] {
  if (offset + 24 * count > end) fail(`${count} report blocks need ${24 * count} bytes, only ${end - offset} in the packet (RFC 3550 §6.4.1)`)
  const out: RtcpReportBlock[] = []
  for (let i = 0; i < count; i++, offset += 24) {
    const word = view.getUint32(offset + 4)
    const lost24 = word & 0xffffff
    out.push({
      ssrc: view.getUint32(offset),
      fractionLost: word >>> 24,
      cumulativeLost: lost24 & 0x800000 ? lost24 - 0x1000000 : lost24,
      extendedHighestSeq: view.getUint32(offset + 8),
      jitter: view.getUint32(offset + 12),
      lsr: view.getUint32(offset + 16),
      dlsr: view.getUint32(offset + 20),
    })
  }
  return out
}

function parseSdes(buf: Uint8Array, view: DataView, count: number, start: number, end: number): RtcpSdes {
  const chunks: RtcpSdesChunk[] = []
  let o = start
  for (let c = 0; c < count; c++) {
    if (o + 4 > end) fail(`SDES chunk ${c + 1} of ${count} is missing its SSRC (RFC 3550 §6.5)`)
    const ssrc = view.getUint32(o)
    o += 4
    const items: RtcpSdesItem[] = []
    for (;;) {
      if (o >= end) fail(`SDES chunk for SSRC ${ssrc} is not terminated by a null item (RFC 3550 §6.5)`)
      const t = buf[o]!
      if (t === 0) {
        o = start + Math.ceil((o + 1 - start) / 4) * 4 // skip the null item and pad to 32 bits
        break
      }
      if (o + 2 > end) fail(`SDES item type ${t} has no length byte`)
      const len = buf[o + 1]!
      if (o + 2 + len > end) fail(`SDES item type ${t} length ${len} runs past the packet`)
      items.push({ type: t, text: utf8.decode(buf.subarray(o + 2, o + 2 + len)) })
      o += 2 + len
    }
    chunks.push({ ssrc, items, cname: items.find((i) => i.type === 1)?.text })
  }
  return { type: 'sdes', chunks }
}

function parseBye(buf: Uint8Array, view: DataView, count: number, start: number, end: number): RtcpBye {
  if (start + 4 * count > end) fail(`BYE lists ${count} SSRCs but has room for ${Math.floor((end - start) / 4)} (RFC 3550 §6.6)`)
  const ssrcs: number[] = []
  for (let i = 0; i < count; i++) ssrcs.push(view.getUint32(start + 4 * i))
  let reason: string | undefined
  const r = start + 4 * count
  if (r < end) {
    const len = buf[r]!
    if (r + 1 + len > end) fail(`BYE reason length ${len} runs past the packet`)
    reason = utf8.decode(buf.subarray(r + 1, r + 1 + len))
  }
  return { type: 'bye', ssrcs, reason }
}

/**
 * Parses an RTCP packet or a compound packet (RFC 3550 §6.1) into its packets, in order.
 * Does not insist that a compound starts with SR/RR (RFC 5506 reduced-size RTCP is accepted).
 * @throws ParseError (format `rtcp`) for short or truncated input, a version other than 2, a length field running
 *   past the buffer, padding on a packet other than the last, or an empty buffer.
 */
export function parseRtcp(buf: Uint8Array): RtcpPacket[] {
  if (buf.length < 4) fail(`packet is ${buf.length} bytes, shorter than the 4-byte RTCP header (RFC 3550 §6.4.1)`)
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength)
  const out: RtcpPacket[] = []
  let o = 0
  while (o < buf.length) {
    if (o + 4 > buf.length) fail(`${buf.length - o} trailing bytes after packet ${out.length}, shorter than an RTCP header`)
    const b0 = buf[o]!
    if (b0 >> 6 !== 2) fail(`packet ${out.length + 1} of the compound has version ${b0 >> 6}, expected 2`)
    const padding = (b0 & 0x20) !== 0
    const count = b0 & 0x1f
    const pt = buf[o + 1]!
    const len = (view.getUint16(o + 2) + 1) * 4
    if (o + len > buf.length) fail(`packet ${out.length + 1} (PT ${pt}) length field says ${len} bytes, only ${buf.length - o} remain`)
    let end = o + len
    if (padding) {
      if (end !== buf.length) fail(`packet ${out.length + 1} (PT ${pt}) has the P bit but is not the last of the compound (RFC 3550 §6.4.1)`)
      const pad = buf[end - 1]!
      if (pad === 0 || pad > len - 4) fail(`padding count ${pad} is invalid for a ${len}-byte packet`)
      end -= pad
    }
    const body = o + 4
    if (pt === RTCP_PT.SR) {
      if (body + 24 > end) fail(`SR needs 24 bytes of sender info after the header, has ${end - body} (RFC 3550 §6.4.1)`)
      const reports = parseReportBlocks(view, body + 24, count, end)
      out.push({
        type: 'sr',
        ssrc: view.getUint32(body),
        ntpSeconds: view.getUint32(body + 4),
        ntpFraction: view.getUint32(body + 8),
        rtpTimestamp: view.getUint32(body + 12),
        packetCount: view.getUint32(body + 16),
        octetCount: view.getUint32(body + 20),
        reports,
        profileExtension: buf.subarray(body + 24 + 24 * count, end),
      })
    } else if (pt === RTCP_PT.RR) {
      if (body + 4 > end) fail(`RR needs the sender SSRC after the header (RFC 3550 §6.4.2)`)
      const reports = parseReportBlocks(view, body + 4, count, end)
      out.push({ type: 'rr', ssrc: view.getUint32(body), reports, profileExtension: buf.subarray(body + 4 + 24 * count, end) })
    } else if (pt === RTCP_PT.SDES) {
      out.push(parseSdes(buf, view, count, body, end))
    } else if (pt === RTCP_PT.BYE) {
      out.push(parseBye(buf, view, count, body, end))
    } else {
      out.push({ type: 'other', packetType: pt, count, body: buf.subarray(body, end) })
    }
    o += len
  }
  return out
}

function check(what: string, name: string, v: number, min: number, max: number): void {
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new RtcspecError('INVALID_ARGUMENT', `${what}: ${name} must be an integer in ${min}..${max}, got ${String(v)}`)
  }
}

function header(out: DataView, count: number, pt: number, totalBytes: number): void {
  out.setUint8(0, 0x80 | count)
  out.setUint8(1, pt)
  out.setUint16(2, totalBytes / 4 - 1)
}

function writeReportBlocks(what: string, view: DataView, offset: number, reports: RtcpReportBlock[]): void {
  if (reports.length > 31) throw new RtcspecError('INVALID_ARGUMENT', `${what}: at most 31 report blocks fit the RC field, got ${reports.length}`)
  for (const [i, r] of reports.entries()) {
    const n = `reports[${i}]`
    check(what, `${n}.ssrc`, r.ssrc, 0, 0xffffffff)
    check(what, `${n}.fractionLost`, r.fractionLost, 0, 255)
    check(what, `${n}.cumulativeLost`, r.cumulativeLost, -0x800000, 0x7fffff)
    check(what, `${n}.extendedHighestSeq`, r.extendedHighestSeq, 0, 0xffffffff)
    check(what, `${n}.jitter`, r.jitter, 0, 0xffffffff)
    check(what, `${n}.lsr`, r.lsr, 0, 0xffffffff)
    check(what, `${n}.dlsr`, r.dlsr, 0, 0xffffffff)
    const o = offset + 24 * i
    view.setUint32(o, r.ssrc)
    view.setUint32(o + 4, ((r.fractionLost << 24) | (r.cumulativeLost & 0xffffff)) >>> 0)
    view.setUint32(o + 8, r.extendedHighestSeq)
    view.setUint32(o + 12, r.jitter)
    view.setUint32(o + 16, r.lsr)
    view.setUint32(o + 20, r.dlsr)
  }
}

/** Serializes a sender report (RFC 3550 §6.4.1). `profileExtension` must be a multiple of 4 bytes. */
export function serializeSr(sr: Omit<RtcpSenderReport, 'type' | 'profileExtension'> & { profileExtension?: Uint8Array }): Uint8Array {
  const what = 'serializeSr'
  for (const k of ['ssrc', 'ntpSeconds', 'ntpFraction', 'rtpTimestamp', 'packetCount', 'octetCount'] as const) check(what, k, sr[k], 0, 0xffffffff)
  const ext = sr.profileExtension ?? new Uint8Array(0)
  if (ext.length % 4 !== 0) throw new RtcspecError('INVALID_ARGUMENT', `${what}: profileExtension must be a multiple of 4 bytes, got ${ext.length}`)
  const out = new Uint8Array(28 + 24 * sr.reports.length + ext.length)
  const view = new DataView(out.buffer)
  writeReportBlocks(what, view, 28, sr.reports)
  header(view, sr.reports.length, RTCP_PT.SR, out.length)
  view.setUint32(4, sr.ssrc)
  view.setUint32(8, sr.ntpSeconds)
  view.setUint32(12, sr.ntpFraction)
  view.setUint32(16, sr.rtpTimestamp)
  view.setUint32(20, sr.packetCount)
  view.setUint32(24, sr.octetCount)
  out.set(ext, 28 + 24 * sr.reports.length)
  return out
}

/** Serializes a receiver report (RFC 3550 §6.4.2). `profileExtension` must be a multiple of 4 bytes. */
export function serializeRr(rr: Omit<RtcpReceiverReport, 'type' | 'profileExtension'> & { profileExtension?: Uint8Array }): Uint8Array {
  const what = 'serializeRr'
  check(what, 'ssrc', rr.ssrc, 0, 0xffffffff)
  const ext = rr.profileExtension ?? new Uint8Array(0)
  if (ext.length % 4 !== 0) throw new RtcspecError('INVALID_ARGUMENT', `${what}: profileExtension must be a multiple of 4 bytes, got ${ext.length}`)
  const out = new Uint8Array(8 + 24 * rr.reports.length + ext.length)
  const view = new DataView(out.buffer)
  writeReportBlocks(what, view, 8, rr.reports)
  header(view, rr.reports.length, RTCP_PT.RR, out.length)
  view.setUint32(4, rr.ssrc)
  out.set(ext, 8 + 24 * rr.reports.length)
  return out
}

/** Serializes an SDES packet with one chunk carrying a CNAME item (RFC 3550 §6.5.1). */
export function serializeSdesCname(ssrc: number, cname: string): Uint8Array {
  check('serializeSdesCname', 'ssrc', ssrc, 0, 0xffffffff)
  const text = utf8enc.encode(cname)
  if (text.length > 255) throw new RtcspecError('INVALID_ARGUMENT', `serializeSdesCname: CNAME is ${text.length} bytes, at most 255 fit (RFC 3550 §6.5)`)
  const chunkLen = Math.ceil((4 + 2 + text.length + 1) / 4) * 4 // SSRC, item, at least one null byte, pad to 32 bits
  const out = new Uint8Array(4 + chunkLen)
  const view = new DataView(out.buffer)
  header(view, 1, RTCP_PT.SDES, out.length)
  view.setUint32(4, ssrc)
  out[8] = 1
  out[9] = text.length
  out.set(text, 10)
  return out
}

/** Serializes a BYE packet (RFC 3550 §6.6), with an optional reason. */
export function serializeBye(ssrcs: number[], reason?: string): Uint8Array {
  if (ssrcs.length > 31) throw new RtcspecError('INVALID_ARGUMENT', `serializeBye: at most 31 SSRCs fit the SC field, got ${ssrcs.length}`)
  ssrcs.forEach((s, i) => check('serializeBye', `ssrcs[${i}]`, s, 0, 0xffffffff))
  const text = reason === undefined ? undefined : utf8enc.encode(reason)
  if (text && text.length > 255) throw new RtcspecError('INVALID_ARGUMENT', `serializeBye: reason is ${text.length} bytes, at most 255 fit`)
  const len = 4 + 4 * ssrcs.length + (text ? Math.ceil((1 + text.length) / 4) * 4 : 0)
  const out = new Uint8Array(len)
  const view = new DataView(out.buffer)
  header(view, ssrcs.length, RTCP_PT.BYE, len)
  ssrcs.forEach((s, i) => view.setUint32(4 + 4 * i, s))
  if (text) {
    out[4 + 4 * ssrcs.length] = text.length
    out.set(text, 5 + 4 * ssrcs.length)
  }
  return out
}

/** Concatenates serialized RTCP packets into a compound packet (RFC 3550 §6.1). */
export function compoundRtcp(packets: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(packets.reduce((n, p) => n + p.length, 0))
  let o = 0
  for (const p of packets) {
    out.set(p, o)
    o += p.length
  }
  return out
}
