/**
 * What a SIP element must answer, and when RFC 3261 lets it stay silent, for the three kinds of endpoints
 * `rtcspec fuzz sip --profile` checks: a user agent server (`uas`), a proxy (`proxy`), a registrar that is
 * also a proxy (`registrar`). Pure functions over the exact bytes sent, so every rule has a unit test.
 *
 * Silence is a finding only where the RFC requires an answer. It is permitted for:
 * - a message that is not RFC 3261 SIP (grammar, framing, a mandatory header missing, repeated or broken):
 *   §18.3 discards bad framing over UDP, and an answer needs a well-formed Via/From/To/Call-ID/CSeq to copy
 *   (§8.2.6.2), so an element may drop what it cannot parse (400 is a SHOULD, §21.4.1);
 * - a request over 1300 bytes (§18.1.1 sends those over a congestion-controlled transport, not UDP);
 * - a request whose top Via names another address without `rport` (§18.2.2 sends the answer there);
 * - a request with a pre-loaded Route to another element (§16.4: the proxy forwards it there);
 * - a request whose Request-URI names another element, at a proxy (it forwards it there: §16.5);
 * - a CANCEL that matches no transaction, at a proxy (§16.10: it goes on statelessly or is dropped);
 * - any response (a stray response is never answered: §18.1.2, §16.7).
 * An ACK must never be answered (§17.1.1.3, §17.2.1), nor a response.
 */
import { ParseError } from '../../errors.ts'
import { parseNameAddr, parseSipUri, parseVia, type SipVia } from '../../sip/headers.ts'
import {
  canonicalHeaderName,
  getHeader,
  getHeaders,
  safeParseSipMessage,
  splitList,
  type SipMessage,
  type SipRequest,
  type SipResponse,
} from '../../sip/message.ts'

/** Which kind of SIP element the fuzzed endpoint is. */
export type SipProfile = 'uas' | 'proxy' | 'registrar'

/** The profiles, for the CLI. */
export const SIP_PROFILES: readonly SipProfile[] = ['uas', 'proxy', 'registrar']

/** A rule under which silence is permitted, or a response forbidden. */
export interface SipRule {
  id: string
  /** The rule in words, with its RFC 3261 section. */
  text: string
}

/** The rules, by id. */
export const SIP_RULES = {
  unparsable: { id: 'unparsable', text: 'not parsable as SIP: may be dropped (RFC 3261 §18.3, §21.4.1)' },
  malformed: {
    id: 'malformed',
    text: 'breaks RFC 3261 grammar in a header an answer must copy or the transaction layer reads: may be dropped (§8.2.6.2, §18.3, §21.4.1)',
  },
  tooLarge: { id: 'too-large-for-udp', text: 'a request over 1300 bytes belongs on TCP (§18.1.1): may be dropped over UDP' },
  viaElsewhere: { id: 'via-elsewhere', text: 'the top Via names another address and has no rport: the answer goes there (§18.2.2)' },
  routeElsewhere: { id: 'route-elsewhere', text: 'a pre-loaded Route names another element: the proxy forwards the request there (§16.4, §16.6)' },
  forwardedElsewhere: {
    id: 'forwarded-elsewhere',
    text: 'the Request-URI names another element: a proxy forwards the request there and answers 408 only after Timer B/F (32 s), a stateless one never (§16.5, §16.8, §17.1)',
  },
  cancelUnmatched: { id: 'cancel-unmatched', text: 'a CANCEL matching no transaction: a proxy forwards it statelessly or drops it (§16.10)' },
  ack: { id: 'ack', text: 'an ACK is never answered (§17.1.1.3, §17.2.1)' },
  response: { id: 'response', text: "a stray response is never answered and is dropped when its top Via is not the element's own (§18.1.2, §16.7)" },
} as const satisfies Record<string, SipRule>

/** What the endpoint owes one message. */
export interface SipExpectation {
  /** `final`: a final response is required; `optional`: an answer or silence; `never`: no response may come. */
  answer: 'final' | 'optional' | 'never'
  /** The rule that permits silence (`optional`) or forbids a response (`never`). */
  rule?: SipRule
  /** Details: what is malformed, the Via it goes to… */
  why?: string
  /** The request as parsed (when it parsed). */
  request?: SipRequest
}

/** Where the harness receives SIP (the sent-by it writes in its Via). */
export interface HarnessAddress {
  host: string
  port: number
}

