/**
 * WAV (RIFF/WAVE) files: write mono PCM16, read the common variants and mix them down to mono PCM16.
 *
 * Reads: integer PCM of 8 (unsigned), 16, 24 and 32 bits, IEEE float of 32 and 64 bits, G.711 μ-law
 * and A-law, plain or as WAVE_FORMAT_EXTENSIBLE; any number of channels; unknown chunks (LIST, fact,
 * cue, …) are skipped, with RIFF's pad byte after odd-sized chunks. A `data` chunk whose size is 0 or
 * runs past the end of the file (streamed or truncated writes) is read up to the end of the file.
 *
 * @module
 */
import { ParseError } from '../errors.ts'
import { decodeAlaw, decodeMulaw } from './g711.ts'

/** What `decodeWav` returns. */
export interface DecodedWav {
  /** Sample rate in Hz, from the fmt chunk. */
  sampleRate: number
  /** Number of channels in the file (`samples` is their mix). */
  channels: number
  /** Mono mix-down (mean of the channels), PCM16. */
  samples: Int16Array
  /** Sample format in the file, e.g. `pcm16`, `pcm8`, `pcm24`, `float32`, `mulaw`. */
  format: string
}

const WAVE_FORMAT_PCM = 0x0001
const WAVE_FORMAT_IEEE_FLOAT = 0x0003
const WAVE_FORMAT_ALAW = 0x0006
const WAVE_FORMAT_MULAW = 0x0007
const WAVE_FORMAT_EXTENSIBLE = 0xfffe
/** Bytes 2..15 of every KSDATAFORMAT_SUBTYPE_* GUID (the first two bytes are the format code). */
const GUID_TAIL = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71]

/**
 * Encodes mono PCM16 as a canonical 44-byte-header RIFF/WAVE file (format 1, 16 bits, 1 channel).
 */
export function encodeWav(pcm: Int16Array, sampleRate: number): Uint8Array {
  if (!Number.isInteger(sampleRate) || sampleRate <= 0 || sampleRate > 0xffffffff) {
    throw new RangeError(`encodeWav: sampleRate must be a positive integer number of Hz, got ${sampleRate}`)
  }
  const dataBytes = pcm.length * 2
  if (36 + dataBytes > 0xffffffff) throw new RangeError(`encodeWav: ${pcm.length} samples do not fit in a 4 GiB RIFF file`)
  const out = new Uint8Array(44 + dataBytes)
  const v = new DataView(out.buffer)
  const ascii = (off: number, s: string): void => {
    for (let i = 0; i < 4; i++) out[off + i] = s.charCodeAt(i)
  }
  ascii(0, 'RIFF')
  v.setUint32(4, 36 + dataBytes, true)
  ascii(8, 'WAVE')
  ascii(12, 'fmt ')
  v.setUint32(16, 16, true)
  v.setUint16(20, WAVE_FORMAT_PCM, true)
  v.setUint16(22, 1, true) // channels
  v.setUint32(24, sampleRate, true)
  v.setUint32(28, sampleRate * 2, true) // byte rate
  v.setUint16(32, 2, true) // block align
  v.setUint16(34, 16, true) // bits per sample
  ascii(36, 'data')
  v.setUint32(40, dataBytes, true)
  for (let i = 0; i < pcm.length; i++) v.setInt16(44 + 2 * i, pcm[i] as number, true)
  return out
}

function fourcc(bytes: Uint8Array, off: number): string {
  return String.fromCharCode(bytes[off] as number, bytes[off + 1] as number, bytes[off + 2] as number, bytes[off + 3] as number)
}

function printable(id: string): string {
  return JSON.stringify(id)
}

interface Fmt {
  code: number
  channels: number
  sampleRate: number
  blockAlign: number
  bits: number
}

