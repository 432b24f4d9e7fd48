/**
 * Plain RTP into a werift peer's outgoing track: the "FFmpeg feeding a WebRTC egress" pattern.
 *
 * `createRtpIngest(peer, 'video')` adds a send-only transceiver of that kind (call it before
 * `createOffer`/`acceptOffer`) and listens on a loopback UDP port. Every RTP packet that arrives there
 * (from FFmpeg, GStreamer, SIPp, …) is handed to the werift sender (`RTCRtpSender.sendRtp`), which
 * rewrites SSRC, sequence numbers, timestamps and the payload type to the negotiated ones and sends it
 * over SRTP. RTCP arriving on the port (payload types 200–207) is dropped. Packets that arrive before
 * the connection is up are counted as dropped. The peer must offer/accept the codec the RTP carries
 * (e.g. `config: { codecs: { video: [VP8] } }`); rtcspec does not transcode.
 */
import { createSocket, type Socket } from 'node:dgram'
import { RTCRtpCodecParameters, type RTCRtpTransceiver } from 'werift'
import { RtcspecError } from '../../errors.ts'
import { installWeriftPatches } from '../../patches/werift/index.ts'
import type { MediaKind } from '../types.ts'
import type { WeriftPeer } from './peer.ts'

/** A running ingest. Dispose it (or close the peer and then it) to free the port. */
export interface RtpIngest extends AsyncDisposable {
  readonly kind: MediaKind
  /** Where to send RTP: always a loopback address. */
  readonly address: { host: string; port: number }
  /** RTP packets received on the port. */
  readonly received: number
  /** RTP packets handed to the werift sender. */
  readonly forwarded: number
  /** Packets dropped: not RTP, RTCP, or the connection was not up yet. */
  readonly dropped: number
  close(): Promise<void>
}

/** Options of {@link createRtpIngest}. */
export interface RtpIngestOptions {
  /** Loopback address to listen on, default `127.0.0.1`. */
  host?: string
  /** Port, default 0 (from the OS). */
  port?: number
}

/**
 * Adds a send-only `kind` transceiver to `peer` and forwards RTP arriving on a loopback UDP port into it.
 * @throws {RtcspecError} `INGEST_TOO_LATE` when the peer already has a local description.
 */
export async function createRtpIngest(peer: WeriftPeer, kind: MediaKind, options: RtpIngestOptions = {}): Promise<RtpIngest> {
  // The sender's per-packet paths (header parse, SRTP) are patched (src/patches); the peer installed them, this is cheap.
  installWeriftPatches()
  if (peer.pc.localDescription) {
    throw new RtcspecError('INGEST_TOO_LATE', `${peer.name}: createRtpIngest must be called before createOffer/acceptOffer`, {
      hint: 'create the ingest right after the peer, then negotiate',
    })
  }
  const transceiver: RTCRtpTransceiver = peer.pc.addTransceiver(kind, { direction: 'sendonly' })
  const host = options.host ?? '127.0.0.1'
  const sock: Socket = createSocket(host.includes(':') ? 'udp6' : 'udp4')
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject)
    sock.bind(options.port ?? 0, host, () => {
      sock.off('error', reject)
      resolve()
    })
  })
  sock.on('error', (e) => peer.timeline.errors.push({ atMs: Date.now() - peer.timeline.createdAt, message: `rtp ingest (${kind}): ${e.message}` }))
  const counters = { received: 0, forwarded: 0, dropped: 0 }
  sock.on('message', (data: Buffer) => {
    // RTP version 2, and not RTCP (second byte 200–207 with or without the marker bit reading).
    if (data.length < 12 || (data[0] ?? 0) >> 6 !== 2 || ((data[1] ?? 0) >= 200 && (data[1] ?? 0) <= 207)) {
      counters.dropped++
      return
    }
    counters.received++
    if (peer.pc.connectionState !== 'connected') {
      counters.dropped++
      return
    }
    counters.forwarded++
    transceiver.sender.sendRtp(data).catch((e: unknown) => {
      counters.dropped++
      peer.timeline.errors.push({ atMs: Date.now() - peer.timeline.createdAt, message: `rtp ingest (${kind}): sendRtp failed: ${String(e)}` })
    })
  })
  const port = sock.address().port
  let closed = false
  const ingest: RtpIngest = {
    kind,
    address: { host, port },
    get received() {
      return counters.received
    },
    get forwarded() {
      return counters.forwarded
    },
    get dropped() {
      return counters.dropped
    },
    async close() {
      if (closed) return
      closed = true
      await new Promise<void>((r) => sock.close(() => r()))
    },
    async [Symbol.asyncDispose]() {
      await ingest.close()
    },
  }
  return ingest
}

/** werift codec parameters for video codecs rtcspec can ingest (`VP8`, `H264` constrained baseline, packetization-mode 1). */
export function weriftVideoCodecs(names: ReadonlyArray<'VP8' | 'H264'>): RTCRtpCodecParameters[] {
  return names.map((n, i) =>
    n === 'VP8'
      ? new RTCRtpCodecParameters({
          mimeType: 'video/VP8',
          clockRate: 90000,
          payloadType: 96 + i,
          rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }],
        })
      : new RTCRtpCodecParameters({
          mimeType: 'video/H264',
          clockRate: 90000,
          payloadType: 96 + i,
          parameters: 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f',
          rtcpFeedback: [{ type: 'nack' }, { type: 'nack', parameter: 'pli' }],
        }),
  )
}
