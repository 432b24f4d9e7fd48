/** Pure tests of the decision engine: no sockets, synthetic clock. */
import { describe, it, expect } from 'vitest'
import { DirectionImpairer, mulberry32, parseProfile, type Decision, type ImpairmentProfile } from '../../src/net/index.ts'

const engine = (seed: number, p: ImpairmentProfile) => new DirectionImpairer(mulberry32(seed), parseProfile(p, 'test'))
const dropped = (d: Decision) => d.fate === 'dropped'

describe('DirectionImpairer', () => {
  it('mulberry32 is deterministic per seed and roughly uniform', () => {
    const a = mulberry32(5)
    const b = mulberry32(5)
    const xs = Array.from({ length: 10_000 }, () => a())
    expect(Array.from({ length: 10_000 }, () => b())).toEqual(xs)
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length
    expect(mean).toBeGreaterThan(0.48)
    expect(mean).toBeLessThan(0.52)
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true)
  })

  it('loss decisions do not depend on the other impairments (fixed draws per packet)', () => {
    const plain = engine(11, { loss: 0.1 })
    const busy = engine(11, { loss: 0.1, delayMs: 30, jitterMs: 10, duplicate: 0.3, reorder: true })
    for (let i = 0; i < 5000; i++) {
      expect(dropped(busy.decide(i * 20, 172))).toBe(dropped(plain.decide(i * 20, 172)))
    }
  })

  it('independent loss matches its probability over 100k packets', () => {
    const e = engine(1, { loss: 0.1 })
    let n = 0
    for (let i = 0; i < 100_000; i++) if (dropped(e.decide(i, 100))) n++
    expect(n / 100_000).toBeGreaterThan(0.097) // sd ≈ 0.00095
    expect(n / 100_000).toBeLessThan(0.103)
  })

  it('Gilbert–Elliott: stationary loss p/(p+r) and mean burst length 1/r', () => {
    const p = 0.05
    const r = 0.3
    const e = engine(2, { burst: { pGoodToBad: p, pBadToGood: r } })
    const N = 200_000
    let lost = 0
    let bursts = 0
    let prev = false
    for (let i = 0; i < N; i++) {
      const d = e.decide(i, 100)
      const l = dropped(d)
      if (l) {
        lost++
        if (d.fate === 'dropped') expect(d.dropReason).toBe('burst')
        if (!prev) bursts++
      }
      prev = l
    }
    expect(lost / N).toBeGreaterThan((p / (p + r)) * 0.93)
    expect(lost / N).toBeLessThan((p / (p + r)) * 1.07)
    expect(lost / bursts).toBeGreaterThan((1 / r) * 0.93)
    expect(lost / bursts).toBeLessThan((1 / r) * 1.07)
  })

  it('uniform jitter stays within delay ± jitter; normal jitter has the configured standard deviation', () => {
    const u = engine(3, { delayMs: 50, jitterMs: 10, reorder: true })
    const n = engine(4, { delayMs: 50, jitterMs: 10, jitterDistribution: 'normal', reorder: true })
    const du: number[] = []
    const dn: number[] = []
    for (let i = 0; i < 50_000; i++) {
      const t = i * 1000
      const a = u.decide(t, 100)
      const b = n.decide(t, 100)
      if (a.fate !== 'dropped') du.push(a.releaseAt - t)
      if (b.fate !== 'dropped') dn.push(b.releaseAt - t)
    }
    expect(Math.min(...du)).toBeGreaterThanOrEqual(40)
    expect(Math.max(...du)).toBeLessThanOrEqual(60)
    expect(Math.max(...du) - Math.min(...du)).toBeGreaterThan(19)
    const mean = dn.reduce((s, x) => s + x, 0) / dn.length
    const sd = Math.sqrt(dn.reduce((s, x) => s + (x - mean) ** 2, 0) / dn.length)
    expect(mean).toBeGreaterThan(49.7)
    expect(mean).toBeLessThan(50.3)
    expect(sd).toBeGreaterThan(9.7)
    expect(sd).toBeLessThan(10.3)
  })

  it('reorder:false keeps release times non-decreasing; reorder:true does not', () => {
    const inversions = (p: ImpairmentProfile) => {
      const e = engine(5, p)
      let last = -Infinity
      let inv = 0
      for (let i = 0; i < 2000; i++) {
        const d = e.decide(i * 2, 100)
        if (d.fate === 'dropped') continue
        if (d.releaseAt < last) inv++
        last = Math.max(last, d.releaseAt)
      }
      return inv
    }
    expect(inversions({ delayMs: 20, jitterMs: 15 })).toBe(0)
    expect(inversions({ delayMs: 20, jitterMs: 15, reorder: false })).toBe(0)
    expect(inversions({ delayMs: 20, jitterMs: 15, reorder: true })).toBeGreaterThan(100)
  })

  it('rate limit serializes packets and tail-drops beyond the queue', () => {
    // 64 kbit/s = 64 bit/ms; 200 bytes = 1600 bits = 25 ms each
    const e = engine(6, { rateKbps: 64, queuePackets: 4 })
    const ds = Array.from({ length: 6 }, () => e.decide(1000, 200))
    expect(ds.slice(0, 4).map((d) => (d.fate === 'dropped' ? -1 : d.releaseAt))).toEqual([1025, 1050, 1075, 1100])
    expect(ds.slice(4)).toEqual([
      { fate: 'dropped', dropReason: 'queue' },
      { fate: 'dropped', dropReason: 'queue' },
    ])
    // at t=1055 two packets have finished transmission (1025, 1050): two more fit (the one on the wire counts), the third does not
    const later = [e.decide(1055, 200), e.decide(1055, 200), e.decide(1055, 200)]
    expect(later.map((d) => (d.fate === 'dropped' ? d.dropReason : d.releaseAt))).toEqual([1125, 1150, 'queue'])
  })

  it('duplicate marks about the configured share as duplicated with two copies', () => {
    const e = engine(7, { duplicate: 0.25 })
    let dup = 0
    for (let i = 0; i < 20_000; i++) {
      const d = e.decide(i, 100)
      if (d.fate === 'duplicated') {
        dup++
        expect(d.copies).toBe(2)
      }
    }
    expect(dup / 20_000).toBeGreaterThan(0.235)
    expect(dup / 20_000).toBeLessThan(0.265)
  })

  it('rejects out-of-range and unknown profile fields, naming them', () => {
    expect(() => parseProfile({ loss: -0.1 }, 'toA')).toThrow(/toA\.loss/)
    expect(() => parseProfile({ burst: { pGoodToBad: 0.1 } }, 'toB')).toThrow(/toB\.burst\.pBadToGood/)
    expect(() => parseProfile({ delay: 10 }, 'toB')).toThrow(/Unrecognized key|delay/)
    expect(() => parseProfile({ rateKbps: 0 }, 'toB')).toThrow(/rateKbps/)
    expect(parseProfile(undefined, 'x')).toEqual({})
  })
})
