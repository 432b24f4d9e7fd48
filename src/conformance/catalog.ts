/**
 * The WHIP/WHEP requirement catalog: one entry per requirement, with the document and version it comes
 * from, the section, the level (MUST/SHOULD/MAY) and the requirement in words. Each entry has exactly one
 * check (`checks.ts`) and one fault in the reference server (`src/whip/faults.ts`, same id) that breaks it.
 *
 * The texts are rtcspec's summaries of the requirement, not quotations; the section is where to read the
 * normative wording. Entries marked `source: 'http'` come from the HTTP semantics the documents build on
 * (RFC 9110) or from the seed 004 server contract rather than from a numbered WHIP/WHEP sentence.
 */

/** Conformance levels (RFC 2119). */
export type Level = 'MUST' | 'SHOULD' | 'MAY'

/** The documents (and versions) the suites test. */
export const DOCUMENTS = {
  whip: { name: 'RFC 9725', title: 'WebRTC-HTTP Ingestion Protocol (WHIP)', version: 'RFC 9725 (March 2025)' },
  whep: { name: 'draft-ietf-wish-whep-04', title: 'WebRTC-HTTP Egress Protocol (WHEP)', version: 'draft-ietf-wish-whep-04 (June 2026)' },
} as const

/** Which suite. */
export type Suite = keyof typeof DOCUMENTS

/** One requirement. */
export interface Requirement {
  /** Stable id, `<suite>.<area>.<name>`; also the reference server's fault id. */
  id: string
  suite: Suite
  /** Document and version, e.g. `RFC 9725` or `draft-ietf-wish-whep-04`. */
  document: string
  section: string
  level: Level
  /** What is required, in words. */
  text: string
  /** What the check does. */
  check: string
  /** Needs real media (a peer connection); skipped when the suite runs with `media: false`. */
  media?: boolean
  /** Where the requirement comes from when it is not a WHIP/WHEP sentence. */
  source?: 'http' | 'seed-004' | 'rtcspec'
}

interface Shared {
  key: string
  /** Section in RFC 9725 and in the WHEP draft (same structure). */
  whip: string
  whep: string
  level: Level
  text: (s: { endpoint: string; session: string; direction: string; name: string }) => string
  check: string
  media?: boolean
  source?: Requirement['source']
}

