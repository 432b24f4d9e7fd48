import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { ParseError } from '../../src/errors.ts'
import { buildSdpFrag, parseCandidate, parseSdpFrag, PLACEHOLDER_MLINE, safeParseSdpFrag, sdpFragCandidates, serializeSdpFrag } from '../../src/ice/index.ts'
import { candidateArb, mutated, sdpFragArb } from './arbitraries.ts'

const crlf = (lines: string[]) => lines.map((l) => `${l}\r\n`).join('')

function expectFails(text: string, pattern: RegExp, lineNumber?: number): ParseError {
  const r = safeParseSdpFrag(text)
  expect(r.ok, `should not parse:\n${text}`).toBe(false)
  if (r.ok) throw new Error('unreachable')
  expect(r.error).toBeInstanceOf(ParseError)
  expect(r.error.format).toBe('sdpfrag')
  expect(r.error.reason).toMatch(pattern)
  if (lineNumber !== undefined) expect(r.error.lineNumber).toBe(lineNumber)
  return r.error
}

// RFC 9725 (WHIP) §4.3.1, trickle PATCH body: media-level credentials, max-bundle (only the first m-line).
const WHIP_TRICKLE = [
  'a=group:BUNDLE 0 1',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111',
  'a=mid:0',
  'a=ice-ufrag:EsAw',
  'a=ice-pwd:P2uYro0UCOQ4zxjKXaWCBui1',
  'a=candidate:1387637174 1 udp 2122260223 192.0.2.1 61764 typ host generation 0 ufrag EsAw network-id 1',
  'a=candidate:3471623853 1 udp 2122194687 198.51.100.2 61765 typ host generation 0 ufrag EsAw network-id 2',
  'a=candidate:473322822 1 tcp 1518280447 192.0.2.1 9 typ host tcptype active generation 0 ufrag EsAw network-id 1',
  'a=candidate:2154773085 1 tcp 1518214911 198.51.100.2 9 typ host tcptype active generation 0 ufrag EsAw network-id 2',
  'a=end-of-candidates',
]

// RFC 9725 §4.3.2, ICE restart PATCH body.
const WHIP_RESTART = [
  'a=ice-options:trickle ice2',
  'a=group:BUNDLE 0 1',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111',
  'a=mid:0',
  'a=ice-ufrag:ysXw',
  'a=ice-pwd:vw5LmwG4y/e6dPP/zAP9Gp5k',
  'a=candidate:1387637174 1 udp 2122260223 192.0.2.1 61764 typ host generation 0 ufrag EsAw network-id 1',
  'a=candidate:3471623853 1 udp 2122194687 198.51.100.2 61765 typ host generation 0 ufrag EsAw network-id 2',
]

// RFC 8840 §4.4-style INFO body: session-level credentials, three media descriptions, end-of-candidates
// in each. Reproduced from memory of the RFC example, not checked character by character.
const RFC8840_INFO = [
  'a=ice-options:trickle',
  'a=group:BUNDLE audio0 audio1 video',
  'a=ice-pwd:777uzjYhagZgasd88fgpdd',
  'a=ice-ufrag:Yhh8',
  'm=audio 5000 RTP/AVP 0',
  'a=mid:audio0',
  'a=candidate:1 1 UDP 1658497328 192.168.100.33 5000 typ host',
  'a=candidate:2 1 UDP 1658497328 96.1.2.3 5000 typ srflx',
  'a=end-of-candidates',
  'm=audio 5002 RTP/AVP 0',
  'a=mid:audio1',
  'a=candidate:1 1 UDP 1658497328 192.168.100.33 5002 typ host',
  'a=candidate:2 1 UDP 1658497328 96.1.2.3 5002 typ srflx',
  'a=end-of-candidates',
  'm=video 5004 RTP/AVP 31',
  'a=mid:video',
  'a=candidate:1 1 UDP 1658497328 192.168.100.33 5004 typ host',
  'a=candidate:2 1 UDP 1658497328 96.1.2.3 5004 typ srflx',
  'a=end-of-candidates',
]

