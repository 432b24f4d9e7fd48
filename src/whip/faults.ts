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
  'answer.setup',
  'patch.trickle',
  'patch.unsupported',
  'patch.sdpfrag-invalid',
  'patch.content-type',
  'etag.issued',
  'etag.if-match-required',
  'etag.stale',
  'restart.answer',
  'restart.new-etag',
  'restart.failure-keeps-session',
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
 * Faults that only exist on one side: the WHIP endpoint's 406 for offers with more than one MediaStream or
 * track per kind, and its no-partial-answers rule (RFC 9725 §4.4.2, §4.4.3; the WHEP draft has neither);
 * the WHEP answer's single MediaStream and the seed 004 unknown-stream 404.
 */
export const ROLE_ONLY_FAULTS = ['whip.offer.single-msid', 'whip.answer.no-partial', 'whep.answer.single-msid', 'whep.stream.unknown-404'] as const

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
