/**
 * Video encoding and decoding with FFmpeg, for sources with ground truth and for checking what a receiver got:
 *
 * - {@link encodeVideoPattern}: the rtcspec video pattern (every frame stamped with its frame code) encoded to
 *   VP8 (libvpx, realtime, error resilient, no alt-ref) or H.264 (libx264 constrained baseline, zero latency, no
 *   B-frames, SPS/PPS repeated on every IDR) → an `EncodedVideo` whose frames carry index, time, keyframe flag and
 *   size. Encoded once per parameter set: results are cached on disk (the OS temp dir) and in memory.
 * - {@link encodeVideoFile}: a user's Y4M, IVF, H.264 or MP4 file re-encoded the same way.
 * - {@link decodeVideo}: a recording (IVF, Annex B, MP4, Y4M) or an `EncodedVideo` → decoded pictures, each with
 *   the frame code read from it.
 * - {@link videoQuality}: PSNR and SSIM of decoded pictures against the reference, FFmpeg's `psnr` and `ssim`
 *   filters, frames matched by the index in their frame code (so lost or repeated frames do not shift the pairs).
 *
 * FFmpeg comes from the same providers as the FFmpeg service (src/services/ffmpeg.ts): `local` (on PATH),
 * `docker` (image `rtcspec/ffmpeg`, work dir mounted), `external` (`RTCSPEC_FFMPEG`). Every run is bounded in
 * time and its process group is killed when it ends; work dirs are removed.
 *
 * @module
 */
import { createHash } from 'node:crypto'
import { closeSync, existsSync, fstatSync, openSync, readSync, writeSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, extname, join, resolve } from 'node:path'
import { z } from 'zod'
import { RtcspecError, TimeoutError } from '../errors.ts'
import { splitAccessUnits } from '../media/video/annexb.ts'
import { readFrameCode } from '../media/video/frame-code.ts'
import { readIvf, vp8FrameInfo, writeIvf } from '../media/video/ivf.ts'
import { videoPattern, type VideoPattern } from '../media/video/pattern.ts'
import type { EncodedVideo, EncodedVideoFrame, FrameCodeValue, I420Frame, VideoCodecName } from '../media/video/types.ts'
import { parseY4mHeader, readY4m, y4mFrame, y4mHeader } from '../media/video/y4m.ts'
import { parseOptions } from '../options.ts'
import { registerRunResource } from '../run-registry.ts'
import { runContainer, serviceImage } from './docker.ts'
import { FFMPEG_PROVIDER_SPEC } from './ffmpeg.ts'
import { runLocal, type ServiceProcess } from './process.ts'
import { resolveProvider } from './provider.ts'
import type { ProviderChoice, ProviderKind } from './types.ts'

/**
 * Part of every cache key, with the encoder's command line: bump it when the pattern's pictures or the container
 * parsing change, so stale cache entries are not used.
 */
const CACHE_VERSION = 1

const Provider = z.enum(['auto', 'docker', 'local', 'external']).optional()
const Dimension = z.number().int().min(16).max(4096).multipleOf(2, 'must be even (4:2:0 chroma)')

const EncodeSettings = {
  /** `VP8` or `H264`. */
  codec: z.enum(['VP8', 'H264']),
  /** Target bitrate in kbit/s. */
  bitrateKbps: z.number().int().min(20).max(50_000),
  /** Frames between keyframes (a keyframe every N frames). Default 2 s worth of frames. */
  keyframeIntervalFrames: z.number().int().min(1).max(10_000).optional(),
  /** How FFmpeg is provided (see src/services/provider.ts). */
  provider: Provider,
  /** Give up after this long (ms). Default 120000. */
  timeoutMs: z.number().int().min(1000).max(1_800_000).optional(),
  /** Reuse an earlier encoding of the same parameters (memory, then the OS temp dir). Default true. */
  cache: z.boolean().optional(),
}

const PatternEncodeSchema = z.strictObject({
  ...EncodeSettings,
  width: Dimension,
  height: Dimension,
  fps: z.number().positive().max(120),
  /** Length in seconds (frames = round(seconds × fps)). */
  seconds: z.number().positive().max(600),
  /** `moving` (default) or `slide` (see videoPattern). */
  mode: z.enum(['moving', 'slide']).optional(),
  resolutionChanges: z
    .array(z.strictObject({ atFrame: z.number().int().min(1), width: Dimension, height: Dimension }))
    .max(100)
    .optional(),
})

/** Options of {@link encodeVideoPattern}. */
export type EncodeVideoPatternOptions = z.input<typeof PatternEncodeSchema>

