/**
 * FFmpeg as an rtcspec service, in two roles:
 * - **source**: any rtcspec audio source (rendered to a temp WAV) or an FFmpeg test pattern (`sine`,
 *   `testsrc`), sent as plain RTP (Opus, PCMU or PCMA audio; VP8 or H.264 video) to loopback addresses
 *   you give, with the SDP FFmpeg wrote (`-sdp_file`) returned;
 * - **sink**: receives the RTP stream an SDP describes and records it (WAV for audio; MP4, IVF, WebM or
 *   an H.264 Annex B file for video).
 *
 * Durations are bounded, readiness is observed (a sink has bound its UDP port; a source has written its
 * SDP), and every process is killed (group) or container removed on dispose. Providers: `local`
 * (ffmpeg on PATH), `docker` (image `rtcspec/ffmpeg`, host networking, the work dir mounted at the same
 * path), `external` (`RTCSPEC_FFMPEG`: the path of an ffmpeg binary you want used instead).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { z } from 'zod'
import { RtcspecError } from '../errors.ts'
import { parseOptions } from '../options.ts'
import { registerRunResource, type RunRegistration } from '../run-registry.ts'
import { encodeWav } from '../media/wav.ts'
import { readAll } from '../media/sources.ts'
import type { AudioSource, PcmAudio } from '../media/types.ts'
import { isLoopbackAddress } from '../net/loopback.ts'
import { runContainer, serviceImage } from './docker.ts'
import { writeServiceLog, type ServiceLog } from './logs.ts'
import { runLocal, type ExitInfo, type ServiceProcess } from './process.ts'
import { resolveProvider, type ServiceProviderSpec } from './provider.ts'
import type { ProviderChoice, ProviderKind, Service } from './types.ts'

/** How FFmpeg is provided (for provider selection and `rtcspec doctor`). */
export const FFMPEG_PROVIDER_SPEC: ServiceProviderSpec = {
  service: 'ffmpeg',
  binary: 'ffmpeg',
  aptPackage: 'ffmpeg',
  externalEnv: 'RTCSPEC_FFMPEG',
}

/** Audio codecs the FFmpeg source can send. */
export type FfmpegAudioCodec = 'opus' | 'PCMU' | 'PCMA'
/** Video codecs the FFmpeg source can send. */
export type FfmpegVideoCodec = 'VP8' | 'H264'

const AddressSchema = z.strictObject({
  host: z.string().refine(isLoopbackAddress, 'must be a loopback IP literal (127.0.0.0/8 or ::1)'),
  port: z.number().int().min(1).max(65535),
})

/** Where RTP goes. Loopback only. */
export type RtpAddress = z.infer<typeof AddressSchema>

const SourceOptionsSchema = z.strictObject({
  provider: z.enum(['auto', 'docker', 'local', 'external']).optional(),
  /** How long FFmpeg sends, in ms (it stops by itself). Default 5000, at most 600000. */
  durationMs: z.number().int().min(100).max(600_000).optional(),
  audio: z
    .strictObject({
      to: AddressSchema,
      codec: z.enum(['opus', 'PCMU', 'PCMA']).optional(),
      /** An rtcspec AudioSource (rendered to a WAV first), or FFmpeg's `sine` test pattern. Default sine 440 Hz. */
      source: z
        .union([
          z.custom<AudioSource>((v) => typeof v === 'object' && v !== null && 'read' in v && 'sampleRate' in v, 'an AudioSource'),
          z.strictObject({ sine: z.number().positive().max(20_000) }),
        ])
        .optional(),
      payloadType: z.number().int().min(0).max(127).optional(),
      ssrc: z.number().int().min(0).max(0xffffffff).optional(),
    })
    .optional(),
  video: z
    .strictObject({
      to: AddressSchema,
      codec: z.enum(['VP8', 'H264']).optional(),
      /** FFmpeg lavfi pattern, default `testsrc`. */
      pattern: z.enum(['testsrc', 'testsrc2', 'smptebars', 'color']).optional(),
      width: z.number().int().min(16).max(1920).optional(),
      height: z.number().int().min(16).max(1080).optional(),
      fps: z.number().int().min(1).max(60).optional(),
      bitrateKbps: z.number().int().min(50).max(10_000).optional(),
      payloadType: z.number().int().min(0).max(127).optional(),
      ssrc: z.number().int().min(0).max(0xffffffff).optional(),
    })
    .optional(),
})

