/**
 * Demultiplexing of packets that share one UDP 5-tuple (RFC 7983 §7, RFC 5761 §4),
 * and a tiny read of the fixed RTP header (RFC 3550 §5.1), which SRTP leaves unencrypted.
 */

/** What a datagram on a WebRTC media path is, judged from its first two bytes. */
export type PacketClass = 'stun' | 'dtls' | 'rtp' | 'rtcp' | 'other'

/**
 * Classifies a datagram per RFC 7983: first byte 0–3 STUN, 20–63 DTLS, 128–191 RTP or RTCP;
 * among the latter, a second byte (marker bit + payload type) of 192–223 is RTCP (RFC 5761 §4).
 * Anything else (ZRTP, TURN channel data, garbage, empty) is `other`.
 */
export function classifyPacket(buf: Uint8Array): PacketClass {
  const b0 = buf[0]
  if (b0 === undefined) return 'other'
  if (b0 <= 3) return 'stun'
  if (b0 >= 20 && b0 <= 63) return 'dtls'
  if (b0 >= 128 && b0 <= 191) {
    const b1 = buf[1]
    if (b1 === undefined) return 'other'
    return b1 >= 192 && b1 <= 223 ? 'rtcp' : 'rtp'
  }
  return 'other'
}

/** The fields of the fixed RTP header that the relay records as ground truth. */
export interface RtpHeaderFields {
  /** RTP sequence number (16 bits). */
  seq: number
  /** RTP timestamp (32 bits, unsigned). */
  timestamp: number
  /** Synchronization source (32 bits, unsigned). */
  ssrc: number
  /** Payload type (7 bits). */
  payloadType: number
}

/**
 * Reads seq, timestamp, SSRC and payload type from the 12-byte fixed RTP header.
 * Returns undefined when the datagram is shorter than 12 bytes or is not RTP version 2.
 */
export function readRtpHeader(buf: Uint8Array): RtpHeaderFields | undefined {
  if (buf.length < 12) return undefined
  const b0 = buf[0] as number
  if (b0 >> 6 !== 2) return undefined
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength)
  return {
    payloadType: view.getUint8(1) & 0x7f,
    seq: view.getUint16(2),
    timestamp: view.getUint32(4),
    ssrc: view.getUint32(8),
  }
}
