/**
 * The embedded reference WHIP (RFC 9725) + WHEP (draft-ietf-wish-whep-03) server: one process, one HTTP
 * listener on 127.0.0.1 with an OS port, werift sessions. Media a WHIP publisher sends to `/whip/<stream>`
 * is forwarded to every WHEP viewer of `/whep/<stream>`.
 *
 * Endpoints: `POST /whip/<stream>`, `POST /whep/<stream>` (plus OPTIONS, GET, HEAD); sessions:
 * `PATCH|DELETE|OPTIONS /session/<id>`. Options: trickle and ICE restart on/off, a Bearer token, ICE
 * servers advertised in Link headers, extension links, CORS, 307 redirects, WHEP 409 + Retry-After while a
 * stream has no publisher, WHEP server counter-offers (406), and `fault`: break exactly one conformance
 * requirement (see `faults.ts`) so the conformance suite can prove it detects it.
 *
 * Real-server behaviours (`personalities.ts` names presets of them): a limit of live sessions per endpoint
 * (busy POSTs refused with 403/409 "Endpoint ID already in use"), the audio codecs negotiated (e.g. Opus
 * only), ICE-lite, 403 for a bad token, and a bug that leaves an endpoint stuck after a malformed offer
 * (cleared by `reset()` or `POST /admin/reset`).
 *
 * WHEP viewers are answered with the codecs the stream's publisher carries (the server's codecs while there
 * is none); a viewer with none of them is refused with 406, and a packet a viewer cannot be sent is counted
 * (`ServerSession.drops`) and reported in `events`, never dropped silently.
 */
import { timingSafeEqual } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { RtpPacket } from 'werift'
import { z } from 'zod'
import { RtcspecError } from '../errors.ts'
import { safeParseSdpFrag } from '../ice/sdpfrag.ts'
import { fingerprints, icePwd, iceUfrag, mediaLine } from '../sdp/media.ts'
import { safeParseSdp } from '../sdp/parse.ts'
import { codecs as sdpCodecs } from '../sdp/codecs.ts'
import { isServerFault, SERVER_FAULTS } from './faults.ts'
import { formatIceServerLink, type IceServerLink } from '../http/link.ts'
import { lintWhipOffer } from './offer-lint.ts'
import { didYouMean, expandPersonalities, isPersonality, PERSONALITY_NAMES, type Personality } from './personalities.ts'
import { fragIce, joinSdp, sdpFragFromDescription, sectionMid, splitSdp } from './sdp-text.ts'
import {
  DEFAULT_SERVER_AUDIO_CODECS,
  encodingOf,
  longestSectionLines,
  MAX_SECTION_LINES,
  MAX_MEDIA_SECTIONS,
  SERVER_AUDIO_CODECS,
  serverCodecs,
  ServerSession,
  VIEWER_KEYFRAME_REQUEST_INTERVAL_MS,
  type KeyframeRequestReason,
  type ServerAudioCodecName,
  type SessionCodecs,
  type SessionRole,
} from './server-session.ts'

/** Options of {@link startMediaServer}, validated with zod. */
export const MediaServerOptionsSchema = z
  .object({
    host: z.string().default('127.0.0.1').describe('Address to listen on and gather ICE candidates on; loopback by default'),
    port: z.number().int().min(0).max(65535).default(0).describe('TCP port; 0 (default) lets the OS choose'),
    token: z.string().min(1).optional().describe('Require `Authorization: Bearer <token>` on POST, PATCH and DELETE'),
    trickle: z.boolean().default(true).describe('Accept trickle ICE PATCH requests (otherwise 422, or 405 when restart is off too)'),
    restart: z.boolean().default(true).describe('Accept ICE restart PATCH requests (otherwise 422, or 405 when trickle is off too)'),
    iceServers: z
      .array(z.object({ url: z.string(), username: z.string().optional(), credential: z.string().optional(), credentialType: z.string().optional() }))
      .default([])
      .describe('ICE servers advertised as Link rel="ice-server" headers in the 201 (RFC 9725 §4.6)'),
    extensions: z
      .array(z.object({ rel: z.string(), url: z.string() }))
      .default([])
      .describe('Extension Link headers sent in the 201 (RFC 9725 §4.9)'),
    cors: z.union([z.boolean(), z.string()]).default(true).describe('CORS: true allows any origin, a string allows that origin, false sends no CORS headers'),
    streams: z.array(z.string().min(1)).default(['live']).describe('Streams a WHEP viewer may play before any publisher exists'),
    redirect: z.boolean().default(false).describe('Answer POSTs to an endpoint with a 307 redirect to the same endpoint (RFC 9725 §4.5)'),
    whepConflictWhenNoPublisher: z.boolean().default(false).describe('WHEP POST to a stream without a publisher gets 409 + Retry-After'),
    retryAfterSeconds: z.number().int().min(0).default(1),
    counterOffer: z.boolean().default(false).describe('WHEP: answer POSTs with 406 + a server offer, to be answered by PATCH'),
    fault: z
      .string()
      .refine(isServerFault, {
        message: `unknown fault; use one of the conformance requirement ids (${SERVER_FAULTS.length} of them, e.g. whip.answer.bundle)`,
      })
      .optional()
      .describe('Break exactly this conformance requirement'),
    maxSessions: z.number().int().min(1).default(200),
    connectTimeoutMs: z
      .number()
      .int()
      .min(1_000)
      .default(60_000)
      .describe('A session whose peer connection is not up by then (or not back up after failing) is closed and forgotten'),
    sessionsPerEndpoint: z
      .number()
      .int()
      .min(1)
      .optional()
      .describe(
        'At most this many live sessions per endpoint (role and stream, e.g. /whip/live); a POST to a full endpoint is refused with busyStatus and "Endpoint ID already in use". Default: no limit',
      ),
    busyStatus: z
      .union([z.literal(403), z.literal(409)])
      .optional()
      .describe('Status refusing a POST to a full endpoint (default 409; some servers answer 403)'),
    audioCodecs: z
      .array(z.enum(SERVER_AUDIO_CODECS))
      .min(1)
      .refine((a) => new Set(a).size === a.length, { message: 'an audio codec is listed twice' })
      .optional()
      .describe(
        `Audio codecs the server negotiates, in preference order (default ${DEFAULT_SERVER_AUDIO_CODECS.join(', ')}); an offer without any of them has no audio codec in common`,
      ),
    videoCodecs: z
      .array(z.enum(['VP8', 'H264']))
      .min(1)
      .refine((a) => new Set(a).size === a.length, { message: 'a video codec is listed twice' })
      .default(['VP8', 'H264'])
      .describe('Video codecs the server negotiates, in preference order (default VP8, H264); e.g. H264 alone, as some ingest servers do'),
    iceLite: z.boolean().optional().describe('Be an ICE-lite agent: a=ice-lite in answers, one host candidate (on host), no connectivity checks of its own'),
    stuckOnMalformedOffer: z
      .boolean()
      .optional()
      .describe(
        'Server bug: an offer that parses but has no a=ice-ufrag gets 500 and leaves a phantom session holding the endpoint (never timed out) until reset()',
      ),
    authFailureStatus: z
      .union([z.literal(401), z.literal(403)])
      .optional()
      .describe('Status for a missing or wrong Bearer token (default 401; some servers answer 403)'),
    adminReset: z.boolean().optional().describe("Answer POST /admin/reset with 204 after reset() (a hook for a fuzzer's --reset-url)"),
    keyframeOnJoin: z
      .boolean()
      .optional()
      .describe(
        "When a WHEP viewer's connection comes up, ask the stream's publisher for a keyframe (RTCP PLI on its video SSRC) so the viewer can decode at once (default true, as SFUs do)",
      ),
    forwardKeyframeRequests: z
      .boolean()
      .optional()
      .describe(`Forward a WHEP viewer's PLI/FIR to the publisher as a PLI, at most one per ${VIEWER_KEYFRAME_REQUEST_INTERVAL_MS} ms (default true)`),
    personalities: z
      .array(z.string())
      .default([])
      .superRefine((names, ctx) => {
        for (const n of names) {
          if (isPersonality(n)) continue
          const guess = didYouMean(n, PERSONALITY_NAMES)
          ctx.addIssue({
            code: 'custom',
            message: `unknown personality ${JSON.stringify(n)}${guess ? ` (did you mean ${JSON.stringify(guess)}?)` : ''}; use ${PERSONALITY_NAMES.join(', ')}`,
          })
        }
      })
      .describe(`Named presets of real-server behaviour (${PERSONALITY_NAMES.join(', ')}; see personalities.ts); explicit options win over them`),
  })
  .strict()