const FileEncodeSchema = z.strictObject({
  ...EncodeSettings,
  /** Scale to this size (both or neither). Default: the file's size (odd sizes are rounded down to even). */
  width: Dimension.optional(),
  height: Dimension.optional(),
  /** Resample to this frame rate. Default: the file's rate. */
  fps: z.number().positive().max(120).optional(),
  /** Use at most this many seconds from the start. Default 60. */
  maxSeconds: z.number().positive().max(600).optional(),
})

/** Options of {@link encodeVideoFile}. */
export type EncodeVideoFileOptions = z.input<typeof FileEncodeSchema>

/** One picture decoded from a recording. */
export interface DecodedVideoFrame {
  /** Position in decode order (0-based). */
  readonly position: number
  /** The frame code read from the picture; undefined when none could be read with confidence. */
  readonly code: FrameCodeValue | undefined
  /** The picture, when {@link DecodeVideoOptions.pictures} asked for it. */
  readonly picture?: I420Frame
}

/** What {@link decodeVideo} returns. */
export interface DecodedVideo {
  /** Size of the decoded pictures (FFmpeg scales a stream whose size changes to its first size, or to the size asked). */
  readonly width: number
  readonly height: number
  readonly frames: readonly DecodedVideoFrame[]
}

/** Container formats {@link decodeVideo} and {@link encodeVideoFile} read. */
export type VideoFileFormat = 'ivf' | 'h264' | 'mp4' | 'webm' | 'y4m'

const DecodeOptionsSchema = z.strictObject({
  /** Keep each decoded picture (I420) in the result; default false (only the codes are kept). */
  pictures: z.boolean().optional(),
  /** Scale the decoded pictures to this size (both or neither) before reading codes. */
  width: Dimension.optional(),
  height: Dimension.optional(),
  /** The input's format when it cannot be told from the file name or its first bytes. */
  format: z.enum(['ivf', 'h264', 'mp4', 'webm', 'y4m']).optional(),
  provider: Provider,
  timeoutMs: z.number().int().min(1000).max(1_800_000).optional(),
})

/** Options of {@link decodeVideo}. */
export type DecodeVideoOptions = z.input<typeof DecodeOptionsSchema>

/** What {@link decodeVideo} reads: a file path, an `EncodedVideo`, or bytes with their format. */
export type VideoInput = string | EncodedVideo | { readonly data: Uint8Array; readonly format: VideoFileFormat }

/** PSNR and SSIM of decoded pictures against their reference pictures (see {@link videoQuality}). */
export interface VideoQuality {
  /** Pairs compared: decoded pictures whose code was read and whose reference has the decoded size. */
  readonly frames: number
  /** Decoded pictures left out: no code read, or a reference of another size (a resolution change). */
  readonly unmatched: number
  /** PSNR over Y, U and V in dB (FFmpeg's `psnr_avg`; identical pictures count as 100 dB). */
  readonly psnr: { readonly mean: number; readonly min: number }
  /** SSIM over Y, U and V (FFmpeg's `All`), 0..1. */
  readonly ssim: { readonly mean: number; readonly min: number }
  /** Per compared pair, in decode order: the index in the code, PSNR (dB) and SSIM. */
  readonly perFrame: ReadonlyArray<{ readonly index: number; readonly psnr: number; readonly ssim: number }>
}

/** Reference pictures for {@link videoQuality}: a pattern, pictures by index, or a Y4M file (picture i is index i). */
export type VideoReference = VideoPattern | readonly I420Frame[] | string

const QualityOptionsSchema = z.strictObject({ provider: Provider, timeoutMs: z.number().int().min(1000).max(1_800_000).optional() })

/** Options of {@link videoQuality}. */
export type VideoQualityOptions = z.input<typeof QualityOptionsSchema>

// ---------------------------------------------------------------------------------------------------------------
// Running FFmpeg

interface Work {
  readonly dir: string
  release(): Promise<void>
}

async function workDir(): Promise<Work> {
  const dir = await mkdtemp(join(tmpdir(), 'rtcspec-video-'))
  const registration = registerRunResource({ kind: 'ffmpeg', dirs: [dir] })
  return {
    dir,
    async release() {
      await rm(dir, { recursive: true, force: true }).catch(() => {})
      registration.release()
    },
  }
}

