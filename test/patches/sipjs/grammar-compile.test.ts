/**
 * The compiled grammar (patch sip.js/grammar-bytecode: tables built once, bytecode compiled to one function per
 * rule) against sip.js's own generated parser, on every start rule sip.js exposes: valid header values and
 * random ones made of SIP fragments must give the same value of the same classes, or fail alike.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import fc from 'fast-check'
import { describe, expect, test } from 'vitest'
import { Grammar } from 'sip.js'
import { compileGrammarBytecode } from '../../../src/patches/sipjs/grammar-compile.ts'
import { speedUpSipJsGrammar } from '../../../src/patches/sipjs/grammar-bytecode.ts'

const grammarFile = join(dirname(createRequire(import.meta.url).resolve('sip.js/package.json')), 'lib', 'grammar', 'pegjs', 'dist', 'grammar.js')
const START_RULES = Object.keys(
  JSON.parse(/peg\$startRuleIndices = (\{[^}]*\})/.exec(readFileSync(grammarFile, 'utf8'))![1]!.replace(/(\w+):/g, '"$1":')) as Record<string, number>,
)

type PegParse = (input: string, options: { startRule: string; data?: unknown }) => unknown

/** sip.js's Grammar.parse over a given generated parser: the data, or -1 when it throws. */
function grammarParse(parse: PegParse, input: string, startRule: string): unknown {
  const options: { startRule: string; data?: unknown } = { startRule }
  try {
    parse(input, options)
  } catch {
    options.data = -1
  }
  return options.data
}

const VALID: Array<[string, string]> = [
  ['SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK776asdhds;rport', 'Via'],
  ['SIP/2.0/TCP [::1]:5070;received=127.0.0.2;rport=5071;maddr=10.0.0.1;ttl=3;branch=z9hG4bKx;x=y', 'Via'],
  ['"Alice Liddell" <sip:alice@example.test;transport=ws>;tag=1928301774', 'From'],
  ['sip:bob@example.test;user=phone', 'To'],
  ['<sip:a@127.0.0.1;transport=udp;ob>;expires=600, "B" <sip:b@h>;q=0.5;+sip.instance="<urn:uuid:1>"', 'Contact'],
  ['<sip:p1.test;lr>,<sip:p2.test;lr;ftag=x>', 'Record_Route'],
  ['314159 INVITE', 'CSeq'],
  ['a84b4c76e66710@pc33.atlanta.com', 'Call_ID'],
  ['1234', 'Content_Length'],
  ['application/sdp;charset=utf-8', 'Content_Type'],
  ['render;handling=optional', 'Content_Disposition'],
  ['70', 'Max_Forwards'],
  ['Digest realm="rtcspec.test", nonce="abc", qop="auth,auth-int", algorithm=MD5, opaque="o", stale=true', 'WWW_Authenticate'],
  ['Digest realm="r", domain="sip:a.test", nonce="n"', 'Proxy_Authenticate'],
  ['INVITE sip:bob@example.test SIP/2.0', 'Request_Response'],
  ['SIP/2.0 486 Busy Here', 'Request_Response'],
  ['sip:bob:pw@example.test:5070;transport=tcp;lr;method=INVITE?subject=x&subject=y', 'SIP_URI'],
  ['sips:%61lice@[2001:db8::1]', 'SIP_URI'],
  ['active;expires=3600', 'Subscription_State'],
  ['terminated;reason=timeout;retry-after=5', 'Subscription_State'],
  ['100rel, timer, trickle-ice', 'Supported'],
  ['100rel', 'Require'],
  ['presence;id=1;x=y', 'Event'],
  ['<sip:carol@chicago.example.com?Replaces=12345%40192.168.118.3%3Bto-tag%3D12345%3Bfrom-tag%3D5FFE-3994>', 'Refer_To'],
  ['12345@192.168.118.3;to-tag=12345;from-tag=5FFE-3994;early-only', 'Replaces'],
  ['1800;refresher=uac', 'Session_Expires'],
  ['90', 'Min_SE'],
  ['stun:stun.example.test:3478', 'stun_URI'],
  ['turns:turn.example.test:5349?transport=tcp', 'turn_URI'],
  ['7c7b1ac7-f0cb-48cd-a232-9ba9c74ef431', 'uuid'],
  ['Referred-By: <sip:bob@example.test>', 'Referred_By'],
  ['SIP/2.0 200 OK', 'sipfrag'],
  ['"quoted \\" string"', 'quoted_string'],
  ['example.test', 'host'],
  ['http://example.test/x?y', 'absoluteURI'],
  ['Digest realm="r", nonce="n"', 'challenge'],
  ['Bob Smith', 'displayName'],
  ['"B" <sip:b@h>;tag=1', 'Name_Addr_Header'],
]

const FRAGMENTS = [
  'sip:',
  'sips:',
  'bob',
  'alice',
  '@',
  'example.test',
  '127.0.0.1',
  '[::1]',
  ':',
  '5060',
  ';',
  'tag=',
  'branch=',
  'z9hG4bK',
  '"',
  'Alice',
  ' ',
  '  ',
  '\t',
  '<',
  '>',
  ',',
  'SIP/2.0',
  '/',
  'UDP',
  'TCP',
  'WSS',
  'lr',
  '=',
  '?',
  '&',
  'transport=',
  'maddr=',
  'received=',
  'rport',
  'expires=',
  'q=',
  '0.5',
  '%20',
  '%',
  'INVITE',
  '200',
  'OK',
  'Digest',
  'realm=',
  'nonce=',
  'qop=',
  'auth',
  '*',
  '1',
  'x',
  '-',
  '.',
  '\\',
  'application/sdp',
  'active',
  'terminated;reason=',
  'stun:',
  'turn:',
  '\r\n',
]

describe('the compiled sip.js grammar (patch sip.js/grammar-bytecode)', () => {
  test('every start rule parses valid and random input exactly as sip.js’s generated parser does', async () => {
    const original = ((await import(pathToFileURL(grammarFile).href)) as { parse: PegParse }).parse
    expect(await speedUpSipJsGrammar()).toBe(true)
    expect(START_RULES.length).toBeGreaterThan(30)
    for (const rule of START_RULES)
      expect(
        VALID.some(([, r]) => r === rule),
        `a valid sample for ${rule}`,
      ).toBe(true)
    for (const [input, rule] of VALID) {
      const expected = grammarParse(original, input, rule)
      expect(expected, `${rule} ${input} is valid`).not.toBe(-1)
      expect(Grammar.parse(input, rule), `${rule} ${input}`).toStrictEqual(expected)
    }
    const input = fc.oneof(
      fc.array(fc.constantFrom(...FRAGMENTS), { maxLength: 14 }).map((p) => p.join('')),
      fc.constantFrom(...VALID.map(([v]) => v)).chain((v) => fc.nat(v.length).map((n) => v.slice(0, n) + v.slice(n + 1))),
    )
    fc.assert(
      fc.property(fc.constantFrom(...START_RULES), input, (rule, text) => {
        expect(Grammar.parse(text, rule)).toStrictEqual(grammarParse(original, text, rule))
      }),
      { numRuns: 5000 },
    )
  })

  test('the compiler refuses bytecode it does not understand instead of guessing', () => {
    expect(() => compileGrammarBytecode([[99]])).toThrow(/unknown opcode 99/)
    expect(() => compileGrammarBytecode([[6]])).toThrow(/empty stack/)
    expect(() => compileGrammarBytecode([[5, 13, 1, 0, 5]])).toThrow(/different stack depths/)
    expect(compileGrammarBytecode([[5]])).toContain('function peg$rule0()')
  })
})
