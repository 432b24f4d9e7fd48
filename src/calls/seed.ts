/**
 * Impairment seeds per test. A run has one base seed (`$RTCSPEC_SEED`, which `rtcspec run --seed N` sets, else
 * one drawn at random once per process); a call made by a test gets a seed derived from that base, the test's id
 * (`<file>::<full name>`) and the call's number within the test. So a test's seed does not depend on which shard,
 * worker or file order ran it, or on what other tests ran before it: `RTCSPEC_SEED=<base>` reproduces every call
 * of every test, whether the suite ran whole or split over `rtcspec run --shard i/N`.
 */
import { mulberry32Uint32 } from '../random.ts'

/** A call's seed and where it came from. */
export interface PickedSeed {
  /** The seed of the impairment PRNG. */
  seed: number
  /** The run's base seed it was derived from; absent when the seed was given explicitly or no test made the call. */
  base?: number
}

/** FNV-1a (32 bits) of the UTF-8 bytes of `text`. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5
  for (const byte of new TextEncoder().encode(text)) {
    h ^= byte
    h = Math.imul(h, 0x01000193) >>> 0
  }
  return h >>> 0
}

/**
 * The seed of the `ordinal`-th call (0-based) of the test `testId` in a run whose base seed is `base` (pure): the
 * same inputs always give the same seed, and different tests or ordinals give unrelated ones.
 */
export function deriveSeed(base: number, testId: string, ordinal = 0): number {
  return mulberry32Uint32((fnv1a(`${base >>> 0}\u0000${testId}\u0000${ordinal}`) ^ (base >>> 0)) >>> 0)()
}

let processBase: number | undefined

/** `$RTCSPEC_SEED` when it is a number. */
function envSeed(env: NodeJS.ProcessEnv = process.env): number | undefined {
  const s = env.RTCSPEC_SEED
  return s !== undefined && s !== '' && Number.isFinite(Number(s)) ? Number(s) >>> 0 : undefined
}

function randomSeed(): number {
  return Math.floor(Math.random() * 0x100000000)
}

/** The run's base seed: `$RTCSPEC_SEED` when it is a number, else one random seed for the life of this process. */
export function baseSeed(env: NodeJS.ProcessEnv = process.env): number {
  const s = envSeed(env)
  if (s !== undefined) return s
  processBase ??= randomSeed()
  return processBase
}

/** How many calls each test has made in this process, for the ordinal of the next one. */
const callsByTest = new Map<string, number>()

/**
 * The seed of a call: `explicit` when given; else, for a call a test makes, derived from the run's base seed and
 * the test's id ({@link deriveSeed}, the ordinal counting that test's calls in this process); else, outside a test,
 * `$RTCSPEC_SEED` itself, or a random seed per call.
 */
export function pickCallSeed(explicit: number | undefined, test?: { file?: string; name: string }): PickedSeed {
  if (explicit !== undefined) return { seed: explicit >>> 0 }
  if (test === undefined) return { seed: envSeed() ?? randomSeed() }
  const base = baseSeed()
  const id = `${test.file ?? ''}::${test.name}`
  const ordinal = callsByTest.get(id) ?? 0
  callsByTest.set(id, ordinal + 1)
  return { seed: deriveSeed(base, id, ordinal), base }
}

/** How a failure names a call's seed and the command that reproduces it. */
export function seedNote(picked: { seed?: number | undefined; baseSeed?: number | undefined }): string {
  if (picked.seed === undefined) return ''
  if (picked.baseSeed === undefined) return `${picked.seed} (re-run with RTCSPEC_SEED=${picked.seed})`
  return `${picked.seed} (derived from the run's seed ${picked.baseSeed} and the test's name; re-run with RTCSPEC_SEED=${picked.baseSeed})`
}