/** Runs FFmpeg to completion within `timeoutMs`; throws `FFMPEG_FAILED` (with its log) on a non-zero exit. */
async function runFfmpeg(provider: ProviderKind, args: string[], binds: string[], timeoutMs: number, what: string): Promise<ServiceProcess> {
  const full = ['-hide_banner', '-nostdin', '-y', '-loglevel', 'error', ...args]
  const proc =
    provider === 'docker'
      ? await runContainer(serviceImage('ffmpeg'), full, { service: 'ffmpeg', binds: [...new Set(binds)] })
      : await runLocal(provider === 'external' ? (process.env.RTCSPEC_FFMPEG as string) : 'ffmpeg', full, { kind: 'ffmpeg' })
  let timer: NodeJS.Timeout | undefined
  const timedOut = new Promise<'timeout'>((r) => {
    timer = setTimeout(() => r('timeout'), timeoutMs)
  })
  const done = await Promise.race([proc.exited, timedOut]).finally(() => clearTimeout(timer))
  // Stopping an exited run removes its container (docker) and releases it from the run registry: a one-shot
  // FFmpeg run that is never stopped leaves an exited container behind for every encode.
  await proc.stop(done === 'timeout' ? 1000 : 0)
  if (done === 'timeout') throw new TimeoutError(`FFmpeg to ${what}`, timeoutMs, 'a longer timeoutMs, a shorter clip or a smaller picture')
  if (done.code !== 0)
    throw new RtcspecError('FFMPEG_FAILED', `FFmpeg (${provider}) failed to ${what} (exit ${done.code ?? done.signal}); its log:\n${proc.log.tail(15)}`, {
      hint: 'the log above names the problem; check the input file and the options',
    })
  return proc
}

function codecArgs(codec: VideoCodecName, kbps: number, gop: number): string[] {
  if (codec === 'VP8')
    return [
      '-c:v',
      'libvpx',
      '-deadline',
      'realtime',
      '-cpu-used',
      '8',
      '-b:v',
      `${kbps}k`,
      '-maxrate',
      `${kbps}k`,
      '-bufsize',
      `${kbps}k`,
      '-g',
      String(gop),
      '-keyint_min',
      String(gop),
      '-auto-alt-ref',
      '0',
      '-lag-in-frames',
      '0',
      '-error-resilient',
      '1',
      '-threads',
      '1',
      '-f',
      'ivf',
    ]
  return [
    '-c:v',
    'libx264',
    '-preset',
    'veryfast',
    '-tune',
    'zerolatency',
    '-profile:v',
    'baseline',
    '-level:v',
    '3.1',
    '-pix_fmt',
    'yuv420p',
    '-b:v',
    `${kbps}k`,
    '-maxrate',
    `${kbps}k`,
    '-bufsize',
    `${kbps}k`,
    '-g',
    String(gop),
    '-keyint_min',
    String(gop),
    '-bf',
    '0',
    '-x264-params',
    'scenecut=0:repeat-headers=1:aud=0',
    '-threads',
    '1',
    '-f',
    'h264',
  ]
}

/** Frames of an encoder's output file, in order. */
function encodedUnits(codec: VideoCodecName, bytes: Uint8Array): Array<{ data: Uint8Array; keyframe: boolean }> {
  if (codec === 'VP8') return readIvf(bytes).frames.map((f) => ({ data: f.data, keyframe: vp8FrameInfo(f.data).keyframe }))
  return splitAccessUnits(bytes).map((u) => ({ data: u.data, keyframe: u.keyframe }))
}

/** Encodes one Y4M file of constant size; returns the frames with global indices from `firstIndex`. */
async function encodeY4m(
  provider: ProviderKind,
  work: Work,
  y4mPath: string,
  o: {
    codec: VideoCodecName
    bitrateKbps: number
    gop: number
    fps: number
    width: number
    height: number
    count: number
    firstIndex: number
    timeoutMs: number
  },
): Promise<EncodedVideoFrame[]> {
  const out = join(work.dir, `out-${o.firstIndex}.${o.codec === 'VP8' ? 'ivf' : 'h264'}`)
  await runFfmpeg(
    provider,
    ['-f', 'yuv4mpegpipe', '-i', y4mPath, ...codecArgs(o.codec, o.bitrateKbps, o.gop), out],
    [work.dir, dirname(y4mPath)],
    o.timeoutMs,
    `encode ${o.codec}`,
  )
  const units = encodedUnits(o.codec, new Uint8Array(await readFile(out)))
  if (units.length !== o.count)
    throw new RtcspecError('VIDEO_ENCODE', `the ${o.codec} encoder produced ${units.length} frames for ${o.count} input frames`, {
      hint: 'the encoder dropped or added frames; report this with the FFmpeg version (ffmpeg -version)',
    })
  return units.map((u, i) => {
    const index = o.firstIndex + i
    return { index, timestampMs: (index * 1000) / o.fps, keyframe: u.keyframe, data: u.data, width: o.width, height: o.height }
  })
}

/** Writes frames as a Y4M file one frame at a time (never the whole stream in memory). */
function writeY4mFile(path: string, frames: Iterable<I420Frame>, h: { width: number; height: number; fps: number }): void {
  const fd = openSync(path, 'w')
  try {
    writeSync(fd, y4mHeader(h))
    for (const f of frames) writeSync(fd, y4mFrame(f))
  } finally {
    closeSync(fd)
  }
}