const SHARED: Shared[] = [
  { key: 'endpoint.get-head', whip: '4.1', whep: '4.1', level: 'SHOULD', source: 'http', text: (s) => `GET and HEAD on the ${s.endpoint} are not answered with 405: superseded drafts required 405, the current text defers to HTTP semantics (RFC 9110 §9.1: general-purpose servers support GET and HEAD).`, check: 'GET and HEAD the endpoint; pass on 2xx, fail on 405, warn otherwise.' },
  { key: 'options.preflight', whip: '4.1', whep: '4.1', level: 'SHOULD', text: (s) => `The ${s.endpoint} answers an OPTIONS (CORS preflight) request with 2xx and allows POST.`, check: 'OPTIONS with Origin and Access-Control-Request-Method: POST; expect 2xx and POST in Access-Control-Allow-Methods (or Allow).' },
  { key: 'options.accept-post', whip: '4.1', whep: '4.1', level: 'SHOULD', text: () => 'The OPTIONS response carries `Accept-Post: application/sdp`.', check: 'OPTIONS the endpoint; expect Accept-Post to list application/sdp.' },
  { key: 'cors.expose-headers', whip: '4.1', whep: '4.1', level: 'SHOULD', source: 'http', text: () => 'Cross-origin responses to the POST allow the origin and expose Location, Link and ETag, so browser clients can read them.', check: 'POST an offer with an Origin header; expect Access-Control-Allow-Origin and Access-Control-Expose-Headers listing Location, Link and ETag (n/a when the server sends no CORS headers at all).' },
  { key: 'post.content-type', whip: '4.2', whep: '4.2', level: 'MUST', source: 'http', text: () => 'A POST whose body is not `application/sdp` is rejected with 415 Unsupported Media Type (RFC 9110 §15.5.16).', check: 'POST a valid offer labelled text/plain; pass on 415, warn on another 4xx, fail on 2xx/5xx.' },
  { key: 'post.malformed-sdp', whip: '4.2', whep: '4.2', level: 'MUST', text: () => 'A malformed SDP offer is rejected with a 4xx (400 Bad Request), never a 2xx or a 5xx.', check: 'POST a non-SDP body as application/sdp; pass on 400, warn on another 4xx, fail otherwise.' },
  { key: 'post.201', whip: '4.2', whep: '4.2', level: 'MUST', text: (s) => `A successful POST creates the ${s.session} and is answered with 201 Created.`, check: 'POST a valid offer; expect 201.' },
  { key: 'post.location', whip: '4.2', whep: '4.2', level: 'MUST', text: (s) => `The 201 carries a Location header with the URL of the ${s.session}.`, check: 'POST a valid offer; expect a Location header that resolves to a URL.' },
  { key: 'post.answer-sdp', whip: '4.2', whep: '4.2', level: 'MUST', text: () => 'The 201 body is the SDP answer with `Content-Type: application/sdp`.', check: 'POST a valid offer; expect Content-Type application/sdp and a body that parses as SDP with one media description per offered one.' },
  { key: 'answer.direction', whip: '4.2', whep: '4.2', level: 'MUST', text: (s) => `Media in the answer is ${s.direction}: the ${s.name} ${s.direction === 'recvonly' ? 'only receives' : 'only sends'}.`, check: 'Every accepted m= section of the answer has the expected direction attribute.' },
  { key: 'answer.bundle', whip: '4.4.1', whep: '4.4.1', level: 'MUST', text: () => 'The answer bundles all media in one BUNDLE group (max-bundle, RFC 9143).', check: 'The answer has a=group:BUNDLE listing every accepted mid.' },
  { key: 'answer.rtcp-mux', whip: '4.4.1', whep: '4.4.1', level: 'MUST', text: () => 'The answer multiplexes RTP and RTCP (a=rtcp-mux, RFC 8035/5761).', check: 'Every accepted m= section of the answer has a=rtcp-mux.' },
  { key: 'answer.rtcp-mux-only', whip: '4.4.1', whep: '4.4.1', level: 'MUST', text: () => 'An offer using `a=rtcp-mux-only` (RFC 8858) is accepted and answered with rtcp-mux.', check: 'POST an offer with a=rtcp-mux-only; expect 201 and a=rtcp-mux in the answer.' },
  { key: 'answer.no-partial', whip: '4.4.3', whep: '4.4.3', level: 'MUST', text: () => 'No partially successful answers: an offer with one audio and one video section is either accepted whole or rejected, never answered with a rejected (port 0) section.', check: 'POST an audio+video offer; on 201, expect no m= line with port 0.' },
  { key: 'answer.setup', whip: '4.4.4', whep: '4.4.4', level: 'MUST', text: () => 'The answer takes a DTLS role: a=setup:active or a=setup:passive, never actpass (RFC 8842 §5.3).', check: 'Every accepted m= section has a=setup active or passive.' },
  { key: 'patch.trickle', whip: '4.3.2', whep: '4.3.2', level: 'MUST', text: () => 'A trickle PATCH (application/trickle-ice-sdpfrag with new candidates) is answered with 204 No Content and no body.', check: 'PATCH one candidate for the offered mid; expect 204 and an empty body (n/a when the server says trickle is unsupported: 405/422).' },
  { key: 'patch.unsupported', whip: '4.3.1', whep: '4.3.1', level: 'MUST', text: (s) => `A ${s.session} that supports only one of trickle ICE and ICE restarts answers PATCH requests for the other with 422 Unprocessable Content.`, check: 'Send a trickle PATCH and a restart PATCH; when exactly one is refused, it must be refused with 422 (n/a when both or neither are supported).' },
  { key: 'patch.sdpfrag-invalid', whip: '4.3.1', whep: '4.3.1', level: 'MUST', text: () => 'A PATCH whose body is not a valid sdpfrag (RFC 8840) is rejected with 400, not applied.', check: 'PATCH garbage labelled application/trickle-ice-sdpfrag; pass on 400, warn on another 4xx, fail otherwise.' },
  { key: 'patch.content-type', whip: '4.3.1', whep: '4.3.1', level: 'MUST', source: 'http', text: () => 'A PATCH with a body that is not application/trickle-ice-sdpfrag is rejected with 415.', check: 'PATCH a valid sdpfrag labelled text/plain; pass on 415, warn on another 4xx, fail on 2xx/5xx.' },
  { key: 'etag.issued', whip: '4.3.1', whep: '4.3.1', level: 'MUST', text: (s) => `A ${s.session} that supports ICE restarts returns an ETag in the 201.`, check: 'POST an offer; expect an ETag header (n/a when restart PATCHes are refused with 405/422).' },
  { key: 'etag.if-match-required', whip: '4.3.1', whep: '4.3.1', level: 'MUST', text: () => 'An ICE restart PATCH without If-Match is refused with 428 Precondition Required.', check: 'PATCH new ICE credentials without If-Match; expect 428 (n/a when restarts are unsupported).' },
  { key: 'etag.stale', whip: '4.3.1', whep: '4.3.1', level: 'MUST', text: () => 'A PATCH whose If-Match does not match the current entity tag is refused with 412 Precondition Failed.', check: 'Trickle PATCH with If-Match: "rtcspec-stale"; expect 412 (n/a when trickle is unsupported).' },
  { key: 'restart.answer', whip: '4.3.3', whep: '4.3.3', level: 'MUST', text: () => 'An ICE restart (PATCH with new ice-ufrag/ice-pwd and If-Match: "*") is answered with 200 OK and an application/trickle-ice-sdpfrag body with the new server ICE credentials.', check: 'Restart PATCH; expect 200, Content-Type application/trickle-ice-sdpfrag and an sdpfrag whose ufrag differs from the 201 answer (n/a when restarts are unsupported).' },
  { key: 'restart.new-etag', whip: '4.3.3', whep: '4.3.3', level: 'MUST', text: () => 'The 200 of an ICE restart carries a new ETag.', check: 'Restart PATCH; expect an ETag different from the one in the 201.' },
  { key: 'restart.failure-keeps-session', whip: '4.3.3', whep: '4.3.3', level: 'MUST', text: (s) => `A restart the ${s.session} cannot satisfy is refused with an error but does not end the session.`, check: 'Restart PATCH with candidates for an unknown mid; expect 4xx, then a trickle PATCH or DELETE on the session still finds it (not 404).' },
  { key: 'delete.ends-session', whip: '4.2', whep: '4.2', level: 'MUST', text: (s) => `DELETE on the ${s.session} URL ends it with 200 OK; afterwards the session URL no longer exists.`, check: 'DELETE the session; expect 2xx, then a PATCH on it gets 404.' },
  { key: 'delete.ignores-etag', whip: '4.3.1', whep: '4.3.1', level: 'MUST', source: 'http', text: () => 'Entity tags only guard PATCH: a DELETE is honoured whatever If-Match says.', check: 'DELETE with If-Match: "rtcspec-stale"; expect 2xx.' },
  { key: 'delete.unknown-idempotent', whip: '4.2', whep: '4.2', level: 'SHOULD', source: 'seed-004', text: () => 'DELETE of a session that no longer exists is handled as idempotent: 2xx or 404, never a 5xx.', check: 'DELETE the same session twice; the second answer must be 2xx or 404.' },
  { key: 'delete.consent', whip: '4.2', whep: '4.2', level: 'MUST', text: () => 'After DELETE the media session ends: the server stops answering ICE consent checks (RFC 7675), so media consent is revoked.', check: "Send STUN Binding requests with the session's ICE credentials to the server's candidate: answered before DELETE, unanswered after." },
  { key: 'link.ice-server', whip: '4.6', whep: '4.6', level: 'MUST', text: () => 'Every `Link: <url>; rel="ice-server"` header names a stun:/stuns:/turn:/turns: URL (RFC 7064/7065); TURN servers carry username and credential; credential-type, if present, is "password".', check: 'Parse every Link header of the 201 (n/a when no ice-server link is sent).' },
  { key: 'link.extensions', whip: '4.10', whep: '4.10', level: 'MUST', text: () => 'Extension Link headers use a registered URN relation type (urn:ietf:params:whip:ext:… / urn:ietf:params:whep:ext:…) or an IANA-registered relation; unknown tokens are not used.', check: 'Every Link rel in the 201 other than ice-server is an extension URN or a registered relation (n/a when there are none).' },
  { key: 'auth.bearer', whip: '4.8', whep: '4.8', level: 'MUST', text: () => 'When the endpoint requires a Bearer token, a POST without it (or with a wrong one) is refused with 401.', check: 'With --token: POST without Authorization and with a wrong token; expect 401 both times (n/a without --token).' },
  { key: 'redirect.307', whip: '4.5', whep: '4.5', level: 'MUST', text: () => 'Redirects of the POST use 307 Temporary Redirect (or 308), never 301/302/303 which may turn the POST into a GET.', check: 'POST an offer; when the answer is a redirect, it must be 307/308 and lead to a 201 (n/a when the server does not redirect).' },
  { key: 'media', whip: '4.2', whep: '4.2', level: 'MUST', media: true, source: 'rtcspec', text: (s) => (s.name === 'WHIP endpoint' ? 'A werift client publishing a 440 Hz tone (offering Opus, PCMU, PCMA) connects (ICE+DTLS) and its media is accepted.' : 'A werift viewer connects (ICE+DTLS), receives RTP and the published 440 Hz tone is detected in the decoded audio.'), check: '' },
]

