import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { ParseError } from '../../src/errors.ts'
import {
  defaultIceServerPort,
  formatIceServerUrl,
  parseIceServer,
  parseIceServers,
  parseIceServerUrl,
  safeParseIceServer,
  safeParseIceServers,
  safeParseIceServerUrl,
} from '../../src/ice/index.ts'
import { iceServerUrlArb, mutated } from './arbitraries.ts'

function reasonOf(r: { ok: true } | { ok: false; error: ParseError }): string {
  expect(r.ok).toBe(false)
  if (r.ok) throw new Error('unreachable')
  expect(r.error).toBeInstanceOf(ParseError)
  expect(r.error.format).toBe('ice-server-url')
  return r.error.reason
}

describe('parseIceServerUrl (RFC 7064/7065)', () => {
  it('RFC 7065 example forms', () => {
    expect(parseIceServerUrl('turn:example.org')).toEqual({ scheme: 'turn', host: 'example.org', port: 3478, explicitPort: false })
    expect(parseIceServerUrl('turns:example.org')).toEqual({ scheme: 'turns', host: 'example.org', port: 5349, explicitPort: false })
    expect(parseIceServerUrl('turn:example.org?transport=udp')).toMatchObject({ port: 3478, transport: 'udp' })
    expect(parseIceServerUrl('turn:example.org?transport=tcp')).toMatchObject({ transport: 'tcp' })
    expect(parseIceServerUrl('turns:example.org?transport=tcp')).toMatchObject({ scheme: 'turns', port: 5349, transport: 'tcp' })
  })
  it('RFC 7064 example forms', () => {
    expect(parseIceServerUrl('stun:example.org')).toEqual({ scheme: 'stun', host: 'example.org', port: 3478, explicitPort: false })
    expect(parseIceServerUrl('stuns:example.org')).toEqual({ scheme: 'stuns', host: 'example.org', port: 5349, explicitPort: false })
    expect(parseIceServerUrl('stun:example.org:8000')).toEqual({ scheme: 'stun', host: 'example.org', port: 8000, explicitPort: true })
  })
  it('turn:host:3478?transport=tcp', () => {
    expect(parseIceServerUrl('turn:host:3478?transport=tcp')).toEqual({ scheme: 'turn', host: 'host', port: 3478, explicitPort: true, transport: 'tcp' })
  })
  it('IPv6 literals in brackets', () => {
    expect(parseIceServerUrl('turn:[::1]:3478?transport=udp')).toEqual({ scheme: 'turn', host: '::1', port: 3478, explicitPort: true, transport: 'udp' })
    expect(parseIceServerUrl('stun:[2001:db8::1]')).toMatchObject({ host: '2001:db8::1', port: 3478 })
    expect(formatIceServerUrl({ scheme: 'turn', host: '::1', port: 3478, transport: 'udp' })).toBe('turn:[::1]:3478?transport=udp')
  })
  it('IPv4 and case-insensitive schemes', () => {
    expect(parseIceServerUrl('STUN:192.0.2.1:19302')).toEqual({ scheme: 'stun', host: '192.0.2.1', port: 19302, explicitPort: true })
  })
  it('defaults: 3478 for stun/turn, 5349 for stuns/turns', () => {
    expect([defaultIceServerPort('stun'), defaultIceServerPort('turn'), defaultIceServerPort('stuns'), defaultIceServerPort('turns')]).toEqual([
      3478, 3478, 5349, 5349,
    ])
  })
  it('formats back exactly what was parsed', () => {
    for (const u of ['stun:stun.l.google.com:19302', 'turns:turn.example.com', 'turn:[2001:db8::1]:443?transport=tcp', 'turn:192.0.2.1']) {
      expect(formatIceServerUrl(parseIceServerUrl(u))).toBe(u)
    }
    // a user-built object without explicitPort always shows the port
    expect(formatIceServerUrl({ scheme: 'stun', host: 'h', port: 3478 })).toBe('stun:h:3478')
  })
  const bad: [string, RegExp][] = [
    ['http://example.org', /scheme "http" is not stun, stuns, turn or turns/],
    ['example.org', /scheme "example.org"|no scheme/],
    ['stun:example.org?transport=udp', /stun: URLs take no query; \?transport= is only for turn: and turns:/],
    ['stuns:example.org?transport=tcp', /stuns: URLs take no query/],
    ['turn://example.org', /"turn:\/\/" is not the turn: URL syntax/],
    ['turn:user:pass@example.org', /credentials/],
    ['turn:example.org:0', /port "0" is not 1\.\.65535/],
    ['turn:example.org:65536', /port "65536"/],
    ['turn:example.org:', /port ""/],
    ['turn:::1:3478', /IPv6 address must be in brackets/],
    ['turn:[::g]:3478', /not an IPv6 address/],
    ['turn:[::1', /no closing "\]"/],
    ['turn:[::1]x', /unexpected "x"/],
    ['turn:', /no host/],
    ['turn:exa mple.org', /host "exa mple.org"/],
    ['turn:999.1.1.1', /host "999\.1\.1\.1"/],
    ['turn:example.org?foo=bar', /only query allowed is "\?transport="/],
    ['turn:example.org?transport=t/c', /transport "t\/c"/],
    ['turn:example.org?transport=', /transport ""/],
  ]
  for (const [text, pattern] of bad) {
    it(`rejects ${text}`, () => {
      expect(reasonOf(safeParseIceServerUrl(text))).toMatch(pattern)
    })
  }
  it('formatIceServerUrl rejects transport on stun', () => {
    expect(() => formatIceServerUrl({ scheme: 'stun', host: 'h', port: 3478, transport: 'udp' })).toThrow(/take no query/)
  })
  it('errors give a hint', () => {
    const r = safeParseIceServerUrl('turn://example.org:3478')
    expect(r.ok).toBe(false)
    if (!r.ok) expect(r.error.hint).toBe('write "turn:example.org:3478"')
  })
})