/**
 * Reads a Y4M file one frame at a time (positional reads: a long recording is never in memory at once) and hands
 * each picture to `onFrame`. Returns the header.
 */
function readY4mFile(path: string, onFrame: (picture: I420Frame, position: number) => void): { width: number; height: number } {
  const fd = openSync(path, 'r')
  try {
    const size = fstatSync(fd).size
    const head = new Uint8Array(Math.min(size, 4096))
    readSync(fd, head, 0, head.length, 0)
    const { header, length } = parseY4mHeader(head)
    const { width, height } = header
    const ySize = width * height
    const cSize = ((width + 1) >> 1) * ((height + 1) >> 1)
    const line = new Uint8Array(256)
    let at = length
    for (let position = 0; at < size; position++) {
      const got = readSync(fd, line, 0, line.length, at)
      const end = line.subarray(0, got).indexOf(0x0a)
      if (end < 5 || String.fromCharCode(...line.subarray(0, 5)) !== 'FRAME')
        throw new RtcspecError('VIDEO_DECODE', `FFmpeg's decoded Y4M has no FRAME header at byte ${at} (frame ${position})`, {
          hint: 'report this with the FFmpeg version (ffmpeg -version)',
        })
      at += end + 1
      if (at + ySize + 2 * cSize > size) break // cut short: FFmpeg was stopped mid-frame
      const plane = (n: number) => {
        const b = new Uint8Array(n)
        readSync(fd, b, 0, n, at)
        at += n
        return b
      }
      const y = plane(ySize)
      const u = plane(cSize)
      const v = plane(cSize)
      onFrame({ width, height, y, u, v }, position)
    }
    return { width, height }
  } finally {
    closeSync(fd)
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The cache

const memoryCache = new Map<string, Promise<EncodedVideo>>()

function cacheDir(): string {
  return join(tmpdir(), 'rtcspec-video-cache')
}

function serialize(v: EncodedVideo): Uint8Array {
  const meta = JSON.stringify({
    codec: v.codec,
    fps: v.fps,
    description: v.description,
    frames: v.frames.map((f) => [f.index, f.timestampMs, f.keyframe ? 1 : 0, f.width, f.height, f.data.length]),
  })
  const head = new TextEncoder().encode(meta)
  const out = new Uint8Array(4 + head.length + v.frames.reduce((a, f) => a + f.data.length, 0))
  new DataView(out.buffer).setUint32(0, head.length)
  out.set(head, 4)
  let at = 4 + head.length
  for (const f of v.frames) {
    out.set(f.data, at)
    at += f.data.length
  }
  return out
}

function deserialize(bytes: Uint8Array): EncodedVideo | undefined {
  try {
    const n = new DataView(bytes.buffer, bytes.byteOffset).getUint32(0)
    const meta = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + n))) as {
      codec: VideoCodecName
      fps: number
      description: string
      frames: Array<[number, number, number, number, number, number]>
    }
    let at = 4 + n
    const frames = meta.frames.map(([index, timestampMs, key, width, height, len]) => {
      const data = bytes.slice(at, at + len)
      at += len
      return { index, timestampMs, keyframe: key === 1, width, height, data }
    })
    if (at !== bytes.length) return undefined
    return { codec: meta.codec, fps: meta.fps, description: meta.description, frames }
  } catch {
    return undefined
  }
}

async function cached(key: string, use: boolean, make: () => Promise<EncodedVideo>): Promise<EncodedVideo> {
  if (!use) return make()
  const hash = createHash('sha256').update(`${CACHE_VERSION}\n${key}`).digest('hex').slice(0, 32)
  let p = memoryCache.get(hash)
  if (!p) {
    p = (async () => {
      const file = join(cacheDir(), `${hash}.bin`)
      if (existsSync(file)) {
        const hit = deserialize(new Uint8Array(await readFile(file)))
        if (hit) return hit
      }
      const made = await make()
      await mkdir(cacheDir(), { recursive: true })
      const tmp = `${file}.${process.pid}.tmp`
      await writeFile(tmp, serialize(made))
      await rename(tmp, file)
      return made
    })()
    memoryCache.set(hash, p)
    p.catch(() => memoryCache.delete(hash))
  }
  return p
}

// ---------------------------------------------------------------------------------------------------------------
// Encoding

/**
 * Encodes the rtcspec video pattern (see `videoPattern`) with FFmpeg: every frame carries its frame code, and
 * each encoded frame lists its index, timestamp (`index × 1000 / fps` ms), keyframe flag and size. A resolution
 * change starts a new encoder run, so the first frame at the new size is a keyframe.
 *
 * Cached by its parameters (in memory and in the OS temp dir), so a test suite encodes each pattern once.
 *
 * ```ts
 * const video = await encodeVideoPattern({ codec: 'VP8', width: 640, height: 480, fps: 30, seconds: 5, bitrateKbps: 500 })
 * ```
 */