/** Options of {@link startFfmpegSource}. At least one of `audio` and `video`. */
export type FfmpegSourceOptions = z.input<typeof SourceOptionsSchema>

/** A running FFmpeg (source or sink). */
export interface FfmpegService extends Service {
  readonly name: 'ffmpeg'
  /** The exact command line (after the binary) FFmpeg runs with. */
  readonly args: readonly string[]
  /** Resolves when FFmpeg exits (by itself at the end of its duration, or when closed). */
  readonly exited: Promise<ExitInfo>
}

/** FFmpeg sending RTP. */
export interface FfmpegSource extends FfmpegService {
  /** The SDP FFmpeg wrote for its RTP output(s) (`-sdp_file`): codecs, payload types, ports. */
  readonly sdp: string
}

/** FFmpeg receiving RTP and recording it. */
export interface FfmpegSink extends FfmpegService {
  /**
   * The recording: `.wav` for audio (written by `stop()` from FFmpeg's raw PCM); for video the container asked
   * (`format`): fragmented `.mp4` by default, `.ivf`, `.webm` or `.h264`.
   */
  readonly file: string
  /**
   * Stops FFmpeg gracefully (SIGTERM: it finishes the file) and returns the recording.
   * For audio, the decoded WAV; for video, the recording's bytes (decode them with `decodeVideo`).
   */
  stop(): Promise<{ file: string; bytes: Uint8Array; audio: PcmAudio | undefined }>
  /**
   * Video: frames FFmpeg has written to the recording so far, from its progress report (updated every 200 ms):
   * wait for it before `stop()`. The last frame or two (more when transcoding) stay inside FFmpeg until it ends,
   * which it does at its next packet after `stop()`: stop while the stream still flows to keep them. Undefined for
   * audio.
   */
  framesWritten(): number | undefined
}

class FfmpegProcess implements FfmpegService {
  readonly name = 'ffmpeg' as const
  readonly provider: ProviderKind
  readonly args: readonly string[]
  readonly log: ServiceLog
  readonly exited: Promise<ExitInfo>
  protected readonly proc: ServiceProcess
  protected readonly dir: string
  #logFile: string | undefined
  #closing: Promise<void> | undefined

  constructor(provider: ProviderKind, proc: ServiceProcess, args: readonly string[], dir: string) {
    this.provider = provider
    this.proc = proc
    this.args = args
    this.dir = dir
    this.log = proc.log
    this.exited = proc.exited
  }

  get logFile(): string | undefined {
    return this.#logFile
  }

  /** Stops the process but keeps the work dir (so a sink's recording can be read). */
  protected async stopProcess(graceMs = 3000): Promise<void> {
    await this.proc.stop(graceMs)
    this.#logFile ??= writeServiceLog(`ffmpeg-${this.provider}`, this.log)
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.stopProcess()
      await removeWorkDir(this.dir)
    })()
    return this.#closing
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }
}

class FfmpegSourceImpl extends FfmpegProcess implements FfmpegSource {
  readonly sdp: string
  constructor(provider: ProviderKind, proc: ServiceProcess, args: readonly string[], dir: string, sdp: string) {
    super(provider, proc, args, dir)
    this.sdp = sdp
  }
}

