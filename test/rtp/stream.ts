/** Synthetic RTP stream helpers for the rtp tests. */
import type { RtpPacketInfo } from '../../src/rtp/stats-types.ts'

export interface SentPacket extends RtpPacketInfo {
  /** Index in send order (0-based). */
  index: number
  /** Send time, ms. */
  sentMs: number
}

/** `n` packets of 20 ms / 160 timestamp units (8 kHz), 160-byte payloads. */
export function makeStream(
  n: number,
  opts: { firstSeq?: number; firstTs?: number; ssrc?: number; ptimeMs?: number; tsStep?: number; bytes?: number } = {},
): SentPacket[] {
  const { firstSeq = 1000, firstTs = 12345, ssrc = 0x1234, ptimeMs = 20, tsStep = 160, bytes = 160 } = opts
  return Array.from({ length: n }, (_, i) => ({
    index: i,
    sentMs: i * ptimeMs,
    sequenceNumber: (firstSeq + i) & 0xffff,
    timestamp: (firstTs + i * tsStep) >>> 0,
    ssrc,
    payloadType: 0,
    payloadBytes: bytes,
  }))
}
