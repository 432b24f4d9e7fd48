import { describe, expect, it } from 'vitest'
import { burstRatio, burstRatioOf, EMODEL_CODECS, eModel, mosFromR, mouthToEarDelayMs } from '../../src/media/emodel.ts'

describe('G.107 E-model', () => {
  it('gives R = 93.2 and MOS 4.41 with every G.107 default (T = 0, no loss, G.711)', () => {
    const e = eModel({ oneWayDelayMs: 0 })
    expect(e.estimate).toBe(true)
    expect(e.r).toBeCloseTo(93.2, 1)
    expect(e.mos).toBeCloseTo(4.41, 2)
    // the published decomposition of the default: Ro = 94.77, Is = 1.41, Id = 0.15, Ie,eff = 0
    expect(e.ro).toBeCloseTo(94.77, 2)
    expect(e.is).toBeCloseTo(1.41, 2)
    expect(e.id).toBeCloseTo(0.15, 2)
    expect(e.ieEff).toBe(0)
  })

  it('maps R to MOS per Annex B (endpoints, the default, clamps)', () => {
    expect(mosFromR(-5)).toBe(1)
    expect(mosFromR(0)).toBe(1)
    expect(mosFromR(100)).toBe(4.5)
    expect(mosFromR(120)).toBe(4.5)
    expect(mosFromR(50)).toBeCloseTo(1 + 1.75 + 50 * -10 * 50 * 7e-6, 10)
    expect(mosFromR(93.2)).toBeCloseTo(4.409, 3)
  })

  it('computes Ie,eff = Ie + (95 − Ie)·Ppl/(Ppl/BurstR + Bpl) with the G.113 codec values', () => {
    const e = eModel({ oneWayDelayMs: 0, lossFraction: 0.02 })
    expect(e.ieEff).toBeCloseTo((95 * 2) / (2 + 25.1), 10)
    const noPlc = eModel({ oneWayDelayMs: 0, lossFraction: 0.01, codec: 'g711-noplc' })
    expect(noPlc.ieEff).toBeCloseTo((95 * 1) / (1 + 4.3), 10)
    const g729 = eModel({ oneWayDelayMs: 0, codec: 'G729' })
    expect(g729.ieEff).toBe(11)
    expect(g729.r).toBeCloseTo(93.206 - 11, 2)
    const bursty = eModel({ oneWayDelayMs: 0, lossFraction: 0.02, burstR: 2 })
    expect(bursty.ieEff).toBeCloseTo((95 * 2) / (2 / 2 + 25.1), 10)
    expect(bursty.r).toBeLessThan(e.r)
    expect(EMODEL_CODECS.opus?.source).toMatch(/stand-in/)
  })

  it('agrees with the Cole–Rosenbluth delay fit (Id ≈ 0.024·d + 0.11·(d − 177.3)·H, fitted up to ~300 ms) within 0.5', () => {
    const base = eModel({ oneWayDelayMs: 0 })
    for (const d of [50, 100, 150, 200, 250, 300]) {
      const fit = 0.024 * d + (d > 177.3 ? 0.11 * (d - 177.3) : 0)
      const e = eModel({ oneWayDelayMs: d })
      expect(Math.abs(e.id - base.id - fit), `d=${d}: Id ${e.id.toFixed(2)}`).toBeLessThan(0.5)
    }
  })

  it('is monotone: more loss, more delay, burstier loss never raise R', () => {
    let prev = Number.POSITIVE_INFINITY
    for (let l = 0; l <= 0.3; l += 0.01) {
      const r = eModel({ lossFraction: l }).r
      expect(r).toBeLessThanOrEqual(prev + 1e-9)
      prev = r
    }
    prev = Number.POSITIVE_INFINITY
    for (let d = 0; d <= 800; d += 10) {
      const r = eModel({ oneWayDelayMs: d }).r
      expect(r, `delay ${d}`).toBeLessThanOrEqual(prev + 1e-9)
      prev = r
    }
    prev = Number.POSITIVE_INFINITY
    for (let b = 1; b <= 5; b += 0.5) {
      const r = eModel({ lossFraction: 0.05, burstR: b }).r
      expect(r).toBeLessThanOrEqual(prev + 1e-9)
      prev = r
    }
  })

  it('turns jitter into jitter-buffer delay (2 × jitter) plus packet time and codec look-ahead', () => {
    expect(mouthToEarDelayMs({})).toBe(20)
    expect(mouthToEarDelayMs({ networkDelayMs: 50, jitterMs: 10 })).toBe(50 + 20 + 20)
    expect(mouthToEarDelayMs({ networkDelayMs: 50, jitterMs: 10, jitterBufferMs: 60 })).toBe(130)
    expect(mouthToEarDelayMs({ codec: 'opus' })).toBe(26.5)
    expect(mouthToEarDelayMs({ oneWayDelayMs: 7, networkDelayMs: 500 })).toBe(7)
    expect(eModel({ networkDelayMs: 150, jitterMs: 40 }).r).toBeLessThan(eModel({ networkDelayMs: 150 }).r)
  })

  it('a clean G.711 call scores "excellent" and a bad path clearly worse', () => {
    expect(eModel({ codec: 'PCMU', lossFraction: 0, jitterMs: 1, networkDelayMs: 1 }).mos).toBeGreaterThan(4.3)
    const bad = eModel({ codec: 'PCMU', lossFraction: 0.1, jitterMs: 30, networkDelayMs: 250 })
    expect(bad.mos).toBeLessThan(3.1)
    expect(bad.mos).toBeGreaterThan(1)
  })

  it('rejects out-of-range input with the field named, and unknown codecs without Ie/Bpl', () => {
    expect(() => eModel({ lossFraction: 1.5 })).toThrow(/lossFraction/)
    expect(() => eModel({ networkDelayMs: -1 })).toThrow(/networkDelayMs/)
    expect(() => eModel({ burstR: 0.5 })).toThrow(/burstR/)
    expect(() => eModel({ codec: 'speex' })).toThrow(/no Ie\/Bpl values for codec 'speex'.*Pass \{ ie, bpl \}/)
    expect(eModel({ codec: 'speex', ie: 10, bpl: 10 }).codec).toMatchObject({ ie: 10, bpl: 10, source: 'caller-supplied' })
  })

  it('measures BurstR from a loss pattern and from Gilbert transition probabilities', () => {
    expect(burstRatio(0, 1)).toBe(1)
    expect(burstRatio(0.01, 0.99)).toBeCloseTo(1, 10) // random loss: p + q = 1
    expect(burstRatio(0.01, 0.25)).toBeCloseTo(1 / 0.26, 10)
    expect(() => burstRatio(0.1, 0)).toThrow(RangeError)
    expect(burstRatioOf([false, false, false])).toBe(1)
    // 100 packets, two bursts of 5: mean burst 5, loss 10 % → 5 × 0.9
    const pattern = Array.from({ length: 100 }, (_, i) => (i >= 10 && i < 15) || (i >= 50 && i < 55))
    expect(burstRatioOf(pattern)).toBeCloseTo(4.5, 10)
    // isolated losses: mean burst 1 → 1 − loss
    const isolated = Array.from({ length: 100 }, (_, i) => i % 10 === 0)
    expect(burstRatioOf(isolated)).toBeCloseTo(0.9, 10)
  })
})
