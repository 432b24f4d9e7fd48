import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { SeqWindow, SEQ_WINDOW } from '../../src/rtp/seq-window.ts'

describe('SeqWindow', () => {
  it('detects duplicates up to SEQ_WINDOW - 1 behind, and refuses older numbers', () => {
    const w = new SeqWindow()
    for (let e = 0; e <= SEQ_WINDOW; e++) w.add(e)
    expect(w.add(1)).toBe('duplicate') // max - (W - 1)
    expect(w.add(0)).toBe('too-old') // max - W
    expect(w.unique).toBe(SEQ_WINDOW + 1)
    expect(w.missing).toBe(0)
  })

  it('keeps the longest gap after it left the window', () => {
    const w = new SeqWindow()
    w.add(0)
    w.add(11) // hole of 10: 1..10
    for (let e = 12; e < 3 * SEQ_WINDOW; e++) if (e !== 40_000 && e !== 40_001) w.add(e)
    expect(w.longestGap()).toBe(10)
    expect(w.missing).toBe(12)
    expect(w.has(11)).toBe(false) // out of the window now
    expect(w.has(3 * SEQ_WINDOW - 1)).toBe(true)
  })

  it('counts a hole that straddles the window edge once, and a jump longer than the window', () => {
    const w = new SeqWindow()
    w.add(100)
    w.add(100 + 2 * SEQ_WINDOW + 5) // everything between missing
    expect(w.longestGap()).toBe(2 * SEQ_WINDOW + 4)
    expect(w.missing).toBe(2 * SEQ_WINDOW + 4)
    w.add(100 + 2 * SEQ_WINDOW + 6)
    expect(w.longestGap()).toBe(2 * SEQ_WINDOW + 4)
  })

  it('property: matches a plain Set for random forward-biased streams', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -50, max: 400 }), { minLength: 1, maxLength: 400 }), fc.integer({ min: 1, max: 200 }), (steps, scale) => {
        const w = new SeqWindow()
        const seen = new Set<number>()
        let cur = 0
        let max = -Infinity
        for (const st of steps) {
          cur += st * scale
          const expected = cur > max ? 'new' : cur <= max - SEQ_WINDOW ? 'too-old' : seen.has(cur) ? 'duplicate' : 'new'
          expect(w.add(cur)).toBe(expected)
          if (expected === 'new') seen.add(cur)
          max = Math.max(max, cur)
        }
        const sorted = [...seen].sort((a, b) => a - b)
        const min = sorted[0]!
        expect(w.min).toBe(min)
        expect(w.span).toBe(max - min + 1)
        expect(w.unique).toBe(seen.size)
        let longest = 0
        for (let i = 1; i < sorted.length; i++) longest = Math.max(longest, sorted[i]! - sorted[i - 1]! - 1)
        expect(w.longestGap()).toBe(longest)
      }),
      { numRuns: 300 },
    )
  })
})
