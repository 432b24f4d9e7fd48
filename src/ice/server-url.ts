/**
 * ICE server URLs: `stun:`/`stuns:` (RFC 7064 §3.1) and `turn:`/`turns:` (RFC 7065 §3.1), plus the
 * forms people type into config and env vars, turned into `RTCIceServer`-shaped objects.
 *
 * RFC grammar: `scheme ":" host [":" port]`, and for turn/turns an optional `"?transport=" transport`
 * (`udp` / `tcp` / 1*unreserved). Host is an IPv4 address, a bracketed IPv6 literal or a host name.
 * Default port 3478 (stun, turn) or 5349 (stuns, turns).
 */
import { z } from 'zod'
import { ParseError, safely, type ParseResult } from '../errors.ts'
import { isHostName, isIPv4, isIPv6 } from './address.ts'

/** The four ICE server URL schemes. */
export type IceServerScheme = 'stun' | 'stuns' | 'turn' | 'turns'

/** A parsed RFC 7064/7065 URL. */
export interface IceServerUrl {
  /** Lower-cased (schemes are case-insensitive). */
  scheme: IceServerScheme
  /** Host name or IP address; IPv6 without the brackets. */
  host: string
  /** The port, or the scheme's default when none was written. */
  port: number
  /** Whether the port was written; {@link formatIceServerUrl} leaves a default port out when this is `false`. */
  explicitPort?: boolean
  /** `?transport=` value as written (turn/turns only), e.g. `udp` or `tcp`. */
  transport?: string
}

/** The `RTCIceServer` dictionary shape (W3C WebRTC §4.2.3), ready for `new RTCPeerConnection({ iceServers })`. */
export interface IceServerConfig {
  urls: string | string[]
  username?: string
  credential?: string
}

const SCHEMES = new Set<string>(['stun', 'stuns', 'turn', 'turns'])
const UNRESERVED = /^[A-Za-z0-9\-._~]+$/
const MAX_INPUT = 8 * 1024
const URL_HINT = 'expected e.g. "stun:stun.example.com:3478", "turn:[2001:db8::1]:3478?transport=tcp" or "turns:turn.example.com" (RFC 7064/7065)'

function fail(reason: string, line: string | undefined, hint: string = URL_HINT): never {
  throw new ParseError('ice-server-url', reason, line === undefined ? { hint } : { line, hint })
}

/** The default port of a scheme: 3478 for stun/turn, 5349 for stuns/turns. */
export function defaultIceServerPort(scheme: IceServerScheme): number {
  return scheme === 'stuns' || scheme === 'turns' ? 5349 : 3478
}

function splitScheme(text: string): { scheme: IceServerScheme; rest: string } {
  const colon = text.indexOf(':')
  if (colon <= 0) fail('no scheme (stun:, stuns:, turn: or turns:)', text)
  const scheme = text.slice(0, colon).toLowerCase()
  if (!SCHEMES.has(scheme)) {
    fail(`scheme ${JSON.stringify(text.slice(0, colon))} is not stun, stuns, turn or turns`, text)
  }
  return { scheme: scheme as IceServerScheme, rest: text.slice(colon + 1) }
}

