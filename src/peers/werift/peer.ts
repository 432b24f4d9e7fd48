/**
 * A `Peer` backed by werift (in-process WebRTC). Offline-friendly defaults: no STUN servers and
 * loopback host candidates only, so two peers connect on 127.0.0.1 with no network at all.
 * `remoteAddresses: 'any'` lifts the loopback rule for a server on another address.
 */
import {
  RTCPeerConnection,
  RTCRtpCodecParameters,
  RtpHeader,
  RtpPacket,
  useH264,
  useVP8,
  type MediaStreamTrack,
  type RTCRtpTransceiver,
  type PeerConfig,
} from 'werift'
import { RtcspecError, TimeoutError } from '../../errors.ts'
import { withTimeout } from '../../wait.ts'
import { AudioSender, resolveAudioSource } from '../audio-sender.ts'
import { AudioSenderBook } from '../audio-senders.ts'
import { audioCodec, isTelephoneEvent, TELEPHONE_EVENT_PAYLOAD_TYPES, type AudioCodecSpec } from '../codecs.ts'
import { InboundTrackImpl } from '../inbound-track.ts'
import { guardStaleChecks } from '../../patches/werift/stale-check-guard.ts'
import { installWeriftPatches } from '../../patches/werift/index.ts'
import { watchTurnFailures } from './turn-diagnosis.ts'
import { VideoSender, type KeyframeRequest } from './video-sender.ts'
import { VideoReceiveFeedback } from './video-receiver.ts'
import { filterVideoOffer, fixH264Answer } from '../video-codec-match.ts'
import type { EncodedVideo } from '../../media/video/types.ts'
import type { SentVideoFrame } from '../../media/video/analysis.ts'
import { parseOptions } from '../../options.ts'
import { WeriftPeerOptionsSchema } from '../peer-options.ts'
import { assertCommonAudioCodec } from '../codec-match.ts'
import { onDtlsFailure } from '../../patches/werift/dtls-failure.ts'
import { createTimeline, recordState } from '../timeline.ts'
import { allHostAddresses } from '../host-addresses.ts'
import { isLoopbackAddress } from '../../net/loopback.ts'
import type {
  AudioSendHandle,
  AudioSourceSpec,
  CandidateInit,
  CodecInfo,
  Direction,
  DtmfSendOptions,
  IceCheckSummary,
  IceDetail,
  InboundTrack,
  MediaKind,
  NativeInboundStats,
  Peer,
  PeerOptions,
  PeerStats,
  PeerTimeline,
  SelectedPair,
  SessionDescriptionInit,
  SendAudioOptions,
  SendVideoOptions,
  TurnSetupWatch,
  VideoSendCounters,
  VideoSendHandle,
  OutboundStats,
} from '../types.ts'

/** werift-specific options on top of the common ones. */
export interface WeriftPeerOptions extends PeerOptions {
  /**
   * werift's own debug switches, passed through. Note: in werift 0.25 `inboundPacketLoss` and
   * `outboundPacketLoss` drop with probability 1 − value/100 (inverted) and unseeded; prefer rtcspec's
   * seeded impairment relay (`src/net`) for loss you want to assert on.
   */
  debug?: PeerConfig['debug']
  /** Extra werift `RTCPeerConnection` configuration, merged last. */
  config?: Partial<PeerConfig>
  /**
   * Which remote candidates this peer pairs with and whose connectivity checks it answers:
   * - `'loopback'`: only 127.0.0.0/8, ::1 and `hostAddresses` (rtcspec's network rule for tests); a candidate
   *   on another address is left out and listed in {@link WeriftPeer.filteredRemotes};
   * - `'any'`: every address, for a server on another machine or network namespace. Unless `hostAddresses`
   *   is given, the peer then gathers host candidates on loopback and every interface address
   *   (`allHostAddresses`), so one of them can reach the server.
   *
   * Default `'loopback'`; with `iceServers` set and no `remoteAddresses`, remote candidates are not filtered
   * (relayed paths) while gathering stays on `hostAddresses`.
   */
  remoteAddresses?: RemoteAddresses
  /**
   * A video transceiver in this direction (created with the offer; applied to a remote offer's video section).
   * It has no source: it negotiates video (VP8, H.264) without sending frames. Default: no video transceiver.
   */
  video?: Direction | false
  /** Video codecs to offer, in preference order: `VP8`, `H264` (packetization-mode=1, profile-level-id 42e01f). Default both. */
  videoCodecs?: VideoCodecName[]
}

/** Which remote candidates a werift peer accepts (see {@link WeriftPeerOptions.remoteAddresses}). */
export type RemoteAddresses = 'loopback' | 'any'

/** Video codecs a werift peer can negotiate. */
export type VideoCodecName = 'VP8' | 'H264'

/** A remote candidate (or a connectivity check's source) the loopback rule kept this peer away from. */
export interface FilteredRemote {
  /** ms since the peer was created. */
  atMs: number
  address: string
  port: number
  /** Candidate type (`host`, `srflx`, ...) when it came from a candidate; absent for a check's source address. */
  type?: string
  /** `pair`: a candidate pair not formed; `check`: a connectivity check from there not answered. */
  via: 'pair' | 'check'
  reason: string
}

/** The most filtered remotes a peer keeps (each address, port and kind once). */
const MAX_FILTERED = 50

let peerCounter = 0

