/**
 * A speed-up for sip.js 0.21's SIP grammar. Its generated PEG parser builds all its tables on each call to
 * `parse`: it decodes the bytecode of every rule (about 240 strings) and creates the constant table (about 800
 * values: literals, expectation objects, 130 regular expressions, 100 semantic actions as closures) and its
 * helper functions, and sip.js parses every header separately, so header parsing dominated the CPU of a call
 * (~50 ms per call on the development machine when the bytecode was decoded per parse). This loads the same
 * grammar module text with all of that moved to module scope (built once) and the per-parse state made module
 * variables that each call resets, and points sip.js's `Grammar.parse` at it. The grammar and its actions are
 * unchanged; a self-check compares both parsers on sample input and keeps the original when anything differs
 * or the file does not have the expected shape.
 *
 * Declared in the patch registry (src/patches) as `sip.js/grammar-bytecode`: applied only when sip.js's
 * `Grammar.parse` and its grammar module's text are exactly the ones it was written for.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { isDeepStrictEqual } from 'node:util'
import { Grammar } from 'sip.js'
import { RtcspecError } from '../../errors.ts'
import { installPatchAsync } from '../install.ts'
import type { PatchDefinition } from '../types.ts'
import { WRITTEN_FOR } from '../versions.ts'
import { compileGrammarBytecode } from './grammar-compile.ts'

type ParseFn = (input: string, options: { startRule: string; data?: unknown }) => void

const SAMPLES: Array<[string, string]> = [
  ['INVITE sip:bob@example.test SIP/2.0', 'Request_Response'],
  ['SIP/2.0 200 OK', 'Request_Response'],
  ['SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK776asdhds;rport', 'Via'],
  ['"Alice" <sip:alice@example.test;transport=ws>;tag=1928301774', 'From'],
  ['<sip:a@127.0.0.1;transport=udp;ob>;expires=600', 'Contact'],
  ['314159 INVITE', 'CSeq'],
  ['sip:bob@[::1]:5070;transport=tcp?subject=x', 'SIP_URI'],
  ['not a uri', 'SIP_URI'],
  ['<sip:p1.test;lr>,<sip:p2.test;lr;ftag=x>', 'Record_Route'],
  ['"B" <sip:b@h>;q=0.5, <sip:c@[::1]:5070;transport=tcp>;expires=60', 'Contact'],
  ['Digest realm="rtcspec.test", nonce="abc", qop="auth", algorithm=MD5', 'WWW_Authenticate'],
  ['garbage <<', 'From'],
  ['SIP/2.0/UDP host;received=1.2.3.4;maddr=10.0.0.1;ttl=3', 'Via'],
]

function original(input: string, startRule: string): unknown {
  return Grammar.parse(input, startRule)
}

/** sip.js's generated grammar module (the file whose text the patch loads a changed copy of). */
function grammarFile(): string {
  return join(dirname(createRequire(import.meta.url).resolve('sip.js/package.json')), 'lib', 'grammar', 'pegjs', 'dist', 'grammar.js')
}

/** The hoisted grammar bytecode, as the patch registry lists it. */
export const sipjsGrammarPatch: PatchDefinition<Promise<void>> = {
  id: 'sip.js/grammar-bytecode',
  package: 'sip.js',
  version: WRITTEN_FOR['sip.js'],
  fixes: 'the generated SIP grammar decodes its bytecode and builds its constant table (~800 values) again on every parse',
  targets: [
    { name: 'Grammar.parse', hash: 'b3b9a1a1626e2489', source: () => Grammar.parse },
    { name: 'lib/grammar/pegjs/dist/grammar.js (the module text)', hash: '66f6eabdcec39bfe', source: () => readFileSync(grammarFile(), 'utf8') },
  ],
  apply: load,
}

/** Cuts `marker` out of `text` (it must occur exactly once); returns the text without it. */
function cut(text: string, marker: string | RegExp, what: string): { rest: string; found: string } {
  const m = typeof marker === 'string' ? (text.includes(marker) ? { index: text.indexOf(marker), 0: marker } : null) : marker.exec(text)
  if (!m || text.indexOf(m[0], m.index + 1) >= 0) throw new RtcspecError('PATCH_UNSUPPORTED', `grammar.js: ${what} not found exactly once`)
  return { rest: text.slice(0, m.index) + text.slice(m.index + m[0].length), found: m[0] }
}

/**
 * The grammar module's text with everything `peg$parse` builds that does not depend on the call moved to module
 * scope, built once: the bytecode table (decoded once), the constant table (literals, expectations, regular
 * expressions and the semantic actions) and the helper functions. The per-parse state (input, options,
 * positions, failure bookkeeping) becomes module variables that each call resets before it parses, so a parse
 * sees exactly the state the original gives it (parsing is synchronous and no action parses again).
 */
