/**
 * A classic libpcap file writer (and a small reader for tests) for captured RTP/RTCP. Pure, no I/O.
 *
 * Format: the libpcap global header (magic 0xa1b2c3d4, microsecond timestamps, version 2.4, snaplen
 * 262144, little-endian) with LINKTYPE_RAW (101): each record is an IP packet with no link header. Every
 * packet gets a synthetic IPv4 (or IPv6) header and a UDP header with a correct checksum, so Wireshark and
 * tshark dissect it; decode the UDP port as RTP with `tshark -r file.pcap -d udp.port==<port>,rtp`.
 *
 * @module
 */
import { ParseError, RtcspecError } from '../errors.ts'
import { isIPv4, isIPv6 } from '../ice/address.ts'

/** libpcap LINKTYPE_RAW: raw IPv4/IPv6 packets. */
export const LINKTYPE_RAW = 101
const MAGIC_US = 0xa1b2c3d4
const SNAPLEN = 262144

/** The UDP flow captured packets are put in (addresses are synthetic if you want them to be). */
export interface UdpFlow {
  srcAddress: string
  srcPort: number
  dstAddress: string
  dstPort: number
}

/** One captured datagram: its UDP payload (an RTP or RTCP packet) and when it was seen. */
export interface PcapDatagram {
  /** Capture time, ms since the Unix epoch (fractions kept to the microsecond). */
  epochMs: number
  /** The UDP payload. */
  data: Uint8Array
}

function checkPort(port: number, what: string): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new RtcspecError('INVALID_ARGUMENT', `writePcap: ${what} must be a UDP port 1..65535, got ${port}`)
}

function ipv4Bytes(text: string): Uint8Array {
  return Uint8Array.from(text.split('.').map(Number))
}

function ipv6Bytes(text: string): Uint8Array {
  let s = text.replace(/^\[|\]$/g, '').replace(/%.*$/, '')
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two hex groups.
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(s)
  if (v4) {
    const b = ipv4Bytes(v4[1] as string)
    s = `${s.slice(0, v4.index)}${(((b[0] as number) << 8) | (b[1] as number)).toString(16)}:${(((b[2] as number) << 8) | (b[3] as number)).toString(16)}`
  }
  const [head = '', tail] = s.split('::')
  const h = head ? head.split(':') : []
  const t = tail !== undefined && tail !== '' ? tail.split(':') : []
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t]
  const out = new Uint8Array(16)
  groups.forEach((g, i) => {
    const v = parseInt(g, 16)
    out[2 * i] = v >> 8
    out[2 * i + 1] = v & 0xff
  })
  return out
}

function addressBytes(text: string, what: string): Uint8Array {
  if (isIPv4(text)) return ipv4Bytes(text)
  if (isIPv6(text.replace(/^\[|\]$/g, '').replace(/%.*$/, ''))) return ipv6Bytes(text)
  throw new RtcspecError('INVALID_ARGUMENT', `writePcap: ${what} "${text}" is not an IPv4 or IPv6 address`, {
    hint: 'use a numeric address such as 127.0.0.1 or ::1',
  })
}

/** One's-complement sum of 16-bit words (RFC 1071), folded. */
function onesSum(bytes: Uint8Array, start: number, end: number, acc: number): number {
  let sum = acc
  let i = start
  for (; i + 1 < end; i += 2) sum += ((bytes[i] as number) << 8) | (bytes[i + 1] as number)
  if (i < end) sum += (bytes[i] as number) << 8
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16)
  return sum
}

/** Builds the synthetic IP + UDP packet around `data`. */
function ipUdpPacket(flow: UdpFlow, src: Uint8Array, dst: Uint8Array, data: Uint8Array, id: number): Uint8Array {
  const v6 = src.length === 16
  const ipLen = v6 ? 40 : 20
  const udpLen = 8 + data.length
  const out = new Uint8Array(ipLen + udpLen)
  const view = new DataView(out.buffer)
  if (v6) {
    view.setUint32(0, 0x60000000)
    view.setUint16(4, udpLen)
    out[6] = 17 // next header: UDP
    out[7] = 64 // hop limit
    out.set(src, 8)
    out.set(dst, 24)
  } else {
    out[0] = 0x45
    view.setUint16(2, ipLen + udpLen)
    view.setUint16(4, id & 0xffff)
    view.setUint16(6, 0x4000) // don't fragment
    out[8] = 64 // TTL
    out[9] = 17 // UDP
    out.set(src, 12)
    out.set(dst, 16)
    view.setUint16(10, ~onesSum(out, 0, 20, 0) & 0xffff)
  }
  view.setUint16(ipLen, flow.srcPort)
  view.setUint16(ipLen + 2, flow.dstPort)
  view.setUint16(ipLen + 4, udpLen)
  out.set(data, ipLen + 8)
  // UDP checksum over the pseudo-header (addresses, protocol, UDP length) and the datagram.
  let sum = onesSum(src, 0, src.length, 0)
  sum = onesSum(dst, 0, dst.length, sum)
  sum += 17 + udpLen
  sum = onesSum(out, ipLen, out.length, sum)
  const check = ~sum & 0xffff
  view.setUint16(ipLen + 6, check === 0 ? 0xffff : check)
  return out
}

