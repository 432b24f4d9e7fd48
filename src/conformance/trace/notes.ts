/**
 * Reasons shared by the WHIP and WHEP traceability maps: where rtcspec's client (src/whip/session-client.ts,
 * used by `publish()` in src/whip/client.ts and `play()` in src/whep/client.ts) stands on the client rules
 * both documents repeat, and why some server rules are not checked over the wire.
 */
export const NOTE = {
  errorCauses:
    'session-client.ts acts only on the statuses the documents give a meaning to (201; 307/308; 405/422 to a trickle PATCH; WHEP 406 counter-offer and 409 + Retry-After) and reports any other as a SessionHttpError naming the status; it infers no finer cause from a code.',
  anyStatus: 'any status session-client.ts does not expect becomes a SessionHttpError with the exchange (a 401 or 404 adds a hint); none crashes the client.',
  offerPost: "startClientSession() POSTs the peer's own JSEP offer (werift or Chromium createOffer()) to the endpoint URL it was given.",
  postContentType: 'session-client.ts POSTs the offer as the body with Content-Type: application/sdp.',
  delete: "ClientSession.close() (and `await using`) sends DELETE to the session URL resolved from the 201's Location.",
  consent:
    'detecting a non-graceful disconnection means letting consent expire (30 s, RFC 7675 §5.1) and then seeing the server end the session; a conformance run does not wait that long, and how the server "ends" it (beyond no longer answering ICE) is not visible over HTTP. That the server answers consent checks while the session lives, and stops after DELETE, is checked by delete.consent. Client part: left to the peer\'s ICE agent.',
  patchMay: 'session-client.ts trickles local candidates with PATCH and offers restartIce().',
  patchBody: 'session-client.ts builds PATCH bodies with buildSdpFrag and sends them as application/trickle-ice-sdpfrag.',
  overlapping: "trickle PATCHes are sent one after the other (one flush chain); ICE restarts may overlap, and only the newest one's answer is applied.",
  deleteNoEtag: 'close() sends DELETE without If-Match.',
  offerTiming: 'a client choice; session-client.ts POSTs the offer from createOffer() at once and trickles the candidates gathered later.',
  offerAsap: 'startClientSession() POSTs as soon as createOffer() returns, without waiting for gathering.',
  buffer: "local candidates are buffered (`pending`) until the 201's Location is known, then flushed.",
  aggregate: 'flush() sends every buffered candidate in one PATCH.',
  bufferRestart:
    'partly: restartIce() waits (up to 3 s) for the restart gathering and sends those candidates in the restart PATCH itself; candidates gathered while a restart is pending are not buffered for a later PATCH.',
  excludeConfirmed: 'each flush sends only the candidates not sent before.',
  etagUse: "client part: trickle PATCHes carry If-Match with the session's current ETag when the server sent one.",
  keepNegotiated:
    'the server part is internal (it keeps the negotiated media after a restart) and would only show as media continuing across an ICE restart, which no check performs. Client part: restartIce() applies the previous answer with only its ICE lines replaced (withIce).',
  restartBody: 'restartIce() sends the new ice-ufrag/ice-pwd and the freshly gathered candidates in the sdpfrag.',
  restartIfMatch: 'restartIce() sends If-Match: "*".',
  quote: 'restates an RFC 8840 rule in order to override it; the override (a new ufrag/pwd means an ICE restart) is the next sentence.',
  replaceCandidates:
    'which remote candidates the server keeps after a restart is internal ICE state; seeing it would take connectivity checks from addresses the restart dropped, which a loopback run cannot produce. Client part: restartIce() applies a description holding only the new candidates.',
  sameIceAttrsClient:
    "server part: restart.ice-attributes. Client part: NOT enforced — session-client.ts builds its restart sdpfrag without the offer's ice-options/ice-pacing/ice-lite.",
  retry: 'a client choice; restartIce() may be called again, close() DELETEs.',
  consentAfterRestart:
    'needs a failed ICE restart on a connected session and then waiting for consent to expire (30 s, RFC 7675 §5.1); the media check performs no restart and a run does not wait that long.',
  ignorePending: 'restartIce() ignores the answer of a restart superseded by a newer one (restartSeq) and replaces the ufrag/pwd with the newest.',
  applyLast: "only the newest restart's answer is applied (restartSeq).",
  detectMismatch: 'NOT enforced: session-client.ts does not detect an ICE credential mismatch and restart on its own.',
  bundleClient: "client part: rtcspec's werift peer bundles all media on one transport (max-bundle); a Chromium peer uses its own bundle policy.",
  muxOnlyClient:
    "client part: NOT enforced — session-client.ts does not add a=rtcp-mux-only to the peer's offer (werift and Chromium offers carry a=rtcp-mux).",
  fullIceServer:
    'whether ICE lite is allowed depends on the server being reachable at its address by every authorized client, which rtcspec cannot observe; the answer shows only whether it is lite (a=ice-lite).',
  fullIceClient: 'werift and Chromium peers are full ICE agents.',
  redirects: 'session-client.ts follows 307/308 for the POST (up to maxRedirects) and refuses 301/302/303, which may turn the POST into a GET.',
  busy503: 'a permission; the checks treat a 503 (like 403/409/429) as busy and retry after its Retry-After (context.ts).',
  problemDetails: 'a permission; the error body is free. rtcspec shows the first bytes of any error body in its evidence.',
  authClient: 'client part: with a token, every request of the session carries Authorization: Bearer (baseHeaders()).',
  authAll: 'with `token`, baseHeaders() puts Authorization: Bearer on every request of the session (POST, PATCH, DELETE); the client sends no OPTIONS.',
  authNone: 'without `token`, no Authorization header is sent.',
  extensionsClient: 'client part: unknown rels are ignored (kept in extensionLinks).',
  https:
    'the scheme of the URL under test is visible, but rtcspec is pointed at plain-HTTP servers on loopback by design (its reference server, CI) and does not fail a run for it; deployments are expected to put HTTPS in front.',
  rateLimit: 'no threshold is specified, and finding one would mean flooding the server under test.',
  randomUrls:
    'randomness could only be judged from a few sampled Location URLs (a weak, heuristic check), and the DELETE rate limit has no specified threshold.',
} as const