/**
 * werift codec parameters for rtcspec's audio codecs, plus RFC 4733 telephone-event at 8 and 48 kHz (always both,
 * in that order): werift 0.25 pairs local and remote codecs by MIME type only (not clock rate), taking the first
 * unused remote one, so a peer offering only one rate could be answered with the other. With both rates on both
 * sides in the same order each pairs with its own; the negotiated entries are then looked up by clock rate.
 */
function weriftAudioCodecs(codecs: AudioCodecSpec[], dtmf: boolean): RTCRtpCodecParameters[] {
  const out = codecs.map(
    (c) =>
      new RTCRtpCodecParameters({
        mimeType: `audio/${c.encoding}`,
        clockRate: c.clockRate,
        channels: c.channels,
        payloadType: c.payloadType,
        ...(c.fmtp ? { parameters: c.fmtp } : {}),
      }),
  )
  if (dtmf) {
    const rates = Object.keys(TELEPHONE_EVENT_PAYLOAD_TYPES)
      .map(Number)
      .sort((x, y) => x - y)
    for (const rate of rates) {
      const pt = TELEPHONE_EVENT_PAYLOAD_TYPES[rate] as number
      out.push(new RTCRtpCodecParameters({ mimeType: 'audio/telephone-event', clockRate: rate, channels: 1, payloadType: pt, parameters: '0-16' }))
    }
  }
  return out
}

/**
 * Sends an RTP packet with a payload type other than the sender's primary codec (RFC 4733 events).
 * werift 0.25's `RTCRtpSender.dispatchRtp` clones the packet and then forces `header.payloadType` to the
 * negotiated primary codec; the clone here keeps a payload type that ignores that assignment, while
 * werift still applies its SSRC, sequence/timestamp offsets, header extensions and counters.
 */
function withPayloadType(packet: RtpPacket, payloadType: number): RtpPacket {
  const pinned = {
    clone(): RtpPacket {
      const copy = packet.clone()
      Object.defineProperty(copy.header, 'payloadType', { get: () => payloadType, set: () => {}, enumerable: true, configurable: true })
      return copy
    },
  }
  return pinned as unknown as RtpPacket
}

/** werift codec parameters of the video codecs (payload types clear of rtcspec's audio and telephone-event ones). */
function weriftVideoCodecs(names: VideoCodecName[]): RTCRtpCodecParameters[] {
  return [...new Set(names)].map((n) =>
    n === 'VP8'
      ? useVP8({ payloadType: 96 })
      : useH264({ payloadType: 102, parameters: 'packetization-mode=1;profile-level-id=42e01f;level-asymmetry-allowed=1' }),
  )
}

/** Creates a werift peer. Dispose it (`await using`, or `close()`) to free its sockets. */
export function createWeriftPeer(options: WeriftPeerOptions = {}): WeriftPeer {
  // An unknown or misspelt option is an error (with a did-you-mean), never silently ignored.
  parseOptions(WeriftPeerOptionsSchema, options, {
    code: 'PEER_OPTIONS',
    what: 'werift peer options',
    hint: 'see WeriftPeerOptions (src/peers/werift/peer.ts)',
  })
  return new WeriftPeer(options)
}

/** A `Peer` backed by werift, in this process (ICE + DTLS-SRTP, loopback host candidates by default). Create it with {@link createWeriftPeer}. */
export class WeriftPeer implements Peer {
  readonly kind = 'werift' as const
  readonly name: string
  readonly trickle: boolean
  readonly timeline: PeerTimeline
  /** The underlying werift connection, for anything rtcspec does not wrap. */
  readonly pc: RTCPeerConnection
  /** Audio frames not sent because the negotiated direction does not let this peer send (held: `recvonly`/`inactive`). */
  heldPackets = 0
  /** Which remote candidates this peer accepts (the effective {@link WeriftPeerOptions.remoteAddresses}). */
  readonly remoteAddresses: RemoteAddresses
  /** Host addresses this peer gathers candidates on. */
  readonly hostAddresses: readonly string[]
  /** Remote candidates and check sources the `'loopback'` rule left out, each once, oldest first. */
  readonly filteredRemotes: FilteredRemote[] = []
  readonly #options: WeriftPeerOptions
  readonly #codecs: AudioCodecSpec[]
  /** When this peer joined its session (first createOffer or acceptOffer), ms on the performance clock. */
  #joinedAtMs: number | undefined
  readonly #inbound: InboundTrackImpl[] = []
  readonly #trackWaiters: Array<(t: InboundTrackImpl) => void> = []
  readonly #candidateListeners = new Set<(c: CandidateInit | null) => void>()
  readonly #localCandidates: Array<CandidateInit | null> = []
  readonly #senders: AudioSenderBook
  #gatheringDone: Promise<void>
  #resolveGathering!: () => void
  #dtlsWatched = new WeakSet<object>()
  #closed = false
  /** Video streams `sendVideo` was asked for, started once the connection is up. */
  readonly #videoSenders: VideoSendEntry[] = []
  /** PLI/NACK feedback of each inbound video track. */
  readonly #videoFeedback: VideoReceiveFeedback[] = []

