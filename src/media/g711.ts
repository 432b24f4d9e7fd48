/**
 * G.711 μ-law (PCMU) and A-law (PCMA), bit-exact with the ITU-T G.191 Software Tool Library
 * reference (`g711.c`: `ulaw_compress`/`ulaw_expand`, `alaw_compress`/`alaw_expand`).
 *
 * - μ-law works on 14-bit magnitudes with a bias of 33 (0x84 on the 16-bit scale);
 *   negative inputs are folded with a one's complement (`~x`), exactly as G.191 does.
 * - A-law works on 13-bit magnitudes (12 bits after the sign) and inverts the even bits (XOR 0x55).
 *
 * Decoding uses 256-entry tables; encoding uses 65 536-entry tables indexed by the 16-bit sample,
 * built once on first use. The array forms never allocate per sample.
 *
 * @module
 */
import type { AudioDecoder, AudioEncoder } from './types.ts'

/** G.191 `ulaw_compress` for one 16-bit sample (the slow, table-building path). */
function ulawCompressRef(x: number): number {
  let absno = x < 0 ? (~x >> 2) + 33 : (x >> 2) + 33
  if (absno > 0x1fff) absno = 0x1fff
  let i = absno >> 6
  let segno = 1
  while (i !== 0) {
    segno++
    i >>= 1
  }
  const highNibble = 0x08 - segno
  const lowNibble = 0x0f - ((absno >> segno) & 0x0f)
  let code = (highNibble << 4) | lowNibble
  if (x >= 0) code |= 0x80
  return code
}

/** G.191 `ulaw_expand` for one code byte. */
function ulawExpandRef(b: number): number {
  const sign = b < 0x80 ? -1 : 1
  const m = ~b
  const exponent = (m >> 4) & 0x07
  const segment = exponent + 1
  const mantissa = m & 0x0f
  const step = 4 << segment
  return sign * ((0x80 << exponent) + step * mantissa + step / 2 - 4 * 33)
}

/** G.191 `alaw_compress` for one 16-bit sample. */
function alawCompressRef(x: number): number {
  let ix = x < 0 ? ~x >> 4 : x >> 4
  if (ix > 15) {
    let iexp = 1
    while (ix > 16 + 15) {
      ix >>= 1
      iexp++
    }
    ix -= 16
    ix += iexp << 4
  }
  if (x >= 0) ix |= 0x80
  return ix ^ 0x55
}

/** G.191 `alaw_expand` for one code byte. */
function alawExpandRef(b: number): number {
  const ix = (b ^ 0x55) & 0x7f
  const iexp = ix >> 4
  let mant = ix & 0x0f
  if (iexp > 0) mant += 16
  mant = (mant << 4) + 0x08
  if (iexp > 1) mant <<= iexp - 1
  return b > 127 ? mant : -mant
}

let ulawDecodeTable: Int16Array | undefined
let alawDecodeTable: Int16Array | undefined
let ulawEncodeTable: Uint8Array | undefined
let alawEncodeTable: Uint8Array | undefined

function ulawDec(): Int16Array {
  if (ulawDecodeTable === undefined) {
    const t = new Int16Array(256)
    for (let b = 0; b < 256; b++) t[b] = ulawExpandRef(b)
    ulawDecodeTable = t
  }
  return ulawDecodeTable
}

function alawDec(): Int16Array {
  if (alawDecodeTable === undefined) {
    const t = new Int16Array(256)
    for (let b = 0; b < 256; b++) t[b] = alawExpandRef(b)
    alawDecodeTable = t
  }
  return alawDecodeTable
}

/** Encode tables are indexed by `sample & 0xffff` (the sample's 16-bit two's-complement pattern). */
function ulawEnc(): Uint8Array {
  if (ulawEncodeTable === undefined) {
    const t = new Uint8Array(65536)
    for (let x = -32768; x < 32768; x++) t[x & 0xffff] = ulawCompressRef(x)
    ulawEncodeTable = t
  }
  return ulawEncodeTable
}

function alawEnc(): Uint8Array {
  if (alawEncodeTable === undefined) {
    const t = new Uint8Array(65536)
    for (let x = -32768; x < 32768; x++) t[x & 0xffff] = alawCompressRef(x)
    alawEncodeTable = t
  }
  return alawEncodeTable
}

/** Clamps and truncates any number to a 16-bit sample pattern (`& 0xffff` index). */
function index16(s16: number): number {
  const x = s16 > 32767 ? 32767 : s16 < -32768 ? -32768 : s16 | 0
  return x & 0xffff
}

/**
 * Encodes one 16-bit linear sample to a μ-law byte (G.191 `ulaw_compress`).
 * Inputs outside the Int16 range are clamped; fractions are truncated toward zero.
 */
