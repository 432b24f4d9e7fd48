/**
 * Why a conformance media check did not get media through: what the SDP answer carried (candidates, codecs
 * per kind), what the client peer gathered, which candidate pairs it formed or left out (the loopback rule),
 * how far ICE and DTLS got. The SDP part is pure ({@link negotiation}, {@link answerCandidates}); the peer
 * part reads what every `Peer` exposes (timeline, stats) plus a werift peer's filtered remotes.
 */
import { parseCandidate } from '../ice/candidate.ts'
import { codecs } from '../sdp/codecs.ts'
import { candidates, mediaLine } from '../sdp/media.ts'
import { safeParseSdp } from '../sdp/parse.ts'
import type { MediaSection, SessionDescription } from '../sdp/types.ts'
import type { Peer } from '../peers/types.ts'
import type { FilteredRemote } from '../peers/werift/peer.ts'

/** How one media kind came out of the offer/answer exchange. */
export interface KindNegotiation {
  kind: 'audio' | 'video'
  /** Encoding names offered for this kind, in offer order (telephone-event, rtx, red, ulpfec, CN left out). */
  offered: string[]
  /** Encoding names in the answer's section of this kind (empty when rejected or absent). */
  answered: string[]
  /**
   * `accepted`: the answer kept the section with a codec that was offered; `no-common`: it kept it with none of
   * them; `rejected`: port 0; `absent`: no section of this kind in the answer; `not-offered`: none in the offer.
   */
  status: 'accepted' | 'no-common' | 'rejected' | 'absent' | 'not-offered'
  /** The codec media is sent with: the answer's first codec that was offered (status `accepted`). */
  codec?: string
}

/** A candidate as the diagnosis shows it. */
export interface CandidateView {
  address: string
  port: number
  type: string
  protocol: string
}

/** What {@link diagnoseMedia} found. */
export interface MediaDiagnosis {
  /** The most likely reason media did not flow, in one sentence; undefined when nothing stands out. */
  cause: string | undefined
  /** Everything seen, on one line: answer candidates, local candidates, pairs, states, codecs. */
  summary: string
  /** The same as flat values for the report's `measured`. */
  measured: Record<string, string | number | boolean>
}

/** Inputs of {@link diagnoseMedia}. */
export interface MediaEvidence {
  /** The SDP offer as POSTed (or the client's answer to a counter-offer). */
  offer?: string
  /** The server's SDP (answer, or counter-offer). */
  answer?: string
  /** The client peer (still open, or closed: its timeline is kept). */
  peer?: Peer
  /** Which remote candidates the client peer accepted. */
  remoteAddresses?: 'loopback' | 'any'
}

/** Codecs that are not media of their own (they ride along with a real codec). */
const HELPERS = new Set(['telephone-event', 'rtx', 'red', 'ulpfec', 'flexfec-03', 'cn'])

function mediaCodecNames(section: MediaSection): string[] {
  return [
    ...new Set(
      codecs(section)
        .map((c) => c.encodingName)
        .filter((n) => !HELPERS.has(n.toLowerCase())),
    ),
  ]
}

function sectionsOf(desc: SessionDescription | undefined, kind: string): MediaSection[] {
  if (!desc) return []
  return desc.media.filter((s) => {
    try {
      return mediaLine(s).media === kind
    } catch {
      return false
    }
  })
}

function parsed(sdp: string | undefined): SessionDescription | undefined {
  if (!sdp) return undefined
  const r = safeParseSdp(sdp)
  return r.ok ? r.value : undefined
}