describe('RFC examples', () => {
  it('RFC 9725 WHIP trickle body: typed and byte-exact round trip', () => {
    const text = crlf(WHIP_TRICKLE)
    const f = parseSdpFrag(text)
    expect(f.groups).toEqual([{ semantics: 'BUNDLE', mids: ['0', '1'] }])
    expect(f.ufrag).toBeUndefined()
    expect(f.media).toHaveLength(1)
    const m = f.media[0]!
    expect(m.mline).toEqual({ media: 'audio', port: 9, proto: 'UDP/TLS/RTP/SAVPF', formats: ['111'] })
    expect(m).toMatchObject({ mid: '0', ufrag: 'EsAw', pwd: 'P2uYro0UCOQ4zxjKXaWCBui1', endOfCandidates: true })
    expect(m.candidates.map((c) => c.foundation)).toEqual(['1387637174', '3471623853', '473322822', '2154773085'])
    expect(m.candidates[2]).toMatchObject({ transport: 'tcp', tcpType: 'active', port: 9, networkId: 1 })
    expect(f.lineEnding).toBe('\r\n')
    expect(serializeSdpFrag(f)).toBe(text)
  })

  it('RFC 9725 ICE restart body: session ice-options, no end-of-candidates', () => {
    const text = crlf(WHIP_RESTART)
    const f = parseSdpFrag(text)
    expect(f.iceOptions).toEqual(['trickle', 'ice2'])
    expect(f.media[0]).toMatchObject({ ufrag: 'ysXw', pwd: 'vw5LmwG4y/e6dPP/zAP9Gp5k', endOfCandidates: false })
    expect(serializeSdpFrag(f)).toBe(text)
  })

  it('RFC 8840 INFO body: session credentials and three media descriptions', () => {
    const f = parseSdpFrag(crlf(RFC8840_INFO))
    expect(f).toMatchObject({ ufrag: 'Yhh8', pwd: '777uzjYhagZgasd88fgpdd', iceOptions: ['trickle'] })
    expect(f.media.map((m) => m.mid)).toEqual(['audio0', 'audio1', 'video'])
    expect(f.media.map((m) => m.endOfCandidates)).toEqual([true, true, true])
    expect(f.media[2]!.mline).toEqual({ media: 'video', port: 5004, proto: 'RTP/AVP', formats: ['31'] })
    expect(f.media.flatMap((m) => m.candidates.map((c) => c.port))).toEqual([5000, 5000, 5002, 5002, 5004, 5004])
    const flat = sdpFragCandidates(f)
    expect(flat).toHaveLength(6)
    expect(flat[5]).toMatchObject({ mid: 'video', ufrag: 'Yhh8', candidate: { type: 'srflx', address: '96.1.2.3' } })
    // canonical order puts ufrag before pwd, so compare models, not bytes
    expect(parseSdpFrag(serializeSdpFrag(f))).toEqual(f)
  })
})

describe('parsing rules', () => {
  it('accepts LF line endings and remembers them', () => {
    const text = `${WHIP_TRICKLE.join('\n')}\n`
    const f = parseSdpFrag(text)
    expect(f.lineEnding).toBe('\n')
    expect(serializeSdpFrag(f)).toBe(text)
  })
  it('accepts a missing final line ending and trailing blank lines', () => {
    expect(parseSdpFrag(WHIP_TRICKLE.join('\r\n')).media[0]!.candidates).toHaveLength(4)
    expect(parseSdpFrag(`${crlf(WHIP_TRICKLE)}\r\n\r\n`).media).toHaveLength(1)
  })
  it('an empty body is an empty fragment', () => {
    expect(parseSdpFrag('')).toMatchObject({ media: [], groups: [], endOfCandidates: false })
  })
  it('session-level end-of-candidates and ice-lite', () => {
    const f = parseSdpFrag(crlf(['a=ice-lite', 'a=ice-ufrag:abcd', 'a=end-of-candidates']))
    expect(f).toMatchObject({ iceLite: true, ufrag: 'abcd', endOfCandidates: true, media: [] })
  })
  it('keeps unknown lines at both levels, in order', () => {
    const f = parseSdpFrag(crlf(['a=x-session:1', 'm=audio 9 RTP/AVP 0', 'c=IN IP4 0.0.0.0', 'a=mid:0', 'a=rtcp-mux', 'a=x-two']))
    expect(f.otherLines).toEqual(['a=x-session:1'])
    expect(f.media[0]!.otherLines).toEqual(['c=IN IP4 0.0.0.0', 'a=rtcp-mux', 'a=x-two'])
    expect(serializeSdpFrag(f)).toBe(crlf(['a=x-session:1', 'm=audio 9 RTP/AVP 0', 'c=IN IP4 0.0.0.0', 'a=mid:0', 'a=rtcp-mux', 'a=x-two']))
  })
  it('m= port count is kept', () => {
    const f = parseSdpFrag(crlf(['m=audio 5000/2 RTP/AVP 0', 'a=mid:a']))
    expect(f.media[0]!.mline).toMatchObject({ port: 5000, portCount: 2 })
    expect(serializeSdpFrag(f)).toContain('m=audio 5000/2 RTP/AVP 0\r\n')
  })
})

