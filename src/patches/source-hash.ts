/**
 * The hash a patch guard compares: of a function's source text (`String(fn)`) or of a file's text.
 */
import { createHash } from 'node:crypto'

/** A short (16 hex digits) SHA-256 of `String(source)`: a function's source text, or a text as is. */
export function sourceHash(source: unknown): string {
  return createHash('sha256').update(String(source)).digest('hex').slice(0, 16)
}
