/**
 * What the conformance checks run against and the per-run state they share: the target, synthetic offers
 * with known ICE credentials, the HTTP helper (Bearer token, redirects) and the sessions the checks create.
 */
import { randomBytes } from 'node:crypto'
import { buildSdpFrag } from '../ice/sdpfrag.ts'
import { httpExchange, type HttpExchange } from '../whip/http.ts'
import type { Suite } from './catalog.ts'

/** Outcome of one check. */
export type CheckStatus = 'pass' | 'fail' | 'warn' | 'not-applicable'

/** What a check found. */
export interface CheckOutcome {
  status: CheckStatus
  /** Why, in one or two sentences. */
  reason: string
  /** The exchanges that decided it (requests and responses). */
  exchanges: HttpExchange[]
  /** Measured values (media checks). */
  measured?: Record<string, number | string | boolean>
}

/** What the checks run against. */
export interface CheckTarget {
  suite: Suite
  url: string
  token?: string
  timeoutMs: number
  /** WHIP suite: a WHEP URL to play the published tone back from (optional). */
  whepUrl?: string
  /** WHEP suite: a WHIP URL to publish the tone to before playing (optional). */
  publishUrl?: string
  /** The peer the media checks use: werift (default, in-process) or a headless Chromium. */
  peer?: MediaPeerKind
}

/** Peers the media checks can use. */
export type MediaPeerKind = 'werift' | 'chromium'

/** The SDP media type. */
export const SDP = 'application/sdp'
/**
 * Redirects the checks follow, re-sending the same method and body. Only 307/308 are conformant (the
 * redirect.307 check says so); following the others too keeps one wrong redirect from masking every
 * other verdict.
 */
const REDIRECTS = new Set([301, 302, 303, 307, 308])
/** The trickle ICE sdpfrag media type. */
export const FRAG = 'application/trickle-ice-sdpfrag'
const ICE_CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'

function iceString(n: number): string {
  const b = randomBytes(n)
  return [...b].map((x) => ICE_CHARS[x % ICE_CHARS.length]).join('')
}

/** A synthetic offer with known ICE credentials. */
export interface SyntheticOffer {
  sdp: string
  ufrag: string
  pwd: string
  mids: string[]
}

/** One media section of a {@link syntheticOffer}: its kind and (WHIP) the MediaStream id its a=msid names. */
export interface SyntheticSection {
  kind: 'audio' | 'video'
  /** MediaStream id of the section's a=msid (WHIP offers only); default `rtcspec`. */
  stream?: string
}

/**
 * Builds a WebRTC offer like a browser's (no candidates): audio (and video), sendonly for WHIP, recvonly for
 * WHEP. `sections` gives any other shape (e.g. two audio tracks, or two MediaStreams).
 */
export function syntheticOffer(suite: Suite, options: { video?: boolean; rtcpMuxOnly?: boolean; sections?: SyntheticSection[] } = {}): SyntheticOffer {
  const ufrag = iceString(8)
  const pwd = iceString(24)
  const fp = [...randomBytes(32)].map((b) => b.toString(16).padStart(2, '0').toUpperCase()).join(':')
  const dir = suite === 'whip' ? 'sendonly' : 'recvonly'
  const plan: SyntheticSection[] = options.sections ?? [{ kind: 'audio' }, ...(options.video ? [{ kind: 'video' as const }] : [])]
  const mids = plan.map((_, i) => String(i))
  const lines = ['v=0', `o=- ${BigInt('0x' + randomBytes(6).toString('hex'))} 2 IN IP4 127.0.0.1`, 's=-', 't=0 0', `a=group:BUNDLE ${mids.join(' ')}`, 'a=msid-semantic:WMS *']
  const section = (kind: 'audio' | 'video', m: string, stream: string) => {
    const fmts = kind === 'audio' ? '0 8 111' : '96'
    const out = [
      `m=${kind} 9 UDP/TLS/RTP/SAVPF ${fmts}`,
      'c=IN IP4 0.0.0.0',
      'a=rtcp:9 IN IP4 0.0.0.0',
      `a=ice-ufrag:${ufrag}`,
      `a=ice-pwd:${pwd}`,
      'a=ice-options:trickle',
      `a=fingerprint:sha-256 ${fp}`,
      'a=setup:actpass',
      `a=mid:${m}`,
      `a=${dir}`,
    ]
    if (suite === 'whip') out.push(`a=msid:${stream} rtcspec-${kind}-${m}`)
    out.push('a=rtcp-mux')
    if (options.rtcpMuxOnly) out.push('a=rtcp-mux-only')
    if (kind === 'audio') out.push('a=rtpmap:0 PCMU/8000', 'a=rtpmap:8 PCMA/8000', 'a=rtpmap:111 opus/48000/2')
    else out.push('a=rtpmap:96 VP8/90000')
    if (suite === 'whip') out.push(`a=ssrc:${randomBytes(4).readUInt32BE(0)} cname:rtcspec`)
    return out
  }
  plan.forEach((p, i) => lines.push(...section(p.kind, String(i), p.stream ?? 'rtcspec')))
  return { sdp: lines.map((l) => `${l}\r\n`).join(''), ufrag, pwd, mids }
}

/** A session created by a check; deleted when the run ends. */
export interface Created {
  post: HttpExchange
  offer: SyntheticOffer
  sessionUrl: string | undefined
}

