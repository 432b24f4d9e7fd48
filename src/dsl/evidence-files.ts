/**
 * What the audio and video evidence writers share: a file base name unique to the failed assertion, measured values
 * made JSON-safe, and the test context's `annotate` that attaches a file to the test.
 */

/** A Vitest test context that may attach files to its test. */
export interface Annotatable {
  annotate?: (message: string, attachment?: { path?: string; contentType?: string }) => Promise<unknown>
}

let counter = 0

function slug(s: string): string {
  return (
    s
      .replace(/[^A-Za-z0-9._-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 80) || 'test'
  )
}

/** `<test name>-<matcher>-<pid>-<n>`, file-name safe: unique across the assertions and worker processes of a run. */
export function evidenceBaseName(testName: string, matcher: string): string {
  return `${slug(testName)}-${matcher}-${process.pid}-${++counter}`
}

/** A copy of `v` that JSON keeps whole: non-finite numbers become their names (`NaN`, `Infinity`). */
export function jsonSafe(v: unknown): unknown {
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v)
  if (Array.isArray(v)) return v.map(jsonSafe)
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, jsonSafe(x)]))
  return v
}
