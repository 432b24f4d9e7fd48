/**
 * One check per catalog requirement, run over real HTTP against a WHIP or WHEP endpoint URL. Checks use
 * synthetic offers (known ICE credentials, no candidates) so they are fast and deterministic; the media
 * checks use real werift peers. Every check returns a status and the exchanges that decided it; a server
 * that sends garbage, hangs or resets yields `fail` with that evidence (every request has a timeout).
 */
import { randomBytes } from 'node:crypto'
import { safeParseSdp } from '../sdp/parse.ts'
import { bundleGroups } from '../sdp/session.ts'
import { direction, mediaLine, mid, msids, rtcpMux, setupRole } from '../sdp/media.ts'
import { safeParseSdpFrag } from '../ice/sdpfrag.ts'
import { describeExchange, type HttpExchange } from '../http/http.ts'
import { checkIceServerLink, isExtensionRel, parseLinks } from '../http/link.ts'
import { fragIce, iceCredentials, sdpCandidates } from '../whip/sdp-text.ts'
import {
  acceptedSections,
  needSupport,
  bad,
  said,
  deleteIfCreated,
  expectStatus,
  last,
  na,
  needCreated,
  needSession,
  ok,
  parsedAnswer,
  restartSupported,
  trickleSupported,
  warn,
  withChain,
  type Check,
} from './check-kit.ts'
import { FRAG, restartFrag, safeResolve, SDP, syntheticOffer, trickleFrag, type CheckOutcome } from './context.ts'
import { ICE_CHECKS } from './checks-ice.ts'
import { SDP_CHECKS, WHIP_SDP_CHECKS } from './checks-sdp.ts'
import { mediaCheck } from './media-checks.ts'
import { videoFirstFrameCheck, videoMediaCheck } from './video-checks.ts'
import { probeConsent } from './stun-probe.ts'

export {
  CheckContext,
  restartFrag,
  syntheticOffer,
  trickleFrag,
  type CheckOutcome,
  type CheckStatus,
  type CheckTarget,
  type MediaPeerKind,
  type SyntheticOffer,
  type SyntheticSection,
} from './context.ts'
export type { Check } from './check-kit.ts'

