/**
 * ICE candidates as written in SDP (`a=candidate:` lines) and in `RTCIceCandidate.candidate`,
 * following the grammar of RFC 8839 §5.1 plus the `tcptype` extension of RFC 6544 and the
 * extensions Chromium and werift emit (`generation`, `ufrag`, `network-id`, `network-cost`).
 */
import { ParseError, safely, type ParseResult } from '../errors.ts'
import { addressKind, type AddressKind } from './address.ts'

/** The candidate types of RFC 8445 §5.1.1; the grammar also allows any other token. */
export type IceCandidateType = 'host' | 'srflx' | 'prflx' | 'relay' | (string & {})

/** The TCP candidate types of RFC 6544 §4.5. */
export type IceTcpType = 'active' | 'passive' | 'so'

/** A candidate extension (`name value`) kept as written, in order. */
export interface IceCandidateExtension {
  name: string
  value: string
}

/**
 * One ICE candidate (RFC 8839 §5.1). The well-known extensions have typed fields; every other
 * extension is kept, in order, in `extensions`.
 */
export interface IceCandidate {
  /** 1 to 32 ice-chars (`ALPHA / DIGIT / "+" / "/"`). */
  foundation: string
  /** Component id, 1..256 (1 = RTP, 2 = RTCP). */
  component: number
  /** Transport as written: `udp`, `UDP`, `tcp`, `TCP` or another token. Compare case-insensitively. */
  transport: string
  /** 0..2^32-1. */
  priority: number
  /** IPv4, IPv6 (no brackets) or FQDN, including mDNS `.local` names. */
  address: string
  /** 0..65535 (TCP active candidates use 9 or 0). */
  port: number
  /** `host`, `srflx`, `prflx`, `relay` (or another token). */
  type: IceCandidateType
  /** `raddr`: the related address, for srflx/prflx/relay candidates. */
  relatedAddress?: string
  /** `rport`: the related port. */
  relatedPort?: number
  /** `tcptype` (RFC 6544), only on TCP candidates. */
  tcpType?: IceTcpType
  /** `generation` (Chromium, werift). */
  generation?: number
  /** `ufrag`: the ICE username fragment the candidate belongs to. */
  ufrag?: string
  /** `network-id` (Chromium). */
  networkId?: number
  /** `network-cost` (Chromium). */
  networkCost?: number
  /** Every other extension, in the order it was written. */
  extensions: IceCandidateExtension[]
}

/** Options of {@link serializeCandidate}. */
export interface SerializeCandidateOptions {
  /** Text put before the foundation. Default `candidate:` (the `RTCIceCandidate.candidate` form). */
  prefix?: 'candidate:' | 'a=candidate:' | ''
}

