/**
 * Checks of the SDP and OPTIONS rules of RFC 9725 (and draft-ietf-wish-whep-03 where it has them) that the
 * first checks did not cover: `a=rtcp-mux-only` in the answer (shared), and, for WHIP only, the answer to an
 * `a=setup:active` offer (§4.4.4), no STUN/TURN configuration in a CORS preflight (§4.6) and the answer to a
 * simulcast offer (§4.8).
 */
import { mediaLine, rids, rtcpMuxOnly, setupRole, simulcast } from '../sdp/media.ts'
import { parseLinks } from '../http/link.ts'
import { acceptedSections, bad, deleteIfCreated, last, na, needCreated, ok, parsedAnswer, said, warn, type Check } from './check-kit.ts'
import { SDP, syntheticOffer, type SyntheticOffer } from './context.ts'

/** The rids {@link simulcastOffer} offers. */
export const SIMULCAST_RIDS = ['h', 'l'] as const

/** An audio+video WHIP offer whose video section offers two simulcast RTP streams (RFC 8853 §5.3.1, RFC 8851). */
export function simulcastOffer(): SyntheticOffer {
  const o = syntheticOffer('whip', { video: true })
  const lines = [
    'a=extmap:10 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id',
    ...SIMULCAST_RIDS.map((r) => `a=rid:${r} send`),
    `a=simulcast:send ${SIMULCAST_RIDS.join(';')}`,
  ]
  return { ...o, sdp: o.sdp.replace('a=rtpmap:96 VP8/90000\r\n', `a=rtpmap:96 VP8/90000\r\n${lines.map((l) => `${l}\r\n`).join('')}`) }
}

/** Checks keyed by the requirement key shared by both suites. */
export const SDP_CHECKS: Record<string, Check> = {
  async 'answer.rtcp-mux-only-attr'(ctx) {
    const c = await ctx.baseline()
    const fail = needCreated(c)
    if (fail) return fail
    if (!parsedAnswer(c)) return bad('the answer is not SDP', [c.post])
    const secs = acceptedSections(c)
    const missing = secs.filter((m) => !rtcpMuxOnly(m)).map((m) => mediaLine(m).media)
    return missing.length
      ? bad(`no a=rtcp-mux-only in the answer's ${missing.join(', ')} section(s)`, [c.post])
      : ok(`a=rtcp-mux-only in all ${secs.length} accepted section(s)`, [c.post])
  },
}

/** WHIP-only checks. */
export const WHIP_SDP_CHECKS: Record<string, Check> = {
  async 'offer.setup-active'(ctx) {
    const offer = syntheticOffer('whip')
    const chain = await ctx.post(ctx.target.url, { headers: { 'Content-Type': SDP }, body: offer.sdp.replace(/a=setup:actpass/g, 'a=setup:active') })
    const x = last(chain)
    const st = x.response?.status
    try {
      if (!x.response || st === undefined) return bad(`no response (${x.error})`, chain)
      if (st === 422 || st === 400) return ok(`the a=setup:active offer was rejected with ${st}`, chain)
      if (st >= 200 && st < 300) {
        const p = parsedAnswer({ post: x, offer, sessionUrl: undefined, chain })
        if (!p) return bad('the answer to the a=setup:active offer is not SDP', chain)
        const roles = p.media.filter((m) => mediaLine(m).port !== 0).map((m) => setupRole(m, p))
        const wrong = roles.filter((r) => r !== 'passive')
        return wrong.length
          ? bad(
              `the a=setup:active offer was accepted, but the answer says a=setup:${wrong.map(String).join(', ')}: with both sides active DTLS can never start (reject such an offer with 422 or 400 instead)`,
              chain,
            )
          : ok('accepted; the answer takes the DTLS server role (a=setup:passive)', chain)
      }
      if (st >= 400 && st < 500) return warn(`the a=setup:active offer was rejected with ${st}; 422 or 400 is what the section names`, chain)
      return bad(`the a=setup:active offer was answered ${said(x)}`, chain)
    } finally {
      await deleteIfCreated(ctx, chain)
    }
  },
  async 'options.no-ice-servers'(ctx) {
    const x = await ctx.http('OPTIONS', ctx.target.url, {
      headers: { Origin: 'https://rtcspec.example', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type, authorization' },
      auth: false,
    })
    if (!x.response) return bad(`no response (${x.error})`, [x])
    const ice = parseLinks(x.response.links ?? []).filter((l) => (l.ok ? l.link.rels.includes('ice-server') : /rel\s*=\s*"?ice-server/i.test(l.raw)))
    if (ice.length)
      return bad(`the CORS preflight was answered with STUN/TURN configuration (${ice.length} Link rel="ice-server"); send it with the 201 instead`, [x])
    return ok(`preflight answered ${x.response.status} without STUN/TURN configuration`, [x])
  },
  async 'simulcast.answer'(ctx) {
    const c = await ctx.createSession(simulcastOffer())
    const st = c.post.response?.status
    if (!c.refusal && st !== undefined && st >= 400 && st < 500)
      return na(`the offer with simulcast video was refused as a whole (${said(c.post)}); simulcast support is optional`, [c.post])
    const fail = needCreated(c)
    if (fail) return fail
    const p = parsedAnswer(c)
    if (!p) return bad('the answer is not SDP', [c.post])
    const video = p.media.find((m) => mediaLine(m).media === 'video' && mediaLine(m).port !== 0)
    if (!video) return ok('the video section was not accepted, so simulcast is declined (whip.answer.no-partial judges the port 0)', [c.post])
    const sim = simulcast(video)
    if (!sim) return ok('simulcast declined: the answer has no a=simulcast (RFC 8853 §5.3.2)', [c.post])
    if (sim.send?.length)
      return bad(
        `the answer's a=simulcast has a send list (${sim.send
          .flat()
          .map((s) => s.rid)
          .join(';')}); answering a send offer it must be recv`,
        [c.post],
      )
    const answered = (sim.recv ?? []).flat().map((s) => s.rid)
    const unknown = answered.filter((r) => !(SIMULCAST_RIDS as readonly string[]).includes(r))
    if (unknown.length) return bad(`the answer's a=simulcast names rid(s) the offer did not: ${unknown.join(', ')}`, [c.post])
    const ridLines = rids(video)
    const noLine = answered.filter((r) => !ridLines.some((l) => l.id === r && l.direction === 'recv'))
    if (noLine.length) return bad(`no a=rid:<id> recv line for ${noLine.join(', ')}`, [c.post])
    return ok(answered.length ? `simulcast accepted: a=simulcast:recv ${answered.join(';')} with matching a=rid recv lines` : 'a=simulcast with no streams', [
      c.post,
    ])
  },
}