describe('errors name the line and reason', () => {
  const M = ['m=audio 9 RTP/AVP 0', 'a=mid:0']
  const cases: [string, string[], RegExp, number][] = [
    ['candidate before any m= line', ['a=ice-ufrag:abcd', 'a=candidate:1 1 udp 1 192.0.2.1 1 typ host'], /a=candidate before any m= line/, 2],
    ['a=mid at session level', ['a=mid:0'], /a=mid before any m= line/, 1],
    ['media description without mid', ['m=audio 9 RTP/AVP 0', 'a=candidate:1 1 udp 1 192.0.2.1 1 typ host'], /media description 1 has no a=mid/, 1],
    ['first media without mid, second fine', ['m=audio 9 RTP/AVP 0', ...M], /media description 1 has no a=mid/, 1],
    ['two mids', [...M, 'a=mid:1'], /second a=mid/, 3],
    ['bad candidate inside', [...M, 'a=candidate:1 0 udp 1 192.0.2.1 1 typ host'], /candidate: component 0 is out of range/, 3],
    ['short ufrag', ['a=ice-ufrag:abc'], /ice-ufrag must be 4 to 256/, 1],
    ['short pwd', ['a=ice-pwd:tooshort'], /ice-pwd must be 22 to 256/, 1],
    ['ufrag with bad char', [...M, 'a=ice-ufrag:ab_cd'], /ice-ufrag must be/, 3],
    ['duplicate session ufrag', ['a=ice-ufrag:abcd', 'a=ice-ufrag:efgh'], /second a=ice-ufrag at session level/, 2],
    ['end-of-candidates with a value', [...M, 'a=end-of-candidates:yes'], /takes no value/, 3],
    ['ice-lite at media level', [...M, 'a=ice-lite'], /session-level only/, 3],
    ['group at media level', [...M, 'a=group:BUNDLE 0'], /session-level only/, 3],
    ['not an SDP line', ['hello'], /not an SDP line/, 1],
    ['blank line in the middle', ['a=ice-ufrag:abcd', '', 'a=ice-pwd:asd88fgpdd777uzjYhagZg'], /blank line/, 2],
    ['m= line too short', ['m=audio 9'], /m= line needs/, 1],
    ['m= port too big', ['m=audio 70000 RTP/AVP 0', 'a=mid:0'], /m= port "70000"/, 1],
    ['mid not a token', ['m=audio 9 RTP/AVP 0', 'a=mid:a b'], /a=mid value must be a token/, 2],
  ]
  for (const [name, lines, pattern, lineNumber] of cases) {
    it(name, () => {
      expectFails(crlf(lines), pattern, lineNumber)
    })
  }
  it('bare CR is an error', () => {
    expectFails('a=ice-ufrag:abcd\ra=ice-pwd:asd88fgpdd777uzjYhagZg\r\n', /bare CR/, 1)
  })
  it('the error carries the offending line and a hint', () => {
    const e = expectFails(crlf(['a=candidate:1 1 udp 1 192.0.2.1 1 typ host']), /before any m= line/)
    expect(e.line).toBe('a=candidate:1 1 udp 1 192.0.2.1 1 typ host')
    expect(e.hint).toMatch(/a=mid/)
  })
})

