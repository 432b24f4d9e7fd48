/**
 * Harness for trickle ICE PATCH requests (RFC 9725 §4.3) on a live WHIP or WHEP session. A werift client
 * keeps one session open; each case PATCHes one (valid or mutated) `application/trickle-ice-sdpfrag` body
 * with a Content-Type and an If-Match. Bodies are templates: `{{ufrag}}`, `{{pwd}}`, `{{mid0}}`, `{{mline0}}`
 * and `{{etag}}` are filled from the live session when sent, so a saved case replays on a fresh session.
 *
 * Invariants:
 * - every PATCH gets a 2xx or a 4xx, never a 5xx, a hang past the timeout or a dropped connection;
 * - a PATCH with a Content-Type other than application/trickle-ice-sdpfrag is not accepted (2xx);
 * - a PATCH whose If-Match names another entity tag is not accepted (RFC 9725 §4.3.1: 412);
 * - a PATCH to the live session is never answered 404 (the session must not vanish);
 * - a PATCH accepted with 204 does not break the session's media: the client stays connected and, for WHEP
 *   with a publisher, RTP keeps arriving;
 * - after every case a session can still be had: the live one, or (when the case ended it) a new one (the
 *   probe; a failure is an `endpoint-unusable` finding of that case).
 *
 * Every session it opens is on the target's ledger until deleted; `release()` deletes them all.
 */
import fc from 'fast-check'
import { buildMutatedTrickleFragment, mutatedTrickleFragment, type MutatedTrickleSpec } from '../arbitraries/trickle.ts'
import type { ProbeResult } from '../findings.ts'
import { fuzzHttp } from '../http.ts'
import { SessionLedger } from '../ledger.ts'
import { checkFuzzTarget, nonLoopbackCandidateAddresses } from '../loopback.ts'
import { encodePayload } from '../payload.ts'
import { openSession, SessionRefusedError, type FuzzSession, type SessionMode } from '../session.ts'
import type { FuzzCase, FuzzOutcome, FuzzTarget } from '../target.ts'
import { httpInvariantViolations, validSessionWorks } from './http-offer.ts'

/** A generated PATCH. */
export interface TricklePatchSpec {
  fragment: MutatedTrickleSpec
  contentType: string
  /** `etag` = the session's current one, `*` (ICE restart), `stale` = another tag, `none` = no If-Match. */
  ifMatch: 'etag' | '*' | 'stale' | 'none'
}

/** The Content-Type of trickle bodies. */
export const SDPFRAG = 'application/trickle-ice-sdpfrag'

/** Generated PATCH requests: mostly the right Content-Type, the session's ETag or none. */
export const tricklePatch: fc.Arbitrary<TricklePatchSpec> = fc.record({
  fragment: mutatedTrickleFragment,
  contentType: fc.oneof(
    { weight: 9, arbitrary: fc.constant(SDPFRAG) },
    { weight: 1, arbitrary: fc.constantFrom('application/sdp', '', 'text/plain', 'application/trickle-ice-sdpfrag; charset=utf-8') },
  ),
  ifMatch: fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom<'etag' | 'none'>('etag', 'none') },
    { weight: 1, arbitrary: fc.constantFrom<'*' | 'stale'>('*', 'stale') },
  ),
})

const TEMPLATE_SESSION = { ufrag: '{{ufrag}}', pwd: '{{pwd}}', mids: ['{{mid0}}'], mlines: ['{{mline0}}'] }

/** The case (template) of a PATCH spec. Restart bodies (new credentials) are sent with `If-Match: *`. */
export function tricklePatchCase(s: TricklePatchSpec): FuzzCase {
  return { kind: 'trickle-patch', fields: { contentType: s.contentType, ifMatch: s.ifMatch, body: buildMutatedTrickleFragment(TEMPLATE_SESSION, s.fragment) } }
}

/** Options of {@link trickleTarget}. */
export interface TrickleTargetOptions {
  /** The WHIP (or WHEP, with `mode: 'whep'`) endpoint the session is opened on. */
  url: string
  mode?: SessionMode
  /** WHEP: a WHIP endpoint feeding the same stream, so RTP must keep arriving after each accepted PATCH. */
  publishUrl?: string
  allowRemote?: boolean
  timeoutMs?: number
}