/** Checks keyed by the requirement key shared by both suites (`answer.bundle`, ...). */
const SHARED_CHECKS: Record<string, Check> = {
  async 'endpoint.get-head'(ctx) {
    const g = await ctx.http('GET', ctx.target.url)
    const h = await ctx.http('HEAD', ctx.target.url)
    const xs = [g, h]
    // The session URL too, when a session can be had (a check that cannot create one says so elsewhere).
    const live = await ctx.createSession()
    if (live.sessionUrl) xs.push(await ctx.http('GET', live.sessionUrl))
    const what = (x: HttpExchange) => `${x.request.method} ${x.request.url === ctx.target.url ? 'endpoint' : 'session'}`
    const says = xs.map((x) => `${what(x)} → ${x.response?.status ?? x.error}`).join(', ')
    if (xs.some((x) => x.response?.status === 405)) return bad(`405 (superseded draft behaviour; the resources must answer 2xx with no content): ${says}`, xs)
    const not2xx = xs.filter((x) => !(x.response && x.response.status >= 200 && x.response.status < 300))
    if (not2xx.length) return bad(`expected 2xx with no content: ${says}`, xs)
    const withBody = xs.filter((x) => x.request.method === 'GET' && (x.response?.body ?? '').length > 0)
    if (withBody.length) return bad(`${withBody.map(what).join(', ')} answered with content; the resources have no representation (2xx with no content)`, xs)
    return ok(`2xx with no content: ${says}`, xs)
  },
  async 'options.preflight'(ctx) {
    const x = await ctx.http('OPTIONS', ctx.target.url, {
      headers: { Origin: 'https://rtcspec.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type, authorization' },
      auth: false,
    })
    const r = x.response
    if (!r) return bad(`no response (${x.error})`, [x])
    if (r.status < 200 || r.status >= 300) return bad(`OPTIONS answered ${r.status}`, [x])
    const methods = `${r.headers['access-control-allow-methods'] ?? ''},${r.headers.allow ?? ''}`
    if (!/\bPOST\b/i.test(methods)) return bad('OPTIONS 2xx but POST is not allowed in Access-Control-Allow-Methods/Allow', [x])
    return ok(`OPTIONS answered ${r.status} allowing POST`, [x])
  },
  async 'options.accept-post'(ctx) {
    const x = await ctx.http('OPTIONS', ctx.target.url, { auth: false })
    const v = x.response?.headers['accept-post']
    if (!x.response) return bad(`no response (${x.error})`, [x])
    if (v && /application\/sdp/i.test(v)) return ok(`Accept-Post: ${v}`, [x])
    return bad(`no Accept-Post listing application/sdp (got ${v === undefined ? 'none' : JSON.stringify(v)})`, [x])
  },
  async 'cors.expose-headers'(ctx) {
    const c = await ctx.createSession(undefined, { Origin: 'https://rtcspec.example' })
    const fail = needCreated(c)
    if (fail) return fail
    const h = c.post.response?.headers ?? {}
    if (h['access-control-allow-origin'] === undefined) return na('the server sends no CORS headers (not meant for browsers)', [c.post])
    const exposed = (h['access-control-expose-headers'] ?? '').toLowerCase()
    const missing = ['location', 'link', 'etag'].filter((n) => !exposed.includes(n) && exposed.trim() !== '*')
    if (missing.length) return bad(`Access-Control-Expose-Headers lacks ${missing.join(', ')}`, [c.post])
    return ok('origin allowed; Location, Link and ETag exposed', [c.post])
  },
  async 'post.content-type'(ctx) {
    const offer = syntheticOffer(ctx.target.suite)
    const chain = await ctx.post(ctx.target.url, { headers: { 'Content-Type': 'text/plain' }, body: offer.sdp })
    await deleteIfCreated(ctx, chain)
    return withChain(expectStatus(last(chain), 415, 'POST labelled text/plain'), chain)
  },
  async 'post.malformed-sdp'(ctx) {
    const probes = [
      { what: 'a body that is not SDP', body: 'this is not SDP\r\n{"sdp": null}\r\n' },
      { what: 'an SDP offer without ICE credentials or fingerprint', body: withoutIce(syntheticOffer(ctx.target.suite).sdp) },
    ]
    const verdicts: CheckOutcome[] = []
    for (const p of probes) {
      const chain = await ctx.post(ctx.target.url, { headers: { 'Content-Type': SDP }, body: p.body })
      await deleteIfCreated(ctx, chain)
      verdicts.push(withChain(expectStatus(last(chain), 400, `POST of ${p.what}`), chain))
    }
    const worst = verdicts.find((v) => v.status === 'fail') ?? verdicts.find((v) => v.status === 'warn') ?? (verdicts[0] as CheckOutcome)
    return { ...worst, reason: verdicts.map((v) => v.reason).join('; '), exchanges: verdicts.flatMap((v) => v.exchanges) }
  },
  async 'post.201'(ctx) {
    const c = await ctx.baseline()
    if (c.refusal) return needCreated(c) as CheckOutcome
    if (!c.post.response) return bad(`no response (${c.post.error})`, [c.post])
    return c.post.response.status === 201 ? ok('201 Created', [c.post]) : bad(`answered ${c.post.response.status}, not 201`, [c.post])
  },
  async 'post.location'(ctx) {
    const c = await ctx.baseline()
    const fail = needCreated(c)
    if (fail) return fail
    const loc = c.post.response?.headers.location
    if (!loc) return bad('no Location header', [c.post])
    return safeResolve(loc, ctx.target.url) ? ok(`Location: ${loc}`, [c.post]) : bad(`Location ${JSON.stringify(loc)} is not a URL reference`, [c.post])
  },
  async 'post.answer-sdp'(ctx) {
    const c = await ctx.baseline()
    const fail = needCreated(c)
    if (fail) return fail
    const ct = (c.post.response?.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase()
    if (ct !== SDP) return bad(`Content-Type is ${JSON.stringify(ct ?? '')}, not application/sdp`, [c.post])
    const p = safeParseSdp(c.post.response?.body ?? '')
    if (!p.ok) return bad(`the body is not SDP: ${p.error.message}`, [c.post])
    if (p.value.media.length !== c.offer.mids.length)
      return bad(`the answer has ${p.value.media.length} media descriptions for ${c.offer.mids.length} offered`, [c.post])
    return ok('application/sdp answer with one media description per offered one', [c.post])
  },
  async 'answer.direction'(ctx) {
    const c = await ctx.baseline()
    const fail = needCreated(c)
    if (fail) return fail
    const d = parsedAnswer(c)
    if (!d) return bad('the answer is not SDP', [c.post])
    const want = ctx.target.suite === 'whip' ? 'recvonly' : 'sendonly'
    const wrong = acceptedSections(c)
      .map((m) => direction(m, d))
      .filter((x) => x !== want)
    return wrong.length ? bad(`answer direction ${wrong.join(', ')}; expected ${want}`, [c.post]) : ok(`every section is ${want}`, [c.post])
  },
  async 'answer.bundle'(ctx) {
    // Audio and video, so there is something to bundle; a server that takes no video is judged on its audio answer.
    let c = await ctx.createSession(syntheticOffer(ctx.target.suite, { video: true }))
    const refusedAv = !c.refusal && !(c.post.response && c.post.response.status >= 200 && c.post.response.status < 300)
    if (refusedAv) c = await ctx.baseline()
    const fail = needCreated(c)
    if (fail) return fail
    const d = parsedAnswer(c)
    if (!d) return bad('the answer is not SDP', [c.post])
    const groups = bundleGroups(d)
    const accepted = acceptedSections(c).map((m) => mid(m) ?? '')
    const covered = groups.some((g) => accepted.every((m) => g.includes(m)))
    return covered
      ? ok(`a=group:BUNDLE ${groups[0]?.join(' ')}`, [c.post])
      : bad(`no BUNDLE group covers every accepted mid (${accepted.join(', ')})`, [c.post])
  },
  async 'answer.rtcp-mux'(ctx) {
    const c = await ctx.baseline()
    const fail = needCreated(c)
    if (fail) return fail
    const missing = acceptedSections(c).filter((m) => !rtcpMux(m))
    return missing.length ? bad(`${missing.length} section(s) without a=rtcp-mux`, [c.post]) : ok('a=rtcp-mux in every section', [c.post])
  },
  async 'answer.rtcp-mux-only'(ctx) {
    const c = await ctx.createSession(syntheticOffer(ctx.target.suite, { rtcpMuxOnly: true }))
    const fail = needCreated(c)
    // This requirement is about exactly this POST: a refusal of the offer (not of a second session) is its failure.
    if (fail?.status === 'blocked' && !c.refusal && c.post.response) return bad(`an offer with a=rtcp-mux-only was refused: ${said(c.post)}`, c.chain)
    if (fail) return fail
    return ok(`rtcp-mux-only offer accepted (${c.post.response?.status}); a=rtcp-mux in the answer is checked by answer.rtcp-mux`, [c.post])
  },
  async 'answer.setup'(ctx) {
    const c = await ctx.baseline()
    const fail = needCreated(c)
    if (fail) return fail
    const d = parsedAnswer(c)
    if (!d) return bad('the answer is not SDP', [c.post])
    const roles = acceptedSections(c).map((m) => setupRole(m, d))
    const wrong = roles.filter((r) => r !== 'active' && r !== 'passive')
    return wrong.length ? bad(`a=setup ${wrong.map(String).join(', ')} in the answer`, [c.post]) : ok(`a=setup:${roles.join(', ')}`, [c.post])
  },
  async 'patch.trickle'(ctx) {
    const p = await ctx.restartProbe()
    const noSession = needSession(p.session)
    if (noSession) return noSession
    const x = p.trickle
    if (!x.response) return bad(`no response (${x.error})`, [x])
    if (!trickleSupported(p)) return na(`trickle not supported (PATCH answered ${x.response.status})`, [x])
    if (x.response.status !== 204) return bad(`trickle PATCH answered ${x.response.status}, expected 204`, [x])
    if (x.response.body.length) return bad('204 with a body', [x])
    return ok('204 No Content, empty body', [x])
  },
  async 'patch.unsupported'(ctx) {
    const p = await ctx.restartProbe()
    const noSession = needSession(p.session)
    if (noSession) return noSession
    const xs = [p.trickle, p.restart]
    const t = trickleSupported(p)
    const r = restartSupported(p)
    if (!p.trickle.response || !p.restart.response) return bad('a PATCH got no response', xs)
    if (t && r) return na('both trickle ICE and ICE restarts are supported', xs)
    if (!t && !r) return na(`neither is supported (answered ${p.trickle.response.status}/${p.restart.response.status})`, xs)
    const refused = t ? p.restart : p.trickle
    return refused.response?.status === 422
      ? ok(`the unsupported ${t ? 'restart' : 'trickle'} PATCH was refused with 422`, xs)
      : bad(
          `the unsupported ${t ? 'restart' : 'trickle'} PATCH was refused with ${refused.response?.status}, not 422 (405/501 are superseded draft behaviour)`,
          xs,
        )
  },
  async 'patch.sdpfrag-invalid'(ctx) {
    const c = await ctx.createSession()
    const fail = needSession(c)
    if (fail) return fail
    const x = await ctx.http('PATCH', c.sessionUrl ?? ctx.target.url, {
      headers: { 'Content-Type': FRAG },
      body: 'a=candidate:this is not a candidate\r\nnonsense\r\n',
    })
    return expectStatus(x, 400, 'PATCH with a malformed sdpfrag')
  },
  async 'patch.content-type'(ctx) {
    const c = await ctx.createSession()
    const fail = needSession(c)
    if (fail) return fail
    const x = await ctx.http('PATCH', c.sessionUrl ?? ctx.target.url, { headers: { 'Content-Type': 'text/plain' }, body: trickleFrag(c.offer) })
    return expectStatus(x, 415, 'PATCH labelled text/plain')
  },
  async 'etag.issued'(ctx) {
    const support = await needSupport(ctx, 'restart')
    if ('outcome' in support) return support.outcome
    const p = support.probe
    const c = await ctx.baseline()
    const fail = needCreated(c)
    if (fail) return fail
    const etag = c.post.response?.headers.etag
    return etag ? ok(`ETag: ${etag}`, [c.post]) : bad('the 201 has no ETag although restarts are supported', [c.post, p.restart])
  },
  async 'etag.if-match-required'(ctx) {
    const support = await needSupport(ctx, 'restart')
    if ('outcome' in support) return support.outcome
    const c = await ctx.createSession()
    const fail = needSession(c)
    if (fail) return fail
    const x = await ctx.http('PATCH', c.sessionUrl ?? ctx.target.url, { headers: { 'Content-Type': FRAG }, body: restartFrag(c.offer) })
    return x.response?.status === 428
      ? ok('428 without If-Match', [x])
      : bad(`restart PATCH without If-Match answered ${x.response?.status ?? x.error}, expected 428`, [x])
  },
  async 'etag.stale'(ctx) {
    const support = await needSupport(ctx, 'trickle')
    if ('outcome' in support) return support.outcome
    const c = await ctx.createSession()
    const fail = needSession(c)
    if (fail) return fail
    const x = await ctx.http('PATCH', c.sessionUrl ?? ctx.target.url, {
      headers: { 'Content-Type': FRAG, 'If-Match': '"rtcspec-stale"' },
      body: trickleFrag(c.offer),
    })
    return x.response?.status === 412
      ? ok('412 for a stale entity tag', [x])
      : bad(`PATCH with a stale If-Match answered ${x.response?.status ?? x.error}, expected 412`, [x])
  },
  async 'restart.answer'(ctx) {
    const p = await ctx.restartProbe()
    const noSession = needSession(p.session)
    if (noSession) return noSession
    const x = p.restart
    if (!x.response) return bad(`no response (${x.error})`, [x])
    if (!restartSupported(p)) return na(`ICE restarts not supported (answered ${x.response.status})`, [x])
    if (x.response.status !== 200) return bad(`restart PATCH answered ${x.response.status}, expected 200 with an sdpfrag`, [x])
    const ct = (x.response.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase()
    if (ct !== FRAG) return bad(`Content-Type ${JSON.stringify(ct)}, expected ${FRAG}`, [x])
    const frag = safeParseSdpFrag(x.response.body)
    if (!frag.ok) return bad(`the body is not a valid sdpfrag: ${frag.error.message}`, [x])
    const ice = fragIce(frag.value)
    const before = iceCredentials(p.session.post.response?.body ?? '').ufrag
    if (!ice.ufrag || !ice.pwd) return bad('the sdpfrag has no ice-ufrag/ice-pwd', [x])
    if (ice.ufrag === before) return bad(`the server kept its ufrag ${before}: no restart happened`, [p.session.post, x])
    return ok(`200 with new server credentials (ufrag ${before} → ${ice.ufrag})`, [x])
  },
  async 'restart.new-etag'(ctx) {
    const p = await ctx.restartProbe()
    const noSession = needSession(p.session)
    if (noSession) return noSession
    if (!restartSupported(p)) return na('ICE restarts not supported', [p.restart])
    const before = p.session.post.response?.headers.etag
    const after = p.restart.response?.headers.etag
    if (!after) return bad('the restart response has no ETag', [p.restart])
    if (after === before) return bad(`the ETag did not change (${after})`, [p.session.post, p.restart])
    return ok(`ETag ${before ?? '(none)'} → ${after}`, [p.session.post, p.restart])
  },
  async 'restart.failure-keeps-session'(ctx) {
    const support = await needSupport(ctx, 'restart')
    if ('outcome' in support) return support.outcome
    const c = await ctx.createSession()
    const fail = needSession(c)
    if (fail) return fail
    const url = c.sessionUrl ?? ctx.target.url
    const x = await ctx.http('PATCH', url, { headers: { 'Content-Type': FRAG, 'If-Match': '*' }, body: restartFrag(c.offer, 'rtcspec-no-such-mid') })
    const st = x.response?.status
    if (st === undefined) return bad(`no response (${x.error})`, [x])
    if (st < 400) return na(`the server accepted a restart naming an unknown mid (${st}); the failure path could not be triggered`, [x])
    if (st >= 500) return bad(`the failed restart was answered ${st}`, [x])
    const after = await ctx.http('PATCH', url, { headers: { 'Content-Type': FRAG }, body: trickleFrag(c.offer) })
    if (after.response?.status === 404) return bad('the session is gone after a failed restart', [x, after])
    return ok(`restart refused with ${st}; the session still answers (${after.response?.status})`, [x, after])
  },
  async 'delete.ends-session'(ctx) {
    const c = await ctx.createSession()
    const fail = needSession(c)
    if (fail) return fail
    const url = c.sessionUrl ?? ctx.target.url
    const d = await ctx.http('DELETE', url)
    ctx.forget(c.sessionUrl)
    const st = d.response?.status
    if (st === undefined || st < 200 || st >= 300) return bad(`DELETE answered ${st ?? d.error}`, [d])
    const after = await ctx.http('PATCH', url, { headers: { 'Content-Type': FRAG }, body: trickleFrag(c.offer) })
    if (after.response?.status !== 404) return bad(`after DELETE, a PATCH on the session got ${after.response?.status ?? after.error}, not 404`, [d, after])
    return ok(`DELETE ${st}; the session URL is gone (404)`, [d, after])
  },
  async 'delete.ignores-etag'(ctx) {
    const c = await ctx.createSession()
    const fail = needSession(c)
    if (fail) return fail
    const d = await ctx.http('DELETE', c.sessionUrl ?? ctx.target.url, { headers: { 'If-Match': '"rtcspec-stale"' } })
    const st = d.response?.status
    if (st !== undefined && st >= 200 && st < 300) {
      ctx.forget(c.sessionUrl)
      return ok(`DELETE with a stale If-Match answered ${st}`, [d])
    }
    return bad(`DELETE with a stale If-Match answered ${st ?? d.error}`, [d])
  },
  async 'delete.unknown-idempotent'(ctx) {
    const c = await ctx.createSession()
    const fail = needSession(c)
    if (fail) return fail
    const url = c.sessionUrl ?? ctx.target.url
    const d1 = await ctx.http('DELETE', url)
    ctx.forget(c.sessionUrl)
    const d2 = await ctx.http('DELETE', url)
    const st = d2.response?.status
    if (st === undefined) return bad(`second DELETE: no response (${d2.error})`, [d1, d2])
    return (st >= 200 && st < 300) || st === 404 ? ok(`second DELETE answered ${st}`, [d1, d2]) : bad(`second DELETE answered ${st}`, [d1, d2])
  },
  async 'delete.consent'(ctx) {
    const c = await ctx.createSession()
    const fail = needSession(c)
    if (fail) return fail
    const answer = c.post.response?.body ?? ''
    const cand = sdpCandidates(answer)
      .map((x) => /^candidate:\S+ \d+ udp \d+ (\S+) (\d+) typ host/i.exec(x.line))
      .find((m) => m && (m[1]?.startsWith('127.') || m[1] === '::1'))
    const { ufrag, pwd } = iceCredentials(answer)
    if (!cand || !ufrag || !pwd) return na('the answer has no loopback UDP host candidate to probe (ICE consent can only be probed on loopback)', [c.post])
    const target = { address: cand[1] ?? '127.0.0.1', port: Number(cand[2]), remoteUfrag: ufrag, remotePwd: pwd, localUfrag: c.offer.ufrag }
    const before = await probeConsent(target, { attempts: 12, intervalMs: 250 })
    if (!before.answered) return na(`the server did not answer ICE checks even before DELETE (${before.outcome})`, [c.post])
    const d = await ctx.http('DELETE', c.sessionUrl ?? ctx.target.url)
    ctx.forget(c.sessionUrl)
    const after = await probeConsent(target, { attempts: 6, intervalMs: 250 })
    const measured = { probedPort: target.port, answeredBefore: before.answered, answeredAfter: after.answered }
    if (after.answered) return { ...bad(`the server still answers ICE consent checks after DELETE (${after.outcome})`, [c.post, d]), measured }
    return { ...ok(`answered before DELETE, ${after.attempts} checks unanswered after`, [c.post, d]), measured }
  },
  async 'link.ice-server'(ctx) {
    const c = await ctx.baseline()
    const fail = needCreated(c)
    if (fail) return fail
    const links = parseLinks(c.post.response?.links ?? [])
    const ice = links.filter((l) => (l.ok ? l.link.rels.includes('ice-server') : /rel\s*=\s*"?ice-server/i.test(l.raw)))
    if (!ice.length) return na('no Link rel="ice-server" headers', [c.post])
    const problems = ice.flatMap((l) => (l.ok ? checkIceServerLink(l.link).problems.map((p) => `${l.link.raw}: ${p}`) : [`${l.raw}: ${l.error}`]))
    return problems.length ? bad(problems.join('; '), [c.post]) : ok(`${ice.length} valid ice-server link(s)`, [c.post])
  },
  async 'link.extensions'(ctx) {
    const c = await ctx.baseline()
    const fail = needCreated(c)
    if (fail) return fail
    const registered = new Set(['ice-server', 'alternate', 'service', 'describedby', 'help', 'related', 'self', 'terms-of-service'])
    const others = parseLinks(c.post.response?.links ?? []).flatMap((l) =>
      l.ok ? l.link.rels.filter((r) => r !== 'ice-server').map((r) => ({ r, raw: l.link.raw })) : [],
    )
    if (!others.length) return na('no extension Link headers', [c.post])
    const bads = others.filter(({ r }) => !registered.has(r) && !isExtensionRel(r) && !/^[a-z][a-z0-9+.-]*:/i.test(r))
    const badUrn = others.filter(({ r }) => /^urn:ietf:params:(whip|whep):/i.test(r) && !isExtensionRel(r))
    const all = [...bads, ...badUrn]
    return all.length
      ? bad(`unregistered relation type(s): ${all.map((b) => b.r).join(', ')} (use urn:ietf:params:${ctx.target.suite}:ext:…)`, [c.post])
      : ok(`${others.length} extension link(s) with URN/registered rels`, [c.post])
  },
  async 'auth.bearer'(ctx) {
    if (ctx.target.token === undefined) return na('no token configured (--token)')
    const offer = syntheticOffer(ctx.target.suite)
    const noneChain = await ctx.post(ctx.target.url, { headers: { 'Content-Type': SDP }, body: offer.sdp, auth: false })
    const wrongChain = await ctx.post(ctx.target.url, { headers: { 'Content-Type': SDP }, body: offer.sdp, auth: `${ctx.target.token}-wrong` })
    await deleteIfCreated(ctx, noneChain)
    await deleteIfCreated(ctx, wrongChain)
    const none = last(noneChain)
    const wrong = last(wrongChain)
    const xs = [...noneChain, ...wrongChain]
    const sts = [none.response?.status, wrong.response?.status]
    const says = `without token: ${said(none)}; wrong token: ${said(wrong)}`
    if (sts.every((s) => s === 401)) return ok('401 without a token and with a wrong one', xs)
    // Refusing is what matters; 401 (RFC 9110 §15.5.2, RFC 6750 §3.1) is the code that tells the client to authenticate.
    if (sts.every((s) => s !== undefined && s >= 400 && s < 500)) return warn(`refused, but not with 401: ${says}`, xs)
    return bad(`${says}; expected 401`, xs)
  },
  async 'redirect.307'(ctx) {
    const c = await ctx.createSession()
    const chain = c.chain
    const first = chain[0] as HttpExchange
    const st = first.response?.status
    if (st === undefined) return bad(`no response (${first.error})`, chain)
    if (st < 300 || st >= 400) return na(`the endpoint does not redirect (${st})`, chain)
    if (st !== 307 && st !== 308) return bad(`redirected with ${st}; a POST must be redirected with 307`, chain)
    const last = chain[chain.length - 1] as HttpExchange
    const fin = last.response?.status
    return fin !== undefined && fin >= 200 && fin < 300
      ? ok(`${st} → ${describeExchange(last)}`, chain)
      : bad(`the redirect did not lead to a session (${describeExchange(last)})`, chain)
  },
  media: mediaCheck,
  ...ICE_CHECKS,
  ...SDP_CHECKS,
}

/** WHIP-only checks. */
const WHIP_CHECKS: Record<string, Check> = {
  'video.media': videoMediaCheck,
  async 'answer.no-partial'(ctx) {
    const c = await ctx.createSession(syntheticOffer(ctx.target.suite, { video: true }))
    const st = c.post.response?.status
    if (st === 422 || st === 400) return ok(`audio+video offer rejected as a whole (${st})`, [c.post])
    if (st !== undefined && st >= 400 && st < 500 && !c.refusal)
      return warn(`audio+video offer rejected as a whole with ${st}; 422 or 400 is what RFC 9725 §4.4.3 names`, [c.post])
    const fail = needCreated(c)
    if (fail) return fail
    const d = parsedAnswer(c)
    if (!d) return bad('the answer is not SDP', [c.post])
    const rejected = d.media.filter((m) => mediaLine(m).port === 0).map((m) => mediaLine(m).media)
    return rejected.length
      ? bad(`partially successful answer: ${rejected.join(', ')} rejected with port 0`, [c.post])
      : ok('audio and video both accepted', [c.post])
  },
  ...WHIP_SDP_CHECKS,
  async 'offer.single-msid'(ctx) {
    const probes = [
      {
        what: 'two MediaStreams (audio in one, video in another)',
        offer: syntheticOffer('whip', {
          sections: [
            { kind: 'audio', stream: 'rtcspec-a' },
            { kind: 'video', stream: 'rtcspec-b' },
          ],
        }),
      },
      { what: 'two audio tracks in one MediaStream', offer: syntheticOffer('whip', { sections: [{ kind: 'audio' }, { kind: 'audio' }] }) },
    ]
    const xs: HttpExchange[] = []
    const verdicts: Array<{ what: string; status: number | undefined; error: string | undefined }> = []
    for (const p of probes) {
      const chain = await ctx.post(ctx.target.url, { headers: { 'Content-Type': SDP }, body: p.offer.sdp })
      await deleteIfCreated(ctx, chain)
      xs.push(...chain)
      const x = last(chain)
      verdicts.push({ what: p.what, status: x.response?.status, error: x.error })
    }
    const says = (v: (typeof verdicts)[number]) => `${v.what}: ${v.status ?? `no response (${v.error})`}`
    const accepted = verdicts.filter((v) => v.status !== undefined && v.status >= 200 && v.status < 300)
    if (accepted.length) return bad(`accepted an offer it must refuse with 422 or 400 — ${accepted.map(says).join('; ')}`, xs)
    // RFC 9725 §4.4.2 names the codes: 422 Unprocessable Content or 400 Bad Request (superseded drafts said 406).
    const wrong = verdicts.filter((v) => v.status !== 422 && v.status !== 400)
    if (wrong.length) return bad(`expected 422 Unprocessable Content or 400 Bad Request — ${wrong.map(says).join('; ')}`, xs)
    return ok(`both refused (${verdicts.map(says).join('; ')})`, xs)
  },
}

/** WHEP-only checks. */
const WHEP_CHECKS: Record<string, Check> = {
  'video.media': videoMediaCheck,
  'video.first-frame': videoFirstFrameCheck,
  async 'answer.single-msid'(ctx) {
    const c = await ctx.createSession(syntheticOffer('whep', { video: true }))
    const fail = needCreated(c)
    if (fail) return fail
    const secs = acceptedSections(c)
    const ids = new Set(secs.flatMap((m) => msids(m).map((x) => x.streamId)))
    const perKind = new Map<string, number>()
    for (const m of secs) if (msids(m).length) perKind.set(mediaLine(m).media, (perKind.get(mediaLine(m).media) ?? 0) + 1)
    if (ids.size > 1) return bad(`the answer uses ${ids.size} MediaStreams: ${[...ids].join(', ')}`, [c.post])
    const many = [...perKind].filter(([, n]) => n > 1)
    if (many.length) return bad(`more than one ${many.map(([k]) => k).join('/')} track`, [c.post])
    return ids.size === 1 ? ok(`one MediaStream (${[...ids][0]})`, [c.post]) : warn('the answer has no a=msid lines', [c.post])
  },
  async 'stream.unknown-404'(ctx) {
    const u = new URL(ctx.target.url)
    const parts = u.pathname.split('/')
    parts[parts.length - 1] = `rtcspec-no-such-stream-${randomBytes(4).toString('hex')}`
    u.pathname = parts.join('/')
    const offer = syntheticOffer('whep')
    const chain = await ctx.post(u.toString(), { headers: { 'Content-Type': SDP }, body: offer.sdp })
    await deleteIfCreated(ctx, chain)
    const x = last(chain)
    return x.response?.status === 404
      ? ok('404 for an unknown stream', chain)
      : bad(`unknown stream answered ${x.response?.status ?? x.error}, expected 404`, chain)
  },
}

/** The check of a requirement id, or undefined when there is none (a defect the tests catch). */
export function checkFor(id: string): Check | undefined {
  const [suite, ...rest] = id.split('.')
  const key = rest.join('.')
  if (suite === 'whep' && key in WHEP_CHECKS) return WHEP_CHECKS[key]
  if (suite === 'whip' && key in WHIP_CHECKS) return WHIP_CHECKS[key]
  if (suite === 'whip' || suite === 'whep') return SHARED_CHECKS[key]
  return undefined
}

/** The offer without its ICE credentials and fingerprint: valid SDP syntax, unusable for WebRTC (RFC 8839, RFC 8122). */
function withoutIce(sdp: string): string {
  return sdp
    .split('\r\n')
    .filter((l) => !/^a=(ice-ufrag|ice-pwd|fingerprint):/.test(l))
    .join('\r\n')
}