describe('buildSdpFrag', () => {
  const host = 'candidate:1387637174 1 udp 2122260223 192.0.2.1 61764 typ host generation 0 ufrag EsAw network-id 1'
  it('builds an RFC 8840 body with the placeholder m= line and session credentials', () => {
    const body = buildSdpFrag({ ufrag: 'EsAw', pwd: 'P2uYro0UCOQ4zxjKXaWCBui1', media: [{ mid: '0', candidates: [host], endOfCandidates: true }] })
    expect(body).toBe(crlf(['a=ice-ufrag:EsAw', 'a=ice-pwd:P2uYro0UCOQ4zxjKXaWCBui1', PLACEHOLDER_MLINE, 'a=mid:0', `a=${host}`, 'a=end-of-candidates']))
    expect(PLACEHOLDER_MLINE).toBe('m=audio 9 RTP/AVP 0')
  })
  it('builds the RFC 9725 WHIP body exactly (media credentials, bundle, m-line from the offer)', () => {
    const body = buildSdpFrag({
      ufrag: 'EsAw',
      pwd: 'P2uYro0UCOQ4zxjKXaWCBui1',
      credentialsAt: 'media',
      bundle: ['0', '1'],
      media: [
        { mid: '0', mline: 'm=audio 9 UDP/TLS/RTP/SAVPF 111', candidates: WHIP_TRICKLE.slice(5, 9).map((l) => parseCandidate(l)), endOfCandidates: true },
      ],
    })
    expect(body).toBe(crlf(WHIP_TRICKLE))
  })
  it('bundle: true groups every mid; LF on request; no end-of-candidates by default', () => {
    const body = buildSdpFrag({
      ufrag: 'abcd',
      pwd: 'asd88fgpdd777uzjYhagZg',
      bundle: true,
      iceOptions: ['trickle'],
      lineEnding: '\n',
      media: [
        { mid: 'a', candidates: [] },
        { mid: 'v', mline: 'video 9 UDP/TLS/RTP/SAVPF 96', candidates: [] },
      ],
    })
    expect(body).toBe(
      'a=ice-options:trickle\na=group:BUNDLE a v\na=ice-ufrag:abcd\na=ice-pwd:asd88fgpdd777uzjYhagZg\nm=audio 9 RTP/AVP 0\na=mid:a\nm=video 9 UDP/TLS/RTP/SAVPF 96\na=mid:v\n',
    )
  })
  it('rejects bad credentials, mids and candidates', () => {
    const base = { ufrag: 'abcd', pwd: 'asd88fgpdd777uzjYhagZg', media: [{ mid: '0', candidates: [] }] }
    expect(() => buildSdpFrag({ ...base, ufrag: 'a' })).toThrow(/ice-ufrag must be 4 to 256/)
    expect(() => buildSdpFrag({ ...base, pwd: 'short' })).toThrow(/ice-pwd must be 22 to 256/)
    expect(() => buildSdpFrag({ ...base, media: [{ mid: 'a b', candidates: [] }] })).toThrow(/a=mid value must be a token/)
    expect(() => buildSdpFrag({ ...base, media: [{ mid: '0', candidates: ['candidate:1 1 udp 1 1.2.3.4 99999 typ host'] }] })).toThrow(/port 99999/)
    expect(() => buildSdpFrag({ ...base, media: [{ mid: '0', mline: 'audio', candidates: [] }] })).toThrow(ParseError)
  })
})

describe('properties', () => {
  it('parse ∘ serialize is the identity on valid fragments', () => {
    fc.assert(
      fc.property(sdpFragArb, (f) => {
        const text = serializeSdpFrag(f)
        expect(parseSdpFrag(text)).toEqual(f)
        expect(serializeSdpFrag(parseSdpFrag(text))).toBe(text)
      }),
      { numRuns: 300 },
    )
  })

  it('a body with other lines out of canonical order round-trips (a b= line after an a= line)', () => {
    const body = 'i=trickle\nb=AS:30\na=   e-lite\na=ice-options:AAAA\nb=ice-ufrag:AAAAAAAAAAA\na=x-custom:one two\na=end-of-candidates\n'
    const frag = parseSdpFrag(body)
    expect(frag.otherLines).toEqual(['i=trickle', 'b=AS:30', 'b=ice-ufrag:AAAAAAAAAAA', 'a=   e-lite', 'a=x-custom:one two'])
    expect(parseSdpFrag(serializeSdpFrag(frag))).toEqual(frag)
  })

  it('arbitrary and near-valid bodies never throw anything but ParseError', () => {
    const inputs = fc.oneof(
      fc.string({ maxLength: 400 }),
      fc
        .array(fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom('m=audio 9 RTP/AVP 0', 'a=mid:0', 'a=end-of-candidates')), { maxLength: 10 })
        .map((l) => l.join('\r\n')),
      mutated(sdpFragArb.map(serializeSdpFrag)),
      mutated(candidateArb.map((c) => `m=audio 9 RTP/AVP 0\r\na=mid:0\r\n${'a=candidate:'}${c.foundation} 1 udp 1 192.0.2.1 1 typ host\r\n`)),
    )
    fc.assert(
      fc.property(inputs, (s) => {
        const r = safeParseSdpFrag(s)
        if (r.ok) expect(parseSdpFrag(serializeSdpFrag(r.value))).toEqual(r.value)
        else expect(r.error).toBeInstanceOf(ParseError)
      }),
      { numRuns: 1500 },
    )
  })

  it('huge and pathological bodies fail or pass fast', () => {
    const inputs = [
      `${'\n'.repeat(200_000)}x`,
      '\r\n'.repeat(100_000),
      'a=x'.repeat(100_000),
      crlf(['m=audio 9 RTP/AVP 0', 'a=mid:0', ...Array.from({ length: 5000 }, (_, i) => `a=candidate:${i} 1 udp 1 192.0.2.1 ${i} typ host`)]),
      'a'.repeat(2_000_000),
    ]
    const t0 = performance.now()
    for (const s of inputs) {
      const r = safeParseSdpFrag(s)
      if (!r.ok) expect(r.error).toBeInstanceOf(ParseError)
    }
    expect(performance.now() - t0).toBeLessThan(2000)
  })
})