const ICE_CHARS = /^[A-Za-z0-9+/]{1,32}$/
// RFC 3261 token
const TOKEN = /^[A-Za-z0-9\-.!%*_+`'~]+$/
const DIGITS = /^\d+$/
// VCHAR = %x21-7E; RFC 8839 allows UTF-8 via extensions only in principle, we accept non-ASCII non-space too
const VCHARS = /^[^\s\x00-\x20\x7f]+$/
const KNOWN_EXTENSIONS = new Set(['tcptype', 'generation', 'ufrag', 'network-id', 'network-cost'])
const RESERVED_NAMES = new Set(['raddr', 'rport', 'typ'])
const MAX_INPUT = 64 * 1024

const HINT =
  'expected "candidate:<foundation> <component> <transport> <priority> <address> <port> typ <type> [raddr <a> rport <p>] [<name> <value>]..." (RFC 8839 §5.1)'

function fail(reason: string, line: string, hint = HINT): never {
  throw new ParseError('candidate', reason, { line, hint })
}

function integer(field: string, text: string, min: number, max: number, maxDigits: number, line: string): number {
  if (!DIGITS.test(text)) fail(`${field} must be a decimal integer, got ${JSON.stringify(text)}`, line)
  if (text.length > maxDigits) fail(`${field} ${text} has more than ${maxDigits} digits`, line)
  const n = Number(text)
  if (n < min || n > max) fail(`${field} ${text} is out of range ${min}..${max}`, line)
  return n
}

function address(field: string, text: string, line: string): string {
  if (addressKind(text) === undefined) {
    fail(`${field} ${JSON.stringify(text)} is not an IPv4 address, an IPv6 address or a host name`, line)
  }
  return text
}

/** Strips `a=candidate:` / `candidate:` and surrounding whitespace (including a trailing CRLF). */
function stripPrefix(text: string): string {
  let t = text.trim()
  if (t.startsWith('a=')) {
    t = t.slice(2)
    if (!t.startsWith('candidate:')) fail('an "a=" line that is not "a=candidate:"', text)
  }
  if (t.startsWith('candidate:')) t = t.slice('candidate:'.length)
  return t
}

/**
 * Parses one ICE candidate. Accepts `a=candidate:...`, `candidate:...` or the bare attribute value
 * (`<foundation> <component> ...`); surrounding whitespace and a trailing CRLF are ignored, and runs
 * of spaces count as one separator. `raddr`/`rport` must directly follow `typ <type>` (RFC 8839
 * grammar); known extensions may appear once each, in any order.
 *
 * @throws {ParseError} format `candidate`; the reason names the offending field.
 */
export function parseCandidate(text: string): IceCandidate {
  if (typeof text !== 'string') fail(`expected a string, got ${typeof text}`, String(text))
  if (text.length > MAX_INPUT) fail(`input is ${text.length} characters, more than ${MAX_INPUT}`, text)
  const line = text
  const body = stripPrefix(text)
  if (body === '') fail('empty candidate (an empty candidate string means end-of-candidates, not a candidate)', line)
  const f = body.split(/[ \t]+/)
  if (f.length < 8) fail(`has ${f.length} field${f.length === 1 ? '' : 's'}, at least 8 are needed`, line)
  const [foundation, comp, transport, prio, addr, portText, typ, typeText] = f as [string, string, string, string, string, string, string, string]

  if (!ICE_CHARS.test(foundation)) {
    fail(`foundation ${JSON.stringify(foundation)} must be 1 to 32 characters of A-Z a-z 0-9 + /`, line)
  }
  const component = integer('component', comp, 1, 256, 3, line)
  if (!TOKEN.test(transport)) fail(`transport ${JSON.stringify(transport)} is not a token`, line)
  const priority = integer('priority', prio, 0, 0xffffffff, 10, line)
  address('address', addr, line)
  const port = integer('port', portText, 0, 65535, 5, line)
  if (typ !== 'typ') fail(`expected "typ" after the port, got ${JSON.stringify(typ)}`, line)
  if (!TOKEN.test(typeText)) fail(`type ${JSON.stringify(typeText)} is not a token`, line)

  const c: IceCandidate = { foundation, component, transport, priority, address: addr, port, type: typeText, extensions: [] }

  let i = 8
  if (f[i] === 'raddr') {
    const v = f[i + 1]
    if (v === undefined) fail('raddr has no value', line)
    c.relatedAddress = address('raddr', v, line)
    i += 2
  }
  if (f[i] === 'rport') {
    const v = f[i + 1]
    if (v === undefined) fail('rport has no value', line)
    c.relatedPort = integer('rport', v, 0, 65535, 5, line)
    i += 2
  }
  const seen = new Set<string>()
  for (; i < f.length; i += 2) {
    const name = f[i] ?? ''
    const value = f[i + 1]
    if (!TOKEN.test(name)) fail(`extension name ${JSON.stringify(name)} is not a token`, line)
    if (value === undefined) fail(`extension ${name} has no value`, line)
    if (!VCHARS.test(value)) fail(`extension ${name} value ${JSON.stringify(value)} has non-printable characters`, line)
    if (RESERVED_NAMES.has(name)) {
      fail(`${name} appears out of place: raddr and rport must directly follow "typ <type>", in that order, once`, line)
    }
    if (KNOWN_EXTENSIONS.has(name)) {
      if (seen.has(name)) fail(`extension ${name} appears twice`, line)
      seen.add(name)
    }
    switch (name) {
      case 'tcptype':
        if (value !== 'active' && value !== 'passive' && value !== 'so') {
          fail(`tcptype ${JSON.stringify(value)} must be active, passive or so (RFC 6544)`, line)
        }
        c.tcpType = value
        break
      case 'generation':
        c.generation = integer('generation', value, 0, 0xffffffff, 10, line)
        break
      case 'ufrag':
        c.ufrag = value
        break
      case 'network-id':
        c.networkId = integer('network-id', value, 0, 0xffffffff, 10, line)
        break
      case 'network-cost':
        c.networkCost = integer('network-cost', value, 0, 0xffffffff, 10, line)
        break
      default:
        c.extensions.push({ name, value })
    }
  }
  if (c.tcpType !== undefined && transport.toLowerCase() !== 'tcp') {
    fail(`tcptype is only valid on TCP candidates, transport is ${transport}`, line)
  }
  return c
}

/** {@link parseCandidate} that returns a {@link ParseResult} instead of throwing. */
export function safeParseCandidate(text: string): ParseResult<IceCandidate> {
  return safely(() => parseCandidate(text))
}

/**
 * Writes a candidate in canonical order: the fixed fields, `typ`, `raddr`, `rport`, `tcptype`,
 * `generation`, `ufrag`, `network-id`, `network-cost`, then the other extensions in order. This is the
 * order Chromium uses, so Chromium candidates round-trip byte for byte. The candidate is validated
 * first (by parsing the result), so an invalid object throws a {@link ParseError} naming the field.
 */
export function serializeCandidate(c: IceCandidate, options: SerializeCandidateOptions = {}): string {
  const strings: [string, unknown][] = [
    ['foundation', c.foundation],
    ['transport', c.transport],
    ['address', c.address],
    ['type', c.type],
    ['raddr', c.relatedAddress],
    ['ufrag', c.ufrag],
    ...c.extensions.flatMap((e): [string, unknown][] => [
      [`extension name`, e.name],
      [`extension ${e.name} value`, e.value],
    ]),
  ]
  for (const [field, v] of strings) {
    if (v !== undefined && (typeof v !== 'string' || !VCHARS.test(v))) {
      throw new ParseError('candidate', `${field} ${JSON.stringify(v)} must be a non-empty string without spaces or control characters`)
    }
  }
  const parts: (string | number)[] = [c.foundation, c.component, c.transport, c.priority, c.address, c.port, 'typ', c.type]
  if (c.relatedAddress !== undefined) parts.push('raddr', c.relatedAddress)
  if (c.relatedPort !== undefined) parts.push('rport', c.relatedPort)
  if (c.tcpType !== undefined) parts.push('tcptype', c.tcpType)
  if (c.generation !== undefined) parts.push('generation', c.generation)
  if (c.ufrag !== undefined) parts.push('ufrag', c.ufrag)
  if (c.networkId !== undefined) parts.push('network-id', c.networkId)
  if (c.networkCost !== undefined) parts.push('network-cost', c.networkCost)
  for (const e of c.extensions) {
    if (KNOWN_EXTENSIONS.has(e.name)) {
      throw new ParseError('candidate', `extension ${e.name} must be set through its typed field, not extensions`, {
        hint: 'use tcpType, generation, ufrag, networkId or networkCost',
      })
    }
    parts.push(e.name, e.value)
  }
  const body = parts.map(String).join(' ')
  parseCandidate(body) // validates every field and names the bad one
  return `${options.prefix ?? 'candidate:'}${body}`
}

/** The address kind of a candidate's `address` (`ipv4`, `ipv6` or `fqdn`, which includes mDNS names). */
export function candidateAddressKind(c: Pick<IceCandidate, 'address'>): AddressKind | undefined {
  return addressKind(c.address)
}

/** True when the candidate's address is an mDNS name (`*.local`, RFC draft-ietf-mmusic-mdns-ice-candidates). */
export function isMdnsCandidate(c: Pick<IceCandidate, 'address'>): boolean {
  return /\.local\.?$/i.test(c.address) && addressKind(c.address) === 'fqdn'
}