class FfmpegSinkImpl extends FfmpegProcess implements FfmpegSink {
  readonly file: string
  readonly #rate: number | undefined
  readonly #progress: string | undefined
  constructor(
    provider: ProviderKind,
    proc: ServiceProcess,
    args: readonly string[],
    dir: string,
    file: string,
    audioRate: number | undefined,
    progressFile?: string,
  ) {
    super(provider, proc, args, dir)
    this.file = audioRate === undefined ? file : file.replace(/\.pcm$/, '.wav')
    this.#rate = audioRate
    this.#raw = file
    this.#progress = progressFile
  }

  readonly #raw: string

  framesWritten(): number | undefined {
    if (this.#progress === undefined) return undefined
    let tail: string
    try {
      const fd = openSync(this.#progress, 'r')
      try {
        const size = fstatSync(fd).size
        const buf = Buffer.alloc(Math.min(size, 4096))
        readSync(fd, buf, 0, buf.length, size - buf.length)
        tail = buf.toString('latin1')
      } finally {
        closeSync(fd)
      }
    } catch {
      return 0
    }
    const all = [...tail.matchAll(/^frame=(\d+)$/gm)]
    return all.length ? Number(all.at(-1)![1]) : 0
  }

  async stop(): Promise<{ file: string; bytes: Uint8Array; audio: PcmAudio | undefined }> {
    // Video: FFmpeg acts on SIGTERM at its next packet and then finishes the container (MP4's last fragment, WebM's
    // last cluster, frames inside its depacketizer or encoder); a stream that has ended leaves it waiting, and it is
    // killed after the grace: every container here is on disk frame by frame, all but the last frames or so.
    await this.stopProcess(this.#rate === undefined ? 2000 : 1000)
    let bytes: Uint8Array
    try {
      bytes = new Uint8Array(await readFile(this.#raw))
      if (this.#rate !== undefined) {
        const samples = new Int16Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + (bytes.byteLength & ~1)))
        bytes = encodeWav(samples, this.#rate)
        await writeFile(this.file, bytes)
        return { file: this.file, bytes, audio: { sampleRate: this.#rate, samples } }
      }
    } catch {
      throw new RtcspecError('FFMPEG_NO_RECORDING', `FFmpeg (${this.provider}) wrote no recording at ${this.file}; last log lines:\n${this.log.tail(15)}`, {
        hint: 'did any RTP reach the port in the SDP? FFmpeg creates the file only once the first packet arrives',
      })
    }
    return { file: this.file, bytes, audio: undefined }
  }
}

/** The run-registry entries of the work directories, released once a directory is removed. */
const dirRegistrations = new Map<string, RunRegistration>()

/** A fresh work directory, registered so an interrupted run removes it too. */
async function makeWorkDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'rtcspec-ffmpeg-'))
  dirRegistrations.set(dir, registerRunResource({ kind: 'ffmpeg', dirs: [dir] }))
  return dir
}

/** Removes a work directory and forgets its registration. Never throws. */
async function removeWorkDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true }).catch(() => {})
  dirRegistrations.get(dir)?.release()
  dirRegistrations.delete(dir)
}

async function binaryFor(provider: ProviderKind): Promise<string> {
  return provider === 'external' ? (process.env.RTCSPEC_FFMPEG as string) : 'ffmpeg'
}

async function spawnFfmpeg(provider: ProviderKind, args: string[], dir: string): Promise<ServiceProcess> {
  if (provider === 'docker') return runContainer(serviceImage('ffmpeg'), args, { service: 'ffmpeg', binds: [dir] })
  return runLocal(await binaryFor(provider), args, { kind: 'ffmpeg' })
}

function rtpUrl(a: RtpAddress): string {
  const host = a.host.includes(':') ? `[${a.host}]` : a.host
  // RTCP goes to the RTP port too (never to port+1, which may belong to someone else); receivers drop it.
  return `rtp://${host}:${a.port}?rtcpport=${a.port}&pkt_size=1200`
}

