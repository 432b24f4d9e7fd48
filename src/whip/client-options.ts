/**
 * Run-time schemas of `publish` (WHIP) and `play` (WHEP) options: strict, so a misspelt option
 * (`{ tokn: '…' }`) is an error with a did-you-mean instead of a request without a token.
 */
import { z } from 'zod'
import { parseOptions } from '../options.ts'
import { WeriftPeerOptionsSchema } from '../peers/peer-options.ts'
import type { PublishOptions } from './client.ts'

const object = (what: string) => z.custom<object>((v) => typeof v === 'object' && v !== null, `${what} is an object`)

const SessionClientShape = {
  token: z.string().optional(),
  requestTimeoutMs: z.number().positive().optional(),
  maxRedirects: z.number().int().nonnegative().optional(),
  conflictRetries: z.number().int().nonnegative().optional(),
  headers: z.record(z.string(), z.string()).optional(),
  onIceServers: z.custom<(...a: never[]) => unknown>((v) => typeof v === 'function', 'onIceServers is a function').optional(),
  trickle: z.boolean().optional(),
  streamId: z.string().min(1).optional(),
  lintOffer: z.boolean().optional(),
  recorder: object('recorder').optional(),
}
const Common = {
  ...SessionClientShape,
  peer: object('peer (a Peer)').optional(),
  peerOptions: WeriftPeerOptionsSchema.optional(),
  callRecord: z.union([z.boolean(), object('callRecord')]).optional(),
}

const VideoCodecSchema = z.enum(['VP8', 'H264'])

/** An `EncodedVideo` (what a werift peer sends), checked for shape: a codec, a frame rate and at least one frame. */
const EncodedVideoSchema = z.looseObject({
  codec: VideoCodecSchema,
  fps: z.number().positive().max(240),
  description: z.string(),
  frames: z
    .array(
      z.looseObject({
        index: z.number().int().nonnegative(),
        timestampMs: z.number().nonnegative(),
        keyframe: z.boolean(),
        data: z.instanceof(Uint8Array),
        width: z.number().int().positive(),
        height: z.number().int().positive(),
      }),
    )
    .min(1, 'an EncodedVideo has at least one frame')
    .refine((f) => f[0]?.keyframe === true, 'the first frame of an EncodedVideo is a keyframe (a viewer could decode nothing before it)'),
})

/** Options of a pattern a browser peer draws (`ChromiumVideoOptions`); the peer checks them in detail. */
const VideoPatternSchema = z.strictObject({
  width: z.number().int().positive().optional(),
  height: z.number().int().positive().optional(),
  fps: z.number().positive().optional(),
  codec: VideoCodecSchema.optional(),
  maxBitrateKbps: z.number().positive().optional(),
  mode: z.enum(['moving', 'slide', 'frozen']).optional(),
  degradation: z.enum(['maintain-resolution', 'maintain-framerate', 'balanced']).optional(),
})

/** Schema of `PublishOptions`. */
export const PublishOptionsSchema = z.strictObject({
  ...Common,
  audio: z
    .custom<unknown>(
      (v) => typeof v === 'function' || (typeof v === 'object' && v !== null && typeof (v as { read?: unknown }).read === 'function'),
      'an audio source such as tone(440)',
    )
    .optional(),
  video: z
    .union([EncodedVideoSchema, VideoPatternSchema], {
      error: 'video is an EncodedVideo (e.g. from encodeVideoPattern) or, for a Chromium peer, pattern options such as { width, height, fps, codec }',
    })
    .optional(),
  videoOptions: z.strictObject({ loop: z.boolean().optional(), startAtFrame: z.number().int().nonnegative().optional() }).optional(),
})
/** Schema of `PlayOptions`. */
export const PlayOptionsSchema = z.strictObject({
  ...Common,
  video: z.union([z.boolean(), z.strictObject({ codecs: z.array(VideoCodecSchema).min(1).optional() })]).optional(),
})

/** Whether two types are the same (for compile-time checks that a schema covers an option type). */
export type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
/** Compiles only when `T` is `true`. */
export type AssertTrue<T extends true> = T
/** Compile-time: the schema knows exactly the keys of `PublishOptions` (`PlayOptions`: in src/whep/client.ts). */
export type ClientOptionKeysCovered = [AssertTrue<Same<keyof PublishOptions, keyof z.input<typeof PublishOptionsSchema>>>]

/** Checks `publish`/`play` options; throws `RtcspecError` `WHIP_OPTIONS`/`WHEP_OPTIONS` listing every problem. */
export function checkClientOptions(protocol: 'whip' | 'whep', options: unknown): void {
  const whip = protocol === 'whip'
  parseOptions(whip ? PublishOptionsSchema : PlayOptionsSchema, options, {
    code: whip ? 'WHIP_OPTIONS' : 'WHEP_OPTIONS',
    what: whip ? 'publish options' : 'play options',
    hint: `see ${whip ? 'PublishOptions (src/whip/client.ts)' : 'PlayOptions (src/whep/client.ts)'}`,
  })
}
