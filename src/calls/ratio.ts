/**
 * Ratios as users write them: a fraction `0.05` or a percentage string `'5%'`. A bare number above 1 is refused
 * (never read as a percentage), with the fraction it most likely meant.
 */
import { z } from 'zod'
import { RtcspecError } from '../errors.ts'

/** A ratio: a fraction between 0 and 1 (`0.05`), or a percentage string (`'5%'`, `'0.5 %'`). */
export type Ratio = number | `${number}%`

const PERCENT = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/

/** Why `value` is not a ratio, in words naming the fix; undefined when it is one. */
function ratioProblem(value: unknown): string | undefined {
  if (typeof value === 'string') {
    const m = PERCENT.exec(value)
    if (!m) return `${JSON.stringify(value)} is not a ratio: write a fraction such as 0.05 or a percentage such as '5%'`
    const pct = Number(m[1])
    return pct > 100 ? `${JSON.stringify(value)} is more than 100 %` : undefined
  }
  if (typeof value !== 'number') return `expected a ratio (a number between 0 and 1, or '5%'), got ${value === null ? 'null' : typeof value}`
  if (Number.isNaN(value)) return "NaN is not a ratio: write a fraction such as 0.05 or a percentage such as '5%'"
  if (value < 0) return `a ratio is between 0 and 1, got ${value} (negative)`
  if (value > 1) {
    return value <= 100
      ? `a ratio is between 0 and 1 — did you mean ${+(value / 100).toPrecision(6)} (${value} %)? write ${+(value / 100).toPrecision(6)} or '${value}%'`
      : `a ratio is between 0 and 1, got ${value}`
  }
  return undefined
}

/** Parses a ratio to a fraction in 0 … 1, or throws `BAD_RATIO` naming `where` (e.g. `toHaveLossBelow(5)`) and the fix. */
export function toRatio(value: Ratio | unknown, where: string): number {
  const problem = ratioProblem(value)
  if (problem) throw new RtcspecError('BAD_RATIO', `${where}: ${problem}`)
  return typeof value === 'string' ? Number(PERCENT.exec(value)?.[1]) / 100 : (value as number)
}

/** zod schema of a {@link Ratio}; parses to a fraction in 0 … 1. */
export const RatioSchema = z
  .union([z.number(), z.string()], { error: (issue) => ratioProblem(issue.input) ?? 'not a ratio' })
  .superRefine((v, ctx) => {
    const problem = ratioProblem(v)
    if (problem) ctx.addIssue({ code: 'custom', message: problem })
  })
  .transform((v) => (typeof v === 'string' ? Number(PERCENT.exec(v)?.[1]) / 100 : v))

/** Formats a fraction as a percentage for messages: `5.00 %`. */
export function formatRatio(fraction: number): string {
  return `${(fraction * 100).toFixed(2)} %`
}