function audioCodecArgs(codec: FfmpegAudioCodec): string[] {
  if (codec === 'opus') return ['-c:a', 'libopus', '-ar', '48000', '-ac', '2', '-application', 'voip', '-frame_duration', '20', '-b:a', '32k']
  // 20 ms of G.711 per packet, like WebRTC peers send.
  return ['-c:a', codec === 'PCMU' ? 'pcm_mulaw' : 'pcm_alaw', '-ar', '8000', '-ac', '1', '-frame_size', '160']
}

function videoCodecArgs(codec: FfmpegVideoCodec, kbps: number, fps: number): string[] {
  if (codec === 'VP8') return ['-c:v', 'libvpx', '-deadline', 'realtime', '-cpu-used', '8', '-b:v', `${kbps}k`, '-g', String(fps), '-auto-alt-ref', '0']
  return [
    '-c:v',
    'libx264',
    '-preset',
    'ultrafast',
    '-tune',
    'zerolatency',
    '-profile:v',
    'baseline',
    '-pix_fmt',
    'yuv420p',
    '-b:v',
    `${kbps}k`,
    '-g',
    String(fps),
    '-bsf:v',
    'h264_mp4toannexb',
  ]
}

function parseOrThrow<T extends z.ZodType>(schema: T, value: unknown, what: string): z.infer<T> {
  return parseOptions(schema, value, {
    code: 'FFMPEG_OPTIONS',
    what,
    hint: `see ${what === 'FFmpeg source options' ? 'FfmpegSourceOptions' : 'FfmpegSinkOptions'} in src/services/ffmpeg.ts`,
  })
}

function waitForFile(path: string, proc: ServiceProcess, timeoutMs: number, what: string): Promise<string> {
  const deadline = performance.now() + timeoutMs
  return new Promise((resolve, reject) => {
    const tick = () => {
      try {
        const text = readFileSync(path, 'utf8')
        if (text.includes('m=')) return resolve(text)
      } catch {
        // not yet
      }
      if (proc.exitInfo)
        return reject(
          new RtcspecError(
            'FFMPEG_FAILED',
            `FFmpeg (${proc.description}) exited with ${proc.exitInfo.code ?? proc.exitInfo.signal} before ${what}; last log lines:\n${proc.log.tail(15)}`,
          ),
        )
      if (performance.now() > deadline)
        return reject(
          new RtcspecError(
            'TIMEOUT',
            `timed out after ${timeoutMs} ms waiting for FFmpeg (${proc.description}) to ${what}; last log lines:\n${proc.log.tail(15)}`,
          ),
        )
      setTimeout(tick, 25)
    }
    tick()
  })
}

/**
 * Starts FFmpeg sending RTP to the given loopback addresses; resolves once it has written its SDP.
 * It stops by itself after `durationMs`; dispose it to stop earlier.
 */
