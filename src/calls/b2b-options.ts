/**
 * The run-time schema of `b2b()` / `openBackToBack()` options. Strict at every level: `b2b({ codce: 'opus' })`
 * fails with `unknown option "codce" (did you mean "codec"?)` instead of running the default codec.
 */
import { z } from 'zod'
import { parseOptions } from '../options.ts'
import { AudioCodecNameSchema, WeriftPeerOptionsSchema } from '../peers/peer-options.ts'
import { ChromiumPeerOptionsSchema } from '../peers/peer-options.ts'
import { TricklePolicySchema } from '../peers/ice-behaviours.ts'
import { NetworkSpecSchema } from './network.ts'
import { DurationSchema } from './duration.ts'
import type { TricklePolicy } from '../peers/ice-behaviours.ts'
import type { AudioSourceSpec } from '../peers/types.ts'
import type { B2BSideOptions } from './b2b-peers.ts'
import type { NetworkOptions } from './network.ts'
import type { Duration } from './duration.ts'

/** Options of the `b2b` fixture. */
export interface B2BOptions {
  /** Options of peer a (offerer). Default name `alice`; `{ kind: 'chromium' }` makes it a headless Chromium peer. */
  a?: B2BSideOptions
  /** Options of peer b (answerer). Default name `bob`; `{ kind: 'chromium' }` makes it a headless Chromium peer. */
  b?: B2BSideOptions
  /** Offer and accept only this audio codec on both sides (e.g. `'PCMA'`). */
  codec?: string
  /** Trickle ICE on both sides (default true) or full gathering. */
  trickle?: boolean
  /** Route media through the impairment relay with these profiles. */
  network?: NetworkOptions
  /** Start sending audio right after connecting. */
  send?: { a?: AudioSourceSpec; b?: AudioSourceSpec }
  /** ICE + DTLS timeout: `'10s'`, `'500ms'` or milliseconds. Default 10 s (in the `b2b` fixture: at most what the test's timeout leaves). */
  connectTimeout?: Duration
  /** The same, in milliseconds (kept for existing specs; `connectTimeout` wins when both are given). */
  connectTimeoutMs?: number
  /**
   * Trickle-ICE behaviour of each side's candidates: `{ a: { timing: 'after-connected' }, b: { duplicate: true,
   * order: 'reverse', endOfCandidates: 'withhold' } }` (src/peers/ice-behaviours.ts).
   */
  ice?: { a?: TricklePolicy; b?: TricklePolicy }
  /**
   * Save every inbound audio track's recording (decoded WAV + pcap of its RTP) under
   * `reports/recordings/<test>/` when the call ends, and reference them from the call record. Default false
   * (recordings are always available in memory via `track.recording()`; `track.record()` saves one track).
   */
  record?: boolean
}

const WeriftSideSchema = WeriftPeerOptionsSchema.extend({ kind: z.literal('werift').optional() })
const ChromiumSideSchema = ChromiumPeerOptionsSchema.extend({ kind: z.literal('chromium'), config: z.undefined().optional(), debug: z.undefined().optional() })

/** One side of a call: werift options (the default), or `{ kind: 'chromium', ... }`. */
export const B2BSideOptionsSchema = z.union([WeriftSideSchema, ChromiumSideSchema])

/** An audio source or a factory building one at the codec's rate (`tone(440)`, `speech()`...). */
const AudioSourceSpecSchema = z.custom<unknown>(
  (v) => typeof v === 'function' || (typeof v === 'object' && v !== null && typeof (v as { read?: unknown }).read === 'function'),
  'an audio source: a factory such as tone(440) or speech(), or an AudioSource',
)

/** Schema of {@link B2BOptions}. */
export const B2BOptionsSchema = z.strictObject({
  a: B2BSideOptionsSchema.optional(),
  b: B2BSideOptionsSchema.optional(),
  codec: AudioCodecNameSchema.optional(),
  trickle: z.boolean().optional(),
  network: NetworkSpecSchema.optional(),
  send: z.strictObject({ a: AudioSourceSpecSchema.optional(), b: AudioSourceSpecSchema.optional() }).optional(),
  connectTimeout: DurationSchema.refine((ms) => ms > 0, 'connectTimeout is above 0').optional(),
  connectTimeoutMs: z.number().positive('connectTimeoutMs is above 0').optional(),
  ice: z.strictObject({ a: TricklePolicySchema.optional(), b: TricklePolicySchema.optional() }).optional(),
  record: z.boolean().optional(),
})

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
type AssertTrue<T extends true> = T
/** Compile-time: the schema knows exactly the keys of `B2BOptions`. */
export type B2BOptionKeysCovered = AssertTrue<Same<keyof B2BOptions, keyof z.input<typeof B2BOptionsSchema>>>

/** Validates `b2b()` options; throws `RtcspecError` `B2B_OPTIONS` listing every problem (unknown keys with a did-you-mean). */
export function checkB2BOptions(options: unknown): void {
  parseOptions(B2BOptionsSchema, options, {
    code: 'B2B_OPTIONS',
    what: 'b2b options',
    hint: "b2b({ codec: 'opus', a: { name: 'alice' }, network: { preset: '3g' }, connectTimeout: '10s' }); see B2BOptions",
  })
}
