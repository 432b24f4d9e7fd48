/**
 * Run-time checking of the option objects users hand to rtcspec's public functions. Every options object is a
 * strict zod schema (an unknown key is an error, never silently ignored), and the error names each problem with
 * its path; an unknown key gets a did-you-mean from the keys the schema knows at that place:
 *
 * ```text
 * invalid b2b options:
 *   - unknown option "codce" (did you mean "codec"?)
 *   - a.trickle: expected boolean, received string
 * ```
 */
import type { z } from 'zod'
import { RtcspecError } from './errors.ts'

/** Levenshtein distance between two strings (insertions, deletions, substitutions; a swap of neighbours counts 1). */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0
  const m = a.length
  const n = b.length
  if (m === 0) return n
  if (n === 0) return m
  // Optimal string alignment (Damerau–Levenshtein restricted): "codce" → "codec" is one transposition.
  const d: number[][] = Array.from({ length: m + 1 }, (_, i) => Array.from({ length: n + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)))
  for (let i = 1; i <= m; i++) {
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      const row = d[i] as number[]
      const prev = d[i - 1] as number[]
      let v = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, ((d[i - 2] as number[])[j - 2] as number) + 1)
      row[j] = v
    }
  }
  return (d[m] as number[])[n] as number
}

/**
 * The candidate closest to `word` (case-insensitive edit distance, also against each candidate without a unit
 * suffix such as `Ms` or `Dbfs`), when it is close enough to be a likely typo: at most a third of the word's length
 * (at least 1, at most 3 edits).
 */
export function didYouMean(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined
  let bestD = Number.POSITIVE_INFINITY
  const w = word.toLowerCase()
  for (const c of candidates) {
    // A key without its unit suffix counts too: "ptime" → "ptimeMs", "treshold" → "thresholdDbfs".
    const bare = c.replace(/(Ms|S|Hz|Dbfs|Db)$/, '').toLowerCase()
    const dist = Math.min(editDistance(w, c.toLowerCase()), bare.length >= 3 ? editDistance(w, bare) : Number.POSITIVE_INFINITY)
    if (dist < bestD) {
      bestD = dist
      best = c
    }
  }
  const limit = Math.min(3, Math.max(1, Math.floor(word.length / 3)))
  return best !== undefined && bestD <= limit ? best : undefined
}

/** zod 4 internals we walk to find the keys a schema knows at a path. */
interface Def {
  type?: string
  shape?: Record<string, z.ZodType>
  innerType?: z.ZodType
  in?: z.ZodType
  out?: z.ZodType
  options?: z.ZodType[]
  element?: z.ZodType
  valueType?: z.ZodType
  left?: z.ZodType
  right?: z.ZodType
  getter?: () => z.ZodType
}

function defOf(s: z.ZodType): Def {
  return ((s as unknown as { _zod?: { def?: Def } })._zod?.def ?? {}) as Def
}

/** The object schemas `schema` may be at `path` (unwrapping optional, default, pipe, union, array...). */
function objectsAt(schema: z.ZodType, path: ReadonlyArray<PropertyKey>, depth = 0): Def[] {
  if (depth > 40) return []
  const def = defOf(schema)
  const next = (s: z.ZodType | undefined, p = path) => (s ? objectsAt(s, p, depth + 1) : [])
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'catch':
    case 'nonoptional':
      return next(def.innerType)
    case 'pipe':
      return [...next(def.in), ...(defOf(def.in as z.ZodType).type === 'transform' ? next(def.out) : [])]
    case 'lazy':
      return next(def.getter?.())
    case 'union':
      return (def.options ?? []).flatMap((o) => next(o))
    case 'intersection':
      return [...next(def.left), ...next(def.right)]
    default:
      break
  }
  if (path.length === 0) return def.type === 'object' ? [def] : []
  const [head, ...rest] = path
  if (def.type === 'object') return next(def.shape?.[String(head)], rest)
  if (def.type === 'array' || def.type === 'tuple') return next(def.element, rest)
  if (def.type === 'record') return next(def.valueType, rest)
  return []
}

/** The keys `schema` accepts at `path` (the union of every object schema that may be there). */
export function knownKeysAt(schema: z.ZodType, path: ReadonlyArray<PropertyKey>): string[] {
  return [...new Set(objectsAt(schema, path).flatMap((d) => Object.keys(d.shape ?? {})))]
}

/** A path as written in code: `users[0].username`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('')
}

/** One line for an unknown key: `unknown option "codce" (did you mean "codec"?)`, with its path when nested. */
export function unknownKeyMessage(key: string, path: ReadonlyArray<PropertyKey>, known: readonly string[]): string {
  const where = path.length ? `${formatPath(path)}: ` : ''
  const guess = didYouMean(key, known)
  const hint = guess ? ` (did you mean "${guess}"?)` : known.length ? ` (known: ${known.join(', ')})` : ''
  return `${where}unknown option "${key}"${hint}`
}

/**
 * Each issue of a zod error as one line, with its path. An `unrecognized_keys` issue becomes one
 * `unknown option "x" (did you mean "y"?)` line per key, using the keys `schema` knows at that path.
 */
export function describeIssues(error: z.ZodError, schema?: z.ZodType): string[] {
  const lines: string[] = []
  const walk = (issues: ReadonlyArray<z.core.$ZodIssue>, prefix: ReadonlyArray<PropertyKey>) => {
    for (const issue of issues) {
      const path = [...prefix, ...issue.path]
      if (issue.code === 'unrecognized_keys') {
        const known = schema ? knownKeysAt(schema, path) : []
        for (const key of issue.keys) lines.push(unknownKeyMessage(key, path, known))
        continue
      }
      // A value no union branch accepts: an unknown key inside the branch that was meant says more than "invalid input".
      if (issue.code === 'invalid_union' && issue.errors.length) {
        const strict = issue.errors.find((branch) => branch.length > 0 && branch.every((i) => i.code === 'unrecognized_keys'))
        if (strict) {
          walk(strict, path)
          continue
        }
      }
      lines.push(`${path.length ? `${formatPath(path)}: ` : ''}${issue.message}`)
    }
  }
  walk(error.issues, [])
  return [...new Set(lines)]
}

/** Only the unknown-key lines of {@link describeIssues} (to add a did-you-mean to another error format). */
export function unknownKeyLines(error: z.ZodError, schema: z.ZodType): string[] {
  return describeIssues(error, schema).filter((l) => /unknown option "/.test(l))
}

/** What {@link parseOptions} says when the options are invalid. */
export interface OptionsContext {
  /** Error code, e.g. `B2B_OPTIONS`. Default `INVALID_OPTIONS`. */
  code?: string
  /** What the options are of, for the message: `b2b options`, `werift peer options`. */
  what: string
  /** How to fix it (where the options are documented). */
  hint?: string
}

/**
 * Validates `value` against a strict schema and returns the parsed value, or throws `RtcspecError` listing every
 * problem (one line each, unknown keys with a did-you-mean).
 */
export function parseOptions<S extends z.ZodType>(schema: S, value: unknown, context: OptionsContext): z.output<S> {
  const r = schema.safeParse(value === undefined ? {} : value)
  if (r.success) return r.data
  const lines = describeIssues(r.error, schema)
  throw new RtcspecError(
    context.code ?? 'INVALID_OPTIONS',
    `invalid ${context.what}:\n${lines.map((l) => `  - ${l}`).join('\n')}`,
    context.hint ? { hint: context.hint } : {},
  )
}
