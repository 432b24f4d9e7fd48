/**
 * Parse and format the non-attribute lines that have structure: o=, c=, b=, t=, m=.
 * Parsers are lenient about whitespace and return a reason string on failure (the SDP parser turns
 * it into a ParseError naming the line).
 */
import { isToken, parseUint, tokens } from './attributes.ts'
import type { Bandwidth, Connection, MediaLine, Origin, SdpLine, Timing, MediaLineNode, FieldLine } from './types.ts'
import { formatAttribute } from './attributes.ts'

/** Result of a field parser: the value, or why it is invalid. */
export type FieldResult<T> = { ok: true; value: T } | { ok: false; reason: string; hint?: string }

const fail = (reason: string, hint?: string): { ok: false; reason: string; hint?: string } =>
  hint === undefined ? { ok: false, reason } : { ok: false, reason, hint }

/** Parse the value of an `o=` line. */
export function parseOrigin(value: string): FieldResult<Origin> {
  const p = tokens(value)
  const [username, sessionId, sessionVersion, netType, addrType, address] = p
  if (p.length !== 6 || !username || !sessionId || !sessionVersion || !netType || !addrType || !address) {
    return fail(
      `o= needs 6 fields <username> <sess-id> <sess-version> <nettype> <addrtype> <address>, found ${p.length}`,
      'e.g. o=- 4611731400430051336 2 IN IP4 127.0.0.1',
    )
  }
  return { ok: true, value: { username, sessionId, sessionVersion, netType, addrType, address } }
}

/** Format the value of an `o=` line. */
export function formatOrigin(o: Origin): string {
  return `${o.username} ${o.sessionId} ${o.sessionVersion} ${o.netType} ${o.addrType} ${o.address}`
}

/** Parse the value of a `c=` line. */
export function parseConnection(value: string): FieldResult<Connection> {
  const p = tokens(value)
  const [netType, addrType, address] = p
  if (p.length !== 3 || !netType || !addrType || !address) {
    return fail(`c= needs 3 fields <nettype> <addrtype> <connection-address>, found ${p.length}`, 'e.g. c=IN IP4 0.0.0.0')
  }
  return { ok: true, value: { netType, addrType, address } }
}

/** Format the value of a `c=` line. */
export function formatConnection(c: Connection): string {
  return `${c.netType} ${c.addrType} ${c.address}`
}

/** Parse the value of a `b=` line. */
export function parseBandwidth(value: string): FieldResult<Bandwidth> {
  const t = value.trim()
  const colon = t.indexOf(':')
  const type = colon < 0 ? '' : t.slice(0, colon)
  const bandwidth = parseUint(t.slice(colon + 1))
  if (colon < 0 || !isToken(type) || bandwidth === undefined) {
    return fail('b= must be <bwtype>:<bandwidth> with a decimal bandwidth', 'e.g. b=AS:64 or b=TIAS:64000')
  }
  return { ok: true, value: { type, bandwidth } }
}

/** Format the value of a `b=` line. */
export function formatBandwidth(b: Bandwidth): string {
  return `${b.type}:${b.bandwidth}`
}

/** Parse the value of a `t=` line. */
export function parseTiming(value: string): FieldResult<Timing> {
  const p = tokens(value)
  const start = parseUint(p[0])
  const stop = parseUint(p[1])
  if (p.length !== 2 || start === undefined || stop === undefined) {
    return fail('t= must be <start-time> <stop-time> in decimal NTP seconds', 'use t=0 0 for an unbounded session')
  }
  return { ok: true, value: { start, stop } }
}

/** Format the value of a `t=` line. */
export function formatTiming(t: Timing): string {
  return `${t.start} ${t.stop}`
}

/** Parse the value of an `m=` line: `<media> <port>[/<count>] <proto> <fmt> ...`. */
export function parseMediaLine(value: string): FieldResult<MediaLine> {
  const p = tokens(value)
  const hint = 'e.g. m=audio 9 UDP/TLS/RTP/SAVPF 111 0 or m=application 9 UDP/DTLS/SCTP webrtc-datachannel'
  if (p.length < 4) return fail(`m= needs <media> <port> <proto> and at least one <fmt>, found ${p.length} field(s)`, hint)
  const [media = '', portText = '', proto = '', ...formats] = p
  if (!isToken(media)) return fail(`m= media type ${JSON.stringify(media)} is not a token`, hint)
  const slash = portText.indexOf('/')
  const port = parseUint(slash < 0 ? portText : portText.slice(0, slash))
  if (port === undefined || port > 65535) return fail(`m= port ${JSON.stringify(portText)} is not a number 0-65535`, hint)
  let portCount: number | undefined
  if (slash >= 0) {
    portCount = parseUint(portText.slice(slash + 1))
    if (portCount === undefined || portCount < 1) return fail(`m= port count in ${JSON.stringify(portText)} is not a positive number`, hint)
  }
  if (!/^[!#$%&'*+\-.0-9A-Z^_`a-z{|}~/]+$/.test(proto)) return fail(`m= proto ${JSON.stringify(proto)} is not a token (e.g. RTP/AVP)`, hint)
  const line: MediaLine = { media, port, proto, formats }
  if (portCount !== undefined) line.portCount = portCount
  return { ok: true, value: line }
}

/** Format the value of an `m=` line. */
export function formatMediaLine(m: MediaLine): string {
  const port = m.portCount === undefined ? String(m.port) : `${m.port}/${m.portCount}`
  return [m.media, port, m.proto, ...m.formats].join(' ')
}

/** The text of any line without its terminator, e.g. `c=IN IP4 0.0.0.0`. */
export function formatLine(line: SdpLine | MediaLineNode): string {
  switch (line.kind) {
    case 'field':
      return `${line.letter}=${line.value}`
    case 'origin':
      return `o=${formatOrigin(line)}`
    case 'connection':
      return `c=${formatConnection(line)}`
    case 'bandwidth':
      return `b=${formatBandwidth(line)}`
    case 'timing':
      return `t=${formatTiming(line)}`
    case 'media':
      return `m=${formatMediaLine(line)}`
    default:
      return formatAttribute(line)
  }
}

/** The typed `m=` line of a node, reading a generic (non-canonical) one leniently. */
export function mediaLineOfNode(node: MediaLineNode | FieldLine): MediaLine | undefined {
  if (node.kind === 'media') {
    const line: MediaLine = { media: node.media, port: node.port, proto: node.proto, formats: [...node.formats] }
    if (node.portCount !== undefined) line.portCount = node.portCount
    return line
  }
  const r = parseMediaLine(node.value)
  return r.ok ? r.value : undefined
}
