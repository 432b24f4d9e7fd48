import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { readFileSync, readdirSync } from 'node:fs'
import { ParseError } from '../../src/errors.ts'
import { candidateAddressKind, isMdnsCandidate, parseCandidate, safeParseCandidate, serializeCandidate, type IceCandidate } from '../../src/ice/index.ts'
import { candidateArb, mutated } from './arbitraries.ts'

/** Expects a ParseError of format `candidate` whose reason matches `pattern`. */
function expectFails(text: string, pattern: RegExp): ParseError {
  const r = safeParseCandidate(text)
  expect(r.ok, `should not parse: ${text}`).toBe(false)
  if (r.ok) throw new Error('unreachable')
  expect(r.error).toBeInstanceOf(ParseError)
  expect(r.error.format).toBe('candidate')
  expect(r.error.reason).toMatch(pattern)
  return r.error
}

describe('RFC 8839 examples', () => {
  // RFC 8839 §5.1 / example SDP: a host and a server-reflexive candidate.
  it('parses the host candidate', () => {
    expect(parseCandidate('a=candidate:1 1 UDP 2130706431 203.0.113.141 8998 typ host')).toEqual({
      foundation: '1',
      component: 1,
      transport: 'UDP',
      priority: 2130706431,
      address: '203.0.113.141',
      port: 8998,
      type: 'host',
      extensions: [],
    })
  })
  it('parses the srflx candidate with raddr/rport', () => {
    const c = parseCandidate('a=candidate:2 1 UDP 1694498815 192.0.2.3 45664 typ srflx raddr 203.0.113.141 rport 8998')
    expect(c).toMatchObject({ foundation: '2', type: 'srflx', address: '192.0.2.3', port: 45664, relatedAddress: '203.0.113.141', relatedPort: 8998 })
    expect(serializeCandidate(c, { prefix: 'a=candidate:' })).toBe('a=candidate:2 1 UDP 1694498815 192.0.2.3 45664 typ srflx raddr 203.0.113.141 rport 8998')
  })
})

// Real candidates as Chromium emits them (RTCIceCandidate.candidate), werift's, and Firefox's.
const REAL: Record<string, string> = {
  'chromium host udp': 'candidate:3343036162 1 udp 2122194687 192.0.2.2 34673 typ host generation 0 network-id 1',
  'chromium host udp IPv6': 'candidate:203714274 1 udp 2122265343 fd00::2 33328 typ host generation 0 network-id 2',
  'chromium tcp active IPv6': 'candidate:4069440118 1 tcp 1518285567 fd00::2 9 typ host tcptype active generation 0 network-id 2',
  'chromium mDNS host':
    'candidate:1840965416 1 udp 2122260223 1f4712db-ea17-4bcf-a596-105139dfd8bf.local 54321 typ host generation 0 ufrag Wl8Q network-id 1 network-cost 10',
  'chromium srflx (raddr hidden)':
    'candidate:842163049 1 udp 1677729535 203.0.113.7 61234 typ srflx raddr 0.0.0.0 rport 0 generation 0 ufrag Wl8Q network-id 1 network-cost 10',
  'chromium relay':
    'candidate:3745108357 1 udp 41885439 198.51.100.20 50123 typ relay raddr 203.0.113.7 rport 61234 generation 0 ufrag Wl8Q network-id 1 network-cost 10',
  'chromium tcp passive': 'candidate:2154773085 1 tcp 1518214911 198.51.100.2 9 typ host tcptype passive generation 0 ufrag EsAw network-id 2',
  'werift host': 'candidate:32b1715da3b0ef8ba684454eb 1 udp 2116026367 192.0.2.2 35075 typ host generation 0 ufrag 8e1d',
  'firefox host': 'candidate:0 1 UDP 2122252543 192.0.2.1 57063 typ host',
  'firefox tcp': 'candidate:3 1 TCP 2105524479 192.0.2.1 9 typ host tcptype active',
  'firefox srflx': 'candidate:1 1 UDP 1686052863 203.0.113.5 57063 typ srflx raddr 192.0.2.1 rport 57063',
}

