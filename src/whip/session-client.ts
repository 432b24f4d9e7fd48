/**
 * The client side shared by WHIP (RFC 9725) and WHEP (draft-ietf-wish-whep-03), written against the `Peer`
 * interface so it drives werift and Chromium peers alike:
 * - POST the offer with an optional Bearer token (no Authorization header at all when none is set);
 * - follow 307/308 redirects up to a limit (301/302/303 are refused: they may turn the POST into a GET);
 * - WHEP: 409 + Retry-After is retried after the advised delay (bounded), and a server counter-offer
 *   (406 + SDP offer) is answered with a PATCH carrying the SDP answer;
 * - 201: Location (resolved against the request URL), ETag, Link `rel="ice-server"` servers (username,
 *   credential, credential-type) handed to the peer or the `onIceServers` hook; unknown rels are ignored;
 * - local candidates are buffered until the 201, then sent in one aggregated PATCH (sdpfrag, RFC 8840),
 *   later ones in further PATCHes; 405/422 stops trickling;
 * - ICE restart: PATCH with `If-Match: "*"`, the 200's sdpfrag applied as the new answer, only for the
 *   newest restart; the new ETag is kept;
 * - an answer with no codec in common with the offer (every audio/video section rejected, or answered with
 *   codecs the offer did not list) is an error naming both sides' codecs, and the session is DELETEd;
 * - close: DELETE the session URL (idempotent).
 * Every HTTP exchange is recorded in `exchanges`.
 */
import { RtcspecError } from '../errors.ts'
import { buildSdpFrag, safeParseSdpFrag } from '../ice/sdpfrag.ts'
import type { IceServerConfig } from '../ice/server-url.ts'
import type { CandidateInit, Peer } from '../peers/types.ts'
import { codecs as sdpCodecs } from '../sdp/codecs.ts'
import { mediaLine } from '../sdp/media.ts'
import { safeParseSdp } from '../sdp/parse.ts'
import { describeExchange, httpExchange, type HttpExchange } from '../http/http.ts'
import { iceServersFromLinks, KNOWN_RELS, parseLinks, type LinkValue } from '../http/link.ts'
import { lintWhipOffer, withOneStreamId, withSingleMediaStream } from './offer-lint.ts'
import { fragIce, iceCredentials, sectionMid, splitSdp, withIce } from './sdp-text.ts'
import type { SessionRecorder } from './session-record.ts'

/**
 * The audio codecs rtcspec's own WHIP/WHEP clients offer by default, in browsers' order: Opus, then G.711.
 */
export const DEFAULT_CLIENT_AUDIO_CODECS: readonly string[] = ['opus', 'PCMU', 'PCMA']

/** Encoding names that carry no media of their own (RFC 4733 events, RTX, RED, FEC, comfort noise). */
const AUXILIARY = new Set(['telephone-event', 'rtx', 'red', 'ulpfec', 'flexfec-03', 'cn'])

/**
 * Why no media can flow under this offer/answer pair, or undefined when some audio/video section has a codec
 * in common: every audio/video section the offer made is rejected (port 0) or answered with codecs the
 * offer did not list. The text names both sides' codecs, e.g.
 * `no codec in common: offered audio opus, PCMU, PCMA; the answer has audio G722`.
 */
export function noCommonCodec(offer: string, answer: string): string | undefined {
  const o = safeParseSdp(offer)
  const a = safeParseSdp(answer)
  if (!o.ok || !a.ok) return undefined
  const offered: string[] = []
  const answered: string[] = []
  let usable = false
  let sections = 0
  o.value.media.forEach((m, i) => {
    const kind = mediaLine(m).media
    if ((kind !== 'audio' && kind !== 'video') || mediaLine(m).port === 0) return
    sections++
    const names = (sec: typeof m) =>
      sdpCodecs(sec)
        .map((c) => c.encodingName)
        .filter((n) => !AUXILIARY.has(n.toLowerCase()))
    const mine = names(m)
    offered.push(`${kind} ${mine.join(', ') || 'no codec'}`)
    const their = a.value.media[i]
    if (!their || mediaLine(their).port === 0) {
      answered.push(`the ${kind} section rejected (port 0)`)
      return
    }
    const theirs = names(their)
    answered.push(`${kind} ${theirs.join(', ') || 'no codec'}`)
    if (theirs.some((n) => mine.some((x) => x.toLowerCase() === n.toLowerCase()))) usable = true
  })
  if (sections === 0 || usable) return undefined
  return `no codec in common: offered ${offered.join('; ')}; the answer has ${answered.join('; ')}`
}

