/**
 * The WHIP/WHEP requirement catalog: one entry per requirement, with the document and version it comes
 * from, the section, the level (MUST/SHOULD/MAY) and the requirement in words. Each entry has exactly one
 * check (`checks.ts` and the modules it gathers) and one fault in the reference server
 * (`src/whip/faults.ts`, same id) that breaks it.
 *
 * The suites follow **RFC 9725** (WHIP, March 2025) and **draft-ietf-wish-whep-03** (WHEP, 18 August 2025).
 * Both full texts are in the repository (`fixtures/rfc/rfc9725.txt`, `fixtures/rfc/draft-ietf-wish-whep-03.txt`,
 * the IETF plain-text renderings), and every entry's section, level and summary were checked against them
 * (`verified: true`). The traceability maps (`trace/whip.ts`, `trace/whep.ts`) go the other way: every
 * sentence of those texts with a BCP 14 keyword names the requirements that check it, or why none does.
 *
 * Where a level does not come from the sentence that names the behaviour, the entry says so: the 428/412
 * answers are stated in RFC 9725 §4.3.1 / WHEP §4.4.1 as what a missing or outdated entity-tag "will be
 * answered" with, made binding by §4.3.2 / §4.4.2 (sessions that support trickle ICE MUST use entity-tags
 * and conditional requests as §4.3.1 / §4.4.1 explain); that a DELETE removes the session is stated as what
 * "will" happen (§4.2 / §4.3), the DELETE itself being the client's MUST.
 *
 * The texts are rtcspec's summaries of the requirement, not quotations; the section is where to read the
 * normative wording. `source` marks entries that rest on no WHIP/WHEP sentence: `http` (the HTTP semantics
 * or CORS rules the documents build on: RFC 9110, Fetch), `server-contract` (what rtcspec expects of an
 * endpoint beyond the text: a 404 for a stream that does not exist) or `rtcspec` (the media check, which
 * exercises the whole setup end to end). Their section is the one whose subject they extend. `reference`
 * names the other document that holds the detail checked.
 */

/** Conformance levels (RFC 2119). */
export type Level = 'MUST' | 'SHOULD' | 'MAY'

/** The documents (and revisions) the suites follow, and what text their sections were checked against. */
export const DOCUMENTS = {
  whip: {
    name: 'RFC 9725',
    title: 'WebRTC-HTTP Ingestion Protocol (WHIP)',
    version: 'RFC 9725 (March 2025)',
    checkedAgainst:
      'the full text of RFC 9725 (fixtures/rfc/rfc9725.txt): every section, level and summary, and every normative sentence traced (src/conformance/trace/whip.ts).',
  },
  whep: {
    name: 'draft-ietf-wish-whep-03',
    title: 'WebRTC-HTTP Egress Protocol (WHEP)',
    version: 'draft-ietf-wish-whep-03 (18 August 2025)',
    checkedAgainst:
      'the full text of draft-ietf-wish-whep-03 (fixtures/rfc/draft-ietf-wish-whep-03.txt): every section, level and summary, and every normative sentence traced (src/conformance/trace/whep.ts).',
  },
} as const

/** Which suite. */
export type Suite = keyof typeof DOCUMENTS

/** One requirement. */
export interface Requirement {
  /** Stable id, `<suite>.<area>.<name>`; also the reference server's fault id. */
  id: string
  suite: Suite
  /** Document and version, e.g. `RFC 9725` or `draft-ietf-wish-whep-03`. */
  document: string
  section: string
  level: Level
  /** What is required, in words. */
  text: string
  /** What the check does. */
  check: string
  /** Whether the section number, level and summary were checked against the full text of `document` (see the header). */
  verified: boolean
  /** Needs real media (a peer connection); skipped when the suite runs with `media: false`. */
  media?: boolean
  /** Where the requirement comes from when it is not a WHIP/WHEP sentence. */
  source?: 'http' | 'server-contract' | 'rtcspec'
  /** Another document holding the detail the check tests (e.g. `RFC 6585 §3`). */
  reference?: string
}

/** Where a shared requirement sits in each document. */
interface Place {
  section: string
  /** Checked against the full text of the document. */
  verified: boolean
}

