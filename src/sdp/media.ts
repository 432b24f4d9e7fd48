/**
 * Media-section accessors. Where an attribute may also be given at session level (direction,
 * fingerprint, setup, ICE credentials and options, c=), pass the session as the second argument to
 * get the RFC fallback: the media-level value wins, else the session-level one.
 */
import { ParseError } from '../errors.ts'
import { mediaLineOfNode, parseBandwidth, parseConnection } from './fields.ts'
import { findAttribute, findAttributes } from './scope.ts'
import type {
  Bandwidth,
  Connection,
  Direction,
  ExtmapAttribute,
  MediaLine,
  MediaSection,
  RidAttribute,
  SessionDescription,
  SetupRole,
  SimulcastStream,
} from './types.ts'
import { formatLine } from './fields.ts'

/** The `m=` line of a section, read leniently when it was not canonical. Throws ParseError if it cannot be read. */
export function mediaLine(section: MediaSection): MediaLine {
  const m = mediaLineOfNode(section.mline)
  if (!m) throw new ParseError('sdp', 'media section has an unreadable m= line', { line: formatLine(section.mline) })
  return m
}

/** The media type of a section: `audio`, `video`, `application`, ... */
export function mediaKind(section: MediaSection): string {
  return mediaLine(section).media
}

/** The section's `a=mid` (RFC 5888), if any. */
export function mid(section: MediaSection): string | undefined {
  return findAttribute(section, 'mid')?.mid
}

/** The media section with the given mid, if any. */
export function sectionByMid(desc: SessionDescription, wanted: string): MediaSection | undefined {
  return desc.media.find((s) => mid(s) === wanted)
}

/**
 * The media direction: the section's direction attribute, else the session-level one (when `session`
 * is given), else `sendrecv` (the RFC 8866 §6.7 default).
 */
export function direction(section: MediaSection, session?: SessionDescription): Direction {
  return findAttribute(section, 'direction')?.direction ?? (session && findAttribute(session, 'direction')?.direction) ?? 'sendrecv'
}

/** The section's `c=`, else the session-level `c=` (when `session` is given). */
export function connection(section: MediaSection, session?: SessionDescription): Connection | undefined {
  const scopes = session ? [section.lines, session.lines] : [section.lines]
  for (const lines of scopes) {
    for (const l of lines) {
      if (l.kind === 'connection') return { netType: l.netType, addrType: l.addrType, address: l.address }
      if (l.kind === 'field' && l.letter === 'c') {
        const r = parseConnection(l.value)
        if (r.ok) return r.value
      }
    }
  }
  return undefined
}

/** The section's `b=` lines. */
export function bandwidths(section: MediaSection): Bandwidth[] {
  const out: Bandwidth[] = []
  for (const l of section.lines) {
    if (l.kind === 'bandwidth') out.push({ type: l.type, bandwidth: l.bandwidth })
    else if (l.kind === 'field' && l.letter === 'b') {
      const r = parseBandwidth(l.value)
      if (r.ok) out.push(r.value)
    }
  }
  return out
}

/** The section's `a=extmap` header extensions (RFC 8285), in order. */
export function extmaps(section: MediaSection): ExtmapAttribute[] {
  return findAttributes(section, 'extmap')
}

/** One SSRC with its source attributes (RFC 5576), e.g. `{ ssrc: 1, cname: 'x', attributes: [...] }`. */
export interface SsrcInfo {
  ssrc: number
  /** The `cname` source attribute, if any. */
  cname?: string
  /** Every source attribute of this SSRC in order. */
  attributes: { attribute: string; value?: string }[]
}

/** The SSRCs of a section in first-seen order, with their `a=ssrc` source attributes grouped. */
export function ssrcs(section: MediaSection): SsrcInfo[] {
  const byId = new Map<number, SsrcInfo>()
  for (const a of findAttributes(section, 'ssrc')) {
    let info = byId.get(a.ssrc)
    if (!info) byId.set(a.ssrc, (info = { ssrc: a.ssrc, attributes: [] }))
    info.attributes.push(a.value === undefined ? { attribute: a.attribute } : { attribute: a.attribute, value: a.value })
    if (a.attribute === 'cname' && info.cname === undefined && a.value !== undefined) info.cname = a.value
  }
  return [...byId.values()]
}

/** The section's `a=ssrc-group` lines, e.g. `[{ semantics: 'FID', ssrcs: [1, 2] }]`. */
export function ssrcGroups(section: MediaSection): { semantics: string; ssrcs: number[] }[] {
  return findAttributes(section, 'ssrc-group').map((g) => ({ semantics: g.semantics, ssrcs: [...g.ssrcs] }))
}

/** Every `a=msid` of the section (RFC 8830), e.g. `[{ streamId: 's', trackId: 't' }]`. */
export function msids(section: MediaSection): { streamId: string; trackId?: string }[] {
  return findAttributes(section, 'msid').map((a) => (a.trackId === undefined ? { streamId: a.streamId } : { streamId: a.streamId, trackId: a.trackId }))
}