/** The trickle PATCH harness as a campaign target. Call `close()` to end its sessions. */
export function trickleTarget(options: TrickleTargetOptions): FuzzTarget<TricklePatchSpec> {
  const mode = options.mode ?? 'whip'
  checkFuzzTarget(options.url, { protocols: ['http:', 'https:'], allowRemote: options.allowRemote ?? false })
  if (options.publishUrl) checkFuzzTarget(options.publishUrl, { protocols: ['http:', 'https:'], allowRemote: options.allowRemote ?? false })
  const timeoutMs = options.timeoutMs ?? 5000
  const rtp = mode === 'whep' && options.publishUrl !== undefined
  const ledger = new SessionLedger()
  let publisher: FuzzSession | undefined
  let session: FuzzSession | undefined

  const live = async (): Promise<FuzzSession> => {
    if (session) return session
    if (rtp && !publisher) {
      const p = await openSession(options.publishUrl!, { mode: 'whip', timeoutMs: 15_000, ledger })
      try {
        await p.waitForMedia(0, 15_000)
      } catch (e) {
        await p.close()
        throw e
      }
      publisher = p
    }
    const s = await openSession(options.url, { mode, timeoutMs: 15_000, ledger })
    try {
      await s.waitForMedia(rtp ? 5 : 0, 15_000)
    } catch (e) {
      await s.close() // a session that never got media is deleted, not left holding the endpoint
      throw e
    }
    session = s
    return s
  }
  const drop = async (): Promise<void> => {
    const s = session
    session = undefined
    await s?.close()
  }
  const release = async (): Promise<void> => {
    await drop()
    const p = publisher
    publisher = undefined
    await p?.close()
    await ledger.releaseAll(timeoutMs)
  }
  /** The endpoint is usable when a session can be had: the live one, or a new one when the last case ended it. */
  const probe = async (): Promise<ProbeResult> => {
    if (session) return { usable: true, status: 'live', body: '', message: 'the live session is still in use' }
    try {
      const s = await live()
      return { usable: true, status: String(s.response.status), body: '', message: 'a new session was opened' }
    } catch (e) {
      const message = `opening a ${mode} session failed: ${(e as Error).message.split('\n')[0]}`
      if (e instanceof SessionRefusedError) return { usable: false, status: e.status, body: e.body, message }
      return { usable: false, status: 'no-session', body: '', message }
    }
  }

  const run = async (c: FuzzCase): Promise<FuzzOutcome> => {
    let s: FuzzSession
    try {
      s = await live()
    } catch (e) {
      return { response: 'no-session', violations: [`could not open a ${mode} session: ${(e as Error).message.split('\n')[0]}`] }
    }
    const fill = (t: string) =>
      t
        .replaceAll('{{ufrag}}', s.ufrag)
        .replaceAll('{{pwd}}', s.pwd)
        .replaceAll('{{mid0}}', s.mids[0] ?? '0')
        .replaceAll('{{mline0}}', s.mlines[0] ?? 'audio 9 RTP/AVP 0')
    const body = fill(c.fields.body ?? '')
    const foreign = nonLoopbackCandidateAddresses(body)
    if (foreign.length) return { response: 'not-sent', violations: [], detail: { reason: `candidate addresses off loopback: ${foreign.join(', ')}` } }
    const contentType = c.fields.contentType ?? SDPFRAG
    const ifMatch = c.fields.ifMatch ?? 'none'
    const headers: Record<string, string> = {}
    if (contentType) headers['content-type'] = contentType
    if (ifMatch === 'etag' && s.etag) headers['if-match'] = s.etag
    if (ifMatch === '*') headers['if-match'] = '*'
    if (ifMatch === 'stale') headers['if-match'] = '"rtcspec-stale-etag"'
    const r = await fuzzHttp({ method: 'PATCH', url: s.resource, headers, body: encodePayload(body), timeoutMs })
    const violations = httpInvariantViolations('PATCH', r, timeoutMs)
    const status = r.status ?? 0
    const ok = status >= 200 && status < 300
    if (ok && !/^application\/trickle-ice-sdpfrag\b/i.test(contentType))
      violations.push(`PATCH with Content-Type ${JSON.stringify(contentType)} was accepted (${status}); expected 415`)
    if (ok && ifMatch === 'stale') violations.push(`PATCH with a stale If-Match was accepted (${status}); RFC 9725 §4.3.1 requires 412`)
    if (status === 404) violations.push('the live session answered 404: it vanished')
    const detail: Record<string, unknown> = { status: r.status, error: r.error, body: r.body?.slice(0, 300), sent: body.slice(0, 2000) }
    if (r.headers?.etag) s.etag = r.headers.etag
    if (status === 204) {
      // accepted as trickle: the session's media must survive it
      try {
        await s.waitForMedia(rtp ? 3 : 0, 5000)
        if (s.peer.timeline.connection.at(-1)?.state !== 'connected') throw new Error(`client connection is ${s.peer.timeline.connection.at(-1)?.state}`)
      } catch (e) {
        violations.push(`media broke after a PATCH accepted with 204: ${(e as Error).message.split('\n')[0]}`)
      }
    }
    // A restart accepted (200), an error, or a violation: start the next case on a fresh session.
    if ((status !== 204 && !(status >= 400 && status < 500)) || violations.length) await drop()
    return { response: r.error ?? String(status), violations, detail }
  }

  return {
    name: 'trickle',
    description: `trickle PATCH on ${mode.toUpperCase()} sessions of ${options.url}`,
    invariants: [
      'every PATCH gets a 2xx or a 4xx, never a 5xx, a hang or a dropped connection',
      'a wrong Content-Type is not accepted (415), a stale If-Match is not accepted (412)',
      'the live session never answers 404',
      `a PATCH accepted with 204 does not break the session's media (client stays connected${rtp ? ', RTP keeps arriving' : ''})`,
    ],
    arbitrary: tricklePatch,
    toCase: tricklePatchCase,
    run,
    reduce: (s) => [
      ...s.fragment.mutations.map((_, i) => ({ ...s, fragment: { ...s.fragment, mutations: s.fragment.mutations.filter((__, j) => j !== i) } })),
      ...s.fragment.fragment.candidates.map((_, i) => ({
        ...s,
        fragment: { ...s.fragment, fragment: { ...s.fragment.fragment, candidates: s.fragment.fragment.candidates.filter((__, j) => j !== i) } },
      })),
    ],
    healthCheck: async () => {
      await release()
      return validSessionWorks(options.url, mode, { ledger, ...(options.publishUrl ? { publishUrl: options.publishUrl } : {}) })
    },
    probe,
    release,
    close: release,
  }
}
