/**
 * The load summary's distributions come from HdrHistograms so that shards merge: merging K shards' histograms gives
 * the percentiles of one histogram that recorded every value, and both stay within HdrHistogram's precision of the
 * exact nearest-rank percentile. The figures of a merged shard set equal those of one run over all the calls.
 */
import { describe, expect, it } from 'vitest'
import { histogramOf, MetricHistogram, RELATIVE_PRECISION } from '../../src/load/histogram.ts'
import { percentile } from '../../src/load/percentile.ts'
import { addFigures, callFigures, decodeFigures, emptyFigures, encodeFigures, figuresOf, recordCall } from '../../src/load/summary.ts'
import { MergeableFiguresSchema, type CallResult } from '../../src/load/types.ts'
import { RtcspecError } from '../../src/errors.ts'

/** A deterministic, skewed sample (log-normal-ish latencies in ms) from a small LCG. */
function sample(n: number, seed: number): number[] {
  let x = seed >>> 0
  const next = () => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0
    return (x + 0.5) / 2 ** 32
  }
  return Array.from({ length: n }, () => Math.exp(3 + 1.2 * Math.sqrt(-2 * Math.log(next())) * Math.cos(2 * Math.PI * next())))
}

const PS = [0, 1, 5, 25, 50, 75, 90, 95, 99, 99.9, 100]

describe('MetricHistogram', () => {
  it('merging K shards’ histograms gives the percentiles of one histogram of all values, within precision of the exact ones', () => {
    const values = sample(20_000, 7)
    const whole = histogramOf(values)
    for (const k of [2, 3, 7]) {
      const shards = Array.from({ length: k }, () => new MetricHistogram())
      values.forEach((v, i) => shards[i % k]!.record(v))
      // through the wire format, as merge reads them
      const merged = new MetricHistogram()
      for (const s of shards) merged.add(MetricHistogram.decode(s.encode()))
      expect(merged.count).toBe(values.length)
      for (const p of PS) {
        expect(merged.percentile(p), `k=${k} p${p}`).toBe(whole.percentile(p))
        const exact = percentile(values, p)!
        expect(Math.abs(merged.percentile(p)! - exact), `k=${k} p${p} vs exact ${exact}`).toBeLessThanOrEqual(exact * RELATIVE_PRECISION + 0.001)
      }
      expect(merged.distribution().min).toBe(Math.min(...values))
      expect(merged.distribution().max).toBe(Math.max(...values))
      expect(merged.distribution().mean).toBeCloseTo(values.reduce((a, b) => a + b, 0) / values.length, 6)
    }
  })

  it('averaging shard percentiles would be wrong, which is why merge adds histograms: a skewed split shows it', () => {
    // 900 fast calls on one generator, 100 slow ones on another: p95 of the test is a slow call
    const fast = histogramOf(Array.from({ length: 900 }, (_, i) => 10 + (i % 10)))
    const slow = histogramOf(Array.from({ length: 100 }, (_, i) => 1000 + i))
    const averaged = (fast.percentile(95)! + slow.percentile(95)!) / 2
    const merged = new MetricHistogram()
    merged.add(fast)
    merged.add(slow)
    const exact = percentile([...Array.from({ length: 900 }, (_, i) => 10 + (i % 10)), ...Array.from({ length: 100 }, (_, i) => 1000 + i)], 95)!
    expect(exact).toBe(1049)
    expect(Math.abs(merged.percentile(95)! - exact)).toBeLessThanOrEqual(exact * RELATIVE_PRECISION)
    expect(averaged).toBeLessThan(600)
  })

  it('encodes as HdrHistogram compressed base64 and refuses a histogram that does not match its counts', () => {
    const h = histogramOf([1, 2, 3])
    const e = h.encode()
    expect(e.hdr).toMatch(/^HISTF/)
    expect(MetricHistogram.decode(e).distribution()).toEqual(h.distribution())
    expect(() => MetricHistogram.decode({ ...e, count: 4 }, 'shard 1 setupMs')).toThrow(/shard 1 setupMs: the histogram holds 3 values but the file says 4/)
    expect(() => MetricHistogram.decode({ ...e, hdr: 'HISTFAAAnotbase64' })).toThrow(RtcspecError)
    expect(() => new MetricHistogram(1).add(new MetricHistogram(1000))).toThrow(/scale/)
    expect(histogramOf([]).distribution()).toEqual({ count: 0 })
  })
})

function call(id: number, connectMs: number, loss: number, failed = false): CallResult {
  return {
    id,
    worker: 0,
    startedAtMs: id,
    endedAtMs: id + 3000,
    outcome: failed ? 'failed' : 'completed',
    ...(failed ? { failure: { phase: 'connect' as const, reason: `timed out after ${10_000 + id} ms` } } : { connectMs, firstRtpMs: connectMs + 20 }),
    mediaMs: failed ? 0 : 2000,
    directions: failed
      ? []
      : [
          {
            receiver: 'bob',
            received: 100,
            expected: 100 + Math.round(loss * 100),
            lost: Math.round(loss * 100),
            lossFraction: loss,
            jitterMs: connectMs / 50,
            framesSpanned: 100,
            missingFraction: loss,
            mos: 4.4 - loss * 10,
          },
        ],
    measured: !failed,
  }
}

describe('mergeable call figures', () => {
  it('shards encoded, decoded and added give the figures of one run over every call', () => {
    const latencies = sample(600, 3)
    const calls = latencies.map((l, i) => call(i, l, (i % 17) / 400, i % 29 === 0))
    const whole = callFigures(calls)
    const n = 4
    const merged = emptyFigures()
    for (let s = 0; s < n; s++) {
      const state = emptyFigures()
      for (const c of calls.filter((c) => c.id % n === s)) recordCall(state, c)
      const onDisk = MergeableFiguresSchema.parse(JSON.parse(JSON.stringify(encodeFigures(state))))
      addFigures(merged, decodeFigures(onDisk, `shard ${s}`))
    }
    const got = figuresOf(merged)
    expect(got.calls).toEqual(whole.calls)
    expect(got.failureReasons).toEqual(whole.failureReasons)
    expect(got.lossAggregate).toEqual(whole.lossAggregate)
    expect(got.missingAggregate).toEqual(whole.missingAggregate)
    for (const m of ['setupMs', 'firstRtpMs', 'loss', 'missingMedia', 'jitterMs', 'mos'] as const) {
      const { mean: a, ...restGot } = got[m]
      const { mean: b, ...restWhole } = whole[m]
      expect(restGot, m).toEqual(restWhole)
      expect(a, m).toBeCloseTo(b!, 9)
    }
  })
})
