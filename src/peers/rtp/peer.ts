/**
 * A `Peer` that speaks plain RTP/AVP (RFC 3550/3551) on its own UDP sockets: what SIP endpoints such as
 * sipp, PBXs and SIP trunks use. werift cannot do this (it is always ICE + DTLS-SRTP).
 *
 * - G.711 (PCMU/PCMA) and any other registered codec, RFC 4733 telephone-event (PT 101).
 * - RTP on an even OS-assigned port, RTCP on the next port (RFC 3550 §11) or on the RTP port when the far
 *   end asks for rtcp-mux. Sender/receiver reports with report blocks computed from rtcspec's own RFC 3550
 *   statistics, and SDES CNAME; received reports are kept (`rtcpReceived`).
 * - Symmetric RTP (RFC 4961): once packets arrive, media is sent back to where they came from, so NATed or
 *   mis-advertised far ends still hear us (`symmetric: false` to always use the SDP address).
 * - Hold/resume: `setDirection()` then a new offer; a far end's `sendonly`/`inactive` pauses our sending.
 * - Loopback only: remote addresses outside 127.0.0.0/8 and ::1 are refused.
 * - Video, receive only (`video: 'recvonly'`): the offer gets an `m=video` section on its own port pair (VP8 and
 *   H.264 by default); RTP arriving there becomes an inbound video track whose frames are assembled like every
 *   other peer's (`videoFrames()`), e.g. from FFmpeg (`startFfmpegSource({ video: { to: <that port> } })`).
 *   No RTCP is sent for video, and no PLI (an RTP/AVP sender such as FFmpeg has no feedback channel).
 */
import { createSocket, type Socket } from 'node:dgram'
import { randomInt } from 'node:crypto'
import { RtcspecError } from '../../errors.ts'
import { withTimeout } from '../../wait.ts'
import { isLoopbackAddress } from '../../net/loopback.ts'
import { parseRtp, serializeRtp } from '../../rtp/packet.ts'
import { compoundRtcp, parseRtcp, serializeRr, serializeSdesCname, serializeSr, serializeBye, type RtcpPacket } from '../../rtp/rtcp.ts'
import { AudioSender, resolveAudioSource } from '../audio-sender.ts'
import { AudioSenderBook } from '../audio-senders.ts'
import { audioCodec, findAudioCodec, TELEPHONE_EVENT_PAYLOAD_TYPES, type AudioCodecSpec } from '../codecs.ts'
import { InboundTrackImpl } from '../inbound-track.ts'
import { createTimeline, recordState } from '../timeline.ts'
import { parseOptions } from '../../options.ts'
import { RtpPeerOptionsSchema } from '../peer-options.ts'
import type {
  AudioSendHandle,
  AudioSourceSpec,
  CandidateInit,
  CodecInfo,
  Direction,
  DtmfSendOptions,
  InboundTrack,
  MediaKind,
  Peer,
  PeerOptions,
  PeerStats,
  PeerTimeline,
  SessionDescriptionInit,
} from '../types.ts'
import { answerDirection, buildRtpSdp, readRemoteRtpMedia, type RtpFormat } from './sdp.ts'

/** Options of the plain-RTP peer. */
export interface RtpPeerOptions extends PeerOptions {
  /** Local address to bind and advertise. Default `127.0.0.1`. */
  address?: string
  /** Packet time, ms. Default 20. */
  ptimeMs?: number
  /** RTCP report interval, ms. Default 1000 (RFC 3550's 5 s minimum is relaxed for short test calls). */
  rtcpIntervalMs?: number
  /** Send media back to where it comes from (RFC 4961). Default true. */
  symmetric?: boolean
  /** `recvonly`: offer an `m=video` section and receive video there. Default `false` (audio only). */
  video?: 'recvonly' | false
  /** Video formats offered, default VP8 on payload type 96 and H.264 (packetization-mode 1) on 102. */
  videoFormats?: Array<{ encoding: 'VP8' | 'H264'; payloadType: number }>
}