/** Input of {@link startMediaServer}. */
export type MediaServerOptions = z.input<typeof MediaServerOptionsSchema>

/** Options after defaults and personalities are applied. */
export type ResolvedMediaServerOptions = Omit<
  z.output<typeof MediaServerOptionsSchema>,
  | 'sessionsPerEndpoint'
  | 'busyStatus'
  | 'audioCodecs'
  | 'iceLite'
  | 'stuckOnMalformedOffer'
  | 'authFailureStatus'
  | 'adminReset'
  | 'keyframeOnJoin'
  | 'forwardKeyframeRequests'
  | 'personalities'
> & {
  /** undefined: no limit. */
  sessionsPerEndpoint: number | undefined
  busyStatus: 403 | 409
  audioCodecs: ServerAudioCodecName[]
  iceLite: boolean
  stuckOnMalformedOffer: boolean
  authFailureStatus: 401 | 403
  adminReset: boolean
  keyframeOnJoin: boolean
  forwardKeyframeRequests: boolean
  personalities: Personality[]
}
type Resolved = ResolvedMediaServerOptions

/** Applies the personalities under the explicit options, then the defaults. */
function resolveOptions(p: z.output<typeof MediaServerOptionsSchema>): Resolved {
  const personalities = p.personalities.filter(isPersonality)
  const preset = expandPersonalities(personalities)
  return {
    ...p,
    personalities,
    sessionsPerEndpoint: p.sessionsPerEndpoint ?? preset.sessionsPerEndpoint,
    busyStatus: p.busyStatus ?? preset.busyStatus ?? 409,
    audioCodecs: p.audioCodecs ?? preset.audioCodecs ?? [...DEFAULT_SERVER_AUDIO_CODECS],
    iceLite: p.iceLite ?? preset.iceLite ?? false,
    stuckOnMalformedOffer: p.stuckOnMalformedOffer ?? preset.stuckOnMalformedOffer ?? false,
    authFailureStatus: p.authFailureStatus ?? preset.authFailureStatus ?? 401,
    adminReset: p.adminReset ?? preset.adminReset ?? false,
    keyframeOnJoin: p.keyframeOnJoin ?? preset.keyframeOnJoin ?? true,
    forwardKeyframeRequests: p.forwardKeyframeRequests ?? preset.forwardKeyframeRequests ?? true,
  }
}

/** The body of a POST refused because the endpoint is full (as real servers word it). */
export const BUSY_BODY = 'Endpoint ID already in use'

const MAX_BODY = 1024 * 1024
const SDP = 'application/sdp'
const FRAG = 'application/trickle-ice-sdpfrag'

/** A request the server answered, for logs and tests. */
export interface ServedRequest {
  method: string
  path: string
  status: number
  authorization: string | undefined
  /** Why the request was refused (the error body's text), for a 4xx/5xx. */
  reason?: string
}

/** Kinds of {@link ServerEvent}. */
export type ServerEventType =
  /** A POST refused because the endpoint holds sessionsPerEndpoint sessions (or a phantom). */
  | 'endpoint-busy'
  /** stuckOnMalformedOffer: a malformed offer got 500 and left a phantom session on the endpoint. */
  | 'endpoint-stuck'
  /** An offer refused because no codec was in common (WHEP: with the stream's publisher). */
  | 'no-common-codec'
  /** A WHEP answer that rejected some sections (port 0) for lack of a common codec; the rest was accepted. */
  | 'sections-rejected'
  /** A viewer's first packet of a kind of drop (e.g. codec mismatch); later ones are only counted. */
  | 'packets-dropped'
  /** reset() ran (or POST /admin/reset). */
  | 'reset'
  /**
   * The server asked a publisher for a keyframe (RTCP PLI): a viewer joined (keyframeOnJoin) or sent PLI/FIR
   * (forwardKeyframeRequests). The path is the viewer's session; rate-limited viewer requests are only counted
   * (`ServerSession.keyframeRequests`).
   */
  | 'keyframe-requested'

