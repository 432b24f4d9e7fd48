/**
 * Seeded pseudo-random numbers for the impairment relay.
 * mulberry32: 32-bit state, period 2^32, fast and good enough for impairment decisions (not cryptographic).
 */

/** A source of uniform numbers in [0, 1), deterministic for a given seed. */
export type Prng = () => number

/**
 * Creates a mulberry32 generator. The same `seed` always gives the same sequence.
 * @param seed any number; only its low 32 bits are used.
 */
export function mulberry32(seed: number): Prng {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
