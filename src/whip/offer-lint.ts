/**
 * The "single MediaStream" rule of WHIP (RFC 9725 §4.4.2): every m= section of a WHIP offer carries an
 * `a=msid` with the same stream id, the stream has at least one track, and no two tracks of the same kind. It
 * is a rule on the WHIP *client's* offer; the WHIP *endpoint*, for forward compatibility, rejects an offer
 * whose number of MediaStreams or of tracks per kind it does not support with 422 Unprocessable Content or
 * 400 Bad Request. Pure functions over SDP text, no I/O.
 */
import { safeParseSdp } from '../sdp/parse.ts'
import { direction, mediaLine, mid, msids, ssrcs } from '../sdp/media.ts'
import type { MediaSection, SessionDescription } from '../sdp/types.ts'
import { joinSdp, splitSdp } from './sdp-text.ts'

/** What {@link lintWhipOffer} found. */
export interface WhipOfferLint {
  /** True when the offer follows the rule (no problems). */
  ok: boolean
  /** Each violation in words, naming the sections (by mid) it concerns. */
  problems: string[]
  /** The distinct MediaStream ids the offer's sending sections name (a=msid, or a=ssrc … msid:). */
  streams: string[]
  /** Sending (sendonly/sendrecv, port ≠ 0) sections per media kind, by mid. */
  tracks: Record<string, string[]>
  /** Sending sections with no msid at all, by mid. */
  withoutMsid: string[]
  /** True when the offer breaks the part the endpoint enforces with 422/400: more than one MediaStream, or more than one track of one kind. */
  countViolation: boolean
}

function sectionStreams(section: MediaSection): string[] {
  const direct = msids(section).map((m) => m.streamId)
  if (direct.length) return direct
  // Plan B / legacy form: a=ssrc:<ssrc> msid:<stream> <track>
  return ssrcs(section)
    .flatMap((s) => s.attributes.filter((a) => a.attribute === 'msid' && a.value).map((a) => a.value?.split(' ')[0] ?? ''))
    .filter(Boolean)
}

/**
 * Checks a WHIP offer (SDP text, or an already parsed description) against RFC 9725 §4.4.2. Unparseable SDP
 * is reported as one problem (the endpoint's 400 for malformed SDP covers it), never thrown.
 */
export function lintWhipOffer(sdp: string | SessionDescription): WhipOfferLint {
  const parsed = typeof sdp === 'string' ? safeParseSdp(sdp) : { ok: true as const, value: sdp }
  if (!parsed.ok)
    return {
      ok: false,
      problems: [`the offer is not valid SDP: ${parsed.error.message.split('\n')[0]}`],
      streams: [],
      tracks: {},
      withoutMsid: [],
      countViolation: false,
    }
  const streams = new Set<string>()
  const tracks: Record<string, string[]> = {}
  const withoutMsid: string[] = []
  parsed.value.media.forEach((section, index) => {
    let line
    try {
      line = mediaLine(section)
    } catch {
      return
    }
    if (line.port === 0 || (line.media !== 'audio' && line.media !== 'video')) return
    const dir = direction(section, parsed.value)
    if (dir !== 'sendonly' && dir !== 'sendrecv') return
    const name = mid(section) ?? `#${index}`
    ;(tracks[line.media] ??= []).push(name)
    const ids = [...new Set(sectionStreams(section))]
    if (!ids.length) withoutMsid.push(name)
    for (const id of ids) streams.add(id)
  })
  const problems: string[] = []
  const total = Object.values(tracks).reduce((n, t) => n + t.length, 0)
  if (total === 0) problems.push('the offer sends no audio or video track (the MediaStream must contain at least one track)')
  for (const [kind, mids] of Object.entries(tracks)) {
    if (mids.length > 1) problems.push(`${mids.length} ${kind} tracks (mids ${mids.join(', ')}); at most one track per kind is allowed`)
  }
  if (streams.size > 1)
    problems.push(`${streams.size} MediaStreams (${[...streams].join(', ')}); every m= section must carry an a=msid with the same stream id`)
  if (withoutMsid.length) problems.push(`m= section(s) ${withoutMsid.join(', ')} carry no a=msid`)
  const countViolation = streams.size > 1 || Object.values(tracks).some((t) => t.length > 1)
  return { ok: problems.length === 0, problems, streams: [...streams], tracks, withoutMsid, countViolation }
}

/**
 * Adds `a=msid:<stream> <stream>-<kind>` to every sending audio/video section that has no msid, so an offer
 * from a peer that does not declare streams (werift) follows RFC 9725 §4.4.2. Other lines are left as they are.
 */
export function withSingleMediaStream(sdp: string, stream: string): string {
  const s = splitSdp(sdp)
  const session = s.session
  const sessionDir = session.find((l) => /^a=(sendonly|sendrecv|recvonly|inactive)$/.test(l))?.slice(2)
  let changed = false
  s.media = s.media.map((sec) => {
    const m = /^m=(audio|video) (\d+)/.exec(sec[0] ?? '')
    if (!m || m[2] === '0') return sec
    const dir = sec.find((l) => /^a=(sendonly|sendrecv|recvonly|inactive)$/.test(l))?.slice(2) ?? sessionDir ?? 'sendrecv'
    if (dir !== 'sendonly' && dir !== 'sendrecv') return sec
    if (sec.some((l) => l.startsWith('a=msid:') || /^a=ssrc:\d+ msid:/.test(l))) return sec
    changed = true
    return [...sec, `a=msid:${stream} ${stream}-${m[1]}`]
  })
  return changed ? joinSdp(s) : sdp
}

/**
 * Gives every `a=msid` of a WHIP offer the first stream id it carries, when a peer put its tracks in several
 * MediaStreams (a browser whose audio and video tracks come from different sources): the stream id only groups
 * tracks for the receiver, so the offer then carries one MediaStream as RFC 9725 §4.4.2 asks, with its tracks
 * unchanged. The peer's own description keeps its ids; nothing on the wire depends on them.
 */
export function withOneStreamId(sdp: string): string {
  const ids = [...sdp.matchAll(/^a=msid:(\S+)/gm)].map((m) => m[1] as string).filter((id) => id !== '-')
  const first = ids[0]
  if (first === undefined || ids.every((id) => id === first)) return sdp
  return sdp.replace(/^a=msid:(\S+)/gm, (line, id: string) => (id === '-' ? line : `a=msid:${first}`))
}