describe('parseIceServer (the forms users type)', () => {
  it('inline credentials turn:user:pass@host:port', () => {
    expect(parseIceServer('turn:alice:s3cret@turn.example.com:3478')).toEqual({ urls: 'turn:turn.example.com:3478', username: 'alice', credential: 's3cret' })
    expect(parseIceServer('turn://alice:s3cret@[::1]:3478?transport=tcp')).toEqual({
      urls: 'turn:[::1]:3478?transport=tcp',
      username: 'alice',
      credential: 's3cret',
    })
  })
  it('query credentials keep "+" and "/" (base64 REST credentials) and %-decode', () => {
    expect(parseIceServer('turn://turn.example.com:3478?username=1700000000:alice&credential=Cd/49soE35ICqcJF/bCTn8Z4OyE=')).toEqual({
      urls: 'turn:turn.example.com:3478',
      username: '1700000000:alice',
      credential: 'Cd/49soE35ICqcJF/bCTn8Z4OyE=',
    })
    expect(parseIceServer('turn:h?username=a%40b&credential=x+y%2Cz').credential).toBe('x+y,z')
    expect(parseIceServer('turn:h?username=a%40b&credential=p').username).toBe('a@b')
  })
  it('a password containing "@" in the inline form', () => {
    expect(parseIceServer('turn:bob:p@ss@turn.example.com')).toEqual({ urls: 'turn:turn.example.com', username: 'bob', credential: 'p@ss' })
  })
  it('plain URLs pass through in RFC form', () => {
    expect(parseIceServer('stun://stun.example.com')).toEqual({ urls: 'stun:stun.example.com' })
    expect(parseIceServer('turns:turn.example.com:443?transport=tcp')).toEqual({ urls: 'turns:turn.example.com:443?transport=tcp' })
  })
  const bad: [string, RegExp][] = [
    ['stun:user:pass@stun.example.com', /credentials on a stun: URL/],
    ['stun://stun.example.com?username=u&credential=c', /credentials on a stun: URL/],
    ['stun://stun.example.com?transport=udp', /\?transport= is only for turn: and turns:/],
    ['turn://h?user=u', /unknown query parameter "user"/],
    ['turn://h?username=a&username=b', /username given twice/],
    ['turn://u:%zz@h', /credential has a malformed %-escape/],
    ['turn://:pw@h', /empty username/],
    ['ftp://h', /scheme "ftp"/],
  ]
  for (const [text, pattern] of bad) {
    it(`rejects ${text}`, () => {
      expect(reasonOf(safeParseIceServer(text))).toMatch(pattern)
    })
  }
})

