/**
 * Plain RTP out of a peer's inbound track: every packet the track receives (already SRTP-decrypted) is
 * re-sent as plain RTP to a loopback UDP address, e.g. an FFmpeg sink recording what a WebRTC peer
 * heard. Works for any `InboundTrack` that delivers packets through `onRtp` (werift peers).
 */
import { createSocket, type Socket } from 'node:dgram'
import { serializeRtp } from '../rtp/packet.ts'
import { assertLoopback } from '../net/loopback.ts'
import type { InboundTrack } from './types.ts'

/** A running forwarder. */
export interface RtpForward extends AsyncDisposable {
  /** Packets sent on. */
  readonly forwarded: number
  close(): Promise<void>
}

/** Options of {@link forwardRtp}. */
export interface RtpForwardOptions {
  /** Rewrite the payload type (e.g. to the one in the receiver's SDP). Default: keep. */
  payloadType?: number
}

/** Forwards `track`'s RTP to `to` (loopback only) until closed. */
export async function forwardRtp(track: InboundTrack, to: { host: string; port: number }, options: RtpForwardOptions = {}): Promise<RtpForward> {
  assertLoopback(to.host, 'RTP forward destination')
  const sock: Socket = createSocket(to.host.includes(':') ? 'udp6' : 'udp4')
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject)
    sock.bind(0, to.host.includes(':') ? '::1' : '127.0.0.1', () => {
      sock.off('error', reject)
      resolve()
    })
  })
  sock.on('error', () => {})
  let forwarded = 0
  let closed = false
  const unsubscribe = track.onRtp((p) => {
    if (closed) return
    const bytes = serializeRtp({
      marker: p.marker,
      payloadType: options.payloadType ?? p.payloadType,
      sequenceNumber: p.sequenceNumber,
      timestamp: p.timestamp,
      ssrc: p.ssrc,
      payload: p.payload,
    })
    sock.send(bytes, to.port, to.host)
    forwarded++
  })
  const fwd: RtpForward = {
    get forwarded() {
      return forwarded
    },
    async close() {
      if (closed) return
      closed = true
      unsubscribe()
      await new Promise<void>((r) => sock.close(() => r()))
    },
    async [Symbol.asyncDispose]() {
      await fwd.close()
    },
  }
  return fwd
}
