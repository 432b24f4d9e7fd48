import { describe, expect, test } from 'vitest'
import { Grammar, NameAddrHeader, URI } from 'sip.js'
import { speedUpSipJsGrammar } from '../../../src/patches/sipjs/grammar-bytecode.ts'

describe('sip.js grammar bytecode hoisted (patch sip.js/grammar-bytecode)', () => {
  test('installs and parses exactly like the original (same values, same classes)', async () => {
    const sample = (i: number) => `"User ${i}" <sip:u${i}@example.test;transport=udp>;tag=t${i}`
    const originalParse = Grammar.parse
    const before: unknown[] = []
    for (let i = 0; i < 40; i++) before.push(Grammar.parse(sample(i), 'From'))
    expect(await speedUpSipJsGrammar()).toBe(true)
    expect(Grammar.parse).not.toBe(originalParse)
    const after: unknown[] = []
    for (let i = 0; i < 40; i++) after.push(Grammar.parse(sample(i), 'From'))
    expect(after).toEqual(before)
    expect(after[0]).toBeInstanceOf(NameAddrHeader)
    expect((after[0] as NameAddrHeader).uri).toBeInstanceOf(URI)
    expect(Grammar.parse('garbage <<', 'From')).toBe(-1)
    expect(Grammar.URIParse('sip:bob@[::1]:5070')?.port).toBe(5070)
  })
})
