import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { parseRtp, serializeRtp, parseHeaderExtensionElements, serializeHeaderExtensionElements, type RtpPacket } from '../../src/rtp/packet.ts'
import { ParseError, RtcspecError } from '../../src/errors.ts'

const hex = (s: string) =>
  Uint8Array.from(
    s
      .replace(/\s+/g, '')
      .match(/../g)!
      .map((b) => parseInt(b, 16)),
  )

function parseError(f: () => unknown): ParseError {
  try {
    f()
  } catch (e) {
    expect(e).toBeInstanceOf(ParseError)
    expect((e as ParseError).format).toBe('rtp')
    expect((e as ParseError).code).toBe('RTP_PARSE')
    return e as ParseError
  }
  throw new Error('expected a ParseError')
}

describe('parseRtp', () => {
  it('parses a hand-assembled packet with CSRCs, a one-byte extension, padding and the marker', () => {
    const buf = hex(`
      b2 e0 1234 89abcdef 01020304
      0a0b0c0d 0e0f1011
      bede 0001  10 ff 20 00
      aabbcc
      000003`)
    // b2 = V2, P, X, CC=2; e0 = M + PT 96
    const p = parseRtp(buf)
    expect(p).toMatchObject({
      marker: true,
      payloadType: 96,
      sequenceNumber: 0x1234,
      timestamp: 0x89abcdef,
      ssrc: 0x01020304,
      csrcs: [0x0a0b0c0d, 0x0e0f1011],
      paddingLength: 3,
    })
    expect([...p.payload]).toEqual([0xaa, 0xbb, 0xcc])
    expect(p.extension?.profile).toBe(0xbede)
    expect([...p.extension!.data]).toEqual([0x10, 0xff, 0x20, 0x00])
    const els = parseHeaderExtensionElements(p.extension!)
    expect(els.map((e) => [e.id, [...e.data]])).toEqual([
      [1, [0xff]],
      [2, [0x00]],
    ])
    expect(serializeRtp(p)).toEqual(buf)
  })

  it('round-trips arbitrary packets', () => {
    const bytes = (max: number) => fc.uint8Array({ maxLength: max })
    const arb = fc.record({
      marker: fc.boolean(),
      payloadType: fc.integer({ min: 0, max: 127 }),
      sequenceNumber: fc.integer({ min: 0, max: 0xffff }),
      timestamp: fc.integer({ min: 0, max: 0xffffffff }),
      ssrc: fc.integer({ min: 0, max: 0xffffffff }),
      csrcs: fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 15 }),
      extension: fc.option(
        fc.record({
          profile: fc.integer({ min: 0, max: 0xffff }),
          data: fc.integer({ min: 0, max: 8 }).chain((w) => fc.uint8Array({ minLength: 4 * w, maxLength: 4 * w })),
        }),
        { nil: undefined },
      ),
      payload: bytes(300),
      paddingLength: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 255 })),
    })
    fc.assert(
      fc.property(arb, (p: RtpPacket) => {
        const buf = serializeRtp(p)
        const q = parseRtp(buf)
        expect(q).toEqual(p)
        expect(serializeRtp(q)).toEqual(buf)
      }),
    )
  })

  it('throws ParseError for short, truncated or invalid input', () => {
    expect(parseError(() => parseRtp(new Uint8Array(11))).reason).toMatch(/12-byte/)
    expect(parseError(() => parseRtp(hex('40 00 0001 00000000 00000000'))).reason).toMatch(/version is 1/)
    expect(parseError(() => parseRtp(hex('83 00 0001 00000000 00000000 00000001'))).reason).toMatch(/CSRC count 3/)
    expect(parseError(() => parseRtp(hex('90 00 0001 00000000 00000000 bede'))).reason).toMatch(/extension header/)
    expect(parseError(() => parseRtp(hex('90 00 0001 00000000 00000000 bede 0002 11223344'))).reason).toMatch(/extension length 2/)
    expect(parseError(() => parseRtp(hex('a0 00 0001 00000000 00000000 aa 00'))).reason).toMatch(/padding count \(last byte\) is 0/)
    expect(parseError(() => parseRtp(hex('a0 00 0001 00000000 00000000 aa 05'))).reason).toMatch(/padding count 5 exceeds/)
    // every strict prefix of a valid packet with CSRC + extension fails (never a silent partial parse)
    const full = serializeRtp({
      payloadType: 0,
      sequenceNumber: 1,
      timestamp: 2,
      ssrc: 3,
      csrcs: [9],
      extension: { profile: 0xbede, data: new Uint8Array(8) },
      payload: new Uint8Array(0),
    })
    for (let n = 0; n < full.length; n++) expect(() => parseRtp(full.subarray(0, n))).toThrow(ParseError)
  })

  it('works on a view into a larger buffer', () => {
    const inner = serializeRtp({ payloadType: 8, sequenceNumber: 7, timestamp: 8, ssrc: 9, payload: Uint8Array.of(1, 2, 3) })
    const big = new Uint8Array(100)
    big.set(inner, 37)
    const p = parseRtp(big.subarray(37, 37 + inner.length))
    expect(p).toMatchObject({ payloadType: 8, sequenceNumber: 7, timestamp: 8, ssrc: 9 })
    expect([...p.payload]).toEqual([1, 2, 3])
  })

  it('serializeRtp rejects out-of-range fields', () => {
    const base = { payloadType: 0, sequenceNumber: 0, timestamp: 0, ssrc: 0, payload: new Uint8Array(0) }
    expect(() => serializeRtp({ ...base, payloadType: 128 })).toThrow(RtcspecError)
    expect(() => serializeRtp({ ...base, sequenceNumber: 65536 })).toThrow(/sequenceNumber/)
    expect(() => serializeRtp({ ...base, csrcs: new Array(16).fill(1) })).toThrow(/15 CSRCs/)
    expect(() => serializeRtp({ ...base, extension: { profile: 1, data: new Uint8Array(3) } })).toThrow(/multiple of 4/)
  })
})

describe('RFC 8285 header extension elements', () => {
  it('one-byte form: round trip, padding skipped, id 15 stops', () => {
    const els = [
      { id: 1, data: Uint8Array.of(0x30) },
      { id: 3, data: Uint8Array.of(1, 2, 3) },
      { id: 14, data: new Uint8Array(16).fill(7) },
    ]
    const ext = serializeHeaderExtensionElements(els)
    expect(ext.profile).toBe(0xbede)
    expect(ext.data.length % 4).toBe(0)
    expect(parseHeaderExtensionElements(ext)).toEqual(els)
    expect(parseHeaderExtensionElements({ profile: 0xbede, data: hex('00 10 aa f0 20 bb 0000') })).toEqual([{ id: 1, data: Uint8Array.of(0xaa) }])
  })

  it('two-byte form when an id or length does not fit the one-byte form', () => {
    const els = [
      { id: 1, data: new Uint8Array(0) },
      { id: 200, data: new Uint8Array(40).fill(9) },
    ]
    const ext = serializeHeaderExtensionElements(els)
    expect(ext.profile).toBe(0x1000)
    expect(parseHeaderExtensionElements(ext)).toEqual(els)
  })

  it('throws for elements running past the data and unknown profiles', () => {
    expect(() => parseHeaderExtensionElements({ profile: 0xbede, data: hex('13 aa bb 00') })).toThrow(/runs past/)
    expect(() => parseHeaderExtensionElements({ profile: 0x1000, data: hex('05 09 aa bb') })).toThrow(/runs past/)
    expect(() => parseHeaderExtensionElements({ profile: 0x1234, data: new Uint8Array(4) })).toThrow(ParseError)
  })
})
