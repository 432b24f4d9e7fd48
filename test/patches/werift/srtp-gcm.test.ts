import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { RtpHeader, SrtpAuthenticationError, SrtpSession } from 'werift'
import { srtpGcmFastPath, usesSrtpGcmFastPath, weriftGcmOriginals } from '../../../src/patches/werift/srtp-gcm.ts'
import { installWeriftPatches } from '../../../src/patches/werift/index.ts'

installWeriftPatches()

interface Cipher {
  encryptRtp(header: RtpHeader, payload: Buffer, roc: number): Buffer
  decryptRtp(cipherText: Buffer, roc: number, header?: RtpHeader): [Buffer, RtpHeader]
}

function session(key: Buffer, salt: Buffer): { cipher: Cipher; session: SrtpSession } {
  const s = new SrtpSession({
    keys: { localMasterKey: key, localMasterSalt: salt, remoteMasterKey: key, remoteMasterSalt: salt },
    profile: 7,
  } as ConstructorParameters<typeof SrtpSession>[0])
  const cipher = (s as unknown as { localContext: { cipher: Cipher } }).localContext.cipher
  // the comparisons below against werift's own methods mean something only if ours are really in use
  expect(usesSrtpGcmFastPath(cipher)).toBe(true)
  return { session: s, cipher }
}

const rtp = fc.record({
  key: fc.uint8Array({ minLength: 16, maxLength: 16 }).map((a) => Buffer.from(a)),
  salt: fc.uint8Array({ minLength: 12, maxLength: 12 }).map((a) => Buffer.from(a)),
  seq: fc.integer({ min: 0, max: 0xffff }),
  ts: fc.integer({ min: 0, max: 0xffffffff }),
  ssrc: fc.integer({ min: 0, max: 0xffffffff }),
  pt: fc.integer({ min: 0, max: 127 }),
  marker: fc.boolean(),
  roc: fc.integer({ min: 0, max: 0xffff }),
  withExtension: fc.boolean(),
  payload: fc.uint8Array({ minLength: 0, maxLength: 300 }).map((a) => Buffer.from(a)),
})

function header(p: { seq: number; ts: number; ssrc: number; pt: number; marker: boolean; withExtension: boolean }): RtpHeader {
  return new RtpHeader({
    sequenceNumber: p.seq,
    timestamp: p.ts,
    ssrc: p.ssrc,
    payloadType: p.pt,
    marker: p.marker,
    extensions: p.withExtension ? [{ id: 1, payload: Buffer.from([0x30]) }] : [],
  })
}

describe('werift SRTP AES-GCM without a cipher context per packet', () => {
  it('is installed for our werift peers (installWeriftPatches, which every werift peer calls)', () => {
    expect(srtpGcmFastPath()).toBe('installed')
    expect(weriftGcmOriginals.encryptRtp).toBeTypeOf('function')
  })

  it("protects byte-identically to werift's own encryptRtp, and each side opens the other's packets (fast-check, seeded)", () => {
    srtpGcmFastPath()
    const { encryptRtp, decryptRtp } = weriftGcmOriginals as Required<typeof weriftGcmOriginals>
    fc.assert(
      fc.property(rtp, (p) => {
        const { cipher } = session(p.key, p.salt)
        const ours = cipher.encryptRtp(header(p), p.payload, p.roc)
        const theirs = encryptRtp.call(cipher as never, header(p), p.payload, p.roc)
        expect(ours.equals(theirs)).toBe(true)
        const parsed = RtpHeader.deSerialize(ours.subarray(0, ours.length - 16))
        const [a, ha] = cipher.decryptRtp(theirs, p.roc, parsed)
        const [b, hb] = decryptRtp.call(cipher as never, ours, p.roc, RtpHeader.deSerialize(ours.subarray(0, ours.length - 16)))
        expect(a.equals(b)).toBe(true)
        expect(ha.paddingSize).toBe(hb.paddingSize)
        expect(a.subarray(parsed.payloadOffset).equals(p.payload)).toBe(true)
      }),
      { seed: 90413, numRuns: 800 },
    )
  })

  it('matches werift over runs of consecutive sequence numbers (prefetched keystreams), growing payloads, reordering and a rollover', () => {
    srtpGcmFastPath()
    const { encryptRtp } = weriftGcmOriginals as Required<typeof weriftGcmOriginals>
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 16, maxLength: 16 }).map((a) => Buffer.from(a)),
        fc.uint8Array({ minLength: 12, maxLength: 12 }).map((a) => Buffer.from(a)),
        fc.integer({ min: 65400, max: 65535 }),
        fc.array(fc.record({ step: fc.integer({ min: -3, max: 40 }), length: fc.integer({ min: 0, max: 600 }), ssrc: fc.constantFrom(1, 2, 0xffffffff) }), {
          minLength: 1,
          maxLength: 120,
        }),
        (key, salt, first, steps) => {
          const { cipher } = session(key, salt)
          let seq = first
          let roc = 7
          for (const { step, length, ssrc } of steps) {
            seq += step
            if (seq > 0xffff) (seq -= 0x10000), roc++
            if (seq < 0) seq = 0
            const h = () => new RtpHeader({ sequenceNumber: seq, timestamp: seq * 160, ssrc, payloadType: 0 })
            const payload = Buffer.alloc(length, seq & 0xff)
            const ours = cipher.encryptRtp(h(), payload, roc)
            expect(ours.equals(encryptRtp.call(cipher as never, h(), payload, roc))).toBe(true)
            expect(
              cipher
                .decryptRtp(ours, roc, RtpHeader.deSerialize(ours.subarray(0, ours.length - 16)))[0]
                .subarray(12)
                .equals(payload),
            ).toBe(true)
          }
        },
      ),
      { seed: 90414, numRuns: 150 },
    )
  })

  it('rejects a tampered packet or a wrong rollover counter with SrtpAuthenticationError, like werift', () => {
    srtpGcmFastPath()
    const { cipher } = session(Buffer.alloc(16, 9), Buffer.alloc(12, 4))
    const h = new RtpHeader({ sequenceNumber: 7, timestamp: 160, ssrc: 1234, payloadType: 0 })
    const packet = cipher.encryptRtp(h, Buffer.alloc(160, 0x55), 0)
    const parse = (b: Buffer) => RtpHeader.deSerialize(b.subarray(0, b.length - 16))
    const tampered = Buffer.from(packet)
    tampered[20]! ^= 1
    expect(() => cipher.decryptRtp(tampered, 0, parse(tampered))).toThrow(SrtpAuthenticationError)
    expect(() => cipher.decryptRtp(packet, 1, parse(packet))).toThrow(SrtpAuthenticationError)
    expect(cipher.decryptRtp(packet, 0, parse(packet))[0].subarray(12).equals(Buffer.alloc(160, 0x55))).toBe(true)
  })

  it('round-trips through SrtpSession encrypt/decrypt', () => {
    srtpGcmFastPath()
    const { session: s } = session(Buffer.alloc(16, 3), Buffer.alloc(12, 5))
    for (let seq = 65530; seq < 65545; seq++) {
      const h = new RtpHeader({ sequenceNumber: seq & 0xffff, timestamp: seq * 160, ssrc: 42, payloadType: 8 })
      const payload = Buffer.alloc(160, seq & 0xff)
      const dec = s.decrypt(s.encrypt(payload, h))
      expect(dec.subarray(12).equals(payload)).toBe(true)
    }
  })
})