export async function startFfmpegSource(options: FfmpegSourceOptions): Promise<FfmpegSource> {
  const o = parseOrThrow(SourceOptionsSchema, options, 'FFmpeg source options')
  if (!o.audio && !o.video)
    throw new RtcspecError('FFMPEG_OPTIONS', 'FFmpeg source needs audio, video or both', { hint: 'e.g. { audio: { to: { host: "127.0.0.1", port } } }' })
  const provider = await resolveProvider(FFMPEG_PROVIDER_SPEC, o.provider as ProviderChoice | undefined)
  const seconds = ((o.durationMs ?? 5000) / 1000).toFixed(3)
  const dir = await makeWorkDir()
  try {
    const inputs: string[] = []
    const outputs: string[] = []
    let index = 0
    if (o.audio) {
      const src = o.audio.source ?? { sine: 440 }
      if ('sine' in src) {
        inputs.push('-re', '-f', 'lavfi', '-i', `sine=frequency=${src.sine}:sample_rate=48000:duration=${seconds}`)
      } else {
        const samples = readAll(src as AudioSource, Math.ceil(((o.durationMs ?? 5000) / 1000) * src.sampleRate))
        const wav = join(dir, 'source.wav')
        await writeFile(wav, encodeWav(samples, src.sampleRate))
        inputs.push('-re', '-i', wav)
      }
      const codec = o.audio.codec ?? 'opus'
      outputs.push(
        '-map',
        `${index}:a`,
        ...audioCodecArgs(codec),
        '-payload_type',
        String(o.audio.payloadType ?? (codec === 'PCMU' ? 0 : codec === 'PCMA' ? 8 : 111)),
      )
      if (o.audio.ssrc !== undefined) outputs.push('-ssrc', String(o.audio.ssrc))
      outputs.push('-f', 'rtp', rtpUrl(o.audio.to))
      index++
    }
    if (o.video) {
      const v = o.video
      const size = `${v.width ?? 320}x${v.height ?? 240}`
      const fps = v.fps ?? 30
      inputs.push('-re', '-f', 'lavfi', '-i', `${v.pattern ?? 'testsrc'}=size=${size}:rate=${fps}:duration=${seconds}`)
      outputs.push('-map', `${index}:v`, ...videoCodecArgs(v.codec ?? 'VP8', v.bitrateKbps ?? 500, fps), '-payload_type', String(v.payloadType ?? 96))
      if (v.ssrc !== undefined) outputs.push('-ssrc', String(v.ssrc))
      outputs.push('-f', 'rtp', rtpUrl(v.to))
    }
    const sdpFile = join(dir, 'source.sdp')
    const args = ['-hide_banner', '-nostdin', '-loglevel', 'info', ...inputs, '-t', seconds, ...outputs, '-sdp_file', sdpFile]
    const proc = await spawnFfmpeg(provider, args, dir)
    try {
      const sdp = await waitForFile(sdpFile, proc, 20_000, 'write its SDP (-sdp_file)')
      return new FfmpegSourceImpl(provider, proc, args, dir, sdp)
    } catch (e) {
      await proc.stop(1000)
      writeServiceLog(`ffmpeg-${provider}-failed`, proc.log)
      throw e
    }
  } catch (e) {
    await removeWorkDir(dir)
    throw e
  }
}

/** Containers a video sink records to (see {@link FfmpegSinkOptions.format}). */
export const VIDEO_SINK_FORMATS = ['mp4', 'ivf', 'webm', 'h264'] as const
/** A container a video sink records to. */
export type VideoSinkFormat = (typeof VIDEO_SINK_FORMATS)[number]

/**
 * FFmpeg output arguments of a video sink: the stream copied when the container carries its codec, so the
 * recording holds the very frames that arrived; VP8 into MP4 is transcoded to H.264 (libx264).
 */
function videoSinkArgs(format: VideoSinkFormat, encoding: string | undefined): string[] {
  const codec = encoding
  const carries: Record<VideoSinkFormat, readonly string[]> = { mp4: ['H264', 'VP8'], ivf: ['VP8'], webm: ['VP8'], h264: ['H264'] }
  if (!codec || !carries[format].includes(codec))
    throw new RtcspecError('FFMPEG_OPTIONS', `an FFmpeg video sink cannot record ${codec ?? 'an unnamed codec'} as ${format}`, {
      hint: `record VP8 as ivf, webm or mp4, and H.264 as h264 or mp4 (the SDP's a=rtpmap names the codec)`,
    })
  const flush = ['-flush_packets', '1']
  if (format === 'ivf') return ['-an', '-c:v', 'copy', ...flush, '-f', 'ivf']
  if (format === 'h264') return ['-an', '-c:v', 'copy', ...flush, '-f', 'h264']
  // WebM: live mode (no cues, no seeking back) and short clusters, so a recording cut short keeps what it received.
  if (format === 'webm') return ['-an', '-c:v', 'copy', '-live', '1', '-cluster_time_limit', '200', ...flush, '-f', 'webm']
  return [
    '-an',
    // zerolatency: every frame leaves the encoder when it arrives (written as it comes, counted by framesWritten)
    ...(codec === 'H264' ? ['-c:v', 'copy'] : ['-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p']),
    '-movflags',
    // a fragment per frame: on disk as it comes, like the other containers
    'frag_every_frame+empty_moov+default_base_moof',
    ...flush,
    '-f',
    'mp4',
  ]
}

