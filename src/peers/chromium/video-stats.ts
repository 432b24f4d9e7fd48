/**
 * A browser's own video counters from its W3C `getStats()` entries (webrtc-stats `inbound-rtp` and
 * `outbound-rtp` of kind video), in rtcspec's shapes. Pure: takes one entry as a plain object. Counters a
 * browser does not report are 0 (counts) or absent (sizes, rates, names).
 */
import type { NativeVideoInboundStats, NativeVideoOutboundStats } from '../types.ts'

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0)
const optNum = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined)
const optStr = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined)

function optional<T extends object>(entries: Record<string, number | string | undefined>): Partial<T> {
  const out: Record<string, number | string> = {}
  for (const [k, v] of Object.entries(entries)) if (v !== undefined) out[k] = v
  return out as Partial<T>
}

/** The receive-side video counters of an `inbound-rtp` entry (times converted from seconds to ms). */
export function videoInboundFromStats(e: Record<string, unknown>): NativeVideoInboundStats {
  const emitted = num(e.jitterBufferEmittedCount)
  return {
    framesReceived: num(e.framesReceived),
    framesDecoded: num(e.framesDecoded),
    framesDropped: num(e.framesDropped),
    keyFramesDecoded: num(e.keyFramesDecoded),
    freezeCount: num(e.freezeCount),
    totalFreezesDurationMs: num(e.totalFreezesDuration) * 1000,
    pauseCount: num(e.pauseCount),
    totalPausesDurationMs: num(e.totalPausesDuration) * 1000,
    pliCount: num(e.pliCount),
    firCount: num(e.firCount),
    nackCount: num(e.nackCount),
    ...optional<NativeVideoInboundStats>({
      frameWidth: optNum(e.frameWidth),
      frameHeight: optNum(e.frameHeight),
      framesPerSecond: optNum(e.framesPerSecond),
      jitterBufferDelayMs: emitted > 0 ? (num(e.jitterBufferDelay) / emitted) * 1000 : undefined,
      decoderImplementation: optStr(e.decoderImplementation),
    }),
  }
}

/** The send-side video counters of an `outbound-rtp` entry (PLI/FIR/NACK are the ones received from the far end). */
export function videoOutboundFromStats(e: Record<string, unknown>): NativeVideoOutboundStats {
  return {
    framesEncoded: num(e.framesEncoded),
    keyFramesEncoded: num(e.keyFramesEncoded),
    framesSent: num(e.framesSent),
    hugeFramesSent: num(e.hugeFramesSent),
    pliCount: num(e.pliCount),
    firCount: num(e.firCount),
    nackCount: num(e.nackCount),
    ...optional<NativeVideoOutboundStats>({
      frameWidth: optNum(e.frameWidth),
      frameHeight: optNum(e.frameHeight),
      framesPerSecond: optNum(e.framesPerSecond),
      qualityLimitationReason: optStr(e.qualityLimitationReason),
      encoderImplementation: optStr(e.encoderImplementation),
    }),
  }
}
