/**
 * Harness for an HTTP offer endpoint: a WHIP endpoint (RFC 9725 §4.2), a WHEP endpoint, or any HTTP
 * offer/answer URL. Each case POSTs one (usually mutated) offer with a Content-Type.
 *
 * Invariants:
 * - every offer gets a 2xx or a 4xx (a 3xx redirect is allowed, RFC 9725 §4.5); never a 5xx;
 * - never a hang past the timeout, never a dropped connection;
 * - a 201 carries a Location, and DELETE on it answers 2xx (RFC 9725 §4.2);
 * - after every case the endpoint still takes a plain valid offer (the probe; a failure is an
 *   `endpoint-unusable` finding of that case);
 * - after the campaign (and every `checkEvery` cases) a valid publish (WHIP) or play (WHEP) still works:
 *   201, ICE+DTLS connected, and for WHEP audio RTP arriving.
 *
 * Every resource a 201 created is on the target's ledger until its DELETE succeeded; `release()` DELETEs
 * what is left.
 */
import fc from 'fast-check'
import type { Direction } from '../../sdp/types.ts'
import { buildMutatedOffer, mutatedOffer, type MutatedOfferSpec, type SdpMutation } from '../arbitraries/sdp-mutation.ts'
import type { WebrtcOfferSpec } from '../arbitraries/webrtc-offer.ts'
import { fuzzHttp, resolveLocation, type FuzzHttpResult } from '../http.ts'
import { SessionLedger } from '../ledger.ts'
import { checkFuzzTarget, nonLoopbackCandidateAddresses } from '../loopback.ts'
import { encodePayload } from '../payload.ts'
import { probeEndpoint } from '../probe.ts'
import { NoCommonCodecError, openSession, type SessionMode } from '../session.ts'
import type { FuzzCase, FuzzOutcome, FuzzTarget, HealthCheckResult } from '../target.ts'

/** A generated POST: an offer (valid or mutated) and the Content-Type it is sent with (`''` = none). */
export interface OfferPostSpec {
  offer: MutatedOfferSpec
  contentType: string
}

/** Content types tried: mostly the right one. */
export const OFFER_CONTENT_TYPES = [
  'application/sdp',
  'application/SDP',
  'application/sdp; charset=utf-8',
  '',
  'text/plain',
  'application/trickle-ice-sdpfrag',
  'application/json',
] as const

/** Options of {@link httpOfferTarget}. */
export interface HttpOfferTargetOptions {
  /** `whip` (sendonly offers, publish health check), `whep` (recvonly offers, play health check) or `sdp` (any direction, no health check). */
  mode: SessionMode | 'sdp'
  url: string
  /** Allow a non-loopback URL (the CLI sets it after printing the target). Default false. */
  allowRemote?: boolean
  /** Per-request timeout (default 5000 ms). */
  timeoutMs?: number
  /** At most this many mutations per offer (default 3). */
  maxMutations?: number
  /** WHEP only: a WHIP endpoint feeding the same stream, published to by the health check so RTP must reach the viewer. */
  publishUrl?: string
}

/** Structured POST inputs for a mode: WHIP offers are sendonly, WHEP offers recvonly. */
export function offerPost(mode: SessionMode | 'sdp', maxMutations = 3): fc.Arbitrary<OfferPostSpec> {
  const directions: Direction[] = mode === 'whip' ? ['sendonly'] : mode === 'whep' ? ['recvonly'] : ['sendrecv', 'sendonly', 'recvonly']
  return fc.record({
    offer: fc.oneof(
      { weight: 1, arbitrary: mutatedOffer({ directions, maxMutations, allowValid: true }) },
      { weight: 5, arbitrary: mutatedOffer({ directions, maxMutations }) },
    ),
    contentType: fc.oneof({ weight: 8, arbitrary: fc.constant('application/sdp') }, { weight: 2, arbitrary: fc.constantFrom(...OFFER_CONTENT_TYPES) }),
  })
}

/** Classifies one HTTP result against the shared "2xx/4xx, no 5xx, no hang, no drop" invariants. */
export function httpInvariantViolations(what: string, r: FuzzHttpResult, timeoutMs: number): string[] {
  if (r.error === 'timeout') return [`${what}: no response within ${timeoutMs} ms (hang)`]
  if (r.error === 'reset') return [`${what}: connection dropped without a complete response`]
  if (r.error) return [`${what}: request failed (${r.error})`]
  const s = r.status ?? 0
  if (s >= 500) return [`${what}: answered ${s} (a 5xx; malformed input deserves a 4xx)`]
  if (s < 200 || s >= 600) return [`${what}: answered ${s}, not a final 2xx/4xx status`]
  return []
}

