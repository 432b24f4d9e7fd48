import { describe, it, expect } from 'vitest'
import { resample } from '../../src/media/resample.ts'

function sine(hz: number, rate: number, n: number, amp: number): Int16Array {
  return Int16Array.from({ length: n }, (_, i) => Math.round(amp * Math.sin((2 * Math.PI * hz * i) / rate)))
}

/** Power of (a - b) relative to the power of b, in dB, ignoring `skip` samples at each end. */
function errorDb(a: Int16Array, b: Int16Array, skip: number): number {
  let e = 0
  let s = 0
  for (let i = skip; i < b.length - skip; i++) {
    const d = (a[i] as number) - (b[i] as number)
    e += d * d
    s += (b[i] as number) ** 2
  }
  return e === 0 ? Number.NEGATIVE_INFINITY : 10 * Math.log10(e / s)
}

function rms(x: Int16Array, skip: number): number {
  let s = 0
  for (let i = skip; i < x.length - skip; i++) s += (x[i] as number) ** 2
  return Math.sqrt(s / (x.length - 2 * skip))
}

const PAIRS: [number, number][] = [
  [48000, 8000],
  [44100, 8000],
  [22050, 8000],
  [16000, 8000],
  [8000, 16000],
  [8000, 48000],
  [44100, 48000],
]

describe('resample (Kaiser-windowed sinc)', () => {
  for (const [from, to] of PAIRS) {
    it(`${from} → ${to} Hz: passband tones match the ideal tone at the new rate (< -80 dB error, < 0.01 dB level)`, () => {
      const nyq = Math.min(from, to) / 2
      for (const hz of [100, 1000, 0.8 * nyq]) {
        const y = resample(sine(hz, from, from / 2, 16000), from, to) // 0.5 s at -6 dBFS
        expect(y.length).toBe(to / 2)
        const ideal = sine(hz, to, to / 2, 16000)
        const skip = Math.ceil(to / Math.min(from, to)) * 40 // edge transient: ~32 samples of the lower rate
        expect(errorDb(y, ideal, skip), `${hz} Hz`).toBeLessThan(-80)
        expect(Math.abs(20 * Math.log10(rms(y, skip) / rms(ideal, skip))), `${hz} Hz level`).toBeLessThan(0.01)
      }
    })
  }

  for (const [from, to] of PAIRS.filter(([f, t]) => f > t)) {
    it(`${from} → ${to} Hz: tones above the new Nyquist are rejected by > 85 dB (no aliasing)`, () => {
      for (const hz of [0.53 * to, 0.6 * to, 0.9 * to].filter((f) => f < from / 2)) {
        const y = resample(sine(hz, from, from / 2, 16000), from, to)
        const levelDb = 20 * Math.log10(rms(y, 100) / (16000 / Math.SQRT2))
        expect(levelDb, `${hz} Hz`).toBeLessThan(-85)
      }
    })
  }

  it('co-prime rates (no polyphase table) are as accurate', () => {
    const y = resample(sine(1000, 48000, 4800, 16000), 48000, 44099)
    expect(y.length).toBe(Math.round((4800 * 44099) / 48000))
    expect(errorDb(y, sine(1000, 44099, y.length, 16000), 100)).toBeLessThan(-80)
  })

  it('keeps DC, clamps to Int16, copies on equal rates, and rejects bad rates', () => {
    const dc = resample(new Int16Array(4000).fill(1000), 8000, 48000)
    for (let i = 300; i < dc.length - 300; i++) expect(dc[i]).toBe(1000)
    const square = Int16Array.from({ length: 800 }, (_, i) => (i % 40 < 20 ? 32767 : -32768))
    const up = resample(square, 8000, 48000) // Gibbs overshoot would exceed Int16 without clamping
    expect(Math.max(...up)).toBe(32767)
    expect(Math.min(...up)).toBe(-32768)
    const x = Int16Array.from([1, 2, 3])
    const same = resample(x, 8000, 8000)
    expect(same).toEqual(x)
    expect(same).not.toBe(x)
    expect(() => resample(x, 0, 8000)).toThrow(/fromRate/)
    expect(() => resample(x, 8000, 44100.5)).toThrow(/toRate/)
    expect(resample(new Int16Array(0), 44100, 8000).length).toBe(0)
  })
})
