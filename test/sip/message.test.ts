import { describe, expect, test } from 'vitest'
import fc from 'fast-check'
import { ParseError } from '../../src/errors.ts'
import {
  cseqOf,
  describeSipMessage,
  parseDigestParams,
  digestResponse,
  getHeader,
  getHeaders,
  missingMandatoryHeaders,
  nextFramedMessage,
  parseDigestChallenge,
  parseDigestCredentials,
  parseNameAddr,
  parseSipMessage,
  parseSipUri,
  parseVia,
  safeParseSipMessage,
  serializeDigestChallenge,
  serializeDigestCredentials,
  serializeNameAddr,
  serializeSipMessage,
  serializeVia,
  setHeader,
  topVia,
  verifyDigest,
} from '../../src/sip/index.ts'

// RFC 3261 §24.2 (INVITE, abbreviated SDP) as written there, CRLF line endings.
const invite = [
  'INVITE sip:bob@biloxi.com SIP/2.0',
  'Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bKnashds8',
  'Max-Forwards: 70',
  'To: Bob <sip:bob@biloxi.com>',
  'From: Alice <sip:alice@atlanta.com>;tag=1928301774',
  'Call-ID: a84b4c76e66710',
  'CSeq: 314159 INVITE',
  'Contact: <sip:alice@pc33.atlanta.com>',
  'Content-Type: application/sdp',
  'Content-Length: 27',
  '',
  'v=0\r\no=alice 1 1 IN IP4 x\r\n',
].join('\r\n')

