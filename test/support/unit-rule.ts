/**
 * The rule of the `unit` project (vitest.projects.ts): a file there must not reach, through any chain of imports,
 * a module that opens sockets, starts processes or threads, or runs a peer stack, and must not do what would leak
 * into the next file of a shared worker. {@link unitRuleProblems} walks the imports a file really loads — static
 * value imports and `import('literal')`, relative ones and `rtcspec`/`rtcspec/*` (package.json's `rtcspec-source`
 * condition) — and names the chain to each problem. Type-only imports are erased at run time and not followed.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join, posix } from 'node:path'

/** What a file of the unit project must not reach or do (vitest.projects.ts holds the project's values). */
export interface UnitRule {
  /** Node built-ins (without `node:`) and packages (with their subpaths) that must not be loaded. */
  readonly forbiddenModules: readonly string[]
  /** Path prefixes (relative to the root, posix) of source files that must not be loaded. */
  readonly forbiddenSources: readonly string[]
  /** Patterns that must not occur in a test file or test helper (files under test/) that is loaded. */
  readonly forbiddenCalls: ReadonlyArray<{ readonly pattern: RegExp; readonly what: string }>
}

const STATIC = /(^|[\s;}])(import|export)\s+(type\s+)?([^'";]*?\bfrom\s*)?['"]([^'"]+)['"]/g
const DYNAMIC = /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g

/** Blanks out comments, keeping string contents (specifiers) and newlines. */
function stripComments(text: string): string {
  return text
    .replace(/\/\*[\s\S]*?\*\//g, (m) => m.replace(/[^\n]/g, ' '))
    .replace(/(^|[^:'"`\\])\/\/[^\n]*/g, (m, lead: string) => lead + ' '.repeat(m.length - lead.length))
}

/** Whether an `import … from` clause imports types only (`import type …`, or `{ type A, type B }`). */
function typeOnly(typeKeyword: string | undefined, clause: string): boolean {
  if (typeKeyword !== undefined) return true
  const c = clause.replace(/\bfrom\s*$/, '').trim()
  if (!/^\{[^}]*\}$/.test(c)) return false
  const names = c
    .slice(1, -1)
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
  return names.length > 0 && names.every((s) => s.startsWith('type '))
}

/** The specifiers a file loads at run time (static value imports, re-exports, side-effect imports, literal import()). */
export function loadedSpecifiers(text: string): string[] {
  const code = stripComments(text)
  const out: string[] = []
  for (const m of code.matchAll(STATIC)) if (!typeOnly(m[3], m[4] ?? '')) out.push(m[5] as string)
  for (const m of code.matchAll(DYNAMIC)) out.push(m[1] as string)
  return out
}

type Target = { kind: 'file'; path: string } | { kind: 'module'; name: string } | { kind: 'none' }

function readExports(root: string): Record<string, unknown> {
  const pkg = join(root, 'package.json')
  if (!existsSync(pkg)) return {}
  return ((JSON.parse(readFileSync(pkg, 'utf8')) as { exports?: Record<string, unknown> }).exports ?? {}) as Record<string, unknown>
}

/** Resolves `spec` imported by `from` (a root-relative posix path) to a file of the tree or a module name. */
function resolve(root: string, exports: Record<string, unknown>, from: string, spec: string): Target {
  if (spec.startsWith('.')) {
    const base = posix.normalize(posix.join(posix.dirname(from), spec))
    for (const candidate of [base, `${base}.ts`, `${base}/index.ts`])
      if (candidate.endsWith('.ts') && existsSync(join(root, candidate))) return { kind: 'file', path: candidate }
    return { kind: 'none' } // JSON and other data files
  }
  if (spec === 'rtcspec' || spec.startsWith('rtcspec/')) {
    const target = exports[spec === 'rtcspec' ? '.' : `./${spec.slice('rtcspec/'.length)}`]
    const source = typeof target === 'object' && target !== null ? (target as Record<string, unknown>)['rtcspec-source'] : undefined
    if (typeof source === 'string') return { kind: 'file', path: posix.normalize(source) }
  }
  return { kind: 'module', name: spec.startsWith('node:') ? spec.slice('node:'.length) : spec }
}

function forbiddenModule(name: string, rule: UnitRule): boolean {
  return rule.forbiddenModules.some((m) => name === m || name.startsWith(`${m}/`))
}

/**
 * Every violation of `rule` by the test file `file` (relative to `root`), each as one line with the import chain,
 * e.g. `test/x.test.ts → test/helper.ts → node:dgram: loads dgram`. Empty when the file keeps the rule.
 */
export function unitRuleProblems(root: string, file: string, rule: UnitRule): string[] {
  const exports = readExports(root)
  const parent = new Map<string, string | undefined>([[file, undefined]])
  const chain = (path: string): string[] => {
    const out: string[] = []
    for (let p: string | undefined = path; p !== undefined; p = parent.get(p)) out.unshift(p)
    return out
  }
  const problems: string[] = []
  const queue = [file]
  for (let i = 0; i < queue.length; i++) {
    const path = queue[i] as string
    const source = rule.forbiddenSources.find((prefix) => path.startsWith(prefix))
    if (source !== undefined) {
      problems.push(`${chain(path).join(' → ')}: loads ${source}`)
      continue
    }
    const text = readFileSync(join(root, path), 'utf8')
    if (path.startsWith('test/')) {
      const code = stripComments(text)
      for (const c of rule.forbiddenCalls) if (c.pattern.test(code)) problems.push(`${chain(path).join(' → ')}: ${c.what}`)
    }
    for (const spec of loadedSpecifiers(text)) {
      const t = resolve(root, exports, path, spec)
      if (t.kind === 'module' && forbiddenModule(t.name, rule)) problems.push(`${[...chain(path), spec].join(' → ')}: loads ${t.name}`)
      if (t.kind === 'file' && !parent.has(t.path)) {
        parent.set(t.path, path)
        queue.push(t.path)
      }
    }
  }
  return problems
}
