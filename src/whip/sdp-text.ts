/**
 * Line-level SDP edits that WHIP/WHEP need and that must leave everything else byte-identical: taking the
 * ICE credentials and candidates out of a description, putting new ones in (an ICE restart answered with
 * an sdpfrag is applied as "the previous answer with new ICE lines"), and building a trickle sdpfrag from
 * a local description. Pure string functions, no I/O.
 */
import { serializeCandidate } from '../ice/candidate.ts'
import { buildSdpFrag, type SdpFrag } from '../ice/sdpfrag.ts'

/** A description split into its session lines and its media sections (each starting with its `m=` line). */
export interface SdpSections {
  session: string[]
  media: string[][]
  eol: string
}

/** Splits SDP text into session lines and media sections. Lines keep no line ending. */
export function splitSdp(sdp: string): SdpSections {
  const eol = sdp.includes('\r\n') ? '\r\n' : '\n'
  const lines = sdp.split(/\r?\n/)
  if (lines[lines.length - 1] === '') lines.pop()
  const out: SdpSections = { session: [], media: [], eol }
  for (const l of lines) {
    if (l.startsWith('m=')) out.media.push([l])
    else if (out.media.length) out.media[out.media.length - 1]?.push(l)
    else out.session.push(l)
  }
  return out
}

/** Joins sections back into SDP text (every line ends with the original line ending). */
export function joinSdp(s: SdpSections): string {
  return [...s.session, ...s.media.flat()].map((l) => l + s.eol).join('')
}

/** The mid of a media section, if it has `a=mid:`. */
export function sectionMid(section: readonly string[]): string | undefined {
  const l = section.find((x) => x.startsWith('a=mid:'))
  return l?.slice('a=mid:'.length).trim()
}

/** The ICE ufrag and pwd in effect for the first media section (media level wins over session level). */
export function iceCredentials(sdp: string): { ufrag: string | undefined; pwd: string | undefined } {
  const s = splitSdp(sdp)
  const pick = (name: string) => {
    const inMedia = s.media[0]?.find((l) => l.startsWith(`a=${name}:`))
    const inSession = s.session.find((l) => l.startsWith(`a=${name}:`))
    return (inMedia ?? inSession)?.slice(name.length + 3).trim()
  }
  return { ufrag: pick('ice-ufrag'), pwd: pick('ice-pwd') }
}

/**
 * Replaces the ICE credentials and candidates of a description: every `a=ice-ufrag`/`a=ice-pwd` gets the
 * new values, every `a=candidate`/`a=end-of-candidates` is removed, then the given candidates are added to
 * the sections whose mid they name (or to the first section when no mid is given).
 */
export function withIce(
  sdp: string,
  ice: { ufrag: string; pwd: string; candidates: Array<{ mid?: string; line: string }>; endOfCandidates?: boolean },
): string {
  const s = splitSdp(sdp)
  const fix = (l: string) => (l.startsWith('a=ice-ufrag:') ? `a=ice-ufrag:${ice.ufrag}` : l.startsWith('a=ice-pwd:') ? `a=ice-pwd:${ice.pwd}` : l)
  const drop = (l: string) => l.startsWith('a=candidate:') || l === 'a=end-of-candidates'
  s.session = s.session.filter((l) => !drop(l)).map(fix)
  s.media = s.media.map((sec, i) => {
    const mid = sectionMid(sec)
    const kept = sec.filter((l) => !drop(l)).map(fix)
    const mine = ice.candidates.filter((c) => (c.mid === undefined ? i === 0 : c.mid === mid)).map((c) => (c.line.startsWith('a=') ? c.line : `a=${c.line}`))
    kept.push(...mine)
    if (ice.endOfCandidates) kept.push('a=end-of-candidates')
    return kept
  })
  return joinSdp(s)
}

/** The candidates of a description with the mid of their section. */
export function sdpCandidates(sdp: string): Array<{ mid: string | undefined; line: string }> {
  const s = splitSdp(sdp)
  return s.media.flatMap((sec) => {
    const mid = sectionMid(sec)
    return sec.filter((l) => l.startsWith('a=candidate:')).map((l) => ({ mid, line: l.slice(2) }))
  })
}

/**
 * Builds the sdpfrag a WHIP/WHEP session answers an ICE restart with (or a client sends): ICE credentials
 * and the candidates of the first bundled media section, with that section's m= line (port 9), as in the
 * RFC 9725 §4.3.3 example.
 */
export function sdpFragFromDescription(sdp: string, options: { endOfCandidates?: boolean } = {}): string {
  const s = splitSdp(sdp)
  const first = s.media[0]
  const { ufrag, pwd } = iceCredentials(sdp)
  if (!first || !ufrag || !pwd) throw new Error('description has no media section or no ICE credentials')
  const mid = sectionMid(first) ?? '0'
  const mline = (first[0] ?? 'm=audio 9 RTP/AVP 0').replace(/^m=(\S+) \d+/, 'm=$1 9')
  const cands = sdpCandidates(sdp).filter((c) => c.mid === undefined || c.mid === mid)
  return buildSdpFrag({
    ufrag,
    pwd,
    credentialsAt: 'media',
    media: [{ mid, mline, candidates: cands.map((c) => c.line), endOfCandidates: options.endOfCandidates ?? true }],
  })
}

/** The ICE credentials and candidate lines of a parsed sdpfrag, flattened (media level wins). */
export function fragIce(frag: SdpFrag): {
  ufrag: string | undefined
  pwd: string | undefined
  candidates: Array<{ mid: string; line: string }>
  endOfCandidates: boolean
} {
  const m0 = frag.media[0]
  const candidates = frag.media.flatMap((m) => m.candidates.map((c) => ({ mid: m.mid, line: serializeCandidate(c, { prefix: 'candidate:' }) })))
  return {
    ufrag: m0?.ufrag ?? frag.ufrag,
    pwd: m0?.pwd ?? frag.pwd,
    candidates,
    endOfCandidates: frag.endOfCandidates || frag.media.some((m) => m.endOfCandidates),
  }
}
