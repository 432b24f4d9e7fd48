/**
 * One WHIP or WHEP session of the reference server, on a werift `RTCPeerConnection`: answers the client's
 * offer (recvonly for WHIP, sendonly for WHEP), takes trickled candidates, performs ICE restarts and hands
 * received RTP to the server for forwarding. The HTTP side lives in `media-server.ts`.
 */
import { withTimeout } from '../wait.ts'
import { randomBytes } from 'node:crypto'
import { isIP } from 'node:net'
import {
  PictureLossIndication,
  RTCPeerConnection,
  RTCRtpCodecParameters,
  RtcpPayloadSpecificFeedback,
  useFIR,
  useNACK,
  usePLI,
  type RtcpPacket,
  type RtpPacket,
  type RTCRtpReceiver,
  type RTCRtpTransceiver,
} from 'werift'
import { RtcspecError } from '../errors.ts'
import { installWeriftPatches } from '../patches/werift/index.ts'
import { codecs as sdpCodecs } from '../sdp/codecs.ts'
import { mediaKind, mediaLine, mid } from '../sdp/media.ts'
import { safeParseSdp } from '../sdp/parse.ts'
import { iceCredentials, joinSdp, splitSdp, withIce } from './sdp-text.ts'

/** Encoding names that carry no media of their own (RFC 4733 events, RTX, RED, FEC, comfort noise). */
const AUXILIARY = new Set(['telephone-event', 'rtx', 'red', 'ulpfec', 'flexfec-03', 'cn'])

/**
 * Moves werift's media-level `a=ice-lite` to the session level, where RFC 8839 §5.3 puts it (a session-level
 * attribute only): clients (browsers included) look for it there.
 */
export function iceLiteAtSessionLevel(sdp: string): string {
  const s = splitSdp(sdp)
  s.media = s.media.map((sec) => sec.filter((l) => l !== 'a=ice-lite'))
  if (!s.session.includes('a=ice-lite')) {
    const at = s.session.findIndex((l) => l.startsWith('t='))
    s.session.splice(at < 0 ? s.session.length : at + 1, 0, 'a=ice-lite')
  }
  return joinSdp(s)
}

/** The feedback message type of FIR in an RTCP PSFB packet (RFC 5104 §4.3.1). */
const FIR_FORMAT = 4

/** Whether an offer's video section lists `a=rtcp-fb:<pt or *> nack pli` (RFC 4585 §4.2): the sender answers PLI. */
export function offersPli(offer: string): boolean {
  const video = offer.split(/^(?=m=)/m).find((sec) => sec.startsWith('m=video'))
  return video !== undefined && /^a=rtcp-fb:\S+ nack pli\r?$/m.test(video)
}

/** Whether a PLI (media SSRC) or FIR (the SSRC of one of its entries, RFC 5104 §4.3.1.1) asks about `ssrc`. */
function aboutSsrc(feedback: RtcpPayloadSpecificFeedback['feedback'], ssrc: number): boolean {
  if (feedback.count === FIR_FORMAT) {
    const entries = (feedback as unknown as { fir?: Array<{ ssrc: number }> }).fir ?? []
    return entries.some((e) => e.ssrc === ssrc) || (feedback as { mediaSsrc?: number }).mediaSsrc === ssrc
  }
  return (feedback as { mediaSsrc?: number }).mediaSsrc === ssrc
}

/** Which protocol a session belongs to. */
export type SessionRole = 'whip' | 'whep'

/** The audio codecs the reference server can negotiate (and forward), by name. */
export const SERVER_AUDIO_CODECS = ['opus', 'PCMU', 'PCMA'] as const

/** One of {@link SERVER_AUDIO_CODECS}. */
export type ServerAudioCodecName = (typeof SERVER_AUDIO_CODECS)[number]