const SINGLE = ['call-id', 'from', 'to', 'cseq', 'max-forwards', 'content-length', 'content-type', 'expires'] as const
/** Headers whose grammar needs at least one value (RFC 3261 §25). */
const NOT_EMPTY = [
  'via',
  'from',
  'to',
  'call-id',
  'cseq',
  'contact',
  'route',
  'record-route',
  'max-forwards',
  'content-length',
  'content-type',
  'expires',
  'require',
  'proxy-require',
  'authorization',
  'proxy-authorization',
]
const PARAM_VALUE = /^(?:[\w.!%*+`'~\-:[\]/@?&=$]*|"(?:[^"\\]|\\.)*")$/

/** Option tags the harness knows no element supports (it inserts them on purpose). */
export const UNKNOWN_OPTION_TAGS: readonly string[] = ['x-unknown-extension', 'x']

function paramsProblem(params: Record<string, string | undefined>, header: string): string | undefined {
  for (const [k, v] of Object.entries(params)) {
    if (!/^[\w.!%*+`'~-]+$/.test(k)) return `${header} parameter name ${JSON.stringify(k)} is not a token`
    if (v === '') return `${header} parameter ${k}= has no value`
    if (v !== undefined && !PARAM_VALUE.test(v)) return `${header} parameter ${k}=${JSON.stringify(v)} is not a token or quoted string`
  }
  return undefined
}

function uriProblem(uri: string, header: string): string | undefined {
  if (/^sips?:/i.test(uri)) {
    try {
      const u = parseSipUri(uri)
      return paramsProblem(u.params, `${header} URI`)
    } catch (e) {
      return e instanceof ParseError ? `${header}: ${e.message}` : String(e)
    }
  }
  return /^[A-Za-z][A-Za-z0-9+.-]*:\S+$/.test(uri) ? undefined : `${header} URI ${JSON.stringify(uri)} is not an absolute URI`
}

function nameAddrProblem(value: string, header: string): string | undefined {
  const v = value.trim()
  const gt = v.indexOf('>')
  if (v.includes('<') && gt >= 0 && !/^\s*(;.*)?$/.test(v.slice(gt + 1))) return `${header}: ${JSON.stringify(v.slice(gt + 1))} after ">" is not ";param"`
  if (v.includes('<') && !/^\s*("(?:[^"\\]|\\.)*"|[\w.!%*+`'~-]+(?:\s+[\w.!%*+`'~-]+)*)?\s*<$/.test(v.slice(0, v.indexOf('<') + 1)))
    return `${header}: display name ${JSON.stringify(v.slice(0, v.indexOf('<')))} is not a token list or quoted string`
  if (!v.includes('<') && /\s/.test(v.split(';')[0] ?? '')) return `${header}: white space inside the addr-spec ${JSON.stringify(v)}`
  try {
    const a = parseNameAddr(value, header)
    if (a.uri === '*') return header === 'Contact' ? undefined : `${header} is "*"`
    return uriProblem(a.uri, header) ?? paramsProblem(a.params, header)
  } catch (e) {
    return e instanceof ParseError ? e.message : String(e)
  }
}

/** Why the head of `text` is not CRLF-framed RFC 3261 (bare CR or LF, raw bytes), if it is not. */
function framingProblem(text: string): string | undefined {
  const end = text.indexOf('\r\n\r\n')
  const head = end >= 0 ? text.slice(0, end) : text
  if (/\r(?!\n)|(?<!\r)\n/.test(head)) return 'a header line does not end in CRLF (RFC 3261 §7)'
  if (head.includes('\uFFFD')) return 'the header section is not valid UTF-8'
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x08\x0B\x0C\x0E-\x1F\x7F]/.test(head)) return 'a control character in the header section'
  return undefined
}

/**
 * Why a parsed request breaks RFC 3261 in what an element must read to answer or route it; empty when it
 * is well-formed. (rtcspec's own parser is lenient; this is the strict reading.)
 */
