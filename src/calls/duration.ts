/**
 * Durations as users write them: `'3s'`, `'500ms'`, `'1.5s'`, `'2m'`, or a number of milliseconds.
 *
 * One rule everywhere (matchers, fixtures, scenario specs, network schedules, `rtcspec load` flags): a string
 * carries its unit, and a bare number is milliseconds. On the command line a bare number is refused (`--duration
 * 30` could mean seconds or milliseconds): write `30s` or `30000ms`. See docs/durations-and-ratios.md.
 */
import { z } from 'zod'
import { RtcspecError } from '../errors.ts'

/** A duration: a number of milliseconds or a string such as `'3s'`, `'250ms'`, `'1m'`. */
export type Duration = number | `${number}ms` | `${number}s` | `${number}m`

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000 }
const PATTERN = /^(\d+(?:\.\d+)?)\s*(ms|s|m)$/
const BARE = /^\s*\d+(?:\.\d+)?\s*$/

const FORMS = "write a number of milliseconds or a string like '500ms', '3s', '1.5s', '2m'"

/** Why `d` is not a duration, in words; undefined when it is one. */
function durationProblem(d: unknown): string | undefined {
  if (typeof d === 'number') {
    if (Number.isNaN(d)) return 'invalid duration NaN'
    if (!Number.isFinite(d)) return `invalid duration ${d}`
    if (d < 0) return `invalid duration ${d}: a duration is not negative`
    return undefined
  }
  if (typeof d === 'string') {
    if (PATTERN.test(d.trim())) return undefined
    if (BARE.test(d)) return `invalid duration ${JSON.stringify(d)}: no unit (${d.trim()} what? write '${d.trim()}ms' or '${d.trim()}s')`
    return `invalid duration ${JSON.stringify(d)}`
  }
  return `invalid duration: expected milliseconds or a string like '3s', got ${d === null ? 'null' : typeof d}`
}

/** Parses a duration to milliseconds, or throws a clear error saying what forms are accepted. */
export function toMs(d: Duration | string): number {
  const problem = durationProblem(d)
  if (problem) throw new RtcspecError('BAD_DURATION', problem, { hint: FORMS })
  if (typeof d === 'number') return d
  const m = PATTERN.exec(d.trim()) as RegExpExecArray
  return Number(m[1]) * (UNIT_MS[m[2] ?? 'ms'] ?? 1)
}

/** Like {@link toMs}, naming where the duration was given (`toReceiveRtp: within`) in the error. */
export function durationArg(d: unknown, where: string): number {
  const problem = durationProblem(d)
  if (problem) throw new RtcspecError('BAD_DURATION', `${where}: ${problem}`, { hint: FORMS })
  return toMs(d as Duration)
}

/** zod schema for a duration; parses to milliseconds. */
export const DurationSchema = z
  .union([z.number(), z.string()], { error: (issue) => `${durationProblem(issue.input) ?? 'invalid duration'}; ${FORMS}` })
  .superRefine((d, ctx) => {
    const problem = durationProblem(d)
    if (problem) ctx.addIssue({ code: 'custom', message: `${problem}; ${FORMS}` })
  })
  .transform((d) => toMs(d as Duration))