/** The audio codecs the reference server negotiates by default, in preference order. */
export const DEFAULT_SERVER_AUDIO_CODECS: readonly ServerAudioCodecName[] = ['PCMU', 'PCMA', 'opus']

/** The werift parameters of each server audio codec (static payload types for G.711, 111 for Opus as browsers). */
function serverAudioCodec(name: ServerAudioCodecName): RTCRtpCodecParameters {
  if (name === 'opus') return new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2, payloadType: 111 })
  return new RTCRtpCodecParameters({ mimeType: `audio/${name}`, clockRate: 8000, payloadType: name === 'PCMU' ? 0 : 8 })
}

/** Codecs of a session, per kind, in preference order. */
export interface SessionCodecs {
  audio: RTCRtpCodecParameters[]
  video: RTCRtpCodecParameters[]
}

/**
 * The codecs the reference server negotiates, in preference order: `audio` (default PCMU, PCMA, Opus), then VP8 and
 * H.264, both with the RTCP feedback an SFU uses to get keyframes and retransmissions (`nack`, `nack pli`, `ccm fir`).
 */
export function serverCodecs(audio: readonly ServerAudioCodecName[] = DEFAULT_SERVER_AUDIO_CODECS): SessionCodecs {
  const rtcpFeedback = () => [useNACK(), usePLI(), useFIR()]
  return {
    audio: audio.map(serverAudioCodec),
    video: [
      new RTCRtpCodecParameters({ mimeType: 'video/VP8', clockRate: 90000, payloadType: 96, rtcpFeedback: rtcpFeedback() }),
      new RTCRtpCodecParameters({
        mimeType: 'video/H264',
        clockRate: 90000,
        payloadType: 102,
        rtcpFeedback: rtcpFeedback(),
        parameters: 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f',
      }),
    ],
  }
}

/** `audio/opus` → `opus`: the encoding name of a werift mime type. */
export function encodingOf(mimeType: string): string {
  return mimeType.split('/')[1] ?? mimeType
}

/** The most media sections an offer may have (real WHIP/WHEP offers have 1 to a few). */
export const MAX_MEDIA_SECTIONS = 64

/** The most lines one media section (or the session part) may have; a browser's video section has about 100. */
export const MAX_SECTION_LINES = 512

/** The line count of the longest part of an SDP text (the session part, or one media section). */
export function longestSectionLines(sdp: string): number {
  let longest = 0
  let current = 0
  for (const line of sdp.split('\n')) {
    if (line.startsWith('m=')) current = 0
    current++
    if (current > longest) longest = current
  }
  return longest
}

/** The most candidates one offer or trickle PATCH (or restart) may carry. */
export const MAX_TRICKLE_CANDIDATES = 100

/** Options of {@link ServerSession}. */
export interface ServerSessionOptions {
  role: SessionRole
  stream: string
  /** Host address to gather on (loopback by default). */
  host: string
  /** Called for every RTP packet a WHIP publisher sends, with the codec's mime type. */
  onRtp?: (kind: 'audio' | 'video', mimeType: string, rtp: RtpPacket) => void
  gatherTimeoutMs?: number
  /** The codecs this session negotiates (default {@link serverCodecs}). */
  codecs?: SessionCodecs
  /** Be an ICE-lite agent (RFC 8445 §2.5): `a=ice-lite` in the answer, no connectivity checks of its own. */
  iceLite?: boolean
}

/** Why the server asked a publisher for a keyframe: a viewer's connection came up, or a viewer sent PLI or FIR. */
export type KeyframeRequestReason = 'viewer-joined' | 'viewer-pli' | 'viewer-fir'

/** What became of one keyframe request to a publisher. */
export type KeyframeRequestOutcome =
  /** An RTCP PLI went to the publisher's video SSRC. */
  | 'sent'
  /** A viewer's PLI/FIR within {@link VIEWER_KEYFRAME_REQUEST_INTERVAL_MS} of the last request: not forwarded. */
  | 'rate-limited'
  /** The publisher has sent no video yet (its first frame is a keyframe anyway). */
  | 'no-video'
  /** The publisher's offer did not negotiate `a=rtcp-fb … nack pli` for its video codec (RFC 4585 §4.2). */
  | 'not-negotiated'

