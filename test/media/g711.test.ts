import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import {
  linearToMulaw,
  mulawToLinear,
  linearToAlaw,
  alawToLinear,
  encodeMulaw,
  decodeMulaw,
  encodeAlaw,
  decodeAlaw,
  pcmuEncoder,
  pcmaEncoder,
  pcmuDecoder,
  pcmaDecoder,
} from '../../src/media/g711.ts'

/*
 * Independent reference: the classic Sun Microsystems / CCITT `g711.c` (public domain), transcribed.
 * It is written differently from G.191 (segment search over end-point tables, bias added after the
 * magnitude, shift-based expansion).
 *
 * One known difference: Sun's `linear2ulaw` takes the magnitude as `-(x >> 2)` for negative x, while
 * G.191's `ulaw_compress` folds negatives with a one's complement, `(~x) >> 2` = `(-1 - x) >> 2`.
 * G.191 is the ITU reference, so `sunLinear2ulawG191Sign` feeds Sun's segment logic the G.191 magnitude;
 * the unmodified Sun function is kept to pin down that the two differ only there.
 */
const SIGN_BIT = 0x80
const QUANT_MASK = 0xf
const SEG_SHIFT = 4
const SEG_MASK = 0x70
const BIAS = 0x84
const CLIP = 8159
const segAend = [0x1f, 0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff]
const segUend = [0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff, 0x1fff]

function search(val: number, table: number[]): number {
  for (let i = 0; i < table.length; i++) if (val <= (table[i] as number)) return i
  return table.length
}

function sunLinear2alaw(pcmVal16: number): number {
  let pcmVal = pcmVal16 >> 3
  let mask: number
  if (pcmVal >= 0) {
    mask = 0xd5
  } else {
    mask = 0x55
    pcmVal = -pcmVal - 1
  }
  const seg = search(pcmVal, segAend)
  if (seg >= 8) return 0x7f ^ mask
  let aval = seg << SEG_SHIFT
  if (seg < 2) aval |= (pcmVal >> 1) & QUANT_MASK
  else aval |= (pcmVal >> seg) & QUANT_MASK
  return aval ^ mask
}

function sunAlaw2linear(aValIn: number): number {
  const aVal = aValIn ^ 0x55
  let t = (aVal & QUANT_MASK) << 4
  const seg = (aVal & SEG_MASK) >> SEG_SHIFT
  switch (seg) {
    case 0:
      t += 8
      break
    case 1:
      t += 0x108
      break
    default:
      t += 0x108
      t <<= seg - 1
  }
  return aVal & SIGN_BIT ? t : -t
}

function sunUlawSegments(magnitude14: number, mask: number): number {
  let pcmVal = magnitude14
  if (pcmVal > CLIP) pcmVal = CLIP
  pcmVal += BIAS >> 2
  const seg = search(pcmVal, segUend)
  if (seg >= 8) return 0x7f ^ mask
  const uval = (seg << 4) | ((pcmVal >> (seg + 1)) & 0xf)
  return uval ^ mask
}

/** Sun `linear2ulaw`, unmodified. */
function sunLinear2ulaw(pcm16: number): number {
  const v = pcm16 >> 2
  return v < 0 ? sunUlawSegments(-v, 0x7f) : sunUlawSegments(v, 0xff)
}

/** Sun `linear2ulaw` segment logic with G.191's one's-complement magnitude for negatives. */
function sunLinear2ulawG191Sign(pcm16: number): number {
  return pcm16 < 0 ? sunUlawSegments((-1 - pcm16) >> 2, 0x7f) : sunUlawSegments(pcm16 >> 2, 0xff)
}

function sunUlaw2linear(uValIn: number): number {
  const uVal = ~uValIn & 0xff
  let t = ((uVal & QUANT_MASK) << 3) + BIAS
  t <<= (uVal & SEG_MASK) >> SEG_SHIFT
  return uVal & SIGN_BIT ? BIAS - t : t - BIAS
}

