/**
 * The declarative scenario spec: its zod schema, validation, audio sources and expectation checks. Has no Vitest
 * dependency, so the scenario runner (`scenario.ts`), `rtcspec load` and benchmarks share it.
 */
import { z } from 'zod'
import { DurationSchema } from './duration.ts'
import { RatioSchema } from './ratio.ts'
import { unknownKeyLines } from '../options.ts'
import { sources } from './sources.ts'
import { SPEECH_FIXTURES } from '../media/wav-source.ts'
import { NetworkSpecSchema } from './network.ts'
import { TricklePolicySchema } from '../peers/ice-behaviours.ts'
import { audioCodecNames } from '../peers/codecs.ts'
import type { AudioSourceSpec, InboundTrack } from '../peers/types.ts'
import { analyzeTrack } from '../media/video/track-frames.ts'

const SendSchema = z.union([
  z
    .object({
      tone: z.union([z.number().positive().max(20_000), z.array(z.number().positive().max(20_000)).min(1).max(8)]),
      dbfs: z.number().max(0).optional(),
    })
    .strict(),
  z.object({ silence: z.literal(true) }).strict(),
  z.object({ noise: z.object({ seed: z.number().int().optional(), dbfs: z.number().max(0).optional() }).strict() }).strict(),
  /** A shipped speech fixture (fixtures/audio/), resampled to the codec rate. */
  z.object({ speech: z.enum(SPEECH_FIXTURES), loop: z.boolean().optional() }).strict(),
  /** A WAV file (path relative to the working directory), resampled to the codec rate. */
  z.object({ wav: z.string().min(1), loop: z.boolean().optional() }).strict(),
  /** In-band DTMF tone pairs (Q.23), e.g. `'123#'`. */
  z
    .object({
      dtmf: z.string().regex(/^[0-9*#A-Da-d]+$/, 'DTMF digits are 0-9, *, #, A-D'),
      durationMs: z.number().positive().optional(),
      gapMs: z.number().nonnegative().optional(),
    })
    .strict(),
])

/** Video a peer sends: rtcspec's test pattern (every frame carries its index and capture time). */
const VideoSendSchema = z
  .object({
    codec: z.enum(['VP8', 'H264']).default('VP8'),
    width: z.number().int().min(16).max(1920).multipleOf(2, 'width is even (4:2:0 chroma)').default(320),
    height: z.number().int().min(16).max(1080).multipleOf(2, 'height is even (4:2:0 chroma)').default(240),
    fps: z.number().positive().max(60).default(30),
    bitrateKbps: z.number().int().min(50).max(20_000).default(300),
  })
  .strict()

const PeerSpecSchema = z
  .object({
    /** `werift` (in-process) or `chromium` (a headless Chromium page, see src/peers/chromium). */
    kind: z.enum(['werift', 'chromium']).default('werift'),
    /** Audio codecs this peer offers/accepts, in order. */
    codecs: z.array(z.string()).min(1).optional(),
    trickle: z.boolean().optional(),
    send: SendSchema.optional(),
    /** Send video (the test pattern) for the whole call. */
    video: VideoSendSchema.optional(),
    /** How this peer's trickled candidates reach the other peer (src/peers/ice-behaviours.ts). */
    ice: TricklePolicySchema.optional(),
  })
  .strict()

const ExpectationSchema = z
  .object({
    packetsAtLeast: z.number().int().nonnegative().optional(),
    /** A fraction (`0.01`) or a percentage (`'1%'`). */
    lossBelow: RatioSchema.optional(),
    jitterMsBelow: z.number().positive().optional(),
    codec: z.string().optional(),
  })
  .strict()

/** Expectations on a `<peer>.video.in` stream: the frame-accurate video analysis of what it received. */
const VideoExpectationSchema = z
  .object({
    /** At least this many decodable frames. */
    framesAtLeast: z.number().int().positive().optional(),
    /** Achieved frame rate above this. */
    fpsAbove: z.number().positive().optional(),
    /** Fewer freezes than this (`1`: none), WebRTC-stats definition. */
    freezesBelow: z.number().int().positive().optional(),
    /** Less frozen time than this. */
    freezeMsBelow: DurationSchema.optional(),
    /** The first decodable frame within this of the track's start. */
    firstFrameWithin: DurationSchema.optional(),
    /** The latest picture size, `'640x480'`. */
    resolution: z
      .string()
      .regex(/^\d+x\d+$/, "resolution looks like '640x480'")
      .optional(),
    /** End-to-end delay (p95, from frame codes) below this. */
    delayMsBelow: DurationSchema.optional(),
  })
  .strict()

/** The schema of a scenario spec. */
export const ScenarioSpecSchema = z
  .object({
    /** Exactly two peers: the first one named calls the second. */
    peers: z.record(z.string().regex(/^[A-Za-z][\w-]*$/, 'peer names are identifiers like alice, bob-2'), PeerSpecSchema),
    /** Force one codec on both sides. */
    codec: z.string().optional(),
    /** Impairment between the peers: profiles, presets, schedule (see src/calls/network.ts). */
    network: NetworkSpecSchema.optional(),
    /** Restart ICE this long after media started; fail when the media gap exceeds `maxGap`. */
    iceRestart: z.object({ at: DurationSchema, maxGap: DurationSchema.optional() }).strict().optional(),
    /** How long media flows after connecting. */
    duration: DurationSchema.default(2000),
    /** Connect timeout. */
    connectTimeout: DurationSchema.default(10_000),
    /** Keys are `<peer>.audio.in` (RTP figures) or `<peer>.video.in` (video figures). */
    expect: z.record(z.string(), ExpectationSchema.extend(VideoExpectationSchema.shape).strict()).default({}),
  })
  .strict()
  .superRefine((spec, ctx) => {
    const names = Object.keys(spec.peers)
    if (names.length !== 2) {
      ctx.addIssue({
        code: 'custom',
        path: ['peers'],
        message: `a scenario needs exactly 2 peers (caller first), got ${names.length}: ${names.join(', ') || 'none'}`,
      })
    }
    const known = audioCodecNames()
    const codecs = [spec.codec, ...Object.values(spec.peers).flatMap((p) => p.codecs ?? [])].filter((c): c is string => !!c)
    for (const c of codecs) {
      if (!known.includes(c.toUpperCase())) ctx.addIssue({ code: 'custom', path: ['codec'], message: `unknown codec "${c}"; known: ${known.join(', ')}` })
    }
    for (const key of Object.keys(spec.expect)) {
      const m = /^([A-Za-z][\w-]*)\.(audio|video)\.in$/.exec(key)
      if (!m)
        ctx.addIssue({
          code: 'custom',
          path: ['expect', key],
          message: `expectation keys look like "<peer>.audio.in", got "${key}" ("<peer>.video.in" for video)`,
        })
      else if (!names.includes(m[1] ?? ''))
        ctx.addIssue({ code: 'custom', path: ['expect', key], message: `no peer named "${m[1]}" (peers: ${names.join(', ')})` })
      else {
        const value = spec.expect[key]
        const video = m[2] === 'video'
        const ok = (video ? VideoExpectationSchema : ExpectationSchema).safeParse(value).success
        if (!ok)
          ctx.addIssue({
            code: 'custom',
            path: ['expect', key],
            message: video
              ? 'video expectations are framesAtLeast, fpsAbove, freezesBelow, freezeMsBelow, firstFrameWithin, resolution, delayMsBelow'
              : 'audio expectations are packetsAtLeast, lossBelow, jitterMsBelow, codec',
          })
        else if (video && !Object.entries(spec.peers).some(([n, p]) => n !== m[1] && p.video))
          ctx.addIssue({
            code: 'custom',
            path: ['expect', key],
            message: `${m[1]} expects video but the other peer sends none: give it video: { codec: 'VP8' }`,
          })
      }
    }
  })

/** A scenario as written by users (durations as strings allowed). */
export type ScenarioSpec = z.input<typeof ScenarioSpecSchema>
/** A validated scenario (defaults applied, durations in ms). */
export type ParsedScenarioSpec = z.output<typeof ScenarioSpecSchema>
/** What a peer sends, as the spec says it. */
export type ScenarioSend = z.output<typeof SendSchema>
/** One `<peer>.audio.in` expectation. */
export type ScenarioExpectation = z.output<typeof ExpectationSchema>
/** One `<peer>.video.in` expectation. */
export type ScenarioVideoExpectation = z.output<typeof VideoExpectationSchema>
/** What a peer's `video` says it sends. */
export type ScenarioVideoSend = z.output<typeof VideoSendSchema>

/** Validates a spec; the error lists every problem with its path (`z.prettifyError`). */
export function parseScenario(spec: unknown): ParsedScenarioSpec {
  const r = ScenarioSpecSchema.safeParse(spec)
  if (!r.success) {
    const unknown = unknownKeyLines(r.error, ScenarioSpecSchema)
    throw new Error(`invalid scenario spec:\n${z.prettifyError(r.error)}${unknown.length ? `\n${unknown.map((l) => `✖ ${l}`).join('\n')}` : ''}`)
  }
  return r.data
}

/** The audio source a peer's `send` describes. */
export function sourceOf(send: ScenarioSend): AudioSourceSpec {
  if ('tone' in send)
    return Array.isArray(send.tone)
      ? sources.tones(send.tone, { ...(send.dbfs !== undefined ? { dbfs: send.dbfs } : {}) })
      : sources.tone(send.tone, { ...(send.dbfs !== undefined ? { dbfs: send.dbfs } : {}) })
  if ('silence' in send) return sources.silence()
  if ('speech' in send) return sources.speech(send.speech, send.loop ? { loop: true } : {})
  if ('wav' in send) return sources.wavFile(send.wav, send.loop ? { loop: true } : {})
  if ('dtmf' in send)
    return sources.dtmf(send.dtmf, {
      ...(send.durationMs !== undefined ? { durationMs: send.durationMs } : {}),
      ...(send.gapMs !== undefined ? { gapMs: send.gapMs } : {}),
    })
  return sources.noise({
    ...(send.noise.seed !== undefined ? { seed: send.noise.seed } : {}),
    ...(send.noise.dbfs !== undefined ? { dbfs: send.noise.dbfs } : {}),
  })
}

/** Checks one expectation; returns the failures as sentences. */
export function checkExpectation(key: string, track: InboundTrack | undefined, e: ScenarioExpectation): string[] {
  if (!track) return [`${key}: no inbound audio track arrived`]
  const s = track.rtp.snapshot()
  const out: string[] = []
  if (e.packetsAtLeast !== undefined && s.unique < e.packetsAtLeast) out.push(`${key}: expected at least ${e.packetsAtLeast} packets, got ${s.unique}`)
  if (e.lossBelow !== undefined && !(s.expected > 0 && s.lossFraction < e.lossBelow))
    out.push(
      `${key}: expected loss below ${(e.lossBelow * 100).toFixed(2)} %, measured ${(s.lossFraction * 100).toFixed(2)} % (lost ${s.lost} of ${s.expected})`,
    )
  if (e.jitterMsBelow !== undefined && !(s.received > 1 && s.jitterMs < e.jitterMsBelow))
    out.push(`${key}: expected jitter below ${e.jitterMsBelow} ms, measured ${s.jitterMs.toFixed(2)} ms`)
  if (e.codec !== undefined && track.codec?.encoding.toUpperCase() !== e.codec.toUpperCase())
    out.push(`${key}: expected codec ${e.codec}, got ${track.codec?.encoding ?? 'none'}`)
  return out
}

/** Checks one `<peer>.video.in` expectation on the frame-accurate analysis of the track; returns the failures as sentences. */
export function checkVideoExpectation(key: string, track: InboundTrack | undefined, e: ScenarioVideoExpectation, fps?: number): string[] {
  if (!track) return [`${key}: no inbound video track arrived`]
  const a = analyzeTrack(track as Parameters<typeof analyzeTrack>[0], fps)
  if (!a) return [`${key}: no video frame arrived`]
  const f1 = (x: number) => x.toFixed(1)
  const out: string[] = []
  if (e.framesAtLeast !== undefined && a.decodable < e.framesAtLeast)
    out.push(`${key}: expected at least ${e.framesAtLeast} decodable frames, got ${a.decodable} (${a.lost} lost, ${a.undecodable} undecodable)`)
  if (e.fpsAbove !== undefined && !(a.achievedFps > e.fpsAbove)) out.push(`${key}: expected more than ${e.fpsAbove} fps, measured ${f1(a.achievedFps)}`)
  if (e.freezesBelow !== undefined && !(a.freezes.count < e.freezesBelow))
    out.push(`${key}: expected fewer than ${e.freezesBelow} freezes, measured ${a.freezes.count} (${f1(a.freezes.totalMs)} ms)`)
  if (e.freezeMsBelow !== undefined && !(a.freezes.totalMs < e.freezeMsBelow))
    out.push(`${key}: expected less than ${e.freezeMsBelow} ms frozen, measured ${f1(a.freezes.totalMs)} ms in ${a.freezes.count} freeze(s)`)
  if (e.firstFrameWithin !== undefined && !(a.firstFrameMs !== undefined && a.firstFrameMs <= e.firstFrameWithin))
    out.push(
      `${key}: expected the first decodable frame within ${e.firstFrameWithin} ms, ${a.firstFrameMs === undefined ? 'none arrived' : `it came after ${f1(a.firstFrameMs)} ms`}`,
    )
  const last = a.resolutions[a.resolutions.length - 1]
  if (e.resolution !== undefined && (last === undefined || `${last.width}x${last.height}` !== e.resolution))
    out.push(`${key}: expected ${e.resolution} pictures, got ${last ? `${last.width}x${last.height}` : 'no stated size'}`)
  if (e.delayMsBelow !== undefined && !(a.delay !== undefined && a.delay.p95Ms < e.delayMsBelow))
    out.push(
      `${key}: expected a p95 video delay below ${e.delayMsBelow} ms, ${a.delay ? `measured ${f1(a.delay.p95Ms)} ms` : 'no frame carries a decoded frame code'}`,
    )
  return out
}
