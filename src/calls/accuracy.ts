/**
 * Measurement accuracy: runs a real back-to-back werift call through the seeded impairment relay, sends a numbered
 * probe stream alice → bob (impaired, `toB`) and one bob → alice (clean, `toA`, the baseline), and compares what
 * rtcspec measured on bob's inbound track (RFC 3550 statistics in src/rtp, one-way delay from send/arrival times)
 * with what the relay really did (its ground truth). Used by rtcspec's accuracy tests and `npm run bench`.
 *
 * Definitions (see docs/network.md "Accuracy"):
 * - loss: rtcspec's `lost` vs the relay's drops between the first and last delivered packet (a receiver cannot see
 *   drops outside that span); loss fraction vs the relay's dropped / sent.
 * - jitter: rtcspec's RFC 3550 jitter (arrival = werift's onReceiveRtp time) vs the same estimator fed with the relay's
 *   release times (the network's jitter alone); the difference is werift's receive-path and event-loop variation.
 * - one-way delay: median(arrival − send time) of the impaired stream minus the same median of the clean baseline
 *   stream (and the same with minimums: the base delay), vs the configured `delayMs` and vs the relay's true hold
 *   times. Both ends share one clock (same process), so no clock sync is involved.
 */
import { openBackToBack, pickSeed } from './open.ts'
import { startRtpProbe, collectOneWayDelays } from '../peers/werift/rtp-probe.ts'
import type { WeriftPeer } from '../peers/werift/peer.ts'
import type { ImpairmentProfile } from '../net/impairment.ts'
import { median, referenceJitterMs, referenceLoss, streamRecords } from '../net/reference.ts'
import type { TruthRecord } from '../net/truth.ts'
import { waitFor } from '../wait.ts'

/** Options of {@link measureAccuracy}. */
export interface AccuracyRunOptions {
  /** Impairment of the measured direction (alice → bob). */
  profile: ImpairmentProfile
  /** Seed; default `$RTCSPEC_SEED` or random. */
  seed?: number
  /** Probe packets per stream. Default 2000. */
  packets?: number
  /** Probe interval, ms. Default 10. */
  intervalMs?: number
}

/** What one accuracy run found. */
export interface AccuracyResult {
  seed: number
  profile: ImpairmentProfile
  packets: number
  truth: { sent: number; dropped: number; droppedInsideSpan: number; span: number; lossFraction: number; jitterMs: number; meanDelayMs: number }
  /**
   * Receive-path noise: the RFC 3550-style running average (gain 1/16, arrival order) of |Δe|, where e is each
   * packet's arrival at the track minus its release by the relay (loopback + werift + event loop), ms. Because the
   * receiver sees packets in the relay's send order, |measured jitter − reference jitter| ≤ this value exactly
   * (| |a + b| − |a| | ≤ |b| term by term): it bounds the error the machine, not the estimator, can cause.
   */
  receiveNoiseMs: number
  /** True when the track saw packets in exactly the relay's send order (the premise of the bound above). */
  sameOrder: boolean
  measured: { received: number; expected: number; lost: number; lossFraction: number; jitterMs: number; reordered: number; duplicates: number }
  /**
   * One-way delay of alice → bob. `medianMs`: median(arrival − send) minus the clean baseline's median; `baseMs`: the
   * same with minimums (the path's base delay, insensitive to timer lateness and load spikes); `trueMedianMs` /
   * `trueMinMs`: what the relay really held packets for (its ground truth).
   */
  delay: { configuredMs: number; medianMs: number; baseMs: number; trueMedianMs: number; trueMinMs: number; impairedMedianMs: number; baselineMedianMs: number }
  /** measured − truth. */
  error: {
    lostCount: number
    lossFractionPp: number
    jitterMs: number
    jitterPct: number
    /** delay.medianMs − configured. */
    delayMedianMs: number
    /** delay.baseMs − configured. */
    delayBaseMs: number
    /** delay.medianMs − delay.trueMedianMs: the measurement's own error, whatever the relay's timer lateness. */
    delayVsTruthMs: number
  }
  /** Probe packets sent more than one interval late (machine load), alice → bob. */
  lateSends: number
  wallMs: number
}