export function linearToMulaw(s16: number): number {
  return ulawEnc()[index16(s16)] as number
}

/** Decodes one μ-law byte (0..255; higher bits ignored) to a 16-bit linear sample (G.191 `ulaw_expand`). */
export function mulawToLinear(b: number): number {
  return ulawDec()[b & 0xff] as number
}

/**
 * Encodes one 16-bit linear sample to an A-law byte (G.191 `alaw_compress`, even bits inverted).
 * Inputs outside the Int16 range are clamped; fractions are truncated toward zero.
 */
export function linearToAlaw(s16: number): number {
  return alawEnc()[index16(s16)] as number
}

/** Decodes one A-law byte (0..255; higher bits ignored) to a 16-bit linear sample (G.191 `alaw_expand`). */
export function alawToLinear(b: number): number {
  return alawDec()[b & 0xff] as number
}

function encodeWith(table: Uint8Array, pcm: Int16Array, out: Uint8Array | undefined): Uint8Array {
  const dst = out ?? new Uint8Array(pcm.length)
  if (dst.length < pcm.length) throw new RangeError(`G.711 encode: output holds ${dst.length} bytes but the input has ${pcm.length} samples`)
  for (let i = 0; i < pcm.length; i++) dst[i] = table[(pcm[i] as number) & 0xffff] as number
  return dst
}

function decodeWith(table: Int16Array, bytes: Uint8Array, out: Int16Array | undefined): Int16Array {
  const dst = out ?? new Int16Array(bytes.length)
  if (dst.length < bytes.length) throw new RangeError(`G.711 decode: output holds ${dst.length} samples but the input has ${bytes.length} bytes`)
  for (let i = 0; i < bytes.length; i++) dst[i] = table[bytes[i] as number] as number
  return dst
}

/**
 * Encodes PCM16 to μ-law bytes, one byte per sample.
 * @param out optional destination (length ≥ `pcm.length`) to avoid allocating; returned when given.
 */
export function encodeMulaw(pcm: Int16Array, out?: Uint8Array): Uint8Array {
  return encodeWith(ulawEnc(), pcm, out)
}

/**
 * Decodes μ-law bytes to PCM16, one sample per byte.
 * @param out optional destination (length ≥ `bytes.length`) to avoid allocating; returned when given.
 */
export function decodeMulaw(bytes: Uint8Array, out?: Int16Array): Int16Array {
  return decodeWith(ulawDec(), bytes, out)
}

/**
 * Encodes PCM16 to A-law bytes, one byte per sample.
 * @param out optional destination (length ≥ `pcm.length`) to avoid allocating; returned when given.
 */
export function encodeAlaw(pcm: Int16Array, out?: Uint8Array): Uint8Array {
  return encodeWith(alawEnc(), pcm, out)
}

/**
 * Decodes A-law bytes to PCM16, one sample per byte.
 * @param out optional destination (length ≥ `bytes.length`) to avoid allocating; returned when given.
 */
export function decodeAlaw(bytes: Uint8Array, out?: Int16Array): Int16Array {
  return decodeWith(alawDec(), bytes, out)
}

/** μ-law byte for digital silence (encode of 0). */
export const MULAW_SILENCE = 0xff
/** A-law byte for digital silence (encode of 0). */
export const ALAW_SILENCE = 0xd5

/** A PCMU (G.711 μ-law, RTP payload type 0) encoder: 8 kHz PCM16 in, one byte per sample out. */
export function pcmuEncoder(): AudioEncoder {
  const table = ulawEnc()
  return { encoding: 'PCMU', clockRate: 8000, sampleRate: 8000, encode: (pcm) => encodeWith(table, pcm, undefined) }
}

/** A PCMA (G.711 A-law, RTP payload type 8) encoder: 8 kHz PCM16 in, one byte per sample out. */
export function pcmaEncoder(): AudioEncoder {
  const table = alawEnc()
  return { encoding: 'PCMA', clockRate: 8000, sampleRate: 8000, encode: (pcm) => encodeWith(table, pcm, undefined) }
}

/** A PCMU (G.711 μ-law) decoder: one byte per sample in, 8 kHz PCM16 out. */
export function pcmuDecoder(): AudioDecoder {
  const table = ulawDec()
  return { encoding: 'PCMU', clockRate: 8000, sampleRate: 8000, decode: (payload) => decodeWith(table, payload, undefined) }
}

/** A PCMA (G.711 A-law) decoder: one byte per sample in, 8 kHz PCM16 out. */
export function pcmaDecoder(): AudioDecoder {
  const table = alawDec()
  return { encoding: 'PCMA', clockRate: 8000, sampleRate: 8000, decode: (payload) => decodeWith(table, payload, undefined) }
}
