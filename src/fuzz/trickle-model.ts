/**
 * Model-based testing of a WHIP/WHEP session's trickle ICE state machine with fast-check `fc.commands`:
 * random interleavings of offer (POST), trickled candidates, end-of-candidates, stale-ETag and wrong-type
 * PATCHes, ICE restart and DELETE, each checked against the status codes RFC 9725 prescribes, and, at the
 * end of every sequence, media flowing whenever a valid path exists (a live, not-restarted session).
 */
import fc from 'fast-check'
import { buildTrickleFragment, loopbackCandidate, type TrickleFragmentSpec } from './arbitraries/trickle.ts'
import { iceChars } from './arbitraries/ice.ts'
import { fuzzHttp, type FuzzHttpResult } from './http.ts'
import { encodePayload } from './payload.ts'
import { openSession, type FuzzSession, type SessionMode } from './session.ts'
import { SDPFRAG } from './targets/trickle.ts'

/** What the model knows about the session. */
export interface TrickleModel {
  state: 'none' | 'live' | 'deleted'
  /** An ICE restart was accepted; the client did not follow it, so media is no longer expected. */
  restarted: boolean
}

/** The system under test: the endpoint and the client's session on it. */
export interface TrickleReal {
  url: string
  mode: SessionMode
  /** WHEP: a WHIP endpoint of the same stream, published to once so RTP reaches the viewer. */
  publishUrl?: string
  publisher?: FuzzSession
  session?: FuzzSession
  /** The resource URL of the last session (kept after DELETE). */
  resource?: string
  /** ICE credentials in effect after an accepted restart (trickle PATCHes must carry them). */
  ice?: { ufrag: string; pwd: string }
  /** Every step, for the failure message. */
  log: string[]
}

type Cmd = fc.AsyncCommand<TrickleModel, TrickleReal>

function expectStatus(real: TrickleReal, what: string, r: FuzzHttpResult, want: number[]): void {
  real.log.push(`${what} → ${r.error ?? r.status}`)
  if (r.error || !want.includes(r.status ?? 0)) {
    throw new Error(
      `${what}: expected ${want.join(' or ')} (RFC 9725), got ${r.error ?? r.status} ${(r.body ?? '').slice(0, 120)}\nsteps:\n  ${real.log.join('\n  ')}`,
    )
  }
}

async function patch(real: TrickleReal, body: string, headers: Record<string, string>): Promise<FuzzHttpResult> {
  return fuzzHttp({ method: 'PATCH', url: real.resource ?? '', headers, body: encodePayload(body), timeoutMs: 10_000 })
}

function fragment(real: TrickleReal, spec: TrickleFragmentSpec): string {
  const s = real.session!
  return buildTrickleFragment({ ufrag: real.ice?.ufrag ?? s.ufrag, pwd: real.ice?.pwd ?? s.pwd, mids: s.mids, mlines: s.mlines }, spec)
}

const sessionFrag = (cands: TrickleFragmentSpec['candidates'], end: TrickleFragmentSpec['endOfCandidates']): TrickleFragmentSpec => ({
  credentials: 'session',
  restartUfrag: 'unused',
  restartPwd: 'unusedunusedunusedunus',
  candidates: cands,
  endOfCandidates: end,
})

