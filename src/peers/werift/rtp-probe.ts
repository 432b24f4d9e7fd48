/**
 * RtpProbe: sends a numbered, paced RTP stream on a connected werift peer's audio or video transceiver and
 * remembers when each packet was handed to werift, so the receiving side can measure one-way delay
 * (arrival − send time, both `performance.now()` in this process) and accuracy tests have a sender whose every
 * header field is known. The payload is filler (not decodable media): RTP statistics, NACK and relays do not care.
 *
 * ```ts
 * const probe = startRtpProbe(call.a as WeriftPeer, { count: 2000, intervalMs: 10 })
 * const delays = collectOneWayDelays(probe, await call.b.waitForTrack('audio', 5000))
 * await probe.done
 * ```
 */
import { RtpHeader, RtpPacket } from 'werift'
import { RtcspecError } from '../../errors.ts'
import { Pacer } from '../../media/pacer.ts'
import type { InboundTrack, MediaKind } from '../types.ts'
import type { WeriftPeer } from './peer.ts'

/** Options of {@link startRtpProbe}. */
export interface RtpProbeOptions {
  /** Packets to send (1..1,000,000). */
  count: number
  /** Interval between packets, ms (1..1000). Default 20. */
  intervalMs?: number
  /** Payload size, bytes (1..1200). Default 160 (a 20 ms G.711 frame). */
  payloadBytes?: number
  /** Which transceiver to send on. Default `audio`. */
  kind?: MediaKind
  /** First sequence number. Default 1000 (far from the 16-bit wrap). */
  firstSeq?: number
  /** First RTP timestamp. Default 0. */
  firstTimestamp?: number
}

/** A running probe stream. */
export interface RtpProbe {
  /** Packets handed to werift so far. */
  readonly sent: number
  /** Packets that went out more than one interval late (the process stalled). */
  readonly lateTicks: number
  /** SSRC werift sends with. */
  readonly ssrc: number
  /** Payload type used (the transceiver's negotiated codec). */
  readonly payloadType: number
  /** RTP clock rate of that codec, Hz. */
  readonly clockRate: number
  readonly firstSeq: number
  readonly intervalMs: number
  /** `performance.now()` when packet `i` (sequence number `firstSeq + i`, mod 2^16) was handed to werift. */
  readonly sendTimes: Float64Array
  /** Send time of a sequence number, if this probe sent it (within the last 65,536 packets). */
  sendTimeOf(seq: number): number | undefined
  /** Resolves when every packet was sent (or the probe was stopped). */
  readonly done: Promise<void>
  /** Stops sending. Idempotent. */
  stop(): void
}

/**
 * Starts a probe on `peer`, which must be connected and have a transceiver of `kind` that sends.
 * @throws RtcspecError `PROBE_NO_SENDER` when there is none, `BAD_PROBE_OPTIONS` for out-of-range options.
 */
export function startRtpProbe(peer: WeriftPeer, options: RtpProbeOptions): RtpProbe {
  const intervalMs = options.intervalMs ?? 20
  const payloadBytes = options.payloadBytes ?? 160
  const kind = options.kind ?? 'audio'
  const count = options.count
  const bad = (what: string) =>
    new RtcspecError('BAD_PROBE_OPTIONS', `startRtpProbe: ${what}`, { hint: 'startRtpProbe(peer, { count: 2000, intervalMs: 10, payloadBytes: 160 })' })
  if (!Number.isInteger(count) || count < 1 || count > 1_000_000) throw bad(`count must be an integer 1..1,000,000, got ${count}`)
  if (!(intervalMs >= 1 && intervalMs <= 1000)) throw bad(`intervalMs must be 1..1000, got ${intervalMs}`)
  if (!Number.isInteger(payloadBytes) || payloadBytes < 1 || payloadBytes > 1200) throw bad(`payloadBytes must be an integer 1..1200, got ${payloadBytes}`)
  const transceiver = peer.pc.getTransceivers().find((t) => t.kind === kind && (t.currentDirection === 'sendrecv' || t.currentDirection === 'sendonly'))
  const codec = transceiver?.sender.codec ?? transceiver?.codecs.find((c) => !/\/(rtx|red)$/i.test(c.mimeType))
  if (!transceiver || !codec) {
    throw new RtcspecError('PROBE_NO_SENDER', `${peer.name}: no connected ${kind} transceiver that sends`, {
      hint: `connect the call first, with a ${kind} transceiver in sendrecv or sendonly on ${peer.name}`,
    })
  }
  const sender = transceiver.sender
  const firstSeq = (options.firstSeq ?? 1000) & 0xffff
  const ts0 = (options.firstTimestamp ?? 0) >>> 0
  const tsStep = Math.round((codec.clockRate * intervalMs) / 1000)
  const payload = Buffer.alloc(payloadBytes, 0xd5)
  const sendTimes = new Float64Array(count).fill(Number.NaN)
  let sent = 0
  let stopped = false
  let finish!: () => void
  const done = new Promise<void>((r) => (finish = r))
  // Every sequence number is sent: after a stall the overdue packets go out back to back (never skipped).
  const pacer = new Pacer({ periodMs: intervalMs, maxCatchUp: count + 1 }, (index) => {
    if (stopped || index >= count) return stop()
    const header = new RtpHeader({
      payloadType: codec.payloadType,
      sequenceNumber: (firstSeq + index) & 0xffff,
      timestamp: (ts0 + index * tsStep) >>> 0,
      marker: index === 0,
    })
    sendTimes[index] = performance.now()
    sent++
    sender.sendRtp(new RtpPacket(header, payload)).catch(() => {
      /* the transport closed: the receiver's counts show it */
    })
    if (index + 1 >= count) stop()
  })
  function stop(): void {
    if (stopped) return
    stopped = true
    pacer.stop()
    finish()
  }
  pacer.start()
  return {
    get sent() {
      return sent
    },
    get lateTicks() {
      return pacer.stats.lateTicks
    },
    ssrc: sender.ssrc,
    payloadType: codec.payloadType,
    clockRate: codec.clockRate,
    firstSeq,
    intervalMs,
    sendTimes,
    sendTimeOf(seq: number) {
      const i = (seq - firstSeq) & 0xffff
      const t = i < count ? sendTimes[i] : undefined
      return t === undefined || Number.isNaN(t) ? undefined : t
    },
    done,
    stop,
  }
}

/** One-way delays of a probe's packets as they arrive on a track, ms, by arrival. */
export interface OneWayDelays {
  /** arrival − send time, per packet received (first copy of each sequence number), in arrival order. */
  readonly samples: number[]
  /** Stops listening. */
  stop(): void
}

/**
 * Collects the one-way delay of each packet `probe` sends as it arrives on `track` (same process, same clock):
 * `arrivalMs − sendTime`. The value includes werift's send path (SRTP protect), loopback and werift's receive path
 * (SRTP unprotect, demux), typically well under 1 ms on an idle machine; subtract a clean baseline to isolate
 * what the network (the relay) added.
 */
export function collectOneWayDelays(probe: RtpProbe, track: InboundTrack): OneWayDelays {
  const samples: number[] = []
  const seen = new Set<number>()
  const unsubscribe = track.onRtp((p) => {
    if (p.ssrc !== probe.ssrc || seen.has(p.sequenceNumber)) return
    const sentAt = probe.sendTimeOf(p.sequenceNumber)
    if (sentAt === undefined) return
    seen.add(p.sequenceNumber)
    samples.push(p.arrivalMs - sentAt)
  })
  return { samples, stop: unsubscribe }
}