/**
 * Runs one POST case: sends exactly the case's bytes, checks the invariants, and DELETEs a created resource
 * (recorded on `ledger` until the DELETE succeeded, so `ledger.releaseAll()` retries one that failed).
 */
export async function runOfferPost(url: string, c: FuzzCase, timeoutMs: number, ledger: SessionLedger = new SessionLedger()): Promise<FuzzOutcome> {
  const sdp = c.fields.sdp ?? ''
  const contentType = c.fields.contentType ?? 'application/sdp'
  const foreign = nonLoopbackCandidateAddresses(sdp)
  if (foreign.length) return { response: 'not-sent', violations: [], detail: { reason: `candidate addresses off loopback: ${foreign.join(', ')}` } }
  const headers: Record<string, string> = contentType === '' ? {} : { 'content-type': contentType }
  const r = await fuzzHttp({ method: 'POST', url, headers, body: encodePayload(sdp), timeoutMs })
  const violations = httpInvariantViolations('POST offer', r, timeoutMs)
  const response = r.error ?? String(r.status)
  const detail: Record<string, unknown> = {
    status: r.status,
    error: r.error,
    elapsedMs: r.elapsedMs,
    body: r.body?.slice(0, 500),
    location: r.headers?.location,
  }
  if (r.status === 201) {
    const resource = resolveLocation(url, r.headers?.location)
    if (!resource) violations.push('201 Created without a Location header (RFC 9725 §4.2 MUST)')
    else {
      ledger.add(resource)
      const d = await ledger.delete(resource, timeoutMs)
      detail.delete = d.error ?? d.status
      violations.push(...httpInvariantViolations('DELETE of the created resource', d, timeoutMs))
      if (!d.error && d.status !== undefined && (d.status < 200 || d.status >= 300))
        violations.push(`DELETE of the created resource answered ${d.status}, expected 200 (RFC 9725 §4.2)`)
    }
  }
  return { response, violations, detail }
}

const INDEX_FIELDS = ['line', 'with', 'attribute', 'section', 'rtpLine'] as const
/** Sizes a mutation blows a line up by: a smaller one is a smaller input (and a cheaper attempt). */
const SIZE_FIELDS = ['count', 'length', 'keep'] as const

/** Copies of the mutations with one size field cut to 1, 2, or half its value (below its value). */
function smallerSizes(ms: SdpMutation[]): SdpMutation[][] {
  const out: SdpMutation[][] = []
  ms.forEach((m, i) => {
    for (const f of SIZE_FIELDS) {
      const v = (m as Record<string, unknown>)[f]
      if (typeof v !== 'number') continue
      for (const x of new Set([1, 2, Math.floor(v / 2)])) if (x < v && x >= 0) out.push(ms.map((mm, j) => (j === i ? ({ ...mm, [f]: x } as SdpMutation) : mm)))
    }
  })
  return out
}

/** Copies of the mutations with one index field lowered to each of 0..7 (below its value). */
function lowerIndexes(ms: SdpMutation[]): SdpMutation[][] {
  const out: SdpMutation[][] = []
  ms.forEach((m, i) => {
    for (const f of INDEX_FIELDS) {
      const v = (m as Record<string, unknown>)[f]
      if (typeof v !== 'number') continue
      for (let x = 0; x < Math.min(v, 8); x++) out.push(ms.map((mm, j) => (j === i ? ({ ...mm, [f]: x } as SdpMutation) : mm)))
    }
  })
  return out
}

/**
 * Each mutation alone, with one index field re-aimed to each of 0..23. Two mutations can be a roundabout way
 * of hitting one line (a dropped token turns `m=audio …` into a line the payload-type mutation no longer
 * counts, so its index 0 lands on `a=rtpmap`); the single mutation aimed at that line directly is smaller.
 */
function singleReaimed(ms: SdpMutation[]): SdpMutation[][] {
  if (ms.length < 2) return []
  const out: SdpMutation[][] = []
  for (const m of ms) {
    for (const f of INDEX_FIELDS) {
      if (typeof (m as Record<string, unknown>)[f] !== 'number') continue
      for (let x = 0; x < 24; x++) out.push([{ ...m, [f]: x } as SdpMutation])
    }
  }
  return out
}