/** Something the server did that a test may want to assert on beyond the HTTP status. */
export interface ServerEvent {
  /** ms since the server started. */
  atMs: number
  type: ServerEventType
  /** The endpoint or session path concerned. */
  path: string
  message: string
}

/** How full one endpoint is (see `sessionsPerEndpoint`, `stuckOnMalformedOffer`). */
export interface EndpointOccupancy {
  /** Live sessions of the endpoint (lingering ones included). */
  sessions: number
  /** Phantom sessions left by a malformed offer (stuckOnMalformedOffer); only reset() frees them. */
  phantoms: number
  /** sessionsPerEndpoint, or undefined for no limit. */
  limit: number | undefined
  /** Whether the next POST is refused as busy. */
  busy: boolean
}

/** A running reference server. Dispose it (`await using`) or `close()` it. */
export interface MediaServer extends AsyncDisposable {
  /** `http://127.0.0.1:<port>` */
  readonly url: string
  readonly port: number
  /** The WHIP endpoint URL of a stream (default `live`). */
  whipUrl(stream?: string): string
  /** The WHEP endpoint URL of a stream (default `live`). */
  whepUrl(stream?: string): string
  /** Live sessions. */
  readonly sessions: ReadonlyMap<string, ServerSession>
  /** Every request answered so far (method, path, status, Authorization header, reason of a refusal). */
  readonly requests: readonly ServedRequest[]
  /** Notable things the server did (busy refusals, stuck endpoints, codec refusals, dropped packets, resets). */
  readonly events: readonly ServerEvent[]
  /** The options in effect (personalities expanded under the explicit options). */
  readonly options: Readonly<Resolved>
  /** How full an endpoint is: `occupancy('whip', 'live')`. */
  occupancy(role: SessionRole, stream?: string): EndpointOccupancy
  /** The `POST /admin/reset` URL (answered only with `adminReset`). */
  readonly resetUrl: string
  /** Closes every session and forgets every phantom (stuck endpoints are usable again); keeps listening. */
  reset(): Promise<void>
  /** Closes every session and the listener. Idempotent. */
  close(): Promise<void>
}