  constructor(options: WeriftPeerOptions = {}) {
    // werift's known defects (src/patches): patched before the first connection, never at import.
    installWeriftPatches()
    this.#options = options
    this.name = options.name ?? `werift-${++peerCounter}`
    this.#senders = new AudioSenderBook(this.name)
    this.trickle = options.trickle ?? true
    this.timeline = createTimeline()
    this.#codecs = (options.codecs ?? ['PCMU', 'PCMA']).map(audioCodec)
    const withServers = (options.iceServers?.length ?? 0) > 0
    this.remoteAddresses = options.remoteAddresses ?? (withServers ? 'any' : 'loopback')
    const filter = options.remoteAddresses === 'loopback' || (options.remoteAddresses === undefined && !withServers)
    const hosts = options.hostAddresses ?? (options.remoteAddresses === 'any' ? allHostAddresses() : ['127.0.0.1'])
    this.hostAddresses = hosts
    const allowed = (address: string) => isLoopbackAddress(address) || hosts.includes(address)
    this.#gatheringDone = new Promise((r) => (this.#resolveGathering = r))
    this.pc = new RTCPeerConnection({
      codecs: {
        audio: weriftAudioCodecs(this.#codecs, options.dtmf !== false),
        ...(options.video ? { video: weriftVideoCodecs(options.videoCodecs ?? ['VP8', 'H264']) } : {}),
      },
      iceServers: options.iceServers ?? [],
      iceTransportPolicy: options.relayOnly ? 'relay' : 'all',
      // Gather only on the given host addresses (loopback by default): werift skips loopback otherwise.
      iceUseIpv4: false,
      iceUseIpv6: false,
      iceAdditionalHostAddresses: [...hosts],
      iceFilterCandidatePair: filter
        ? (pair) => {
            const r = pair.remoteCandidate
            if (allowed(r.host)) return true
            this.#filtered({ address: r.host, port: r.port, type: r.type, via: 'pair' })
            return false
          }
        : undefined,
      // Network rule: with the loopback defaults, never answer (nor learn a peer-reflexive candidate from) a
      // connectivity check that comes from another address. A browser on the same host checks from every
      // interface it has; answering would send traffic to the host's non-loopback address.
      iceFilterStunResponse: filter
        ? (_message, addr) => {
            if (allowed(addr[0])) return true
            this.#filtered({ address: addr[0], port: addr[1], via: 'check' })
            return false
          }
        : undefined,
      ...(options.debug ? { debug: options.debug } : {}),
      ...options.config,
    })
    this.#observe()
  }

  #observe(): void {
    const { pc, timeline } = this
    pc.iceConnectionStateChange.subscribe((s) => {
      recordState(timeline, 'ice', s)
      if (s === 'connected' || s === 'completed') this.#recordNomination()
    })
    pc.iceGatheringStateChange.subscribe((s) => {
      recordState(timeline, 'gathering', s)
      if (s === 'complete') this.#resolveGathering()
    })
    pc.signalingStateChange.subscribe((s) => recordState(timeline, 'signaling', s))
    pc.connectionStateChange.subscribe((s) => {
      recordState(timeline, 'connection', s)
      if (s === 'connected') {
        this.#startSenders()
        this.#startVideoSenders()
      }
    })
    pc.onIceCandidate.subscribe((c) => {
      const init: CandidateInit | null = c
        ? {
            candidate: c.candidate.startsWith('candidate:') ? c.candidate : `candidate:${c.candidate}`,
            sdpMid: c.sdpMid ?? null,
            sdpMLineIndex: c.sdpMLineIndex ?? null,
          }
        : null
      if (init) timeline.localCandidates.push({ atMs: Date.now() - timeline.createdAt, candidate: init.candidate })
      this.#localCandidates.push(init)
      for (const l of this.#candidateListeners) l(init)
      if (!c) this.#resolveGathering()
    })
    pc.onTrack.subscribe((track) => this.#onTrack(track))
  }

  #filtered(f: Omit<FilteredRemote, 'atMs' | 'reason'>): void {
    const list = this.filteredRemotes
    if (list.length >= MAX_FILTERED || list.some((x) => x.address === f.address && x.port === f.port && x.via === f.via)) return
    const what =
      f.via === 'pair' ? `remote candidate ${f.address}:${f.port}${f.type ? ` typ ${f.type}` : ''}` : `a connectivity check from ${f.address}:${f.port}`
    const reason = `${what} is not loopback (nor one of hostAddresses) and remoteAddresses is 'loopback'${f.via === 'pair' ? ': no pair formed' : ': not answered'}`
    list.push({ atMs: Date.now() - this.timeline.createdAt, ...f, reason })
  }

  #pendingIceServers: PeerOptions['iceServers'] | undefined

  /**
   * New ICE servers (e.g. refreshed TURN REST credentials) for the next ICE restart: JSEP applies server changes
   * to the next gathering, so they take effect when this peer restarts ICE (createOffer({ iceRestart: true })) or
   * accepts an offer that restarts it.
   */
  setIceServers(iceServers: NonNullable<PeerOptions['iceServers']>): void {
    this.#assertOpen()
    this.#pendingIceServers = iceServers
  }

  #applyPendingIceServers(): void {
    const servers = this.#pendingIceServers
    if (!servers) return
    // Only a restarted (gathering "new") transport takes them; keep them pending otherwise.
    if (!this.pc.iceTransports.some((t) => t.gatheringState === 'new')) return
    this.#pendingIceServers = undefined
    this.pc.setConfiguration({ iceServers: servers })
  }

  /** Appends the nominated pair of each ICE transport to the timeline when it changed. */
  #recordNomination(): void {
    const list = (this.timeline.nominations ??= [])
    for (const t of this.pc.iceTransports) {
      const pair = t.connection.nominated
      if (!pair) continue
      const local = `${pair.localCandidate.host}:${pair.localCandidate.port} ${pair.localCandidate.type}`
      const remote = `${pair.remoteCandidate.host}:${pair.remoteCandidate.port} ${pair.remoteCandidate.type}`
      const protocol = pair.localCandidate.transport.toLowerCase()
      const last = list.at(-1)
      if (last && last.local === local && last.remote === remote && (t.connection.generation ?? 0) === this.#nominatedGeneration) continue
      this.#nominatedGeneration = t.connection.generation ?? 0
      list.push({ atMs: Date.now() - this.timeline.createdAt, local, remote, protocol })
    }
  }

