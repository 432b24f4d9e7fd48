/**
 * `Link` header values (RFC 8288 §3) as used by WHIP/WHEP: `rel="ice-server"` links advertising STUN/TURN
 * servers (RFC 9725 §4.6: `username`, `credential`, `credential-type="password"`) and extension links
 * whose `rel` is a URN (RFC 9725 §4.9). Parsing never throws: problems are reported per link so a
 * client can ignore a bad link and a conformance check can show exactly what was wrong.
 */
import { safeParseIceServerUrl } from '../ice/server-url.ts'
import type { IceServerConfig } from '../ice/server-url.ts'

/** One parsed link-value. */
export interface LinkValue {
  /** The target URI, as written between `<` and `>`. */
  uri: string
  /** The `rel` value split on whitespace, lower-cased (relation types are case-insensitive). */
  rels: string[]
  /** Every other parameter, name lower-cased, value unquoted. */
  params: Record<string, string>
  /** The link-value as received. */
  raw: string
}

/** The result of parsing one link-value. */
export type LinkParseResult = { ok: true; link: LinkValue } | { ok: false; raw: string; error: string }

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

/** Parses one link-value (`<uri>; param=value; ...`). */
export function parseLinkValue(raw: string): LinkParseResult {
  const text = raw.trim()
  const m = /^<([^>]*)>\s*(.*)$/s.exec(text)
  if (!m) return { ok: false, raw, error: 'a link-value starts with "<URI-Reference>" (RFC 8288 §3)' }
  const uri = m[1] ?? ''
  let rest = m[2] ?? ''
  const params: Record<string, string> = {}
  let rels: string[] = []
  let sawRel = false
  while (rest.length > 0) {
    const p = /^;\s*([^=;\s]+)\s*(?:=\s*("(?:[^"\\]|\\.)*"|[^;\s]*))?\s*/s.exec(rest)
    if (!p) return { ok: false, raw, error: `unexpected text ${JSON.stringify(rest.slice(0, 40))}; parameters are "; name=value"` }
    const name = (p[1] ?? '').toLowerCase()
    if (!TOKEN.test(name)) return { ok: false, raw, error: `parameter name ${JSON.stringify(p[1])} is not a token` }
    let value = p[2] ?? ''
    if (value.startsWith('"')) value = value.slice(1, -1).replace(/\\(.)/g, '$1')
    else if (value !== '' && !TOKEN.test(value))
      return { ok: false, raw, error: `parameter ${name} value ${JSON.stringify(value)} must be a token or a quoted string` }
    if (name === 'rel') {
      // RFC 8288 §3.3: occurrences after the first are ignored.
      if (!sawRel)
        rels = value
          .split(/\s+/)
          .filter(Boolean)
          .map((r) => r.toLowerCase())
      sawRel = true
    } else if (!(name in params)) {
      params[name] = value
    }
    rest = rest.slice(p[0].length)
  }
  if (!sawRel || rels.length === 0) return { ok: false, raw, error: 'no rel parameter' }
  return { ok: true, link: { uri, rels, params, raw } }
}

/** Parses every link-value of a response (use `RecordedResponse.links`). */
export function parseLinks(values: readonly string[]): LinkParseResult[] {
  return values.map(parseLinkValue)
}

/** An ICE server advertised with `rel="ice-server"`, validated. */
export interface IceServerLink {
  /** RFC 7064/7065 URL, e.g. `turn:turn.example.net?transport=udp`. */
  url: string
  username?: string
  credential?: string
  /** Only `password` is defined (RFC 9725 §4.6). */
  credentialType?: string
}

/** An ice-server link that was checked, with the problems found (empty when valid). */
export interface CheckedIceServerLink {
  link: LinkValue
  server: IceServerLink
  problems: string[]
}

/**
 * Checks an `rel="ice-server"` link against RFC 9725 §4.6: the URI is a stun/stuns/turn/turns URL
 * (RFC 7064/7065); TURN servers carry `username` and `credential`; `credential-type`, when present, is
 * `password`; STUN servers carry no credentials.
 */
export function checkIceServerLink(link: LinkValue): CheckedIceServerLink {
  const problems: string[] = []
  const parsed = safeParseIceServerUrl(link.uri)
  if (!parsed.ok) problems.push(`URI ${JSON.stringify(link.uri)}: ${parsed.error.reason}`)
  const server: IceServerLink = { url: link.uri }
  if (link.params.username !== undefined) server.username = link.params.username
  if (link.params.credential !== undefined) server.credential = link.params.credential
  if (link.params['credential-type'] !== undefined) server.credentialType = link.params['credential-type']
  if (parsed.ok) {
    const turn = parsed.value.scheme === 'turn' || parsed.value.scheme === 'turns'
    if (turn && (server.username === undefined || server.credential === undefined))
      problems.push('a turn:/turns: server needs username and credential parameters')
    if (!turn && (server.username !== undefined || server.credential !== undefined)) problems.push('a stun:/stuns: server takes no username/credential')
  }
  if (server.credentialType !== undefined && server.credentialType !== 'password') {
    problems.push(`credential-type ${JSON.stringify(server.credentialType)} is not "password" (the only type RFC 9725 §4.6 defines)`)
  }
  return { link, server, problems }
}

/** The ice-server links of a response: the valid ones as W3C `RTCIceServer`s, and every problem found. */
export function iceServersFromLinks(values: readonly string[]): { iceServers: IceServerConfig[]; problems: string[] } {
  const iceServers: IceServerConfig[] = []
  const problems: string[] = []
  for (const r of parseLinks(values)) {
    if (!r.ok) continue // not necessarily an ice-server link; unknown/bad links are ignored by clients
    if (!r.link.rels.includes('ice-server')) continue
    const c = checkIceServerLink(r.link)
    if (c.problems.length) {
      problems.push(...c.problems.map((p) => `${r.link.raw}: ${p}`))
      continue
    }
    iceServers.push({
      urls: c.server.url,
      ...(c.server.username !== undefined ? { username: c.server.username } : {}),
      ...(c.server.credential !== undefined ? { credential: c.server.credential } : {}),
    })
  }
  return { iceServers, problems }
}

function quote(v: string): string {
  return `"${v.replace(/["\\]/g, '\\$&')}"`
}

/** Formats an `rel="ice-server"` link-value (RFC 9725 §4.6). */
export function formatIceServerLink(s: IceServerLink): string {
  let out = `<${s.url}>; rel="ice-server"`
  if (s.username !== undefined) out += `; username=${quote(s.username)}`
  if (s.credential !== undefined) out += `; credential=${quote(s.credential)}`
  if (s.credentialType !== undefined || s.username !== undefined) out += `; credential-type=${quote(s.credentialType ?? 'password')}`
  return out
}

/** Whether a relation type is an extension URN as RFC 9725 §4.9 / WHEP register them (`urn:ietf:params:whip:ext:...`, `urn:ietf:params:whep:ext:...`). */
export function isExtensionRel(rel: string): boolean {
  return /^urn:ietf:params:(whip|whep):ext:[a-z0-9\-.:]+$/i.test(rel)
}

/** Relation types rtcspec's clients understand; every other `rel` is ignored (RFC 9725 §4.9). */
export const KNOWN_RELS: readonly string[] = ['ice-server']