/** Keyframe requests of one WHIP publisher session, by what became of them. */
export interface KeyframeRequestCounts {
  /** PLIs sent to the publisher, by reason. */
  sent: Record<KeyframeRequestReason, number>
  /** Viewer PLI/FIR not forwarded because one was forwarded less than the interval before. */
  rateLimited: number
  /** Requests with no video to ask for, or no PLI negotiated. */
  notSent: number
}

/**
 * The shortest interval between two keyframe requests a publisher is sent on behalf of viewers' PLI/FIR (a
 * viewer joining always gets its own): a burst of viewers' requests must not make the encoder send keyframe
 * after keyframe. Real SFUs throttle the same way.
 */
export const VIEWER_KEYFRAME_REQUEST_INTERVAL_MS = 500

/** Why a publisher's packet was not sent to a viewer. */
export type DropReason = 'codec-mismatch' | 'not-connected' | 'no-sender'

/** A media section of the offer the answer rejected (port 0), with the codecs each side had for it. */
export interface RejectedSection {
  kind: string
  mid: string | undefined
  /** Encoding names the offer listed, in its order. */
  offered: string[]
}

/** A server-side session. */
export class ServerSession {
  readonly id: string
  readonly role: SessionRole
  readonly stream: string
  readonly pc: RTCPeerConnection
  /** Current entity tag, quoted (`"…"`), changed by every ICE restart. */
  etag: string
  /** The client's offer as received (ICE lines updated on restart). */
  remoteOffer = ''
  /** The answer as applied locally (before any fault munging). */
  localAnswer = ''
  closed = false
  /** Fault `delete.ends-session`: DELETE answered but the session URL kept alive. */
  lingering = false
  /** The codecs this session negotiates, per kind. */
  readonly codecs: SessionCodecs
  /** WHEP: publisher packets sent to this viewer. */
  forwarded = 0
  /** WHEP: publisher packets not sent to this viewer, by reason (never dropped uncounted). */
  readonly drops: Record<DropReason, number> = { 'codec-mismatch': 0, 'not-connected': 0, 'no-sender': 0 }
  /** Called once per reason when this viewer first drops a packet it cannot send (WHEP). */
  onDrop: ((reason: DropReason, detail: string) => void) | undefined
  /** WHIP: the keyframe requests (RTCP PLI) this publisher was sent, and those not sent. */
  readonly keyframeRequests: KeyframeRequestCounts = { sent: { 'viewer-joined': 0, 'viewer-pli': 0, 'viewer-fir': 0 }, rateLimited: 0, notSent: 0 }
  /** WHEP: the RTCP keyframe requests this viewer sent on its video stream. */
  readonly viewerRequests = { pli: 0, fir: 0 }
  /** WHEP: called for every PLI or FIR the viewer sends on its video stream. */
  onKeyframeRequest: ((kind: 'pli' | 'fir') => void) | undefined
  /** WHIP: encoding mime types seen in the publisher's RTP, per kind (`audio/opus`). */
  readonly #seen = { audio: new Set<string>(), video: new Set<string>() }
  readonly #options: ServerSessionOptions
  /** WHIP: the publisher's video receiver and the SSRC of its first video packet. */
  #video: { receiver: RTCRtpReceiver; ssrc: number } | undefined
  #lastViewerRequestMs = Number.NEGATIVE_INFINITY