interface Shared {
  key: string
  whip: Place
  whep: Place
  level: Level
  text: (s: { endpoint: string; session: string; direction: string; name: string }) => string
  check: string
  media?: boolean
  source?: Requirement['source']
  reference?: string
}

const w = (section: string): Place => ({ section, verified: true })
const e = (section: string): Place => ({ section, verified: true })

const SHARED: Shared[] = [
  {
    key: 'endpoint.get-head',
    whip: w('4.1'),
    whep: e('4.1'),
    level: 'MUST',
    reference: 'RFC 9110 §9.3.1, §9.3.2',
    text: (s) =>
      `The ${s.endpoint} and ${s.session} URLs answer GET (and HEAD, which mirrors GET) with a 2xx and no content: the resources have no representation. Superseded drafts required 405.`,
    check: 'GET and HEAD the endpoint, GET a session URL; pass on 2xx with an empty body, fail on 405 or any other status (or a GET body).',
  },
  {
    key: 'options.preflight',
    whip: w('4.2'),
    whep: e('4.3'),
    level: 'MUST',
    reference: 'Fetch (CORS)',
    text: (s) => `The ${s.endpoint} supports OPTIONS requests for CORS: a preflight is answered with 2xx and allows POST.`,
    check: 'OPTIONS with Origin and Access-Control-Request-Method: POST; expect 2xx and POST in Access-Control-Allow-Methods (or Allow).',
  },
  {
    key: 'options.accept-post',
    whip: w('4.2'),
    whep: e('4.3'),
    level: 'SHOULD',
    text: () => 'The 200 response to an OPTIONS request carries `Accept-Post: application/sdp`.',
    check: 'OPTIONS the endpoint; expect Accept-Post to list application/sdp.',
  },
  {
    key: 'cors.expose-headers',
    whip: w('4.2'),
    whep: e('4.3'),
    level: 'SHOULD',
    source: 'http',
    reference: 'Fetch (CORS)',
    text: () =>
      'Cross-origin responses to the POST allow the origin and expose Location, Link and ETag, so browser clients can read them. No WHIP/WHEP sentence names these headers: this follows from the CORS support the section requires (MUST) and the Fetch rules for reading response headers.',
    check:
      'POST an offer with an Origin header; expect Access-Control-Allow-Origin and Access-Control-Expose-Headers listing Location, Link and ETag (n/a when the server sends no CORS headers at all).',
  },
  {
    key: 'post.content-type',
    whip: w('4.2'),
    whep: e('4.2.4'),
    level: 'MUST',
    reference: 'RFC 9110 §15.5.16',
    text: () => 'A POST whose content type is not `application/sdp` is rejected with a 4xx; 415 Unsupported Media Type is the precise code.',
    check: 'POST a valid offer labelled text/plain; pass on 415, warn on another 4xx, fail on 2xx/5xx.',
  },
  {
    key: 'post.malformed-sdp',
    whip: w('4.2'),
    whep: e('4.2.4'),
    level: 'MUST',
    text: () => 'A malformed SDP offer is rejected with a 4xx (400 Bad Request), never a 2xx or a 5xx.',
    check: 'POST a non-SDP body as application/sdp; pass on 400, warn on another 4xx, fail otherwise.',
  },
  {
    key: 'post.201',
    whip: w('4.2'),
    whep: e('4.2.1'),
    level: 'MUST',
    text: (s) => `A successful POST creates the ${s.session} and is answered with 201 Created.`,
    check: 'POST a valid offer; expect 201.',
  },
  {
    key: 'post.location',
    whip: w('4.2'),
    whep: e('4.2.1'),
    level: 'MUST',
    text: (s) => `The 201 carries a Location header with the URL of the ${s.session}.`,
    check: 'POST a valid offer; expect a Location header that resolves to a URL.',
  },
  {
    key: 'post.answer-sdp',
    whip: w('4.2'),
    whep: e('4.2.1'),
    level: 'MUST',
    text: () => 'The 201 body is the SDP answer with `Content-Type: application/sdp`.',
    check: 'POST a valid offer; expect Content-Type application/sdp and a body that parses as SDP with one media description per offered one.',
  },
  {
    key: 'answer.direction',
    whip: w('4.2'),
    whep: e('4.2.5'),
    level: 'MUST',
    text: (s) => `Media in the answer is ${s.direction}: the ${s.name} ${s.direction === 'recvonly' ? 'only receives' : 'only sends'}.`,
    check: 'Every accepted m= section of the answer has the expected direction attribute.',
  },
  {
    key: 'answer.bundle',
    whip: w('4.4.1'),
    whep: e('4.5.1'),
    level: 'MUST',
    reference: 'RFC 9143',
    text: () => 'The answer bundles all media in one BUNDLE group (max-bundle, RFC 9143).',
    check: 'The answer has a=group:BUNDLE listing every accepted mid.',
  },
  {
    key: 'answer.rtcp-mux',
    whip: w('4.4.1'),
    whep: e('4.5.1'),
    level: 'MUST',
    reference: 'RFC 8858',
    text: () => 'The answer multiplexes RTP and RTCP (a=rtcp-mux) for all bundled media.',
    check: 'Every accepted m= section of the answer has a=rtcp-mux.',
  },
  {
    key: 'answer.rtcp-mux-only',
    whip: w('4.4.1'),
    whep: e('4.5.1'),
    level: 'MUST',
    reference: 'RFC 8858 §3',
    text: () =>
      'An offer with `a=rtcp-mux-only` in each bundled m= section (which the client MUST include) is accepted: the endpoint supports RTP/RTCP multiplexing only.',
    check: 'POST an offer with a=rtcp-mux-only; expect 201 and a=rtcp-mux in the answer.',
  },
  {
    key: 'answer.rtcp-mux-only-attr',
    whip: w('4.4.1'),
    whep: e('4.5.1'),
    level: 'MUST',
    reference: 'RFC 8858 §3',
    text: (s) =>
      `The ${s.endpoint} includes \`a=rtcp-mux-only\` in each bundled m= section of its answer (the section asks it of endpoints as well as clients, beyond RFC 8858, where an answerer only needs a=rtcp-mux).`,
    check: 'Every accepted m= section of the answer to a plain offer has a=rtcp-mux-only.',
  },
  {
    key: 'answer.setup',
    whip: w('4.2'),
    whep: e('4.2.1'),
    level: 'MUST',
    reference: 'RFC 9429 §5.3.1, RFC 8842 §5.3',
    text: () => 'The answer is generated by the JSEP rules for an initial answer, so it takes a DTLS role: a=setup:active or a=setup:passive, never actpass.',
    check: 'Every accepted m= section has a=setup active or passive.',
  },
  {
    key: 'answer.candidates',
    whip: w('4.3.2'),
    whep: e('4.4.2'),
    level: 'MUST',
    text: (s) =>
      `The ${s.endpoint} gathers all of the media server's ICE candidates before answering, and the answer contains them (SHALL): the session cannot signal candidates later. rtcspec cannot know the full list; an answer with none is a sure violation.`,
    check: 'The answer to a plain offer has at least one a=candidate in its first accepted (bundle-tagged) m= section.',
  },
  {
    key: 'patch.trickle',
    whip: w('4.3.2'),
    whep: e('4.4.2'),
    level: 'MUST',
    text: () => 'A trickle PATCH (application/trickle-ice-sdpfrag with new candidates, no ICE restart) is answered with 204 No Content without a body.',
    check: 'PATCH one candidate for the offered mid; expect 204 and an empty body (n/a when the server says trickle is unsupported: 405/422).',
  },
  {
    key: 'patch.trickle-no-etag',
    whip: w('4.3.2'),
    whep: e('4.4.2'),
    level: 'MUST',
    text: () =>
      'The 204 answering a trickle PATCH (new candidates, no ICE restart) MUST NOT carry an ETag header: the entity-tag changes only with an ICE restart.',
    check: 'The trickle PATCH of the support probe: expect no ETag header on its 2xx (n/a when trickle is unsupported).',
  },
  {
    key: 'patch.trickle-discard',
    whip: w('4.3.2'),
    whep: e('4.4.2'),
    level: 'MUST',
    reference: 'RFC 8839 §5.1',
    text: (s) =>
      `A trickled candidate whose transport the ${s.session} does not support is silently discarded and the rest of the PATCH processed normally (204), not refused.`,
    check:
      'Trickle PATCH with a UDP host candidate and one with an unknown transport token (the candidate grammar allows transport extensions); expect 204 (n/a when trickle is unsupported). Candidates with unresolvable addresses are not sent: resolving a name would send DNS queries beyond loopback.',
  },
  {
    key: 'patch.unsupported',
    whip: w('4.3.1'),
    whep: e('4.4.1'),
    level: 'MUST',
    reference: 'RFC 9110 §15.5.21',
    text: (s) => `A ${s.session} that supports only one of trickle ICE and ICE restarts answers PATCH requests for the other with 422 Unprocessable Content.`,
    check: 'Send a trickle PATCH and a restart PATCH; when exactly one is refused, it must be refused with 422 (n/a when both or neither are supported).',
  },
  {
    key: 'patch.sdpfrag-invalid',
    whip: w('4.3.1'),
    whep: e('4.4.1'),
    level: 'MUST',
    reference: 'RFC 8840',
    text: () => 'A PATCH whose body is not a valid sdpfrag is rejected with a 4xx (400), not applied.',
    check: 'PATCH garbage labelled application/trickle-ice-sdpfrag; pass on 400, warn on another 4xx, fail otherwise.',
  },
  {
    key: 'patch.content-type',
    whip: w('4.3.1'),
    whep: e('4.4.1'),
    level: 'MUST',
    text: () => 'A PATCH whose content type is not application/trickle-ice-sdpfrag is rejected with a 4xx (415).',
    check: 'PATCH a valid sdpfrag labelled text/plain; pass on 415, warn on another 4xx, fail on 2xx/5xx.',
  },
  {
    key: 'etag.issued',
    whip: w('4.3.1'),
    whep: e('4.4.1'),
    level: 'MUST',
    text: (s) => `A ${s.session} that supports ICE restarts returns the entity-tag of the ICE session in an ETag header of the 201.`,
    check: 'POST an offer; expect an ETag header (n/a when restart PATCHes are refused with 405/422).',
  },
  {
    key: 'etag.strong',
    whip: w('4.3.1'),
    whep: e('4.4.1'),
    level: 'MUST',
    reference: 'RFC 9110 §8.8.3',
    text: (s) =>
      `A ${s.session} that supports ICE restarts identifies the ICE session with a unique strong entity-tag: the ETag is an opaque quoted tag without the W/ (weak) prefix, and sessions do not share one.`,
    check:
      'The ETags of two sessions created one after the other: expect both strong ("…", no W/) and different (n/a when restarts are unsupported or the 201 has no ETag, which etag.issued judges).',
  },
  {
    key: 'etag.if-match-required',
    whip: w('4.3.1'),
    whep: e('4.4.1'),
    level: 'MUST',
    reference: 'RFC 6585 §3',
    text: () =>
      'A PATCH with a missing entity-tag (no If-Match) is answered with 428 Precondition Required; checked with an ICE restart PATCH. The section states the 428 as what such a PATCH "will be answered" with; the trickle ICE section makes entity-tags and conditional requests a MUST.',
    check: 'PATCH new ICE credentials without If-Match; expect 428 (n/a when restarts are unsupported).',
  },
  {
    key: 'etag.stale',
    whip: w('4.3.1'),
    whep: e('4.4.1'),
    level: 'MUST',
    reference: 'RFC 9110 §13.1.1',
    text: () =>
      'A PATCH whose If-Match does not match the current entity-tag is answered with 412 Precondition Failed (binding as for the 428, through the trickle ICE section).',
    check: 'Trickle PATCH with If-Match: "rtcspec-stale"; expect 412 (n/a when trickle is unsupported).',
  },
  {
    key: 'restart.answer',
    whip: w('4.3.3'),
    whep: e('4.4.3'),
    level: 'MUST',
    text: () =>
      'An ICE restart (PATCH with new ice-ufrag/ice-pwd and If-Match: "*") is answered with 200 OK and an application/trickle-ice-sdpfrag body with the new server ICE credentials.',
    check:
      'Restart PATCH; expect 200, Content-Type application/trickle-ice-sdpfrag and an sdpfrag whose ufrag differs from the 201 answer (n/a when restarts are unsupported).',
  },
  {
    key: 'restart.new-etag',
    whip: w('4.3.3'),
    whep: e('4.4.3'),
    level: 'MUST',
    text: () => 'The 200 of a successful ICE restart carries the new entity-tag in an ETag header.',
    check: 'Restart PATCH; expect an ETag different from the one in the 201.',
  },
  {
    key: 'restart.ice-attributes',
    whip: w('4.3.3'),
    whep: e('4.4.3'),
    level: 'MUST',
    text: (s) =>
      `The ${s.session} makes the sdpfrag answering an ICE restart carry the same ice-options, ice-pacing and ice-lite attributes as its SDP answer.`,
    check:
      'Restart PATCH: the a=ice-options values, a=ice-pacing and a=ice-lite of the 200 sdpfrag (session or media level) equal those of the 201 answer (n/a when restarts are unsupported).',
  },
  {
    key: 'restart.failure-keeps-session',
    whip: w('4.3.3'),
    whep: e('4.4.3'),
    level: 'MUST',
    text: (s) => `A restart the ${s.session} cannot satisfy is refused with an error code but does not terminate the session immediately.`,
    check: 'Restart PATCH with candidates for an unknown mid; expect 4xx, then a trickle PATCH or DELETE on the session still finds it (not 404).',
  },
  {
    key: 'ice.recommended',
    whip: w('4.3'),
    whep: e('4.4'),
    level: 'SHOULD',
    text: (s) =>
      `Trickle ICE and ICE restarts are RECOMMENDED for ${s.session}s (the WebRTC constraints section calls both OPTIONAL "as explained in" this section): a session accepts both kinds of PATCH.`,
    check:
      'The support probe (one trickle PATCH, one restart PATCH): pass when both are supported, warn when one is refused as unsupported (405/422/501), fail when both are.',
  },
  {
    key: 'delete.ends-session',
    whip: w('4.2'),
    whep: e('4.3'),
    level: 'MUST',
    text: (s) =>
      `DELETE on the ${s.session} URL removes the session (200 OK); afterwards the session URL no longer exists. The section states it as what "will" happen on the DELETE the client MUST send.`,
    check: 'DELETE the session; expect 2xx, then a PATCH on it gets 404.',
  },
  {
    key: 'delete.ignores-etag',
    whip: w('4.3.1'),
    whep: e('4.4.1'),
    level: 'MUST',
    text: () => 'Entity-tags are ignored where ICE session matching is not required: a DELETE is honoured whatever If-Match says.',
    check: 'DELETE with If-Match: "rtcspec-stale"; expect 2xx.',
  },
  {
    key: 'delete.unknown-idempotent',
    whip: w('4.2'),
    whep: e('4.3'),
    level: 'SHOULD',
    source: 'http',
    reference: 'RFC 9110 §9.2.2',
    text: () =>
      'DELETE of a session that no longer exists is handled as idempotent: 2xx or 404, never a 5xx. No WHIP/WHEP sentence says so; DELETE is idempotent in HTTP (RFC 9110 §9.2.2), and a client may repeat one whose answer it lost.',
    check: 'DELETE the same session twice; the second answer must be 2xx or 404.',
  },
  {
    key: 'delete.consent',
    whip: w('4.2'),
    whep: e('4.3'),
    level: 'MUST',
    reference: 'RFC 7675 §5.2',
    text: () => 'A media server terminating a session immediately revokes consent: after DELETE it stops answering ICE consent checks.',
    check: "Send STUN Binding requests with the session's ICE credentials to the server's candidate: answered before DELETE, unanswered after.",
  },
  {
    key: 'link.ice-server',
    whip: w('4.6'),
    whep: e('4.7'),
    level: 'MUST',
    reference: 'RFC 8288, RFC 7064, RFC 7065',
    text: () =>
      'Every `Link: <url>; rel="ice-server"` header of the 201 names a stun:/stuns:/turn:/turns: URI (RFC 7064, RFC 7065); TURN links carry the username and credential attributes. The document defines no credential-type; rtcspec flags one other than "password" (the W3C RTCIceServer default).',
    check: 'Parse every Link header of the 201 (n/a when no ice-server link is sent).',
  },
  {
    key: 'link.extensions',
    whip: w('4.9'),
    whep: e('4.9'),
    level: 'MUST',
    text: (s) =>
      `Protocol extensions are advertised with Link headers whose rel is a registered URN starting with urn:ietf:params:${s.endpoint.startsWith('WHIP') ? 'whip' : 'whep'}:ext (or an IANA-registered relation); unknown tokens are not used.`,
    check: 'Every Link rel in the 201 other than ice-server is an extension URN or a registered relation (n/a when there are none).',
  },
  {
    key: 'auth.bearer',
    whip: w('4.7'),
    whep: e('4.8'),
    level: 'MUST',
    reference: 'RFC 6750 §3.1, RFC 9110 §11',
    text: () =>
      'Endpoints support HTTP authentication with bearer tokens (MUST); one that requires a token (which it MAY) refuses a POST without it, or with a wrong one, with 401.',
    check: 'With --token: POST without Authorization and with a wrong token; expect 401 both times (n/a without --token).',
  },
  {
    key: 'redirect.307',
    whip: w('4.5'),
    whep: e('4.6'),
    level: 'MUST',
    reference: 'RFC 9110 §15.4.8',
    text: () => 'Redirects of the POST never use 301 or 302 (which turn the POST into a GET); 307 Temporary Redirect is the preferred code.',
    check: 'POST an offer; when the answer is a redirect, it must be 307/308 (303 fails too) and lead to a 201 (n/a when the server does not redirect).',
  },
  {
    key: 'media',
    whip: w('4.2'),
    whep: e('4.2'),
    level: 'MUST',
    media: true,
    source: 'rtcspec',
    text: (s) =>
      `${s.name === 'WHIP endpoint' ? 'A client publishing a 440 Hz tone (offering Opus, PCMU, PCMA) connects (ICE+DTLS) and its media is accepted.' : 'A viewer connects (ICE+DTLS), receives RTP and the published 440 Hz tone is detected in the decoded audio.'} rtcspec's end-to-end check of the whole setup (ICE, DTLS, bundled media, no extension used); no single sentence states it.`,
    check: '',
  },
]

