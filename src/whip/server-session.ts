/**
 * One WHIP or WHEP session of the reference server, on a werift `RTCPeerConnection`: answers the client's
 * offer (recvonly for WHIP, sendonly for WHEP), takes trickled candidates, performs ICE restarts and hands
 * received RTP to the server for forwarding. The HTTP side lives in `media-server.ts`.
 */
import { withTimeout } from '../wait.ts'
import { randomBytes } from 'node:crypto'
import { RTCPeerConnection, RTCRtpCodecParameters, type RtpPacket, type RTCRtpTransceiver } from 'werift'
import { RtcspecError } from '../errors.ts'
import { iceCredentials, withIce } from './sdp-text.ts'

/** Which protocol a session belongs to. */
export type SessionRole = 'whip' | 'whep'

/** The codecs the reference server negotiates, in preference order. */
export function serverCodecs(): { audio: RTCRtpCodecParameters[]; video: RTCRtpCodecParameters[] } {
  return {
    audio: [
      new RTCRtpCodecParameters({ mimeType: 'audio/PCMU', clockRate: 8000, payloadType: 0 }),
      new RTCRtpCodecParameters({ mimeType: 'audio/PCMA', clockRate: 8000, payloadType: 8 }),
      new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2, payloadType: 111 }),
    ],
    video: [
      new RTCRtpCodecParameters({ mimeType: 'video/VP8', clockRate: 90000, payloadType: 96 }),
      new RTCRtpCodecParameters({ mimeType: 'video/H264', clockRate: 90000, payloadType: 102, parameters: 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f' }),
    ],
  }
}

/** The most media sections an offer may have (real WHIP/WHEP offers have 1 to a few). */
export const MAX_MEDIA_SECTIONS = 64

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
  readonly #options: ServerSessionOptions

  constructor(options: ServerSessionOptions) {
    this.#options = options
    this.id = randomBytes(9).toString('base64url')
    this.role = options.role
    this.stream = options.stream
    this.etag = ServerSession.newEtag()
    this.pc = new RTCPeerConnection({
      codecs: serverCodecs(),
      iceUseIpv4: false,
      iceUseIpv6: false,
      iceAdditionalHostAddresses: [options.host],
      iceServers: [],
    })
    this.pc.onTrack.subscribe((track) => {
      if (this.role !== 'whip') return
      const transceiver = this.pc.getTransceivers().find((t) => t.receiver.tracks.includes(track))
      const kind = track.kind === 'video' ? 'video' : 'audio'
      track.onReceiveRtp.subscribe((rtp) => {
        const codec = transceiver?.codecs.find((c) => c.payloadType === rtp.header.payloadType)
        if (codec) this.#options.onRtp?.(kind, codec.mimeType, rtp)
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
    // No section accepted (no common codec): werift never gathers, so waiting would only time out.
    if (!/^m=\S+ [1-9]/m.test(answer.sdp)) {
      throw new RtcspecError('NO_COMMON_MEDIA', `session ${this.id}: no media section of the offer could be accepted (no codec in common)`, {
        hint: `offer one of ${[...serverCodecs().audio, ...serverCodecs().video].map((c) => c.mimeType).join(', ')}`,
      })
    }
    await this.#gathered()
    const sdp = this.pc.localDescription?.sdp
    if (!sdp) throw new RtcspecError('NO_LOCAL_DESCRIPTION', `session ${this.id}: werift produced no answer`)
    this.localAnswer = sdp
    return sdp
  }

  /** Creates a server offer (WHEP counter-offer): one sendonly audio and one sendonly video transceiver. */
  async offer(): Promise<string> {
    for (const kind of ['audio', 'video'] as const) {
      const t = this.pc.addTransceiver(kind, { direction: 'sendonly' })
      t.sender.setStreams([{ id: this.stream } as never])
    }
    const offer = await this.pc.createOffer()
    await this.pc.setLocalDescription(offer)
    await this.#gathered()
    const sdp = this.pc.localDescription?.sdp
    if (!sdp) throw new RtcspecError('NO_LOCAL_DESCRIPTION', `session ${this.id}: werift produced no offer`)
    this.localAnswer = sdp
    return sdp
  }

  /** Applies the client's answer to a server offer. */
  async acceptAnswer(answer: string): Promise<void> {
    this.remoteOffer = answer
    await this.pc.setRemoteDescription({ type: 'answer', sdp: answer })
  }

  /** The mids the session negotiated. */
  mids(): string[] {
    return this.pc.getTransceivers().map((t) => t.mid ?? '').filter(Boolean)
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
    this.localAnswer = sdp
    return sdp
  }

  /** The remote ufrag currently in effect. */
  remoteUfrag(): string | undefined {
    return iceCredentials(this.remoteOffer).ufrag
  }

  /** The sending transceiver of `kind` (WHEP viewers). */
  sender(kind: 'audio' | 'video'): RTCRtpTransceiver | undefined {
    return this.pc.getTransceivers().find((t) => t.kind === kind && (t.currentDirection === 'sendonly' || t.currentDirection === 'sendrecv' || t.direction === 'sendonly'))
  }

  /** Forwards a publisher packet to this viewer if it negotiated the same codec. */
  forward(kind: 'audio' | 'video', mimeType: string, rtp: RtpPacket): void {
    if (this.closed || this.pc.connectionState !== 'connected') return
    const t = this.sender(kind)
    const codec = t?.sender.codec
    if (!t || !codec || codec.mimeType.toLowerCase() !== mimeType.toLowerCase()) return
    t.sender.sendRtp(rtp).catch(() => undefined)
  }

  /** Closes the peer connection (stops answering ICE consent checks). Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.pc.close().catch(() => undefined)
  }
}
