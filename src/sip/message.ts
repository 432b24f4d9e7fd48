/**
 * SIP messages (RFC 3261 §7): typed parse and serialize of requests and responses. Pure, no I/O.
 *
 * - Header names are kept as written; lookups are case-insensitive and understand the compact forms
 *   (`v` Via, `f` From, `t` To, `i` Call-ID, `m` Contact, `l` Content-Length, `c` Content-Type, ...).
 * - Folded header lines (continuation lines starting with space or tab) are unfolded on parse.
 * - The body is exactly `Content-Length` bytes (UTF-8) when the header is present; without it, the rest
 *   of the input (datagram transports, RFC 3261 §18.3). A shorter body is a ParseError.
 * - {@link serializeSipMessage} writes `Name: value` lines in order and sets Content-Length to the real
 *   body length (unless told not to), so a parsed canonical message serializes back byte-exactly.
 */
import { ParseError, safely, type ParseResult } from '../errors.ts'

/** One header line, name as written, value with surrounding whitespace trimmed (folds joined by one space). */
export interface SipHeader {
  name: string
  value: string
}

/** A SIP request: `METHOD uri SIP/2.0`. */
export interface SipRequest {
  kind: 'request'
  method: string
  uri: string
  version: string
  headers: SipHeader[]
  body: string
}

/** A SIP response: `SIP/2.0 status reason`. */
export interface SipResponse {
  kind: 'response'
  status: number
  reason: string
  version: string
  headers: SipHeader[]
  body: string
}

/** A SIP request or response. */
export type SipMessage = SipRequest | SipResponse

/** RFC 3261 §7.3.3 compact forms plus the ones registered later (RFC 3265, 3515, 3841, 4028, 4474). */
export const COMPACT_HEADER_FORMS: Readonly<Record<string, string>> = {
  a: 'Accept-Contact',
  b: 'Referred-By',
  c: 'Content-Type',
  d: 'Request-Disposition',
  e: 'Content-Encoding',
  f: 'From',
  i: 'Call-ID',
  j: 'Reject-Contact',
  k: 'Supported',
  l: 'Content-Length',
  m: 'Contact',
  n: 'Identity-Info',
  o: 'Event',
  r: 'Refer-To',
  s: 'Subject',
  t: 'To',
  u: 'Allow-Events',
  v: 'Via',
  x: 'Session-Expires',
  y: 'Identity',
}

/** Canonical (long, lower-case) name of a header name that may be compact: `v` → `via`. */
export function canonicalHeaderName(name: string): string {
  const known = canonicalNames.get(name)
  if (known !== undefined) return known
  const lower = name.toLowerCase()
  const canonical = (COMPACT_HEADER_FORMS[lower] ?? lower).toLowerCase()
  // Header names repeat in every message: remember them (bounded, so odd names cannot grow it).
  if (canonicalNames.size < 512) canonicalNames.set(name, canonical)
  return canonical
}

const canonicalNames = new Map<string, string>()