/** How audio or video came out of `offer` and `answer` (SDP text). */
export function negotiation(offer: string | undefined, answer: string | undefined, kind: 'audio' | 'video'): KindNegotiation {
  const o = sectionsOf(parsed(offer), kind)[0]
  const offered = o ? mediaCodecNames(o) : []
  if (!o) return { kind, offered, answered: [], status: 'not-offered' }
  const a = sectionsOf(parsed(answer), kind)[0]
  if (!a) return { kind, offered, answered: [], status: 'absent' }
  if (mediaLine(a).port === 0) return { kind, offered, answered: [], status: 'rejected' }
  const answered = mediaCodecNames(a)
  const lower = new Set(offered.map((n) => n.toLowerCase()))
  const codec = answered.find((n) => lower.has(n.toLowerCase()))
  return codec ? { kind, offered, answered, status: 'accepted', codec } : { kind, offered, answered, status: 'no-common' }
}

/** One line about a kind's negotiation: `opus`, or why there is no codec. */
export function describeNegotiation(n: KindNegotiation): string {
  const offered = n.offered.join(',') || 'nothing'
  switch (n.status) {
    case 'accepted':
      return n.codec ?? ''
    case 'no-common':
      return `no codec in common: offered ${offered}; answer has ${n.answered.join(',') || 'no codec'}`
    case 'rejected':
      return `no codec in common: offered ${offered}; the answer rejected the ${n.kind} section (port 0)`
    case 'absent':
      return `the answer has no ${n.kind} section (offered ${offered})`
    case 'not-offered':
      return 'not offered'
  }
}

/** The candidates of an SDP (every section, each address/port/transport once); unreadable lines are skipped. */
export function answerCandidates(sdp: string | undefined): CandidateView[] {
  const desc = parsed(sdp)
  const lines = desc ? desc.media.flatMap((s) => candidates(s)) : (sdp?.match(/^a=candidate:.*$/gm) ?? []).map((l) => l.slice(2))
  return uniqueCandidates(lines)
}

function uniqueCandidates(lines: readonly string[]): CandidateView[] {
  const out: CandidateView[] = []
  for (const line of lines) {
    try {
      const c = parseCandidate(line.startsWith('candidate:') ? line : `candidate:${line}`)
      const v = { address: c.address, port: c.port, type: String(c.type), protocol: c.transport.toLowerCase() }
      if (!out.some((x) => x.address === v.address && x.port === v.port && x.protocol === v.protocol)) out.push(v)
    } catch {
      /* a candidate line rtcspec cannot read is not evidence either way */
    }
  }
  return out
}

function showCandidates(cs: readonly CandidateView[]): string {
  return cs.map((c) => `${c.address}:${c.port} ${c.type} ${c.protocol}`).join(', ')
}

function filteredOf(peer: Peer | undefined): readonly FilteredRemote[] {
  const f = (peer as { filteredRemotes?: unknown } | undefined)?.filteredRemotes
  return Array.isArray(f) ? (f as FilteredRemote[]) : []
}

/**
 * Puts together why media did not flow (or how it was negotiated when it did). Never throws: a closed peer
 * or unreadable SDP just leaves those parts out.
 */