export async function encodeVideoPattern(options: EncodeVideoPatternOptions): Promise<EncodedVideo> {
  const o = parseOptions(PatternEncodeSchema, options, {
    code: 'VIDEO_ENCODE_OPTIONS',
    what: 'video pattern encode options',
    hint: 'see EncodeVideoPatternOptions in src/services/video-encode.ts',
  })
  const pattern = videoPattern({ width: o.width, height: o.height, fps: o.fps, mode: o.mode, resolutionChanges: o.resolutionChanges })
  const count = Math.max(1, Math.round(o.seconds * o.fps))
  const gop = o.keyframeIntervalFrames ?? Math.max(1, Math.round(2 * o.fps))
  const key = JSON.stringify({ ...o, provider: undefined, timeoutMs: undefined, cache: undefined, gop, args: codecArgs(o.codec, o.bitrateKbps, gop) })
  return cached(key, o.cache ?? true, async () => {
    const provider = await resolveProvider(FFMPEG_PROVIDER_SPEC, o.provider as ProviderChoice | undefined)
    const work = await workDir()
    try {
      const bounds = [0, ...pattern.options.resolutionChanges.map((c) => c.atFrame).filter((f) => f < count), count]
      const frames: EncodedVideoFrame[] = []
      for (let s = 0; s + 1 < bounds.length; s++) {
        const from = bounds[s]!
        const n = bounds[s + 1]! - from
        const size = pattern.sizeAt(from)
        const y4m = join(work.dir, `in-${from}.y4m`)
        writeY4mFile(y4m, pattern.frames(n, from), { ...size, fps: o.fps })
        const segment = await encodeY4m(provider, work, y4m, {
          codec: o.codec,
          bitrateKbps: o.bitrateKbps,
          gop,
          fps: o.fps,
          ...size,
          count: n,
          firstIndex: from,
          timeoutMs: o.timeoutMs ?? 120_000,
        })
        frames.push(...segment)
        await rm(y4m, { force: true })
      }
      const sizes = [...new Set(frames.map((f) => `${f.width}×${f.height}`))].join(' → ')
      return {
        codec: o.codec,
        fps: o.fps,
        description: `pattern${o.mode === 'slide' ? ' (slide)' : ''} ${sizes}@${o.fps} ${o.codec} ${o.bitrateKbps} kbit/s`,
        frames,
      }
    } finally {
      await work.release()
    }
  })
}

/** The format of a file from its name, else from its first bytes; undefined when neither tells. */
function sniffFormat(path: string, head: Uint8Array): VideoFileFormat | undefined {
  const ext = extname(path).toLowerCase()
  if (ext === '.ivf') return 'ivf'
  if (ext === '.y4m') return 'y4m'
  if (ext === '.h264' || ext === '.264' || ext === '.annexb') return 'h264'
  if (ext === '.mp4' || ext === '.m4v' || ext === '.mov') return 'mp4'
  if (ext === '.webm' || ext === '.mkv') return 'webm'
  const text = new TextDecoder('latin1').decode(head.subarray(0, 12))
  if (text.startsWith('DKIF')) return 'ivf'
  if (text.startsWith('YUV4MPEG2')) return 'y4m'
  if (text.slice(4, 8) === 'ftyp') return 'mp4'
  if (head[0] === 0x1a && head[1] === 0x45 && head[2] === 0xdf && head[3] === 0xa3) return 'webm'
  if (head[0] === 0 && head[1] === 0 && (head[2] === 1 || (head[2] === 0 && head[3] === 1))) return 'h264'
  return undefined
}

const DEMUXER: Record<VideoFileFormat, string> = { ivf: 'ivf', h264: 'h264', mp4: 'mov', webm: 'matroska', y4m: 'yuv4mpegpipe' }

async function checkedInput(path: string, format: VideoFileFormat | undefined): Promise<{ path: string; format: VideoFileFormat }> {
  const abs = resolve(path)
  const info = await stat(abs).catch(() => undefined)
  if (!info?.isFile())
    throw new RtcspecError('VIDEO_FILE', `no video file at ${abs}`, { hint: 'check the path (relative paths are from the working directory)' })
  const head = new Uint8Array(16)
  const fd = openSync(abs, 'r')
  try {
    readSync(fd, head, 0, 16, 0)
  } finally {
    closeSync(fd)
  }
  const f = format ?? sniffFormat(abs, head)
  if (!f)
    throw new RtcspecError('VIDEO_FORMAT', `cannot tell the video format of ${abs} from its name or its first bytes`, {
      hint: 'use a .y4m, .ivf, .h264 (Annex B), .mp4 or .webm file, or pass { format }',
    })
  return { path: abs, format: f }
}

