/**
 * The import graph of a source tree: every `import … from`, `import type … from`, `export … from`,
 * side-effect `import '…'` and dynamic `import('…')` with a relative specifier, resolved to a file.
 *
 * Pure text scanning (comments and string contents outside specifiers are ignored well enough for
 * this code base: specifiers are always single- or double-quoted literals).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, posix, relative, resolve, sep } from 'node:path'

/** One import edge: `from` (a path relative to the root) imports `to` on `line`. */
export interface ImportEdge {
  readonly from: string
  readonly to: string
  readonly line: number
  readonly typeOnly: boolean
  readonly specifier: string
}

/** A source file handed to the scanner: a path relative to the root (posix separators) and its text. */
export interface SourceFile {
  readonly path: string
  readonly text: string
}

/** Lists every `.ts` file under `root` (recursively), as paths relative to `root` with posix separators. */
export function listSourceFiles(root: string): SourceFile[] {
  const out: SourceFile[] = []
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const full = join(dir, name)
      if (statSync(full).isDirectory()) walk(full)
      else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) {
        out.push({ path: relative(root, full).split(sep).join('/'), text: readFileSync(full, 'utf8') })
      }
    }
  }
  walk(resolve(root))
  return out
}

const STATIC = /(^|[\s;}])(import|export)\s+(type\s+)?([^'";]*?\bfrom\s*)?['"]([^'"]+)['"]/g
const DYNAMIC = /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g

/** Blanks out comments (keeping newlines so line numbers hold). */
function stripComments(text: string): string {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, (m) => m.replace(/[^\n]/g, ' '))
    .replace(/(^|[^:'"`\\])\/\/[^\n]*/g, (m, lead: string) => lead + ' '.repeat(m.length - lead.length))
}

function lineOf(text: string, index: number): number {
  let line = 1
  for (let i = 0; i < index; i++) if (text.charCodeAt(i) === 10) line++
  return line
}

/** Resolves a relative specifier against the importing file; returns undefined for packages. */
function resolveSpecifier(from: string, spec: string): string | undefined {
  if (!spec.startsWith('.')) return undefined
  return posix.normalize(posix.join(posix.dirname(from), spec))
}

/** Every relative import edge in `files`. */
export function importEdges(files: readonly SourceFile[]): ImportEdge[] {
  const edges: ImportEdge[] = []
  for (const file of files) {
    const text = stripComments(file.text)
    for (const m of text.matchAll(STATIC)) {
      const spec = m[5] as string
      const to = resolveSpecifier(file.path, spec)
      if (to === undefined) continue
      // `import { type A, type B } from` is type-only too.
      const clause = m[4] ?? ''
      const typeOnly =
        m[3] !== undefined ||
        (/^\{[^}]*\}\s*from\s*$/.test(`${clause.trim()} `) &&
          clause
            .replace(/[{}]|\bfrom\b/g, '')
            .split(',')
            .map((s) => s.trim())
            .filter((s) => s.length > 0)
            .every((s) => s.startsWith('type ')))
      edges.push({ from: file.path, to, line: lineOf(text, (m.index ?? 0) + (m[1]?.length ?? 0)), typeOnly, specifier: spec })
    }
    for (const m of text.matchAll(DYNAMIC)) {
      const spec = m[1] as string
      const to = resolveSpecifier(file.path, spec)
      if (to === undefined) continue
      edges.push({ from: file.path, to, line: lineOf(text, m.index ?? 0), typeOnly: false, specifier: spec })
    }
  }
  return edges
}

/**
 * The layer unit a file belongs to: its first folder under the root (`calls/open.ts` → `calls`), or the
 * file itself without extension for top-level files (`errors.ts` → `errors`).
 */
export function unitOf(path: string): string {
  const slash = path.indexOf('/')
  return slash < 0 ? path.replace(/\.ts$/, '') : path.slice(0, slash)
}

/** Strongly connected components with more than one node (or a self-loop) in a directed graph. */
export function cycles(nodes: Iterable<string>, next: (node: string) => Iterable<string>): string[][] {
  const index = new Map<string, number>()
  const low = new Map<string, number>()
  const onStack = new Set<string>()
  const stack: string[] = []
  const found: string[][] = []
  let counter = 0
  const strong = (v: string): void => {
    index.set(v, counter)
    low.set(v, counter)
    counter++
    stack.push(v)
    onStack.add(v)
    for (const w of next(v)) {
      if (!index.has(w)) {
        strong(w)
        low.set(v, Math.min(low.get(v) as number, low.get(w) as number))
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v) as number, index.get(w) as number))
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = []
      let w: string
      do {
        w = stack.pop() as string
        onStack.delete(w)
        component.push(w)
      } while (w !== v)
      if (component.length > 1 || [...next(v)].includes(v)) found.push(component.sort())
    }
  }
  for (const v of nodes) if (!index.has(v)) strong(v)
  return found
}
