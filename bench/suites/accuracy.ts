/**
 * Measurement accuracy: rtcspec's loss, jitter and one-way delay on a real werift b2b call through the
 * seeded relay vs the relay's ground truth, over 2,000-packet runs (10 ms apart; 500 with `--quick`), run one at a time. Also the media
 * gap of an ICE restart. Definitions: src/calls/accuracy.ts and docs/network.md ("Accuracy").
 */
import { measureAccuracy } from '../../src/calls/accuracy.ts'
import { openBackToBack, sources } from '../../src/calls/open.ts'
import { restartIce } from '../../src/peers/ice-restart.ts'
import { percentile, type BenchRow, type BenchSuite } from '../row.ts'

export const accuracySuite: BenchSuite = {
  name: 'accuracy',
  description: "measurement accuracy vs the relay's ground truth: loss, jitter, one-way delay; ICE restart media gap",
  async run(log, options) {
    const PACKETS = options.quick ? 500 : 2000
    const RESTARTS = options.quick ? 2 : 5
    const rows: BenchRow[] = []
    const suite = 'accuracy'
    const note = (seed: number, what: string) => `${PACKETS} pkts @10 ms, seed ${seed}, ${what}`

    const lossy = await measureAccuracy({
      seed: 1,
      packets: PACKETS,
      profile: { loss: 0.03, burst: { pGoodToBad: 0.01, pBadToGood: 0.3 }, jitterMs: 10, duplicate: 0.01 },
    })
    log(
      `lossy: lost ${lossy.measured.lost} vs ${lossy.truth.droppedInsideSpan}, jitter ${lossy.measured.jitterMs.toFixed(3)} vs ${lossy.truth.jitterMs.toFixed(3)} ms`,
    )
    rows.push(
      {
        suite,
        metric: 'lost-count error, no reorder (3 % + burst loss)',
        value: lossy.error.lostCount,
        unit: 'packets',
        note: note(1, `true ${lossy.truth.droppedInsideSpan} lost; must be 0`),
      },
      {
        suite,
        metric: 'jitter error, 10 ms uniform jitter',
        value: lossy.error.jitterMs,
        unit: 'ms',
        note: note(1, `reference ${lossy.truth.jitterMs.toFixed(2)} ms (${lossy.error.jitterPct.toFixed(1)} %); bound ±0.5 ms or ±5 %`),
      },
    )

    const reorder = await measureAccuracy({ seed: 2, packets: PACKETS, profile: { loss: 0.05, jitterMs: 30, reorder: true } })
    log(`reorder: loss ${(reorder.measured.lossFraction * 100).toFixed(3)} vs ${(reorder.truth.lossFraction * 100).toFixed(3)} %`)
    rows.push(
      {
        suite,
        metric: 'loss-fraction error, 5 % loss + reordering',
        value: reorder.error.lossFractionPp,
        unit: 'pp',
        note: note(2, `${reorder.measured.reordered} reordered; bound ±0.2 pp`),
      },
      {
        suite,
        metric: 'jitter error, 30 ms jitter with reordering',
        value: reorder.error.jitterMs,
        unit: 'ms',
        note: note(2, `reference ${reorder.truth.jitterMs.toFixed(2)} ms (${reorder.error.jitterPct.toFixed(1)} %)`),
      },
      {
        suite,
        metric: 'receive-path noise (bounds the jitter error)',
        value: Math.max(lossy.receiveNoiseMs, reorder.receiveNoiseMs),
        unit: 'ms',
        note: 'EWMA |Δ(arrival − relay release)|, worst of the two runs',
      },
    )

    const delay = await measureAccuracy({ seed: 3, packets: PACKETS, profile: { delayMs: 80 } })
    log(`delay: median ${delay.delay.medianMs.toFixed(2)}, base ${delay.delay.baseMs.toFixed(2)}, true median ${delay.delay.trueMedianMs.toFixed(2)} ms`)
    rows.push(
      {
        suite,
        metric: 'one-way delay error (base, min), 80 ms configured',
        value: delay.error.delayBaseMs,
        unit: 'ms',
        note: note(3, `measured ${delay.delay.baseMs.toFixed(2)} ms; bound ±2 ms`),
      },
      {
        suite,
        metric: 'one-way delay error (median) vs relay truth',
        value: delay.error.delayVsTruthMs,
        unit: 'ms',
        note: note(3, `relay held packets ${delay.delay.trueMedianMs.toFixed(2)} ms (median)`),
      },
      {
        suite,
        metric: 'one-way delay error (median) vs configured',
        value: delay.error.delayMedianMs,
        unit: 'ms',
        note: note(3, 'includes relay timer lateness'),
      },
    )

    const gaps: number[] = []
    for (let i = 0; i < RESTARTS; i++) {
      const call = await openBackToBack({ codec: 'PCMU', network: { seed: 40 + i }, send: { a: sources.tone(440), b: sources.tone(880) } })
      try {
        const [inA, inB] = await Promise.all([call.a.waitForTrack('audio', 5000), call.b.waitForTrack('audio', 5000)])
        await Promise.all([inA.waitForPackets(25, 5000), inB.waitForPackets(25, 5000)])
        gaps.push((await restartIce(call, { watch: [inA, inB] })).gapMs)
      } finally {
        await call.close()
      }
    }
    log(`ICE restart gaps: ${gaps.map((g) => g.toFixed(0)).join(', ')} ms`)
    rows.push({
      suite,
      metric: 'ICE restart media gap p50',
      value: percentile(gaps, 50),
      unit: 'ms',
      note: `${RESTARTS} restarts, werift↔werift via relay, 20 ms audio both ways; max ${Math.max(...gaps).toFixed(0)} ms`,
    })
    return rows
  },
}