export function hoistGrammar(text: string, dir: string): string {
  const open = 'function peg$parse(input, options) {\n'
  const close = '\n}\nexport const parse = peg$parse;'
  const start = text.indexOf(open)
  const end = text.indexOf(close)
  if (start < 0 || end < start || text.indexOf(open, start + 1) >= 0)
    throw new RtcspecError('PATCH_UNSUPPORTED', 'grammar.js has no single `function peg$parse(input, options) {`')
  let body = text.slice(start + open.length, end)
  const perCall: string[] = []
  const take = (marker: string | RegExp, what: string): string => {
    const r = cut(body, marker, what)
    body = r.rest
    return r.found
  }
  perCall.push(take('    options = options !== undefined ? options : {};\n', 'the options default'))
  perCall.push(take('    const peg$source = options.grammarSource;\n', 'peg$source').replace('const ', ''))
  perCall.push(take(/ {4}let peg\$startRuleIndex = \d+;\n/, 'peg$startRuleIndex').replace('let ', ''))
  const state = take(/ {4}let peg\$currPos = 0;\n[\s\S]*? {4}let peg\$result;\n/, 'the parse state declarations')
  const names: string[] = []
  for (const line of state.split('\n').filter(Boolean)) {
    const m = /^ {4}(?:let|const) (peg\$\w+)(?: = (.*))?;$/.exec(line)
    if (!m) throw new RtcspecError('PATCH_UNSUPPORTED', `grammar.js: unexpected parse state line ${JSON.stringify(line)}`)
    names.push(m[1]!)
    perCall.push(`    ${m[1]} = ${m[2] ?? 'undefined'};\n`)
  }
  perCall.push(take(/ {4}if \(options\.startRule !== undefined\) \{\n[\s\S]*?\n {4}\}\n/, 'the start rule check'))
  perCall.push(take('    options.data = {}; // Object to which header attributes will be assigned during parsing\n', 'options.data = {}'))
  const tailAt = body.indexOf('    peg$result = peg$parseRule(peg$startRuleIndex);\n')
  if (tailAt < 0) throw new RtcspecError('PATCH_UNSUPPORTED', 'grammar.js: the start rule call not found')
  perCall.push(body.slice(tailAt))
  body = body.slice(0, tailAt)
  if (/^ {4}(?:let|var) /m.test(body)) throw new RtcspecError('PATCH_UNSUPPORTED', 'grammar.js: peg$parse has per-call state this patch does not know')
  // The bytecode, compiled to one function per rule; the interpreter calls the start rule's.
  const table = take(/ {4}const peg\$bytecode = \[\n[\s\S]*?\n {4}\];\n/, 'the bytecode table')
  const decode = (t: string): number[] => t.split('').map((ch) => ch.charCodeAt(0) - 32)
  const bytecode = new Function('peg$decode', `return [${table.slice(table.indexOf('[') + 1, table.lastIndexOf(']'))}];`)(decode) as number[][]
  if (!Array.isArray(bytecode) || !bytecode.every((r) => Array.isArray(r) && r.every((n) => Number.isInteger(n))))
    throw new RtcspecError('PATCH_UNSUPPORTED', 'grammar.js: the bytecode table is not a list of decoded rules')
  const interpreter = cut(body, /\n {4}function peg\$parseRule\(index\) \{\n[\s\S]*?\n {8}return stack\[0\];\n {4}\}\n/, 'the bytecode interpreter')
  body = `${interpreter.rest}\n    function peg$parseRule(index) {\n        return peg$rules[index]();\n    }\n${compileGrammarBytecode(bytecode)}\n`
  const head = text.slice(0, start).replace(/from "(\.\.?\/[^"]+)"/g, (_m, rel: string) => `from "${new URL(rel, `${dir}/`).href}"`)
  return [
    head,
    `let input, options, peg$source, peg$startRuleIndex, ${names.join(', ')};`,
    body,
    'function peg$parse(input$, options$) {',
    '    input = input$;',
    '    options = options$;',
    perCall.join(''),
    '}',
    'export const parse = peg$parse;',
    text.slice(end + close.length),
  ].join('\n')
}

async function load(): Promise<void> {
  const file = grammarFile()
  const patched = hoistGrammar(readFileSync(file, 'utf8'), pathToFileURL(dirname(file)).href)
  // The imports must be the same module instances sip.js uses (URI, NameAddrHeader: instanceof checks).
  const mod = (await import(`data:text/javascript;base64,${Buffer.from(patched).toString('base64')}`)) as { parse?: ParseFn }
  const fast = mod.parse
  if (typeof fast !== 'function') throw new RtcspecError('PATCH_UNSUPPORTED', 'the changed grammar module exports no parse()')
  const parse = (input: string, startRule: string): unknown => {
    const options: { startRule: string; data?: unknown } = { startRule }
    try {
      fast(input, options)
    } catch {
      options.data = -1
    }
    return options.data
  }
  for (const [input, rule] of SAMPLES) {
    const a = original(input, rule)
    const b = parse(input, rule)
    if (!isDeepStrictEqual(a, b) || (a !== null && typeof a === 'object' && Object.getPrototypeOf(a) !== Object.getPrototypeOf(b))) {
      throw new RtcspecError('PATCH_UNSUPPORTED', `self-check: the hoisted parser parses ${JSON.stringify(input)} (${rule}) differently`)
    }
  }
  ;(Grammar as { parse: (input: string, startRule: string) => unknown }).parse = parse
}

/** Installs the faster grammar once. Resolves true when in use, false when the original is kept. */
export async function speedUpSipJsGrammar(): Promise<boolean> {
  return (await installPatchAsync(sipjsGrammarPatch)).state === 'installed'
}