const ROLE_ONLY: Array<Omit<Requirement, 'document'>> = [
  {
    id: 'whip.offer.single-msid',
    suite: 'whip',
    section: '4.4.2',
    level: 'MUST',
    verified: true,
    text: "A WHIP offer carries one MediaStream (every m= section has an a=msid with the same stream id) with at least one track and at most one per kind; that binds the client (rtcspec's client checks its offers with `lintWhipOffer`). For forward compatibility the endpoint rejects an offer with more MediaStreams, or more tracks of a kind, than it supports with 422 Unprocessable Content or 400 Bad Request.",
    check:
      'POST an offer with two MediaStreams (audio and video in different streams) and one with two audio tracks; pass when both get 422 or 400; fail when either is accepted or answered with another status.',
  },
  {
    id: 'whip.answer.no-partial',
    suite: 'whip',
    section: '4.4.3',
    level: 'SHOULD',
    verified: true,
    reference: 'RFC 9429 §5.3.1',
    text: 'No partially successful answers: the endpoint does not reject individual m= sections (port 0) when one cannot be processed (SHOULD NOT), but rejects the whole POST with 422 Unprocessable Content or 400 Bad Request (SHOULD).',
    check: 'POST an audio+video offer; on 201, expect no m= line with port 0; a refusal of the whole offer passes with 422/400 and warns with another 4xx.',
  },
  {
    id: 'whip.offer.setup-active',
    suite: 'whip',
    section: '4.4.4',
    level: 'SHOULD',
    verified: true,
    reference: 'RFC 8842 §5.3',
    text: 'A client that implements only the DTLS client role MAY offer `a=setup:active`; an endpoint that does not support such an offer rejects it with 422 Unprocessable Content or 400 Bad Request (SHOULD). One that accepts it takes the DTLS server role (a=setup:passive).',
    check:
      'POST an offer with a=setup:active; pass on 422/400 or on a 201 whose answer says a=setup:passive; warn on another 4xx; fail on a 201 with another role, or a 5xx.',
  },
  {
    id: 'whip.options.no-ice-servers',
    suite: 'whip',
    section: '4.6',
    level: 'SHOULD',
    verified: true,
    reference: 'Fetch (CORS)',
    text: 'The endpoint SHOULD NOT return STUN/TURN server configuration (Link rel="ice-server") in the answer to a CORS preflight OPTIONS: generating TURN credentials costs latency and work, and the preflight is not the request that asks for them. (It MAY return them to other OPTIONS requests.)',
    check: 'OPTIONS with Origin and Access-Control-Request-Method: POST; fail when the answer carries a Link with rel="ice-server".',
  },
  {
    id: 'whip.simulcast.answer',
    suite: 'whip',
    section: '4.8',
    level: 'MUST',
    verified: true,
    reference: 'RFC 8853 §5.3.2',
    text: "A server accepting a simulcast offer creates its answer by RFC 8853 §5.3.2: the answer's a=simulcast reverses the direction (recv), names only rids the offer listed, each with an a=rid … recv line; an answer without a=simulcast declines simulcast and is valid too.",
    check:
      'POST an audio+video offer whose video section offers two RTP streams (a=rid:h send, a=rid:l send, a=simulcast:send h;l); on 201 judge the video section of the answer (a refusal of the whole offer is not applicable: simulcast support is optional).',
  },
  {
    id: 'whep.answer.single-msid',
    suite: 'whep',
    section: '4.5.2',
    level: 'MUST',
    verified: true,
    reference: 'RFC 8830',
    text: 'The answer sends one MediaStream: every a=msid uses the same stream id, with at most one track per kind.',
    check: 'Collect the a=msid lines of the answer; expect one stream id and at most one sending section per kind.',
  },
  {
    id: 'whep.stream.unknown-404',
    suite: 'whep',
    section: '4.2',
    level: 'SHOULD',
    verified: true,
    source: 'server-contract',
    reference: 'RFC 9110 §15.5.5',
    text: 'A POST for a stream that does not exist is answered with 404 Not Found. No WHEP sentence says so: the draft leaves how an endpoint URL names a stream to the service; rtcspec expects the HTTP status for a resource that does not exist.',
    check: 'POST an offer to the endpoint URL with its last path segment replaced by a random name; expect 404.',
  },
]

