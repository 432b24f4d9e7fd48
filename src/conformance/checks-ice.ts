/**
 * Checks of the ICE rules of RFC 9725 §4.3 and draft-ietf-wish-whep-03 §4.4 that the first checks did not
 * cover: candidates in the answer, what a trickle PATCH is answered with, the strength of the entity-tag,
 * the ICE attributes of a restart answer, and whether trickle ICE and ICE restarts are offered at all.
 * Shared by both suites (keyed like `checks.ts`'s shared checks).
 */
import { safeParseSdpFrag } from '../ice/sdpfrag.ts'
import { candidates } from '../sdp/media.ts'
import type { HttpExchange } from '../http/http.ts'
import {
  acceptedSections,
  needSupport,
  bad,
  na,
  needCreated,
  needSession,
  ok,
  parsedAnswer,
  restartSupported,
  said,
  trickleSupported,
  warn,
  type Check,
} from './check-kit.ts'
import { FRAG, trickleFrag } from './context.ts'

/** The ICE attributes a restart answer must repeat from the SDP answer (RFC 9725 §4.3.3): values, deduplicated and sorted. */
export function iceAttributes(text: string): { options: string[]; pacing: string[]; lite: boolean } {
  const options = new Set<string>()
  for (const m of text.matchAll(/^a=ice-options:(.*)$/gm)) for (const t of (m[1] ?? '').trim().split(/\s+/).filter(Boolean)) options.add(t)
  const pacing = new Set<string>()
  for (const m of text.matchAll(/^a=ice-pacing:(.*)$/gm)) pacing.add((m[1] ?? '').trim())
  return { options: [...options].sort(), pacing: [...pacing].sort(), lite: /^a=ice-lite\s*$/m.test(text) }
}

function describeIce(a: ReturnType<typeof iceAttributes>): string {
  return `ice-options ${a.options.length ? a.options.join(' ') : '(none)'}, ice-pacing ${a.pacing.length ? a.pacing.join(' ') : '(none)'}, ice-lite ${a.lite ? 'yes' : 'no'}`
}

/** A strong entity-tag (RFC 9110 §8.8.3): `"opaque"` with no `W/` prefix. */
export function isStrongEtag(v: string): boolean {
  return /^"[\x21\x23-\x7e\x80-\xff]*"$/.test(v.trim())
}

/** A trickle sdpfrag with one UDP host candidate and one whose transport no ICE agent knows (a transport-extension token). */
function fragWithUnknownTransport(f: string): string {
  return f.replace(/^(a=candidate:.*)$/m, '$1\r\na=candidate:7 1 rtcspec-unknown 2130706431 127.0.0.1 9 typ host')
}