const SinkOptionsSchema = z.strictObject({
  provider: z.enum(['auto', 'docker', 'local', 'external']).optional(),
  /** The SDP describing the stream (its c= address and m= port are where FFmpeg listens). One m= section. */
  sdp: z
    .string()
    .min(1)
    .refine((s) => /^m=(audio|video) \d+ /m.test(s), 'must have an m=audio or m=video line with a port'),
  /** Stop by itself after this long (ms). Default 60000, at most 600000. */
  maxDurationMs: z.number().int().min(100).max(600_000).optional(),
  /** Readiness timeout (ms), default 20000. */
  readyTimeoutMs: z.number().int().positive().optional(),
  /**
   * Video only: the recording's container. `mp4` (default; fragmented, H.264 copied, VP8 transcoded to H.264),
   * `ivf` or `webm` (VP8 copied as it arrived, no transcoding), `h264` (H.264 copied as an Annex B stream).
   */
  format: z.enum(VIDEO_SINK_FORMATS).optional(),
})

/** Options of {@link startFfmpegSink}. */
export type FfmpegSinkOptions = z.input<typeof SinkOptionsSchema>

/** True when something has bound UDP `port` (Linux: /proc/net/udp{,6}); undefined when that cannot be told. */
export function udpPortBound(port: number): boolean | undefined {
  let seen = false
  let readable = false
  for (const f of ['/proc/net/udp', '/proc/net/udp6']) {
    let text: string
    try {
      text = readFileSync(f, 'utf8')
      readable = true
    } catch {
      continue
    }
    const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')} `
    for (const line of text.split('\n').slice(1)) {
      const local = line.trim().split(/\s+/)[1]
      if (local && `${local} `.endsWith(hex)) seen = true
    }
  }
  return readable ? seen : undefined
}

/**
 * A minimal SDP for one plain RTP stream towards `port` on 127.0.0.1, for {@link startFfmpegSink}:
 * `m=<kind> <port> RTP/AVP <pt>` with its rtpmap (and fmtp when given).
 */
export function plainRtpSdp(o: {
  kind: 'audio' | 'video'
  port: number
  payloadType: number
  encoding: string
  clockRate: number
  channels?: number
  fmtp?: string
  host?: string
}): string {
  const host = o.host ?? '127.0.0.1'
  const ip = host.includes(':') ? 'IP6' : 'IP4'
  return [
    'v=0',
    `o=- 0 0 IN ${ip} ${host}`,
    's=rtcspec',
    `c=IN ${ip} ${host}`,
    't=0 0',
    `m=${o.kind} ${o.port} RTP/AVP ${o.payloadType}`,
    `a=rtpmap:${o.payloadType} ${o.encoding}/${o.clockRate}${o.channels && o.channels > 1 ? `/${o.channels}` : ''}`,
    ...(o.fmtp ? [`a=fmtp:${o.payloadType} ${o.fmtp}`] : []),
    'a=recvonly',
    '',
  ].join('\r\n')
}

/**
 * Starts FFmpeg receiving the RTP stream `sdp` describes and recording it (audio → 16-bit WAV at the
 * stream's rate, mono; video → the `format` asked: MP4 by default with H.264 copied and VP8 transcoded to
 * H.264, or VP8 copied into IVF or WebM, or H.264 copied into an Annex B file). Resolves once FFmpeg has
 * bound the stream's UDP port. Call `stop()` for the recording.
 */
