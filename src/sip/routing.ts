/**
 * Where SIP messages go (pure, no I/O):
 * - responses to the top Via (RFC 3261 §18.2.2): the `received` address (else the sent-by host) and the
 *   `rport` port (RFC 3581; else the sent-by port, else 5060);
 * - requests to the first Route hop (loose routing, RFC 3261 §16.12 / §12.2.1.1), else the Request-URI;
 * - a server stamps the source address of a request into its top Via (`received`, `rport`) on receipt
 *   (RFC 3261 §18.2.1, RFC 3581 §4), so its responses find the way back.
 */
import { parseNameAddr, parseSipUri, parseVia, serializeVia, type SipVia } from './headers.ts'
import { splitList } from './message.ts'

/** A transport address: host (IP or name), port, and the transport when the message names one. */
export interface SipHop {
  host: string
  port: number
  /** Lower-case transport (`udp`, `tcp`, `ws`...) when the URI or Via names it. */
  transport: string | undefined
}

/** The default port of a transport (RFC 3261 §19.1.2). */
export function defaultSipPort(transport: string | undefined, secure = false): number {
  const t = transport?.toLowerCase()
  return secure || t === 'tls' ? 5061 : t === 'ws' ? 80 : t === 'wss' ? 443 : 5060
}

/** Where a response goes, from the top Via of the request (RFC 3261 §18.2.2 with RFC 3581 rport). */
export function responseHop(via: SipVia): SipHop {
  const rport = via.params.rport
  const port = rport !== undefined && /^\d{1,5}$/.test(rport) ? Number(rport) : (via.port ?? defaultSipPort(via.transport))
  return { host: unbracket(via.params.received ?? via.host), port, transport: via.transport.toLowerCase() }
}

/** Where a request goes: the first Route URI when there is one (loose routing), else the Request-URI. */
export function requestHop(requestUri: string, routes: readonly string[]): SipHop {
  const first = routes.flatMap((r) => splitList(r))[0]
  const uri = parseSipUri(first === undefined ? requestUri : parseNameAddr(first, 'Route').uri)
  const transport = uri.params.transport?.toLowerCase()
  return { host: unbracket(uri.host), port: uri.port ?? defaultSipPort(transport, uri.scheme === 'sips'), transport }
}

/**
 * Stamps the address a request came from into its top Via value (RFC 3261 §18.2.1, RFC 3581 §4):
 * `received` when the sent-by host differs from the source address, and the source port into an empty
 * `rport`. Returns the value unchanged when nothing is to add.
 */
export function stampVia(value: string, source: { host: string; port: number }): string {
  const via = parseVia(value)
  const params = { ...via.params }
  let changed = false
  if (unbracket(via.host) !== source.host) {
    params.received = source.host
    changed = true
  }
  if ('rport' in params && params.rport === undefined) {
    params.rport = String(source.port)
    // RFC 3581 §4: with rport, received is added even when the host matches.
    params.received = source.host
    changed = true
  }
  return changed ? serializeVia({ ...via, params }) : value
}

/** Whether `host` is an IP address literal (v4, or v6 with or without brackets). */
export function isIpLiteral(host: string): boolean {
  const h = unbracket(host)
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(h) || (h.includes(':') && /^[0-9a-fA-F:.]+$/.test(h))
}

function unbracket(host: string): string {
  return host.replace(/^\[|\]$/g, '')
}