class HttpError extends Error {
  readonly status: number
  readonly headers: Record<string, string>
  constructor(status: number, message: string, headers: Record<string, string> = {}) {
    super(message)
    this.status = status
    this.headers = headers
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (c: Buffer) => {
      size += c.length
      if (size > MAX_BODY) {
        reject(new HttpError(413, `body larger than ${MAX_BODY} bytes`))
        req.destroy()
        return
      }
      chunks.push(c)
    })
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

function mediaType(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? ''
}

/** Applies one answer-munging fault to the SDP sent on the wire (the session keeps the real answer). */
function mungeAnswer(sdp: string, role: SessionRole, fault: string | undefined): string {
  const f = (s: string) => fault === `${role}.${s}`
  if (!fault) return sdp
  const s = splitSdp(sdp)
  if (f('answer.bundle')) s.session = s.session.filter((l) => !l.startsWith('a=group:BUNDLE'))
  if (f('answer.direction')) s.media = s.media.map((sec) => sec.map((l) => (/^a=(recvonly|sendonly)$/.test(l) ? 'a=sendrecv' : l)))
  if (f('answer.rtcp-mux')) s.media = s.media.map((sec) => sec.filter((l) => l !== 'a=rtcp-mux'))
  if (f('answer.setup')) s.media = s.media.map((sec) => sec.map((l) => (l.startsWith('a=setup:') ? 'a=setup:actpass' : l)))
  if (f('answer.candidates')) s.media = s.media.map((sec) => sec.filter((l) => !l.startsWith('a=candidate:')))
  if (f('simulcast.answer')) s.media = s.media.map((sec) => sec.map((l) => l.replace(/^a=simulcast:recv /, 'a=simulcast:send ')))
  if (f('answer.no-partial')) {
    s.media = s.media.map((sec) => ((sec[0] ?? '').startsWith('m=video') ? sec.map((l, i) => (i === 0 ? l.replace(/^m=video \d+/, 'm=video 0') : l)) : sec))
    const mids = s.media.filter((sec) => !(sec[0] ?? '').startsWith('m=video 0')).map(sectionMid)
    s.session = s.session.map((l) => (l.startsWith('a=group:BUNDLE') ? `a=group:BUNDLE ${mids.join(' ')}` : l))
  }
  if (fault === 'whep.answer.single-msid') {
    s.media = s.media.map((sec) =>
      (sec[0] ?? '').startsWith('m=video') ? sec.map((l) => (l.startsWith('a=msid:') ? l.replace(/^a=msid:\S+/, 'a=msid:other-stream') : l)) : sec,
    )
  }
  if (f('media')) {
    // A fingerprint that is not the server's certificate: DTLS can never be verified, no media flows.
    s.media = s.media.map((sec) => sec.map((l) => (l.startsWith('a=fingerprint:sha-256 ') ? `a=fingerprint:sha-256 ${'AB:'.repeat(31)}AB` : l)))
  }
  return joinSdp(s)
}

/** Adds `a=msid:<stream> <track>` to sendonly sections that lack one (werift answers may omit it). */
function ensureMsid(sdp: string, stream: string): string {
  const s = splitSdp(sdp)
  s.media = s.media.map((sec) => {
    if (sec.some((l) => l.startsWith('a=msid:')) || !sec.includes('a=sendonly')) return sec
    const kind = (sec[0] ?? 'm=audio').slice(2).split(' ')[0] ?? 'audio'
    return [...sec, `a=msid:${stream} ${stream}-${kind}`]
  })
  return joinSdp(s)
}

/** Encoding names (lower case) offered per kind, in the offer's sections that are not rejected (port 0). */
function offeredCodecs(media: Parameters<typeof sdpCodecs>[0][]): Record<'audio' | 'video', string[]> {
  const out = { audio: [] as string[], video: [] as string[] }
  for (const m of media) {
    const kind = mediaLine(m).media
    if ((kind !== 'audio' && kind !== 'video') || mediaLine(m).port === 0) continue
    for (const c of sdpCodecs(m)) if (!out[kind].includes(c.encodingName.toLowerCase())) out[kind].push(c.encodingName.toLowerCase())
  }
  return out
}

/** `audio opus, pcmu; video vp8` (or `no audio or video section`). */
function describeOffered(offered: Record<'audio' | 'video', string[]>): string {
  const parts = (['audio', 'video'] as const).filter((k) => offered[k].length).map((k) => `${k} ${offered[k].join(', ')}`)
  return parts.join('; ') || 'no audio or video codec'
}

/**
 * Starts the reference server. Resolves once it listens.
 *
 * @throws {RtcspecError} `INVALID_OPTIONS` listing every problem, or the listen error.
 */
export async function startMediaServer(input: MediaServerOptions = {}): Promise<MediaServer> {
  const parsed = MediaServerOptionsSchema.safeParse(input)
  if (!parsed.success) {
    throw new RtcspecError('INVALID_OPTIONS', `invalid media server options:\n${z.prettifyError(parsed.error)}`, {
      hint: 'see MediaServerOptionsSchema in src/whip/media-server.ts',
    })
  }
  const o = resolveOptions(parsed.data)
  const fault = o.fault
  const sessions = new Map<string, ServerSession>()
  const requests: ServedRequest[] = []
  const events: ServerEvent[] = []
  const publishers = new Map<string, ServerSession>()
  /** Phantom sessions per endpoint path (stuckOnMalformedOffer). */
  const phantoms = new Map<string, number>()
  const started = performance.now()
  const allCodecs = serverCodecs(o.audioCodecs)
  const videoOf = (name: string) => allCodecs.video.filter((c) => c.mimeType.toLowerCase() === `video/${name.toLowerCase()}`)
  const baseCodecs = { audio: allCodecs.audio, video: o.videoCodecs.flatMap(videoOf) }
  let closed = false
  let port = 0

  const event = (type: ServerEventType, path: string, message: string) => {
    events.push({ atMs: Math.round(performance.now() - started), type, path, message })
    if (events.length > 10_000) events.splice(0, events.length - 10_000)
  }
  const endpointPath = (role: SessionRole, stream: string) => `/${role}/${stream}`
  const occupancy = (role: SessionRole, stream = 'live'): EndpointOccupancy => {
    let live = 0
    for (const s of sessions.values()) if (s.role === role && s.stream === stream) live++
    const ghosts = phantoms.get(endpointPath(role, stream)) ?? 0
    const limit = o.sessionsPerEndpoint
    // A phantom holds its endpoint even without a limit: the bug modelled keys the endpoint to the broken session.
    const busy = (ghosts > 0 && limit === undefined) || (limit !== undefined && live + ghosts >= limit)
    return { sessions: live, phantoms: ghosts, limit, busy }
  }

  /**
   * WHEP: the codecs a viewer of `stream` is answered with: per kind, those its publisher carries (the server's
   * own while there is no publisher, or for a kind the publisher does not send). `carried` lists the
   * publisher's codecs per kind (empty: no publisher, or it does not send that kind).
   */
  const viewerCodecs = (stream: string): { codecs: SessionCodecs; carried: Record<'audio' | 'video', string[]> } => {
    const pub = publishers.get(stream)
    const carried = { audio: pub?.carriedCodecs('audio') ?? [], video: pub?.carriedCodecs('video') ?? [] }
    const pick = (kind: 'audio' | 'video') => {
      const want = carried[kind].map((m) => m.toLowerCase())
      return want.length ? baseCodecs[kind].filter((c) => want.includes(c.mimeType.toLowerCase())) : baseCodecs[kind]
    }
    return { codecs: { audio: pick('audio'), video: pick('video') }, carried }
  }

  const faulty = (role: SessionRole, s: string) => fault === `${role}.${s}`

  const forward = (stream: string) => (kind: 'audio' | 'video', mime: string, rtp: RtpPacket) => {
    if (fault === 'whep.media') return
    // faults whip.video.media / whep.video.media: the published video never reaches a viewer (audio does).
    if (kind === 'video' && (fault === 'whip.video.media' || fault === 'whep.video.media')) return
    for (const s of sessions.values()) if (s.role === 'whep' && s.stream === stream) s.forward(kind, mime, rtp)
  }

  /** Asks the publisher of a viewer's stream for a keyframe on the viewer's behalf, and reports what became of it. */
  const requestKeyframe = (viewer: ServerSession, reason: KeyframeRequestReason) => {
    const pub = publishers.get(viewer.stream)
    if (!pub) return
    const outcome = pub.requestKeyframe(reason)
    if (outcome !== 'sent') return
    const why = reason === 'viewer-joined' ? "the viewer's connection came up" : `the viewer sent ${reason === 'viewer-pli' ? 'PLI' : 'FIR'}`
    event('keyframe-requested', `/session/${viewer.id}`, `PLI sent to the publisher of ${JSON.stringify(viewer.stream)} (video SSRC ${pub.videoSsrc}): ${why}`)
  }
  // fault whep.video.first-frame: neither asks on join nor forwards viewers' requests (viewers wait for a periodic keyframe).
  const keyframeOnJoin = o.keyframeOnJoin && fault !== 'whep.video.first-frame'
  const forwardKeyframeRequests = o.forwardKeyframeRequests && fault !== 'whep.video.first-frame'

  /** Forgets sessions whose connection failed or closed, or never came up within connectTimeoutMs. */
  const watchSession = (session: ServerSession) => {
    const drop = () => {
      if (sessions.get(session.id) !== session || session.lingering) return
      sessions.delete(session.id)
      if (publishers.get(session.stream) === session) publishers.delete(session.stream)
      void session.close()
    }
    let timer: NodeJS.Timeout | undefined
    const arm = () => {
      clearTimeout(timer)
      timer = setTimeout(() => {
        if (session.pc.connectionState !== 'connected') drop()
      }, o.connectTimeoutMs)
      timer.unref()
    }
    arm()
    session.pc.connectionStateChange.subscribe((st) => {
      if (st === 'connected') clearTimeout(timer)
      // A viewer (new, or back after an ICE restart) can decode nothing before a keyframe: ask the publisher for one now.
      if (st === 'connected' && session.role === 'whep' && keyframeOnJoin && sessions.get(session.id) === session) requestKeyframe(session, 'viewer-joined')
      // A failed connection gets the same grace period (an ICE restart may revive it).
      if (st === 'failed' || st === 'disconnected') arm()
      if (st === 'closed') {
        clearTimeout(timer)
        drop()
      }
    })
  }

  const cors = (req: IncomingMessage, res: ServerResponse, role: SessionRole | undefined) => {
    if (o.cors === false) return
    const origin = typeof req.headers.origin === 'string' ? req.headers.origin : undefined
    res.setHeader('Access-Control-Allow-Origin', o.cors === true ? (origin ?? '*') : o.cors)
    if (o.cors === true && origin) res.setHeader('Vary', 'Origin')
    if (!(role && faulty(role, 'cors.expose-headers')))
      res.setHeader('Access-Control-Expose-Headers', 'Location, Link, ETag, Accept-Patch, Accept-Post, Retry-After')
  }

  const expected = o.token === undefined ? undefined : Buffer.from(`Bearer ${o.token}`)
  const checkAuth = (req: IncomingMessage, role: SessionRole) => {
    if (!expected || faulty(role, 'auth.bearer')) return
    const got = Buffer.from(req.headers.authorization ?? '')
    if (got.length !== expected.length || !timingSafeEqual(got, expected)) {
      // RFC 9110 §11.6.1: a 401 carries the challenge; servers that answer 403 send none.
      if (o.authFailureStatus === 403) throw new HttpError(403, 'missing or wrong Bearer token')
      throw new HttpError(401, 'missing or wrong Bearer token', { 'WWW-Authenticate': 'Bearer' })
    }
  }

  const linkHeaders = (role: SessionRole): string[] => {
    const out: string[] = []
    const servers: IceServerLink[] = o.iceServers
    if (faulty(role, 'link.ice-server')) {
      out.push(`<turn:127.0.0.1:3478?transport=udp>; rel="ice-server"; credential-type="oauth"`)
    } else {
      for (const s of servers) out.push(formatIceServerLink(s))
    }
    for (const e of o.extensions) out.push(`<${e.url}>; rel="${faulty(role, 'link.extensions') ? 'server-sent-events' : e.rel}"`)
    if (faulty(role, 'link.extensions') && o.extensions.length === 0) out.push('</events>; rel="server-sent-events"')
    return out
  }

  async function onEndpoint(req: IncomingMessage, res: ServerResponse, role: SessionRole, stream: string, url: URL): Promise<void> {
    const method = req.method ?? 'GET'
    if (method === 'OPTIONS') {
      const methods = faulty(role, 'options.preflight') ? 'OPTIONS' : 'POST, OPTIONS'
      res.setHeader('Access-Control-Allow-Methods', methods)
      res.setHeader('Access-Control-Allow-Headers', 'Authorization, Content-Type, If-Match')
      res.setHeader('Allow', faulty(role, 'options.preflight') ? 'OPTIONS' : 'GET, HEAD, POST, OPTIONS')
      if (!faulty(role, 'options.accept-post')) res.setHeader('Accept-Post', SDP)
      // RFC 9725 §4.6: no STUN/TURN configuration in the answer to a CORS preflight.
      if (faulty(role, 'options.no-ice-servers')) res.setHeader('Link', '<stun:127.0.0.1:3478>; rel="ice-server"')
      res.writeHead(204).end()
      return
    }
    if (method === 'GET' || method === 'HEAD') {
      if (faulty(role, 'endpoint.get-head')) throw new HttpError(405, 'GET not allowed', { Allow: 'POST, OPTIONS' })
      // The endpoint has no representation: 2xx with no content (RFC 9725 §4.1, draft-ietf-wish-whep-03 §4.1).
      res.writeHead(204, { 'Accept-Post': SDP }).end()
      return
    }
    if (method !== 'POST') throw new HttpError(405, `${method} not allowed on the endpoint`, { Allow: 'GET, HEAD, POST, OPTIONS' })
    if (o.redirect && url.searchParams.get('redirected') !== '1') {
      const status = faulty(role, 'redirect.307') ? 302 : 307
      await readBody(req)
      res.writeHead(status, { Location: `${url.pathname}?redirected=1` }).end()
      return
    }
    checkAuth(req, role)
    const body = await readBody(req)
    if (role === 'whep' && !o.streams.includes(stream) && !publishers.has(stream) && fault !== 'whep.stream.unknown-404') {
      throw new HttpError(404, `unknown stream ${JSON.stringify(stream)}`)
    }
    if (mediaType(req) !== SDP && !faulty(role, 'post.content-type')) throw new HttpError(415, `Content-Type must be ${SDP}`, { 'Accept-Post': SDP })
    if (role === 'whep' && o.whepConflictWhenNoPublisher && !publishers.has(stream)) {
      throw new HttpError(409, `stream ${JSON.stringify(stream)} has no publisher yet`, { 'Retry-After': String(o.retryAfterSeconds) })
    }
    const path = endpointPath(role, stream)
    const occupied = occupancy(role, stream)
    if (occupied.busy) {
      const held = `${occupied.sessions} live session(s)${occupied.phantoms ? ` and ${occupied.phantoms} stuck one(s)` : ''}${occupied.limit !== undefined ? ` of at most ${occupied.limit}` : ''}`
      event('endpoint-busy', path, `POST refused with ${o.busyStatus}: ${held}`)
      throw new HttpError(o.busyStatus, BUSY_BODY)
    }
    if (sessions.size >= o.maxSessions) throw new HttpError(503, 'too many sessions', { 'Retry-After': '5' })
    const viewer = role === 'whep' ? viewerCodecs(stream) : undefined
    const session = new ServerSession({
      role,
      stream,
      host: o.host,
      codecs: viewer?.codecs ?? baseCodecs,
      iceLite: o.iceLite,
      ...(role === 'whip' ? { onRtp: forward(stream) } : {}),
    })
    session.onDrop = (reason, detail) => event('packets-dropped', `/session/${session.id}`, `${reason}: ${detail}`)
    if (role === 'whep' && forwardKeyframeRequests) session.onKeyframeRequest = (kind) => requestKeyframe(session, kind === 'pli' ? 'viewer-pli' : 'viewer-fir')
    sessions.set(session.id, session)
    watchSession(session)
    const location = `/session/${session.id}`
    if (role === 'whep' && o.counterOffer) {
      const offer = ensureMsid(await session.offer(), stream)
      res.writeHead(406, { 'Content-Type': SDP, Location: location, ETag: session.etag }).end(offer)
      return
    }
    const parsedSdp = safeParseSdp(body)
    const hasMedia = parsedSdp.ok && parsedSdp.value.media.length > 0
    if (!parsedSdp.ok || !hasMedia) {
      sessions.delete(session.id)
      await session.close()
      if (faulty(role, 'post.malformed-sdp')) throw new HttpError(500, 'internal error')
      throw new HttpError(400, `malformed SDP offer: ${parsedSdp.ok ? 'no media description' : parsedSdp.error.message}`)
    }
    // Every accepted section needs ICE credentials (RFC 8839 §5.4) and a DTLS fingerprint (RFC 8122): without
    // them no connection can ever be set up, so the offer is malformed for WebRTC however well it parses.
    const unusable = parsedSdp.value.media.filter(
      (m) => mediaLine(m).port !== 0 && !(iceUfrag(m, parsedSdp.value) && icePwd(m, parsedSdp.value) && fingerprints(m, parsedSdp.value).length),
    )
    if (unusable.length) {
      sessions.delete(session.id)
      await session.close()
      if (o.stuckOnMalformedOffer && unusable.some((m) => !iceUfrag(m, parsedSdp.value))) {
        phantoms.set(path, (phantoms.get(path) ?? 0) + 1)
        event('endpoint-stuck', path, 'an offer without a=ice-ufrag got 500 and left a phantom session holding the endpoint until reset()')
        throw new HttpError(500, 'Internal Server Error')
      }
      if (faulty(role, 'post.malformed-sdp')) throw new HttpError(500, 'internal error')
      throw new HttpError(
        400,
        `malformed WebRTC offer: ${unusable.length} media section(s) without a=ice-ufrag, a=ice-pwd or a=fingerprint (RFC 8839 §5.4, RFC 8122)`,
      )
    }
    // Absurdly long media sections (thousands of repeated lines, found by `rtcspec fuzz whip`) cost seconds of
    // parsing in werift: refuse them before werift (or the checks below) reads the offer; rtcspec's own parse above is linear.
    const longest = longestSectionLines(body)
    if (longest > MAX_SECTION_LINES) {
      sessions.delete(session.id)
      await session.close()
      throw new HttpError(400, `offer refused: a media section has ${longest} lines; this server accepts at most ${MAX_SECTION_LINES} per section`)
    }
    // RFC 9725 §4.4.2: one MediaStream, at most one track per kind; more is refused with 422. Absurd offers
    // (more than MAX_MEDIA_SECTIONS sections) are left to the session's 400 for them.
    if (role === 'whip' && fault !== 'whip.offer.single-msid' && parsedSdp.value.media.length <= MAX_MEDIA_SECTIONS) {
      const lint = lintWhipOffer(parsedSdp.value)
      if (lint.countViolation) {
        sessions.delete(session.id)
        await session.close()
        throw new HttpError(
          422,
          `offer not acceptable: ${lint.problems.filter((p) => !p.includes('no a=msid')).join('; ')} (RFC 9725 §4.4.2: a WHIP offer carries one MediaStream with at most one audio and one video track)`,
        )
      }
    }
    // RFC 9725 §4.4.4: an a=setup:active offer is not supported (the answer would be active too, and DTLS could
    // never start), so it is refused with 422 as the section asks.
    if (role === 'whip' && /^a=setup:active\r?$/m.test(body) && !faulty(role, 'offer.setup-active')) {
      sessions.delete(session.id)
      await session.close()
      throw new HttpError(422, 'offer not acceptable: a=setup:active is not supported; offer a=setup:actpass (RFC 9725 §4.4.4)')
    }
    if (/^a=rtcp-mux-only/m.test(body) && faulty(role, 'answer.rtcp-mux-only')) {
      sessions.delete(session.id)
      await session.close()
      throw new HttpError(400, 'rtcp-mux-only is not supported')
    }
    if (viewer && (viewer.carried.audio.length || viewer.carried.video.length)) {
      // draft-ietf-wish-whep-03 §4.2: the offer is not acceptable when none of the publisher's media can reach the viewer.
      const offered = offeredCodecs(parsedSdp.value.media)
      const receivable = (['audio', 'video'] as const).filter((k) => viewer.carried[k].some((m) => offered[k].includes(encodingOf(m).toLowerCase())))
      if (receivable.length === 0) {
        sessions.delete(session.id)
        await session.close()
        const sends = (['audio', 'video'] as const).filter((k) => viewer.carried[k].length).map((k) => `${k} ${viewer.carried[k].map(encodingOf).join(', ')}`)
        const message = `offer not acceptable: no codec in common with the publisher of ${JSON.stringify(stream)}, which sends ${sends.join('; ')}; the offer has ${describeOffered(offered)}`
        event('no-common-codec', path, message)
        throw new HttpError(406, message)
      }
    }
    let answer: string
    try {
      answer = await session.answer(body)
    } catch (e) {
      sessions.delete(session.id)
      await session.close()
      if (e instanceof RtcspecError && e.code === 'NO_COMMON_MEDIA') {
        // WHIP: 400 (RFC 9725 §4.4.3); WHEP: 406, the draft's "offer not acceptable".
        const status = role === 'whep' ? 406 : 400
        const message = `offer not acceptable: ${e.message}`
        event('no-common-codec', path, message)
        throw new HttpError(status, message)
      }
      throw new HttpError(400, `offer rejected: ${(e as Error).message}`)
    }
    const rejected = session.rejectedSections().filter((r) => r.kind === 'audio' || r.kind === 'video')
    if (rejected.length) {
      const what = rejected.map((r) => `${r.kind}${r.mid !== undefined ? ` (mid ${r.mid})` : ''} offering ${r.offered.join(', ') || 'no codec'}`).join('; ')
      if (role === 'whip') {
        // RFC 9725 §4.4.3: no partially successful answers; the whole offer is refused instead.
        sessions.delete(session.id)
        await session.close()
        const message = `offer not acceptable: no codec in common for ${what}; this server takes ${session.describeCodecs()} (RFC 9725 §4.4.3: no partially successful answers)`
        event('no-common-codec', path, message)
        throw new HttpError(400, message)
      }
      event('sections-rejected', path, `answered with port 0 for ${what}: no codec in common (this viewer is answered with ${session.describeCodecs()})`)
    }
    if (role === 'whip') publishers.set(stream, session)
    if (role === 'whep') answer = ensureMsid(answer, stream)
    // RFC 9725 §4.4.1, draft-ietf-wish-whep-03 §4.5.1: endpoints include a=rtcp-mux-only in each bundled m= section.
    if (!faulty(role, 'answer.rtcp-mux-only-attr')) answer = answer.replace(/^a=rtcp-mux(\r?)$/gm, 'a=rtcp-mux$1\na=rtcp-mux-only$1')
    const wire = mungeAnswer(answer, role, fault)
    const headers: Record<string, string | string[]> = {
      'Content-Type': faulty(role, 'post.answer-sdp') ? 'text/plain' : SDP,
    }
    if (!faulty(role, 'post.location')) headers.Location = location
    if (!faulty(role, 'etag.issued')) headers.ETag = faulty(role, 'etag.strong') ? `W/${session.etag}` : session.etag
    const links = linkHeaders(role)
    if (links.length) headers.Link = links
    if (o.trickle || o.restart) headers['Accept-Patch'] = FRAG
    res.writeHead(faulty(role, 'post.201') ? 200 : 201, headers).end(wire)
  }

  async function onSession(req: IncomingMessage, res: ServerResponse, id: string): Promise<void> {
    const method = req.method ?? 'GET'
    const session = sessions.get(id)
    if (method === 'OPTIONS') {
      res.setHeader('Access-Control-Allow-Methods', 'PATCH, DELETE, OPTIONS')
      res.setHeader('Access-Control-Allow-Headers', 'Authorization, Content-Type, If-Match')
      res.setHeader('Allow', 'GET, HEAD, PATCH, DELETE, OPTIONS')
      res.setHeader('Accept-Patch', FRAG)
      res.writeHead(204).end()
      return
    }
    if (method === 'DELETE') {
      await readBody(req)
      const role = session?.role ?? 'whip'
      checkAuth(req, role)
      if (!session) {
        if (fault === 'whip.delete.unknown-idempotent' || fault === 'whep.delete.unknown-idempotent') throw new HttpError(500, 'internal error')
        throw new HttpError(404, 'no such session')
      }
      const ifMatch = req.headers['if-match']
      if (faulty(role, 'delete.ignores-etag') && ifMatch && ifMatch !== session.etag && ifMatch !== '*') throw new HttpError(412, 'entity tag does not match')
      if (faulty(role, 'delete.ends-session')) session.lingering = true
      else sessions.delete(id)
      if (publishers.get(session.stream) === session) publishers.delete(session.stream)
      if (!faulty(role, 'delete.consent')) await session.close()
      res.writeHead(200).end()
      return
    }
    if (method === 'GET' || method === 'HEAD') {
      if (!session) throw new HttpError(404, 'no such session')
      checkAuth(req, session.role)
      // No representation here either: 2xx with no content (RFC 9725 §4.1, draft-ietf-wish-whep-03 §4.1).
      res.writeHead(204).end()
      return
    }
    if (method !== 'PATCH') throw new HttpError(405, `${method} not allowed on a session`, { Allow: 'GET, HEAD, PATCH, DELETE, OPTIONS' })
    const body = await readBody(req)
    if (!session) throw new HttpError(404, 'no such session')
    const role = session.role
    checkAuth(req, role)
    if (session.lingering) {
      // fault delete.ends-session: the deleted session still "accepts" PATCHes.
      res.writeHead(204).end()
      return
    }
    const type = mediaType(req)
    if (type === SDP && o.counterOffer && role === 'whep') {
      try {
        await session.acceptAnswer(body)
      } catch (e) {
        throw new HttpError(400, `answer rejected: ${(e as Error).message}`)
      }
      res.writeHead(204).end()
      return
    }
    if (type !== FRAG && !faulty(role, 'patch.content-type')) throw new HttpError(415, `Content-Type must be ${FRAG}`, { 'Accept-Patch': FRAG })
    if ((!o.trickle && !o.restart) || faulty(role, 'ice.recommended'))
      throw new HttpError(405, 'trickle ICE and ICE restarts are not supported', { Allow: 'DELETE, OPTIONS' })
    const frag = safeParseSdpFrag(body)
    if (!frag.ok) {
      if (faulty(role, 'patch.sdpfrag-invalid')) {
        res.writeHead(204).end()
        return
      }
      throw new HttpError(400, `malformed sdpfrag: ${frag.error.message}`)
    }
    const ice = fragIce(frag.value)
    const isRestart = ice.ufrag !== undefined && ice.ufrag !== session.remoteUfrag()
    const ifMatch = typeof req.headers['if-match'] === 'string' ? req.headers['if-match'] : undefined
    const unsupported = (what: string) => {
      throw new HttpError(faulty(role, 'patch.unsupported') ? 405 : 422, `${what} is not supported by this session`)
    }
    if (isRestart) {
      if (!o.restart) unsupported('ICE restart')
      if (ifMatch === undefined && !faulty(role, 'etag.if-match-required')) throw new HttpError(428, 'an ICE restart needs If-Match: "*"')
      if (ifMatch !== undefined && ifMatch !== '*' && ifMatch !== session.etag) throw new HttpError(412, 'entity tag does not match')
      if (!ice.pwd) throw new HttpError(400, 'an ICE restart needs a=ice-pwd')
      let answer: string
      try {
        answer = await session.restart({ ufrag: ice.ufrag ?? '', pwd: ice.pwd, candidates: ice.candidates })
      } catch (e) {
        if (faulty(role, 'restart.failure-keeps-session')) {
          sessions.delete(id)
          await session.close()
        }
        throw new HttpError(400, `ICE restart failed: ${(e as Error).message}`)
      }
      if (!faulty(role, 'restart.new-etag')) session.etag = ServerSession.newEtag()
      if (faulty(role, 'restart.answer')) {
        res.writeHead(204, { ETag: session.etag }).end()
        return
      }
      // RFC 9725 §4.3.3, draft-ietf-wish-whep-03 §4.4.3: the restart answer repeats the answer's ice-options, ice-pacing and ice-lite.
      const iceLines = faulty(role, 'restart.ice-attributes')
        ? []
        : [...new Set((answer.match(/^a=(ice-options:.*|ice-pacing:.*|ice-lite)\r?$/gm) ?? []).map((l) => l.trim()))]
      res.writeHead(200, { 'Content-Type': FRAG, ETag: session.etag }).end(`${iceLines.map((l) => `${l}\r\n`).join('')}${sdpFragFromDescription(answer)}`)
      return
    }
    if (!o.trickle) unsupported('trickle ICE')
    if (ifMatch !== undefined && ifMatch !== '*' && ifMatch !== session.etag && !faulty(role, 'etag.stale'))
      throw new HttpError(412, 'entity tag does not match')
    if (faulty(role, 'patch.trickle-discard') && ice.candidates.some((c) => !/^(udp|tcp)$/i.test(c.line.split(' ')[2] ?? '')))
      throw new HttpError(400, 'unsupported candidate transport')
    try {
      await session.addCandidates(ice.candidates)
    } catch (e) {
      throw new HttpError(400, `candidates rejected: ${(e as Error).message}`)
    }
    if (faulty(role, 'patch.trickle')) {
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok')
      return
    }
    res.writeHead(204, faulty(role, 'patch.trickle-no-etag') ? { ETag: session.etag } : {}).end()
  }

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost')
    const parts = url.pathname
      .split('/')
      .filter(Boolean)
      .map((p) => decodeURIComponent(p))
    const role: SessionRole | undefined =
      parts[0] === 'whip' || parts[0] === 'whep' ? parts[0] : parts[0] === 'session' ? sessions.get(parts[1] ?? '')?.role : undefined
    cors(req, res, role)
    const work = async () => {
      if (o.adminReset && parts[0] === 'admin' && parts[1] === 'reset' && parts.length === 2) {
        await readBody(req)
        if (req.method !== 'POST') throw new HttpError(405, `${req.method} not allowed on /admin/reset`, { Allow: 'POST' })
        await reset()
        res.writeHead(204).end()
        return
      }
      if ((parts[0] === 'whip' || parts[0] === 'whep') && parts.length === 2) return onEndpoint(req, res, parts[0], parts[1] ?? '', url)
      if (parts[0] === 'session' && parts.length === 2) return onSession(req, res, parts[1] ?? '')
      throw new HttpError(404, `no such resource ${url.pathname}; endpoints are /whip/<stream> and /whep/<stream>`)
    }
    let reason: string | undefined
    work()
      .catch((e: unknown) => {
        const err = e instanceof HttpError ? e : new HttpError(500, `internal error: ${(e as Error).message}`)
        reason = err.message
        if (!res.headersSent) res.writeHead(err.status, { 'Content-Type': 'text/plain; charset=utf-8', ...err.headers }).end(`${err.message}\n`)
        else res.end()
      })
      .finally(() => {
        requests.push({
          method: req.method ?? '',
          path: url.pathname,
          status: res.statusCode,
          authorization: req.headers.authorization,
          ...(reason !== undefined ? { reason } : {}),
        })
        if (requests.length > 10_000) requests.splice(0, requests.length - 10_000)
      })
  })
  server.keepAliveTimeout = 1_000
  server.requestTimeout = 10_000
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(o.port, o.host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  port = (server.address() as AddressInfo).port
  const host = o.host.includes(':') ? `[${o.host}]` : o.host
  const base = `http://${host}:${port}`

  const reset = async () => {
    const all = [...sessions.values()]
    const ghosts = [...phantoms.values()].reduce((a, b) => a + b, 0)
    sessions.clear()
    publishers.clear()
    phantoms.clear()
    await Promise.all(all.map((s) => s.close()))
    event('reset', '/admin/reset', `closed ${all.length} session(s), forgot ${ghosts} stuck one(s)`)
  }

  const close = async () => {
    if (closed) return
    closed = true
    await Promise.all([...sessions.values()].map((s) => s.close()))
    sessions.clear()
    publishers.clear()
    await new Promise<void>((resolve) => {
      server.close(() => resolve())
      server.closeAllConnections()
    })
  }
  return {
    url: base,
    port,
    whipUrl: (stream = 'live') => `${base}/whip/${encodeURIComponent(stream)}`,
    whepUrl: (stream = 'live') => `${base}/whep/${encodeURIComponent(stream)}`,
    sessions,
    requests,
    events,
    options: o,
    occupancy,
    resetUrl: `${base}/admin/reset`,
    reset,
    close,
    [Symbol.asyncDispose]: close,
  }
}
