/**
 * Run-time schemas of the peer factories' options (`createWeriftPeer`, `createRtpPeer`; `createChromiumPeer` has
 * its own next to it). Strict: an unknown key is an error with a did-you-mean, never silently ignored. Type-level
 * checks below keep each schema's keys equal to its TypeScript interface, so a new option cannot be forgotten here.
 */
import { z } from 'zod'
import { audioCodecNames } from './codecs.ts'
import { didYouMean } from '../options.ts'
import type { WeriftPeerOptions } from './werift/peer.ts'
import type { RtpPeerOptions } from './rtp/peer.ts'
import type { ChromiumPeerOptions } from './chromium/peer.ts'
import type { PeerOptions } from './types.ts'

const DirectionSchema = z.enum(['sendrecv', 'sendonly', 'recvonly', 'inactive'])

/** An audio codec name rtcspec can send and decode (`PCMU`, `PCMA`, `opus`, ...), with a did-you-mean. */
export const AudioCodecNameSchema = z.string().superRefine((name, ctx) => {
  const known = audioCodecNames()
  if (known.includes(name.toUpperCase())) return
  const guess = didYouMean(name, known)
  ctx.addIssue({ code: 'custom', message: `unknown audio codec "${name}"${guess ? ` (did you mean "${guess}"?)` : ''}; known: ${known.join(', ')}` })
})

/** W3C `RTCIceServer`. */
export const IceServerSchema = z.strictObject({
  urls: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
  username: z.string().optional(),
  credential: z.string().optional(),
})

/** The options every peer kind takes ({@link PeerOptions}). */
export const PeerOptionsShape = {
  name: z.string().min(1).optional(),
  codecs: z.array(AudioCodecNameSchema).min(1, 'codecs lists at least one codec').optional(),
  dtmf: z.boolean().optional(),
  record: z.boolean().optional(),
  audio: z.union([DirectionSchema, z.literal(false)]).optional(),
  trickle: z.boolean().optional(),
  iceServers: z.array(IceServerSchema).optional(),
  relayOnly: z.boolean().optional(),
  hostAddresses: z.array(z.string().min(1)).min(1).optional(),
} as const

const plainObject = (what: string) => z.custom<Record<string, unknown>>((v) => typeof v === 'object' && v !== null && !Array.isArray(v), `${what} is an object`)

/** Schema of {@link WeriftPeerOptions}. */
export const WeriftPeerOptionsSchema = z.strictObject({
  ...PeerOptionsShape,
  debug: plainObject('debug').optional(),
  config: plainObject('config (werift PeerConfig fields)').optional(),
  remoteAddresses: z.enum(['loopback', 'any']).optional(),
  video: z.union([DirectionSchema, z.literal(false)]).optional(),
  videoCodecs: z
    .array(z.enum(['VP8', 'H264']))
    .min(1)
    .optional(),
})

/** Schema of {@link RtpPeerOptions}. */
export const RtpPeerOptionsSchema = z.strictObject({
  ...PeerOptionsShape,
  address: z.string().min(1).optional(),
  ptimeMs: z.number().int().min(10).max(120).optional(),
  rtcpIntervalMs: z.number().positive().max(60_000).optional(),
  symmetric: z.boolean().optional(),
  video: z.union([z.literal('recvonly'), z.literal(false)], { error: "the plain-RTP peer receives video only: video is 'recvonly' or false" }).optional(),
  videoFormats: z
    .array(z.strictObject({ encoding: z.enum(['VP8', 'H264']), payloadType: z.number().int().min(96).max(127) }))
    .min(1)
    .optional(),
})

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
type AssertTrue<T extends true> = T
/** Compile-time: the werift schema knows exactly the keys of `WeriftPeerOptions` (add a new option to both). */
export type WeriftOptionKeysCovered = AssertTrue<Same<keyof WeriftPeerOptions, keyof z.input<typeof WeriftPeerOptionsSchema>>>
/** Compile-time: the RTP peer schema knows exactly the keys of `RtpPeerOptions`. */
export type RtpOptionKeysCovered = AssertTrue<Same<keyof RtpPeerOptions, keyof z.input<typeof RtpPeerOptionsSchema>>>
/** Compile-time: the common keys are exactly `PeerOptions`'. */
export type PeerOptionKeysCovered = AssertTrue<Same<keyof PeerOptions, keyof typeof PeerOptionsShape>>

/**
 * Schema of `ChromiumPeerOptions` (src/peers/chromium/peer.ts). It lives here, not next to the Chromium peer, so
 * `b2b()` can check a Chromium side's options without loading the Chromium module.
 */
export const ChromiumPeerOptionsSchema = z.strictObject({
  ...PeerOptionsShape,
  // the browser decodes what it receives, so it may take codecs rtcspec's own peers cannot (it checks them itself)
  codecs: z.array(z.string().min(1)).min(1, 'codecs lists at least one codec').optional(),
  executablePath: z.string().min(1).optional(),
  launchTimeoutMs: z.number().int().positive().max(300_000).optional(),
  strictCertificates: z.boolean().optional(),
  pollIntervalMs: z.number().int().min(20).max(5000).optional(),
  maxRecordingSeconds: z.number().positive().max(3600).optional(),
  gatheringTimeoutMs: z.number().int().positive().max(120_000).optional(),
  video: z.union([DirectionSchema, z.literal(false)]).optional(),
  videoCodecs: z
    .array(z.enum(['VP8', 'H264']))
    .min(1)
    .optional(),
  maxRenderedFrames: z.number().int().positive().max(1_000_000).optional(),
})
/** Compile-time: the Chromium schema knows exactly the keys of `ChromiumPeerOptions`. */
export type ChromiumOptionKeysCovered = AssertTrue<Same<keyof ChromiumPeerOptions, keyof z.input<typeof ChromiumPeerOptionsSchema>>>