/** Whole lines (ended by a newline) and the length of the partial line after them in `text`'s first `keep` % (as `truncate` cuts). */
function truncation(text: string, keep: number): { lines: number; partial: number } {
  const kept = text.slice(0, Math.floor((text.length * (keep % 101)) / 100))
  const last = kept.lastIndexOf('\n')
  return { lines: last < 0 ? 0 : kept.split('\n').length - 1, partial: kept.length - last - 1 }
}

/**
 * The mutations re-aimed from offer `from` to the smaller offer `to`: each `truncate` (which keeps a percentage of the
 * text, so the same percentage of a shorter offer cuts elsewhere) gets a `keep` that cuts `to`'s text after as
 * many whole lines as it did `from`'s, keeping as much of the next line as possible without completing it, and a
 * few that just complete that line (a percentage cannot always stop at a line's end). None without a truncation.
 */
function reaimTruncations(ms: SdpMutation[], from: WebrtcOfferSpec, to: WebrtcOfferSpec): SdpMutation[][] {
  const variants: SdpMutation[][] = []
  ms.forEach((m, i) => {
    if (m.op !== 'truncate') return
    const was = truncation(buildMutatedOffer({ offer: from, mutations: ms.slice(0, i) }), m.keep)
    const text = buildMutatedOffer({ offer: to, mutations: ms.slice(0, i) })
    let within: { keep: number; partial: number } | undefined
    let completing: number | undefined
    for (let keep = 0; keep <= 100; keep++) {
      const now = truncation(text, keep)
      if (now.lines === was.lines && (within === undefined || now.partial > within.partial)) within = { keep, partial: now.partial }
      if (now.lines > was.lines && completing === undefined) completing = keep
    }
    // A cut inside a line leaves a partial line the server may or may not parse: a few cuts past the line's end too.
    const past = completing === undefined ? [] : [completing, completing + 1, completing + 2, completing + 3].filter((k) => k <= 100)
    for (const keep of new Set([within?.keep, ...past])) {
      if (keep !== undefined && keep !== m.keep) variants.push(ms.map((mm, j) => (j === i ? { ...m, keep } : mm)))
    }
  })
  return variants
}

/**
 * Smaller variants of a POST, cheapest and biggest steps first: each mutation removed, a mutation's size
 * (repeat count, long length, truncation) cut down, the right Content-Type, a smaller offer (one section
 * less, one codec) with its truncations re-aimed to cut after the same lines and the mutations' line indexes
 * re-aimed (they count lines, so a smaller offer shifts them), each mutation alone re-aimed, then lower indexes alone.
 */
export function reduceOfferPost(s: OfferPostSpec): OfferPostSpec[] {
  const out: OfferPostSpec[] = s.offer.mutations.map((_, i) => ({ ...s, offer: { ...s.offer, mutations: s.offer.mutations.filter((__, j) => j !== i) } }))
  for (const ms of smallerSizes(s.offer.mutations)) out.push({ ...s, offer: { ...s.offer, mutations: ms } })
  if (s.contentType !== 'application/sdp') out.push({ ...s, contentType: 'application/sdp' })
  const smaller: WebrtcOfferSpec[] = []
  const o = s.offer.offer
  for (let i = 1; i < o.sections.length; i++) smaller.push({ ...o, sections: o.sections.filter((_, j) => j !== i) })
  o.sections.forEach((sec, i) => {
    if (sec.codecs.length > 1) for (const c of sec.codecs) smaller.push({ ...o, sections: o.sections.map((x, j) => (j === i ? { ...x, codecs: [c] } : x)) })
  })
  for (const offer of smaller) {
    out.push({ ...s, offer: { offer, mutations: s.offer.mutations } })
    for (const ms of reaimTruncations(s.offer.mutations, o, offer)) out.push({ ...s, offer: { offer, mutations: ms } })
    for (const ms of lowerIndexes(s.offer.mutations)) out.push({ ...s, offer: { offer, mutations: ms } })
  }
  for (const ms of singleReaimed(s.offer.mutations)) out.push({ ...s, offer: { ...s.offer, mutations: ms } })
  for (const ms of lowerIndexes(s.offer.mutations)) out.push({ ...s, offer: { ...s.offer, mutations: ms } })
  return out
}

