/**
 * Typed views of the SIP headers the transaction and dialog layers need: Via, From/To/Contact
 * (name-addr with parameters), CSeq, and SIP URIs. Pure, no I/O; bad input throws a ParseError naming
 * the header.
 */
import { ParseError } from '../errors.ts'
import { getHeader, getHeaders, type SipMessage } from './message.ts'

/** Header parameters (`;tag=abc;lr`): name lower-cased, value `undefined` for a flag. */
export type SipParams = Record<string, string | undefined>

/** A parsed Via value: `SIP/2.0/UDP host:port;branch=z9hG4bK...;rport`. */
export interface SipVia {
  protocol: string
  transport: string
  host: string
  port: number | undefined
  params: SipParams
}

/** A parsed name-addr or addr-spec (From, To, Contact, Route...): `"Alice" <sip:alice@x>;tag=1`. */
export interface SipNameAddr {
  displayName: string | undefined
  uri: string
  params: SipParams
}

/** A parsed SIP URI: `sip:user@host:port;params`. */
export interface SipUri {
  scheme: string
  user: string | undefined
  host: string
  port: number | undefined
  params: SipParams
}

/** A parsed CSeq: `42 INVITE`. */
export interface SipCSeq {
  seq: number
  method: string
}

function headerError(header: string, value: string, reason: string): never {
  throw new ParseError('sip', `${header} header: ${reason}`, { line: `${header}: ${value}` })
}

/** Parses `;a=b;c` parameters (the leading `;` optional). */
export function parseParams(text: string): SipParams {
  const params: SipParams = {}
  for (const part of text.split(';')) {
    const p = part.trim()
    if (!p) continue
    const eq = p.indexOf('=')
    if (eq < 0) params[p.toLowerCase()] = undefined
    else
      params[p.slice(0, eq).trim().toLowerCase()] = p
        .slice(eq + 1)
        .trim()
        .replace(/^"(.*)"$/, '$1')
  }
  return params
}

/** Serializes parameters back to `;a=b;c`. */
export function serializeParams(params: SipParams): string {
  return Object.entries(params)
    .map(([k, v]) => (v === undefined ? `;${k}` : `;${k}=${v}`))
    .join('')
}

function splitHostPort(text: string, header: string, value: string): { host: string; port: number | undefined } {
  const m = /^(\[[0-9A-Fa-f:.]+\]|[^:\s]+)(?::(\d{1,5}))?$/.exec(text)
  if (!m) headerError(header, value, `"${text}" is not host[:port]`)
  const port = m[2] === undefined ? undefined : Number(m[2])
  if (port !== undefined && (port < 1 || port > 65535)) headerError(header, value, `port ${port} is outside 1..65535`)
  return { host: m[1]!, port }
}

/** Parses one Via value. */
export function parseVia(value: string): SipVia {
  const m = /^\s*([A-Za-z0-9.-]+\s*\/\s*[0-9.]+)\s*\/\s*([A-Za-z0-9-]+)\s+([^;\s]+)\s*(;.*)?$/.exec(value)
  if (!m) headerError('Via', value, 'expected "SIP/2.0/<transport> <host>[:port];branch=..."')
  const { host, port } = splitHostPort(m[3]!, 'Via', value)
  return { protocol: m[1]!.replace(/\s+/g, ''), transport: m[2]!.toUpperCase(), host, port, params: parseParams(m[4] ?? '') }
}

/** Serializes a Via value. */
export function serializeVia(via: SipVia): string {
  return `${via.protocol}/${via.transport} ${via.host}${via.port === undefined ? '' : `:${via.port}`}${serializeParams(via.params)}`
}

/** Parses a name-addr (`"Bob" <sip:bob@x>;tag=1`) or addr-spec (`sip:bob@x;tag=1`). */
export function parseNameAddr(value: string, header = 'From'): SipNameAddr {
  const v = value.trim()
  const lt = v.indexOf('<')
  if (lt >= 0) {
    const gt = v.indexOf('>', lt)
    if (gt < 0) headerError(header, value, '"<" without ">"')
    let display = v.slice(0, lt).trim()
    if (display.startsWith('"') && display.endsWith('"') && display.length >= 2) display = display.slice(1, -1).replace(/\\(.)/g, '$1')
    return { displayName: display || undefined, uri: v.slice(lt + 1, gt).trim(), params: parseParams(v.slice(gt + 1)) }
  }
  // addr-spec: parameters after the URI belong to the header (RFC 3261 §20.10).
  const semi = v.indexOf(';')
  const uri = semi < 0 ? v : v.slice(0, semi)
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:\S+$/.test(uri) && uri !== '*') headerError(header, value, `"${uri}" is not a URI`)
  return { displayName: undefined, uri, params: semi < 0 ? {} : parseParams(v.slice(semi)) }
}

