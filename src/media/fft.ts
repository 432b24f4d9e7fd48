/**
 * A small in-place radix-2 complex FFT with cached twiddle factors and Hann windows.
 * Used by the spectral analysis; no allocation per call once a size has been seen.
 *
 * @module
 */

const twiddleCache = new Map<number, { cos: Float64Array; sin: Float64Array }>()
const hannCache = new Map<number, Float64Array>()

/** True when `n` is a power of two (1, 2, 4, …). */
export function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0
}

/** The smallest power of two ≥ `n` (1 for n ≤ 1). */
export function nextPowerOfTwo(n: number): number {
  let p = 1
  while (p < n) p *= 2
  return p
}

function twiddles(n: number): { cos: Float64Array; sin: Float64Array } {
  let t = twiddleCache.get(n)
  if (t === undefined) {
    const half = n >> 1
    const cos = new Float64Array(half)
    const sin = new Float64Array(half)
    for (let k = 0; k < half; k++) {
      cos[k] = Math.cos((2 * Math.PI * k) / n)
      sin[k] = Math.sin((2 * Math.PI * k) / n)
    }
    t = { cos, sin }
    twiddleCache.set(n, t)
  }
  return t
}

/**
 * In-place forward DFT, X[k] = Σ x[n]·e^(-2πi·kn/N), of the complex signal (`re`, `im`).
 * Both arrays must have the same power-of-two length.
 */
export function fft(re: Float64Array, im: Float64Array): void {
  const n = re.length
  if (im.length !== n) throw new RangeError(`fft: re has ${n} elements but im has ${im.length}`)
  if (!isPowerOfTwo(n)) throw new RangeError(`fft: length must be a power of two, got ${n}`)
  if (n === 1) return
  // bit-reversal permutation
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1
    for (; j & bit; bit >>= 1) j ^= bit
    j ^= bit
    if (i < j) {
      const tr = re[i] as number
      re[i] = re[j] as number
      re[j] = tr
      const ti = im[i] as number
      im[i] = im[j] as number
      im[j] = ti
    }
  }
  const { cos, sin } = twiddles(n)
  for (let size = 2; size <= n; size <<= 1) {
    const half = size >> 1
    const step = n / size
    for (let start = 0; start < n; start += size) {
      for (let k = 0; k < half; k++) {
        const wr = cos[k * step] as number
        const wi = -(sin[k * step] as number)
        const a = start + k
        const b = a + half
        const br = re[b] as number
        const bi = im[b] as number
        const xr = br * wr - bi * wi
        const xi = br * wi + bi * wr
        const ar = re[a] as number
        const ai = im[a] as number
        re[b] = ar - xr
        im[b] = ai - xi
        re[a] = ar + xr
        im[a] = ai + xi
      }
    }
  }
}

/** The symmetric Hann window of length `n`, w[i] = 0.5 − 0.5·cos(2πi/(n−1)); cached, do not modify. */
export function hannWindow(n: number): Float64Array {
  let w = hannCache.get(n)
  if (w === undefined) {
    w = new Float64Array(n)
    if (n === 1) w[0] = 1
    else for (let i = 0; i < n; i++) w[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (n - 1))
    if (hannCache.size > 32) hannCache.clear()
    hannCache.set(n, w)
  }
  return w
}
