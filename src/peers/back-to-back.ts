/**
 * Wires two peers in-process: offer/answer, trickle (or full gathering), connected, media flowing.
 * Works for any `Peer` implementation; optionally routes every candidate through a path
 * (for example rtcspec's impairment relay) so all media crosses it.
 */
import { RtcspecError } from '../errors.ts'
import { UdpRelay } from '../net/relay.ts'
import { relayPath, type CandidatePath } from './relay-path.ts'
import { parseTricklePolicy, TrickleForwarder, type TricklePolicy, type TrickleForwarderStats } from './ice-behaviours.ts'
import type { CandidateInit, Peer } from './types.ts'

export type { CandidatePath } from './relay-path.ts'

/** Options of {@link connectBackToBack}: the path candidates take, how they trickle, the connect timeout. */
export interface BackToBackOptions {
  /** Route every candidate through this path. */
  path?: CandidatePath
  /** How long ICE + DTLS may take, default 10 s. */
  connectTimeoutMs?: number
  /** Trickle behaviour of the candidates each side sends (src/peers/ice-behaviours.ts). Default: queued, in order. */
  ice?: { a?: TricklePolicy; b?: TricklePolicy }
  /** Record the signalling into this array (it keeps what was exchanged when connecting fails, for the call record). */
  signaling?: BackToBackCall['signaling']
}

/** Timings of one back-to-back call set-up, in ms relative to `startedAt` (performance.now()). */
export interface BackToBackTimings {
  startedAt: number
  offerMs: number
  answerMs: number
  /** Both peers connected (ICE + DTLS). */
  connectedMs: number
}

/** What one ICE restart on a call did (appended by `restartIce`, written to the call record as `extra.iceRestarts`). */
export interface IceRestartRecord {
  /** When the restart began, ms after the call started (`timings.startedAt`). */
  atMs: number
  /** Which side restarted (created the ICE-restart offer). */
  by: 'a' | 'b'
  /** Offer/answer round trip, ms. */
  signalingMs: number
  /** From the restart offer to media flowing again on every watched track, ms. */
  reconnectMs: number
  /** Longest silence on any watched track around the restart, ms (upper bound for browser tracks). */
  gapMs: number
  /** Per watched track: its gap and how it was measured (from the packets, or bounded from a browser's getStats). */
  gaps: Array<{ track: string; gapMs: number; method: 'packets' | 'browser-getstats'; lowerBoundMs?: number }>
  /** Whether each side's ICE ufrag changed. */
  newUfrag: { a: boolean; b: boolean }
  /** Whether each side nominated a pair after the restart (absent for a peer that records no nominations). */
  renominated: { a?: boolean; b?: boolean }
}

/** Two connected peers. Closing the call closes both. */
export interface BackToBackCall extends AsyncDisposable {
  readonly a: Peer
  readonly b: Peer
  /** The path the call's candidates were routed through (the impairment relay), if any. */
  readonly path: CandidatePath | undefined
  /** Every ICE restart made on this call, in order. */
  readonly iceRestarts: IceRestartRecord[]
  readonly timings: BackToBackTimings
  /** Every SDP exchanged, in order, for ladders and failure messages. */
  readonly signaling: Array<{ atMs: number; from: string; to: string; type: string; sdp?: string; candidate?: string }>
  /**
   * Holds trickled candidates for side `to` (queued in order) until {@link BackToBackCall.releaseTrickle}: used while
   * renegotiating (ICE restart), so new-generation candidates reach a peer only after its new remote description.
   */
  holdTrickle(to: 'a' | 'b'): void
  /** What the trickle forwarders did with each side's candidates (produced, delivered, withheld, end-of-candidates). */
  readonly trickleStats: { fromA: TrickleForwarderStats; fromB: TrickleForwarderStats }
  /** Delivers the candidates held for `to`, in order, and forwards new ones directly again. */
  releaseTrickle(to: 'a' | 'b'): void
  close(): Promise<void>
}

const CANDIDATE_LINE = /^a=(candidate:.*)$/gm

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

/** Rewrites every `a=candidate` line of an SDP through `path`, leaving out those it cannot carry. */
export async function rewriteSdpCandidates(sdp: string, path: CandidatePath, from: 'a' | 'b'): Promise<string> {
  const lines = [...sdp.matchAll(CANDIDATE_LINE)]
  let out = sdp
  for (const m of lines) {
    const original = (m[1] ?? '').replace(/\r$/, '')
    const mapped = await path.mapCandidate(from, original)
    // null: the candidate cannot cross the path (e.g. TCP through the UDP relay) and is left out.
    out = mapped === null ? out.replace(new RegExp(`^a=${escapeRegExp(original)}\\r?\\n`, 'm'), '') : out.replace(original, mapped)
  }
  return out
}

/**
 * Connects `a` (offerer) to `b` (answerer) and resolves once both are connected.
 * Candidates that arrive before the receiving side has its remote description are queued, then flushed in order.
 */