export async function startFfmpegSink(options: FfmpegSinkOptions): Promise<FfmpegSink> {
  const o = parseOrThrow(SinkOptionsSchema, options, 'FFmpeg sink options')
  const provider = await resolveProvider(FFMPEG_PROVIDER_SPEC, o.provider as ProviderChoice | undefined)
  const m = /^m=(audio|video) (\d+) [^ ]+ (\d+)/m.exec(o.sdp)
  const kind = m?.[1] as 'audio' | 'video'
  const port = Number(m?.[2])
  const encoding = new RegExp(`^a=rtpmap:${m?.[3]} ([^/\\s]+)`, 'm').exec(o.sdp)?.[1]?.toUpperCase()
  if (kind === 'audio' && o.format !== undefined)
    throw new RtcspecError('FFMPEG_OPTIONS', `FFmpeg sink options: format '${o.format}' is for video, but the SDP's stream is audio`, {
      hint: 'leave format out: audio is recorded as WAV',
    })
  const format: VideoSinkFormat = o.format ?? 'mp4'
  const videoArgs = kind === 'video' ? videoSinkArgs(format, encoding) : []
  const dir = await makeWorkDir()
  try {
    const sdpFile = join(dir, 'sink.sdp')
    await writeFile(sdpFile, o.sdp)
    // Outputs that need no trailer and are flushed per packet, so a stop that has to kill FFmpeg (blocked
    // waiting for input, it ignores a single SIGTERM) loses nothing: raw PCM (made into a WAV by rtcspec),
    // fragmented MP4, IVF, Annex B, live WebM.
    const rate = kind === 'audio' ? Number(new RegExp(`^a=rtpmap:${m?.[3]} [^/\\s]+/(\\d+)`, 'm').exec(o.sdp)?.[1] ?? 8000) : 0
    const file = join(dir, kind === 'audio' ? 'recording.pcm' : `recording.${format}`)
    const codecArgs = kind === 'audio' ? ['-vn', '-c:a', 'pcm_s16le', '-ac', '1', '-ar', String(rate), '-f', 's16le', '-flush_packets', '1'] : videoArgs
    const progressFile = kind === 'video' ? join(dir, 'progress.txt') : undefined
    const args = [
      '-hide_banner',
      '-nostdin',
      '-loglevel',
      'info',
      // video: FFmpeg's frame count as it writes (framesWritten)
      ...(progressFile ? ['-stats_period', '0.2', '-progress', progressFile] : []),
      '-protocol_whitelist',
      'file,udp,rtp',
      // Wait for packets rather than giving up after FFmpeg's default probe.
      '-probesize',
      '32768',
      '-analyzeduration',
      '0',
      '-reorder_queue_size',
      '64',
      '-i',
      sdpFile,
      ...codecArgs,
      '-t',
      ((o.maxDurationMs ?? 60_000) / 1000).toFixed(3),
      '-y',
      file,
    ]
    const proc = await spawnFfmpeg(provider, args, dir)
    const sink = new FfmpegSinkImpl(provider, proc, args, dir, file, kind === 'audio' ? rate : undefined, progressFile)
    const timeoutMs = o.readyTimeoutMs ?? 20_000
    const deadline = performance.now() + timeoutMs
    for (;;) {
      const bound = udpPortBound(port)
      if (bound === true || bound === undefined) break
      if (proc.exitInfo) {
        await sink.close()
        throw new RtcspecError(
          'FFMPEG_FAILED',
          `FFmpeg sink (${proc.description}) exited with ${proc.exitInfo.code ?? proc.exitInfo.signal} before listening on UDP ${port}; last log lines:\n${proc.log.tail(15)}`,
        )
      }
      if (performance.now() > deadline) {
        await sink.close()
        throw new RtcspecError(
          'TIMEOUT',
          `timed out after ${timeoutMs} ms waiting for the FFmpeg sink to listen on UDP ${port}; last log lines:\n${proc.log.tail(15)}`,
        )
      }
      await new Promise((r) => setTimeout(r, 25))
    }
    return sink
  } catch (e) {
    await removeWorkDir(dir)
    throw e
  }
}
