/**
 * What the conformance checks run against and the per-run state they share: the target, synthetic offers
 * with known ICE credentials, the HTTP helper (Bearer token, redirects) and the sessions the checks create.
 */
import { randomBytes } from 'node:crypto'
import { buildSdpFrag } from '../ice/sdpfrag.ts'
import { httpExchange, type HttpExchange } from '../http/http.ts'
import type { Suite } from './catalog.ts'

/** Outcome of one check. */
export type CheckStatus = 'pass' | 'fail' | 'warn' | 'not-applicable' | 'blocked'

/** What a check found. */
export interface CheckOutcome {
  status: CheckStatus
  /** Why, in one or two sentences. */
  reason: string
  /** The exchanges that decided it (requests and responses). */
  exchanges: HttpExchange[]
  /** Measured values (media checks). */
  measured?: Record<string, number | string | boolean>
  /** With `blocked`: the precondition that failed (e.g. "a session is created"). */
  precondition?: string
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
  /** ICE servers of the media checks' peers (W3C shape), e.g. a TURN server for `relayOnly`. */
  iceServers?: Array<{ urls: string | string[]; username?: string; credential?: string }>
  /** Media checks: relay candidates only (iceTransportPolicy `relay`); needs a TURN server in `iceServers`. */
  relayOnly?: boolean
  /** Which server candidates the werift peer accepts; default `'loopback'` when every URL is on loopback, else `'any'`. */
  remoteAddresses?: 'loopback' | 'any'
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
/** How many redirects of one POST are followed. */
const MAX_REDIRECTS = 3
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
  const lines = [
    'v=0',
    `o=- ${BigInt(`0x${randomBytes(6).toString('hex')}`)} 2 IN IP4 127.0.0.1`,
    's=-',
    't=0 0',
    `a=group:BUNDLE ${mids.join(' ')}`,
    'a=msid-semantic:WMS *',
  ]
  const section = (kind: 'audio' | 'video', m: string, stream: string) => {
    // Opus first, then G.711, as browsers offer.
    const fmts = kind === 'audio' ? '111 0 8' : '96'
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
    if (kind === 'audio') out.push('a=rtpmap:111 opus/48000/2', 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:8 PCMA/8000')
    else out.push('a=rtpmap:96 VP8/90000')
    if (suite === 'whip') out.push(`a=ssrc:${randomBytes(4).readUInt32BE(0)} cname:rtcspec`)
    return out
  }
  plan.forEach((p, i) => lines.push(...section(p.kind, String(i), p.stream ?? 'rtcspec')))
  return { sdp: lines.map((l) => `${l}\r\n`).join(''), ufrag, pwd, mids }
}

/**
 * Why the endpoint refused a session when the offer is not the likely cause. The checks turn these into
 * `not-applicable` (a second session on a one-session endpoint) or `blocked` (the refusal is not the
 * requirement's business), never into a FAIL of an unrelated requirement.
 */
export type Refusal =
  /** rtcspec already held a session of this check: the endpoint allows one at a time. */
  | { kind: 'second-session'; holding: string }
  /** A session rtcspec could not DELETE may still occupy the endpoint. */
  | { kind: 'leaked'; leaked: readonly LeakedSession[] }
  /** The endpoint refuses new sessions although rtcspec holds none; `since` names the check after which it started. */
  | { kind: 'unusable'; since: string | undefined }

/** A session rtcspec created but could not delete, with the DELETE that failed. */
export interface LeakedSession {
  url: string
  /** The check that created it. */
  check: string
  delete: HttpExchange
}

/** A session a check created. It is DELETEd (and confirmed gone) when the check ends. */
export interface Created {
  /** The POST that decided (the last of a redirect chain). */
  post: HttpExchange
  offer: SyntheticOffer
  sessionUrl: string | undefined
  /** Every exchange of the POST: redirects and retries after Retry-After or a busy answer. */
  chain: HttpExchange[]
  /** Set when the POST was refused for a reason that is not the offer's (see {@link Refusal}). */
  refusal?: Refusal
}

/** What the server supports, learned once per run from one session (deleted right after). */
export interface RestartProbe {
  trickle: HttpExchange
  restart: HttpExchange
  /** The probe's session: its POST is evidence; the session itself is gone. */
  session: Created
}

/**
 * Statuses a server uses to refuse a session for capacity (one live session per endpoint, overload):
 * 403 (`Endpoint ID already in use`), 409, 429 and 503.
 */
export const BUSY_STATUSES: ReadonlySet<number> = new Set([403, 409, 429, 503])

/** The longest Retry-After the checks honour; a longer one counts as a refusal. */
export const MAX_RETRY_AFTER_MS = 10_000
/** Waits before re-POSTing when a busy answer has no Retry-After (a server may free a DELETEd slot late). */
const BUSY_GRACE_MS = [250, 750]

/** Milliseconds a Retry-After value asks for (delta-seconds or an HTTP-date), or undefined. */
export function retryAfterMs(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined) return undefined
  const v = value.trim()
  if (/^\d+$/.test(v)) return Number(v) * 1000
  const at = Date.parse(v)
  return Number.isNaN(at) ? undefined : Math.max(0, at - now)
}

