/**
 * A speed-up for sip.js 0.21's SIP grammar. Its generated PEG parser decodes the bytecode of every rule
 * (about 240 strings) on each call to `parse`, and sip.js parses every header separately, so header parsing
 * dominated the CPU of a call (~50 ms per call on the development machine). This loads the same grammar
 * module text with the bytecode table hoisted to module scope (decoded once), and points sip.js's
 * `Grammar.parse` at it. The grammar itself is unchanged; a self-check compares both parsers on sample
 * input and keeps the original when anything differs or the file does not have the expected shape.
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
  fixes: 'the generated SIP grammar decodes its whole bytecode table on every parse (~50 ms of CPU per call)',
  targets: [
    { name: 'Grammar.parse', hash: 'b3b9a1a1626e2489', source: () => Grammar.parse },
    { name: 'lib/grammar/pegjs/dist/grammar.js (the module text)', hash: '66f6eabdcec39bfe', source: () => readFileSync(grammarFile(), 'utf8') },
  ],
  apply: load,
}

async function load(): Promise<void> {
  const file = grammarFile()
  const text = readFileSync(file, 'utf8')
  const start = text.indexOf('    const peg$bytecode = [')
  const end = start < 0 ? -1 : text.indexOf('\n    ];', start)
  if (start < 0 || end < 0) throw new RtcspecError('PATCH_UNSUPPORTED', 'grammar.js has no `const peg$bytecode = [` table')
  const table = text.slice(start, end + '\n    ];'.length)
  const dir = pathToFileURL(dirname(file)).href
  const patched = [
    'function peg$decodeOnce(s) { return s.split("").map((ch) => ch.charCodeAt(0) - 32); }',
    table.replace('    const peg$bytecode = [', 'const peg$bytecodeOnce = [').replace(/peg\$decode\(/g, 'peg$decodeOnce('),
    `${text.slice(0, start).replace(/from "(\.\.?\/[^"]+)"/g, (_m, rel: string) => `from "${new URL(rel, `${dir}/`).href}"`)}    const peg$bytecode = peg$bytecodeOnce;${text.slice(end + '\n    ];'.length)}`,
  ].join('\n')
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