/**
 * rtcspec's end-to-end video checks (`video-checks.ts`): no WHIP/WHEP sentence states them, but a server that
 * delivers frozen, black or never-keyframed video fails its users however conformant its HTTP is. The
 * thresholds are stated in the text: first decodable frame within {@link FIRST_FRAME_WITHIN_MS} of the viewer's
 * POST, no freeze of 1 s or more (WebRTC-stats definition), at least {@link MIN_FPS_FRACTION} of the sent frame rate.
 */
export const FIRST_FRAME_WITHIN_MS = 3_000
/** The least fraction of the sent frame rate a viewer must achieve (decodable frames per second). */
export const MIN_FPS_FRACTION = 0.75

const VIDEO_ONLY: Array<Omit<Requirement, 'document'>> = [
  {
    id: 'whip.video.media',
    suite: 'whip',
    section: '4.2',
    level: 'MUST',
    verified: true,
    media: true,
    source: 'rtcspec',
    text: `Video published over WHIP reaches viewers: a client publishing video (VP8, or H.264 when the answer takes only that) connects and, played back over WHEP, its frames arrive complete and decodable: at least ${MIN_FPS_FRACTION * 100} % of the sent frame rate, no freeze of 1 s or more (WebRTC-stats definition; 1.5 s frozen in all at most). rtcspec's end-to-end check; no single sentence states it.`,
    check:
      "With --whep-url: publish rtcspec's probe video (werift peer, 30 fps, VP8 first; each frame carries its index) with the viewer already connected, for 4 s; judge the viewer's frames assembled from RTP against the publisher's ground truth (n/a without --whep-url, or when an answer takes no video; blocked when a session does not connect).",
  },
  {
    id: 'whep.video.media',
    suite: 'whep',
    section: '4.2',
    level: 'MUST',
    verified: true,
    media: true,
    source: 'rtcspec',
    text: `A viewer receives the published video: the frames a publisher sends arrive complete and decodable (from a keyframe on), at least ${MIN_FPS_FRACTION * 100} % of the sent frame rate, with no freeze of 1 s or more (WebRTC-stats definition; 1.5 s frozen in all at most) over the measured window. rtcspec's end-to-end check; no single sentence states it.`,
    check:
      "With --publish-url: publish rtcspec's probe video (werift peer, 30 fps, VP8 first; each frame carries its index) there with the viewer already connected, for 4 s; judge the viewer's frames assembled from RTP against the publisher's ground truth (n/a without --publish-url, or when an answer takes no video; blocked when a session does not connect). Freezes during which the publisher itself sent nothing (rtcspec's process stalled) are not counted.",
  },
  {
    id: 'whep.video.first-frame',
    suite: 'whep',
    section: '4.2',
    level: 'SHOULD',
    verified: true,
    media: true,
    source: 'rtcspec',
    reference: 'RFC 4585 §6.3.1, RFC 5104 §4.3.1',
    text: `A viewer joining a running stream shows video within ${FIRST_FRAME_WITHIN_MS / 1000} s of its POST: its first decodable frame (a keyframe) arrives that soon although the publisher sends keyframes only every 20 s (and on request). Servers get there by asking the publisher for a keyframe (PLI) when a viewer joins, or by caching the last one, as SFUs do; a plain relay leaves the viewer black until the next periodic keyframe.`,
    check:
      'With --publish-url: publish the probe video with a keyframe every 20 s (and on PLI/FIR) there, join as a viewer 1.5 s after a keyframe and expect a complete keyframe within 3 s of the POST (n/a without --publish-url, or when an answer takes no video; blocked when no video reaches the viewer at all: whep.video.media judges that).',
  },
]