describe('real candidates', () => {
  for (const [name, text] of Object.entries(REAL)) {
    it(`${name}: round-trips byte for byte`, () => {
      expect(serializeCandidate(parseCandidate(text))).toBe(text)
    })
  }

  it('types the Chromium extensions', () => {
    const c = parseCandidate(REAL['chromium mDNS host']!)
    expect(c).toEqual({
      foundation: '1840965416',
      component: 1,
      transport: 'udp',
      priority: 2122260223,
      address: '1f4712db-ea17-4bcf-a596-105139dfd8bf.local',
      port: 54321,
      type: 'host',
      generation: 0,
      ufrag: 'Wl8Q',
      networkId: 1,
      networkCost: 10,
      extensions: [],
    })
    expect(isMdnsCandidate(c)).toBe(true)
    expect(candidateAddressKind(c)).toBe('fqdn')
  })

  it('types tcptype, IPv6 and relay fields', () => {
    const tcp = parseCandidate(REAL['chromium tcp active IPv6']!)
    expect(tcp.tcpType).toBe('active')
    expect(tcp.transport).toBe('tcp')
    expect(candidateAddressKind(tcp)).toBe('ipv6')
    expect(isMdnsCandidate(tcp)).toBe(false)
    const relay = parseCandidate(REAL['chromium relay']!)
    expect(relay).toMatchObject({ type: 'relay', relatedAddress: '203.0.113.7', relatedPort: 61234, priority: 41885439 })
    expect(parseCandidate(REAL['firefox tcp']!).transport).toBe('TCP')
  })

  it('parses every a=candidate line of the SDP corpus (fixtures/sdp) and round-trips it', () => {
    const dir = new URL('../../fixtures/sdp/', import.meta.url)
    const lines = readdirSync(dir)
      .filter((f) => f.endsWith('.sdp'))
      .flatMap((f) => readFileSync(new URL(f, dir), 'utf8').split(/\r?\n/))
      .filter((l) => l.startsWith('a=candidate:'))
    expect(lines.length).toBeGreaterThan(5)
    for (const l of lines) expect(serializeCandidate(parseCandidate(l), { prefix: 'a=candidate:' })).toBe(l)
  })
})

describe('prefixes and whitespace', () => {
  const body = '1 1 udp 2122260223 192.0.2.1 5000 typ host'
  it('accepts a=candidate:, candidate: and bare forms alike', () => {
    const a = parseCandidate(`a=candidate:${body}`)
    expect(parseCandidate(`candidate:${body}`)).toEqual(a)
    expect(parseCandidate(body)).toEqual(a)
    expect(parseCandidate(`a=candidate:${body}\r\n`)).toEqual(a)
  })
  it('serializes with each prefix', () => {
    const c = parseCandidate(body)
    expect(serializeCandidate(c)).toBe(`candidate:${body}`)
    expect(serializeCandidate(c, { prefix: 'a=candidate:' })).toBe(`a=candidate:${body}`)
    expect(serializeCandidate(c, { prefix: '' })).toBe(body)
  })
  it('keeps unknown extensions in order', () => {
    const c = parseCandidate(`${body} zeta 1 generation 2 alpha x`)
    expect(c.extensions).toEqual([
      { name: 'zeta', value: '1' },
      { name: 'alpha', value: 'x' },
    ])
    expect(c.generation).toBe(2)
  })
})

