import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { parseRtcp, serializeSr, serializeRr, serializeSdesCname, serializeBye, compoundRtcp, type RtcpReportBlock } from '../../src/rtp/rtcp.ts'
import { RtpReceiveStats } from '../../src/rtp/stats.ts'
import { ParseError, RtcspecError } from '../../src/errors.ts'
import { makeStream } from './stream.ts'

const hex = (s: string) =>
  Uint8Array.from(
    s
      .replace(/\s+/g, '')
      .match(/../g)!
      .map((b) => parseInt(b, 16)),
  )
const u32 = fc.integer({ min: 0, max: 0xffffffff })
const block = fc.record({
  ssrc: u32,
  fractionLost: fc.integer({ min: 0, max: 255 }),
  cumulativeLost: fc.integer({ min: -0x800000, max: 0x7fffff }),
  extendedHighestSeq: u32,
  jitter: u32,
  lsr: u32,
  dlsr: u32,
})

describe('RTCP RR', () => {
  it('encodes a negative cumulative lost as signed 24-bit and decodes it back', () => {
    const rb: RtcpReportBlock = {
      ssrc: 0xdeadbeef,
      fractionLost: 0,
      cumulativeLost: -3,
      extendedHighestSeq: 0x0001_0005,
      jitter: 17,
      lsr: 0x11223344,
      dlsr: 0x00010000,
    }
    const buf = serializeRr({ ssrc: 42, reports: [rb] })
    expect([...buf.subarray(0, 8)]).toEqual([0x81, 201, 0, 7, 0, 0, 0, 42])
    expect([...buf.subarray(12, 16)]).toEqual([0x00, 0xff, 0xff, 0xfd]) // fraction 0, lost -3 = 0xfffffd
    const [p] = parseRtcp(buf)
    expect(p).toEqual({ type: 'rr', ssrc: 42, reports: [rb], profileExtension: new Uint8Array(0) })
  })

  it('decodes the signed 24-bit extremes from a hand-written packet', () => {
    const buf = hex(`81c90007 0000002a  00000001 ff800000 00000000 00000000 00000000 00000000`)
    const [p] = parseRtcp(buf)
    expect(p).toMatchObject({ type: 'rr', reports: [{ ssrc: 1, fractionLost: 255, cumulativeLost: -0x800000 }] })
    const [q] = parseRtcp(hex(`81c90007 0000002a  00000001 807fffff 00000000 00000000 00000000 00000000`))
    expect(q).toMatchObject({ reports: [{ fractionLost: 128, cumulativeLost: 0x7fffff }] })
  })

  it('round-trips arbitrary RRs and SRs', () => {
    fc.assert(
      fc.property(u32, fc.array(block, { maxLength: 31 }), (ssrc, reports) => {
        expect(parseRtcp(serializeRr({ ssrc, reports }))).toEqual([{ type: 'rr', ssrc, reports, profileExtension: new Uint8Array(0) }])
      }),
    )
    fc.assert(
      fc.property(
        fc.record({ ssrc: u32, ntpSeconds: u32, ntpFraction: u32, rtpTimestamp: u32, packetCount: u32, octetCount: u32 }),
        fc.array(block, { maxLength: 5 }),
        (info, reports) => {
          const profileExtension = Uint8Array.of(1, 2, 3, 4)
          expect(parseRtcp(serializeSr({ ...info, reports, profileExtension }))).toEqual([{ type: 'sr', ...info, reports, profileExtension }])
        },
      ),
    )
  })

  it('carries RtpReceiveStats.intervalReport() values, including negative cumulative lost from duplicates', () => {
    const stats = new RtpReceiveStats({ clockRate: 8000 })
    const pkts = makeStream(50, { firstSeq: 100, ssrc: 777 })
    for (const p of [...pkts, ...pkts.slice(-5)]) stats.onPacket(p, p.sentMs)
    const r = stats.intervalReport()!
    expect(r.cumulativeLost).toBe(-5)
    const buf = serializeRr({
      ssrc: 1,
      reports: [
        {
          ssrc: r.ssrc,
          fractionLost: r.fractionLostByte,
          cumulativeLost: r.cumulativeLost,
          extendedHighestSeq: r.extendedHighestSeq,
          jitter: r.jitter,
          lsr: 0,
          dlsr: 0,
        },
      ],
    })
    expect(parseRtcp(buf)).toMatchObject([{ type: 'rr', reports: [{ ssrc: 777, cumulativeLost: -5, extendedHighestSeq: 149, fractionLost: 0 }] }])
  })

  it('serializers reject out-of-range values', () => {
    const rb: RtcpReportBlock = { ssrc: 1, fractionLost: 0, cumulativeLost: 0, extendedHighestSeq: 0, jitter: 0, lsr: 0, dlsr: 0 }
    expect(() => serializeRr({ ssrc: 1, reports: [{ ...rb, cumulativeLost: 0x800000 }] })).toThrow(RtcspecError)
    expect(() => serializeRr({ ssrc: 1, reports: [{ ...rb, fractionLost: 256 }] })).toThrow(/fractionLost/)
    expect(() => serializeRr({ ssrc: 1, reports: new Array(32).fill(rb) })).toThrow(/31/)
    expect(() => serializeSr({ ssrc: -1, ntpSeconds: 0, ntpFraction: 0, rtpTimestamp: 0, packetCount: 0, octetCount: 0, reports: [] })).toThrow(/ssrc/)
  })
})