/** The video formats a plain-RTP peer offers by default (FFmpeg's RTP muxer uses payload type 96 unless told). */
const DEFAULT_VIDEO_FORMATS: ReadonlyArray<{ encoding: 'VP8' | 'H264'; payloadType: number }> = [
  { encoding: 'VP8', payloadType: 96 },
  { encoding: 'H264', payloadType: 102 },
]

interface Negotiated {
  codec: AudioCodecSpec
  payloadType: number
  telephoneEventPt: number | undefined
  remote: { address: string; port: number; rtcpPort: number }
  /** Our direction after negotiation. */
  direction: Direction
  /** Payload type → codec, for inbound. */
  formats: Map<number, CodecInfo>
}

let rtpPeerCounter = 0

async function bindUdp(address: string, port: number): Promise<Socket> {
  const sock = createSocket(address.includes(':') ? 'udp6' : 'udp4')
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject)
    sock.bind(port, address, () => {
      sock.removeListener('error', reject)
      resolve()
    })
  })
  return sock
}

/** Binds an RTP/RTCP socket pair on an even port and the next one (bounded retries). */
async function bindPair(address: string): Promise<{ rtp: Socket; rtcp: Socket }> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const probe = await bindUdp(address, 0)
    const port = probe.address().port
    if (port % 2 === 0 && port < 65535) {
      try {
        const rtcp = await bindUdp(address, port + 1)
        return { rtp: probe, rtcp }
      } catch {
        // next port taken; try another pair
      }
    }
    probe.close()
  }
  throw new RtcspecError('RTP_PORTS', `could not bind an RTP/RTCP port pair on ${address} in 20 attempts`)
}

/** Creates a plain-RTP peer. Its sockets are bound on first use; dispose it to free them. */
export function createRtpPeer(options: RtpPeerOptions = {}): RtpPeer {
  parseOptions(RtpPeerOptionsSchema, options, { code: 'PEER_OPTIONS', what: 'RTP peer options', hint: 'see RtpPeerOptions (src/peers/rtp/peer.ts)' })
  return new RtpPeer(options)
}

/** A `Peer` that speaks plain RTP/AVP on its own loopback UDP sockets (no ICE, no DTLS), as SIP endpoints do. Create it with {@link createRtpPeer}. */
export class RtpPeer implements Peer {
  readonly kind = 'rtp' as const
  readonly name: string
  readonly trickle = false
  readonly timeline: PeerTimeline
  /** Every RTCP packet received, with its arrival time (bounded to the last 1000). */
  readonly rtcpReceived: Array<{ atMs: number; packets: RtcpPacket[] }> = []
  /** RTCP compound packets sent. */
  rtcpSent = 0
  /** Audio frames not sent because the negotiated direction does not allow sending (hold). */
  heldPackets = 0
  readonly #options: RtpPeerOptions
  readonly #codecs: AudioCodecSpec[]
  readonly #address: string
  readonly #ptime: number
  readonly #ssrc = randomInt(1, 0xffffffff)
  readonly #cname = `rtcspec-${randomInt(1e9)}@rtcspec`
  readonly #sessionId = randomInt(1e9)
  #version = 0
  #direction: Direction
  #sockets: Promise<{ rtp: Socket; rtcp: Socket }> | undefined
  /** The video port pair (`video: 'recvonly'`), bound with the first offer. */
  #videoSockets: Promise<{ rtp: Socket; rtcp: Socket }> | undefined
  #videoBound: { rtp: Socket; rtcp: Socket } | undefined
  #bound: { rtp: Socket; rtcp: Socket } | undefined
  #negotiated: Negotiated | undefined
  #pendingOffer: RtpFormat[] | undefined
  #remoteDirection: Direction = 'sendrecv'
  #latched: { address: string; port: number } | undefined
  #latchedRtcp: { address: string; port: number } | undefined
  readonly #inbound: InboundTrackImpl[] = []
  readonly #trackWaiters: Array<(t: InboundTrackImpl) => void> = []
  readonly #connectWaiters: Array<() => void> = []
  readonly #senders: AudioSenderBook
  #rtcpTimer: ReturnType<typeof setInterval> | undefined
  #octetsSent = 0
  #packetsSent = 0
  #lastRtpTimestamp = 0
  #refused = 0
  #closed = false

