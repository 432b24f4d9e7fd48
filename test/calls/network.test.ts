import { describe, it, expect } from 'vitest'
import { resolveNetwork } from '../../src/calls/network.ts'
import { PRESETS, PRESET_NAMES, preset, resolveProfile, outage } from '../../src/net/presets.ts'
import { parseProfile } from '../../src/net/impairment.ts'
import { RtcspecError } from '../../src/errors.ts'

describe('network presets', () => {
  it('every preset is a valid impairment profile', () => {
    for (const name of PRESET_NAMES) expect(parseProfile(PRESETS[name], name)).toEqual(PRESETS[name])
  })
  it('preset() copies and overrides; unknown names list the known ones', () => {
    const p = preset('3g', { loss: 0.05 })
    expect(p).toMatchObject({ delayMs: 100, jitterMs: 20, loss: 0.05 })
    p.delayMs = 1
    expect(PRESETS['3g'].delayMs).toBe(100)
    expect(() => preset('4g')).toThrow(/unknown network preset "4g".*/)
    try {
      preset('4g')
    } catch (e) {
      expect((e as RtcspecError).hint).toContain('lossy-wifi')
    }
  })
  it('resolveProfile accepts a name, a profile, or a preset with overrides, and rejects typos', () => {
    expect(resolveProfile('satellite', 'x')).toMatchObject({ delayMs: 280 })
    expect(resolveProfile({ preset: 'lte', loss: 0.2 }, 'x')).toMatchObject({ delayMs: 50, loss: 0.2 })
    expect(resolveProfile({ loss: 0.1 }, 'x')).toEqual({ loss: 0.1 })
    expect(() => resolveProfile({ los: 0.1 } as never, 'network.toB')).toThrow(/network\.toB/)
  })
  it('outage() darkens then restores', () => {
    expect(outage({ atMs: 5000, forMs: 2000, direction: 'toB' })).toEqual([
      { atMs: 5000, direction: 'toB', profile: { loss: 1 } },
      { atMs: 7000, direction: 'toB', profile: {} },
    ])
    expect(outage({ atMs: 0, forMs: 10 })).toHaveLength(4)
    expect(() => outage({ atMs: 5, forMs: 0 })).toThrow(/forMs > 0/)
  })
})

describe('resolveNetwork (the DSL network option)', () => {
  it('applies a preset to both directions unless a direction overrides it', () => {
    const n = resolveNetwork({ preset: 'lte', toB: { loss: 0.1 } })
    expect(n.toA).toEqual(PRESETS.lte)
    expect(n.toB).toEqual({ loss: 0.1 })
    expect(n.impair).toBe('rtp')
    expect(n.schedule).toEqual([])
  })
  it('turns an outage into loss 1 and restores the base profile of each direction afterwards', () => {
    const n = resolveNetwork({ toB: { loss: 0.01 }, schedule: [{ outage: { at: '5s', for: '2s' } }] })
    expect(n.schedule).toEqual([
      { atMs: 5000, direction: 'toA', profile: { loss: 1 } },
      { atMs: 5000, direction: 'toB', profile: { loss: 1 } },
      { atMs: 7000, direction: 'toA', profile: {} },
      { atMs: 7000, direction: 'toB', profile: { loss: 0.01 } },
    ])
  })
  it('restores the profile a later step set before the outage ended... only for steps before the outage', () => {
    const n = resolveNetwork({ schedule: [{ at: 1000, toB: 'edge' }, { outage: { at: 2000, for: 500, direction: 'toB' } }] })
    expect(n.schedule.map((e) => [e.atMs, e.direction, e.profile.loss])).toEqual([
      [1000, 'toB', 0.02],
      [2000, 'toB', 1],
      [2500, 'toB', 0.02],
    ])
  })
  it('rejects bad input with every problem and its path', () => {
    expect(() => resolveNetwork({ toB: '4g' } as never)).toThrow(/toB/)
    expect(() => resolveNetwork({ schedule: [{ at: '5 sec', toB: {} }] } as never)).toThrow(/schedule/)
    expect(() => resolveNetwork({ schedule: [{ at: '5s' }] } as never)).toThrow(/changes toA, toB or both/)
    expect(() => resolveNetwork({ tob: { loss: 1 } } as never)).toThrow(/tob/)
    expect(() => resolveNetwork({ toB: { loss: 2 } })).toThrow(RtcspecError)
  })
})