describe('parseSipMessage', () => {
  test('parses the RFC 3261 INVITE and round-trips it byte-exactly', () => {
    const m = parseSipMessage(invite)
    expect(m.kind).toBe('request')
    if (m.kind !== 'request') return
    expect(m.method).toBe('INVITE')
    expect(m.uri).toBe('sip:bob@biloxi.com')
    expect(getHeader(m, 'call-id')).toBe('a84b4c76e66710')
    expect(m.body).toBe('v=0\r\no=alice 1 1 IN IP4 x\r\n')
    expect(cseqOf(m)).toEqual({ seq: 314159, method: 'INVITE' })
    expect(topVia(m)).toEqual({ protocol: 'SIP/2.0', transport: 'UDP', host: 'pc33.atlanta.com', port: undefined, params: { branch: 'z9hG4bKnashds8' } })
    expect(parseNameAddr(getHeader(m, 'from')!)).toEqual({ displayName: 'Alice', uri: 'sip:alice@atlanta.com', params: { tag: '1928301774' } })
    expect(serializeSipMessage(m)).toBe(invite)
    expect(missingMandatoryHeaders(m)).toEqual([])
    expect(describeSipMessage(m)).toBe('INVITE sip:bob@biloxi.com')
  })

  test('understands compact forms, folded lines, multiple Vias and comma lists', () => {
    const text = [
      'SIP/2.0 180 Ringing',
      'v: SIP/2.0/UDP a.example;branch=z9hG4bK1, SIP/2.0/TCP b.example:5070;branch=z9hG4bK2;received=10.0.0.1',
      'Via: SIP/2.0/WSS c.invalid;branch=z9hG4bK3;rport',
      'f: <sip:a@x>;tag=1',
      't: "Bob, the \\"B\\"" <sip:b@x>;tag=2',
      'i: abc',
      'CSeq: 1',
      '  INVITE',
      'm: <sip:b@1.2.3.4:5060>, <sip:b@5.6.7.8>;q=0.5',
      'k: trickle-ice, 100rel',
      'l: 0',
      '',
      '',
    ].join('\r\n')
    const m = parseSipMessage(text)
    expect(m.kind).toBe('response')
    expect(getHeaders(m, 'via').map((v) => parseVia(v).host)).toEqual(['a.example', 'b.example', 'c.invalid'])
    expect(parseVia(getHeaders(m, 'via')[1]!)).toMatchObject({ transport: 'TCP', port: 5070, params: { received: '10.0.0.1' } })
    expect(getHeaders(m, 'contact')).toEqual(['<sip:b@1.2.3.4:5060>', '<sip:b@5.6.7.8>;q=0.5'])
    expect(getHeaders(m, 'supported')).toEqual(['trickle-ice', '100rel'])
    expect(parseNameAddr(getHeader(m, 'To')!).displayName).toBe('Bob, the "B"')
    expect(cseqOf(m)).toEqual({ seq: 1, method: 'INVITE' })
    expect(describeSipMessage(m)).toBe('180 Ringing (INVITE)')
  })

  test('without Content-Length the body is the rest of the datagram; LF-only input is accepted', () => {
    const m = parseSipMessage('OPTIONS sip:x@y SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bKa\n\nhello')
    expect(m.body).toBe('hello')
  })

  test('Content-Length counts UTF-8 bytes and cuts extra bytes', () => {
    const m = parseSipMessage('MESSAGE sip:x@y SIP/2.0\r\nContent-Length: 2\r\n\r\né and more')
    expect(m.body).toBe('é')
    expect(serializeSipMessage({ ...m, body: 'ü!' })).toContain('Content-Length: 3\r\n')
  })

  const bad: Array<[string, string, RegExp, number | undefined]> = [
    ['empty', '', /empty message/, undefined],
    ['no blank line', 'INVITE sip:a@b SIP/2.0\r\nVia: x', /no empty line/, undefined],
    ['bad request line', 'INVITE  sip:a@b SIP/2.0\r\n\r\n', /request line/, 1],
    ['bad version', 'INVITE sip:a@b HTTP/1.1\r\n\r\n', /not a SIP version/, 1],
    ['bad status', 'SIP/2.0 99 Odd\r\n\r\n', /status/, 1],
    ['header without colon', 'SIP/2.0 200 OK\r\nVia SIP/2.0/UDP x\r\n\r\n', /Name: value/, 2],
    ['continuation first', 'SIP/2.0 200 OK\r\n folded\r\n\r\n', /continuation/, 2],
    ['short body', 'SIP/2.0 200 OK\r\nContent-Length: 10\r\n\r\nabc', /only 3 follow/, 2],
    ['bad length', 'SIP/2.0 200 OK\r\nl: ten\r\n\r\n', /not a number/, 2],
  ]
  test.each(bad)('rejects %s with a ParseError naming the line', (_name, text, reason, line) => {
    const r = safeParseSipMessage(text)
    expect(r.ok).toBe(false)
    if (r.ok) return
    expect(r.error).toBeInstanceOf(ParseError)
    expect(r.error.message).toMatch(reason)
    expect(r.error.lineNumber).toBe(line)
  })

  test('garbage never throws anything but ParseError (property)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.uint8Array({ maxLength: 300 }),
          fc.array(fc.constantFrom('INVITE sip:a@b SIP/2.0', 'Via: SIP/2.0/UDP h', 'l: 3', '', 'x', 'SIP/2.0 200 OK', ' fold')).map((l) => l.join('\r\n')),
        ),
        (input) => {
          const r = safeParseSipMessage(input)
          if (r.ok) expect(typeof serializeSipMessage(r.value)).toBe('string')
        },
      ),
    )
  })

  test('an ASCII string parses exactly as its bytes do: same message, or the same error on the same line (property)', () => {
    const parts = fc.constantFrom(
      'INVITE sip:a@b SIP/2.0',
      'SIP/2.0 200 OK',
      'Via: SIP/2.0/UDP h;branch=z9hG4bK1, SIP/2.0/UDP g',
      'v: SIP/2.0/TCP x',
      'Content-Length: 3',
      'l: 12',
      'l: x',
      ' folded',
      '\t',
      '',
      '\r',
      'abc',
      'Call-ID: a,b',
      'To: "A, B" <sip:a@b>',
    )
    const text = fc
      .tuple(fc.array(parts, { maxLength: 10 }), fc.constantFrom('\r\n', '\n'), fc.string({ maxLength: 20 }))
      .map(([lines, eol, tail]) => `${lines.join(eol)}${tail}`.replace(/[^\x00-\x7f]/g, '?'))
    const outcome = (input: string | Uint8Array) => {
      const r = safeParseSipMessage(input)
      return r.ok ? { ok: r.value } : { error: r.error.message, line: r.error.lineNumber }
    }
    fc.assert(
      fc.property(text, (input) => {
        expect(outcome(input)).toEqual(outcome(new TextEncoder().encode(input)))
      }),
      { numRuns: 2000 },
    )
    for (const [, input] of bad) expect(outcome(input)).toEqual(outcome(new TextEncoder().encode(input)))
  })

  test('generated canonical messages round-trip (property)', () => {
    const token = fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,10}$/)
    const value = fc.stringMatching(/^[!-~]([ -~]{0,30}[!-~])?$/)
    const header = fc.record({ name: token.filter((n) => !/^(content-length|l)$/i.test(n)), value })
    const body = fc.string({ maxLength: 50 })
    const request = fc.record({
      kind: fc.constant('request' as const),
      method: fc.constantFrom('INVITE', 'BYE', 'X-CUSTOM'),
      uri: fc.constant('sip:bob@example.test'),
      version: fc.constant('SIP/2.0'),
      headers: fc.array(header, { maxLength: 8 }),
      body,
    })
    fc.assert(
      fc.property(request, (m) => {
        const text = serializeSipMessage(m)
        const back = parseSipMessage(text)
        expect(serializeSipMessage(back)).toBe(text)
        expect(back.body).toBe(m.body)
      }),
    )
  })

  test('setHeader replaces in place and removes duplicates', () => {
    const m = parseSipMessage('SIP/2.0 200 OK\r\nv: a\r\nX: 1\r\nVia: b\r\n\r\n')
    expect(setHeader(m, 'Via', 'c').headers).toEqual([
      { name: 'v', value: 'c' },
      { name: 'X', value: '1' },
    ])
  })
})