  #nominatedGeneration = -1

  /** Connectivity checks and consent counters from werift's ICE agent. */
  #iceDetail(): IceDetail | undefined {
    const t = this.pc.iceTransports[0]
    if (!t) return undefined
    const c = t.connection
    const STATES = ['frozen', 'waiting', 'in-progress', 'succeeded', 'failed']
    const checks: IceCheckSummary[] = c.checkList.map((p) => ({
      local: `${p.localCandidate.host}:${p.localCandidate.port} ${p.localCandidate.type}`,
      remote: `${p.remoteCandidate.host}:${p.remoteCandidate.port} ${p.remoteCandidate.type}`,
      state: STATES[p.state as number] ?? String(p.state),
      nominated: p.nominated,
      requestsSent: p.requestsSent,
      responsesReceived: p.responsesReceived,
      requestsReceived: p.requestsReceived,
      responsesSent: p.responsesSent,
      consentRequestsSent: p.consentRequestsSent,
      ...(p.rtt !== undefined ? { rttMs: p.rtt * 1000 } : {}),
    }))
    const consentFresh = (c as { consentFresh?: unknown }).consentFresh
    return { checks, ...(typeof consentFresh === 'boolean' ? { consentFresh } : {}), iceRestarts: t.iceRestarts, generation: c.generation }
  }

  #watchDtls(): void {
    // Before any ICE restart can happen: keep old-generation checks out of the restarted agent (src/patches/werift/stale-check-guard.ts).
    for (const t of this.pc.iceTransports) guardStaleChecks(t.connection)
    for (const t of this.pc.dtlsTransports) {
      if (this.#dtlsWatched.has(t)) continue
      this.#dtlsWatched.add(t)
      recordState(this.timeline, 'dtls', t.state)
      t.onStateChange.subscribe((s) => recordState(this.timeline, 'dtls', s))
      // werift only logs why DTLS failed: keep the reason (fingerprint mismatch, handshake timeout, alert).
      onDtlsFailure(t, (reason) => this.#error(`DTLS failed: ${reason}`))
    }
  }

  #transceiverOf(track: MediaStreamTrack): RTCRtpTransceiver | undefined {
    return this.pc.getTransceivers().find((t) => t.receiver.tracks.includes(track))
  }

  #codecInfo(transceiver: RTCRtpTransceiver | undefined, payloadType: number): CodecInfo | undefined {
    const c = transceiver?.codecs.find((x) => x.payloadType === payloadType)
    if (!c) return undefined
    return { encoding: c.mimeType.split('/')[1] ?? c.mimeType, payloadType, clockRate: c.clockRate, channels: c.channels }
  }

  #onTrack(track: MediaStreamTrack): void {
    const transceiver = this.#transceiverOf(track)
    const kind = track.kind as MediaKind
    const firstCodec = transceiver?.codecs.find((c) => !isTelephoneEvent(c.mimeType.split('/')[1]))
    // Video: PLI on join and on a lost frame, NACKs counted (video-receiver.ts).
    const feedback = kind === 'video' && transceiver ? new VideoReceiveFeedback(transceiver, { onError: (m) => this.#error(m) }) : undefined
    const inbound = new InboundTrackImpl({
      kind,
      mid: transceiver?.mid ?? undefined,
      peerName: this.name,
      clockRate: firstCodec?.clockRate ?? (kind === 'audio' ? 8000 : 90000),
      codecOf: (pt) => this.#codecInfo(transceiver, pt),
      record: this.#options.record === true,
      ...(this.#joinedAtMs !== undefined ? { joinedAtMs: this.#joinedAtMs } : {}),
      ...(feedback ? { onVideoGap: (missing: number, first: number) => feedback.onGap(missing, first) } : {}),
    })
    if (feedback) {
      feedback.attach(inbound)
      this.#videoFeedback.push(feedback)
    }
    track.onReceiveRtp.subscribe((rtp) => {
      inbound.push({
        sequenceNumber: rtp.header.sequenceNumber,
        timestamp: rtp.header.timestamp,
        ssrc: rtp.header.ssrc,
        payloadType: rtp.header.payloadType,
        marker: rtp.header.marker,
        payload: rtp.payload,
        arrivalMs: performance.now(),
      })
    })
    this.#inbound.push(inbound)
    for (const w of this.#trackWaiters.splice(0)) w(inbound)
  }

  #ensureAudioTransceiver(): void {
    const direction = this.#options.audio ?? 'sendrecv'
    if (direction === false) return
    if (!this.pc.getTransceivers().some((t) => t.kind === 'audio')) this.pc.addTransceiver('audio', { direction })
  }

  #ensureVideoTransceiver(): void {
    const direction = this.#options.video
    if (!direction) return
    if (!this.pc.getTransceivers().some((t) => t.kind === 'video')) this.pc.addTransceiver('video', { direction })
  }

  #applyVideoDirection(): void {
    const direction = this.#options.video
    if (direction === undefined) return
    for (const t of this.pc.getTransceivers()) {
      if (t.kind === 'video') t.setDirection(direction === false ? 'inactive' : direction)
    }
  }

  #applyAudioDirection(): void {
    const direction = this.#options.audio ?? 'sendrecv'
    for (const t of this.pc.getTransceivers()) {
      if (t.kind !== 'audio') continue
      t.setDirection(direction === false ? 'inactive' : (direction as Direction))
    }
  }

  async #localDescription(): Promise<SessionDescriptionInit> {
    if (!this.trickle) {
      await withTimeout(this.#gatheringDone, 10_000, `${this.name}: ICE gathering to complete`)
    }
    const desc = this.pc.localDescription
    if (!desc) throw new RtcspecError('NO_LOCAL_DESCRIPTION', `${this.name}: werift has no local description`)
    let sdp = desc.sdp
    if (this.trickle) {
      // Trickle: candidates travel separately (onLocalCandidate), not inside the SDP.
      sdp = sdp.replace(/^a=(candidate:.*|end-of-candidates)\r?\n/gm, '')
    }
    return { type: desc.type as 'offer' | 'answer', sdp }
  }

  async createOffer(options: { iceRestart?: boolean } = {}): Promise<SessionDescriptionInit> {
    this.#assertOpen()
    this.#joinedAtMs ??= performance.now()
    this.#ensureAudioTransceiver()
    this.#ensureVideoTransceiver()
    if (options.iceRestart) this.#resetGathering()
    const offer = await this.pc.createOffer(options.iceRestart ? { iceRestart: true } : {})
    this.#applyPendingIceServers()
    await this.pc.setLocalDescription(offer)
    this.#watchDtls()
    return this.#localDescription()
  }

  async acceptOffer(offer: SessionDescriptionInit): Promise<SessionDescriptionInit> {
    this.#assertOpen()
    this.#joinedAtMs ??= performance.now()
    if (this.pc.remoteDescription) this.#resetGathering()
    // No audio codec in common: say so now, naming both sides' codecs, rather than "connect" and carry nothing.
    if (this.#options.audio !== false) {
      try {
        assertCommonAudioCodec({ localName: this.name, localCodecs: this.#codecs.map((c) => c.encoding), sdp: offer.sdp, type: 'offer' })
      } catch (e) {
        this.#error((e as Error).message)
        throw e
      }
    }
    // Video: H.264 formats this peer cannot answer (RFC 6184 §8.2.2 profile, packetization-mode) are taken out
    // before werift pairs codecs by name; none left in common is an error like audio's.
    let remote = offer
    if (this.#options.video) {
      try {
        remote = { ...offer, sdp: filterVideoOffer({ localName: this.name, localCodecs: this.#options.videoCodecs ?? ['VP8', 'H264'], sdp: offer.sdp }).sdp }
      } catch (e) {
        this.#error((e as Error).message)
        throw e
      }
    }
    await this.#wrap('apply the remote offer', () => this.pc.setRemoteDescription(remote))
    this.#applyPendingIceServers()
    this.#applyAudioDirection()
    this.#applyVideoDirection()
    const answer = await this.pc.createAnswer()
    await this.pc.setLocalDescription(answer)
    this.#watchDtls()
    this.#resumeIceAfterRestart()
    const local = await this.#localDescription()
    return this.#options.video ? { ...local, sdp: fixH264Answer(local.sdp, remote.sdp) } : local
  }

  async acceptAnswer(answer: SessionDescriptionInit): Promise<void> {
    this.#assertOpen()
    // Video: an answer may not pick an H.264 format this peer cannot take (RFC 6184 §8.2.2); none left is an error.
    let remote = answer
    if (this.#options.video) {
      try {
        remote = {
          ...answer,
          sdp: filterVideoOffer({ localName: this.name, localCodecs: this.#options.videoCodecs ?? ['VP8', 'H264'], sdp: answer.sdp, type: 'answer' }).sdp,
        }
      } catch (e) {
        this.#error((e as Error).message)
        throw e
      }
    }
    await this.#wrap('apply the remote answer', () => this.pc.setRemoteDescription(remote))
    this.#watchDtls()
    this.#resumeIceAfterRestart()
  }

  /**
   * werift 0.25 does not run connectivity checks after an ICE restart while DTLS is still connected (its connect()
   * returns early on a connected DTLS transport), so media stops. Start the checks of every restarted ICE transport.
   */
  #resumeIceAfterRestart(): void {
    if (this.pc.connectionState !== 'connected') return // first negotiation: werift connects by itself
    for (const t of this.pc.iceTransports) {
      if (t.state === 'connected' || t.state === 'checking' || t.state === 'closed' || t.connection.nominated) continue
      t.start().catch((e: unknown) => this.#error(`ICE restart: connectivity checks failed: ${e instanceof Error ? e.message : String(e)}`))
    }
  }

  #resetGathering(): void {
    this.#gatheringDone = new Promise((r) => (this.#resolveGathering = r))
  }

  async addRemoteCandidate(candidate: CandidateInit | null): Promise<void> {
    if (this.#closed) return
    if (candidate) this.timeline.remoteCandidates.push({ atMs: Date.now() - this.timeline.createdAt, candidate: candidate.candidate })
    await this.#wrap('add a remote ICE candidate', () =>
      this.pc.addIceCandidate(
        candidate
          ? {
              candidate: candidate.candidate,
              sdpMid: candidate.sdpMid ?? undefined,
              sdpMLineIndex: candidate.sdpMLineIndex ?? undefined,
              usernameFragment: candidate.usernameFragment ?? undefined,
            }
          : null,
      ),
    )
  }

  onLocalCandidate(listener: (candidate: CandidateInit | null) => void): () => void {
    for (const c of this.#localCandidates) listener(c)
    this.#candidateListeners.add(listener)
    return () => this.#candidateListeners.delete(listener)
  }

  sendAudio(source: AudioSourceSpec, options: SendAudioOptions = {}): AudioSendHandle {
    this.#assertOpen()
    this.#ensureAudioTransceiver()
    const { handle } = this.#senders.add(source, options, { ssrc: undefined })
    if (this.pc.connectionState === 'connected') this.#startSenders()
    return handle
  }

  #startSenders(): void {
    for (const entry of this.#senders.waiting()) {
      const transceiver = this.pc.getTransceivers().find((t) => t.kind === 'audio' && (t.currentDirection === 'sendrecv' || t.currentDirection === 'sendonly'))
      if (!transceiver) {
        this.#error("sendAudio: no audio transceiver negotiated for sending (check both sides' audio direction)")
        continue
      }
      const negotiated = transceiver.sender.codec ?? transceiver.codecs.find((c) => !isTelephoneEvent(c.mimeType.split('/')[1]))
      if (!negotiated) {
        this.#error('sendAudio: no audio codec was negotiated')
        continue
      }
      let spec: AudioCodecSpec
      try {
        spec = audioCodec(negotiated.mimeType.split('/')[1] ?? '')
      } catch (e) {
        this.#error(`sendAudio: ${(e as Error).message}`)
        continue
      }
      const sender = transceiver.sender
      const telephoneEvent = transceiver.codecs.find((c) => isTelephoneEvent(c.mimeType.split('/')[1]) && c.clockRate === negotiated.clockRate)
      entry.stats.mid = transceiver.mid ?? undefined
      entry.stats.ssrc = sender.ssrc
      entry.stats.codec = { encoding: spec.encoding, payloadType: negotiated.payloadType, clockRate: negotiated.clockRate, channels: negotiated.channels }
      this.#senders.start(
        entry,
        () => {
          // A sender that ended on this transceiver: continue its sequence numbers and timestamps (same SSRC).
          const previous = this.#senders.entries.filter((e) => e !== entry && e.sender?.stopped && e.stats.mid === entry.stats.mid).at(-1)?.sender
          return new AudioSender({
            source: resolveAudioSource(entry.spec, spec.sampleRate),
            ...(previous ? { continueFrom: previous } : {}),
            ...(entry.options.dtx ? { dtx: entry.options.dtx } : {}),
            encoder: spec.createEncoder(),
            payloadType: negotiated.payloadType,
            ...(telephoneEvent ? { telephoneEventPayloadType: telephoneEvent.payloadType } : {}),
            // werift sends whatever it is given; honour the negotiated direction (a far end's hold: sendonly/inactive).
            held: () => {
              const d = transceiver.currentDirection
              const held = d !== 'sendrecv' && d !== 'sendonly'
              if (held) this.heldPackets++
              return held
            },
            send: (p) => {
              const header = new RtpHeader({ payloadType: p.payloadType, sequenceNumber: p.sequenceNumber, timestamp: p.timestamp, marker: p.marker })
              let packet = new RtpPacket(header, Buffer.from(p.payload.buffer, p.payload.byteOffset, p.payload.byteLength))
              if (p.payloadType !== negotiated.payloadType) packet = withPayloadType(packet, p.payloadType)
              sender.sendRtp(packet).catch((e: unknown) => this.#error(`sendRtp: ${String(e)}`))
            },
          })
        },
        (message) => this.#error(`sendAudio: ${message}`),
      )
    }
  }

  /**
   * Sends a pre-encoded video stream (VP8 or H.264) on this peer's video transceiver once the connection is up,
   * frame by frame at its frame rate; PLI/FIR make it send its next keyframe, NACKs are answered from werift's
   * packet history. The peer needs a sending video transceiver: create it with `video: 'sendrecv'` or `'sendonly'`.
   * @throws {RtcspecError} `NO_VIDEO_TRANSCEIVER` when the peer was made without one.
   */
  sendVideo(video: EncodedVideo, options: SendVideoOptions = {}): WeriftVideoSendHandle {
    this.#assertOpen()
    const direction = this.#options.video
    if (direction !== 'sendrecv' && direction !== 'sendonly') {
      throw new RtcspecError(
        'NO_VIDEO_TRANSCEIVER',
        `${this.name}: sendVideo needs a video transceiver that sends, but the peer's video option is ${JSON.stringify(direction ?? null)}`,
        {
          hint: "create the peer with createWeriftPeer({ video: 'sendrecv' }) (or 'sendonly') before negotiating",
        },
      )
    }
    this.#ensureVideoTransceiver()
    const stats: OutboundStats = {
      kind: 'video',
      mid: undefined,
      codec: undefined,
      ssrc: undefined,
      packetsSent: 0,
      bytesSent: 0,
      lateTicks: 0,
      firstPacketAtMs: undefined,
    }
    const entry: VideoSendEntry = { video, options, stats, sender: undefined, stopped: false, ended: Promise.resolve(), endedResolve: () => {} }
    entry.ended = new Promise<void>((r) => (entry.endedResolve = r))
    this.#videoSenders.push(entry)
    if (this.pc.connectionState === 'connected') this.#startVideoSenders()
    const counters = (): VideoSendCounters => entry.sender?.counters ?? emptyVideoCounters()
    return {
      stop: () => {
        entry.stopped = true
        entry.sender?.stop()
        entry.endedResolve()
      },
      get stats() {
        return videoOutboundStats(entry)
      },
      get counters() {
        return counters()
      },
      sentFrames: () => entry.sender?.sentFrames() ?? [],
      keyframeRequests: () => entry.sender?.keyframeRequests() ?? [],
      ended: entry.ended,
    }
  }

  #startVideoSenders(): void {
    for (const entry of this.#videoSenders) {
      if (entry.sender || entry.stopped) continue
      const transceiver = this.pc.getTransceivers().find((t) => t.kind === 'video' && (t.currentDirection === 'sendrecv' || t.currentDirection === 'sendonly'))
      if (!transceiver) {
        this.#failVideoSender(entry, "sendVideo: no video transceiver negotiated for sending (check both sides' video direction)")
        continue
      }
      const wanted = entry.video.codec
      const negotiated = transceiver.codecs.find((c) => c.mimeType.split('/')[1]?.toUpperCase() === wanted)
      if (!negotiated) {
        const codecs = transceiver.codecs.map((c) => c.mimeType).join(', ') || 'none'
        this.#failVideoSender(
          entry,
          `sendVideo: the stream is ${wanted} but the negotiated video codecs are ${codecs} (give the peer videoCodecs: ['${wanted}'])`,
        )
        continue
      }
      const sender = transceiver.sender
      entry.stats.mid = transceiver.mid ?? undefined
      entry.stats.ssrc = sender.ssrc
      entry.stats.codec = { encoding: wanted, payloadType: negotiated.payloadType, clockRate: negotiated.clockRate }
      try {
        entry.sender = new VideoSender({
          video: entry.video,
          ...entry.options,
          payloadType: negotiated.payloadType,
          transport: {
            send: (p) => {
              sender.sendRtp(p).catch((e: unknown) => this.#error(`sendVideo: sendRtp: ${String(e)}`))
            },
            canSend: () => transceiver.currentDirection === 'sendrecv' || transceiver.currentDirection === 'sendonly',
          },
          onEnded: () => entry.endedResolve(),
        })
      } catch (e) {
        this.#failVideoSender(entry, `sendVideo: ${(e as Error).message}`)
        continue
      }
      // PLI, FIR and NACK for this stream, read off the DTLS transport (werift's router does not deliver FIR to senders).
      const ssrc = sender.ssrc
      const video = entry.sender
      sender.dtlsTransport.onRtcp.subscribe((rtcp) => {
        const r = rtcp as unknown as { type: number; feedback?: { count: number; mediaSsrc?: number; mediaSourceSsrc?: number; fir?: Array<{ ssrc: number }> } }
        const fb = r.feedback
        if (!fb) return
        if (r.type === 206 && fb.count === 1 && fb.mediaSsrc === ssrc) video.requestKeyframe('pli')
        else if (r.type === 206 && fb.count === 4 && fb.fir?.some((f) => f.ssrc === ssrc)) video.requestKeyframe('fir')
        else if (r.type === 205 && fb.count === 1 && fb.mediaSourceSsrc === ssrc) video.nackReceived()
      })
      video.start()
    }
  }

  /** A video stream that cannot start: the reason goes to the timeline and the stream's stats, and `ended` resolves. */
  #failVideoSender(entry: VideoSendEntry, message: string): void {
    this.#error(message)
    entry.stats.senderError = message
    entry.stopped = true
    entry.endedResolve()
  }

  async sendDtmf(digits: string, options: DtmfSendOptions = {}): Promise<void> {
    this.#assertOpen()
    return this.#senders.sendDtmf(digits, options, (source) => this.sendAudio(source))
  }

  get inbound(): ReadonlyArray<InboundTrack> {
    return this.#inbound
  }

  waitForTrack(kind: MediaKind, timeoutMs: number): Promise<InboundTrack> {
    const existing = this.#inbound.find((t) => t.kind === kind)
    if (existing) return Promise.resolve(existing)
    const found = new Promise<InboundTrack>((resolve) => {
      const waiter = (t: InboundTrackImpl) => (t.kind === kind ? resolve(t) : this.#trackWaiters.push(waiter))
      this.#trackWaiters.push(waiter)
    })
    return withTimeout(found, timeoutMs, `${this.name}: an inbound ${kind} track`)
  }

  waitForConnected(timeoutMs: number): Promise<void> {
    if (this.pc.connectionState === 'connected') return Promise.resolve()
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        sub.unSubscribe()
        reject(
          new TimeoutError(
            `${this.name} to connect (ICE+DTLS); ${this.#stateSummary()}`,
            timeoutMs,
            'check that both peers exchanged candidates and that a path exists (relay, TURN credentials)',
          ),
        )
      }, timeoutMs)
      const sub = this.pc.connectionStateChange.subscribe((s) => {
        if (s === 'connected') {
          clearTimeout(timer)
          sub.unSubscribe()
          resolve()
        } else if (s === 'failed' || s === 'closed') {
          clearTimeout(timer)
          sub.unSubscribe()
          reject(new RtcspecError('CONNECTION_FAILED', `${this.name}: connection ${s}; ${this.#stateSummary()}`))
        }
      })
    })
  }

  #stateSummary(): string {
    const last = (xs: Array<{ state: string }>) => xs.at(-1)?.state ?? 'new'
    const t = this.timeline
    const errors = t.errors.length ? `; errors: ${t.errors.map((e) => e.message).join(' | ')}` : ''
    // Remote candidates arrive in the SDP (answer or offer) and trickled: count both, or a server that puts its
    // candidates in the answer looks like one that sent none.
    const inSdp = this.pc.remoteDescription?.sdp.match(/^a=candidate:/gm)?.length ?? 0
    const filtered = this.filteredRemotes.length ? `; filtered: ${this.filteredRemotes.map((f) => f.reason).join(' | ')}` : ''
    return `ice=${last(t.ice)} dtls=${last(t.dtls)} connection=${last(t.connection)} local candidates=${t.localCandidates.length} remote candidates=${inSdp + t.remoteCandidates.length} (${inSdp} in the SDP, ${t.remoteCandidates.length} trickled)${filtered}${errors}`
  }

  async stats(): Promise<PeerStats> {
    const native = new Map<number, NativeInboundStats>()
    let selectedPair: SelectedPair | undefined
    if (!this.#closed) {
      try {
        const report = await this.pc.getStats()
        const byId = new Map<string, Record<string, unknown>>()
        for (const [, v] of report) byId.set((v as { id: string }).id, v as unknown as Record<string, unknown>)
        for (const v of byId.values()) {
          if (v.type === 'inbound-rtp') {
            native.set(v.ssrc as number, {
              packetsReceived: Number(v.packetsReceived ?? 0),
              packetsLost: Number(v.packetsLost ?? 0),
              jitterMs: Number(v.jitter ?? 0) * 1000,
            })
          }
          if (v.type === 'candidate-pair' && v.nominated && v.state === 'succeeded') {
            const l = byId.get(v.localCandidateId as string)
            const r = byId.get(v.remoteCandidateId as string)
            if (l && r) {
              const side = (c: Record<string, unknown>) => ({
                address: String(c.address ?? c.ip ?? ''),
                port: Number(c.port ?? 0),
                type: String(c.candidateType ?? ''),
                protocol: String(c.protocol ?? ''),
              })
              selectedPair = { local: side(l), remote: side(r) }
            }
          }
        }
      } catch (e) {
        this.#error(`getStats failed: ${String(e)}`)
      }
    }
    return {
      peer: this.name,
      kind: this.kind,
      inbound: this.#inbound.map((t) => {
        const rtp = t.rtp.snapshot()
        const n = rtp.ssrc === undefined ? undefined : native.get(rtp.ssrc)
        const video = t.videoSummary()
        return { kind: t.kind, mid: t.mid, codec: t.codec, rtp, ...(n ? { native: n } : {}), ...(video ? { video } : {}) }
      }),
      outbound: [...this.#senders.outbound(), ...this.#videoSenders.map(videoOutboundStats)],
      selectedPair,
      ...(this.#closed ? {} : { iceDetail: this.#iceDetail() }),
      iceState: this.pc.iceConnectionState,
      dtlsState: this.pc.dtlsTransports[0]?.state,
    }
  }

  #error(message: string): void {
    this.timeline.errors.push({ atMs: Date.now() - this.timeline.createdAt, message })
  }

  async #wrap<T>(what: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn()
    } catch (e) {
      const message = `${this.name}: could not ${what}: ${e instanceof Error ? e.message : String(e)}`
      this.#error(message)
      throw new RtcspecError('SIGNALING', message, { cause: e, hint: 'check the SDP you passed (rtcspec parseSdp() gives line-level errors)' })
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw new RtcspecError('PEER_CLOSED', `${this.name} is closed`)
  }

  /** werift swallows TURN allocation errors: probe the same server and say why there is no relay candidate (see turn-diagnosis.ts). */
  watchTurnSetup(): TurnSetupWatch {
    const o = this.#options
    const watch = watchTurnFailures(this, {
      iceServers: o.iceServers,
      relayOnly: o.relayOnly ?? false,
      ...(o.config?.turnTlsOptions ? { tls: o.config.turnTlsOptions } : {}),
    })
    return { diagnosis: watch.diagnosis.then((d) => (d && !d.ok ? { message: d.message } : undefined)), stop: watch.stop }
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#senders.stopAll()
    for (const v of this.#videoSenders) {
      v.stopped = true
      v.sender?.stop()
      v.endedResolve()
    }
    for (const f of this.#videoFeedback) f.close()
    this.#candidateListeners.clear()
    for (const t of this.#inbound) t.end()
    await this.pc.close()
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }
}

/** A handle on video a werift peer sends: the ground truth and counters are always there. */
export interface WeriftVideoSendHandle extends VideoSendHandle {
  readonly counters: VideoSendCounters
  sentFrames(): readonly SentVideoFrame[]
  /** Every PLI/FIR received, and which sent frame answered it (see {@link KeyframeRequest}). */
  keyframeRequests(): readonly KeyframeRequest[]
  readonly ended: Promise<void>
}

/** One `sendVideo` call of a werift peer. */
interface VideoSendEntry {
  video: EncodedVideo
  options: SendVideoOptions
  stats: OutboundStats
  sender: VideoSender | undefined
  stopped: boolean
  ended: Promise<void>
  endedResolve: () => void
}

function emptyVideoCounters(): VideoSendCounters {
  return {
    framesSent: 0,
    keyframesSent: 0,
    keyframesOnRequest: 0,
    pliReceived: 0,
    firReceived: 0,
    nackReceived: 0,
    packetsSent: 0,
    bytesSent: 0,
    lateFrames: 0,
    loops: 0,
  }
}

function videoOutboundStats(entry: VideoSendEntry): OutboundStats {
  const c = entry.sender?.counters ?? emptyVideoCounters()
  return {
    ...entry.stats,
    packetsSent: c.packetsSent,
    bytesSent: c.bytesSent,
    lateTicks: c.lateFrames,
    firstPacketAtMs: entry.sender?.firstPacketAtMs,
    video: { ...c },
  }
}