const TOKEN = /^[A-Za-z0-9\-.!%*_+`'~]+$/
const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: false })

/** Byte length of a string in UTF-8. */
export function utf8Length(text: string): number {
  return encoder.encode(text).length
}

function fail(reason: string, lineNumber?: number, line?: string, hint?: string): never {
  throw new ParseError('sip', reason, {
    ...(lineNumber !== undefined ? { lineNumber } : {}),
    ...(line !== undefined ? { line } : {}),
    ...(hint ? { hint } : {}),
  })
}

/** Splits the input at the first empty line; returns head text and body bytes. */
function splitHead(bytes: Uint8Array): { head: string; body: Uint8Array } {
  for (let i = 0; i + 1 < bytes.length; i++) {
    if (bytes[i] === 0x0a && bytes[i + 1] === 0x0a) return { head: decoder.decode(bytes.subarray(0, i)), body: bytes.subarray(i + 2) }
    if (bytes[i] === 0x0d && bytes[i + 1] === 0x0a && bytes[i + 2] === 0x0d && bytes[i + 3] === 0x0a) {
      return { head: decoder.decode(bytes.subarray(0, i)), body: bytes.subarray(i + 4) }
    }
  }
  fail('no empty line ends the header section', undefined, undefined, 'every SIP message needs CRLF CRLF after the last header, even without a body')
}

function parseStartLine(line: string): Omit<SipRequest, 'headers' | 'body'> | Omit<SipResponse, 'headers' | 'body'> {
  if (line.startsWith('SIP/')) {
    const m = /^(SIP\/\d+\.\d+) (\d{3}) ?(.*)$/.exec(line)
    if (!m) fail('a status line is "SIP/2.0 <3-digit code> <reason>"', 1, line)
    const status = Number(m[2])
    if (status < 100 || status > 699) fail(`status code ${status} is outside 100..699`, 1, line)
    return { kind: 'response', version: m[1]!, status, reason: m[3] ?? '' }
  }
  const parts = line.split(' ')
  if (parts.length !== 3) fail('a request line is "<METHOD> <Request-URI> SIP/2.0" with single spaces', 1, line)
  const [method, uri, version] = parts as [string, string, string]
  if (!TOKEN.test(method)) fail(`method "${method}" is not a token`, 1, line)
  if (!/^SIP\/\d+\.\d+$/.test(version)) fail(`"${version}" is not a SIP version (SIP/2.0)`, 1, line)
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:\S+$/.test(uri)) fail(`Request-URI "${uri}" is not an absolute URI (sip:user@host)`, 1, line)
  return { kind: 'request', method, uri, version }
}

/** Parses one SIP message. Throws a {@link ParseError} naming the line and the reason. */
export function parseSipMessage(input: string | Uint8Array): SipMessage {
  if (typeof input === 'string' && !NON_ASCII.test(input)) return parseAscii(input)
  const bytes = typeof input === 'string' ? encoder.encode(input) : input
  // RFC 3261 §7.5: implementations SHOULD ignore CRLFs before the start line (keep-alives).
  let start = 0
  while (start < bytes.length && (bytes[start] === 0x0d || bytes[start] === 0x0a)) start++
  if (start >= bytes.length) fail('empty message')
  const { head, body: bodyBytes } = splitHead(bytes.subarray(start))
  return parseHead(head, bodyBytes.length, (n) => decoder.decode(n === undefined ? bodyBytes : bodyBytes.subarray(0, n)))
}

/**
 * The start line, headers and body of a message whose head (the text before the empty line) is `head` and whose
 * body has `bodyLength` bytes; `bodyOf(n)` is the body's first `n` bytes as text (all of it when undefined).
 */
function parseHead(head: string, bodyLength: number, bodyOf: (n: number | undefined) => string): SipMessage {
  const lines = head.split(/\r?\n/)
  const startLine = parseStartLine(lines[0] ?? '')
  const headers: SipHeader[] = []
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!
    if (line.includes('\r')) fail('bare CR inside a header line', i + 1, line)
    if (line.startsWith(' ') || line.startsWith('\t')) {
      const last = headers.at(-1)
      if (!last) fail('continuation line before any header', i + 1, line)
      last.value = `${last.value} ${line.trim()}`.trim()
      continue
    }
    const colon = line.indexOf(':')
    if (colon <= 0) fail('a header line is "Name: value"', i + 1, line)
    const name = line.slice(0, colon).trimEnd()
    if (!TOKEN.test(name)) fail(`header name "${name}" is not a token`, i + 1, line)
    headers.push({ name, value: line.slice(colon + 1).trim() })
  }
  let n: number | undefined
  const lengths = headers.filter((h) => canonicalHeaderName(h.name) === 'content-length')
  if (lengths.length > 1) fail('more than one Content-Length header')
  const lengthHeader = lengths[0]
  if (lengthHeader) {
    if (!/^\d{1,9}$/.test(lengthHeader.value))
      fail(`Content-Length "${lengthHeader.value}" is not a number`, lineOf(lines, lengthHeader), `${lengthHeader.name}: ${lengthHeader.value}`)
    n = Number(lengthHeader.value)
    if (n > bodyLength) {
      fail(
        `Content-Length says ${n} bytes but only ${bodyLength} follow the headers`,
        lineOf(lines, lengthHeader),
        `${lengthHeader.name}: ${lengthHeader.value}`,
        'the message was truncated, or Content-Length is wrong',
      )
    }
  }
  return { ...startLine, headers, body: bodyOf(n) } as SipMessage
}

const NON_ASCII = /[^\x00-\x7f]/

/**
 * {@link parseSipMessage} of an ASCII string (every SIP message without non-ASCII text): characters are
 * bytes, so the head and body are found in the string itself instead of encoding it to bytes and back.
 */
function parseAscii(text: string): SipMessage {
  let start = 0
  while (start < text.length && (text.charCodeAt(start) === 0x0d || text.charCodeAt(start) === 0x0a)) start++
  if (start >= text.length) fail('empty message')
  // The first empty line, as splitHead finds it: LF LF or CR LF CR LF, whichever comes first.
  const lf = text.indexOf('\n\n', start)
  const crlf = text.indexOf('\r\n\r\n', start)
  if (lf < 0 && crlf < 0)
    fail('no empty line ends the header section', undefined, undefined, 'every SIP message needs CRLF CRLF after the last header, even without a body')
  const lfFirst = lf >= 0 && (crlf < 0 || lf < crlf)
  const head = text.slice(start, lfFirst ? lf : crlf)
  const rest = text.slice(lfFirst ? lf + 2 : crlf + 4)
  return parseHead(head, rest.length, (n) => (n === undefined ? rest : rest.slice(0, n)))
}

function lineOf(lines: string[], header: SipHeader): number | undefined {
  const i = lines.findIndex((l) => l.startsWith(header.name) && l.includes(':'))
  return i >= 0 ? i + 1 : undefined
}

/** Like {@link parseSipMessage} but returns a result instead of throwing for bad input. */
export function safeParseSipMessage(input: string | Uint8Array): ParseResult<SipMessage> {
  return safely(() => parseSipMessage(input))
}

/** Options of {@link serializeSipMessage}. */
export interface SerializeSipOptions {
  /** Set (or add) Content-Length to the body's UTF-8 length. Default true. */
  contentLength?: boolean
}

/** Serializes a message with CRLF line endings. */
export function serializeSipMessage(message: SipMessage, options: SerializeSipOptions = {}): string {
  const startLine =
    message.kind === 'request' ? `${message.method} ${message.uri} ${message.version}` : `${message.version} ${message.status} ${message.reason}`
  const headers = message.headers.map((h) => ({ ...h }))
  if (options.contentLength ?? true) {
    const length = String(utf8Length(message.body))
    const existing = headers.find((h) => canonicalHeaderName(h.name) === 'content-length')
    if (existing) existing.value = length
    else headers.push({ name: 'Content-Length', value: length })
  }
  return `${startLine}\r\n${headers.map((h) => `${h.name}: ${h.value}\r\n`).join('')}\r\n${message.body}`
}

/** First value of a header (compact forms understood), or undefined. */
export function getHeader(message: Pick<SipMessage, 'headers'>, name: string): string | undefined {
  const want = canonicalHeaderName(name)
  return message.headers.find((h) => canonicalHeaderName(h.name) === want)?.value
}

/**
 * Every value of a header, with comma-separated lists split (Via, Contact, Route, Supported...),
 * respecting quoted strings and `<...>`.
 */
export function getHeaders(message: Pick<SipMessage, 'headers'>, name: string): string[] {
  const want = canonicalHeaderName(name)
  return message.headers.filter((h) => canonicalHeaderName(h.name) === want).flatMap((h) => splitList(h.value))
}

/** Splits a comma-separated header value, ignoring commas inside quotes and angle brackets. */
export function splitList(value: string): string[] {
  // Most values are one item: without a comma the loop below returns the trimmed value (or nothing).
  if (!value.includes(',')) {
    const one = value.trim()
    return one ? [one] : []
  }
  const out: string[] = []
  let depth = 0
  let quoted = false
  let current = ''
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!
    if (quoted) {
      if (ch === '\\') {
        current += ch + (value[i + 1] ?? '')
        i++
        continue
      }
      if (ch === '"') quoted = false
    } else if (ch === '"') quoted = true
    else if (ch === '<') depth++
    else if (ch === '>') depth = Math.max(0, depth - 1)
    else if (ch === ',' && depth === 0) {
      if (current.trim()) out.push(current.trim())
      current = ''
      continue
    }
    current += ch
  }
  if (current.trim()) out.push(current.trim())
  return out
}

/** Replaces every occurrence of a header with one value (or appends it). Returns a new message. */
export function setHeader<M extends SipMessage>(message: M, name: string, value: string): M {
  const want = canonicalHeaderName(name)
  const headers: SipHeader[] = []
  let placed = false
  for (const h of message.headers) {
    if (canonicalHeaderName(h.name) !== want) headers.push(h)
    else if (!placed) {
      headers.push({ name: h.name, value })
      placed = true
    }
  }
  if (!placed) headers.push({ name, value })
  return { ...message, headers }
}

/** Removes every occurrence of a header. Returns a new message. */
export function removeHeader<M extends SipMessage>(message: M, name: string): M {
  const want = canonicalHeaderName(name)
  return { ...message, headers: message.headers.filter((h) => canonicalHeaderName(h.name) !== want) }
}

/** A short description for ladders and errors: `INVITE sip:bob@x` or `200 OK (INVITE)`. */
export function describeSipMessage(message: SipMessage): string {
  if (message.kind === 'request') return `${message.method} ${message.uri}`
  const cseq = getHeader(message, 'cseq')
  const method = cseq?.split(/\s+/)[1]
  return `${message.status} ${message.reason}${method ? ` (${method})` : ''}`
}