function parseHostPort(hostport: string, scheme: IceServerScheme, line: string): { host: string; port: number; explicitPort: boolean } {
  let host: string
  let portText: string | undefined
  if (hostport.startsWith('[')) {
    const end = hostport.indexOf(']')
    if (end < 0) fail('IPv6 literal has no closing "]"', line)
    host = hostport.slice(1, end)
    if (!isIPv6(host)) fail(`host [${host}] is not an IPv6 address`, line)
    const after = hostport.slice(end + 1)
    if (after !== '') {
      if (!after.startsWith(':')) fail(`unexpected ${JSON.stringify(after)} after the IPv6 literal`, line)
      portText = after.slice(1)
    }
  } else {
    const colons = hostport.split(':').length - 1
    if (colons > 1) {
      fail('host has several ":"; an IPv6 address must be in brackets', line, 'write e.g. "turn:[2001:db8::1]:3478"')
    }
    const i = hostport.indexOf(':')
    host = i < 0 ? hostport : hostport.slice(0, i)
    portText = i < 0 ? undefined : hostport.slice(i + 1)
    if (host === '') fail('no host', line)
    if (!isIPv4(host) && !isHostName(host)) fail(`host ${JSON.stringify(host)} is not an IPv4 address or a host name`, line)
  }
  if (portText === undefined) return { host, port: defaultIceServerPort(scheme), explicitPort: false }
  if (!/^\d{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) {
    fail(`port ${JSON.stringify(portText)} is not 1..65535`, line)
  }
  return { host, port: Number(portText), explicitPort: true }
}

/**
 * Parses a strict RFC 7064/7065 URL. No `//`, no credentials, no query other than `?transport=`
 * (and only on turn/turns). Use {@link parseIceServer} for the forms with credentials.
 *
 * @throws {ParseError} format `ice-server-url`.
 */
export function parseIceServerUrl(text: string): IceServerUrl {
  if (typeof text !== 'string') fail(`expected a string, got ${typeof text}`, undefined)
  if (text.length > MAX_INPUT) fail(`input is ${text.length} characters, more than ${MAX_INPUT}`, undefined)
  const line = text
  const { scheme, rest } = splitScheme(text.trim())
  if (rest.startsWith('//')) {
    fail(
      `"${scheme}://" is not the ${scheme}: URL syntax (RFC ${scheme.startsWith('stun') ? '7064' : '7065'} has no "//")`,
      line,
      `write "${scheme}:${rest.slice(2)}"`,
    )
  }
  const q = rest.indexOf('?')
  const hostport = q < 0 ? rest : rest.slice(0, q)
  const query = q < 0 ? undefined : rest.slice(q + 1)
  if (hostport.includes('@')) {
    fail(
      'credentials ("user:pass@") are not part of the URL',
      line,
      'pass username and credential separately, or use parseIceServer() for "turn:user:pass@host"',
    )
  }
  const { host, port, explicitPort } = parseHostPort(hostport, scheme, line)
  const url: IceServerUrl = { scheme, host, port, explicitPort }
  if (query !== undefined) {
    if (scheme === 'stun' || scheme === 'stuns') {
      fail(`${scheme}: URLs take no query; ?transport= is only for turn: and turns: (RFC 7064 §3.1)`, line, `remove "?${query}"`)
    }
    if (!query.startsWith('transport=')) fail(`the only query allowed is "?transport=", got "?${query}"`, line)
    const transport = query.slice('transport='.length)
    if (!UNRESERVED.test(transport)) fail(`transport ${JSON.stringify(transport)} must be udp, tcp or 1*unreserved (RFC 7065 §3.1)`, line)
    url.transport = transport
  }
  return url
}

/** {@link parseIceServerUrl} that returns a {@link ParseResult} instead of throwing. */
export function safeParseIceServerUrl(text: string): ParseResult<IceServerUrl> {
  return safely(() => parseIceServerUrl(text))
}

/**
 * Writes an RFC 7064/7065 URL: IPv6 hosts in brackets; the port is written unless it was not written
 * when parsed (`explicitPort: false`) and equals the scheme default. Validates the result.
 *
 * @throws {ParseError} format `ice-server-url` when the object is invalid (e.g. transport on stun).
 */
export function formatIceServerUrl(url: IceServerUrl): string {
  const host = typeof url.host === 'string' && url.host.includes(':') ? `[${url.host}]` : String(url.host)
  const showPort = url.explicitPort !== false || url.port !== defaultIceServerPort(url.scheme)
  const out = `${url.scheme}:${host}${showPort ? `:${url.port}` : ''}${url.transport !== undefined ? `?transport=${url.transport}` : ''}`
  parseIceServerUrl(out)
  return out
}

function decode(part: string, what: string, line: string): string {
  try {
    return decodeURIComponent(part)
  } catch {
    return fail(`${what} has a malformed %-escape`, line, 'percent-encode "%" as %25')
  }
}

/**
 * Parses one ICE server as people write it and returns an `RTCIceServer`-shaped object whose `urls`
 * is the strict RFC form. Accepted:
 * - `stun:host[:port]`, `turn:host[:port][?transport=udp|tcp]` (RFC 7064/7065);
 * - inline credentials `turn:user:pass@host:port` (also `turn://user:pass@host`);
 * - query credentials `turn://host:port?username=U&credential=C[&transport=tcp]`.
 *
 * User name and credential are %-decoded (`+` stays `+`, so base64 REST credentials survive).
 * Credentials on a stun/stuns URL are an error (they are only used for TURN).
 *
 * @throws {ParseError} format `ice-server-url`.
 */
export function parseIceServer(text: string): IceServerConfig {
  if (typeof text !== 'string') fail(`expected a string, got ${typeof text}`, undefined)
  if (text.length > MAX_INPUT) fail(`input is ${text.length} characters, more than ${MAX_INPUT}`, undefined)
  const line = text
  const { scheme, rest: afterScheme } = splitScheme(text.trim())
  const rest = afterScheme.startsWith('//') ? afterScheme.slice(2) : afterScheme
  const q = rest.indexOf('?')
  let authority = q < 0 ? rest : rest.slice(0, q)
  const query = q < 0 ? undefined : rest.slice(q + 1)
  let username: string | undefined
  let credential: string | undefined
  const at = authority.lastIndexOf('@')
  if (at >= 0) {
    const userinfo = authority.slice(0, at)
    authority = authority.slice(at + 1)
    const c = userinfo.indexOf(':')
    username = decode(c < 0 ? userinfo : userinfo.slice(0, c), 'username', line)
    if (c >= 0) credential = decode(userinfo.slice(c + 1), 'credential', line)
  }
  let transport: string | undefined
  if (query !== undefined) {
    for (const pair of query.split('&')) {
      if (pair === '') continue
      const eq = pair.indexOf('=')
      const key = eq < 0 ? pair : pair.slice(0, eq)
      const value = eq < 0 ? '' : pair.slice(eq + 1)
      switch (key) {
        case 'transport':
          if (transport !== undefined) fail('transport given twice', line)
          transport = value
          break
        case 'username':
          if (username !== undefined) fail('username given twice', line)
          username = decode(value, 'username', line)
          break
        case 'credential':
        case 'password':
          if (credential !== undefined) fail('credential given twice', line)
          credential = decode(value, 'credential', line)
          break
        default:
          fail(`unknown query parameter ${JSON.stringify(key)}`, line, 'allowed: transport, username, credential')
      }
    }
  }
  if ((username !== undefined || credential !== undefined) && (scheme === 'stun' || scheme === 'stuns')) {
    fail(`credentials on a ${scheme}: URL; username and credential are only used for turn: and turns:`, line)
  }
  if (username === '') fail('empty username', line)
  const strict = `${scheme}:${authority}${transport !== undefined ? `?transport=${transport}` : ''}`
  let url: IceServerUrl
  try {
    url = parseIceServerUrl(strict)
  } catch (e) {
    if (e instanceof ParseError) fail(e.reason, line, e.hint)
    throw e
  }
  const out: IceServerConfig = { urls: formatIceServerUrl(url) }
  if (username !== undefined) out.username = username
  if (credential !== undefined) out.credential = credential
  return out
}

/** {@link parseIceServer} that returns a {@link ParseResult} instead of throwing. */
export function safeParseIceServer(text: string): ParseResult<IceServerConfig> {
  return safely(() => parseIceServer(text))
}

const jsonServersSchema = z.array(
  z.strictObject({
    urls: z.union([z.string(), z.array(z.string()).min(1)]),
    username: z.string().optional(),
    credential: z.string().optional(),
  }),
)

/**
 * Parses an env-var value listing ICE servers and returns `RTCIceServer` objects, one per entry.
 * - Comma- (or whitespace-) separated entries in any {@link parseIceServer} form:
 *   `turn://turn.example.com:3478?username=U&credential=C,stun://stun.example.com`.
 *   Percent-encode a `,` inside a credential as `%2C`.
 * - Or a JSON array of `RTCIceServer` objects (`[{"urls":"stun:..."}]`), validated with zod; each URL
 *   must be a strict RFC 7064/7065 URL.
 * An empty or blank value gives `[]`.
 *
 * @throws {ParseError} format `ice-server-url`; the reason says which entry (1-based) is wrong.
 */
export function parseIceServers(envValue: string | undefined): IceServerConfig[] {
  if (envValue === undefined) return []
  if (typeof envValue !== 'string') fail(`expected a string, got ${typeof envValue}`, undefined)
  const text = envValue.trim()
  if (text === '') return []
  if (text.startsWith('[')) {
    let data: unknown
    try {
      data = JSON.parse(text)
    } catch (e) {
      return fail(`not JSON: ${(e as Error).message}`, undefined, 'a JSON value must be an array of {urls, username?, credential?}')
    }
    const r = jsonServersSchema.safeParse(data)
    if (!r.success) {
      const issue = r.error.issues[0]
      fail(
        `${(issue?.path ?? []).join('.') || 'value'}: ${issue?.message ?? 'invalid'}`,
        undefined,
        'expected [{"urls": "turn:host:3478", "username": "u", "credential": "p"}]',
      )
    }
    return r.data.map((s, i) => {
      const urls = Array.isArray(s.urls) ? s.urls : [s.urls]
      for (const u of urls) {
        const res = safeParseIceServerUrl(u)
        if (!res.ok) fail(`entry ${i + 1}: ${res.error.reason}`, u, res.error.hint)
      }
      const out: IceServerConfig = { urls: s.urls }
      if (s.username !== undefined) out.username = s.username
      if (s.credential !== undefined) out.credential = s.credential
      return out
    })
  }
  return text
    .split(/[\s,]+/)
    .filter((e) => e !== '')
    .map((entry, i) => {
      const r = safeParseIceServer(entry)
      if (!r.ok) fail(`entry ${i + 1}: ${r.error.reason}`, entry, r.error.hint)
      return r.value
    })
}

/** {@link parseIceServers} that returns a {@link ParseResult} instead of throwing. */
export function safeParseIceServers(envValue: string | undefined): ParseResult<IceServerConfig[]> {
  return safely(() => parseIceServers(envValue))
}