/**
 * Re-encodes a user's video file (Y4M, IVF, H.264 Annex B or MP4) to VP8 or H.264 with the same settings as
 * {@link encodeVideoPattern}, optionally scaled and resampled. Frames carry their index, timestamp, keyframe
 * flag and size; they carry a frame code only if the file's pictures do. Cached by path, modification time and
 * options.
 */
export async function encodeVideoFile(path: string, options: EncodeVideoFileOptions): Promise<EncodedVideo> {
  const o = parseOptions(FileEncodeSchema, options, {
    code: 'VIDEO_ENCODE_OPTIONS',
    what: 'video file encode options',
    hint: 'see EncodeVideoFileOptions in src/services/video-encode.ts',
  })
  if ((o.width === undefined) !== (o.height === undefined))
    throw new RtcspecError('VIDEO_ENCODE_OPTIONS', 'give both width and height, or neither', { hint: 'e.g. { width: 640, height: 480 }' })
  const input = await checkedInput(path, undefined)
  const mtime = (await stat(input.path)).mtimeMs
  const key = JSON.stringify({
    file: input.path,
    mtime,
    ...o,
    provider: undefined,
    timeoutMs: undefined,
    cache: undefined,
    args: codecArgs(o.codec, o.bitrateKbps, o.keyframeIntervalFrames ?? 0),
  })
  return cached(key, o.cache ?? true, async () => {
    const provider = await resolveProvider(FFMPEG_PROVIDER_SPEC, o.provider as ProviderChoice | undefined)
    const work = await workDir()
    try {
      const y4m = join(work.dir, 'in.y4m')
      const filters = [o.width ? `scale=${o.width}:${o.height}` : 'scale=trunc(iw/2)*2:trunc(ih/2)*2', ...(o.fps ? [`fps=${o.fps}`] : [])]
      await runFfmpeg(
        provider,
        [
          '-f',
          DEMUXER[input.format],
          '-i',
          input.path,
          '-t',
          String(o.maxSeconds ?? 60),
          '-vf',
          filters.join(','),
          '-pix_fmt',
          'yuv420p',
          '-f',
          'yuv4mpegpipe',
          y4m,
        ],
        [work.dir, dirname(input.path)],
        o.timeoutMs ?? 120_000,
        `read ${input.path}`,
      ).catch((e: unknown) => {
        if (e instanceof RtcspecError && e.code === 'FFMPEG_FAILED')
          throw new RtcspecError('VIDEO_FILE', `FFmpeg could not read ${input.path} as ${input.format}: ${e.message}`, {
            hint: 'is the file complete and in the format its name says? ffprobe <file> tells',
            cause: e,
          })
        throw e
      })
      const headBytes = new Uint8Array(4096)
      const fd = openSync(y4m, 'r')
      let got = 0
      try {
        got = readSync(fd, headBytes, 0, 4096, 0)
      } finally {
        closeSync(fd)
      }
      const { header, length } = parseY4mHeader(headBytes.subarray(0, got))
      const frameBytes = 6 + header.width * header.height + 2 * ((header.width + 1) >> 1) * ((header.height + 1) >> 1)
      const count = Math.floor(((await stat(y4m)).size - length) / frameBytes)
      if (count < 1) throw new RtcspecError('VIDEO_FILE', `${input.path} has no video frames`, { hint: 'is it an audio-only file?' })
      const fps = header.fps.num / header.fps.den
      const gop = o.keyframeIntervalFrames ?? Math.max(1, Math.round(2 * fps))
      const frames = await encodeY4m(provider, work, y4m, {
        codec: o.codec,
        bitrateKbps: o.bitrateKbps,
        gop,
        fps,
        width: header.width,
        height: header.height,
        count,
        firstIndex: 0,
        timeoutMs: o.timeoutMs ?? 120_000,
      })
      return {
        codec: o.codec,
        fps,
        description: `${input.path} ${header.width}×${header.height}@${+fps.toFixed(3)} ${o.codec} ${o.bitrateKbps} kbit/s`,
        frames,
      }
    } finally {
      await work.release()
    }
  })
}

// ---------------------------------------------------------------------------------------------------------------
// Decoding and quality

function isEncodedVideo(v: unknown): v is EncodedVideo {
  return typeof v === 'object' && v !== null && 'codec' in v && 'frames' in v && Array.isArray((v as EncodedVideo).frames)
}

