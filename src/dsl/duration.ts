/** Durations as users write them: `'3s'`, `'500ms'`, `'1.5s'`, `'2m'`, or a number of milliseconds. */
import { z } from 'zod'
import { RtcspecError } from '../errors.ts'

/** A duration: a number of milliseconds or a string such as `'3s'`, `'250ms'`, `'1m'`. */
export type Duration = number | `${number}ms` | `${number}s` | `${number}m`

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000 }
const PATTERN = /^(\d+(?:\.\d+)?)\s*(ms|s|m)$/

/** Parses a duration to milliseconds, or throws a clear error saying what forms are accepted. */
export function toMs(d: Duration | string): number {
  if (typeof d === 'number') {
    if (Number.isFinite(d) && d >= 0) return d
  } else {
    const m = PATTERN.exec(d.trim())
    if (m) return Number(m[1]) * (UNIT_MS[m[2] ?? 'ms'] ?? 1)
  }
  throw new RtcspecError('BAD_DURATION', `invalid duration ${JSON.stringify(d)}`, { hint: "write a number of milliseconds or a string like '500ms', '3s', '1.5s', '2m'" })
}

/** zod schema for a duration; parses to milliseconds. */
export const DurationSchema = z
  .union([z.number().nonnegative(), z.string().regex(PATTERN, "a duration like '500ms', '3s' or '2m'")])
  .transform((d) => toMs(d as Duration))