/** Serializes a name-addr, always with angle brackets. */
export function serializeNameAddr(addr: SipNameAddr): string {
  const display = addr.displayName === undefined ? '' : `"${addr.displayName.replace(/(["\\])/g, '\\$1')}" `
  return `${display}<${addr.uri}>${serializeParams(addr.params)}`
}

/** Parses a `sip:` / `sips:` URI. */
export function parseSipUri(text: string): SipUri {
  const m = /^(sips?):(?:([^@;]+)@)?([^;?]+)(;[^?]*)?(\?.*)?$/i.exec(text.trim())
  if (!m) throw new ParseError('sip', `"${text}" is not a sip: URI`, { line: text, hint: 'write sip:user@host[:port]' })
  let user = m[2]
  if (user?.includes(':')) user = user.slice(0, user.indexOf(':')) // drop the deprecated password part
  const { host, port } = splitHostPort(m[3]!, 'URI', text)
  return { scheme: m[1]!.toLowerCase(), user, host, port, params: parseParams(m[4] ?? '') }
}

/** Serializes a SIP URI. */
export function serializeSipUri(uri: SipUri): string {
  return `${uri.scheme}:${uri.user === undefined ? '' : `${uri.user}@`}${uri.host}${uri.port === undefined ? '' : `:${uri.port}`}${serializeParams(uri.params)}`
}

/** Parses a CSeq value. */
export function parseCSeq(value: string): SipCSeq {
  const m = /^\s*(\d{1,10})\s+([A-Za-z0-9\-.!%*_+`'~]+)\s*$/.exec(value)
  if (!m) headerError('CSeq', value, 'expected "<number> <METHOD>"')
  const seq = Number(m[1])
  if (seq > 2 ** 31 - 1) headerError('CSeq', value, 'sequence number must be below 2^31')
  return { seq, method: m[2]! }
}

/** The top Via of a message, parsed; throws when there is none. */
export function topVia(message: Pick<SipMessage, 'headers'>): SipVia {
  const first = getHeaders(message, 'via')[0]
  if (first === undefined)
    throw new ParseError('sip', 'missing Via header', { hint: 'every request and response carries at least one Via (RFC 3261 §8.1.1.7)' })
  return parseVia(first)
}

/** The CSeq of a message, parsed; throws when there is none. */
export function cseqOf(message: Pick<SipMessage, 'headers'>): SipCSeq {
  const v = getHeader(message, 'cseq')
  if (v === undefined) throw new ParseError('sip', 'missing CSeq header')
  return parseCSeq(v)
}

/**
 * Checks the headers every message must carry (RFC 3261 §8.1.1): To, From, CSeq, Call-ID, Via, and that
 * they parse. Returns the problems found (empty when fine) so a receiver can answer 400 with a reason.
 */
export function missingMandatoryHeaders(message: SipMessage): string[] {
  const problems: string[] = []
  for (const name of ['via', 'from', 'to', 'call-id', 'cseq']) if (getHeader(message, name) === undefined) problems.push(`missing ${name} header`)
  try {
    if (getHeader(message, 'cseq') !== undefined) {
      const c = cseqOf(message)
      if (message.kind === 'request' && c.method !== message.method && !(message.method === 'ACK' && c.method === 'ACK')) {
        problems.push(`CSeq method ${c.method} does not match request method ${message.method}`)
      }
    }
    if (getHeader(message, 'via') !== undefined) topVia(message)
    for (const n of ['from', 'to']) {
      const v = getHeader(message, n)
      if (v !== undefined) parseNameAddr(v, n)
    }
  } catch (e) {
    problems.push(e instanceof Error ? e.message : String(e))
  }
  return problems
}