/** Options shared by `publish` (WHIP) and `play` (WHEP). */
export interface SessionClientOptions {
  /** Bearer token. When unset, no Authorization header is sent at all. */
  token?: string
  /** Timeout of each HTTP request (default 5000 ms). */
  requestTimeoutMs?: number
  /** Redirects (307/308) followed before giving up (default 5). */
  maxRedirects?: number
  /** WHEP: how many 409 responses to retry after their Retry-After (default 3; each wait capped at 10 s). */
  conflictRetries?: number
  /** Extra request headers on every request. */
  headers?: Record<string, string>
  /** Called with the ICE servers the server advertised in Link headers (in addition to `peer.setIceServers` when the peer has it). */
  onIceServers?: (servers: IceServerConfig[]) => void | Promise<void>
  /** Send trickle PATCHes (default true when the peer trickles). */
  trickle?: boolean
  /**
   * WHIP: MediaStream id put in `a=msid` of sending sections that have none (werift declares no streams),
   * so the offer carries one MediaStream as RFC 9725 §4.4.2 requires. Default `rtcspec`.
   */
  streamId?: string
  /**
   * WHIP: refuse to POST an offer that breaks RFC 9725 §4.4.2 (more than one MediaStream or more than one
   * track per kind; see `lintWhipOffer`). Default true; false sends it anyway (e.g. to see how a server reacts).
   */
  lintOffer?: boolean
  /**
   * Records the session for its call record (`src/whip/session-record.ts`): every exchange with its time,
   * captured when the session closes (before the peer closes) or fails to start. Set by `publish`/`play`
   * (option `callRecord`) and by the `whip`/`whep` fixtures.
   */
  recorder?: SessionRecorder
}

/** A peer that can take ICE servers after creation (optional capability). */
export interface IceServerConfigurable {
  setIceServers(servers: IceServerConfig[]): void | Promise<void>
}

function canSetIceServers(p: unknown): p is IceServerConfigurable {
  return typeof (p as Partial<IceServerConfigurable>).setIceServers === 'function'
}

/** A WHIP or WHEP session as seen by the client. */
export interface ClientSession extends AsyncDisposable {
  readonly protocol: 'whip' | 'whep'
  readonly peer: Peer
  /** The session URL (absolute), from the Location header. */
  readonly sessionUrl: string
  /** The endpoint URL after redirects. */
  readonly endpointUrl: string
  /** Current entity tag, if the server sent one. */
  readonly etag: string | undefined
  /** ICE servers advertised by the server (valid links only). */
  readonly iceServers: readonly IceServerConfig[]
  /** Problems found in ice-server links (those links were ignored). */
  readonly linkProblems: readonly string[]
  /** Links with a rel the client does not know (ignored, kept for inspection). */
  readonly extensionLinks: readonly LinkValue[]
  /** The SDP offer as POSTed (WHIP: with the a=msid rtcspec added where the peer declared none). */
  readonly offer: string
  /** The SDP answer currently applied. */
  readonly answer: string
  /** Every HTTP exchange of this session, in order. */
  readonly exchanges: readonly HttpExchange[]
  /** Trickle PATCHes sent, and whether trickling was stopped by a 405/422. */
  readonly trickle: { patches: number; candidatesSent: number; stopped: string | undefined }
  /** ICE restart via PATCH with If-Match "*". Resolves when the newest restart's answer is applied. */
  restartIce(options?: { gatherTimeoutMs?: number }): Promise<{ applied: boolean; exchange: HttpExchange }>
  /** Sends DELETE to the session URL (once), and stops trickling. Does not close the peer unless rtcspec created it. */
  close(): Promise<HttpExchange | undefined>
}