  constructor(options: RtpPeerOptions = {}) {
    this.#options = options
    this.name = options.name ?? `rtp-${++rtpPeerCounter}`
    this.#senders = new AudioSenderBook(this.name)
    this.timeline = createTimeline()
    this.#codecs = (options.codecs ?? ['PCMU', 'PCMA']).map(audioCodec)
    this.#address = options.address ?? '127.0.0.1'
    if (!isLoopbackAddress(this.#address))
      throw new RtcspecError('NOT_LOOPBACK', `plain-RTP peer address ${this.#address} is not loopback`, {
        hint: 'rtcspec sends media on 127.0.0.0/8 or ::1 only',
      })
    this.#ptime = options.ptimeMs ?? 20
    this.#direction = options.audio === false ? 'inactive' : (options.audio ?? 'sendrecv')
  }

  /** The local video RTP port (after the first offer, with `video: 'recvonly'`). */
  get localVideoPort(): number | undefined {
    return this.#videoBound?.rtp.address().port
  }

  async #ensureVideoSockets(): Promise<{ rtp: Socket; rtcp: Socket }> {
    this.#videoSockets ??= bindPair(this.#address).then((s) => {
      this.#videoBound = s
      s.rtp.on('message', (buf, rinfo) => this.#onVideoRtp(buf, rinfo))
      s.rtp.on('error', (e) => this.#error(`video RTP socket: ${e.message}`))
      s.rtcp.on('error', (e) => this.#error(`video RTCP socket: ${e.message}`))
      if (this.#closed) {
        s.rtp.close()
        s.rtcp.close()
      }
      return s
    })
    return this.#videoSockets
  }

  #videoFormats(): ReadonlyArray<{ encoding: 'VP8' | 'H264'; payloadType: number }> {
    return this.#options.videoFormats ?? DEFAULT_VIDEO_FORMATS
  }

  /** The `m=video` section of an offer (receive only). */
  #videoSection(): string {
    const port = this.#videoBound?.rtp.address().port ?? 0
    const formats = this.#videoFormats()
    const lines = [`m=video ${port} RTP/AVP ${formats.map((f) => f.payloadType).join(' ')}`]
    for (const f of formats) {
      lines.push(`a=rtpmap:${f.payloadType} ${f.encoding}/90000`)
      if (f.encoding === 'H264') lines.push(`a=fmtp:${f.payloadType} packetization-mode=1;profile-level-id=42e01f;level-asymmetry-allowed=1`)
    }
    lines.push('a=recvonly')
    return `${lines.join('\r\n')}\r\n`
  }