export async function diagnoseMedia(e: MediaEvidence): Promise<MediaDiagnosis> {
  const audio = negotiation(e.offer, e.answer, 'audio')
  const video = negotiation(e.offer, e.answer, 'video')
  const inAnswer = answerCandidates(e.answer)
  const peer = e.peer
  const timeline = peer?.timeline
  const trickled = uniqueCandidates(timeline?.remoteCandidates.map((c) => c.candidate) ?? [])
  const local = uniqueCandidates(timeline?.localCandidates.map((c) => c.candidate) ?? [])
  const filtered = filteredOf(peer)
  let checks: Array<{ local: string; remote: string; state: string; requestsSent: number; responsesReceived: number }> = []
  let iceState = timeline?.ice.at(-1)?.state ?? 'new'
  let dtlsState = timeline?.dtls.at(-1)?.state ?? 'new'
  try {
    const s = await peer?.stats()
    if (s) {
      checks = s.iceDetail?.checks ?? []
      iceState = s.iceState || iceState
      dtlsState = s.dtlsState ?? dtlsState
    }
  } catch {
    /* a closed or broken peer: the timeline is all there is */
  }
  const connectionState = timeline?.connection.at(-1)?.state ?? 'new'
  const errors = timeline?.errors.map((x) => x.message) ?? []

  const pairs = checks.map((c) => `${c.local} → ${c.remote} ${c.state} (${c.requestsSent} checks sent, ${c.responsesReceived} answered)`)
  const parts = [
    `answer candidates: ${inAnswer.length}${inAnswer.length ? ` (${showCandidates(inAnswer)})` : ''}`,
    `trickled by the server: ${trickled.length}${trickled.length ? ` (${showCandidates(trickled)})` : ''}`,
    `local candidates: ${local.length}${local.length ? ` (${showCandidates(local)})` : ''}`,
    `pairs: ${pairs.length ? pairs.join('; ') : 'none'}`,
    ...(filtered.length ? [`filtered: ${filtered.map((f) => f.reason).join('; ')}`] : []),
    `ice=${iceState} dtls=${dtlsState} connection=${connectionState}`,
    `audio: ${describeNegotiation(audio)}`,
    ...(video.status !== 'not-offered' ? [`video: ${describeNegotiation(video)}`] : []),
    ...(errors.length ? [`peer errors: ${errors.join(' | ')}`] : []),
  ]

  const measured: Record<string, string | number | boolean> = {
    answerCandidates: inAnswer.length,
    answerCandidateList: showCandidates(inAnswer),
    remoteTrickled: trickled.length,
    localCandidates: showCandidates(local),
    pairs: pairs.join('; ') || 'none',
    iceState,
    dtlsState,
    connectionState,
    audioCodec: audio.status === 'accepted' ? (audio.codec ?? '') : describeNegotiation(audio),
    videoCodec: video.status === 'accepted' ? (video.codec ?? '') : describeNegotiation(video),
    ...(e.remoteAddresses ? { remoteAddresses: e.remoteAddresses } : {}),
    ...(filtered.length ? { filtered: filtered.map((f) => f.reason).join('; ') } : {}),
  }
  const cause = causeOf()
  // The cause already says what was filtered: leave that part out of the summary.
  const summary = parts.filter((p) => !(cause && p.startsWith('filtered: ') && cause.startsWith(filtered[0]?.reason ?? '\0'))).join('; ')
  return { cause, summary, measured }

  function causeOf(): string | undefined {
    if (audio.status === 'no-common' || audio.status === 'rejected' || audio.status === 'absent') return describeNegotiation(audio)
    if (!peer) return undefined
    const remotes = inAnswer.length + trickled.length
    const succeeded = checks.some((c) => c.state === 'succeeded')
    if (filtered.length && !succeeded) {
      const f = filtered[0] as FilteredRemote
      const more = filtered.length > 1 ? ` (and ${filtered.length - 1} more)` : ''
      return `${f.reason}${more}; use remoteAddresses 'any' (--remote-addresses any) to reach a server on another address`
    }
    if (remotes === 0) {
      const prflx = checks.find((c) => / prflx$/.test(c.remote))
      return `the server gave no ICE candidates (none in the answer, none trickled)${prflx ? `; only a peer-reflexive pair learnt from its own checks (${prflx.remote}, ${prflx.state}; DTLS ${dtlsState})` : ''}`
    }
    if (local.length === 0 && checks.length === 0) return 'the client gathered no local candidates'
    if (!succeeded && checks.length) {
      const sent = checks.reduce((n, c) => n + c.requestsSent, 0)
      const answered = checks.reduce((n, c) => n + c.responsesReceived, 0)
      return `no candidate pair succeeded: ${sent} connectivity checks sent, ${answered} answered (no path between ${showCandidates(local) || 'the local candidates'} and ${showCandidates([...inAnswer, ...trickled]) || "the server's candidates"})`
    }
    if (succeeded && dtlsState !== 'connected' && (dtlsState === 'failed' || connectionState === 'failed' || connectionState === 'connecting')) {
      return `ICE connected but DTLS is ${dtlsState} (a wrong a=fingerprint, or no DTLS handshake from the server)`
    }
    return undefined
  }
}