function parseFmt(bytes: Uint8Array, off: number, size: number): Fmt {
  if (size < 16) throw new ParseError('wav', `the fmt chunk at byte ${off - 8} is ${size} bytes long; it needs at least 16`)
  const v = new DataView(bytes.buffer, bytes.byteOffset + off, size)
  let code = v.getUint16(0, true)
  const channels = v.getUint16(2, true)
  const sampleRate = v.getUint32(4, true)
  const blockAlign = v.getUint16(12, true)
  const bits = v.getUint16(14, true)
  if (code === WAVE_FORMAT_EXTENSIBLE) {
    if (size < 40) throw new ParseError('wav', `WAVE_FORMAT_EXTENSIBLE fmt chunk is ${size} bytes long; it needs 40`)
    const sub = off + 24
    for (let i = 0; i < GUID_TAIL.length; i++) {
      if (bytes[sub + 2 + i] !== GUID_TAIL[i])
        throw new ParseError('wav', 'WAVE_FORMAT_EXTENSIBLE with a sub-format GUID that is not a standard KSDATAFORMAT_SUBTYPE', {
          hint: 'convert it to PCM, e.g. `ffmpeg -i in.wav -c:a pcm_s16le out.wav`',
        })
    }
    code = v.getUint16(24, true)
  }
  if (channels === 0) throw new ParseError('wav', 'the fmt chunk says 0 channels')
  if (sampleRate === 0) throw new ParseError('wav', 'the fmt chunk says a sample rate of 0 Hz')
  return { code, channels, sampleRate, blockAlign, bits }
}

/** Reads sample `i` (index over all channels) as a number on the PCM16 scale (not rounded). */
type Reader = (v: DataView, byteOffset: number) => number

function readerFor(fmt: Fmt): { read: Reader; bytesPerSample: number; format: string } | undefined {
  const { code, bits } = fmt
  if (code === WAVE_FORMAT_PCM) {
    if (bits === 8) return { read: (v, o) => (v.getUint8(o) - 128) * 256, bytesPerSample: 1, format: 'pcm8' }
    if (bits === 16) return { read: (v, o) => v.getInt16(o, true), bytesPerSample: 2, format: 'pcm16' }
    if (bits === 24)
      return { read: (v, o) => ((v.getUint8(o + 2) << 24) | (v.getUint8(o + 1) << 16) | (v.getUint8(o) << 8)) / 65536, bytesPerSample: 3, format: 'pcm24' }
    if (bits === 32) return { read: (v, o) => v.getInt32(o, true) / 65536, bytesPerSample: 4, format: 'pcm32' }
    return undefined
  }
  if (code === WAVE_FORMAT_IEEE_FLOAT) {
    if (bits === 32) return { read: (v, o) => v.getFloat32(o, true) * 32768, bytesPerSample: 4, format: 'float32' }
    if (bits === 64) return { read: (v, o) => v.getFloat64(o, true) * 32768, bytesPerSample: 8, format: 'float64' }
    return undefined
  }
  return undefined
}

/**
 * Decodes a WAV file and mixes it down to mono PCM16 (the mean of the channels, rounded, clamped).
 * Float samples are scaled by 32768 and clamped; 24/32-bit integers keep their top 16 bits (rounded).
 * @throws ParseError (`format: 'wav'`) when the bytes are not a WAV file rtcspec can read, saying why.
 */
