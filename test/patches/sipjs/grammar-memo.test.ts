import { describe, expect, test } from 'vitest'
import { Grammar, NameAddrHeader, URI } from 'sip.js'
import { installPatchAsync } from '../../../src/patches/install.ts'
import { GRAMMAR_MEMO_MAX_INPUT, memoizeGrammar, sipjsGrammarMemoPatch } from '../../../src/patches/sipjs/grammar-memo.ts'

/** Header values and start rules as sip.js parses them, including invalid ones (-1) and every result shape. */
const SAMPLES: Array<[string, string]> = [
  ['SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK776asdhds;rport', 'Via'],
  ['SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK9831147;rport=5070;received=127.0.0.2', 'Via'],
  ['SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bK1;ttl=3;maddr=10.0.0.1', 'Via'],
  ['"Alice" <sip:alice@example.test;transport=ws>;tag=1928301774', 'From'],
  ['<sip:service@127.0.0.1:38801>;tag=5171SIPpTag011', 'To'],
  ['sip:bob@[::1]:5070;transport=tcp', 'To'],
  ['<sip:127.0.0.1:38801;transport=UDP>', 'Contact'],
  ['<sip:a@127.0.0.1;transport=udp;ob>;expires=600, "B" <sip:b@h>;q=0.5', 'Contact'],
  ['<sip:p1.test;lr>,<sip:p2.test;lr;ftag=x>', 'Record_Route'],
  ['314159 INVITE', 'CSeq'],
  ['fpmapgrf53d1ijaj7a20', 'Call_ID'],
  ['0', 'Content_Length'],
  ['application/sdp', 'Content_Type'],
  ['70', 'Max_Forwards'],
  ['Digest realm="rtcspec.test", nonce="abc", qop="auth", algorithm=MD5', 'WWW_Authenticate'],
  ['INVITE sip:bob@example.test SIP/2.0', 'Request_Response'],
  ['SIP/2.0 180 Ringing', 'Request_Response'],
  ['sip:bob@example.test:5070;transport=tcp?subject=x&subject=y', 'SIP_URI'],
  ['not a uri', 'SIP_URI'],
  ['garbage <<', 'From'],
]

/** The same value, class for class at every level (toStrictEqual checks prototypes and undefined-valued keys). */
function expectSame(actual: unknown, expected: unknown, what: string): void {
  expect(actual, what).toStrictEqual(expected)
}

describe('sip.js grammar memo (patch sip.js/grammar-memo)', () => {
  test('a remembered result is a fresh copy equal to a new parse: same values, same classes, for every result shape', () => {
    const parse = Grammar.parse
    const memo = memoizeGrammar(parse)
    for (const [input, rule] of SAMPLES) {
      const fresh = parse(input, rule)
      const first = memo(input, rule)
      const second = memo(input, rule)
      expectSame(first, fresh, `${rule} ${input} (first)`)
      expectSame(second, fresh, `${rule} ${input} (remembered)`)
      if (fresh !== null && typeof fresh === 'object') expect(second, `${rule} ${input}: a copy, not the same object`).not.toBe(first)
    }
    const from = memo('"Alice" <sip:alice@example.test>;tag=1', 'From') as NameAddrHeader
    expect(from).toBeInstanceOf(NameAddrHeader)
    expect(from.uri).toBeInstanceOf(URI)
    expect(from.uri.aor).toBe('alice@example.test')
    expect(from.getParam('tag')).toBe('1')
  })

  test('what a caller changes in its result does not reach the next caller', () => {
    const memo = memoizeGrammar(Grammar.parse)
    const input = '<sip:bob@example.test;transport=udp>;tag=a'
    memo(input, 'To')
    const a = memo(input, 'To') as NameAddrHeader // remembered: every caller after the first
    a.setParam('tag', 'changed')
    a.uri.setParam('transport', 'tcp')
    a.uri.user = 'mallory'
    a.displayName = 'Mallory'
    const b = memo(input, 'To') as NameAddrHeader
    expect(b.getParam('tag')).toBe('a')
    expect(b.uri.getParam('transport')).toBe('udp')
    expect(b.uri.user).toBe('bob')
    expect(b.displayName).toBeUndefined()
    memo('SIP/2.0/UDP h;branch=z9hG4bKx', 'Via')
    const via = memo('SIP/2.0/UDP h;branch=z9hG4bKx', 'Via') as { branch: string }
    via.branch = 'other'
    expect((memo('SIP/2.0/UDP h;branch=z9hG4bKx', 'Via') as { branch: string }).branch).toBe('z9hG4bKx')
  })

  test('parses each input once, remembers at most `max` results, and never remembers what it cannot copy exactly', () => {
    const calls: string[] = []
    const parse = (input: string, rule: string): unknown => {
      calls.push(`${rule}:${input}`)
      if (rule === 'accessor') return Object.defineProperty({}, 'x', { get: () => 1, enumerable: true })
      if (rule === 'function') return { f: () => 1 }
      if (rule === 'class') return new (class Foreign {})()
      return { input }
    }
    const memo = memoizeGrammar(parse, 2)
    memo('a', 'r')
    memo('a', 'r')
    memo('b', 'r')
    expect(calls).toEqual(['r:a', 'r:b'])
    memo('c', 'r') // forgets a, the oldest
    memo('a', 'r')
    expect(calls).toEqual(['r:a', 'r:b', 'r:c', 'r:a'])
    for (const rule of ['accessor', 'function', 'class']) {
      const first = memo('x', rule)
      expect(memo('x', rule), rule).not.toBe(first)
    }
    expect(calls.filter((c) => c === 'accessor:x' || c === 'function:x' || c === 'class:x')).toHaveLength(6)
    const long = 'x'.repeat(GRAMMAR_MEMO_MAX_INPUT + 1)
    memo(long, 'r')
    memo(long, 'r')
    expect(calls.filter((c) => c === `r:${long}`)).toHaveLength(2)
  })

  test('installs over sip.js (after the hoisted bytecode) and sip.js parses through it', async () => {
    const before = Grammar.parse
    expect((await installPatchAsync(sipjsGrammarMemoPatch)).state).toBe('installed')
    expect(Grammar.parse).not.toBe(before)
    for (const [input, rule] of SAMPLES) expectSame(Grammar.parse(input, rule), before(input, rule), `${rule} ${input}`)
    expect(Grammar.URIParse('sip:bob@[::1]:5070')?.port).toBe(5070)
    expect(Grammar.nameAddrHeaderParse('<sip:a@b>;tag=1')?.getParam('tag')).toBe('1')
  })
})
