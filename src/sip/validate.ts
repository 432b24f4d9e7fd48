/**
 * Front-door checks of an incoming request and the stateless answers RFC 3261 prescribes (pure, no I/O):
 * 505 for another SIP version (§8.2, §21.5.20), 400 for missing or broken mandatory headers (§8.1.1,
 * §8.2), 420 with `Unsupported` for option tags in `Require` the receiver does not know (§8.2.2.3), and a
 * lenient read of a message the parser refused (e.g. Content-Length beyond the datagram, §18.3) so it can
 * still be answered 400 when its Via, From, To, Call-ID and CSeq are legible.
 */
import { getHeader, getHeaders, splitList, type SipHeader, type SipRequest, type SipResponse } from './message.ts'
import { missingMandatoryHeaders } from './headers.ts'

/** A stateless answer to send instead of handing the request on. */
export interface SipRejection {
  status: number
  reason: string
  /** Extra headers of the answer (e.g. `Unsupported`). */
  headers: SipHeader[]
}

/**
 * Checks a parsed request before a transaction layer sees it. `supported` lists the option tags the
 * receiver implements (lower-case). Returns the answer to send, or undefined when the request may pass.
 * ACK is never answered (RFC 3261 §17.2.1): for ACK the result is only informative.
 */
export function checkIncomingRequest(request: SipRequest, supported: readonly string[]): SipRejection | undefined {
  if (request.version.toUpperCase() !== 'SIP/2.0') return { status: 505, reason: 'Version Not Supported', headers: [] }
  const problems = missingMandatoryHeaders(request)
  if (getHeaders(request, 'call-id').length > 1) problems.push('more than one Call-ID header')
  if (getHeaders(request, 'cseq').length > 1) problems.push('more than one CSeq header')
  if (problems.length) return { status: 400, reason: `Bad Request (${problems[0]})`, headers: [] }
  if (request.method !== 'ACK' && request.method !== 'CANCEL') {
    const required = getHeaders(request, 'require')
      .flatMap((v) => splitList(v))
      .map((t) => t.trim().toLowerCase())
      .filter(Boolean)
    const unknown = required.filter((t) => !supported.includes(t))
    if (unknown.length) return { status: 420, reason: 'Bad Extension', headers: [{ name: 'Unsupported', value: unknown.join(', ') }] }
  }
  return undefined
}

/**
 * Reads a message the strict parser refused, as far as it can be answered: a request line and the
 * headers a response copies. Undefined when it is not a request, or has no Via to answer to.
 */
export function readAnswerableRequest(raw: string): SipRequest | undefined {
  let start = 0
  while (start < raw.length && (raw[start] === '\r' || raw[start] === '\n')) start++
  const text = raw.slice(start)
  const end = text.search(/\r?\n\r?\n/)
  const lines = (end < 0 ? text : text.slice(0, end)).split(/\r?\n/)
  const m = /^([A-Za-z][A-Za-z0-9.!%*_+`'~-]*) (\S+) (SIP\/\d+\.\d+)$/.exec(lines[0] ?? '')
  if (!m) return undefined
  const headers: SipHeader[] = []
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':')
    if (colon <= 0) continue
    const name = line.slice(0, colon).trim()
    if (/^(via|v|from|f|to|t|call-id|i|cseq)$/i.test(name)) headers.push({ name, value: line.slice(colon + 1).trim() })
  }
  const request: SipRequest = { kind: 'request', method: m[1]!, uri: m[2]!, version: m[3]!, headers, body: '' }
  return getHeader(request, 'via') === undefined ? undefined : request
}

/**
 * A stateless response to `request` (RFC 3261 §8.2.6): its Via, From, To (with `toTag` added when it has
 * none and the status is above 100), Call-ID and CSeq, plus `extra` headers.
 */
export function statelessResponse(
  request: SipRequest,
  status: number,
  reason: string,
  options: { toTag?: string; extra?: SipHeader[]; server?: string } = {},
): SipResponse {
  const copy = new Set(['via', 'v', 'from', 'f', 'to', 't', 'call-id', 'i', 'cseq'])
  const headers = request.headers
    .filter((h) => copy.has(h.name.toLowerCase()))
    .map((h) =>
      /^(to|t)$/i.test(h.name) && status > 100 && options.toTag && !/;\s*tag=/i.test(h.value)
        ? { name: h.name, value: `${h.value};tag=${options.toTag}` }
        : { ...h },
    )
  return {
    kind: 'response',
    version: 'SIP/2.0',
    status,
    reason,
    headers: [...headers, ...(options.extra ?? []), ...(options.server ? [{ name: 'Server', value: options.server }] : [])],
    body: '',
  }
}
