/**
 * SIP messages (RFC 3261 §7, §8.1.1, §25 grammar) as fast-check arbitraries: valid requests and responses
 * generated from small records and written with src/sip's `serializeSipMessage` (so they parse back
 * exactly), and structure-aware mutations of their lines (the SDP line ops plus hostile SIP header lines).
 * Every address in a generated message is loopback (127.0.0.1) or a `.test` name (RFC 2606), never routed.
 */
import fc from 'fast-check'
import { serializeSipMessage, type SipHeader, type SipRequest, type SipResponse } from '../../sip/message.ts'
import { applySdpMutations, sdpMutation, type SdpMutation } from './sdp-mutation.ts'

/** Methods generated for requests. */
export const SIP_METHODS = [
  'OPTIONS',
  'REGISTER',
  'INVITE',
  'BYE',
  'CANCEL',
  'ACK',
  'INFO',
  'MESSAGE',
  'SUBSCRIBE',
  'NOTIFY',
  'PRACK',
  'UPDATE',
  'REFER',
  'PUBLISH',
] as const

/** A SIP request, as data. */
export interface SipRequestSpec {
  method: string
  user: string
  /** Request-URI / To host. */
  host: string
  branch: string
  fromTag: string
  callId: string
  cseq: number
  maxForwards: number
  /** Write Via/From/To/Call-ID/Contact/Content-Length in their compact forms (`v`, `f`, `t`, `i`, `m`, `l`). */
  compact: boolean
  /** A small SDP body (INVITE/UPDATE/PRACK) with Content-Type application/sdp. */
  sdpBody: boolean
  extraHeaders: SipHeader[]
}

/** A SIP response, as data. */
export interface SipResponseSpec extends Omit<SipRequestSpec, 'sdpBody'> {
  status: number
  reason: string
  toTag: string
}

const tokenChars = 'abcdefghijklmnopqrstuvwxyz0123456789'
const tok = (min: number, max: number) => fc.string({ unit: fc.constantFrom(...tokenChars), minLength: min, maxLength: max })

const extraHeader: fc.Arbitrary<SipHeader> = fc.oneof(
  fc.constantFrom<SipHeader>(
    { name: 'User-Agent', value: 'rtcspec-fuzz' },
    { name: 'Allow', value: 'INVITE, ACK, CANCEL, BYE, OPTIONS' },
    { name: 'Supported', value: 'replaces, timer' },
    { name: 'Expires', value: '3600' },
    { name: 'Accept', value: 'application/sdp' },
  ),
  fc.record({ name: tok(1, 8).map((n) => `X-${n}`), value: tok(0, 16) }),
)

/**
 * Marks the user part of generated Request-URIs and To headers: a harness replaces it with a tag of its own
 * run, so a proxy never routes a case to a binding an earlier run registered (and left behind).
 */
export const SIP_RUN_MARKER = 'RUN.'

/**
 * The host of generated Request-URIs and To headers that stands for the endpoint under test: a harness
 * replaces it with the endpoint's own host:port, so a proxy routes the request itself instead of forwarding it.
 */
export const SIP_TARGET_MARKER = 'TARGET'

const common = {
  user: tok(1, 8).map((u) => `${SIP_RUN_MARKER}${u}`),
  host: fc.oneof({ weight: 3, arbitrary: fc.constant(SIP_TARGET_MARKER) }, { weight: 1, arbitrary: fc.constantFrom('127.0.0.1', 'example.test', '[::1]') }),
  branch: tok(4, 12),
  fromTag: tok(1, 10),
  callId: tok(4, 16),
  cseq: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
  maxForwards: fc.integer({ min: 1, max: 70 }),
  compact: fc.boolean(),
  extraHeaders: fc.array(extraHeader, { maxLength: 3 }),
}

/** Valid SIP requests as {@link SipRequestSpec} records (text via {@link buildSipRequest}). */
export const sipRequest: fc.Arbitrary<SipRequestSpec> = fc.record({ method: fc.constantFrom(...SIP_METHODS), sdpBody: fc.boolean(), ...common })

/** Valid SIP responses as {@link SipResponseSpec} records (text via {@link buildSipResponse}). */
export const sipResponse: fc.Arbitrary<SipResponseSpec> = fc.record({
  method: fc.constantFrom(...SIP_METHODS),
  status: fc.oneof(fc.constantFrom(100, 180, 183, 200, 202, 401, 403, 404, 407, 486, 487, 500, 503, 603), fc.integer({ min: 100, max: 699 })),
  reason: fc.constantFrom('OK', 'Trying', 'Ringing', 'Not Found', 'Busy Here', 'Server Error', ''),
  toTag: tok(1, 10),
  ...common,
})

const SDP_BODY = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 40000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n'

function name(spec: { compact: boolean }, long: string, short: string): string {
  return spec.compact ? short : long
}