const ROLE_ONLY: Array<Omit<Requirement, 'document' | 'suite'> & { suite: Suite }> = [
  { id: 'whep.answer.single-msid', suite: 'whep', section: '4.4.2', level: 'MUST', text: 'The answer sends one MediaStream: every a=msid uses the same stream id, with at most one track per kind.', check: 'Collect the a=msid lines of the answer; expect one stream id and at most one sending section per kind.' },
  { id: 'whep.stream.unknown-404', suite: 'whep', section: '4.2', level: 'SHOULD', source: 'seed-004', text: 'A POST for a stream that does not exist is answered with 404 Not Found.', check: 'POST an offer to the endpoint URL with its last path segment replaced by a random name; expect 404.' },
]

const WORDS = {
  whip: { endpoint: 'WHIP endpoint', session: 'WHIP session', direction: 'recvonly', name: 'WHIP endpoint' },
  whep: { endpoint: 'WHEP endpoint', session: 'WHEP session', direction: 'sendonly', name: 'WHEP endpoint' },
}

function build(): Requirement[] {
  const out: Requirement[] = []
  for (const suite of ['whip', 'whep'] as const) {
    for (const s of SHARED) {
      const r: Requirement = {
        id: `${suite}.${s.key}`,
        suite,
        document: DOCUMENTS[suite].name,
        section: s[suite],
        level: s.level,
        text: s.text(WORDS[suite]),
        check:
          s.key === 'media'
            ? suite === 'whip'
              ? 'Publish a 440 Hz tone with a werift peer; expect ICE+DTLS connected and packets sent (with --whep-url, also play it back and detect the tone).'
              : 'Play with a werift peer (after publishing a tone to --publish-url when given); expect RTP and the 440 Hz tone in the decoded audio.'
            : s.check,
      }
      if (s.media) r.media = true
      if (s.source) r.source = s.source
      out.push(r)
    }
  }
  for (const r of ROLE_ONLY) out.push({ ...r, document: DOCUMENTS[r.suite].name })
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