describe('parseIceServers (env var value)', () => {
  it('the comma-separated env form', () => {
    expect(parseIceServers('turn://turn.example.com:3478?username=U&credential=C,stun://stun.example.com')).toEqual([
      { urls: 'turn:turn.example.com:3478', username: 'U', credential: 'C' },
      { urls: 'stun:stun.example.com' },
    ])
  })
  it('whitespace and newlines also separate; blank is empty', () => {
    expect(parseIceServers(' stun:a.example , \n turn:u:p@b.example:3478\n')).toEqual([
      { urls: 'stun:a.example' },
      { urls: 'turn:b.example:3478', username: 'u', credential: 'p' },
    ])
    expect(parseIceServers('')).toEqual([])
    expect(parseIceServers('   ')).toEqual([])
    expect(parseIceServers(undefined)).toEqual([])
  })
  it('a JSON array of RTCIceServer objects', () => {
    const json = JSON.stringify([{ urls: ['stun:a.example', 'turn:[::1]:3478?transport=udp'], username: 'u', credential: 'p' }, { urls: 'stuns:b.example' }])
    expect(parseIceServers(json)).toEqual([
      { urls: ['stun:a.example', 'turn:[::1]:3478?transport=udp'], username: 'u', credential: 'p' },
      { urls: 'stuns:b.example' },
    ])
  })
  it('names the bad entry', () => {
    expect(reasonOf(safeParseIceServers('stun:a.example,stun:b.example?transport=udp'))).toMatch(/^entry 2: stun: URLs take no query/)
    expect(reasonOf(safeParseIceServers(JSON.stringify([{ urls: 'stun:a' }, { urls: 'http://x' }])))).toMatch(/^entry 2: scheme "http"/)
    expect(reasonOf(safeParseIceServers(JSON.stringify([{ urls: [] }])))).toMatch(/^0\.urls/)
    expect(reasonOf(safeParseIceServers(JSON.stringify([{ url: 'stun:a' }])))).toMatch(/0/)
    expect(reasonOf(safeParseIceServers('[oops'))).toMatch(/not JSON/)
  })
})

describe('properties', () => {
  it('parse ∘ format is the identity on valid URLs', () => {
    fc.assert(
      fc.property(iceServerUrlArb, (u) => {
        const text = formatIceServerUrl(u)
        expect(parseIceServerUrl(text)).toEqual(u)
        expect(parseIceServer(text)).toEqual({ urls: text })
      }),
      { numRuns: 500 },
    )
  })
  it('arbitrary and near-valid strings never throw anything but ParseError', () => {
    const inputs = fc.oneof(
      fc.string({ maxLength: 200 }),
      mutated(iceServerUrlArb.map(formatIceServerUrl)),
      mutated(iceServerUrlArb.map((u) => `${formatIceServerUrl(u).replace(':', '://u:p@')}`)),
    )
    fc.assert(
      fc.property(inputs, (s) => {
        for (const r of [safeParseIceServerUrl(s), safeParseIceServer(s), safeParseIceServers(s)]) {
          if (!r.ok) expect(r.error).toBeInstanceOf(ParseError)
        }
        const r = safeParseIceServerUrl(s)
        if (r.ok) expect(parseIceServerUrl(formatIceServerUrl(r.value))).toEqual(r.value)
      }),
      { numRuns: 1500 },
    )
  })
  it('huge inputs fail fast', () => {
    const t0 = performance.now()
    for (const s of [`turn:${'a'.repeat(100_000)}`, `turn:[${':'.repeat(50_000)}]`, ','.repeat(100_000), 'stun:a,'.repeat(20_000)]) {
      for (const r of [safeParseIceServerUrl(s), safeParseIceServer(s), safeParseIceServers(s)]) {
        if (!r.ok) expect(r.error).toBeInstanceOf(ParseError)
      }
    }
    expect(performance.now() - t0).toBeLessThan(2000)
  })
})