/** Checks keyed by the shared requirement key. */
export const ICE_CHECKS: Record<string, Check> = {
  async 'answer.candidates'(ctx) {
    const c = await ctx.baseline()
    const fail = needCreated(c)
    if (fail) return fail
    if (!parsedAnswer(c)) return bad('the answer is not SDP', [c.post])
    const first = acceptedSections(c)[0]
    if (!first) return bad('the answer accepts no m= section', [c.post])
    const n = candidates(first).length
    return n
      ? ok(`${n} candidate(s) in the answer's first accepted m= section`, [c.post])
      : bad('the answer carries no a=candidate: the server cannot signal candidates after the answer, so the client has none to check against', [c.post])
  },
  async 'patch.trickle-no-etag'(ctx) {
    const p = await ctx.restartProbe()
    const noSession = needSession(p.session)
    if (noSession) return noSession
    const x = p.trickle
    if (!x.response) return bad(`no response (${x.error})`, [x])
    if (!trickleSupported(p)) return na(`trickle not supported (PATCH answered ${x.response.status})`, [x])
    if (x.response.status < 200 || x.response.status >= 300) return na(`the trickle PATCH was not accepted (${said(x)}); patch.trickle judges that`, [x])
    const etag = x.response.headers.etag
    return etag === undefined
      ? ok(`${x.response.status} without an ETag`, [x])
      : bad(`the trickle PATCH's ${x.response.status} carries ETag ${etag}; only an ICE restart changes the entity-tag`, [x])
  },
  async 'patch.trickle-discard'(ctx) {
    const support = await needSupport(ctx, 'trickle')
    if ('outcome' in support) return support.outcome
    const c = await ctx.createSession()
    const fail = needSession(c)
    if (fail) return fail
    const x = await ctx.http('PATCH', c.sessionUrl ?? ctx.target.url, {
      headers: { 'Content-Type': FRAG },
      body: fragWithUnknownTransport(trickleFrag(c.offer)),
    })
    const st = x.response?.status
    if (st === 204) return ok('204: the candidate with an unknown transport was discarded, the UDP one processed', [x])
    if (st !== undefined && st >= 200 && st < 300) return ok(`${st}: the PATCH was processed (patch.trickle judges the status)`, [x])
    return bad(
      `a trickle PATCH holding one candidate with an unsupported transport was answered ${said(x)}; the candidate must be discarded silently and the rest processed`,
      [x],
    )
  },
  async 'etag.strong'(ctx) {
    const support = await needSupport(ctx, 'restart')
    if ('outcome' in support) return support.outcome
    const first = await ctx.baseline()
    const fail = needCreated(first)
    if (fail) return fail
    const second = await ctx.createSession()
    const fail2 = needCreated(second)
    if (fail2) return fail2
    const xs: HttpExchange[] = [first.post, second.post]
    const tags = xs.map((x) => x.response?.headers.etag)
    if (tags.some((t) => t === undefined)) return na('a 201 has no ETag (etag.issued judges that)', xs)
    const weak = tags.filter((t): t is string => t !== undefined && !isStrongEtag(t))
    if (weak.length) return bad(`not a strong entity-tag: ${weak.join(', ')} (a strong one is a quoted opaque tag without W/)`, xs)
    if (tags[0] === tags[1]) return bad(`two sessions got the same entity-tag ${tags[0]}; it must identify the ICE session`, xs)
    return ok(`strong and distinct: ${tags.join(', ')}`, xs)
  },
  async 'restart.ice-attributes'(ctx) {
    const p = await ctx.restartProbe()
    const noSession = needSession(p.session)
    if (noSession) return noSession
    const x = p.restart
    if (!x.response) return bad(`no response (${x.error})`, [x])
    if (!restartSupported(p)) return na(`ICE restarts not supported (answered ${x.response.status})`, [x])
    if (x.response.status !== 200 || !safeParseSdpFrag(x.response.body).ok)
      return na(`the restart was not answered with a 200 sdpfrag (${said(x)}); restart.answer judges that`, [x])
    const want = iceAttributes(p.session.post.response?.body ?? '')
    const got = iceAttributes(x.response.body)
    const same = want.lite === got.lite && want.options.join(' ') === got.options.join(' ') && want.pacing.join(' ') === got.pacing.join(' ')
    const xs = [p.session.post, x]
    return same
      ? ok(`same as the answer: ${describeIce(got)}`, xs)
      : bad(`the restart sdpfrag has ${describeIce(got)}; the SDP answer has ${describeIce(want)}`, xs)
  },
  async 'ice.recommended'(ctx) {
    const p = await ctx.restartProbe()
    const noSession = needSession(p.session)
    if (noSession) return noSession
    const xs = [p.trickle, p.restart]
    const missing: string[] = []
    if (!trickleSupported(p)) missing.push(`trickle ICE (PATCH answered ${said(p.trickle)})`)
    if (!restartSupported(p)) missing.push(`ICE restarts (PATCH answered ${said(p.restart)})`)
    if (missing.length === 2) return bad(`neither is supported: ${missing.join('; ')}`, xs)
    // Supporting one of the two is allowed (the constraints section calls each OPTIONAL) but short of the recommendation.
    if (missing.length === 1) return warn(`only one of the two is supported; not supported: ${missing[0]}`, xs)
    return ok('trickle ICE and ICE restart PATCHes are both accepted', xs)
  },
}
