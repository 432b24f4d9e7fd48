import { describe, expect, it } from 'vitest'
import { distributionOf, percentile, percentileOfSorted } from '../../src/load/percentile.ts'
import { callFigures, failureKey } from '../../src/load/summary.ts'
import type { CallResult } from '../../src/load/types.ts'

describe('percentile (nearest rank)', () => {
  it('gives measured values: p0 = min, p100 = max, p50 of 1..10 = 5, p95 of 1..100 = 95', () => {
    const ten = [7, 3, 1, 10, 2, 9, 4, 8, 6, 5]
    expect(percentile(ten, 0)).toBe(1)
    expect(percentile(ten, 100)).toBe(10)
    expect(percentile(ten, 50)).toBe(5)
    expect(percentile(ten, 51)).toBe(6)
    expect(percentile(ten, 90)).toBe(9)
    expect(percentile(ten, 91)).toBe(10)
    const hundred = Array.from({ length: 100 }, (_, i) => 100 - i)
    expect(percentile(hundred, 95)).toBe(95)
    expect(percentile(hundred, 99)).toBe(99)
    expect(percentile(hundred, 5)).toBe(5)
  })
  it('handles empty, single and NaN-containing samples, and rejects p outside 0..100', () => {
    expect(percentile([], 50)).toBeUndefined()
    expect(percentile([42], 1)).toBe(42)
    expect(percentile([42], 99)).toBe(42)
    expect(percentile([Number.NaN, 3, 1, Number.NaN], 100)).toBe(3)
    expect(() => percentile([1], 101)).toThrow(/0\.\.100/)
    expect(() => percentile([1], -1)).toThrow(/0\.\.100/)
    expect(percentileOfSorted([1, 2, 3, 4], 25)).toBe(1)
    expect(percentileOfSorted([1, 2, 3, 4], 26)).toBe(2)
  })
  it('distributionOf summarises count, min, max, mean and p5/p50/p95/p99', () => {
    const d = distributionOf(Array.from({ length: 200 }, (_, i) => i + 1))
    expect(d).toMatchObject({ count: 200, min: 1, max: 200, mean: 100.5 })
    // percentiles through the HdrHistogram: the nearest-rank value within 0.1 %
    for (const [p, exact] of [
      ['p5', 10],
      ['p50', 100],
      ['p95', 190],
      ['p99', 198],
    ] as const)
      expect(Math.abs(d[p]! - exact), p).toBeLessThanOrEqual(exact * 1e-3)
    // at scale 1 the integers 1..200 are their own buckets: exact
    expect(
      distributionOf(
        Array.from({ length: 200 }, (_, i) => i + 1),
        1,
      ),
    ).toEqual({ count: 200, min: 1, max: 200, mean: 100.5, p5: 10, p50: 100, p95: 190, p99: 198 })
    expect(distributionOf([])).toEqual({ count: 0 })
  })
})

function result(id: number, over: Partial<CallResult> = {}): CallResult {
  return {
    id,
    worker: id % 2,
    startedAtMs: id * 100,
    endedAtMs: id * 100 + 5000,
    outcome: 'completed',
    connectMs: 100 + id,
    firstRtpMs: 150 + id,
    mediaMs: 4000,
    directions: [
      { receiver: 'bob', codec: 'PCMU', received: 200, expected: 200, lost: 0, lossFraction: 0, jitterMs: 1, framesSpanned: 200, missingFraction: 0, mos: 4.4 },
      {
        receiver: 'alice',
        codec: 'PCMU',
        received: 200,
        expected: 200,
        lost: 0,
        lossFraction: 0,
        jitterMs: 2,
        framesSpanned: 200,
        missingFraction: 0,
        mos: 4.4,
      },
    ],
    measured: true,
    ...over,
  }
}

describe('callFigures', () => {
  it('counts outcomes, groups failure reasons with numbers folded, and takes the worse direction per call', () => {
    const lossy = result(2, {
      directions: [
        { receiver: 'bob', received: 190, expected: 200, lost: 10, lossFraction: 0.05, jitterMs: 3, framesSpanned: 200, missingFraction: 0.05, mos: 3.9 },
        { receiver: 'alice', received: 199, expected: 200, lost: 1, lossFraction: 0.005, jitterMs: 9, framesSpanned: 200, missingFraction: 0.005, mos: 4.3 },
      ],
    })
    const fail = (id: number, ms: number): CallResult => ({
      id,
      worker: 0,
      startedAtMs: 0,
      endedAtMs: ms,
      outcome: 'failed',
      failure: { phase: 'connect', reason: `timed out after ${ms} ms` },
      directions: [],
      measured: false,
    })
    // a starved sender: no sequence gap (loss 0), but half the frames of its timeline were never sent
    const starved = result(7, {
      directions: [
        { receiver: 'bob', received: 100, expected: 100, lost: 0, lossFraction: 0, jitterMs: 40, framesSpanned: 200, missingFraction: 0.5, mos: 1.5 },
      ],
    })
    const rs = [
      result(0),
      result(1),
      lossy,
      starved,
      fail(3, 10000),
      fail(4, 9000),
      { ...result(5), outcome: 'failed' as const, failure: { phase: 'expect' as const, reason: 'bob.audio.in: expected loss below 1 %' } },
      { ...result(6), measured: false, mediaMs: 200 },
    ]
    const f = callFigures(rs)
    expect(f.calls).toEqual({ connected: 6, failed: 3, completed: 5, measured: 5 })
    expect(f.failureReasons).toEqual([
      { phase: 'connect', reason: 'timed out after N ms', count: 2, example: 'timed out after 10000 ms' },
      { phase: 'expect', reason: 'bob.audio.in: expected loss below N %', count: 1, example: 'bob.audio.in: expected loss below 1 %' },
    ])
    expect(f.setupMs.count).toBe(6)
    expect(f.setupMs.max).toBe(107)
    expect(f.loss.count).toBe(5)
    expect(f.loss.max).toBe(0.05)
    expect(f.loss.p50).toBe(0)
    expect(f.jitterMs.max).toBe(40)
    expect(f.mos.min).toBe(1.5)
    // aggregate over measured calls (0, 1, 2, 5, 7): 11 lost of 1700 expected; 111 of 1800 frames missing
    expect(f.lossAggregate).toEqual({ lost: 11, expected: 1700, fraction: 11 / 1700 })
    expect(f.missingAggregate).toEqual({ missing: 111, frames: 1800, fraction: 111 / 1800 })
    expect(f.missingMedia.max).toBe(0.5)
    expect(failureKey('port 51234 after 1.5 s')).toBe('port N after N s')
  })
})