/** Writes an input given as data to the work dir; returns the file to decode and its format. */
async function inputFile(input: VideoInput, format: VideoFileFormat | undefined, work: Work): Promise<{ path: string; format: VideoFileFormat }> {
  if (typeof input === 'string') return checkedInput(input, format)
  if (isEncodedVideo(input)) {
    if (input.frames.length === 0)
      throw new RtcspecError('VIDEO_INPUT', `the encoded video "${input.description}" has no frames`, { hint: 'encode at least one frame' })
    if (input.codec === 'VP8') {
      const first = input.frames[0]!
      const path = join(work.dir, 'input.ivf')
      const fpsDen = Math.round(input.fps * 1000)
      await writeFile(
        path,
        writeIvf({
          fourcc: 'VP80',
          width: first.width,
          height: first.height,
          timebaseNum: 1,
          timebaseDen: 1000,
          frames: input.frames.map((f, i) => ({ pts: Math.round((i * 1_000_000) / fpsDen), data: f.data })),
        }),
      )
      return { path, format: 'ivf' }
    }
    const path = join(work.dir, 'input.h264')
    await writeFile(path, Buffer.concat(input.frames.map((f) => f.data)))
    return { path, format: 'h264' }
  }
  const parsed = z.strictObject({ data: z.instanceof(Uint8Array), format: z.enum(['ivf', 'h264', 'mp4', 'webm', 'y4m']) }).safeParse(input)
  if (!parsed.success)
    throw new RtcspecError('VIDEO_INPUT', 'decodeVideo needs a file path, an EncodedVideo, or { data: Uint8Array, format }', {
      hint: "e.g. decodeVideo({ data: bytes, format: 'ivf' })",
    })
  const path = join(work.dir, `input.${parsed.data.format}`)
  await writeFile(path, parsed.data.data)
  return { path, format: parsed.data.format }
}

/**
 * Decodes a recording (a file path, an `EncodedVideo`, or bytes with their format) with FFmpeg into pictures in
 * decode order, every one with the frame code read from it (`undefined` when none reads). Frames are neither
 * dropped nor repeated (`-fps_mode passthrough`). A stream whose size changes is scaled to its first size (or to
 * the `width × height` asked).
 */
export async function decodeVideo(input: VideoInput, options: DecodeVideoOptions = {}): Promise<DecodedVideo> {
  const o = parseOptions(DecodeOptionsSchema, options, {
    code: 'VIDEO_DECODE_OPTIONS',
    what: 'video decode options',
    hint: 'see DecodeVideoOptions in src/services/video-encode.ts',
  })
  if ((o.width === undefined) !== (o.height === undefined))
    throw new RtcspecError('VIDEO_DECODE_OPTIONS', 'give both width and height, or neither', { hint: 'e.g. { width: 320, height: 240 }' })
  const provider = await resolveProvider(FFMPEG_PROVIDER_SPEC, o.provider as ProviderChoice | undefined)
  const work = await workDir()
  try {
    const file = await inputFile(input, o.format, work)
    const out = join(work.dir, 'decoded.y4m')
    const scale = o.width ? ['-vf', `scale=${o.width}:${o.height}`] : []
    await runFfmpeg(
      provider,
      ['-f', DEMUXER[file.format], '-i', file.path, '-map', '0:v:0', '-fps_mode', 'passthrough', ...scale, '-pix_fmt', 'yuv420p', '-f', 'yuv4mpegpipe', out],
      [work.dir, dirname(file.path)],
      o.timeoutMs ?? 120_000,
      `decode ${typeof input === 'string' ? input : isEncodedVideo(input) ? input.description : `${file.format} data`}`,
    ).catch((e: unknown) => {
      if (e instanceof RtcspecError && e.code === 'FFMPEG_FAILED')
        throw new RtcspecError('VIDEO_FILE', `FFmpeg could not decode the ${file.format} input: ${e.message}`, {
          hint: 'is the recording complete and in the format given? ffprobe <file> tells',
          cause: e,
        })
      throw e
    })
    const frames: DecodedVideoFrame[] = []
    const header = readY4mFile(out, (picture, position) => {
      frames.push({ position, code: readFrameCode(picture.y, picture.width, picture.height), ...(o.pictures ? { picture } : {}) })
    })
    return { width: header.width, height: header.height, frames }
  } finally {
    await work.release()
  }
}

function isPattern(r: unknown): r is VideoPattern {
  return typeof r === 'object' && r !== null && 'frame' in r && typeof (r as VideoPattern).frame === 'function'
}

/**
 * PSNR and SSIM of decoded pictures (from {@link decodeVideo} with `pictures: true`, or anything it decodes)
 * against the reference, with FFmpeg's `psnr` and `ssim` filters. Each decoded picture is paired with the
 * reference picture of the index its frame code carries, so lost, late or repeated frames compare against the
 * right original; pictures without a readable code, or whose reference has another size, are left out and
 * counted in `unmatched`.
 */
