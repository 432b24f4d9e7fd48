import { describe, it, expect } from 'vitest'
import { fft, hannWindow, isPowerOfTwo, nextPowerOfTwo } from '../../src/media/fft.ts'
import { mulberry32 } from '../../src/media/sources.ts'

/** O(n²) DFT straight from the definition. */
function naiveDft(re: Float64Array, im: Float64Array): [Float64Array, Float64Array] {
  const n = re.length
  const outRe = new Float64Array(n)
  const outIm = new Float64Array(n)
  for (let k = 0; k < n; k++) {
    let sr = 0
    let si = 0
    for (let t = 0; t < n; t++) {
      const a = (-2 * Math.PI * k * t) / n
      sr += (re[t] as number) * Math.cos(a) - (im[t] as number) * Math.sin(a)
      si += (re[t] as number) * Math.sin(a) + (im[t] as number) * Math.cos(a)
    }
    outRe[k] = sr
    outIm[k] = si
  }
  return [outRe, outIm]
}

describe('fft', () => {
  it('matches the naive DFT for sizes 1 … 512 on random complex input (rel. error < 1e-12)', () => {
    const rand = mulberry32(99)
    for (let n = 1; n <= 512; n *= 2) {
      const re = Float64Array.from({ length: n }, () => rand() / 2 ** 31 - 1)
      const im = Float64Array.from({ length: n }, () => rand() / 2 ** 31 - 1)
      const [er, ei] = naiveDft(re, im)
      fft(re, im)
      let err = 0
      let mag = 0
      for (let k = 0; k < n; k++) {
        err = Math.max(err, Math.hypot((re[k] as number) - (er[k] as number), (im[k] as number) - (ei[k] as number)))
        mag = Math.max(mag, Math.hypot(er[k] as number, ei[k] as number))
      }
      expect(err / mag, `n = ${n}`).toBeLessThan(1e-12)
    }
  })

  it('puts a cosine of k cycles into bins k and n-k with magnitude n/2', () => {
    const n = 1024
    const re = Float64Array.from({ length: n }, (_, t) => Math.cos((2 * Math.PI * 37 * t) / n))
    const im = new Float64Array(n)
    fft(re, im)
    for (let k = 0; k < n; k++) {
      const m = Math.hypot(re[k] as number, im[k] as number)
      if (k === 37 || k === n - 37) expect(m).toBeCloseTo(n / 2, 6)
      else expect(m).toBeLessThan(1e-9)
    }
  })

  it('rejects non-power-of-two and mismatched lengths', () => {
    expect(() => fft(new Float64Array(12), new Float64Array(12))).toThrow(/power of two/)
    expect(() => fft(new Float64Array(8), new Float64Array(4))).toThrow(/im has 4/)
  })

  it('helpers', () => {
    expect([0, 1, 2, 3, 1000, 1024, 1025].map(nextPowerOfTwo)).toEqual([1, 1, 2, 4, 1024, 1024, 2048])
    expect([1, 2, 64, 0, 3, 96, 1.5].map(isPowerOfTwo)).toEqual([true, true, true, false, false, false, false])
    const w = hannWindow(5)
    expect(Array.from(w)).toEqual([0, 0.5, 1, 0.5, 0].map((v, i) => (i === 1 || i === 3 ? expect.closeTo(v, 12) : v)))
    expect(hannWindow(5)).toBe(w) // cached
  })
})
