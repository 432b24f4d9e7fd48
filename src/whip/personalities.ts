/**
 * Named personalities of the reference WHIP/WHEP server: presets that make it behave like the real ingest
 * and egress servers rtcspec's conformance suites and fuzzer are pointed at, so their verdicts on such
 * servers can be tested without one. Each personality expands into plain server options
 * (`MediaServerOptions` in `media-server.ts`); options given explicitly win over every preset.
 */
import { RtcspecError } from '../errors.ts'
import type { ServerAudioCodecName } from './server-session.ts'
import { didYouMean } from '../options.ts'

/** The options a personality can set. */
export interface PersonalityOptions {
  sessionsPerEndpoint?: number
  busyStatus?: 403 | 409
  audioCodecs?: ServerAudioCodecName[]
  iceLite?: boolean
  stuckOnMalformedOffer?: boolean
  authFailureStatus?: 401 | 403
  adminReset?: boolean
  keyframeOnJoin?: boolean
  forwardKeyframeRequests?: boolean
}

/**
 * The personalities, each with the real-server behaviour it models:
 *
 * - `one-session`: one live session per endpoint, a second POST refused with `403` and the body
 *   `Endpoint ID already in use` (ingest services that bind a stream key to one publisher, and that say so
 *   with 403 rather than 409). The slot is free again as soon as the session is DELETEd or dropped.
 * - `opus-only`: only Opus audio is negotiated (most WebRTC ingest servers: browsers always offer Opus, and
 *   transcoding G.711 is not worth it). An offer without Opus has no audio codec in common.
 * - `ice-lite`: the server is an ICE-lite agent (RFC 8445 §2.5): `a=ice-lite` in its answers, one host
 *   candidate, no connectivity checks of its own (the client, a full agent, is controlling and nominates).
 *   Media servers on a public address usually run ICE-lite.
 * - `stuck-500`: a server bug: an offer that parses but carries no `a=ice-ufrag` is answered
 *   `500 Internal Server Error` and leaves a phantom session occupying the endpoint, which no timeout ever
 *   frees: every later POST to that endpoint is refused as busy until the server is reset (`reset()`, or
 *   `POST /admin/reset`, which this personality turns on for a fuzzer's reset hook).
 * - `auth-403`: a missing or wrong Bearer token is answered `403 Forbidden` instead of `401 Unauthorized`
 *   (and without `WWW-Authenticate`), as several ingest services do.
 * - `no-keyframe-on-join`: a plain RTP relay: it neither asks the publisher for a keyframe when a WHEP viewer
 *   joins nor forwards a viewer's PLI/FIR, so a viewer decodes nothing until the publisher's next periodic
 *   keyframe (seconds with OBS-like encoders). The negative case of "the player shows video within 3 s".
 */
export const PERSONALITIES = {
  'one-session': { sessionsPerEndpoint: 1, busyStatus: 403 },
  'opus-only': { audioCodecs: ['opus'] },
  'ice-lite': { iceLite: true },
  'stuck-500': { stuckOnMalformedOffer: true, adminReset: true },
  'auth-403': { authFailureStatus: 403 },
  'no-keyframe-on-join': { keyframeOnJoin: false, forwardKeyframeRequests: false },
} as const satisfies Record<string, PersonalityOptions>

/** A personality name. */
export type Personality = keyof typeof PERSONALITIES

/** Every personality name, in documentation order. */
export const PERSONALITY_NAMES = Object.keys(PERSONALITIES) as Personality[]

/** Whether `name` is a personality. */
export function isPersonality(name: string): name is Personality {
  return Object.hasOwn(PERSONALITIES, name)
}

/**
 * The options the given personalities set, merged in order (a later personality wins on a conflict).
 * Explicit options are applied by the caller on top of this.
 */
export function expandPersonalities(names: readonly Personality[]): PersonalityOptions {
  const out: PersonalityOptions = {}
  for (const n of names) {
    const p: PersonalityOptions = PERSONALITIES[n]
    Object.assign(out, p, p.audioCodecs ? { audioCodecs: [...p.audioCodecs] } : {})
  }
  return out
}

/** The closest name to a typo (shared with every option check). */
export { didYouMean }

/**
 * Parses a comma-separated personality list (`one-session,opus-only`), as given on the command line.
 *
 * @throws {RtcspecError} `INVALID_OPTIONS` naming the unknown name, the closest known one and the list.
 */
export function parsePersonalityList(list: string): Personality[] {
  const names = list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
  if (names.length === 0)
    throw new RtcspecError('INVALID_OPTIONS', 'no personality given', { hint: `use one or more of ${PERSONALITY_NAMES.join(', ')}, comma-separated` })
  return names.map((n) => {
    if (isPersonality(n)) return n
    const guess = didYouMean(n, PERSONALITY_NAMES)
    throw new RtcspecError('INVALID_OPTIONS', `unknown personality ${JSON.stringify(n)}${guess ? ` (did you mean ${JSON.stringify(guess)}?)` : ''}`, {
      hint: `personalities: ${PERSONALITY_NAMES.join(', ')}`,
    })
  })
}