export async function connectBackToBack(a: Peer, b: Peer, options: BackToBackOptions = {}): Promise<BackToBackCall> {
  const startedAt = performance.now()
  const at = () => performance.now() - startedAt
  const signaling: BackToBackCall['signaling'] = options.signaling ?? []
  const timeout = options.connectTimeoutMs ?? 10_000
  // Network rule: two browsers (traits.answersChecksFromAnyAddress) check each other from every interface they have and answer whatever
  // address a check came from, including the host's non-loopback one. Between two Chromium peers with no
  // path of the caller's, a clean (unimpaired) relay forwards only between loopback addresses, so all their
  // traffic stays on 127.0.0.1. (A werift peer refuses checks from non-loopback sources itself.)
  const guard = !options.path && a.traits?.answersChecksFromAnyAddress && b.traits?.answersChecksFromAnyAddress ? await UdpRelay.create({ seed: 0 }) : undefined
  const path = options.path ?? (guard ? relayPath(guard) : undefined)

  // Trickle: forward each side's candidates to the other once it can take them.
  const peers = { a, b }
  let chain = Promise.resolve()
  const deliver = (to: 'a' | 'b', c: CandidateInit | null) => {
    chain = chain
      .then(async () => {
        const from = to === 'a' ? 'b' : 'a'
        let candidate = c
        if (c && path) {
          const mapped = await path.mapCandidate(from, c.candidate)
          if (mapped === null) return // cannot cross the path (e.g. TCP through the UDP relay)
          candidate = { ...c, candidate: mapped }
        }
        signaling.push({
          atMs: at(),
          from: peers[from].name,
          to: peers[to].name,
          type: candidate ? 'candidate' : 'end-of-candidates',
          ...(candidate ? { candidate: candidate.candidate } : {}),
        })
        await peers[to].addRemoteCandidate(candidate)
      })
      .catch((e: unknown) => {
        peers[to].timeline.errors.push({ atMs: Date.now() - peers[to].timeline.createdAt, message: `trickle to ${peers[to].name} failed: ${String(e)}` })
      })
  }
  // Each direction's candidates pass through a forwarder applying that side's trickle policy (default: queue until
  // the receiver has a remote description, then deliver in order).
  const forwarders = {
    b: new TrickleForwarder(parseTricklePolicy(options.ice?.a, 'ice.a'), (c) => deliver('b', c)),
    a: new TrickleForwarder(parseTricklePolicy(options.ice?.b, 'ice.b'), (c) => deliver('a', c)),
  }
  const unsubs: Array<() => void> = [() => forwarders.a.close(), () => forwarders.b.close()]
  if (a.trickle) unsubs.push(a.onLocalCandidate((c) => forwarders.b.push(c)))
  if (b.trickle) unsubs.push(b.onLocalCandidate((c) => forwarders.a.push(c)))
  const flush = (to: 'a' | 'b') => forwarders[to].receiverReady()

  try {
    let offer = await a.createOffer()
    if (path && !a.trickle) offer = { ...offer, sdp: await rewriteSdpCandidates(offer.sdp, path, 'a') }
    const offerMs = at()
    signaling.push({ atMs: offerMs, from: a.name, to: b.name, type: 'offer', sdp: offer.sdp })
    let answer = await b.acceptOffer(offer)
    flush('b')
    if (path && !b.trickle) answer = { ...answer, sdp: await rewriteSdpCandidates(answer.sdp, path, 'b') }
    const answerMs = at()
    signaling.push({ atMs: answerMs, from: b.name, to: a.name, type: 'answer', sdp: answer.sdp })
    await a.acceptAnswer(answer)
    flush('a')
    await Promise.all([a.waitForConnected(timeout), b.waitForConnected(timeout)])
    const connectedMs = at()
    forwarders.a.connected()
    forwarders.b.connected()
    let closed = false
    const call: BackToBackCall = {
      a,
      b,
      path,
      iceRestarts: [],
      signaling,
      timings: { startedAt, offerMs, answerMs, connectedMs },
      trickleStats: { fromA: forwarders.b.stats, fromB: forwarders.a.stats },
      holdTrickle(to) {
        forwarders[to].hold()
      },
      releaseTrickle(to) {
        flush(to)
      },
      async close() {
        if (closed) return
        closed = true
        for (const u of unsubs) u()
        await Promise.all([a.close(), b.close()])
        await guard?.close()
      },
      async [Symbol.asyncDispose]() {
        await call.close()
      },
    }
    return call
  } catch (e) {
    for (const u of unsubs) u()
    await guard?.close()
    // The answerer knows only "the remote offer": name the offerer.
    if (e instanceof RtcspecError && e.code === 'NO_COMMON_CODEC') {
      const first = (e.message.split('\n')[0] ?? e.message).replace(
        /^no audio codec in common: the remote offer offers/,
        `no audio codec in common: ${a.name} offers`,
      )
      throw new RtcspecError(e.code, `back-to-back call ${a.name} → ${b.name}: ${first}`, { cause: e, ...(e.hint ? { hint: e.hint } : {}) })
    }
    if (e instanceof RtcspecError) throw e
    throw new RtcspecError('B2B_FAILED', `back-to-back call ${a.name} → ${b.name} failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e })
  }
}