const WORDS = {
  whip: { endpoint: 'WHIP endpoint', session: 'WHIP session', direction: 'recvonly', name: 'WHIP endpoint' },
  whep: { endpoint: 'WHEP endpoint', session: 'WHEP session', direction: 'sendonly', name: 'WHEP endpoint' },
}

function build(): Requirement[] {
  const out: Requirement[] = []
  for (const suite of ['whip', 'whep'] as const) {
    for (const s of SHARED) {
      const place = s[suite]
      const r: Requirement = {
        id: `${suite}.${s.key}`,
        suite,
        document: DOCUMENTS[suite].name,
        section: place.section,
        level: s.level,
        text: s.text(WORDS[suite]),
        check:
          s.key === 'media'
            ? suite === 'whip'
              ? 'Publish a 440 Hz tone with a werift (or, with --peer chromium, a Chromium) peer; expect ICE+DTLS connected and packets sent (with --whep-url, also play it back and detect the tone).'
              : 'Play with a werift (or Chromium) peer, after publishing a tone to --publish-url when given; expect RTP and the 440 Hz tone in the decoded audio.'
            : s.check,
        verified: place.verified,
      }
      if (s.media) r.media = true
      if (s.source) r.source = s.source
      if (s.reference) r.reference = s.reference
      out.push(r)
    }
    for (const r of [...ROLE_ONLY, ...VIDEO_ONLY]) if (r.suite === suite) out.push({ ...r, document: DOCUMENTS[suite].name })
  }
  return out
}

/** Every requirement, WHIP then WHEP. */
export const CATALOG: readonly Requirement[] = build()

/** The requirements of one suite. */
export function requirementsOf(suite: Suite): Requirement[] {
  return CATALOG.filter((r) => r.suite === suite)
}

/** Looks a requirement up by id. */
export function requirement(id: string): Requirement | undefined {
  return CATALOG.find((r) => r.id === id)
}

/** The requirements whose section was not checked against the full text of their document (none, since both texts are in fixtures/rfc). */
export function unverifiedRequirements(suite?: Suite): Requirement[] {
  return CATALOG.filter((r) => !r.verified && (suite === undefined || r.suite === suite))
}
