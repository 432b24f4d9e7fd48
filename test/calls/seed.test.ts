/**
 * Per-test impairment seeds: derived from the run's seed and the test's id, so a test's calls get the same seeds
 * whichever shard, worker or order runs them (two fresh module instances stand for two shard processes).
 */
import { describe, it, expect, vi } from 'vitest'
import { deriveSeed } from '../../src/calls/seed.ts'

describe('seeds per test', () => {
  it('derive from the run seed and the test id only: the same whatever order or process ran the tests', async () => {
    expect(deriveSeed(4242, 'a.spec.ts::t')).toBe(deriveSeed(4242, 'a.spec.ts::t'))
    const seeds = new Set([
      deriveSeed(4242, 'a.spec.ts::t'),
      deriveSeed(4243, 'a.spec.ts::t'),
      deriveSeed(4242, 'a.spec.ts::u'),
      deriveSeed(4242, 'a.spec.ts::t', 1),
    ])
    expect(seeds.size).toBe(4)
    const prev = process.env.RTCSPEC_SEED
    process.env.RTCSPEC_SEED = '4242'
    try {
      const t = { file: 'a.spec.ts', name: 'a.spec.ts > t' }
      const u = { file: 'b.spec.ts', name: 'b.spec.ts > u' }
      // Two "shards" as two fresh module instances running the tests in opposite orders, one with another test first.
      vi.resetModules()
      const one = await import('../../src/calls/seed.ts')
      const inOne = [
        one.pickCallSeed(undefined, { file: 'z.spec.ts', name: 'other' }),
        one.pickCallSeed(undefined, t),
        one.pickCallSeed(undefined, t),
        one.pickCallSeed(undefined, u),
      ]
      vi.resetModules()
      const two = await import('../../src/calls/seed.ts')
      const uTwo = two.pickCallSeed(undefined, u)
      const tTwo = [two.pickCallSeed(undefined, t), two.pickCallSeed(undefined, t)]
      expect(tTwo).toEqual([inOne[1], inOne[2]])
      expect(uTwo).toEqual(inOne[3])
      expect(inOne[1]).toEqual({ seed: deriveSeed(4242, 'a.spec.ts::a.spec.ts > t', 0), base: 4242 })
      expect(inOne[2]!.seed).toBe(deriveSeed(4242, 'a.spec.ts::a.spec.ts > t', 1))
      // An explicit seed wins; a call outside any test takes the run's seed itself.
      expect(two.pickCallSeed(7, t)).toEqual({ seed: 7 })
      expect(two.pickCallSeed(undefined)).toEqual({ seed: 4242 })
      expect(two.seedNote({ seed: inOne[1]!.seed, baseSeed: 4242 })).toMatch(
        /derived from the run's seed 4242 and the test's name; re-run with RTCSPEC_SEED=4242/,
      )
    } finally {
      if (prev === undefined) delete process.env.RTCSPEC_SEED
      else process.env.RTCSPEC_SEED = prev
    }
  })
})