export function decodeWav(bytes: Uint8Array): DecodedWav {
  if (bytes.length < 12) throw new ParseError('wav', `the input is ${bytes.length} bytes long; a WAV file has a 12-byte RIFF header`)
  const riff = fourcc(bytes, 0)
  if (riff !== 'RIFF') {
    const hint =
      riff === 'RIFX'
        ? 'big-endian RIFX is not supported; convert with `sox in.wav -e signed -b 16 -L out.wav`'
        : riff === 'RF64'
          ? 'RF64 (> 4 GiB) files are not supported'
          : 'is this really a .wav file?'
    throw new ParseError('wav', `the file starts with ${printable(riff)}, not "RIFF"`, { hint })
  }
  const wave = fourcc(bytes, 8)
  if (wave !== 'WAVE') throw new ParseError('wav', `the RIFF form type is ${printable(wave)}, not "WAVE"`)
  // The RIFF size may be wrong in streamed files; walk the chunks up to the real end of the input.
  let fmt: Fmt | undefined
  let dataOff = -1
  let dataLen = 0
  let off = 12
  while (off + 8 <= bytes.length) {
    const id = fourcc(bytes, off)
    const size = new DataView(bytes.buffer, bytes.byteOffset + off + 4, 4).getUint32(0, true)
    const body = off + 8
    if (id === 'data') {
      dataOff = body
      const avail = bytes.length - body
      dataLen = size === 0 || size > avail ? avail : size
      if (fmt !== undefined) break // everything needed is known; trailing chunks are irrelevant
      off = body + dataLen + (dataLen & 1)
      continue
    }
    if (size > bytes.length - body) {
      throw new ParseError('wav', `chunk ${printable(id)} at byte ${off} says it is ${size} bytes long but only ${bytes.length - body} bytes follow`, {
        hint: 'the file is truncated or not a WAV file',
      })
    }
    if (id === 'fmt ') fmt = parseFmt(bytes, body, size)
    off = body + size + (size & 1)
  }
  if (fmt === undefined) throw new ParseError('wav', 'no "fmt " chunk found', { hint: 'the file is truncated or not a WAV file' })
  if (dataOff < 0) throw new ParseError('wav', 'no "data" chunk found', { hint: 'the file is truncated or not a WAV file' })
  const { channels, sampleRate } = fmt
  const data = bytes.subarray(dataOff, dataOff + dataLen)

  if (fmt.code === WAVE_FORMAT_MULAW || fmt.code === WAVE_FORMAT_ALAW) {
    if (fmt.bits !== 8) throw new ParseError('wav', `G.711 WAV with ${fmt.bits} bits per sample; expected 8`)
    const frames = Math.floor(data.length / channels)
    const pcm = fmt.code === WAVE_FORMAT_MULAW ? decodeMulaw(data.subarray(0, frames * channels)) : decodeAlaw(data.subarray(0, frames * channels))
    return { sampleRate, channels, samples: mixdown(pcm, channels, frames), format: fmt.code === WAVE_FORMAT_MULAW ? 'mulaw' : 'alaw' }
  }
  const r = readerFor(fmt)
  if (r === undefined) {
    throw new ParseError('wav', `unsupported sample format: format code 0x${fmt.code.toString(16).padStart(4, '0')} with ${fmt.bits} bits per sample`, {
      hint: 'supported: PCM 8/16/24/32-bit, float 32/64-bit, μ-law, A-law; convert with `ffmpeg -i in.wav -c:a pcm_s16le out.wav`',
    })
  }
  const frameBytes = r.bytesPerSample * channels
  const stride = Math.max(fmt.blockAlign, frameBytes)
  const frames = data.length >= frameBytes ? Math.floor((data.length - frameBytes) / stride) + 1 : 0
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength)
  const out = new Int16Array(frames)
  for (let f = 0; f < frames; f++) {
    const base = f * stride
    let acc = 0
    for (let c = 0; c < channels; c++) acc += r.read(v, base + c * r.bytesPerSample)
    const s = Math.round(acc / channels)
    out[f] = s > 32767 ? 32767 : Math.max(s, -32768)
  }
  return { sampleRate, channels, samples: out, format: r.format }
}

function mixdown(interleaved: Int16Array, channels: number, frames: number): Int16Array {
  if (channels === 1) return interleaved
  const out = new Int16Array(frames)
  for (let f = 0; f < frames; f++) {
    let acc = 0
    for (let c = 0; c < channels; c++) acc += interleaved[f * channels + c] as number
    out[f] = Math.round(acc / channels)
  }
  return out
}