/**
 * Writes `datagrams` (in capture order) as a libpcap file of UDP packets on `flow`, with synthetic IP/UDP
 * headers and LINKTYPE_RAW. Datagrams larger than 65 507 bytes are rejected.
 */
export function writePcap(datagrams: Iterable<PcapDatagram>, flow: UdpFlow): Uint8Array {
  checkPort(flow.srcPort, 'srcPort')
  checkPort(flow.dstPort, 'dstPort')
  const src = addressBytes(flow.srcAddress, 'srcAddress')
  const dst = addressBytes(flow.dstAddress, 'dstAddress')
  if (src.length !== dst.length)
    throw new RtcspecError('INVALID_ARGUMENT', `writePcap: source ${flow.srcAddress} and destination ${flow.dstAddress} are not the same IP version`)
  const records: Uint8Array[] = []
  let total = 24
  let id = 0
  for (const d of datagrams) {
    if (d.data.length > 65507) throw new RtcspecError('INVALID_ARGUMENT', `writePcap: a ${d.data.length}-byte datagram does not fit in UDP`)
    if (!Number.isFinite(d.epochMs) || d.epochMs < 0)
      throw new RtcspecError('INVALID_ARGUMENT', `writePcap: capture time must be ms since the epoch, got ${d.epochMs}`)
    const pkt = ipUdpPacket(flow, src, dst, d.data, id++)
    const rec = new Uint8Array(16 + pkt.length)
    const view = new DataView(rec.buffer)
    const us = Math.round(d.epochMs * 1000)
    view.setUint32(0, Math.floor(us / 1e6), true)
    view.setUint32(4, us % 1e6, true)
    view.setUint32(8, pkt.length, true)
    view.setUint32(12, pkt.length, true)
    rec.set(pkt, 16)
    records.push(rec)
    total += rec.length
  }
  const out = new Uint8Array(total)
  const view = new DataView(out.buffer)
  view.setUint32(0, MAGIC_US, true)
  view.setUint16(4, 2, true)
  view.setUint16(6, 4, true)
  view.setInt32(8, 0, true)
  view.setUint32(12, 0, true)
  view.setUint32(16, SNAPLEN, true)
  view.setUint32(20, LINKTYPE_RAW, true)
  let off = 24
  for (const r of records) {
    out.set(r, off)
    off += r.length
  }
  return out
}

/** One record read back by `readPcap`. */
export interface PcapRecord {
  epochMs: number
  /** The captured bytes (for LINKTYPE_RAW: the IP packet). */
  data: Uint8Array
}

/** Reads a little-endian microsecond libpcap file (what `writePcap` writes). Throws a ParseError naming the offset otherwise. */
export function readPcap(bytes: Uint8Array): { linkType: number; records: PcapRecord[] } {
  if (bytes.length < 24) throw new ParseError('pcap', `file is ${bytes.length} bytes, shorter than the 24-byte global header`)
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  if (view.getUint32(0, true) !== MAGIC_US)
    throw new ParseError('pcap', `unsupported magic 0x${view.getUint32(0, true).toString(16)} (expected little-endian microsecond libpcap)`)
  const linkType = view.getUint32(20, true)
  const records: PcapRecord[] = []
  let off = 24
  while (off < bytes.length) {
    if (off + 16 > bytes.length) throw new ParseError('pcap', `truncated record header at byte ${off}`)
    const sec = view.getUint32(off, true)
    const usec = view.getUint32(off + 4, true)
    const incl = view.getUint32(off + 8, true)
    if (off + 16 + incl > bytes.length) throw new ParseError('pcap', `record at byte ${off} claims ${incl} bytes past the end of the file`)
    records.push({ epochMs: sec * 1000 + usec / 1000, data: bytes.subarray(off + 16, off + 16 + incl) })
    off += 16 + incl
  }
  return { linkType, records }
}
