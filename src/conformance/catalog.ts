/**
 * The WHIP/WHEP requirement catalog: one entry per requirement, with the document and version it comes
 * from, the section, the level (MUST/SHOULD/MAY) and the requirement in words. Each entry has exactly one
 * check (`checks.ts`) and one fault in the reference server (`src/whip/faults.ts`, same id) that breaks it.
 *
 * Which document revision each suite follows, and what text each entry was checked against (see
 * {@link DOCUMENTS} and each entry's `verified`). Sources are the `wish-wg` GitHub repositories as stored in
 * the tool library of the 2026-11-21 check (kramdown-rfc markdown; section numbers counted from the `#`
 * headings after `--- middle`):
 * - **WHEP follows draft-ietf-wish-whep-03** (18 August 2025). Checked against its full text:
 *   `wish-wg/webrtc-http-egress-protocol`, `draft-ietf-wish-whep.md`, the stored version whose front matter
 *   says `docname: draft-ietf-wish-whep-03` (library file id 19222090401). That is the newest revision stored
 *   there (the stored versions found are -00, -02 and -03; the default one, commit 705f907e0e58, is -02); no
 *   -04 text is stored, so the suite stays on -03. Headings counted: 4.1 HTTP usage, 4.2 Playback session set
 *   up (4.2.1 server accepts offer, 4.2.2 counter-offer, 4.2.3 response type, 4.2.4 error conditions, 4.2.5
 *   media direction, 4.2.6 codecs, 4.2.7 examples, 4.2.8 session management), 4.3 Playback session
 *   termination (DELETE, consent, OPTIONS/CORS), 4.4 ICE support (4.4.1 PATCH usage, 4.4.2 trickle ICE, 4.4.3
 *   ICE restarts), 4.5 WebRTC constraints (4.5.1 SDP bundle, 4.5.2 single MediaStream, 4.5.3 trickle/restart),
 *   4.6 load balancing and redirections, 4.7 STUN/TURN, 4.8 authentication (4.8.1 bearer token), 4.9 protocol
 *   extensions. Every entry with `verified: true` was re-read against that text (section, level, summary).
 *   Two levels rest on a neighbouring sentence: the 428/412 answers of §4.4.1 are stated as what "will be
 *   answered", made binding by §4.4.2 (sessions supporting trickle MUST use entity-tags and conditional
 *   requests as §4.4.1 explains); the Link ice-server syntax of §4.7 defers to the WHIP document. Entries with
 *   `verified: false` have no WHEP sentence of their own (`source` says where they come from).
 * - **WHIP follows RFC 9725** (March 2025), but its text (or draft-ietf-wish-whip-16, which became it) could
 *   NOT be read: `wish-wg/webrtc-http-ingest-protocol`/`draft-ietf-wish-whip.md` is listed with 344 versions,
 *   but the only revisions found in it are draft-00, -03, -04, -08, -09 and -10 (the default one is -10,
 *   commit 00afbee14b6edcd5d5f58185258cd14fc96edec5; the commit find_files reports, 6c75597930fd, is -08), and
 *   no commit of a later revision is listed anywhere; the stored RFC/draft-16 pages (rfc9725.xml, the
 *   draft-16 → RFC 9725 diff) yield only their front matter. So every WHIP entry stays `verified: false`.
 *   What was checked: the full text of draft-ietf-wish-whip-10 (wording and levels; it still required 405 for
 *   GET and had no HTTP Usage section), and its section structure maps one-to-one onto the RFC 9725 table of
 *   contents once the two sections the later drafts inserted at the front (4.1 HTTP Usage, 4.2 Ingest Session
 *   Setup) are counted: draft-10 §4.1.x ICE → RFC §4.3.x, §4.2.x WebRTC constraints → §4.4.x (4.4.1 bundle,
 *   4.4.2 single MediaStream, 4.4.3 no partial answers, 4.4.4 DTLS setup role), §4.3 → §4.5 redirections,
 *   §4.4 → §4.6 STUN/TURN, §4.5 → §4.7 authentication, §4.6 → §4.8 simulcast, §4.7 → §4.9 extensions. Third-
 *   party material that cites draft-16/RFC 9725 sections agrees (STUN/TURN Link headers cited as draft-16
 *   §4.6; §4.2 Ingest Session Setup holding setup, DELETE and CORS OPTIONS). The WHIP sections are therefore
 *   consistent but unconfirmed; levels changed after draft-10 (GET 2xx, 428/412 placement) are taken from the
 *   WHEP draft-03 sentences that repeat the WHIP ones. Weakest WHIP placement: `whip.answer.setup` (§4.4.4)
 *   — draft-10's DTLS-setup section only constrains the offer (and says an endpoint that cannot take an
 *   "active" offer SHOULD answer 422); the answer's role comes from the JSEP initial-answer rules it references.
 *
 * The texts are rtcspec's summaries of the requirement, not quotations; the section is where to read the
 * normative wording. `source` marks entries that come from the HTTP semantics the documents build on
 * (RFC 9110, Fetch), from the seed 004 server contract, or from rtcspec itself (the media check) rather
 * than from a WHIP/WHEP sentence; `reference` names the other document that holds the detail checked.
 */