/**
 * Health check: a valid publish (WHIP) or play (WHEP) works end to end. For WHEP, `publishUrl` (a WHIP
 * endpoint feeding the same stream) is published to first, and RTP must then arrive at the viewer; without
 * it the viewer must connect (ICE+DTLS). Sessions offer Opus, PCMU, PCMA; an answer with no codec in common
 * is `inconclusive` (it says nothing about the server's stability), anything else that fails is a violation.
 * Every session it opened is deleted, whatever failed.
 */
export async function validSessionWorks(
  url: string,
  mode: SessionMode,
  options: { publishUrl?: string; timeoutMs?: number; ledger?: SessionLedger } = {},
): Promise<HealthCheckResult> {
  const timeoutMs = options.timeoutMs ?? 15_000
  const ledger = options.ledger ?? new SessionLedger()
  const sessions: Array<Awaited<ReturnType<typeof openSession>>> = []
  const what = mode === 'whip' ? 'publish' : 'play'
  try {
    if (mode === 'whep' && options.publishUrl) {
      const pub = await openSession(options.publishUrl, { mode: 'whip', timeoutMs, ledger })
      sessions.push(pub)
      await pub.waitForMedia(0, timeoutMs)
    }
    const session = await openSession(url, { mode, timeoutMs, ledger })
    sessions.push(session)
    await session.waitForMedia(mode === 'whep' && options.publishUrl ? 10 : 0, timeoutMs)
    return { violations: [], inconclusive: [] }
  } catch (e) {
    const message = (e as Error).message.split('\n')[0]
    if (e instanceof NoCommonCodecError) return { violations: [], inconclusive: [`a valid ${what} could not be checked: ${message}`] }
    return { violations: [`a valid ${what} no longer works: ${message}`], inconclusive: [] }
  } finally {
    for (const s of sessions.reverse()) await s.close()
    await ledger.releaseAll()
  }
}

/** The HTTP offer harness as a campaign target. */
export function httpOfferTarget(options: HttpOfferTargetOptions): FuzzTarget<OfferPostSpec> {
  checkFuzzTarget(options.url, { protocols: ['http:', 'https:'], allowRemote: options.allowRemote ?? false })
  const timeoutMs = options.timeoutMs ?? 5000
  const mode = options.mode
  const invariants = [
    'every offer gets a 2xx or a 4xx (3xx allowed), never a 5xx',
    `never a hang past ${timeoutMs} ms, never a dropped connection`,
    'a 201 carries a Location, and DELETE on it answers 200 (RFC 9725 §4.2)',
  ]
  if (options.publishUrl) checkFuzzTarget(options.publishUrl, { protocols: ['http:', 'https:'], allowRemote: options.allowRemote ?? false })
  const rtp = mode === 'whep' && options.publishUrl !== undefined
  invariants.push('after every case the endpoint still takes a plain valid offer (else: endpoint-unusable)')
  if (mode !== 'sdp')
    invariants.push(
      `after the campaign a valid ${mode === 'whip' ? 'publish' : 'play'} still works (201, ICE+DTLS connected${rtp ? ', RTP from a publisher arrives' : ''})`,
    )
  const ledger = new SessionLedger()
  const direction: Direction = mode === 'whip' ? 'sendonly' : mode === 'whep' ? 'recvonly' : 'sendrecv'
  return {
    name: mode,
    description: `${mode === 'sdp' ? 'HTTP offer endpoint' : `${mode.toUpperCase()} endpoint`} ${options.url}`,
    invariants,
    arbitrary: offerPost(mode, options.maxMutations),
    toCase: (s) => ({ kind: 'http-offer', fields: { contentType: s.contentType, sdp: buildMutatedOffer(s.offer) } }),
    run: (c) => runOfferPost(options.url, c, timeoutMs, ledger),
    reduce: reduceOfferPost,
    // The probe asks whether the endpoint still works, not how fast: it waits twice the request timeout (≥ 10 s).
    probe: () => probeEndpoint(options.url, { direction, ledger, timeoutMs: Math.max(2 * timeoutMs, 10_000) }),
    release: async () => {
      await ledger.releaseAll(timeoutMs)
    },
    close: async () => {
      await ledger.releaseAll(timeoutMs)
    },
    ...(mode === 'sdp'
      ? {}
      : { healthCheck: () => validSessionWorks(options.url, mode, { ledger, ...(options.publishUrl ? { publishUrl: options.publishUrl } : {}) }) }),
  }
}