const isBusy = (x: HttpExchange) => x.response !== undefined && BUSY_STATUSES.has(x.response.status)
const is2xx = (x: HttpExchange) => x.response !== undefined && x.response.status >= 200 && x.response.status < 300

/**
 * Per-run state shared by the checks. Session discipline: a check owns the sessions it creates; when it
 * ends ({@link CheckContext.endCheck}) each is DELETEd and confirmed gone before the next check POSTs, so at
 * most one rtcspec session is live at a time, and a one-session endpoint is never blamed for rtcspec's own
 * leftovers. Busy answers honour Retry-After; a refusal while rtcspec holds nothing is told apart from a
 * refusal caused by rtcspec (a second session, a session it could not delete).
 */
export class CheckContext {
  readonly target: CheckTarget
  /** Sessions of the current check, still live. */
  readonly #live: string[] = []
  readonly #leaked: LeakedSession[] = []
  #check = ''
  #previousCheck: string | undefined
  #createdAny = false
  #unusable: { since: string | undefined } | undefined
  #baseline: Promise<Created> | undefined
  #restartProbe: Promise<RestartProbe> | undefined
  /** Waits between retries; replaceable in tests. */
  readonly #sleep: (ms: number) => Promise<void>

  constructor(target: CheckTarget, options: { sleep?: (ms: number) => Promise<void> } = {}) {
    this.target = target
    this.#sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)))
  }

  /** One request; adds the Bearer token unless `auth: false` (or a different token is given). */
  async http(method: string, url: string, init: { headers?: Record<string, string>; body?: string; auth?: boolean | string } = {}): Promise<HttpExchange> {
    const headers: Record<string, string> = { ...(init.headers ?? {}) }
    const token = typeof init.auth === 'string' ? init.auth : init.auth === false ? undefined : this.target.token
    if (token !== undefined) headers.Authorization = `Bearer ${token}`
    return httpExchange(url, { method, headers, ...(init.body !== undefined ? { body: init.body } : {}), timeoutMs: this.target.timeoutMs })
  }

  /**
   * POST that follows up to 3 redirects; returns every exchange, the deciding one last. A session it creates
   * by accident (a negative test the server accepted) is owned by the current check and deleted with it.
   */
  async post(url: string, init: { headers?: Record<string, string>; body?: string; auth?: boolean | string }): Promise<HttpExchange[]> {
    const chain: HttpExchange[] = []
    const x = await this.#postFollowingRedirects(url, init, chain)
    const loc = x.response?.headers.location
    const created = is2xx(x) && loc ? safeResolve(loc, x.request.url) : undefined
    if (created) this.#own(created)
    return chain
  }