describe('G.711 μ-law (PCMU)', () => {
  it('decodes all 256 codes like the Sun/CCITT reference', () => {
    for (let b = 0; b < 256; b++) expect(mulawToLinear(b), `code 0x${b.toString(16)}`).toBe(sunUlaw2linear(b))
  })

  it('decodes the known constants', () => {
    expect(mulawToLinear(0xff)).toBe(0)
    expect(mulawToLinear(0x7f)).toBe(0)
    expect(mulawToLinear(0x00)).toBe(-32124)
    expect(mulawToLinear(0x80)).toBe(32124)
    expect(mulawToLinear(0xfe)).toBe(8)
    expect(mulawToLinear(0x7e)).toBe(-8)
    // the first code of each segment (positive side)
    expect([0xef, 0xdf, 0xcf, 0xbf, 0xaf, 0x9f, 0x8f].map(mulawToLinear)).toEqual([132, 396, 924, 1980, 4092, 8316, 16764])
  })

  it('encodes every Int16 value like the reference', () => {
    let mismatches = 0
    let sunOriginalDiffs = 0
    for (let x = -32768; x <= 32767; x++) {
      const got = linearToMulaw(x)
      if (got !== sunLinear2ulawG191Sign(x)) mismatches++
      if (got !== sunLinear2ulaw(x)) {
        sunOriginalDiffs++
        // the unmodified Sun encoder only disagrees for negative inputs, and by at most one code step
        expect(x).toBeLessThan(0)
        expect(Math.abs(got - sunLinear2ulaw(x))).toBeLessThanOrEqual(1)
      }
    }
    expect(mismatches).toBe(0)
    expect(sunOriginalDiffs).toBeGreaterThan(0) // shows the one's-complement fold is really exercised
  })

  it('encodes known values', () => {
    expect(linearToMulaw(0)).toBe(0xff)
    expect(linearToMulaw(-1)).toBe(0x7f)
    expect(linearToMulaw(32767)).toBe(0x80)
    expect(linearToMulaw(-32768)).toBe(0x00)
    expect(linearToMulaw(100_000)).toBe(0x80) // clamped
    expect(linearToMulaw(-100_000)).toBe(0x00)
  })

  it("is sign-symmetric around -1/0 (one's-complement fold): enc(x) = enc(-1-x) with the sign bit cleared", () => {
    for (let x = 0; x <= 32767; x++) expect(linearToMulaw(-1 - x)).toBe(linearToMulaw(x) & 0x7f)
  })

  it('round trip error stays within half a quantization step per segment', () => {
    // segment e (0..7) has a step of 8 << e on the 16-bit scale; the >>2 to 14 bits adds up to 3
    const maxErr = new Array<number>(8).fill(0)
    for (let x = -32124; x <= 32124; x++) {
      const code = linearToMulaw(x)
      const seg = (~code >> 4) & 7
      const err = Math.abs(mulawToLinear(code) - x)
      if (err > (maxErr[seg] as number)) maxErr[seg] = err
    }
    for (let e = 0; e < 8; e++) {
      const half = (8 << e) / 2
      expect(maxErr[e], `segment ${e}`).toBeLessThanOrEqual(half + 4)
      expect(maxErr[e], `segment ${e}`).toBeGreaterThanOrEqual(half - 4)
    }
    // beyond the largest level, values saturate at ±32124
    expect(mulawToLinear(linearToMulaw(32767))).toBe(32124)
    expect(mulawToLinear(linearToMulaw(-32768))).toBe(-32124)
  })

  it('array forms match the scalar forms', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -32768, max: 32767 }), { maxLength: 400 }), (xs) => {
        const pcm = Int16Array.from(xs)
        const enc = encodeMulaw(pcm)
        expect(Array.from(enc)).toEqual(xs.map(linearToMulaw))
        expect(Array.from(decodeMulaw(enc))).toEqual(Array.from(enc, mulawToLinear))
      }),
    )
  })

  it('array forms write into a caller buffer and reject a short one', () => {
    const pcm = Int16Array.from([0, -1, 32767, -32768])
    const out = new Uint8Array(6)
    expect(encodeMulaw(pcm, out)).toBe(out)
    expect(Array.from(out)).toEqual([0xff, 0x7f, 0x80, 0x00, 0, 0])
    expect(() => encodeMulaw(pcm, new Uint8Array(3))).toThrow(RangeError)
    expect(() => decodeMulaw(out, new Int16Array(2))).toThrow(RangeError)
  })

  it('PCMU encoder/decoder objects', () => {
    const enc = pcmuEncoder()
    const dec = pcmuDecoder()
    expect([enc.encoding, enc.clockRate, enc.sampleRate]).toEqual(['PCMU', 8000, 8000])
    expect([dec.encoding, dec.clockRate, dec.sampleRate]).toEqual(['PCMU', 8000, 8000])
    const pcm = Int16Array.from({ length: 160 }, (_, i) => Math.round(8000 * Math.sin((2 * Math.PI * 1000 * i) / 8000)))
    const payload = enc.encode(pcm)
    expect(payload.length).toBe(160)
    const back = dec.decode(payload)
    expect(back.length).toBe(160)
    for (let i = 0; i < 160; i++) expect(Math.abs((back[i] as number) - (pcm[i] as number))).toBeLessThanOrEqual(260) // seg 5 half-step 128, ≤ 8191
  })
})