/** Runs one accuracy measurement (about packets × intervalMs of wall time plus set-up). */
export async function measureAccuracy(options: AccuracyRunOptions): Promise<AccuracyResult> {
  const started = performance.now()
  const packets = options.packets ?? 2000
  const intervalMs = options.intervalMs ?? 10
  const seed = pickSeed(options.seed)
  const call = await openBackToBack({ codec: 'PCMU', network: { seed, toB: options.profile } })
  try {
    const relay = call.relay!
    const a = call.a as WeriftPeer
    const b = call.b as WeriftPeer
    const toB = startRtpProbe(a, { count: packets, intervalMs, payloadBytes: 80 })
    const toA = startRtpProbe(b, { count: packets, intervalMs, payloadBytes: 80 })
    const [inB, inA] = await Promise.all([b.waitForTrack('audio', 10_000), a.waitForTrack('audio', 10_000)])
    const dB = collectOneWayDelays(toB, inB)
    const arrivals: Array<{ seq: number; at: number }> = []
    const stopArrivals = inB.onRtp((p) => {
      if (p.ssrc === toB.ssrc) arrivals.push({ seq: p.sequenceNumber, at: p.arrivalMs })
    })
    const dA = collectOneWayDelays(toA, inA)
    await Promise.all([toB.done, toA.done])
    const arrivedB = () => inB.rtp.snapshot().received
    const deliveredB = () => {
      const s = relay.summary('toB')
      return s.delivered + s.duplicated
    }
    await waitFor(() => relay.summary('toB').sent >= toB.sent && relay.summary('toA').sent >= toA.sent, {
      timeoutMs: 5000,
      label: `the relay to see all ${packets} probe packets of each direction`,
    })
    await waitFor(() => relay.summary('toB').pending === 0 && relay.summary('toA').pending === 0 && arrivedB() >= deliveredB(), {
      timeoutMs: 10_000 + (options.profile.delayMs ?? 0) + 4 * (options.profile.jitterMs ?? 0),
      label: `bob to receive all ${deliveredB()} datagrams the relay delivered (got ${arrivedB()})`,
    })
    dB.stop()
    stopArrivals()
    dA.stop()
    const records = streamRecords(relay.truth('toB').records, toB.ssrc)
    const loss = referenceLoss(records)
    const refJitter = referenceJitterMs(records, toB.clockRate)
    const { noiseMs, sameOrder } = receiveNoise(records, arrivals)
    const s = inB.rtp.snapshot()
    const released = records.filter((r) => r.delayMs !== undefined)
    const meanDelayMs = released.reduce((acc, r) => acc + (r.delayMs as number), 0) / Math.max(1, released.length)
    const impairedMedianMs = median(dB.samples)
    const baselineMedianMs = median(dA.samples)
    const measuredDelay = impairedMedianMs - baselineMedianMs
    const configuredMs = options.profile.delayMs ?? 0
    const baseMs = minOf(dB.samples) - minOf(dA.samples)
    const trueDelays = released.map((r) => r.delayMs as number)
    const trueMedianMs = median(trueDelays)
    const trueMinMs = minOf(trueDelays)
    return {
      seed,
      profile: options.profile,
      packets,
      truth: {
        sent: loss.sent,
        dropped: loss.dropped,
        droppedInsideSpan: loss.droppedInsideSpan,
        span: loss.span,
        lossFraction: loss.lossFraction,
        jitterMs: refJitter,
        meanDelayMs,
      },
      measured: {
        received: s.received,
        expected: s.expected,
        lost: s.lost,
        lossFraction: s.lossFraction,
        jitterMs: s.jitterMs,
        reordered: s.reordered,
        duplicates: s.duplicates,
      },
      delay: { configuredMs, medianMs: measuredDelay, baseMs, trueMedianMs, trueMinMs, impairedMedianMs, baselineMedianMs },
      error: {
        lostCount: s.lost - loss.droppedInsideSpan,
        lossFractionPp: (s.lossFraction - loss.lossFraction) * 100,
        jitterMs: s.jitterMs - refJitter,
        jitterPct: refJitter > 0 ? ((s.jitterMs - refJitter) / refJitter) * 100 : 0,
        delayMedianMs: measuredDelay - configuredMs,
        delayBaseMs: baseMs - configuredMs,
        delayVsTruthMs: measuredDelay - trueMedianMs,
      },
      lateSends: toB.lateTicks,
      receiveNoiseMs: noiseMs,
      sameOrder,
      wallMs: performance.now() - started,
    }
  } finally {
    await call.close()
  }
}

function minOf(xs: readonly number[]): number {
  let m = Number.NaN
  for (const x of xs) if (!(x >= m)) m = x
  return m
}

/** See {@link AccuracyResult.receiveNoiseMs}. Duplicated copies after the first are ignored, as the jitter estimator does. */
function receiveNoise(records: readonly TruthRecord[], arrivals: ReadonlyArray<{ seq: number; at: number }>): { noiseMs: number; sameOrder: boolean } {
  const released = records.filter((r) => r.releasedAt !== undefined && r.seq !== undefined).sort((x, y) => (x.releaseIndex ?? 0) - (y.releaseIndex ?? 0))
  const relBySeq = new Map(released.map((r) => [r.seq as number, r.releasedAt as number]))
  const seen = new Set<number>()
  const firsts = arrivals.filter((a) => (seen.has(a.seq) ? false : (seen.add(a.seq), true)))
  let sameOrder = firsts.length === released.length
  for (let i = 0; sameOrder && i < firsts.length; i++) if (firsts[i]!.seq !== released[i]!.seq) sameOrder = false
  let j = 0
  let prev: number | undefined
  for (const a of firsts) {
    const rel = relBySeq.get(a.seq)
    if (rel === undefined) continue
    const e = a.at - rel
    if (prev !== undefined) j += (Math.abs(e - prev) - j) / 16
    prev = e
  }
  return { noiseMs: j, sameOrder }
}