/** Per-run state shared by the checks: the HTTP helper, the baseline session, cleanup. */
export class CheckContext {
  readonly target: CheckTarget
  readonly #cleanup: string[] = []
  #baseline: Promise<Created> | undefined
  #restartProbe: Promise<{ trickle: HttpExchange; restart: HttpExchange; session: Created }> | undefined

  constructor(target: CheckTarget) {
    this.target = target
  }

  /** One request; adds the Bearer token unless `auth: false` (or a different token is given). */
  async http(method: string, url: string, init: { headers?: Record<string, string>; body?: string; auth?: boolean | string } = {}): Promise<HttpExchange> {
    const headers: Record<string, string> = { ...(init.headers ?? {}) }
    const token = typeof init.auth === 'string' ? init.auth : init.auth === false ? undefined : this.target.token
    if (token !== undefined) headers.Authorization = `Bearer ${token}`
    return httpExchange(url, { method, headers, ...(init.body !== undefined ? { body: init.body } : {}), timeoutMs: this.target.timeoutMs })
  }

  /** POST that follows up to 3 redirects (307/308 only); returns every exchange, the deciding one last. */
  async post(url: string, init: { headers?: Record<string, string>; body?: string; auth?: boolean | string }): Promise<HttpExchange[]> {
    const chain: HttpExchange[] = []
    let target = url
    for (let i = 0; i < 4; i++) {
      const x = await this.http('POST', target, init)
      chain.push(x)
      const st = x.response?.status
      const loc = x.response?.headers.location
      if (st !== undefined && REDIRECTS.has(st) && loc && i < 3) {
        target = safeResolve(loc, target) ?? target
        continue
      }
      break
    }
    return chain
  }

  /** POSTs an offer to the endpoint, following up to 3 redirects (307/308 only), and records the session for cleanup. */
  async createSession(offer: SyntheticOffer = syntheticOffer(this.target.suite), headers: Record<string, string> = {}): Promise<Created & { chain: HttpExchange[] }> {
    let url = this.target.url
    const chain: HttpExchange[] = []
    for (let i = 0; i < 4; i++) {
      const x = await this.http('POST', url, { headers: { 'Content-Type': SDP, ...headers }, body: offer.sdp })
      chain.push(x)
      const st = x.response?.status
      const loc = x.response?.headers.location
      if (st !== undefined && REDIRECTS.has(st) && loc && i < 3) {
        url = safeResolve(loc, url) ?? url
        continue
      }
      const sessionUrl = st !== undefined && st >= 200 && st < 300 && loc ? safeResolve(loc, url) : undefined
      if (sessionUrl) this.#cleanup.push(sessionUrl)
      return { post: x, offer, sessionUrl, chain }
    }
    const last = chain[chain.length - 1] as HttpExchange
    return { post: last, offer, sessionUrl: undefined, chain }
  }

  /** The shared audio-only session most answer checks look at. */
  baseline(): Promise<Created> {
    this.#baseline ??= this.createSession()
    return this.#baseline
  }

  /** A session probed with one trickle PATCH and one restart PATCH, to learn what the server supports. */
  restartProbe(): Promise<{ trickle: HttpExchange; restart: HttpExchange; session: Created }> {
    this.#restartProbe ??= (async () => {
      const session = await this.createSession()
      const url = session.sessionUrl ?? this.target.url
      const trickle = await this.http('PATCH', url, { headers: { 'Content-Type': FRAG }, body: trickleFrag(session.offer) })
      const restart = await this.http('PATCH', url, { headers: { 'Content-Type': FRAG, 'If-Match': '*' }, body: restartFrag(session.offer) })
      return { trickle, restart, session }
    })()
    return this.#restartProbe
  }

  /** DELETEs every session the checks created (best effort, bounded by the request timeout). */
  async cleanup(): Promise<void> {
    const urls = this.#cleanup.splice(0)
    await Promise.all(urls.map((u) => this.http('DELETE', u)))
  }

  /** Forget a session already deleted by a check. */
  forget(url: string | undefined): void {
    const i = url === undefined ? -1 : this.#cleanup.indexOf(url)
    if (i >= 0) this.#cleanup.splice(i, 1)
  }
}

/** Resolves a Location against the request URL; undefined when it is no URL reference. */
export function safeResolve(loc: string, base: string): string | undefined {
  try {
    return new URL(loc, base).toString()
  } catch {
    return undefined
  }
}

/** A trickle sdpfrag with one host candidate for the first offered mid. */
export function trickleFrag(offer: SyntheticOffer, mid = offer.mids[0] ?? '0'): string {
  return buildSdpFrag({ ufrag: offer.ufrag, pwd: offer.pwd, credentialsAt: 'media', media: [{ mid, mline: 'm=audio 9 UDP/TLS/RTP/SAVPF 0', candidates: ['candidate:1 1 udp 2130706431 127.0.0.1 9 typ host'] }] })
}

/** A restart sdpfrag: new ICE credentials and one candidate. */
export function restartFrag(offer: SyntheticOffer, mid = offer.mids[0] ?? '0'): string {
  return buildSdpFrag({ ufrag: iceString(8), pwd: iceString(24), credentialsAt: 'media', media: [{ mid, mline: 'm=audio 9 UDP/TLS/RTP/SAVPF 0', candidates: ['candidate:2 1 udp 2130706431 127.0.0.1 9 typ host'], endOfCandidates: true }] })
}