describe('headers', () => {
  test('Via, name-addr and URIs serialize back', () => {
    const via = 'SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKx;rport'
    expect(serializeVia(parseVia(via))).toBe(via)
    const addr = '"Al \\"x\\"" <sip:al@h;transport=ws>;tag=9'
    expect(serializeNameAddr(parseNameAddr(addr))).toBe(addr)
    expect(parseSipUri('sip:alice@[::1]:5070;transport=udp')).toEqual({ scheme: 'sip', user: 'alice', host: '[::1]', port: 5070, params: { transport: 'udp' } })
    expect(() => parseVia('SIP/2.0 nohost')).toThrow(/Via header/)
    expect(() => parseSipUri('http://x')).toThrow(ParseError)
  })

  test('missingMandatoryHeaders lists what is wrong', () => {
    const m = parseSipMessage('BYE sip:a@b SIP/2.0\r\nCSeq: 2 INVITE\r\n\r\n')
    expect(missingMandatoryHeaders(m)).toEqual([
      'missing via header',
      'missing from header',
      'missing to header',
      'missing call-id header',
      'CSeq method INVITE does not match request method BYE',
    ])
  })
})

describe('framing', () => {
  test('cuts messages by Content-Length and waits for more bytes', () => {
    const one = 'OPTIONS sip:a@b SIP/2.0\r\nContent-Length: 3\r\n\r\nabc'
    const two = 'SIP/2.0 200 OK\r\nl: 0\r\n\r\n'
    const bytes = new TextEncoder().encode(`\r\n\r\n${one}${two}SIP/2.0`)
    const a = nextFramedMessage(bytes)!
    expect(new TextDecoder().decode(a.message)).toBe(one)
    const b = nextFramedMessage(a.rest)!
    expect(new TextDecoder().decode(b.message)).toBe(two)
    expect(nextFramedMessage(b.rest)).toBeUndefined()
    expect(nextFramedMessage(new TextEncoder().encode(one.slice(0, -1)))).toBeUndefined()
    expect(() => nextFramedMessage(new TextEncoder().encode('SIP/2.0 200 OK\r\n\r\n'))).toThrow(/no Content-Length/)
  })
})

describe('digest', () => {
  test('RFC 2617 §3.5 example response', () => {
    // The RFC's example uses method GET; the computation is the same for SIP.
    expect(
      digestResponse({
        username: 'Mufasa',
        realm: 'testrealm@host.com',
        password: 'Circle Of Life',
        method: 'GET',
        uri: '/dir/index.html',
        nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093',
        qop: 'auth',
        nc: '00000001',
        cnonce: '0a4f113b',
      }),
    ).toBe('6629fae49393a05397450978507c4ef1')
  })

  test('challenge and credentials round-trip and verify', () => {
    const challenge = { realm: 'rtcspec', nonce: 'abc', qop: 'auth', algorithm: 'MD5' }
    expect(parseDigestChallenge(serializeDigestChallenge(challenge))).toEqual(challenge)
    const response = digestResponse({
      username: 'alice',
      realm: 'rtcspec',
      password: 'pw',
      method: 'REGISTER',
      uri: 'sip:x',
      nonce: 'abc',
      qop: 'auth',
      nc: '00000001',
      cnonce: 'c',
    })
    const creds = { username: 'alice', realm: 'rtcspec', nonce: 'abc', uri: 'sip:x', response, algorithm: 'MD5', qop: 'auth', nc: '00000001', cnonce: 'c' }
    const parsed = parseDigestCredentials(serializeDigestCredentials(creds))
    expect(parsed).toEqual(creds)
    expect(verifyDigest(parsed, 'pw', 'REGISTER')).toBe(true)
    expect(verifyDigest(parsed, 'wrong', 'REGISTER')).toBe(false)
    expect(() => parseDigestCredentials('Digest username="a"')).toThrow(/lack "realm"/)
    expect(() => parseDigestParams('Basic abc')).toThrow(/not a Digest/)
  })
})