describe('validation errors name the field', () => {
  const ok = '1 1 udp 2122260223 192.0.2.1 5000 typ host'
  const cases: [string, string, RegExp][] = [
    ['component 0', '1 0 udp 1 192.0.2.1 5000 typ host', /component 0 is out of range 1\.\.256/],
    ['component 257', '1 257 udp 1 192.0.2.1 5000 typ host', /component 257 is out of range/],
    ['component not a number', '1 x udp 1 192.0.2.1 5000 typ host', /component must be a decimal integer/],
    ['priority 2^32', '1 1 udp 4294967296 192.0.2.1 5000 typ host', /priority 4294967296 is out of range 0\.\.4294967295/],
    ['priority negative', '1 1 udp -1 192.0.2.1 5000 typ host', /priority must be a decimal integer/],
    ['port 65536', '1 1 udp 1 192.0.2.1 65536 typ host', /port 65536 is out of range 0\.\.65535/],
    ['port hex', '1 1 udp 1 192.0.2.1 0x10 typ host', /port must be a decimal integer/],
    ['foundation too long', `${'a'.repeat(33)} 1 udp 1 192.0.2.1 5000 typ host`, /foundation .* 1 to 32 characters/],
    ['foundation bad char', 'ab-c 1 udp 1 192.0.2.1 5000 typ host', /foundation "ab-c"/],
    ['transport not a token', '1 1 ud"p 1 192.0.2.1 5000 typ host', /transport "ud\\"p" is not a token/],
    ['bad IPv4', '1 1 udp 1 192.0.2.256 5000 typ host', /address "192\.0\.2\.256" is not an IPv4/],
    ['bad IPv6', '1 1 udp 1 fd00:::2 5000 typ host', /address "fd00:::2"/],
    ['missing typ', '1 1 udp 1 192.0.2.1 5000 type host', /expected "typ" after the port/],
    ['type not a token', '1 1 udp 1 192.0.2.1 5000 typ ho"st', /type "ho\\"st" is not a token/],
    ['too few fields', '1 1 udp 1 192.0.2.1 5000 typ', /has 7 fields, at least 8/],
    ['raddr bad', `${ok.replace('host', 'srflx')} raddr 1.2.3 rport 1`, /raddr "1\.2\.3"/],
    ['rport bad', `${ok.replace('host', 'srflx')} raddr 1.2.3.4 rport 70000`, /rport 70000 is out of range/],
    ['raddr out of place', `${ok} generation 0 raddr 1.2.3.4`, /raddr appears out of place/],
    ['extension without value', `${ok} generation`, /extension generation has no value/],
    ['tcptype bad value', '1 1 tcp 1 192.0.2.1 9 typ host tcptype both', /tcptype "both" must be active, passive or so/],
    ['tcptype on udp', `${ok} tcptype active`, /tcptype is only valid on TCP candidates/],
    ['duplicate generation', `${ok} generation 0 generation 1`, /extension generation appears twice/],
    ['generation not a number', `${ok} generation x`, /generation must be a decimal integer/],
    ['network-cost not a number', `${ok} network-cost -5`, /network-cost must be a decimal integer/],
    ['empty (end-of-candidates)', 'candidate:', /empty candidate/],
    ['other a= line', 'a=mid:0', /not "a=candidate:"/],
  ]
  for (const [name, text, pattern] of cases) {
    it(name, () => {
      expectFails(text, pattern)
    })
  }
  it('boundary values are accepted', () => {
    const c = parseCandidate(`${'a'.repeat(32)} 256 udp 4294967295 192.0.2.1 65535 typ host`)
    expect(c).toMatchObject({ component: 256, priority: 4294967295, port: 65535 })
    expect(parseCandidate('x 1 udp 0 192.0.2.1 0 typ host')).toMatchObject({ priority: 0, port: 0 })
  })
  it('the error carries the line and a hint', () => {
    const e = expectFails('1 0 udp 1 192.0.2.1 5000 typ host', /component/)
    expect(e.line).toBe('1 0 udp 1 192.0.2.1 5000 typ host')
    expect(e.hint).toMatch(/RFC 8839/)
    expect(e.code).toBe('CANDIDATE_PARSE')
  })
  it('serializeCandidate rejects invalid objects, naming the field', () => {
    const c = parseCandidate(ok)
    expect(() => serializeCandidate({ ...c, component: 0 })).toThrow(/component 0 is out of range/)
    expect(() => serializeCandidate({ ...c, ufrag: 'a b' })).toThrow(/ufrag "a b"/)
    expect(() => serializeCandidate({ ...c, extensions: [{ name: 'generation', value: '1' }] })).toThrow(/typed field/)
    expect(() => serializeCandidate({ ...c, priority: 1.5 })).toThrow(/priority must be a decimal integer/)
  })
})

describe('properties', () => {
  it('parse ∘ serialize is the identity on valid candidates', () => {
    fc.assert(
      fc.property(candidateArb, fc.constantFrom('candidate:' as const, 'a=candidate:' as const, '' as const), (c, prefix) => {
        const text = serializeCandidate(c, { prefix })
        expect(parseCandidate(text)).toEqual(c)
        expect(serializeCandidate(parseCandidate(text), { prefix })).toBe(text)
      }),
      { numRuns: 500 },
    )
  })

  it('arbitrary and near-valid strings never throw anything but ParseError', () => {
    const inputs = fc.oneof(
      fc.string({ maxLength: 300 }),
      fc.string({ unit: 'binary', maxLength: 100 }),
      mutated(candidateArb.map((c) => serializeCandidate(c, { prefix: 'a=candidate:' }))),
    )
    fc.assert(
      fc.property(inputs, (s) => {
        const r = safeParseCandidate(s)
        if (r.ok) expect(parseCandidate(serializeCandidate(r.value))).toEqual(r.value)
        else expect(r.error).toBeInstanceOf(ParseError)
      }),
      { numRuns: 1000 },
    )
  })

  it('non-string input is a ParseError, not a TypeError', () => {
    for (const v of [undefined, null, 42, {}]) {
      const r = safeParseCandidate(v as unknown as string)
      expect(r.ok).toBe(false)
    }
  })

  it('huge and pathological inputs fail fast', () => {
    const inputs = [
      ' '.repeat(60_000),
      `1 1 udp 1 192.0.2.1 5000 typ host${' a b'.repeat(15_000)}`,
      'a'.repeat(70_000),
      `1 1 udp 1 ${'a.'.repeat(20_000)}b 5000 typ host`,
      `1 1 udp 1 ${':'.repeat(40_000)} 5000 typ host`,
    ]
    const t0 = performance.now()
    for (const s of inputs) {
      const r = safeParseCandidate(s)
      if (!r.ok) expect(r.error).toBeInstanceOf(ParseError)
    }
    expect(performance.now() - t0).toBeLessThan(1000)
  })
})

describe('typing', () => {
  it('IceCandidate accepts an unknown candidate type token', () => {
    const c: IceCandidate = parseCandidate('1 1 udp 1 192.0.2.1 5000 typ mytype')
    expect(c.type).toBe('mytype')
  })
})