function headersOf(spec: Omit<SipRequestSpec, 'sdpBody'>, method: string, toTag?: string): SipHeader[] {
  return [
    { name: name(spec, 'Via', 'v'), value: `SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK${spec.branch};rport` },
    { name: 'Max-Forwards', value: String(spec.maxForwards) },
    { name: name(spec, 'From', 'f'), value: `<sip:fuzz@example.test>;tag=${spec.fromTag}` },
    { name: name(spec, 'To', 't'), value: `<sip:${spec.user}@${spec.host}>${toTag ? `;tag=${toTag}` : ''}` },
    { name: name(spec, 'Call-ID', 'i'), value: spec.callId },
    { name: 'CSeq', value: `${spec.cseq} ${method}` },
    { name: name(spec, 'Contact', 'm'), value: '<sip:fuzz@127.0.0.1:5060>' },
    ...spec.extraHeaders,
  ]
}

/** The text of a request spec (CRLF, Content-Length set). ACK/CANCEL get the method in CSeq as RFC 3261 requires. */
export function buildSipRequest(spec: SipRequestSpec): string {
  const withBody = spec.sdpBody && ['INVITE', 'UPDATE', 'PRACK', 'ACK'].includes(spec.method)
  const headers = headersOf(spec, spec.method)
  if (withBody) headers.push({ name: name(spec, 'Content-Type', 'c'), value: 'application/sdp' })
  headers.push({ name: name(spec, 'Content-Length', 'l'), value: '0' })
  const msg: SipRequest = {
    kind: 'request',
    method: spec.method,
    uri: `sip:${spec.user}@${spec.host}`,
    version: 'SIP/2.0',
    headers,
    body: withBody ? SDP_BODY : '',
  }
  return serializeSipMessage(msg)
}

/** The text of a response spec. */
export function buildSipResponse(spec: SipResponseSpec): string {
  const headers = headersOf(spec, spec.method, spec.toTag)
  headers.push({ name: name(spec, 'Content-Length', 'l'), value: '0' })
  const msg: SipResponse = { kind: 'response', status: spec.status, reason: spec.reason, version: 'SIP/2.0', headers, body: '' }
  return serializeSipMessage(msg)
}

/** Header lines that break SIP parsers and transaction layers. */
export const HOSTILE_SIP_LINES: readonly string[] = [
  'Content-Length: -1',
  'Content-Length: 99999',
  'Content-Length: 0',
  'Content-Length: 1e3',
  'l: 5',
  'Via:',
  'Via: SIP/2.0/UDP',
  'Via: SIP/2.0/UDP 127.0.0.1;branch=',
  'v: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKdup',
  'CSeq: 1 BYE',
  'CSeq: x INVITE',
  'CSeq: 4294967296 OPTIONS',
  'CSeq:',
  'Max-Forwards: 0',
  'Max-Forwards: -1',
  'Max-Forwards: 99999999999',
  'Call-ID:',
  'i: second-call-id',
  'From: <sip:>',
  'From: garbage',
  'To: "unterminated <sip:x@example.test>',
  'Contact: *',
  ' folded continuation',
  '\tfolded with tab',
  'Expires: 4294967296',
  'Require: x-unknown-extension',
  'Proxy-Require: x',
  'Content-Type: application/sdp',
  'Content-Encoding: gzip',
  'Authorization: Digest',
  'Authorization: Digest username="a", realm="',
  'Route: <sip:127.0.0.1;lr>',
  'Record-Route: <>',
  ':',
  'Header-Without-Colon',
  'X-Empty:',
  'SIP/2.0 200 OK',
  'INVITE sip:x@example.test SIP/2.0',
  '',
]

/** A line-level mutation of a SIP message: the SDP line ops, or the insertion of a hostile header line. */
export const sipMutation: fc.Arbitrary<SdpMutation> = fc.oneof(
  { weight: 3, arbitrary: sdpMutation },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('insert' as const), line: fc.nat(30), text: fc.constantFrom(...HOSTILE_SIP_LINES) }) },
)

/** A request spec plus mutations; 0 mutations is a valid request. */
export interface MutatedSipRequestSpec {
  request: SipRequestSpec
  mutations: SdpMutation[]
}

/** Requests with 0..3 line mutations (text via {@link buildMutatedSipRequest}). */
export const mutatedSipRequest: fc.Arbitrary<MutatedSipRequestSpec> = fc.record({ request: sipRequest, mutations: fc.array(sipMutation, { maxLength: 3 }) })

/** The text of a {@link MutatedSipRequestSpec}. */
export function buildMutatedSipRequest(spec: MutatedSipRequestSpec): string {
  return applySdpMutations(buildSipRequest(spec.request), spec.mutations)
}

/** Any SIP message text: valid or mutated requests, valid or mutated responses. */
export const sipMessageText: fc.Arbitrary<string> = fc.oneof(
  sipRequest.map(buildSipRequest),
  sipResponse.map(buildSipResponse),
  mutatedSipRequest.map(buildMutatedSipRequest),
  fc.tuple(sipResponse, fc.array(sipMutation, { minLength: 1, maxLength: 3 })).map(([r, ms]) => applySdpMutations(buildSipResponse(r), ms)),
)
