/**
 * Faults the reference WHIP/WHEP server can inject. Each fault id is the id of the conformance requirement
 * it breaks (see `src/conformance/catalog.ts`), and each breaks exactly that requirement and nothing else,
 * so the conformance suite can be shown to detect every violation it claims to check.
 */

/** Requirement-level behaviours shared by the WHIP and WHEP endpoints; each exists as `whip.<x>` and `whep.<x>`. */
export const SHARED_FAULT_SUFFIXES = [
  'endpoint.get-head',
  'options.preflight',
  'options.accept-post',
  'cors.expose-headers',
  'post.content-type',
  'post.malformed-sdp',
  'post.201',
  'post.location',
  'post.answer-sdp',
  'answer.direction',
  'answer.bundle',
  'answer.rtcp-mux',
  'answer.rtcp-mux-only',
  'answer.rtcp-mux-only-attr',
  'answer.setup',
  'answer.candidates',
  'patch.trickle',
  'patch.trickle-no-etag',
  'patch.trickle-discard',
  'patch.unsupported',
  'patch.sdpfrag-invalid',
  'patch.content-type',
  'etag.issued',
  'etag.strong',
  'etag.if-match-required',
  'etag.stale',
  'restart.answer',
  'restart.new-etag',
  'restart.ice-attributes',
  'restart.failure-keeps-session',
  'ice.recommended',
  'delete.ends-session',
  'delete.ignores-etag',
  'delete.unknown-idempotent',
  'delete.consent',
  'link.ice-server',
  'link.extensions',
  'auth.bearer',
  'redirect.307',
  'media',
] as const

/**
 * Faults that only exist on one side: the WHIP endpoint's 422 for offers with more than one MediaStream or
 * track per kind, its no-partial-answers rule, its answer to an a=setup:active offer, no STUN/TURN
 * configuration in a CORS preflight, and its simulcast answer (RFC 9725 §4.4.2, §4.4.3, §4.4.4, §4.6, §4.8;
 * the WHEP draft has none of them); the WHEP answer's single MediaStream and the 404 for an unknown stream.
 * The video faults break rtcspec's end-to-end video checks: published video that never reaches a viewer
 * (`whip.video.media`, `whep.video.media`), and a late viewer left without a keyframe until the publisher's next
 * periodic one (`whep.video.first-frame`: no PLI on join, viewers' PLI/FIR not forwarded).
 */
export const ROLE_ONLY_FAULTS = [
  'whip.offer.single-msid',
  'whip.answer.no-partial',
  'whip.offer.setup-active',
  'whip.options.no-ice-servers',
  'whip.simulcast.answer',
  'whep.answer.single-msid',
  'whep.stream.unknown-404',
  'whip.video.media',
  'whep.video.media',
  'whep.video.first-frame',
] as const

/** Every fault id the reference server accepts. */
export const SERVER_FAULTS: readonly string[] = [
  ...SHARED_FAULT_SUFFIXES.map((s) => `whip.${s}`),
  ...SHARED_FAULT_SUFFIXES.map((s) => `whep.${s}`),
  ...ROLE_ONLY_FAULTS,
]

/** Whether `id` is a fault the reference server can inject. */
export function isServerFault(id: string): boolean {
  return SERVER_FAULTS.includes(id)
}
