/**
 * Seeded pseudo-random numbers, shared by every layer that needs reproducible randomness
 * (noise sources, the impairment relay, fuzzing). Not cryptographic.
 */

/**
 * The mulberry32 generator: uniform 32-bit unsigned integers, fully determined by the low 32 bits of `seed`
 * (period 2^32). The same seed always gives the same sequence.
 */
export function mulberry32Uint32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return (t ^ (t >>> 14)) >>> 0
  }
}

/** mulberry32 scaled to uniform numbers in [0, 1). */
export function mulberry32Unit(seed: number): () => number {
  const next = mulberry32Uint32(seed)
  return () => next() / 4294967296
}