  #onVideoRtp(buf: Buffer, rinfo: { address: string; port: number }): void {
    if (this.#closed) return
    if (!isLoopbackAddress(rinfo.address)) {
      this.#refused++
      return
    }
    let packet
    try {
      packet = parseRtp(buf)
    } catch {
      this.#refused++
      return
    }
    let track = this.#inbound.find((t) => t.kind === 'video')
    if (!track) {
      const formats = this.#videoFormats()
      track = new InboundTrackImpl({
        kind: 'video',
        mid: undefined,
        peerName: this.name,
        clockRate: 90_000,
        codecOf: (pt) => {
          const f = formats.find((x) => x.payloadType === pt)
          return f ? { encoding: f.encoding, payloadType: pt, clockRate: 90_000 } : undefined
        },
        ...(this.#options.record ? { record: true } : {}),
      })
      this.#inbound.push(track)
      for (const w of this.#trackWaiters.splice(0)) w(track)
    }
    track.push({
      sequenceNumber: packet.sequenceNumber,
      timestamp: packet.timestamp,
      ssrc: packet.ssrc,
      payloadType: packet.payloadType,
      marker: packet.marker,
      payload: packet.payload,
      arrivalMs: performance.now(),
    })
  }

  /** The local RTP port (after the first offer or answer). */
  get localPort(): number | undefined {
    return this.#bound?.rtp.address().port
  }

  /** The negotiated codec and remote address, once negotiated. */
  get negotiated(): Readonly<Negotiated> | undefined {
    return this.#negotiated
  }

  /** Packets from unexpected sources or non-loopback addresses that were dropped. */
  get refusedPackets(): number {
    return this.#refused
  }

  async #ensureSockets(): Promise<{ rtp: Socket; rtcp: Socket }> {
    this.#sockets ??= bindPair(this.#address).then((s) => {
      this.#bound = s
      s.rtp.on('message', (buf, rinfo) => this.#onRtp(buf, rinfo))
      s.rtcp.on('message', (buf, rinfo) => this.#onRtcp(buf, rinfo))
      s.rtp.on('error', (e) => this.#error(`RTP socket: ${e.message}`))
      s.rtcp.on('error', (e) => this.#error(`RTCP socket: ${e.message}`))
      if (this.#closed) {
        s.rtp.close()
        s.rtcp.close()
      }
      return s
    })
    return this.#sockets
  }

  #offerFormats(): RtpFormat[] {
    const formats: RtpFormat[] = this.#codecs.map((c) => ({
      payloadType: c.payloadType,
      encoding: c.encoding,
      clockRate: c.clockRate,
      channels: c.channels,
      ...(c.fmtp ? { fmtp: c.fmtp } : {}),
    }))
    if (this.#options.dtmf ?? true) {
      for (const rate of new Set(this.#codecs.map((c) => c.clockRate))) {
        const pt = TELEPHONE_EVENT_PAYLOAD_TYPES[rate]
        if (pt !== undefined) formats.push({ payloadType: pt, encoding: 'telephone-event', clockRate: rate, fmtp: '0-16' })
      }
    }
    return formats
  }