/** The first `a=msid` of the section, if any. */
export function msid(section: MediaSection): { streamId: string; trackId?: string } | undefined {
  return msids(section)[0]
}

/** The DTLS `a=setup` role of the section, else of the session (when `session` is given). */
export function setupRole(section: MediaSection, session?: SessionDescription): SetupRole | undefined {
  return findAttribute(section, 'setup')?.role ?? (session && findAttribute(session, 'setup')?.role)
}

/** The `a=fingerprint`s of the section, else of the session (when `session` is given). */
export function fingerprints(section: MediaSection, session?: SessionDescription): { hashFunction: string; fingerprint: string }[] {
  let list = findAttributes(section, 'fingerprint')
  if (list.length === 0 && session) list = findAttributes(session, 'fingerprint')
  return list.map((f) => ({ hashFunction: f.hashFunction, fingerprint: f.fingerprint }))
}

/** The ICE `a=ice-ufrag` of the section, else of the session (when `session` is given). */
export function iceUfrag(section: MediaSection, session?: SessionDescription): string | undefined {
  return findAttribute(section, 'ice-ufrag')?.ufrag ?? (session && findAttribute(session, 'ice-ufrag')?.ufrag)
}

/** The ICE `a=ice-pwd` of the section, else of the session (when `session` is given). */
export function icePwd(section: MediaSection, session?: SessionDescription): string | undefined {
  return findAttribute(section, 'ice-pwd')?.pwd ?? (session && findAttribute(session, 'ice-pwd')?.pwd)
}

/** `a=ice-options` tokens of the section, else of the session (when `session` is given); `[]` when none. */
export function iceOptions(section: MediaSection, session?: SessionDescription): string[] {
  const own = findAttributes(section, 'ice-options').flatMap((a) => a.options)
  if (own.length || !session) return own
  return findAttributes(session, 'ice-options').flatMap((a) => a.options)
}

/** True when the section has `a=rtcp-mux` (RFC 5761). */
export function rtcpMux(section: MediaSection): boolean {
  return findAttribute(section, 'rtcp-mux') !== undefined
}

/** True when the section has `a=rtcp-mux-only` (RFC 8858). */
export function rtcpMuxOnly(section: MediaSection): boolean {
  return findAttribute(section, 'rtcp-mux-only') !== undefined
}

/** True when the section has `a=rtcp-rsize` (RFC 5506). */
export function rtcpRsize(section: MediaSection): boolean {
  return findAttribute(section, 'rtcp-rsize') !== undefined
}

/** True when the section has `a=bundle-only` (RFC 9143). */
export function bundleOnly(section: MediaSection): boolean {
  return findAttribute(section, 'bundle-only') !== undefined
}

/** The section's `a=rtcp` (RFC 3605) port and optional address. */
export function rtcpAttribute(section: MediaSection): { port: number; netType?: string; addrType?: string; address?: string } | undefined {
  const a = findAttribute(section, 'rtcp')
  if (!a) return undefined
  const { kind: _kind, eol: _eol, ...rest } = a
  return rest
}

/** The section's `a=rid` lines (RFC 8851), in order. */
export function rids(section: MediaSection): RidAttribute[] {
  return findAttributes(section, 'rid')
}

/** The section's `a=simulcast` (RFC 8853): send and recv alternative lists. */
export function simulcast(section: MediaSection): { send?: SimulcastStream[][]; recv?: SimulcastStream[][] } | undefined {
  const a = findAttribute(section, 'simulcast')
  if (!a) return undefined
  const out: { send?: SimulcastStream[][]; recv?: SimulcastStream[][] } = {}
  if (a.send) out.send = a.send
  if (a.recv) out.recv = a.recv
  return out
}

/** The section's `a=candidate` values (text after `candidate:`), unparsed; parse them with `src/ice`. */
export function candidates(section: MediaSection): string[] {
  return findAttributes(section, 'candidate').map((c) => c.value)
}

/** True when the section has `a=end-of-candidates` (RFC 8840). */
export function endOfCandidates(section: MediaSection): boolean {
  return findAttribute(section, 'end-of-candidates') !== undefined
}

/** The section's `a=sctp-port` (RFC 8841), if any. */
export function sctpPort(section: MediaSection): number | undefined {
  return findAttribute(section, 'sctp-port')?.port
}

/** The section's `a=max-message-size` (RFC 8841), if any. */
export function maxMessageSize(section: MediaSection): number | undefined {
  return findAttribute(section, 'max-message-size')?.size
}

/** The section's `a=ptime` in milliseconds, if any. */
export function ptime(section: MediaSection): number | undefined {
  return findAttribute(section, 'ptime')?.ms
}

/** The section's `a=maxptime` in milliseconds, if any. */
export function maxptime(section: MediaSection): number | undefined {
  return findAttribute(section, 'maxptime')?.ms
}
