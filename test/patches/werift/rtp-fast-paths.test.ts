import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { RTCRtpReceiver, RTCRtpSender, RtpHeader } from 'werift'
import { weriftOriginals, weriftRtpFastPaths } from '../../../src/patches/werift/rtp-fast-paths.ts'
import { installWeriftPatches } from '../../../src/patches/werift/index.ts'

installWeriftPatches()

type Outcome = { threw: string } | { header: Record<string, unknown> }

/** Runs a parser and flattens its result (Buffers as hex) so two parsers' outcomes compare with toEqual. */
function outcome(parse: (b: Buffer) => RtpHeader, buf: Buffer): Outcome {
  try {
    const h = parse(buf)
    return {
      header: JSON.parse(
        JSON.stringify({ ...h, serializeSize: safe(() => h.serializeSize) }, (_k, v: unknown) =>
          v && typeof v === 'object' && (v as { type?: string }).type === 'Buffer' ? Buffer.from((v as { data: number[] }).data).toString('hex') : v,
        ),
      ) as Record<string, unknown>,
    }
  } catch (e) {
    return { threw: (e as Error).constructor.name }
  }
}

function safe<T>(f: () => T): T | string {
  try {
    return f()
  } catch (e) {
    return (e as Error).constructor.name
  }
}

/** RTP-shaped packets: a random first byte (version, padding, extension, CSRC count), then random bytes, with a
 * well-formed one- or two-byte or other-profile extension block when the X bit is set. */
const rtpPacket = fc
  .record({
    first: fc.integer({ min: 0, max: 255 }),
    second: fc.integer({ min: 0, max: 255 }),
    fixed: fc.uint8Array({ minLength: 10, maxLength: 10 }),
    csrc: fc.uint8Array({ minLength: 0, maxLength: 60 }),
    profile: fc.constantFrom(0xbede, 0x1000, 0x1234),
    ext: fc.uint8Array({ minLength: 0, maxLength: 40 }),
    payload: fc.uint8Array({ minLength: 0, maxLength: 200 }),
  })
  .map(({ first, second, fixed, csrc, profile, ext, payload }) => {
    const cc = first & 0x0f
    const csrcBytes = Buffer.alloc(cc * 4)
    Buffer.from(csrc).copy(csrcBytes)
    const parts: Buffer[] = [Buffer.from([first, second]), Buffer.from(fixed), csrcBytes]
    if (first & 0x10) {
      const words = Math.ceil(ext.length / 4)
      const head = Buffer.alloc(4)
      head.writeUInt16BE(profile, 0)
      head.writeUInt16BE(words, 2)
      const body = Buffer.alloc(words * 4)
      Buffer.from(ext).copy(body)
      parts.push(head, body)
    }
    parts.push(Buffer.from(payload))
    return Buffer.concat(parts)
  })

describe('werift RTP fast paths', () => {
  it('are installed for our werift peers (installWeriftPatches, which every werift peer calls)', () => {
    expect(weriftRtpFastPaths()).toEqual({ rtpHeaderParse: 'installed', rtpPacketSent: 'installed', codecArray: 'installed' })
    expect(RtpHeader.deSerialize).not.toBe(weriftOriginals.rtpHeaderDeSerialize)
  })

  it('parse every RTP header exactly like werift (fast-check, seeded)', () => {
    weriftRtpFastPaths()
    const patched = (b: Buffer) => RtpHeader.deSerialize(b)
    fc.assert(
      fc.property(rtpPacket, (buf) => {
        expect(outcome(patched, buf)).toEqual(outcome(weriftOriginals.rtpHeaderDeSerialize, buf))
      }),
      { seed: 90409, numRuns: 3000 },
    )
  })

  it('parse arbitrary and truncated bytes like werift: same fields, or both throw', () => {
    weriftRtpFastPaths()
    const patched = (b: Buffer) => RtpHeader.deSerialize(b)
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 48 }), (bytes) => {
        const buf = Buffer.from(bytes)
        const a = outcome(patched, buf)
        const b = outcome(weriftOriginals.rtpHeaderDeSerialize, buf)
        if ('threw' in b) expect('threw' in a).toBe(true)
        else expect(a).toEqual(b)
      }),
      { seed: 90410, numRuns: 3000 },
    )
  })

  it('rtpPacketSent keeps the same sentInfos as werift', () => {
    weriftRtpFastPaths()
    const bwe = (new RTCRtpSender('audio') as unknown as { senderBWE: { sentInfos: Record<number, unknown>; rtpPacketSent(i: object): void } }).senderBWE
    bwe.rtpPacketSent({ wideSeq: 5, size: 100, sendingAtMs: 1, sentAtMs: 1 })
    bwe.rtpPacketSent({ wideSeq: 6, size: 100, sendingAtMs: 2, sentAtMs: 2 })
    // werift deletes the entries whose numeric keys *of sentInfo* are below wideSeq: none for its own objects.
    expect(Object.keys(bwe.sentInfos)).toEqual(['5', '6'])
    bwe.rtpPacketSent({ wideSeq: 7, 5: 'x', 9: 'y' })
    expect(Object.keys(bwe.sentInfos)).toEqual(['6', '7'])
  })

  it('codecArray is sorted by payload type like werift', () => {
    weriftRtpFastPaths()
    const r = Object.create(RTCRtpReceiver.prototype) as { codecs: Record<string, { payloadType: number }>; codecArray: { payloadType: number }[] }
    r.codecs = {}
    expect(r.codecArray).toEqual([])
    r.codecs = { a: { payloadType: 8 } }
    expect(r.codecArray).toEqual([{ payloadType: 8 }])
    r.codecs = { a: { payloadType: 111 }, b: { payloadType: 0 }, c: { payloadType: 8 } }
    expect(r.codecArray.map((c) => c.payloadType)).toEqual([0, 8, 111])
  })
})