/** The commands: each checks its precondition against the model and its outcome against RFC 9725. */
export function trickleCommands(): fc.Arbitrary<Cmd>[] {
  const post: Cmd = {
    check: (m) => m.state !== 'live',
    run: async (m, real) => {
      if (real.mode === 'whep' && real.publishUrl && !real.publisher) {
        real.publisher = await openSession(real.publishUrl, { mode: 'whip', timeoutMs: 15_000 })
        await real.publisher.waitForMedia(0, 15_000)
      }
      real.session = await openSession(real.url, { mode: real.mode, timeoutMs: 15_000 }) // throws unless 201 + answer + Location
      real.ice = undefined
      real.resource = real.session.resource
      real.log.push('POST offer → 201')
      m.state = 'live'
      m.restarted = false
    },
    toString: () => 'POST offer',
  }
  const candidates = fc.array(fc.record({ mid: fc.nat(3), candidate: loopbackCandidate }), { minLength: 1, maxLength: 3 }).map(
    (cands): Cmd => ({
      check: (m) => m.state === 'live',
      run: async (_m, real) => {
        const s = real.session!
        const r = await patch(real, fragment(real, sessionFrag(cands, 'none')), { 'content-type': SDPFRAG, ...(s.etag ? { 'if-match': s.etag } : {}) })
        expectStatus(real, `PATCH ${cands.length} candidate(s)`, r, [204])
      },
      toString: () => `PATCH ${cands.length} candidate(s)`,
    }),
  )
  const endOfCandidates = fc.constantFrom<TrickleFragmentSpec['endOfCandidates']>('session', 'media').map(
    (where): Cmd => ({
      check: (m) => m.state === 'live',
      run: async (_m, real) => {
        const r = await patch(real, fragment(real, sessionFrag([], where)), { 'content-type': SDPFRAG })
        expectStatus(real, `PATCH end-of-candidates (${where} level)`, r, [204])
      },
      toString: () => `PATCH end-of-candidates (${where})`,
    }),
  )
  const stale: Cmd = {
    check: (m) => m.state === 'live',
    run: async (_m, real) => {
      const r = await patch(real, fragment(real, sessionFrag([], 'none')), { 'content-type': SDPFRAG, 'if-match': '"rtcspec-stale"' })
      expectStatus(real, 'PATCH with a stale If-Match', r, [412])
    },
    toString: () => 'PATCH stale If-Match',
  }
  const wrongType: Cmd = {
    check: (m) => m.state === 'live',
    run: async (_m, real) => {
      const r = await patch(real, fragment(real, sessionFrag([], 'none')), { 'content-type': 'application/sdp' })
      expectStatus(real, 'PATCH with Content-Type application/sdp', r, [415])
    },
    toString: () => 'PATCH wrong Content-Type',
  }
  const restart = fc.tuple(iceChars(4, 8), iceChars(22, 24)).map(
    ([ufrag, pwd]): Cmd => ({
      check: (m) => m.state === 'live',
      run: async (m, real) => {
        const s = real.session!
        // a new generation must differ from the current one (fast-check may draw the same ufrag twice)
        const current = real.ice?.ufrag ?? s.ufrag
        const fresh = ufrag === current ? `${ufrag}${real.log.length}` : ufrag
        const body = fragment(real, { ...sessionFrag([], 'none'), credentials: 'restart', restartUfrag: fresh, restartPwd: pwd })
        const before = s.etag
        const r = await patch(real, body, { 'content-type': SDPFRAG, 'if-match': '*' })
        expectStatus(real, 'PATCH ICE restart (If-Match: *)', r, [200])
        if (!/^application\/trickle-ice-sdpfrag/i.test(r.headers?.['content-type'] ?? ''))
          throw new Error(`ICE restart answered 200 with Content-Type ${r.headers?.['content-type']}; RFC 9725 §4.4.2 requires an sdpfrag body`)
        if (!r.headers?.etag || r.headers.etag === before) throw new Error(`ICE restart must return a new ETag (was ${before}, got ${r.headers?.etag})`)
        s.etag = r.headers.etag
        real.ice = { ufrag: fresh, pwd } // later trickle PATCHes belong to the new ICE generation
        m.restarted = true
      },
      toString: () => `PATCH ICE restart ufrag=${ufrag}`,
    }),
  )
  const del: Cmd = {
    check: (m) => m.state === 'live',
    run: async (m, real) => {
      const r = await fuzzHttp({ method: 'DELETE', url: real.resource!, timeoutMs: 10_000 })
      expectStatus(real, 'DELETE', r, [200])
      await real.session?.peer.close()
      real.session = undefined
      m.state = 'deleted'
    },
    toString: () => 'DELETE',
  }
  const afterDelete: Cmd = {
    check: (m) => m.state === 'deleted',
    run: async (_m, real) => {
      const r = await patch(real, 'a=end-of-candidates\r\n', { 'content-type': SDPFRAG })
      expectStatus(real, 'PATCH after DELETE', r, [404])
      const d = await fuzzHttp({ method: 'DELETE', url: real.resource!, timeoutMs: 10_000 })
      expectStatus(real, 'DELETE after DELETE', d, [404])
    },
    toString: () => 'PATCH + DELETE after DELETE',
  }
  return [fc.constant(post), candidates, endOfCandidates, fc.constant(stale), fc.constant(wrongType), restart, fc.constant(del), fc.constant(afterDelete)]
}

/**
 * After a command sequence: if the session is live and was not restarted, media must flow (WHEP with a
 * publisher: RTP arrives; otherwise ICE+DTLS connected). Throws with the steps when it does not.
 */
export async function checkMediaFlows(m: TrickleModel, real: TrickleReal): Promise<void> {
  if (m.state !== 'live' || m.restarted || !real.session) return
  const rtp = real.mode === 'whep' && real.publishUrl !== undefined
  try {
    await real.session.waitForMedia(rtp ? 10 : 0, 10_000)
  } catch (e) {
    throw new Error(`a valid path exists but media does not flow: ${(e as Error).message.split('\n')[0]}\nsteps:\n  ${real.log.join('\n  ')}`)
  }
}

/** Closes what a run opened. */
export async function closeTrickleReal(real: TrickleReal): Promise<void> {
  await real.session?.close()
  await real.publisher?.close()
  real.session = undefined
  real.publisher = undefined
}
