/**
 * Seeded pseudo-random numbers for the impairment relay.
 * mulberry32: 32-bit state, period 2^32, fast and good enough for impairment decisions (not cryptographic).
 */

import { mulberry32Unit } from '../random.ts'

/** A source of uniform numbers in [0, 1), deterministic for a given seed. */
export type Prng = () => number

/**
 * Creates a mulberry32 generator. The same `seed` always gives the same sequence.
 * @param seed any number; only its low 32 bits are used.
 */
export function mulberry32(seed: number): Prng {
  return mulberry32Unit(seed)
}
