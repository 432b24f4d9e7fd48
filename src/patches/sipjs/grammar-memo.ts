/**
 * A memo for sip.js 0.21's `Grammar.parse`. sip.js parses every header of every message it receives with its
 * PEG grammar (≈ 3–9 µs per header once `sip.js/grammar-bytecode` compiled it, ≈ 50 µs before; a remembered
 * result costs ≈ 0.5 µs), and most header values repeat within a dialog and between dialogs: the From, To, Call-ID and Contact of each
 * response of a call, the CSeq, Content-Length and status lines, the URIs a user agent makes. This remembers
 * the result of each `(startRule, input)` pair (bounded) and hands every caller a fresh deep copy of it (same
 * classes, same values), so a caller that changes what it got (sip.js sets parameters on parsed headers)
 * changes nothing the next caller sees.
 *
 * The grammar is pure: its result depends on the input and the start rule only. A result holding anything
 * the copy cannot reproduce exactly (accessors, non-enumerable or symbol keys, classes other than sip.js's
 * URI and NameAddrHeader, plain objects and arrays) is returned as is and not remembered.
 *
 * Declared in the patch registry (src/patches) as `sip.js/grammar-memo`: applied only when sip.js's
 * `Grammar.parse` is exactly the one it was written for; it wraps the parser `sip.js/grammar-bytecode`
 * installs (installed first) or, when that one is unsupported, sip.js's own.
 */
import { Grammar, NameAddrHeader, URI } from 'sip.js'
import { installPatchAsync } from '../install.ts'
import type { PatchDefinition } from '../types.ts'
import { WRITTEN_FOR } from '../versions.ts'
import { sipjsGrammarPatch } from './grammar-bytecode.ts'

type Parse = (input: string, startRule: string) => unknown

/** Most results remembered per start rule (the oldest are forgotten first). */
export const GRAMMAR_MEMO_MAX = 2048
/** Longest input remembered (longer ones are parsed every time). */
export const GRAMMAR_MEMO_MAX_INPUT = 1024
/** Deepest nesting copied (sip.js's results are 4 levels deep at most). */
const MAX_DEPTH = 8

const CLASSES: ReadonlySet<object | null> = new Set([Object.prototype, Array.prototype, URI.prototype, NameAddrHeader.prototype, null])

/** Whether `value` is a tree {@link copy} reproduces exactly: primitives, arrays and objects of known classes with plain data properties. */
function copyable(value: unknown, depth = 0): boolean {
  if (value === null || typeof value !== 'object') return typeof value !== 'function' && typeof value !== 'symbol'
  if (depth > MAX_DEPTH || !CLASSES.has(Object.getPrototypeOf(value) as object | null)) return false
  const keys = Reflect.ownKeys(value)
  const isArray = Array.isArray(value)
  for (const key of keys) {
    if (typeof key === 'symbol') return false
    if (isArray && key === 'length') continue
    const d = Object.getOwnPropertyDescriptor(value, key)!
    if (!('value' in d) || !d.enumerable || !d.writable || !d.configurable) return false
    if (!copyable(d.value, depth + 1)) return false
  }
  return true
}

/** A deep copy of a {@link copyable} tree: same prototypes, same own properties in the same order. */
function copy<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value
  if (Array.isArray(value)) return value.map(copy) as T
  const out = Object.create(Object.getPrototypeOf(value) as object | null) as Record<string, unknown>
  for (const key of Object.keys(value)) out[key] = copy((value as Record<string, unknown>)[key])
  return out as T
}

/**
 * `parse` with a bounded memo of its results (at most `max` per start rule, the oldest forgotten first), each
 * caller getting its own copy. Keyed by rule, then by input: no key string is built per parse.
 */
export function memoizeGrammar(parse: Parse, max = GRAMMAR_MEMO_MAX): Parse {
  const byRule = new Map<string, Map<string, unknown>>()
  return (input: string, startRule: string): unknown => {
    if (typeof input !== 'string' || input.length > GRAMMAR_MEMO_MAX_INPUT) return parse(input, startRule)
    let memo = byRule.get(startRule)
    if (memo === undefined) byRule.set(startRule, (memo = new Map()))
    const known = memo.get(input)
    if (known !== undefined || memo.has(input)) return copy(known)
    const result = parse(input, startRule)
    if (!copyable(result)) return result
    if (memo.size >= max) memo.delete(memo.keys().next().value!)
    memo.set(input, copy(result))
    return result
  }
}

/** The grammar memo, as the patch registry lists it. */
export const sipjsGrammarMemoPatch: PatchDefinition<Promise<void>> = {
  id: 'sip.js/grammar-memo',
  package: 'sip.js',
  version: WRITTEN_FOR['sip.js'],
  fixes: 'every header of every received message is parsed again by the PEG grammar, though most values repeat within a dialog (≈ 0.6 ms of CPU per call)',
  targets: [{ name: 'Grammar.parse', hash: 'b3b9a1a1626e2489', source: () => Grammar.parse }],
  async apply() {
    // Wrap the hoisted parser when it installs; wrapping first would be undone when it replaces Grammar.parse.
    await installPatchAsync(sipjsGrammarPatch)
    const g = Grammar as { parse: Parse }
    g.parse = memoizeGrammar(g.parse)
  },
}