  constructor(options: ServerSessionOptions) {
    this.#options = options
    this.id = randomBytes(9).toString('base64url')
    this.role = options.role
    this.stream = options.stream
    this.etag = ServerSession.newEtag()
    this.codecs = options.codecs ?? serverCodecs()
    // werift's known defects (src/patches), e.g. its STUN fallback: a session gathers on its host address only.
    installWeriftPatches()
    this.pc = new RTCPeerConnection({
      codecs: this.codecs,
      iceLite: options.iceLite ?? false,
      iceUseIpv4: false,
      iceUseIpv6: false,
      iceAdditionalHostAddresses: [options.host],
      // Bind the ICE socket to that address too, so answers to connectivity checks come from the candidate's own
      // address (an ICE-lite agent, which sends no checks of its own, is only reachable that way).
      iceInterfaceAddresses: isIP(options.host) === 6 ? { udp6: options.host } : { udp4: options.host },
      iceServers: [],
    })
    this.pc.onTrack.subscribe((track) => {
      if (this.role !== 'whip') return
      const transceiver = this.pc.getTransceivers().find((t) => t.receiver.tracks.includes(track))
      const kind = track.kind === 'video' ? 'video' : 'audio'
      track.onReceiveRtp.subscribe((rtp) => {
        const codec = transceiver?.codecs.find((c) => c.payloadType === rtp.header.payloadType)
        if (!codec) return
        if (kind === 'video' && this.#video === undefined && transceiver) this.#video = { receiver: transceiver.receiver, ssrc: rtp.header.ssrc }
        this.#seen[kind].add(codec.mimeType)
        this.#options.onRtp?.(kind, codec.mimeType, rtp)
      })
    })
  }

  /** A fresh quoted entity tag. */
  static newEtag(): string {
    return `"${randomBytes(8).toString('hex')}"`
  }

  async #gathered(): Promise<void> {
    const done = new Promise<void>((resolve) => {
      if (this.pc.iceGatheringState === 'complete') return resolve()
      const sub = this.pc.iceGatheringStateChange.subscribe((s) => {
        if (s === 'complete') {
          sub.unSubscribe()
          resolve()
        }
      })
    })
    await withTimeout(done, this.#options.gatherTimeoutMs ?? 5_000, `server ICE gathering of session ${this.id}`)
  }

  /** Applies the client's offer and returns the answer SDP (with every server candidate in it). */
  async answer(offer: string): Promise<string> {
    this.remoteOffer = offer
    // werift's offer handling grows faster than linearly with the number of m= sections (thousands of them
    // block the event loop for minutes; found by `rtcspec fuzz whip`): refuse absurd offers up front.
    const sections = offer.match(/^m=/gm)?.length ?? 0
    if (sections > MAX_MEDIA_SECTIONS) {
      throw new RtcspecError('TOO_MANY_MEDIA_SECTIONS', `the offer has ${sections} media sections; this server accepts at most ${MAX_MEDIA_SECTIONS}`)
    }
    const candidateLines = offer.match(/^a=candidate:/gm)?.length ?? 0
    if (candidateLines > MAX_TRICKLE_CANDIDATES) {
      throw new RtcspecError('TOO_MANY_CANDIDATES', `the offer has ${candidateLines} candidates; this server takes at most ${MAX_TRICKLE_CANDIDATES}`)
    }
    // RFC 9143 §7.2: an m= section is in at most one BUNDLE group. Rejecting early also keeps werift from
    // spending seconds on thousands of repeated group lines (found by `rtcspec fuzz whip`).
    const bundled = new Set<string>()
    for (const m of offer.matchAll(/^a=group:BUNDLE(.*)$/gm)) {
      for (const mid of (m[1] ?? '').trim().split(/\s+/).filter(Boolean)) {
        if (bundled.has(mid)) throw new RtcspecError('CONFLICTING_BUNDLE', `mid ${JSON.stringify(mid)} is in more than one BUNDLE group (RFC 9143 §7.2)`)
        bundled.add(mid)
      }
    }
    await this.pc.setRemoteDescription({ type: 'offer', sdp: offer })
    const dir = this.role === 'whip' ? 'recvonly' : 'sendonly'
    for (const t of this.pc.getTransceivers()) {
      t.setDirection(dir)
      if (this.role === 'whep') t.sender.setStreams([{ id: this.stream } as never])
    }
    const answer = await this.pc.createAnswer()
    await this.pc.setLocalDescription(answer)
    this.#watchViewerRtcp()
    // No section accepted (no common codec): werift never gathers, so waiting would only time out.
    if (!/^m=\S+ [1-9]/m.test(answer.sdp)) {
      this.localAnswer = answer.sdp
      const offered = this.rejectedSections().map((r) => `${r.kind} ${r.offered.join(', ') || 'no codec'}`)
      throw new RtcspecError(
        'NO_COMMON_MEDIA',
        `no codec in common: the offer has ${offered.join('; ') || 'no media section'}; this server takes ${this.describeCodecs()}`,
      )
    }
    await this.#gathered()
    const sdp = this.pc.localDescription?.sdp
    if (!sdp) throw new RtcspecError('NO_LOCAL_DESCRIPTION', `session ${this.id}: werift produced no answer`)
    this.localAnswer = this.#options.iceLite ? iceLiteAtSessionLevel(sdp) : sdp
    return this.localAnswer
  }

  /** The codecs of this session as text: `audio opus, PCMU; video VP8, H264`. */
  describeCodecs(): string {
    return (['audio', 'video'] as const)
      .filter((k) => this.codecs[k].length)
      .map((k) => `${k} ${this.codecs[k].map((c) => encodingOf(c.mimeType)).join(', ')}`)
      .join('; ')
  }

  /** Sections of the offer that the answer rejected (port 0) although the offer did not, with their offered codecs. */
  rejectedSections(): RejectedSection[] {
    const offer = safeParseSdp(this.remoteOffer)
    const answer = safeParseSdp(this.localAnswer)
    if (!offer.ok || !answer.ok) return []
    return offer.value.media.flatMap((m, i) => {
      const a = answer.value.media[i]
      if (mediaLine(m).port === 0 || (a && mediaLine(a).port !== 0)) return []
      return [
        {
          kind: mediaKind(m),
          mid: mid(m),
          offered: sdpCodecs(m)
            .map((c) => c.encodingName)
            .filter((n) => !AUXILIARY.has(n.toLowerCase())),
        },
      ]
    })
  }

  /**
   * WHIP: the codec mime types the publisher sends or will send, per kind: the first codec of the answer
   * (the one a sender uses) and every codec seen in its RTP so far. Empty for a kind not negotiated.
   */
  carriedCodecs(kind: 'audio' | 'video'): string[] {
    const out = new Set<string>()
    const t = this.pc.getTransceivers().find((x) => x.kind === kind && x.codecs.length > 0)
    const first = t?.codecs.find((c) => !AUXILIARY.has(encodingOf(c.mimeType).toLowerCase()))
    if (first) out.add(first.mimeType)
    for (const m of this.#seen[kind]) out.add(m)
    return [...out]
  }

  /** Creates a server offer (WHEP counter-offer): one sendonly audio and one sendonly video transceiver. */
  async offer(): Promise<string> {
    for (const kind of ['audio', 'video'] as const) {
      const t = this.pc.addTransceiver(kind, { direction: 'sendonly' })
      t.sender.setStreams([{ id: this.stream } as never])
    }
    const offer = await this.pc.createOffer()
    await this.pc.setLocalDescription(offer)
    this.#watchViewerRtcp()
    await this.#gathered()
    const sdp = this.pc.localDescription?.sdp
    if (!sdp) throw new RtcspecError('NO_LOCAL_DESCRIPTION', `session ${this.id}: werift produced no offer`)
    this.localAnswer = this.#options.iceLite ? iceLiteAtSessionLevel(sdp) : sdp
    return this.localAnswer
  }

  /** Applies the client's answer to a server offer. */
  async acceptAnswer(answer: string): Promise<void> {
    this.remoteOffer = answer
    await this.pc.setRemoteDescription({ type: 'answer', sdp: answer })
  }

  /** The mids the session negotiated. */
  mids(): string[] {
    return this.pc
      .getTransceivers()
      .map((t) => t.mid ?? '')
      .filter(Boolean)
  }

  /** Adds trickled remote candidates (`candidate:...` lines with their mid). Unknown mids are an error. */
  async addCandidates(candidates: Array<{ mid: string; line: string }>): Promise<void> {
    // thousands of candidates in one PATCH kept werift busy past any client timeout (found by `rtcspec fuzz trickle`)
    if (candidates.length > MAX_TRICKLE_CANDIDATES) {
      throw new RtcspecError('TOO_MANY_CANDIDATES', `${candidates.length} candidates in one request; this server takes at most ${MAX_TRICKLE_CANDIDATES}`)
    }
    const mids = this.mids()
    for (const c of candidates) {
      if (!mids.includes(c.mid)) throw new RtcspecError('UNKNOWN_MID', `candidate for unknown mid ${JSON.stringify(c.mid)} (session has ${mids.join(', ')})`)
    }
    for (const c of candidates) {
      await this.pc.addIceCandidate({ candidate: c.line, sdpMid: c.mid })
    }
  }

  /**
   * ICE restart: applies the client's new credentials and candidates (as a re-offer made of the previous
   * offer with new ICE lines), and returns the new local ufrag, pwd and the new answer.
   */
  async restart(ice: { ufrag: string; pwd: string; candidates: Array<{ mid: string; line: string }> }): Promise<string> {
    if (ice.candidates.length > MAX_TRICKLE_CANDIDATES) {
      throw new RtcspecError('TOO_MANY_CANDIDATES', `${ice.candidates.length} candidates in one request; this server takes at most ${MAX_TRICKLE_CANDIDATES}`)
    }
    const mids = this.mids()
    for (const c of ice.candidates) {
      if (!mids.includes(c.mid)) throw new RtcspecError('UNKNOWN_MID', `candidate for unknown mid ${JSON.stringify(c.mid)} (session has ${mids.join(', ')})`)
    }
    if (this.role === 'whep' && this.remoteOffer && !/^a=setup:actpass/m.test(this.remoteOffer)) {
      throw new RtcspecError('RESTART_UNSUPPORTED', 'ICE restart of a session set up by a server offer is not supported')
    }
    const offer = withIce(this.remoteOffer, { ufrag: ice.ufrag, pwd: ice.pwd, candidates: ice.candidates })
    await this.pc.setRemoteDescription({ type: 'offer', sdp: offer })
    this.remoteOffer = offer
    const answer = await this.pc.createAnswer()
    await this.pc.setLocalDescription(answer)
    await this.#gathered()
    const sdp = this.pc.localDescription?.sdp ?? ''
    this.localAnswer = this.#options.iceLite ? iceLiteAtSessionLevel(sdp) : sdp
    return this.localAnswer
  }

  /** The remote ufrag currently in effect. */
  remoteUfrag(): string | undefined {
    return iceCredentials(this.remoteOffer).ufrag
  }

  /** The sending transceiver of `kind` (WHEP viewers). */
  sender(kind: 'audio' | 'video'): RTCRtpTransceiver | undefined {
    return this.pc
      .getTransceivers()
      .find((t) => t.kind === kind && (t.currentDirection === 'sendonly' || t.currentDirection === 'sendrecv' || t.direction === 'sendonly'))
  }

  /**
   * Forwards a publisher packet to this viewer if it negotiated the same codec. A packet that cannot be sent
   * is counted in {@link drops} (and reported once per reason through `onDrop`), never dropped silently.
   */
  forward(kind: 'audio' | 'video', mimeType: string, rtp: RtpPacket): void {
    if (this.closed) return
    if (this.pc.connectionState !== 'connected')
      return this.#drop('not-connected', `${kind} ${encodingOf(mimeType)} packet before the viewer's connection is up`)
    const t = this.sender(kind)
    const codec = t?.sender.codec
    if (!t || !codec) return this.#drop('no-sender', `the viewer negotiated no ${kind} section for the publisher's ${encodingOf(mimeType)}`)
    if (codec.mimeType.toLowerCase() !== mimeType.toLowerCase()) {
      return this.#drop('codec-mismatch', `the publisher sends ${kind} ${encodingOf(mimeType)}, the viewer negotiated ${encodingOf(codec.mimeType)}`)
    }
    this.forwarded++
    t.sender.sendRtp(rtp).catch(() => undefined)
  }

  /**
   * WHEP: counts the viewer's PLI (RFC 4585 §6.3.1) and FIR (RFC 5104 §4.3.1) on its video stream and reports them.
   * Read from the transport, by media SSRC: werift routes a PSFB by its sender SSRC first, which hands a viewer's
   * PLI to the receiver of its (unused) sending side instead of the sender it is about.
   */
  #watchViewerRtcp(): void {
    if (this.role !== 'whep') return
    for (const t of this.pc.getTransceivers()) {
      if (t.kind !== 'video') continue
      const ssrc = t.sender.ssrc
      t.sender.dtlsTransport.onRtcp.subscribe((packet: RtcpPacket) => {
        if (packet.type !== RtcpPayloadSpecificFeedback.type) return
        const feedback = (packet as RtcpPayloadSpecificFeedback).feedback
        const kind = feedback.count === PictureLossIndication.count ? 'pli' : feedback.count === FIR_FORMAT ? 'fir' : undefined
        if (!kind || !aboutSsrc(feedback, ssrc)) return
        this.viewerRequests[kind]++
        this.onKeyframeRequest?.(kind)
      })
    }
  }

  /**
   * WHIP: asks the publisher for a keyframe with an RTCP PLI (RFC 4585 §6.3.1) on its video SSRC. A viewer joining
   * is always asked for; viewers' own PLI/FIR are forwarded at most once per {@link VIEWER_KEYFRAME_REQUEST_INTERVAL_MS}.
   */
  requestKeyframe(reason: KeyframeRequestReason): KeyframeRequestOutcome {
    const video = this.#video
    if (this.closed || video === undefined) {
      this.keyframeRequests.notSent++
      return 'no-video'
    }
    if (!offersPli(this.remoteOffer)) {
      this.keyframeRequests.notSent++
      return 'not-negotiated'
    }
    const now = performance.now()
    if (reason !== 'viewer-joined') {
      if (now - this.#lastViewerRequestMs < VIEWER_KEYFRAME_REQUEST_INTERVAL_MS) {
        this.keyframeRequests.rateLimited++
        return 'rate-limited'
      }
      this.#lastViewerRequestMs = now
    }
    this.keyframeRequests.sent[reason]++
    const pli = new RtcpPayloadSpecificFeedback({ feedback: new PictureLossIndication({ senderSsrc: video.receiver.rtcpSsrc, mediaSsrc: video.ssrc }) })
    video.receiver.dtlsTransport.sendRtcp([pli]).catch(() => undefined)
    return 'sent'
  }

  /** WHIP: the SSRC of the publisher's video, once a video packet arrived. */
  get videoSsrc(): number | undefined {
    return this.#video?.ssrc
  }

  /** Publisher packets not sent to this viewer, all reasons together. */
  get dropped(): number {
    return this.drops['codec-mismatch'] + this.drops['not-connected'] + this.drops['no-sender']
  }

  #drop(reason: DropReason, detail: string): void {
    if (this.drops[reason]++ === 0) this.onDrop?.(reason, detail)
  }

  /** Closes the peer connection (stops answering ICE consent checks). Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.pc.close().catch(() => undefined)
  }
}