describe('RTCP SDES, BYE, compound', () => {
  it('parses a compound SR + SDES CNAME + BYE', () => {
    const sr = serializeSr({ ssrc: 5, ntpSeconds: 3900000000, ntpFraction: 0x80000000, rtpTimestamp: 160, packetCount: 10, octetCount: 1600, reports: [] })
    for (const cname of ['', 'a', 'abc', 'user@host.example', 'émoji-🙂']) {
      const buf = compoundRtcp([sr, serializeSdesCname(5, cname), serializeBye([5, 6], 'done')])
      const pkts = parseRtcp(buf)
      expect(pkts.map((p) => p.type)).toEqual(['sr', 'sdes', 'bye'])
      expect(pkts[1]).toEqual({ type: 'sdes', chunks: [{ ssrc: 5, items: [{ type: 1, text: cname }], cname }] })
      expect(pkts[2]).toEqual({ type: 'bye', ssrcs: [5, 6], reason: 'done' })
      expect(buf.length % 4).toBe(0)
    }
  })

  it('parses a multi-chunk SDES with several items, a BYE without reason, and keeps unknown packets raw', () => {
    const buf = hex(`
      82ca0007  00000001 0103 616263 02 01 78 00 000000   00000002 0102 7a7a 00000000
      81cb0001  00000009
      81cd0002  00000001 00000002`)
    // chunk 1: CNAME "abc", NAME "x", null + pad; chunk 2: CNAME "zz", null + pad
    const pkts = parseRtcp(buf)
    expect(pkts[0]).toEqual({
      type: 'sdes',
      chunks: [
        {
          ssrc: 1,
          items: [
            { type: 1, text: 'abc' },
            { type: 2, text: 'x' },
          ],
          cname: 'abc',
        },
        { ssrc: 2, items: [{ type: 1, text: 'zz' }], cname: 'zz' },
      ],
    })
    expect(pkts[1]).toEqual({ type: 'bye', ssrcs: [9], reason: undefined })
    expect(pkts[2]).toEqual({ type: 'other', packetType: 205, count: 1, body: hex('00000001 00000002') })
  })

  it('handles padding on the last packet only', () => {
    const padded = hex('a1cb0002 00000009 00000004') // BYE, P bit, 4 padding bytes
    expect(parseRtcp(padded)).toEqual([{ type: 'bye', ssrcs: [9], reason: undefined }])
    const rr = serializeRr({ ssrc: 1, reports: [] })
    expect(() => parseRtcp(compoundRtcp([padded, rr]))).toThrow(/not the last/)
  })

  it('throws ParseError for truncated or invalid RTCP', () => {
    const valid = compoundRtcp([
      serializeRr({ ssrc: 1, reports: [{ ssrc: 2, fractionLost: 1, cumulativeLost: -1, extendedHighestSeq: 3, jitter: 4, lsr: 5, dlsr: 6 }] }),
      serializeSdesCname(1, 'cname'),
      serializeBye([1], 'bye'),
    ])
    for (let n = 0; n < valid.length; n++) {
      // only prefixes ending on a packet boundary may parse
      const boundary = [32, 32 + 16].includes(n)
      if (boundary) expect(() => parseRtcp(valid.subarray(0, n))).not.toThrow()
      else expect(() => parseRtcp(valid.subarray(0, n)), `prefix ${n}`).toThrow(ParseError)
    }
    const err = (b: Uint8Array) => {
      try {
        parseRtcp(b)
      } catch (e) {
        expect((e as ParseError).format).toBe('rtcp')
        return (e as ParseError).reason
      }
      return 'no error'
    }
    expect(err(hex('41c90001 00000001'))).toMatch(/version 1/)
    expect(err(hex('81c90001 00000001'))).toMatch(/report blocks need 24/) // RC=1, no block
    expect(err(hex('80c80001 00000001'))).toMatch(/sender info/)
    expect(err(hex('81ca0001 00000001'))).toMatch(/not terminated/) // SDES chunk without null item
    expect(err(hex('81ca0002 00000001 01090000'))).toMatch(/runs past/)
    expect(err(hex('82cb0001 00000001'))).toMatch(/BYE lists 2/)
    expect(err(hex('80cb0001 09616263'))).toMatch(/reason length 9/)
    expect(err(hex('a0cb0000'))).toMatch(/padding count 0/)
  })
})