  /**
   * The one redirect loop: POSTs to `url`, re-sending the same request to each redirect's Location (at
   * most {@link MAX_REDIRECTS}); appends every exchange to `chain` and returns the last one.
   */
  async #postFollowingRedirects(
    url: string,
    init: { headers?: Record<string, string>; body?: string; auth?: boolean | string },
    chain: HttpExchange[],
  ): Promise<HttpExchange> {
    let target = url
    for (let i = 0; ; i++) {
      const x = await this.http('POST', target, init)
      chain.push(x)
      const st = x.response?.status
      const loc = x.response?.headers.location
      if (st === undefined || !REDIRECTS.has(st) || !loc || i >= MAX_REDIRECTS) return x
      target = safeResolve(loc, target) ?? target
    }
  }

  /**
   * POSTs an offer to the endpoint (following up to 3 redirects) and owns the session it creates. A busy
   * answer (403/409/429/503) is retried after its Retry-After (at most {@link MAX_RETRY_AFTER_MS}), or
   * briefly without one, and then classified: see {@link Refusal}.
   */
  async createSession(offer: SyntheticOffer = syntheticOffer(this.target.suite), headers: Record<string, string> = {}): Promise<Created> {
    await this.#retryLeaked()
    const chain: HttpExchange[] = []
    const holding = this.#live[0]
    let graceUsed = 0
    let waitedMs = 0
    for (let attempt = 0; ; attempt++) {
      const x = await this.#postChain(offer, headers, chain)
      if (is2xx(x)) {
        const loc = x.response?.headers.location
        const sessionUrl = loc ? safeResolve(loc, x.request.url) : undefined
        if (sessionUrl) this.#own(sessionUrl)
        this.#createdAny = true
        this.#unusable = undefined
        return { post: x, offer, sessionUrl, chain }
      }
      if (!isBusy(x)) return { post: x, offer, sessionUrl: undefined, chain }
      if (holding !== undefined) return { post: x, offer, sessionUrl: undefined, chain, refusal: { kind: 'second-session', holding } }
      const asked = retryAfterMs(x.response?.headers['retry-after'])
      const wait = asked !== undefined ? (asked <= MAX_RETRY_AFTER_MS - waitedMs ? asked : undefined) : this.#unusable ? undefined : BUSY_GRACE_MS[graceUsed++]
      if (wait === undefined || attempt >= 3) {
        if (this.#leaked.length) return { post: x, offer, sessionUrl: undefined, chain, refusal: { kind: 'leaked', leaked: [...this.#leaked] } }
        this.#unusable ??= { since: this.#createdAny ? this.#previousCheck : undefined }
        return { post: x, offer, sessionUrl: undefined, chain, refusal: { kind: 'unusable', since: this.#unusable.since } }
      }
      waitedMs += wait
      await this.#sleep(wait)
    }
  }

  #postChain(offer: SyntheticOffer, headers: Record<string, string>, chain: HttpExchange[]): Promise<HttpExchange> {
    return this.#postFollowingRedirects(this.target.url, { headers: { 'Content-Type': SDP, ...headers }, body: offer.sdp }, chain)
  }

  #own(url: string): void {
    if (!this.#live.includes(url)) this.#live.push(url)
  }

  /** The plain audio-only POST most answer checks read. Its session is deleted at once: its answer is evidence. */
  baseline(): Promise<Created> {
    this.#baseline ??= this.#evidence(async () => this.createSession())
    return this.#baseline
  }

  /** One session probed with a trickle PATCH and a restart PATCH to learn what the server supports; deleted at once. */
  restartProbe(): Promise<RestartProbe> {
    this.#restartProbe ??= this.#evidence(async () => {
      const session = await this.createSession()
      const url = session.sessionUrl ?? this.target.url
      const trickle = await this.http('PATCH', url, { headers: { 'Content-Type': FRAG }, body: trickleFrag(session.offer) })
      const restart = await this.http('PATCH', url, { headers: { 'Content-Type': FRAG, 'If-Match': '*' }, body: restartFrag(session.offer) })
      return { trickle, restart, session }
    })
    return this.#restartProbe
  }

  /** Runs `make` and deletes the sessions it created, keeping what it returned as evidence for later checks. */
  async #evidence<T>(make: () => Promise<T>): Promise<T> {
    const before = this.#live.length
    const out = await make()
    for (const url of this.#live.splice(before)) await this.#release(url)
    return out
  }

  /** A check starts: the sessions it creates are its own. */
  beginCheck(id: string): void {
    this.#check = id
  }

  /**
   * A check ended: DELETE each of its sessions and confirm it is gone (2xx, or 404/410 for one the check
   * deleted itself). Returns the DELETE exchanges; a session that could not be deleted is remembered as
   * leaked (retried before the next POST, and named when the endpoint then refuses).
   */
  async endCheck(): Promise<HttpExchange[]> {
    const out: HttpExchange[] = []
    for (const url of this.#live.splice(0)) out.push(await this.#release(url))
    this.#previousCheck = this.#check
    return out
  }

  async #release(url: string): Promise<HttpExchange> {
    const d = await this.http('DELETE', url)
    const st = d.response?.status
    if (!(is2xx(d) || st === 404 || st === 410)) this.#leaked.push({ url, check: this.#check, delete: d })
    return d
  }

  async #retryLeaked(): Promise<void> {
    for (const l of this.#leaked.splice(0)) {
      const d = await this.http('DELETE', l.url)
      const st = d.response?.status
      if (!(is2xx(d) || st === 404 || st === 410)) this.#leaked.push({ ...l, delete: d })
    }
  }

  /** A session the check deleted itself: no DELETE at the end of the check. */
  forget(url: string | undefined): void {
    const i = url === undefined ? -1 : this.#live.indexOf(url)
    if (i >= 0) this.#live.splice(i, 1)
  }

  /**
   * Whether the endpoint still takes a valid offer (the session is deleted at once). Run after a check that
   * saw a 5xx or no response: a request that leaves the endpoint unusable is a finding of its own.
   */
  async probeEndpoint(): Promise<{ usable: boolean; exchanges: HttpExchange[]; wasUnusable: boolean }> {
    const wasUnusable = this.#unusable !== undefined
    const c = await this.#evidence(() => this.createSession())
    return { usable: is2xx(c.post), exchanges: c.chain, wasUnusable }
  }

  /** The endpoint refuses sessions while rtcspec holds none: since which check (undefined: from the start). */
  get unusable(): { since: string | undefined } | undefined {
    return this.#unusable
  }

  /** Whether the endpoint has taken a session in this run (so a later refusal is a change, not its normal state). */
  get knownUsable(): boolean {
    return this.#createdAny
  }

  /** Records that the endpoint has refused every new session since `check` (which left it unusable). */
  markUnusableSince(check: string): void {
    this.#unusable = { since: check }
  }

  /** Sessions rtcspec could not delete. */
  get leaked(): readonly LeakedSession[] {
    return this.#leaked
  }

  /** DELETEs whatever is still live or leaked (end of the run; best effort, bounded by the request timeout). */
  async cleanup(): Promise<void> {
    await this.endCheck()
    await this.#retryLeaked()
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
  return buildSdpFrag({
    ufrag: offer.ufrag,
    pwd: offer.pwd,
    credentialsAt: 'media',
    media: [{ mid, mline: 'm=audio 9 UDP/TLS/RTP/SAVPF 0', candidates: ['candidate:1 1 udp 2130706431 127.0.0.1 9 typ host'] }],
  })
}

/** A restart sdpfrag: new ICE credentials and one candidate. */
export function restartFrag(offer: SyntheticOffer, mid = offer.mids[0] ?? '0'): string {
  return buildSdpFrag({
    ufrag: iceString(8),
    pwd: iceString(24),
    credentialsAt: 'media',
    media: [{ mid, mline: 'm=audio 9 UDP/TLS/RTP/SAVPF 0', candidates: ['candidate:2 1 udp 2130706431 127.0.0.1 9 typ host'], endOfCandidates: true }],
  })
}
