/**
 * Accuracy: what rtcspec measures on a real werift b2b call vs what the impairment relay really did, over seeded
 * runs of 2,000 packets (10 ms apart). Runs are sequential: concurrent calls on a 2-core machine would measure
 * the machine, not rtcspec. Seeds are fixed (override with RTCSPEC_SEED) and printed on failure.
 * Definitions: src/calls/accuracy.ts and docs/network.md ("Accuracy").
 */
import { describe, it, expect, onTestFailed } from 'vitest'
import { measureAccuracy, type AccuracyResult } from '../../src/calls/accuracy.ts'
import type { ImpairmentProfile } from '../../src/net/impairment.ts'

const PACKETS = 2000
const envSeed = process.env.RTCSPEC_SEED ? Number(process.env.RTCSPEC_SEED) : undefined

async function run(seed: number, profile: ImpairmentProfile): Promise<AccuracyResult> {
  const s = envSeed ?? seed
  let result: AccuracyResult | undefined
  onTestFailed(() => {
    process.stderr.write(
      `accuracy run failed: seed ${s} (re-run with RTCSPEC_SEED=${s}); ${result ? JSON.stringify({ truth: result.truth, measured: result.measured, delay: result.delay, error: result.error, lateSends: result.lateSends }) : 'no result'}\n`,
    )
  })
  result = await measureAccuracy({ seed: s, profile, packets: PACKETS, intervalMs: 10 })
  const e = result.error
  process.stdout.write(
    `[accuracy] ${JSON.stringify(profile)} seed ${s}: lost ${result.measured.lost} vs ${result.truth.droppedInsideSpan} true, loss ${(result.measured.lossFraction * 100).toFixed(3)} % vs ${(result.truth.lossFraction * 100).toFixed(3)} %, jitter ${result.measured.jitterMs.toFixed(3)} vs ${result.truth.jitterMs.toFixed(3)} ms (${e.jitterPct.toFixed(2)} %), delay median ${result.delay.medianMs.toFixed(2)} / base ${result.delay.baseMs.toFixed(2)} / true median ${result.delay.trueMedianMs.toFixed(2)} ms, late sends ${result.lateSends}, receive-path noise ${result.receiveNoiseMs.toFixed(3)} ms\n`,
  )
  return result
}

/** ±0.5 ms or ±5 %, whichever is larger. */
const jitterTolerance = (r: AccuracyResult) => Math.max(0.5, 0.05 * r.truth.jitterMs)

/**
 * Runs until the jitter bound holds, at most 3 times. Every attempt must satisfy the exact identity that makes this
 * honest: the receiver saw the relay's send order, so |measured − reference| ≤ the receive-path noise (see
 * AccuracyResult.receiveNoiseMs) — a wrong estimator fails here at once. The bound can therefore only fail when the
 * machine's own noise exceeded it (a 2-core box shared by many test runs); then the run is repeated.
 */
async function runUntilJitterHolds(seed: number, profile: ImpairmentProfile): Promise<AccuracyResult> {
  let last: AccuracyResult | undefined
  for (let attempt = 1; attempt <= 3; attempt++) {
    const r = await run(seed, profile)
    last = r
    expect(r.sameOrder, 'bob saw the packets in the order the relay sent them').toBe(true)
    expect(Math.abs(r.error.jitterMs), `jitter error ${r.error.jitterMs} ms vs receive-path noise ${r.receiveNoiseMs} ms`).toBeLessThanOrEqual(
      r.receiveNoiseMs + 1e-6,
    )
    if (Math.abs(r.error.jitterMs) <= jitterTolerance(r)) return r
    process.stdout.write(
      `[accuracy] attempt ${attempt}: jitter error ${r.error.jitterMs.toFixed(3)} ms > ${jitterTolerance(r).toFixed(3)} ms, caused by receive-path noise ${r.receiveNoiseMs.toFixed(3)} ms (machine load); repeating\n`,
    )
  }
  const r = last!
  expect(
    Math.abs(r.error.jitterMs),
    `jitter ${r.measured.jitterMs} ms vs reference ${r.truth.jitterMs} ms in 3 attempts (receive-path noise ${r.receiveNoiseMs.toFixed(3)} ms: the machine is too loaded to measure jitter to ±${jitterTolerance(r).toFixed(2)} ms)`,
  ).toBeLessThanOrEqual(jitterTolerance(r))
  return r
}

describe('measurement accuracy against the relay ground truth (2,000-packet seeded runs)', () => {
  it('loss count is exact without reordering (random + burst loss, jitter without reorder, duplicates)', async () => {
    const r = await runUntilJitterHolds(1, { loss: 0.03, burst: { pGoodToBad: 0.01, pBadToGood: 0.3 }, jitterMs: 10, duplicate: 0.01 })
    expect(r.truth.sent).toBe(PACKETS)
    expect(r.truth.dropped).toBeGreaterThan(60) // the run really is lossy
    expect(r.measured.lost).toBe(r.truth.droppedInsideSpan)
    expect(r.measured.expected).toBe(r.truth.span)
    expect(r.measured.duplicates).toBeGreaterThan(0)
    expect(r.measured.reordered).toBe(0)
    expect(Math.abs(r.error.lossFractionPp)).toBeLessThanOrEqual(0.2)
  }, 150_000)

  it('loss fraction within ±0.2 percentage points under reordering; jitter within ±0.5 ms or ±5 %', async () => {
    const r = await runUntilJitterHolds(2, { loss: 0.05, jitterMs: 30, reorder: true })
    expect(r.measured.reordered).toBeGreaterThan(100) // reordering really happened
    expect(Math.abs(r.error.lossFractionPp)).toBeLessThanOrEqual(0.2)
  }, 150_000)

  it('one-way delay within ±2 ms of the configured 80 ms', async () => {
    const r = await runUntilJitterHolds(3, { delayMs: 80 })
    expect(r.truth.dropped).toBe(0)
    expect(r.measured.lost).toBe(0)
    // The path's base delay (minimum, insensitive to load spikes) matches the configuration …
    expect(Math.abs(r.error.delayBaseMs)).toBeLessThanOrEqual(2)
    // … and the typical (median) delay rtcspec measures matches what the relay really held packets for.
    expect(Math.abs(r.error.delayVsTruthMs)).toBeLessThanOrEqual(2)
  }, 150_000)
})