export function requestProblems(req: SipRequest, text: string): string[] {
  const problems: string[] = []
  const framing = framingProblem(text)
  if (framing) problems.push(framing)
  if (req.version !== 'SIP/2.0') problems.push(`version ${req.version} is not SIP/2.0`)
  const ruri = uriProblem(req.uri, 'Request-URI')
  if (ruri) problems.push(ruri)
  for (const name of SINGLE) {
    const n = req.headers.filter((h) => canonicalHeaderName(h.name) === name).length
    if (n > 1) problems.push(`${n} ${name} headers (it takes one value)`)
  }
  for (const name of ['call-id', 'from', 'to', 'cseq']) if (getHeader(req, name) === undefined) problems.push(`no ${name} header`)
  for (const h of req.headers) if (h.value.trim() === '' && NOT_EMPTY.includes(canonicalHeaderName(h.name))) problems.push(`an empty ${h.name} header`)
  const vias = getHeaders(req, 'via')
  if (vias.length === 0) problems.push('no Via header')
  vias.forEach((v, i) => {
    try {
      const via = parseVia(v)
      if (via.protocol !== 'SIP/2.0') problems.push(`Via ${i + 1}: protocol ${via.protocol}`)
      if (i === 0 && !via.params.branch) problems.push('the top Via has no branch')
      const p = paramsProblem(via.params, 'Via')
      if (p) problems.push(p)
    } catch (e) {
      problems.push(e instanceof ParseError ? e.message : String(e))
    }
  })
  const callId = getHeader(req, 'call-id')
  if (callId !== undefined && !/^[\w.!%*+`'~\-()<>:\\"/[\]?{}@]+$/.test(callId)) problems.push(`Call-ID ${JSON.stringify(callId)} is not a word[@word]`)
  const cseq = getHeader(req, 'cseq')
  if (cseq !== undefined) {
    const m = /^(\d{1,10})\s+(\S+)$/.exec(cseq)
    if (!m || Number(m[1]) > 2 ** 31 - 1) problems.push(`CSeq ${JSON.stringify(cseq)} is not "<number below 2^31> <METHOD>"`)
    else if (m[2] !== req.method) problems.push(`CSeq method ${m[2]} differs from the request method ${req.method}`)
  }
  for (const name of ['From', 'To']) {
    const v = getHeader(req, name)
    if (v !== undefined) {
      const p = nameAddrProblem(v, name)
      if (p) problems.push(p)
    }
  }
  for (const name of ['Contact', 'Route', 'Record-Route']) {
    for (const v of getHeaders(req, name)) {
      const p = nameAddrProblem(v, name)
      if (p) problems.push(p)
      else if (name !== 'Contact' && !v.trim().startsWith('<')) problems.push(`${name} ${JSON.stringify(v)} is not a name-addr (<URI>)`)
    }
  }
  const contacts = getHeaders(req, 'contact')
  if (contacts.includes('*') && req.method !== 'REGISTER') problems.push('Contact "*" outside REGISTER')
  const mf = getHeader(req, 'max-forwards')
  if (mf !== undefined && !(/^\d{1,3}$/.test(mf) && Number(mf) <= 255)) problems.push(`Max-Forwards ${JSON.stringify(mf)} is not an integer 0..255 (§20.22)`)
  const expires = getHeader(req, 'expires')
  if (expires !== undefined && !/^\d+$/.test(expires)) problems.push(`Expires ${JSON.stringify(expires)} is not delta-seconds`)
  for (const name of ['authorization', 'proxy-authorization']) {
    for (const h of req.headers.filter((x) => canonicalHeaderName(x.name) === name)) {
      const m = /^(\w+)\s+(.*)$/.exec(h.value)
      const params = m ? splitList(m[2] ?? '') : []
      if (!m || params.length === 0 || params.some((p) => !/^[\w-]+\s*=\s*(?:"(?:[^"\\]|\\.)*"|[^\s",]+)$/.test(p)))
        problems.push(`${h.name} ${JSON.stringify(h.value)} is not "<scheme> name=value, …" credentials`)
    }
  }
  if (req.body !== '' && getHeader(req, 'content-type') === undefined) problems.push('a body without Content-Type (§7.4.1)')
  return problems
}

function sameAddress(via: SipVia, at: HarnessAddress): boolean {
  const host = via.host.replace(/^\[|\]$/g, '')
  return host === at.host && (via.port ?? 5060) === at.port
}

function isMyself(uri: string, endpoint: HarnessAddress | undefined): boolean {
  if (!endpoint) return false
  try {
    const u = parseSipUri(uri)
    return u.host.replace(/^\[|\]$/g, '') === endpoint.host && (u.port ?? 5060) === endpoint.port
  } catch {
    return false
  }
}

/**
 * What `profile` owes the message `text` sent from `harness` over UDP (undefined over a connection) to
 * `endpoint` (whose own address a Route may name). Content-Length framing is checked by the parser
 * (a Content-Length beyond the body makes the message unparsable).
 */
export function sipExpectation(profile: SipProfile, text: string, harness: HarnessAddress | undefined, endpoint?: HarnessAddress): SipExpectation {
  const parsed = safeParseSipMessage(text)
  if (!parsed.ok) return { answer: 'optional', rule: SIP_RULES.unparsable, why: parsed.error.message }
  const msg: SipMessage = parsed.value
  if (msg.kind === 'response') return { answer: 'never', rule: SIP_RULES.response }
  const req = msg
  const problems = requestProblems(req, text)
  if (req.method === 'ACK') return { answer: 'never', rule: SIP_RULES.ack, request: req, ...(problems.length ? { why: problems.join('; ') } : {}) }
  if (problems.length) return { answer: 'optional', rule: SIP_RULES.malformed, why: problems.join('; '), request: req }
  const top = parseVia(getHeaders(req, 'via')[0] as string)
  // over a connection (WebSocket) the answer takes the connection, whatever the Via says (§18.2.2)
  if (harness && !sameAddress(top, harness) && !('rport' in top.params))
    return { answer: 'optional', rule: SIP_RULES.viaElsewhere, why: `top Via ${top.host}:${top.port ?? 5060}`, request: req }
  if (new TextEncoder().encode(text).byteLength > 1300) return { answer: 'optional', rule: SIP_RULES.tooLarge, request: req }
  if (profile !== 'uas') {
    const route = getHeaders(req, 'route')[0]
    if (route !== undefined && !isMyself(parseNameAddr(route, 'Route').uri, endpoint))
      return { answer: 'optional', rule: SIP_RULES.routeElsewhere, why: `Route ${route}`, request: req }
    if (req.method === 'CANCEL') return { answer: 'optional', rule: SIP_RULES.cancelUnmatched, request: req }
    if (endpoint && !isMyself(req.uri, endpoint)) return { answer: 'optional', rule: SIP_RULES.forwardedElsewhere, why: `Request-URI ${req.uri}`, request: req }
  }
  return { answer: 'final', request: req }
}

function optionTags(req: SipRequest, header: string): string[] {
  return getHeaders(req, header)
    .flatMap((v) => v.split(','))
    .map((t) => t.trim().toLowerCase())
    .filter(Boolean)
}

/**
 * What is wrong with `final`, the final response `profile` gave to `req` (a request sipExpectation found
 * well-formed): status codes the RFC requires for this request.
 */
export function finalResponseProblems(profile: SipProfile, req: SipRequest, final: SipResponse): string[] {
  const problems: string[] = []
  const unknown = (header: string) => optionTags(req, header).filter((t) => UNKNOWN_OPTION_TAGS.includes(t))
  if (profile !== 'uas' && unknown('proxy-require').length && final.status !== 420) {
    problems.push(
      `Proxy-Require: ${unknown('proxy-require').join(', ')} (an option no proxy supports) was answered ${final.status}, not 420 Bad Extension (RFC 3261 §16.3 step 5)`,
    )
  }
  if (profile === 'uas') {
    if (req.method === 'CANCEL' && final.status !== 481) problems.push(`a CANCEL matching no transaction was answered ${final.status}, not 481 (RFC 3261 §9.2)`)
    else if (req.method !== 'CANCEL' && unknown('require').length && final.status !== 420 && final.status < 300) {
      problems.push(
        `Require: ${unknown('require').join(', ')} (an option no UA supports) was answered ${final.status}, not 420 Bad Extension (RFC 3261 §8.2.2.3)`,
      )
    }
  }
  if (profile === 'registrar' && req.method === 'REGISTER') {
    const contacts = getHeaders(req, 'contact')
    const expires = getHeader(req, 'expires')
    if (contacts.includes('*') && (contacts.length > 1 || expires !== '0') && final.status >= 200 && final.status < 300) {
      problems.push(
        `a REGISTER with Contact "*" ${contacts.length > 1 ? 'and other Contacts' : `and Expires ${expires ?? '(none)'}`} was answered ${final.status}, not 400 (RFC 3261 §10.3 step 6)`,
      )
    }
    if (final.status === 200 && !contacts.includes('*') && expires !== '0') {
      const listed = getHeaders(final, 'contact').map((c) => {
        try {
          return parseNameAddr(c, 'Contact').uri
        } catch {
          return c
        }
      })
      for (const c of contacts) {
        const a = parseNameAddr(c, 'Contact')
        if (a.params.expires === '0') continue
        if (!listed.includes(a.uri))
          problems.push(`the 200 to REGISTER does not list the binding ${a.uri} (RFC 3261 §10.3 step 8: it lists every current binding)`)
      }
    }
  }
  return problems
}

/** What is wrong with any response to a request: it must carry the request's Call-ID and CSeq (RFC 3261 §8.2.6.2). */
export function correlationProblems(req: SipRequest, res: SipResponse): string[] {
  const problems: string[] = []
  const callId = getHeader(req, 'call-id')
  const cseq = getHeader(req, 'cseq')
  if (getHeader(res, 'call-id') !== callId)
    problems.push(`response Call-ID ${JSON.stringify(getHeader(res, 'call-id'))} differs from the request's ${JSON.stringify(callId)}`)
  if ((getHeader(res, 'cseq') ?? '').replace(/\s+/g, ' ') !== (cseq ?? '').replace(/\s+/g, ' '))
    problems.push(`response CSeq ${JSON.stringify(getHeader(res, 'cseq'))} differs from the request's ${JSON.stringify(cseq)}`)
  return problems
}
