/**
 * YUV4MPEG2 (`.y4m`), the raw-video container FFmpeg and libvpx/x264 read and write: a text header line
 * (`YUV4MPEG2 W640 H480 F30:1 Ip A1:1 C420jpeg`), then each frame as `FRAME` + newline + the Y, U and V planes.
 * Only 4:2:0 8-bit colour spaces are supported (`C420jpeg`, `C420`, `C420mpeg2`, `C420paldv`, or none, which
 * means 4:2:0); their chroma siting differs but their layout is the same.
 *
 * @module
 */
import { ParseError } from '../../errors.ts'
import type { I420Frame } from './types.ts'

/** The stream parameters of a Y4M file. */
export interface Y4mHeader {
  readonly width: number
  readonly height: number
  /** Frame rate as a fraction: `F30000:1001` is `{ num: 30000, den: 1001 }`. */
  readonly fps: { readonly num: number; readonly den: number }
  /** Colour space tag without the `C`; `420jpeg` when the file has none. */
  readonly colorspace: string
}

/** A decoded Y4M file. */
export interface Y4mVideo {
  readonly header: Y4mHeader
  readonly frames: I420Frame[]
}

const SUPPORTED = new Set(['420jpeg', '420', '420mpeg2', '420paldv'])

/** The header line of a Y4M stream (with its newline), for writing frames one at a time. */
export function y4mHeader(h: { width: number; height: number; fps: number | { num: number; den: number }; colorspace?: '420jpeg' | '420' }): string {
  const f = typeof h.fps === 'number' ? fpsFraction(h.fps) : h.fps
  return `YUV4MPEG2 W${h.width} H${h.height} F${f.num}:${f.den} Ip A1:1 C${h.colorspace ?? '420jpeg'}\n`
}

/** One frame of a Y4M stream: `FRAME\n` and the three planes. The frame must have the stream's size. */
export function y4mFrame(frame: I420Frame): Uint8Array {
  const out = new Uint8Array(6 + frame.y.length + frame.u.length + frame.v.length)
  out.set([0x46, 0x52, 0x41, 0x4d, 0x45, 0x0a])
  out.set(frame.y, 6)
  out.set(frame.u, 6 + frame.y.length)
  out.set(frame.v, 6 + frame.y.length + frame.u.length)
  return out
}

/** Writes frames (all of the header's size) as one Y4M file. */
export function writeY4m(
  frames: Iterable<I420Frame>,
  h: { width: number; height: number; fps: number | { num: number; den: number }; colorspace?: '420jpeg' | '420' },
): Uint8Array {
  const parts: Uint8Array[] = [new TextEncoder().encode(y4mHeader(h))]
  for (const f of frames) {
    if (f.width !== h.width || f.height !== h.height)
      throw new RangeError(`Y4M frame ${parts.length - 1} is ${f.width}×${f.height}, the stream is ${h.width}×${h.height} (Y4M has one size per file)`)
    parts.push(y4mFrame(f))
  }
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}

/** `fps` as the fraction Y4M writes: integers as `n:1`, 29.97-style rates as `30000:1001`, others to 1/1000. */
function fpsFraction(fps: number): { num: number; den: number } {
  if (Number.isInteger(fps)) return { num: fps, den: 1 }
  const ntsc = fps * 1.001
  if (Math.abs(ntsc - Math.round(ntsc)) < 1e-6) return { num: Math.round(ntsc) * 1000, den: 1001 }
  return { num: Math.round(fps * 1000), den: 1000 }
}

function lineEnd(bytes: Uint8Array, from: number, what: string): number {
  const end = bytes.indexOf(0x0a, from)
  if (end < 0 || end - from > 4096) throw new ParseError('y4m', `${what} has no end of line`)
  return end
}

/** Parses the header line of a Y4M file. Throws `ParseError` (`Y4M_PARSE`) for anything not 4:2:0 8-bit Y4M. */
export function parseY4mHeader(bytes: Uint8Array): { header: Y4mHeader; length: number } {
  const magic = 'YUV4MPEG2 '
  if (bytes.length < magic.length || new TextDecoder().decode(bytes.subarray(0, magic.length)) !== magic)
    throw new ParseError('y4m', 'the file does not start with "YUV4MPEG2 "', { hint: 'is it a Y4M file? FFmpeg writes one with -f yuv4mpegpipe' })
  const end = lineEnd(bytes, 0, 'the header')
  const line = new TextDecoder().decode(bytes.subarray(0, end))
  let width = 0
  let height = 0
  let fps = { num: 30, den: 1 }
  let colorspace = '420jpeg'
  for (const tag of line.split(' ').slice(1)) {
    const k = tag[0]
    const val = tag.slice(1)
    if (k === 'W') width = Number(val)
    else if (k === 'H') height = Number(val)
    else if (k === 'F') {
      const [n, d] = val.split(':').map(Number)
      if (!n || !d) throw new ParseError('y4m', `bad frame rate ${JSON.stringify(tag)}`, { line })
      fps = { num: n, den: d }
    } else if (k === 'C') colorspace = val
  }
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || width > 16384 || height > 16384)
    throw new ParseError('y4m', `bad picture size W${width} H${height}`, { line })
  if (!SUPPORTED.has(colorspace))
    throw new ParseError('y4m', `colour space C${colorspace} is not 4:2:0 8-bit`, {
      line,
      hint: 'convert it: ffmpeg -i in.y4m -pix_fmt yuv420p out.y4m',
    })
  return { header: { width, height, fps, colorspace }, length: end + 1 }
}

/** Reads a whole Y4M file. Throws `ParseError` (`Y4M_PARSE`) naming the frame that is cut short or malformed. */
export function readY4m(bytes: Uint8Array): Y4mVideo {
  const { header, length } = parseY4mHeader(bytes)
  const { width, height } = header
  const ySize = width * height
  const cSize = ((width + 1) >> 1) * ((height + 1) >> 1)
  const frames: I420Frame[] = []
  let at = length
  while (at < bytes.length) {
    const end = lineEnd(bytes, at, `frame ${frames.length}`)
    if (new TextDecoder().decode(bytes.subarray(at, Math.min(end, at + 5))) !== 'FRAME')
      throw new ParseError('y4m', `frame ${frames.length} does not start with FRAME (byte offset ${at})`)
    at = end + 1
    if (at + ySize + 2 * cSize > bytes.length)
      throw new ParseError('y4m', `frame ${frames.length} is cut short: ${bytes.length - at} of ${ySize + 2 * cSize} bytes`)
    frames.push({
      width,
      height,
      y: bytes.slice(at, at + ySize),
      u: bytes.slice(at + ySize, at + ySize + cSize),
      v: bytes.slice(at + ySize + cSize, at + ySize + 2 * cSize),
    })
    at += ySize + 2 * cSize
  }
  return { header, frames }
}