export async function videoQuality(reference: VideoReference, distorted: DecodedVideo | VideoInput, options: VideoQualityOptions = {}): Promise<VideoQuality> {
  const o = parseOptions(QualityOptionsSchema, options, {
    code: 'VIDEO_QUALITY_OPTIONS',
    what: 'video quality options',
    hint: 'see VideoQualityOptions in src/services/video-encode.ts',
  })
  const decoded: DecodedVideo =
    typeof distorted === 'object' && 'width' in distorted && 'frames' in distorted && !('codec' in distorted)
      ? distorted
      : await decodeVideo(distorted as VideoInput, { pictures: true, provider: o.provider, timeoutMs: o.timeoutMs })
  let refAt: (index: number) => I420Frame | undefined
  if (typeof reference === 'string') {
    const info = await checkedInput(reference, 'y4m')
    const ref = readY4m(new Uint8Array(await readFile(info.path)))
    refAt = (i) => ref.frames[i]
  } else if (isPattern(reference)) refAt = (i) => reference.frame(i)
  else refAt = (i) => (reference as readonly I420Frame[])[i]
  const pairs: Array<{ index: number; dist: I420Frame; ref: I420Frame }> = []
  for (const f of decoded.frames) {
    if (!f.picture)
      throw new RtcspecError('VIDEO_QUALITY', 'the decoded video has no pictures to compare', { hint: 'decode it with decodeVideo(input, { pictures: true })' })
    if (!f.code) continue
    const ref = refAt(f.code.index)
    if (ref && ref.width === f.picture.width && ref.height === f.picture.height) pairs.push({ index: f.code.index, dist: f.picture, ref })
  }
  const unmatched = decoded.frames.length - pairs.length
  if (pairs.length === 0)
    throw new RtcspecError(
      'VIDEO_QUALITY',
      `no decoded picture could be paired with a reference picture (${decoded.frames.length} decoded, none with a readable code and a same-size reference)`,
      {
        hint: 'the pictures must carry the frame code (rtcspec pattern sources) and have the reference size',
      },
    )
  const provider = await resolveProvider(FFMPEG_PROVIDER_SPEC, o.provider as ProviderChoice | undefined)
  const work = await workDir()
  try {
    const { width, height } = pairs[0]!.dist
    const same = pairs.filter((p) => p.dist.width === width && p.dist.height === height)
    const distPath = join(work.dir, 'distorted.y4m')
    const refPath = join(work.dir, 'reference.y4m')
    writeY4mFile(
      distPath,
      same.map((p) => p.dist),
      { width, height, fps: 30 },
    )
    writeY4mFile(
      refPath,
      same.map((p) => p.ref),
      { width, height, fps: 30 },
    )
    const psnrLog = join(work.dir, 'psnr.log')
    const ssimLog = join(work.dir, 'ssim.log')
    await runFfmpeg(
      provider,
      [
        '-f',
        'yuv4mpegpipe',
        '-i',
        distPath,
        '-f',
        'yuv4mpegpipe',
        '-i',
        refPath,
        '-filter_complex',
        `[0:v]split=2[d1][d2];[1:v]split=2[r1][r2];[d1][r1]psnr=stats_file=${psnrLog}[p];[d2][r2]ssim=stats_file=${ssimLog}[s]`,
        '-map',
        '[p]',
        '-f',
        'null',
        '-',
        '-map',
        '[s]',
        '-f',
        'null',
        '-',
      ],
      [work.dir],
      o.timeoutMs ?? 120_000,
      'measure PSNR and SSIM',
    )
    const psnr = (await readFile(psnrLog, 'utf8'))
      .split('\n')
      .filter((l) => l.startsWith('n:'))
      .map((l) => {
        const m = /psnr_avg:(\S+)/.exec(l)
        const v = m ? Number(m[1]) : Number.NaN
        return m && m[1] === 'inf' ? 100 : Math.min(100, v)
      })
    const ssim = (await readFile(ssimLog, 'utf8'))
      .split('\n')
      .filter((l) => l.startsWith('n:'))
      .map((l) => Number(/All:(\S+)/.exec(l)?.[1] ?? Number.NaN))
    if (psnr.length !== same.length || ssim.length !== same.length || psnr.some(Number.isNaN) || ssim.some(Number.isNaN))
      throw new RtcspecError('VIDEO_QUALITY', `FFmpeg's psnr/ssim statistics have ${psnr.length}/${ssim.length} readable lines for ${same.length} pairs`, {
        hint: 'report this with the FFmpeg version (ffmpeg -version)',
      })
    const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length
    return {
      frames: same.length,
      unmatched: unmatched + (pairs.length - same.length),
      psnr: { mean: mean(psnr), min: Math.min(...psnr) },
      ssim: { mean: mean(ssim), min: Math.min(...ssim) },
      perFrame: same.map((p, i) => ({ index: p.index, psnr: psnr[i]!, ssim: ssim[i]! })),
    }
  } finally {
    await work.release()
  }
}