/** Conformance levels (RFC 2119). */
export type Level = 'MUST' | 'SHOULD' | 'MAY'

/** The documents (and revisions) the suites follow, and what text their sections were checked against. */
export const DOCUMENTS = {
  whip: {
    name: 'RFC 9725',
    title: 'WebRTC-HTTP Ingestion Protocol (WHIP)',
    version: 'RFC 9725 (March 2025)',
    checkedAgainst: 'draft-ietf-wish-whip-10 full text (wish-wg/webrtc-http-ingest-protocol, commit 00afbee14b6e: wording, levels) and its section structure mapped onto the RFC 9725 table of contents. Neither the RFC text nor draft-ietf-wish-whip-16 could be read (no later revision is retrievable from the stored repository), so no WHIP section is marked verified.',
  },
  whep: {
    name: 'draft-ietf-wish-whep-03',
    title: 'WebRTC-HTTP Egress Protocol (WHEP)',
    version: 'draft-ietf-wish-whep-03 (18 August 2025)',
    checkedAgainst: 'draft-ietf-wish-whep-03 full text (wish-wg/webrtc-http-egress-protocol, draft-ietf-wish-whep.md, the newest stored revision; re-checked 2026-11-21). draft-ietf-wish-whep-04 (22 June 2026) exists, but its text is not stored there; only its front page was seen.',
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
  /** Whether the section number and level were checked against the real text of `document` (see the header). */
  verified: boolean
  /** Needs real media (a peer connection); skipped when the suite runs with `media: false`. */
  media?: boolean
  /** Where the requirement comes from when it is not a WHIP/WHEP sentence. */
  source?: 'http' | 'seed-004' | 'rtcspec'
  /** Another document holding the detail the check tests (e.g. `RFC 6585 §3`). */
  reference?: string
}

/** Where a shared requirement sits in each document. */
interface Place {
  section: string
  /** Checked against the real text (WHEP draft-03); WHIP entries never are (see the header). */
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

const w = (section: string): Place => ({ section, verified: false })
const e = (section: string, verified = true): Place => ({ section, verified })

const SHARED: Shared[] = [
  { key: 'endpoint.get-head', whip: w('4.1'), whep: e('4.1'), level: 'MUST', reference: 'RFC 9110 §9.3.1, §9.3.2', text: (s) => `The ${s.endpoint} and ${s.session} URLs answer GET (and HEAD, which mirrors GET) with a 2xx and no content: the resources have no representation. Superseded drafts required 405.`, check: 'GET and HEAD the endpoint, GET a session URL; pass on 2xx with an empty body, fail on 405 or any other status (or a GET body).' },
  { key: 'options.preflight', whip: w('4.2'), whep: e('4.3'), level: 'MUST', reference: 'Fetch (CORS)', text: (s) => `The ${s.endpoint} supports OPTIONS requests for CORS: a preflight is answered with 2xx and allows POST.`, check: 'OPTIONS with Origin and Access-Control-Request-Method: POST; expect 2xx and POST in Access-Control-Allow-Methods (or Allow).' },
  { key: 'options.accept-post', whip: w('4.2'), whep: e('4.3'), level: 'SHOULD', text: () => 'The 200 response to an OPTIONS request carries `Accept-Post: application/sdp`.', check: 'OPTIONS the endpoint; expect Accept-Post to list application/sdp.' },
  { key: 'cors.expose-headers', whip: w('4.2'), whep: e('4.3', false), level: 'SHOULD', source: 'http', reference: 'Fetch (CORS)', text: () => 'Cross-origin responses to the POST allow the origin and expose Location, Link and ETag, so browser clients can read them (derived from the CORS support the section requires; no sentence names these headers).', check: 'POST an offer with an Origin header; expect Access-Control-Allow-Origin and Access-Control-Expose-Headers listing Location, Link and ETag (n/a when the server sends no CORS headers at all).' },
  { key: 'post.content-type', whip: w('4.2'), whep: e('4.2.4'), level: 'MUST', reference: 'RFC 9110 §15.5.16', text: () => 'A POST whose content type is not `application/sdp` is rejected with a 4xx; 415 Unsupported Media Type is the precise code.', check: 'POST a valid offer labelled text/plain; pass on 415, warn on another 4xx, fail on 2xx/5xx.' },
  { key: 'post.malformed-sdp', whip: w('4.2'), whep: e('4.2.4'), level: 'MUST', text: () => 'A malformed SDP offer is rejected with a 4xx (400 Bad Request), never a 2xx or a 5xx.', check: 'POST a non-SDP body as application/sdp; pass on 400, warn on another 4xx, fail otherwise.' },
  { key: 'post.201', whip: w('4.2'), whep: e('4.2.1'), level: 'MUST', text: (s) => `A successful POST creates the ${s.session} and is answered with 201 Created.`, check: 'POST a valid offer; expect 201.' },
  { key: 'post.location', whip: w('4.2'), whep: e('4.2.1'), level: 'MUST', text: (s) => `The 201 carries a Location header with the URL of the ${s.session}.`, check: 'POST a valid offer; expect a Location header that resolves to a URL.' },
  { key: 'post.answer-sdp', whip: w('4.2'), whep: e('4.2.1'), level: 'MUST', text: () => 'The 201 body is the SDP answer with `Content-Type: application/sdp`.', check: 'POST a valid offer; expect Content-Type application/sdp and a body that parses as SDP with one media description per offered one.' },
  { key: 'answer.direction', whip: w('4.2'), whep: e('4.2.5'), level: 'MUST', text: (s) => `Media in the answer is ${s.direction}: the ${s.name} ${s.direction === 'recvonly' ? 'only receives' : 'only sends'}.`, check: 'Every accepted m= section of the answer has the expected direction attribute.' },
  { key: 'answer.bundle', whip: w('4.4.1'), whep: e('4.5.1'), level: 'MUST', reference: 'RFC 9143', text: () => 'The answer bundles all media in one BUNDLE group (max-bundle, RFC 9143).', check: 'The answer has a=group:BUNDLE listing every accepted mid.' },
  { key: 'answer.rtcp-mux', whip: w('4.4.1'), whep: e('4.5.1'), level: 'MUST', reference: 'RFC 8858', text: () => 'The answer multiplexes RTP and RTCP (a=rtcp-mux) for all bundled media.', check: 'Every accepted m= section of the answer has a=rtcp-mux.' },
  { key: 'answer.rtcp-mux-only', whip: w('4.4.1'), whep: e('4.5.1'), level: 'MUST', reference: 'RFC 8858 §3', text: () => 'An offer using `a=rtcp-mux-only` (which the client must include) is accepted and answered with rtcp-mux.', check: 'POST an offer with a=rtcp-mux-only; expect 201 and a=rtcp-mux in the answer.' },
  { key: 'answer.setup', whip: w('4.4.4'), whep: e('4.2.1'), level: 'MUST', reference: 'RFC 9429 §5.3.1, RFC 8842 §5.3', text: () => 'The answer takes a DTLS role: a=setup:active or a=setup:passive, never actpass (the JSEP rules for an initial answer).', check: 'Every accepted m= section has a=setup active or passive.' },
  { key: 'patch.trickle', whip: w('4.3.2'), whep: e('4.4.2'), level: 'MUST', text: () => 'A trickle PATCH (application/trickle-ice-sdpfrag with new candidates, no ICE restart) is answered with 204 No Content and no body.', check: 'PATCH one candidate for the offered mid; expect 204 and an empty body (n/a when the server says trickle is unsupported: 405/422).' },
  { key: 'patch.unsupported', whip: w('4.3.1'), whep: e('4.4.1'), level: 'MUST', reference: 'RFC 9110 §15.5.21', text: (s) => `A ${s.session} that supports only one of trickle ICE and ICE restarts answers PATCH requests for the other with 422 Unprocessable Content.`, check: 'Send a trickle PATCH and a restart PATCH; when exactly one is refused, it must be refused with 422 (n/a when both or neither are supported).' },
  { key: 'patch.sdpfrag-invalid', whip: w('4.3.1'), whep: e('4.4.1'), level: 'MUST', reference: 'RFC 8840', text: () => 'A PATCH whose body is not a valid sdpfrag is rejected with a 4xx (400), not applied.', check: 'PATCH garbage labelled application/trickle-ice-sdpfrag; pass on 400, warn on another 4xx, fail otherwise.' },
  { key: 'patch.content-type', whip: w('4.3.1'), whep: e('4.4.1'), level: 'MUST', text: () => 'A PATCH whose content type is not application/trickle-ice-sdpfrag is rejected with a 4xx (415).', check: 'PATCH a valid sdpfrag labelled text/plain; pass on 415, warn on another 4xx, fail on 2xx/5xx.' },
  { key: 'etag.issued', whip: w('4.3.1'), whep: e('4.4.1'), level: 'MUST', text: (s) => `A ${s.session} that supports ICE restarts returns the entity-tag of the ICE session in an ETag header of the 201.`, check: 'POST an offer; expect an ETag header (n/a when restart PATCHes are refused with 405/422).' },
  { key: 'etag.if-match-required', whip: w('4.3.1'), whep: e('4.4.1'), level: 'MUST', reference: 'RFC 6585 §3', text: () => 'A PATCH with a missing entity-tag (no If-Match) is answered with 428 Precondition Required; checked with an ICE restart PATCH.', check: 'PATCH new ICE credentials without If-Match; expect 428 (n/a when restarts are unsupported).' },
  { key: 'etag.stale', whip: w('4.3.1'), whep: e('4.4.1'), level: 'MUST', reference: 'RFC 9110 §13.1.1', text: () => 'A PATCH whose If-Match does not match the current entity-tag is answered with 412 Precondition Failed.', check: 'Trickle PATCH with If-Match: "rtcspec-stale"; expect 412 (n/a when trickle is unsupported).' },
  { key: 'restart.answer', whip: w('4.3.3'), whep: e('4.4.3'), level: 'MUST', text: () => 'An ICE restart (PATCH with new ice-ufrag/ice-pwd and If-Match: "*") is answered with 200 OK and an application/trickle-ice-sdpfrag body with the new server ICE credentials.', check: 'Restart PATCH; expect 200, Content-Type application/trickle-ice-sdpfrag and an sdpfrag whose ufrag differs from the 201 answer (n/a when restarts are unsupported).' },
  { key: 'restart.new-etag', whip: w('4.3.3'), whep: e('4.4.3'), level: 'MUST', text: () => 'The 200 of a successful ICE restart carries the new entity-tag in an ETag header.', check: 'Restart PATCH; expect an ETag different from the one in the 201.' },
  { key: 'restart.failure-keeps-session', whip: w('4.3.3'), whep: e('4.4.3'), level: 'MUST', text: (s) => `A restart the ${s.session} cannot satisfy is refused with an error code but does not terminate the session immediately.`, check: 'Restart PATCH with candidates for an unknown mid; expect 4xx, then a trickle PATCH or DELETE on the session still finds it (not 404).' },
  { key: 'delete.ends-session', whip: w('4.2'), whep: e('4.3'), level: 'MUST', text: (s) => `DELETE on the ${s.session} URL removes the session (200 OK); afterwards the session URL no longer exists.`, check: 'DELETE the session; expect 2xx, then a PATCH on it gets 404.' },
  { key: 'delete.ignores-etag', whip: w('4.3.1'), whep: e('4.4.1'), level: 'MUST', text: () => 'Entity-tags are ignored where ICE session matching is not required: a DELETE is honoured whatever If-Match says.', check: 'DELETE with If-Match: "rtcspec-stale"; expect 2xx.' },
  { key: 'delete.unknown-idempotent', whip: w('4.2'), whep: e('4.3', false), level: 'SHOULD', source: 'seed-004', text: () => 'DELETE of a session that no longer exists is handled as idempotent: 2xx or 404, never a 5xx.', check: 'DELETE the same session twice; the second answer must be 2xx or 404.' },
  { key: 'delete.consent', whip: w('4.2'), whep: e('4.3'), level: 'MUST', reference: 'RFC 7675 §5.2', text: () => 'A media server terminating a session immediately revokes consent: after DELETE it stops answering ICE consent checks.', check: "Send STUN Binding requests with the session's ICE credentials to the server's candidate: answered before DELETE, unanswered after." },
  { key: 'link.ice-server', whip: w('4.6'), whep: e('4.7'), level: 'MUST', reference: 'RFC 8288, RFC 7064, RFC 7065', text: () => 'Every `Link: <url>; rel="ice-server"` header names a stun:/stuns:/turn:/turns: URL; TURN servers carry username and credential; credential-type, if present, is "password".', check: 'Parse every Link header of the 201 (n/a when no ice-server link is sent).' },
  { key: 'link.extensions', whip: w('4.9'), whep: e('4.9'), level: 'MUST', text: (s) => `Protocol extensions are advertised with Link headers whose rel is a registered URN starting with urn:ietf:params:${s.endpoint.startsWith('WHIP') ? 'whip' : 'whep'}:ext (or an IANA-registered relation); unknown tokens are not used.`, check: 'Every Link rel in the 201 other than ice-server is an extension URN or a registered relation (n/a when there are none).' },
  { key: 'auth.bearer', whip: w('4.7'), whep: e('4.8.1'), level: 'MUST', reference: 'RFC 6750 §3.1, RFC 9110 §11', text: () => 'When the endpoint requires a Bearer token, a POST without it (or with a wrong one) is refused with 401.', check: 'With --token: POST without Authorization and with a wrong token; expect 401 both times (n/a without --token).' },
  { key: 'redirect.307', whip: w('4.5'), whep: e('4.6'), level: 'MUST', reference: 'RFC 9110 §15.4.8', text: () => 'Redirects of the POST never use 301 or 302 (which turn the POST into a GET); 307 Temporary Redirect is the preferred code.', check: 'POST an offer; when the answer is a redirect, it must be 307/308 (303 fails too) and lead to a 201 (n/a when the server does not redirect).' },
  { key: 'media', whip: w('4.2'), whep: e('4.2', false), level: 'MUST', media: true, source: 'rtcspec', text: (s) => (s.name === 'WHIP endpoint' ? 'A client publishing a 440 Hz tone (offering Opus, PCMU, PCMA) connects (ICE+DTLS) and its media is accepted.' : 'A viewer connects (ICE+DTLS), receives RTP and the published 440 Hz tone is detected in the decoded audio.'), check: '' },
]

const ROLE_ONLY: Array<Omit<Requirement, 'document'>> = [
  { id: 'whip.offer.single-msid', suite: 'whip', section: '4.4.2', level: 'MUST', verified: false, text: 'A WHIP offer carries one MediaStream (every m= section has an a=msid with the same stream id) with at most one track per kind; for forward compatibility the endpoint rejects an offer with more MediaStreams, or more tracks of a kind, than it supports with 406 Not Acceptable. (The offer rule itself binds the client: rtcspec\'s client checks its offers with `lintWhipOffer`.)', check: 'POST an offer with two MediaStreams (audio and video in different streams) and one with two audio tracks; pass when both get 406, warn on another 4xx, fail when either is accepted or gets a 5xx.' },
  { id: 'whip.answer.no-partial', suite: 'whip', section: '4.4.3', level: 'SHOULD', verified: false, text: 'No partially successful answers: the endpoint does not reject individual m= sections (port 0) but refuses an offer it cannot fully accept as a whole (406 Not Acceptable).', check: 'POST an audio+video offer; on 201, expect no m= line with port 0 (a 4xx for the whole offer passes).' },
  { id: 'whep.answer.single-msid', suite: 'whep', section: '4.5.2', level: 'MUST', verified: true, text: 'The answer sends one MediaStream: every a=msid uses the same stream id, with at most one track per kind.', check: 'Collect the a=msid lines of the answer; expect one stream id and at most one sending section per kind.' },
  { id: 'whep.stream.unknown-404', suite: 'whep', section: '4.2', level: 'SHOULD', verified: false, source: 'seed-004', text: 'A POST for a stream that does not exist is answered with 404 Not Found.', check: 'POST an offer to the endpoint URL with its last path segment replaced by a random name; expect 404.' },
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
    for (const r of ROLE_ONLY) if (r.suite === suite) out.push({ ...r, document: DOCUMENTS[suite].name })
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

/** The requirements whose section could not be checked against the real text of their document. */
export function unverifiedRequirements(suite?: Suite): Requirement[] {
  return CATALOG.filter((r) => !r.verified && (suite === undefined || r.suite === suite))
}