  #sdp(formats: RtpFormat[], direction: Direction): string {
    const port = this.#bound!.rtp.address().port
    return buildRtpSdp({ sessionId: this.#sessionId, version: this.#version++, address: this.#address, port, formats, direction, ptimeMs: this.#ptime })
  }

  /** Sets the direction for the next offer (hold: `sendonly`; resume: `sendrecv`). */
  setDirection(direction: Direction): void {
    this.#direction = direction
  }

  async createOffer(): Promise<SessionDescriptionInit> {
    this.#assertOpen()
    await this.#ensureSockets()
    if (this.#options.video === 'recvonly') await this.#ensureVideoSockets()
    const formats = this.#offerFormats()
    this.#pendingOffer = formats
    recordState(this.timeline, 'signaling', 'have-local-offer')
    const sdp = this.#sdp(formats, this.#direction)
    return { type: 'offer', sdp: this.#options.video === 'recvonly' ? sdp + this.#videoSection() : sdp }
  }

  async acceptOffer(offer: SessionDescriptionInit): Promise<SessionDescriptionInit> {
    this.#assertOpen()
    await this.#ensureSockets()
    const remote = this.#wrap('read the remote offer', () => readRemoteRtpMedia(offer.sdp))
    // Answer with the first offered codec we support (the offerer's preference, RFC 3264 §6.1).
    const chosen = remote.codecs.find(
      (c) =>
        findAudioCodec(c.encodingName) &&
        c.encodingName.toLowerCase() !== 'telephone-event' &&
        this.#codecs.some((x) => x.encoding.toLowerCase() === c.encodingName.toLowerCase()),
    )
    if (!chosen) {
      const msg = `${this.name}: no common audio codec; offered ${remote.codecs.map((c) => `${c.encodingName}/${c.payloadType}`).join(', ') || 'none'}, supported ${this.#codecs.map((c) => c.encoding).join(', ')}`
      this.#error(msg)
      throw new RtcspecError('SDP_NO_COMMON_CODEC', msg, { hint: "offer PCMU or PCMA, or add the codec to this peer's codecs" })
    }
    const te =
      (this.#options.dtmf ?? true)
        ? remote.codecs.find((c) => c.encodingName.toLowerCase() === 'telephone-event' && c.clockRate === chosen.clockRate)
        : undefined
    const direction = answerDirection(remote.direction, this.#direction)
    this.#negotiate(chosen.payloadType, chosen.encodingName, te?.payloadType, remote, direction)
    const formats: RtpFormat[] = [
      {
        payloadType: chosen.payloadType,
        encoding: chosen.encodingName,
        clockRate: chosen.clockRate,
        ...(chosen.channels && chosen.channels > 1 ? { channels: chosen.channels } : {}),
        ...(chosen.fmtp ? { fmtp: chosen.fmtp } : {}),
      },
    ]
    if (te) formats.push({ payloadType: te.payloadType, encoding: 'telephone-event', clockRate: te.clockRate, fmtp: te.fmtp ?? '0-16' })
    recordState(this.timeline, 'signaling', 'stable')
    return { type: 'answer', sdp: this.#sdp(formats, direction) }
  }

  async acceptAnswer(answer: SessionDescriptionInit): Promise<void> {
    this.#assertOpen()
    const offered = this.#pendingOffer
    if (!offered) throw new RtcspecError('SIGNALING', `${this.name}: got an answer without having made an offer`)
    const remote = this.#wrap('read the remote answer', () => readRemoteRtpMedia(answer.sdp))
    const chosen = remote.codecs.find(
      (c) => c.encodingName.toLowerCase() !== 'telephone-event' && offered.some((o) => o.encoding.toLowerCase() === c.encodingName.toLowerCase()),
    )
    if (!chosen) {
      const msg = `${this.name}: the answer accepts none of the offered codecs (answer has ${remote.codecs.map((c) => c.encodingName).join(', ') || 'none'})`
      this.#error(msg)
      throw new RtcspecError('SDP_NO_COMMON_CODEC', msg)
    }
    const te = remote.codecs.find((c) => c.encodingName.toLowerCase() === 'telephone-event' && c.clockRate === chosen.clockRate)
    // Our direction is what we offered, reduced by what the answer allows.
    const ours = answerDirection(remote.direction, this.#direction)
    this.#negotiate(chosen.payloadType, chosen.encodingName, te?.payloadType, remote, ours)
    this.#pendingOffer = undefined
    recordState(this.timeline, 'signaling', 'stable')
  }

  #negotiate(payloadType: number, encoding: string, tePt: number | undefined, remote: ReturnType<typeof readRemoteRtpMedia>, direction: Direction): void {
    if (!isLoopbackAddress(remote.address)) {
      const msg = `${this.name}: remote media address ${remote.address} is not loopback; rtcspec sends media to 127.0.0.0/8 or ::1 only`
      this.#error(msg)
      throw new RtcspecError('NOT_LOOPBACK', msg)
    }
    const codec = audioCodec(encoding)
    const formats = new Map<number, CodecInfo>([
      [payloadType, { encoding: codec.encoding, payloadType, clockRate: codec.clockRate, ...(codec.channels > 1 ? { channels: codec.channels } : {}) }],
    ])
    if (tePt !== undefined) formats.set(tePt, { encoding: 'telephone-event', payloadType: tePt, clockRate: codec.clockRate })
    const rtcpPort = remote.rtcpMux ? remote.port : remote.rtcpPort
    const previous = this.#negotiated
    this.#negotiated = { codec, payloadType, telephoneEventPt: tePt, remote: { address: remote.address, port: remote.port, rtcpPort }, direction, formats }
    this.#remoteDirection = remote.direction
    if (previous && (previous.remote.address !== remote.address || previous.remote.port !== remote.port)) {
      this.#latched = undefined
      this.#latchedRtcp = undefined
    }
    recordState(this.timeline, 'connection', 'connected')
    recordState(this.timeline, 'ice', direction === 'inactive' ? 'inactive' : 'connected')
    for (const w of this.#connectWaiters.splice(0)) w()
    this.#startSenders()
    this.#startRtcp()
  }

  async addRemoteCandidate(_candidate: CandidateInit | null): Promise<void> {
    // Plain RTP has no ICE: addresses come from the SDP.
  }

  onLocalCandidate(listener: (candidate: CandidateInit | null) => void): () => void {
    listener(null)
    return () => {}
  }

  #canSend(): boolean {
    const n = this.#negotiated
    if (!n) return false
    const weSend = n.direction === 'sendrecv' || n.direction === 'sendonly'
    const theyReceive = this.#remoteDirection === 'sendrecv' || this.#remoteDirection === 'recvonly'
    return weSend && theyReceive
  }

  #destination(): { address: string; port: number } | undefined {
    const n = this.#negotiated
    if (!n) return undefined
    if ((this.#options.symmetric ?? true) && this.#latched) return this.#latched
    return { address: n.remote.address, port: n.remote.port }
  }

  sendAudio(source: AudioSourceSpec): AudioSendHandle {
    this.#assertOpen()
    const { handle } = this.#senders.add(source, {}, { ssrc: this.#ssrc })
    this.#startSenders()
    return handle
  }

  #startSenders(): void {
    const n = this.#negotiated
    if (!n || this.#closed) return
    for (const entry of this.#senders.waiting()) {
      entry.stats.codec = n.formats.get(n.payloadType)
      this.#senders.start(
        entry,
        () =>
          new AudioSender({
            source: resolveAudioSource(entry.spec, n.codec.sampleRate),
            encoder: n.codec.createEncoder(),
            payloadType: n.payloadType,
            ptimeMs: this.#ptime,
            ...(n.telephoneEventPt !== undefined ? { telephoneEventPayloadType: n.telephoneEventPt } : {}),
            // On hold the sender skips frames without spending sequence numbers, so the far end sees a pause, not loss.
            held: () => {
              const held = !this.#closed && !this.#canSend()
              if (held) this.heldPackets++
              return held
            },
            send: (p) => {
              if (this.#closed) return
              const dest = this.#destination()
              if (!dest) return
              const bytes = serializeRtp({
                payloadType: p.payloadType,
                sequenceNumber: p.sequenceNumber,
                timestamp: p.timestamp,
                ssrc: this.#ssrc,
                marker: p.marker,
                payload: p.payload,
              })
              this.#bound?.rtp.send(bytes, dest.port, dest.address)
              this.#packetsSent++
              this.#octetsSent += p.payload.length
              this.#lastRtpTimestamp = p.timestamp
            },
          }),
        (message) => this.#error(`sendAudio: ${message}`),
      )
    }
  }

  async sendDtmf(digits: string, options: DtmfSendOptions = {}): Promise<void> {
    this.#assertOpen()
    return this.#senders.sendDtmf(digits, options, (source) => this.sendAudio(source))
  }

  #onRtp(buf: Buffer, rinfo: { address: string; port: number }): void {
    if (this.#closed) return
    if (!isLoopbackAddress(rinfo.address)) {
      this.#refused++
      return
    }
    const first = buf[0] ?? 0
    const pt = buf[1] ?? 0
    // rtcp-mux: RTCP packet types 200..204 on the RTP port (RFC 5761 §4).
    if (first >> 6 === 2 && pt >= 200 && pt <= 204) return this.#onRtcp(buf, rinfo)
    let packet
    try {
      packet = parseRtp(buf)
    } catch {
      this.#refused++
      return
    }
    const n = this.#negotiated
    if ((this.#options.symmetric ?? true) && n) this.#latched ??= { address: rinfo.address, port: rinfo.port }
    let track = this.#inbound.find((t) => t.kind === 'audio')
    if (!track) {
      track = new InboundTrackImpl({
        kind: 'audio',
        mid: undefined,
        peerName: this.name,
        clockRate: n?.codec.clockRate ?? 8000,
        codecOf: (p) =>
          this.#negotiated?.formats.get(p) ??
          (p === 0 ? { encoding: 'PCMU', payloadType: 0, clockRate: 8000 } : p === 8 ? { encoding: 'PCMA', payloadType: 8, clockRate: 8000 } : undefined),
        ...(this.#options.record ? { record: true } : {}),
      })
      this.#inbound.push(track)
      for (const w of this.#trackWaiters.splice(0)) w(track)
    }
    track.push({
      sequenceNumber: packet.sequenceNumber,
      timestamp: packet.timestamp,
      ssrc: packet.ssrc,
      payloadType: packet.payloadType,
      marker: packet.marker,
      payload: packet.payload,
      arrivalMs: performance.now(),
    })
  }

  #onRtcp(buf: Buffer, rinfo: { address: string; port: number }): void {
    if (this.#closed || !isLoopbackAddress(rinfo.address)) return
    try {
      const packets = parseRtcp(buf)
      if (this.rtcpReceived.length >= 1000) this.rtcpReceived.shift()
      this.rtcpReceived.push({ atMs: Date.now() - this.timeline.createdAt, packets })
      if (this.#options.symmetric ?? true) this.#latchedRtcp ??= { address: rinfo.address, port: rinfo.port }
    } catch (e) {
      this.#error(`unparsable RTCP from ${rinfo.address}:${rinfo.port}: ${(e as Error).message}`)
    }
  }

  #startRtcp(): void {
    if (this.#rtcpTimer || this.#closed) return
    this.#rtcpTimer = setInterval(() => this.#sendRtcp(), this.#options.rtcpIntervalMs ?? 1000)
    this.#rtcpTimer.unref?.()
  }

  #rtcpDestination(): { address: string; port: number } | undefined {
    const n = this.#negotiated
    if (!n) return undefined
    if ((this.#options.symmetric ?? true) && this.#latchedRtcp) return this.#latchedRtcp
    return { address: n.remote.address, port: n.remote.rtcpPort }
  }

  #sendRtcp(bye = false): void {
    const dest = this.#rtcpDestination()
    if (!dest || !this.#bound) return
    const reports = this.#inbound.flatMap((t) => {
      const r = t.rtp.intervalReport()
      if (!r) return []
      return [
        {
          ssrc: r.ssrc,
          fractionLost: r.fractionLostByte,
          cumulativeLost: r.cumulativeLost,
          extendedHighestSeq: r.extendedHighestSeq,
          jitter: r.jitter,
          lsr: 0,
          dlsr: 0,
        },
      ]
    })
    const now = Date.now() + 2_208_988_800_000 // NTP epoch (1900)
    const ntpSeconds = Math.floor(now / 1000) >>> 0
    const ntpFraction = Math.floor(((now % 1000) / 1000) * 0x100000000) >>> 0
    const head =
      this.#packetsSent > 0
        ? serializeSr({
            ssrc: this.#ssrc,
            ntpSeconds,
            ntpFraction,
            rtpTimestamp: this.#lastRtpTimestamp >>> 0,
            packetCount: this.#packetsSent >>> 0,
            octetCount: this.#octetsSent >>> 0,
            reports,
          })
        : serializeRr({ ssrc: this.#ssrc, reports })
    const parts = [head, serializeSdesCname(this.#ssrc, this.#cname)]
    if (bye) parts.push(serializeBye([this.#ssrc]))
    // Same socket as RTP when rtcp-mux; otherwise the RTCP socket.
    const sock = this.#negotiated && this.#negotiated.remote.rtcpPort === this.#negotiated.remote.port ? this.#bound.rtp : this.#bound.rtcp
    sock.send(compoundRtcp(parts), dest.port, dest.address)
    this.rtcpSent++
  }

  get inbound(): ReadonlyArray<InboundTrack> {
    return this.#inbound as unknown as ReadonlyArray<InboundTrack>
  }

  waitForTrack(kind: MediaKind, timeoutMs: number): Promise<InboundTrack> {
    const existing = this.#inbound.find((t) => t.kind === kind)
    if (existing) return Promise.resolve(existing as unknown as InboundTrack)
    if (kind !== 'audio' && this.#options.video !== 'recvonly')
      return Promise.reject(
        new RtcspecError('NO_VIDEO', `${this.name}: this plain-RTP peer takes no video`, {
          hint: "create it with createRtpPeer({ video: 'recvonly' }) to receive video",
        }),
      )
    const found = new Promise<InboundTrack>((resolve) => {
      const waiter = (t: InboundTrackImpl) => (t.kind === kind ? resolve(t as unknown as InboundTrack) : this.#trackWaiters.push(waiter))
      this.#trackWaiters.push(waiter)
    })
    return withTimeout(found, timeoutMs, `${this.name}: an inbound ${kind} track (first RTP packet)`)
  }

  waitForConnected(timeoutMs: number): Promise<void> {
    if (this.#negotiated) return Promise.resolve()
    return withTimeout(
      new Promise<void>((resolve) => this.#connectWaiters.push(resolve)),
      timeoutMs,
      `${this.name} to finish offer/answer (plain RTP has no ICE/DTLS)`,
    )
  }

  async stats(): Promise<PeerStats> {
    const n = this.#negotiated
    const local = this.#bound?.rtp.address()
    const dest = this.#destination()
    return {
      peer: this.name,
      kind: this.kind,
      inbound: this.#inbound.map((t) => {
        const video = t.videoSummary()
        return { kind: t.kind, mid: t.mid, codec: t.codec, rtp: t.rtp.snapshot(), ...(video ? { video } : {}) }
      }),
      outbound: this.#senders.outbound(),
      selectedPair:
        local && dest
          ? {
              local: { address: local.address, port: local.port, type: 'host', protocol: 'udp' },
              remote: { address: dest.address, port: dest.port, type: this.#latched ? 'latched' : 'sdp', protocol: 'udp' },
            }
          : undefined,
      iceState: n ? 'connected' : 'new',
      dtlsState: undefined,
    }
  }

  #error(message: string): void {
    this.timeline.errors.push({ atMs: Date.now() - this.timeline.createdAt, message })
  }

  #wrap<T>(what: string, fn: () => T): T {
    try {
      return fn()
    } catch (e) {
      const message = `${this.name}: could not ${what}: ${e instanceof Error ? e.message : String(e)}`
      this.#error(message)
      throw new RtcspecError('SIGNALING', message, { cause: e })
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw new RtcspecError('PEER_CLOSED', `${this.name} is closed`)
  }

  async close(): Promise<void> {
    if (this.#closed) return
    try {
      if (this.#negotiated && this.#bound) this.#sendRtcp(true)
    } catch {
      // best effort BYE
    }
    this.#closed = true
    if (this.#rtcpTimer) clearInterval(this.#rtcpTimer)
    this.#senders.stopAll()
    for (const t of this.#inbound) t.end()
    recordState(this.timeline, 'connection', 'closed')
    const s = this.#bound
    if (s) {
      await Promise.all([new Promise<void>((r) => s.rtp.close(() => r())), new Promise<void>((r) => s.rtcp.close(() => r()))])
    }
    const v = this.#videoBound
    if (v) {
      await Promise.all([new Promise<void>((r) => v.rtp.close(() => r())), new Promise<void>((r) => v.rtcp.close(() => r()))])
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }
}