describe('G.711 A-law (PCMA)', () => {
  it('decodes all 256 codes like the Sun/CCITT reference', () => {
    for (let b = 0; b < 256; b++) expect(alawToLinear(b), `code 0x${b.toString(16)}`).toBe(sunAlaw2linear(b))
  })

  it('decodes the known constants', () => {
    expect(alawToLinear(0xd5)).toBe(8)
    expect(alawToLinear(0x55)).toBe(-8)
    expect(alawToLinear(0xaa)).toBe(32256)
    expect(alawToLinear(0x2a)).toBe(-32256)
    expect(alawToLinear(0xd4)).toBe(24)
    expect(alawToLinear(0xc5)).toBe(264) // first code of segment 1
  })

  it('encodes every Int16 value like the reference', () => {
    let mismatches = 0
    for (let x = -32768; x <= 32767; x++) if (linearToAlaw(x) !== sunLinear2alaw(x)) mismatches++
    expect(mismatches).toBe(0)
  })

  it('encodes known values', () => {
    expect(linearToAlaw(0)).toBe(0xd5)
    expect(linearToAlaw(-1)).toBe(0x55)
    expect(linearToAlaw(32767)).toBe(0xaa)
    expect(linearToAlaw(-32768)).toBe(0x2a)
    expect(linearToAlaw(15)).toBe(0xd5)
    expect(linearToAlaw(16)).toBe(0xd4)
  })

  it('is sign-symmetric: enc(x) = enc(-1-x) with the sign bit flipped', () => {
    for (let x = 0; x <= 32767; x++) expect(linearToAlaw(-1 - x)).toBe(linearToAlaw(x) ^ 0x80)
  })

  it('round trip error stays within half a quantization step per segment', () => {
    // segment 0 and 1 have a step of 16, segment e ≥ 2 a step of 16 << (e - 1)
    const maxErr = new Array<number>(8).fill(0)
    for (let x = -32768; x <= 32767; x++) {
      const code = linearToAlaw(x)
      const seg = ((code ^ 0x55) >> 4) & 7
      const err = Math.abs(alawToLinear(code) - x)
      if (err > (maxErr[seg] as number)) maxErr[seg] = err
    }
    for (let e = 0; e < 8; e++) {
      const half = (e < 2 ? 16 : 16 << (e - 1)) / 2
      expect(maxErr[e], `segment ${e}`).toBeLessThanOrEqual(half)
      expect(maxErr[e], `segment ${e}`).toBeGreaterThanOrEqual(half - 1)
    }
  })

  it('array forms match the scalar forms', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -32768, max: 32767 }), { maxLength: 400 }), (xs) => {
        const pcm = Int16Array.from(xs)
        const enc = encodeAlaw(pcm)
        expect(Array.from(enc)).toEqual(xs.map(linearToAlaw))
        expect(Array.from(decodeAlaw(enc))).toEqual(Array.from(enc, alawToLinear))
      }),
    )
  })

  it('PCMA encoder/decoder objects', () => {
    const enc = pcmaEncoder()
    const dec = pcmaDecoder()
    expect([enc.encoding, enc.clockRate, enc.sampleRate]).toEqual(['PCMA', 8000, 8000])
    expect([dec.encoding, dec.clockRate, dec.sampleRate]).toEqual(['PCMA', 8000, 8000])
    const pcm = Int16Array.from([0, 100, -100, 1000, -1000, 30000, -30000])
    expect(Array.from(dec.decode(enc.encode(pcm)))).toEqual(Array.from(pcm, (x) => alawToLinear(linearToAlaw(x))))
    expect(Array.from(dec.decode(Uint8Array.from([0xd5, 0x55, 0xaa, 0x2a])))).toEqual([8, -8, 32256, -32256])
  })
})