/** The HTTP part of a failed WHIP/WHEP step, attached to errors. */
export class SessionHttpError extends RtcspecError {
  readonly exchange: HttpExchange
  constructor(message: string, exchange: HttpExchange, hint?: string) {
    super(
      'WHIP_HTTP',
      `${message}: ${describeExchange(exchange)}${exchange.response?.body ? `\n  body: ${exchange.response.body.slice(0, 300)}` : ''}`,
      hint ? { hint } : {},
    )
    this.name = 'SessionHttpError'
    this.exchange = exchange
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}

/** Starts a WHIP or WHEP session for `peer` at `url`. Used by `publish` and `play`. */
export async function startClientSession(
  protocol: 'whip' | 'whep',
  url: string,
  peer: Peer,
  options: SessionClientOptions = {},
  onClose?: () => Promise<void>,
): Promise<ClientSession> {
  const timeoutMs = options.requestTimeoutMs ?? 5_000
  const exchanges: HttpExchange[] = []
  const baseHeaders = (): Record<string, string> => ({
    ...(options.headers ?? {}),
    ...(options.token !== undefined ? { Authorization: `Bearer ${options.token}` } : {}),
  })
  const recorder = options.recorder
  if (recorder) recorder.peer = peer
  const send = async (target: string, method: string, headers: Record<string, string>, body?: string, purpose?: string) => {
    const sentAt = performance.now()
    const x = await httpExchange(target, { method, headers: { ...baseHeaders(), ...headers }, ...(body !== undefined ? { body } : {}), timeoutMs })
    exchanges.push(x)
    recorder?.exchange(x, sentAt, purpose)
    return x
  }

  // Buffer local candidates until the session URL exists.
  const pending: Array<CandidateInit | null> = []
  let flushing: Promise<void> | undefined
  let sessionUrl: string | undefined
  let etag: string | undefined
  let trickleOn = (options.trickle ?? true) && peer.trickle
  let restarting = false
  let closed = false
  const trickle = { patches: 0, candidatesSent: 0, stopped: undefined as string | undefined }
  let answer = ''
  let offer = ''
  let posted = ''

  const flush = async (): Promise<void> => {
    if (!sessionUrl || !trickleOn || restarting || closed || pending.length === 0) return
    const batch = pending.splice(0)
    const { ufrag, pwd } = iceCredentials(offer)
    const firstSection = splitSdp(offer).media[0]
    const mid = firstSection ? (sectionMid(firstSection) ?? '0') : '0'
    const mline = (firstSection?.[0] ?? 'm=audio 9 RTP/AVP 0').replace(/^m=(\S+) \d+/, 'm=$1 9')
    const cands = batch.filter((c): c is CandidateInit => c !== null && (c.sdpMid ?? mid) === mid).map((c) => c.candidate)
    const end = batch.includes(null)
    if (!ufrag || !pwd || (cands.length === 0 && !end)) return
    const body = buildSdpFrag({ ufrag, pwd, credentialsAt: 'media', media: [{ mid, mline, candidates: cands, endOfCandidates: end }] })
    const x = await send(sessionUrl, 'PATCH', { 'Content-Type': 'application/trickle-ice-sdpfrag', ...(etag ? { 'If-Match': etag } : {}) }, body, 'trickle')
    trickle.patches++
    const status = x.response?.status
    if (status === 204 || status === 200) trickle.candidatesSent += cands.length
    else if (status === 405 || status === 422) {
      trickleOn = false
      trickle.stopped = `server answered the trickle PATCH with ${status}: trickle ICE not supported`
    } else {
      trickle.stopped = `trickle PATCH failed: ${describeExchange(x)}`
      recorder?.errors.push(trickle.stopped)
      trickleOn = false
    }
  }
  const scheduleFlush = (): void => {
    flushing = (flushing ?? Promise.resolve()).then(flush).catch(() => undefined)
  }
  const unsubscribe = peer.onLocalCandidate((c) => {
    if (restarting) return
    pending.push(c)
    if (sessionUrl) queueMicrotask(scheduleFlush)
  })

  let endpointUrl = url
  let iceServers: IceServerConfig[] = []
  let linkProblems: string[] = []
  let extensionLinks: LinkValue[] = []
  const applyLinks = (links: string[]): void => {
    const r = iceServersFromLinks(links)
    iceServers = r.iceServers
    linkProblems = r.problems
    extensionLinks = parseLinks(links).flatMap((l) => (l.ok && !l.link.rels.some((rel) => KNOWN_RELS.includes(rel)) ? [l.link] : []))
  }

  try {
    const local = await peer.createOffer()
    offer = local.sdp
    if (protocol === 'whip') {
      offer = withOneStreamId(withSingleMediaStream(offer, options.streamId ?? 'rtcspec'))
      const lint = lintWhipOffer(offer)
      if (lint.countViolation && options.lintOffer !== false) {
        throw new RtcspecError('WHIP_OFFER_NOT_CONFORMANT', `the WHIP offer breaks RFC 9725 §4.4.2: ${lint.problems.join('; ')}`, {
          hint: 'a WHIP client publishes one MediaStream with at most one audio and one video track; pass lintOffer: false to send it anyway',
        })
      }
    }
    posted = offer
    let endpoint = url
    let redirects = 0
    let conflicts = 0
    const maxRedirects = options.maxRedirects ?? 5
    for (;;) {
      const x = await send(endpoint, 'POST', { 'Content-Type': 'application/sdp' }, offer)
      const res = x.response
      if (!res) throw new SessionHttpError(`${protocol.toUpperCase()} POST got no response`, x)
      if (res.status === 307 || res.status === 308) {
        const loc = res.headers.location
        if (!loc) throw new SessionHttpError(`${res.status} redirect without a Location header`, x)
        if (++redirects > maxRedirects) throw new SessionHttpError(`more than ${maxRedirects} redirects`, x, 'raise maxRedirects or fix the redirect loop')
        endpoint = new URL(loc, endpoint).toString()
        continue
      }
      if (res.status === 301 || res.status === 302 || res.status === 303) {
        throw new SessionHttpError(
          `${protocol.toUpperCase()} endpoint redirected with ${res.status}`,
          x,
          'RFC 9725 §4.5: redirects must be 307 so the POST and its body are kept',
        )
      }
      if (res.status === 409 && protocol === 'whep') {
        const after = Number(res.headers['retry-after'] ?? '1')
        if (++conflicts > (options.conflictRetries ?? 3)) throw new SessionHttpError('stream still busy (409) after retries', x)
        await sleep(Math.min(Number.isFinite(after) && after >= 0 ? after * 1000 : 1000, 10_000))
        continue
      }
      if (res.status === 406 && protocol === 'whep' && (res.headers['content-type'] ?? '').startsWith('application/sdp') && res.headers.location) {
        // Server counter-offer: answer it with a PATCH carrying the SDP answer.
        sessionUrl = new URL(res.headers.location, endpoint).toString()
        etag = res.headers.etag
        const ans = await peer.acceptOffer({ type: 'offer', sdp: res.body })
        offer = ans.sdp
        answer = res.body
        const p = await send(
          sessionUrl,
          'PATCH',
          { 'Content-Type': 'application/sdp', ...(etag ? { 'If-Match': etag } : {}) },
          ans.sdp,
          'answer to counter-offer',
        )
        if (!p.response || p.response.status >= 300) throw new SessionHttpError('the server did not accept the answer to its counter-offer', p)
        if (p.response.headers.etag) etag = p.response.headers.etag
        applyLinks(res.links)
        break
      }
      if (res.status !== 201) {
        const hint = /already in use/i.test(res.body)
          ? 'the endpoint holds as many sessions as it takes: end the other session (DELETE) or wait for it to end'
          : res.status === 401 || res.status === 403
            ? 'pass the right Bearer token (token option / --token)'
            : res.status === 404
              ? 'check the stream name in the URL'
              : res.status === 406 || /no codec in common/.test(res.body)
                ? "offer a codec the server takes (peerOptions.codecs, or the peer's codecs)"
                : undefined
        throw new SessionHttpError(`${protocol.toUpperCase()} POST was not answered with 201 Created`, x, hint)
      }
      if (!res.headers.location) throw new SessionHttpError('201 without a Location header (RFC 9725 §4.2)', x)
      sessionUrl = new URL(res.headers.location, endpoint).toString()
      etag = res.headers.etag
      answer = res.body
      applyLinks(res.links)
      const mismatch = noCommonCodec(offer, res.body)
      if (mismatch) {
        // No media could ever flow: end the session the server created and say why, instead of a silent 0-packet session.
        await send(sessionUrl, 'DELETE', {}, undefined, 'no codec in common')
        throw new RtcspecError('NO_COMMON_CODEC', `${protocol.toUpperCase()} answer from ${endpoint}: ${mismatch}`, {
          hint: "offer a codec the server takes (peerOptions.codecs, or the peer's codecs), or configure the server for the offered ones",
        })
      }
      await peer.acceptAnswer({ type: 'answer', sdp: res.body })
      break
    }
    endpointUrl = endpoint
  } catch (e) {
    unsubscribe()
    await recorder?.capture({ endpointUrl: url, ...(sessionUrl ? { sessionUrl } : {}), error: e })
    throw e
  }
  if (iceServers.length) {
    if (canSetIceServers(peer)) await peer.setIceServers(iceServers)
    await options.onIceServers?.(iceServers)
  }
  scheduleFlush()

  let restartSeq = 0
  let deleted: HttpExchange | undefined
  const session: ClientSession = {
    protocol,
    peer,
    get sessionUrl() {
      return sessionUrl ?? ''
    },
    endpointUrl,
    get etag() {
      return etag
    },
    get iceServers() {
      return iceServers
    },
    get linkProblems() {
      return linkProblems
    },
    get extensionLinks() {
      return extensionLinks
    },
    offer: posted,
    get answer() {
      return answer
    },
    exchanges,
    trickle,
    async restartIce(opts = {}) {
      try {
        return await restartIce(opts)
      } catch (e) {
        recorder?.errors.push(`ICE restart failed: ${e instanceof Error ? e.message : String(e)}`)
        throw e
      }
    },
    async close() {
      if (closed) return deleted
      closed = true
      unsubscribe()
      if (sessionUrl) deleted = await send(sessionUrl, 'DELETE', {})
      await recorder?.capture({
        endpointUrl,
        ...(sessionUrl ? { sessionUrl } : {}),
        ...(etag ? { etag } : {}),
        trickle: { ...trickle },
        iceServers: iceServers.length,
      })
      await onClose?.()
      return deleted
    },
    async [Symbol.asyncDispose]() {
      await session.close()
    },
  }
  async function restartIce(opts: { gatherTimeoutMs?: number } = {}): Promise<{ applied: boolean; exchange: HttpExchange }> {
    if (!sessionUrl) throw new RtcspecError('NO_SESSION', 'no session to restart')
    const seq = ++restartSeq
    restarting = true
    const fresh: string[] = []
    let done!: () => void
    const gathered = new Promise<void>((r) => (done = r))
    // Peers replay earlier candidates (and their end-of-candidates) synchronously on subscribe: ignore those.
    let armed = false
    const unsub = peer.onLocalCandidate((c) => {
      if (!armed) return
      if (c === null) done()
      else fresh.push(c.candidate)
    })
    armed = true
    const local = await peer.createOffer({ iceRestart: true })
    const { ufrag, pwd } = iceCredentials(local.sdp)
    // Replayed candidates of the previous generation carry the old ufrag; keep only new ones.
    await Promise.race([gathered, sleep(opts.gatherTimeoutMs ?? 3_000)])
    unsub()
    if (!ufrag || !pwd) throw new RtcspecError('NO_ICE_CREDENTIALS', 'the restart offer has no ICE credentials')
    const oldUfrag = iceCredentials(offer).ufrag
    const firstSection = splitSdp(local.sdp).media[0]
    const mid = firstSection ? (sectionMid(firstSection) ?? '0') : '0'
    const mline = (firstSection?.[0] ?? 'm=audio 9 RTP/AVP 0').replace(/^m=(\S+) \d+/, 'm=$1 9')
    const inSdp = local.sdp.match(/^a=candidate:.*$/gm)?.map((l) => l.slice(2)) ?? []
    const cands = [...new Set([...inSdp, ...fresh])].filter((c) => !(oldUfrag && new RegExp(` ufrag ${oldUfrag}(\\s|$)`).test(c)))
    const body = buildSdpFrag({ ufrag, pwd, credentialsAt: 'media', media: [{ mid, mline, candidates: cands, endOfCandidates: true }] })
    const x = await send(sessionUrl, 'PATCH', { 'Content-Type': 'application/trickle-ice-sdpfrag', 'If-Match': '*' }, body, 'ICE restart')
    if (seq !== restartSeq) return { applied: false, exchange: x } // a newer restart superseded this one
    restarting = false
    const res = x.response
    if (res?.status !== 200) throw new SessionHttpError('ICE restart PATCH was not answered with 200', x)
    const frag = safeParseSdpFrag(res.body)
    if (!frag.ok) throw new SessionHttpError(`ICE restart answer is not a valid sdpfrag (${frag.error.reason})`, x)
    const ice = fragIce(frag.value)
    if (!ice.ufrag || !ice.pwd) throw new SessionHttpError('ICE restart answer has no ice-ufrag/ice-pwd', x)
    const next = withIce(answer, { ufrag: ice.ufrag, pwd: ice.pwd, candidates: ice.candidates, endOfCandidates: ice.endOfCandidates })
    offer = local.sdp
    await peer.acceptAnswer({ type: 'answer', sdp: next })
    answer = next
    if (res.headers.etag) etag = res.headers.etag
    return { applied: true, exchange: x }
  }
  return session
}

/**
 * Options whose `onIceServers` also applies the advertised ICE servers to a werift peer rtcspec created
 * (W3C `setConfiguration`: they take effect for later gathering, e.g. an ICE restart).
 */
export function withIceServersApplied(
  options: SessionClientOptions,
  peer: { pc: { setConfiguration(c: { iceServers: IceServerConfig[] }): void } },
): SessionClientOptions {
  return {
    ...options,
    onIceServers: async (servers) => {
      try {
        peer.pc.setConfiguration({ iceServers: servers })
      } catch {
        /* a configuration werift refuses is left out; the servers stay visible in session.iceServers */
      }
      await options.onIceServers?.(servers)
    },
  }
}
