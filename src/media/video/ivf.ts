/**
 * IVF, the simple container libvpx and FFmpeg use for VP8 streams: a 32-byte file header (`DKIF`, version 0,
 * header size 32, FourCC, width, height, time base, frame count), then per frame a 12-byte header (frame size,
 * 64-bit presentation time in time-base units) and the frame. All integers little-endian.
 *
 * Also the two facts about a VP8 frame a source and a recorder need: whether it is a key frame and, for key
 * frames, the picture size.
 *
 * @module
 */
import { ParseError } from '../../errors.ts'
import { parseVp8FrameHeader } from '../../rtp/video-payload.ts'

/** One frame of an IVF file. */
export interface IvfFrame {
  /** Presentation time in time-base units. */
  readonly pts: number
  readonly data: Uint8Array
}

/** An IVF file. */
export interface IvfFile {
  /** `VP80` for VP8 (`VP90`, `AV01` for the others IVF carries). */
  readonly fourcc: string
  readonly width: number
  readonly height: number
  /** One time-base unit is `timebaseNum / timebaseDen` seconds; libvpx writes `1/fps`, FFmpeg often `1/1000` or `1/fps`. */
  readonly timebaseNum: number
  readonly timebaseDen: number
  readonly frames: readonly IvfFrame[]
}

/** Writes an IVF file. The header's frame count is the number of frames. */
export function writeIvf(file: IvfFile): Uint8Array {
  const size = 32 + file.frames.reduce((a, f) => a + 12 + f.data.length, 0)
  const out = new Uint8Array(size)
  const view = new DataView(out.buffer)
  if (!/^[\x20-\x7e]{4}$/.test(file.fourcc)) throw new RangeError(`IVF FourCC must be 4 printable characters, got ${JSON.stringify(file.fourcc)}`)
  out.set([0x44, 0x4b, 0x49, 0x46]) // DKIF
  view.setUint16(4, 0, true)
  view.setUint16(6, 32, true)
  for (let i = 0; i < 4; i++) out[8 + i] = file.fourcc.charCodeAt(i)
  view.setUint16(12, file.width, true)
  view.setUint16(14, file.height, true)
  view.setUint32(16, file.timebaseDen, true)
  view.setUint32(20, file.timebaseNum, true)
  view.setUint32(24, file.frames.length, true)
  let at = 32
  for (const f of file.frames) {
    view.setUint32(at, f.data.length, true)
    view.setBigUint64(at + 4, BigInt(f.pts), true)
    out.set(f.data, at + 12)
    at += 12 + f.data.length
  }
  return out
}

/**
 * Reads an IVF file. Throws `ParseError` (`IVF_PARSE`) for a file that is not IVF or whose last frame is cut
 * short (naming the frame). The frame count in the header is not trusted (writers that stream leave it 0).
 */
export function readIvf(bytes: Uint8Array): IvfFile {
  if (bytes.length < 32 || bytes[0] !== 0x44 || bytes[1] !== 0x4b || bytes[2] !== 0x49 || bytes[3] !== 0x46)
    throw new ParseError('ivf', 'the file does not start with an IVF header ("DKIF")', { hint: 'is it an IVF file? FFmpeg writes one with -f ivf' })
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const headerSize = view.getUint16(6, true)
  if (headerSize < 32 || headerSize > bytes.length) throw new ParseError('ivf', `bad header size ${headerSize}`)
  const fourcc = String.fromCharCode(bytes[8]!, bytes[9]!, bytes[10]!, bytes[11]!)
  const frames: IvfFrame[] = []
  let at = headerSize
  while (at < bytes.length) {
    if (at + 12 > bytes.length) throw new ParseError('ivf', `frame ${frames.length}: its 12-byte header is cut short at byte ${at}`)
    const size = view.getUint32(at, true)
    const pts = Number(view.getBigUint64(at + 4, true))
    if (at + 12 + size > bytes.length) throw new ParseError('ivf', `frame ${frames.length} is cut short: ${bytes.length - at - 12} of ${size} bytes`)
    frames.push({ pts, data: bytes.slice(at + 12, at + 12 + size) })
    at += 12 + size
  }
  return {
    fourcc,
    width: view.getUint16(12, true),
    height: view.getUint16(14, true),
    timebaseDen: view.getUint32(16, true),
    timebaseNum: view.getUint32(20, true),
    frames,
  }
}

/**
 * What a VP8 frame's header says (RFC 6386 §9.1, parsed by `parseVp8FrameHeader` of the RTP payload reader): a
 * key frame, and for a key frame its picture size. Never throws: a frame too short to tell is an inter frame
 * without a size, a key frame without its start code has no size.
 */
export function vp8FrameInfo(data: Uint8Array): { keyframe: boolean; width?: number; height?: number } {
  try {
    const h = parseVp8FrameHeader(data)
    return h.keyframe ? { keyframe: true, width: h.width, height: h.height } : { keyframe: false }
  } catch {
    return { keyframe: data.length >= 3 && (data[0]! & 1) === 0 }
  }
}
