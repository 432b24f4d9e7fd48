import { describe, it, expect } from 'vitest'
import { readPcap, writePcap, LINKTYPE_RAW } from '../../src/rtp/pcap.ts'
import { parseRtp, serializeRtp } from '../../src/rtp/packet.ts'

/** RFC 1071 checksum over bytes (returns 0 when the embedded checksum is right). */
function verify(bytes: Uint8Array): number {
  let sum = 0
  for (let i = 0; i < bytes.length; i += 2) sum += (bytes[i]! << 8) | (bytes[i + 1] ?? 0)
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16)
  return ~sum & 0xffff
}

const rtp = (seq: number) =>
  serializeRtp({ payloadType: 0, sequenceNumber: seq, timestamp: seq * 160, ssrc: 0x1234, marker: seq === 0, payload: new Uint8Array(160).fill(0xff) })

describe('pcap writer', () => {
  it('writes the libpcap global header and one record per datagram with µs arrival times', () => {
    const t0 = Date.UTC(2026, 0, 1) + 0.123456
    const file = writePcap(
      [0, 1, 2].map((i) => ({ epochMs: t0 + i * 20.0005, data: rtp(i) })),
      { srcAddress: '127.0.0.1', srcPort: 5004, dstAddress: '127.0.0.2', dstPort: 6000 },
    )
    const v = new DataView(file.buffer)
    expect(v.getUint32(0, true)).toBe(0xa1b2c3d4)
    expect([v.getUint16(4, true), v.getUint16(6, true)]).toEqual([2, 4])
    expect(v.getUint32(20, true)).toBe(LINKTYPE_RAW)
    const { records } = readPcap(file)
    expect(records).toHaveLength(3)
    records.forEach((r, i) => {
      expect(Math.abs(r.epochMs - (t0 + i * 20.0005))).toBeLessThanOrEqual(0.0005)
      expect(r.data.length).toBe(20 + 8 + 12 + 160)
    })
  })

  it('builds valid IPv4 + UDP headers (lengths, protocol, addresses, ports, checksums) around the RTP bytes', () => {
    const data = rtp(7)
    const { records } = readPcap(writePcap([{ epochMs: 1, data }], { srcAddress: '10.1.2.3', srcPort: 40000, dstAddress: '127.0.0.1', dstPort: 50000 }))
    const ip = records[0]!.data
    const v = new DataView(ip.buffer, ip.byteOffset)
    expect(ip[0]).toBe(0x45)
    expect(v.getUint16(2)).toBe(ip.length)
    expect(ip[9]).toBe(17)
    expect([...ip.subarray(12, 16)]).toEqual([10, 1, 2, 3])
    expect([...ip.subarray(16, 20)]).toEqual([127, 0, 0, 1])
    expect(verify(ip.subarray(0, 20))).toBe(0)
    expect(v.getUint16(20)).toBe(40000)
    expect(v.getUint16(22)).toBe(50000)
    expect(v.getUint16(24)).toBe(8 + data.length)
    // UDP checksum over the pseudo-header + datagram verifies to 0
    const pseudo = new Uint8Array(12 + 8 + data.length)
    pseudo.set(ip.subarray(12, 20), 0)
    pseudo[9] = 17
    new DataView(pseudo.buffer).setUint16(10, 8 + data.length)
    pseudo.set(ip.subarray(20), 12)
    expect(verify(pseudo)).toBe(0)
    expect(parseRtp(ip.subarray(28)).sequenceNumber).toBe(7)
  })

  it('writes IPv6 flows with a 40-byte header and a mandatory UDP checksum', () => {
    const { records } = readPcap(writePcap([{ epochMs: 1, data: rtp(1) }], { srcAddress: '::1', srcPort: 1000, dstAddress: 'fe80::1:2', dstPort: 2000 }))
    const ip = records[0]!.data
    expect(ip[0]! >> 4).toBe(6)
    expect(ip[6]).toBe(17)
    expect([...ip.subarray(8, 24)]).toEqual([...new Array(15).fill(0), 1])
    expect([...ip.subarray(24, 40)]).toEqual([0xfe, 0x80, ...new Array(10).fill(0), 0, 1, 0, 2])
    expect(new DataView(ip.buffer, ip.byteOffset).getUint16(46)).not.toBe(0)
  })

  it('rejects bad flows and datagrams with clear errors', () => {
    const flow = { srcAddress: '127.0.0.1', srcPort: 1, dstAddress: '127.0.0.1', dstPort: 2 }
    expect(() => writePcap([], { ...flow, srcPort: 0 })).toThrow(/srcPort must be a UDP port/)
    expect(() => writePcap([], { ...flow, dstAddress: 'example.com' })).toThrow(/not an IPv4 or IPv6 address/)
    expect(() => writePcap([], { ...flow, dstAddress: '::1' })).toThrow(/not the same IP version/)
    expect(() => writePcap([{ epochMs: Number.NaN, data: new Uint8Array(1) }], flow)).toThrow(/capture time/)
    expect(readPcap(writePcap([], flow)).records).toEqual([])
    expect(() => readPcap(new Uint8Array(10))).toThrow(/24-byte global header/)
  })
})
