import { describe, it, expect } from 'vitest'
import { ParseError } from '../../src/errors.ts'
import {
  attributesNamed,
  attributesOf,
  codecs,
  connection,
  direction,
  findAttribute,
  fmtpParameters,
  formatAttribute,
  mediaLine,
  origin,
  parseSdp,
  ptime,
  safeParseSdp,
  serializeSdp,
  sessionName,
  type MediaSection,
  type SessionDescription,
} from '../../src/sdp/index.ts'
import { load } from './corpus.ts'

const HEAD = ['v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 't=0 0']
const sdp = (...lines: string[]) => `${lines.join('\r\n')}\r\n`

function section(desc: SessionDescription, index: number): MediaSection {
  const s = desc.media[index]
  if (!s) throw new Error(`no media section ${index}`)
  return s
}

/** Parse, expect a ParseError, and return it. */
function parseError(text: string): ParseError {
  let caught: unknown
  try {
    parseSdp(text)
  } catch (e) {
    caught = e
  }
  expect(caught).toBeInstanceOf(ParseError)
  const err = caught as ParseError
  expect(err.format).toBe('sdp')
  expect(err.code).toBe('SDP_PARSE')
  return err
}

describe('RFC 8866 §5 example', () => {
  const desc = parseSdp(load('rfc8866-example.sdp'))
  it('reads every session field', () => {
    expect(origin(desc)).toEqual({
      username: 'jdoe',
      sessionId: '3724394400',
      sessionVersion: '3724394405',
      netType: 'IN',
      addrType: 'IP4',
      address: '198.51.100.1',
    })
    expect(sessionName(desc)).toBe('Call to John Smith')
    expect(desc.lines.map((l) => (l.kind === 'field' ? `${l.letter}=${l.value}` : l.kind))).toEqual([
      'v=0',
      'origin',
      's=Call to John Smith',
      'i=SDP Offer #1',
      'u=http://www.jdoe.example.com/home.html',
      'e=Jane Doe <jane@jdoe.example.com>',
      'p=+1 617 555-6011',
      'connection',
      'timing',
    ])
  })
  it('reads three media sections with their connections', () => {
    expect(desc.media.map((s) => mediaLine(s))).toEqual([
      { media: 'audio', port: 49170, proto: 'RTP/AVP', formats: ['0'] },
      { media: 'audio', port: 49180, proto: 'RTP/AVP', formats: ['0'] },
      { media: 'video', port: 51372, proto: 'RTP/AVP', formats: ['99'] },
    ])
    expect(connection(section(desc, 0), desc)).toEqual({ netType: 'IN', addrType: 'IP4', address: '198.51.100.1' })
    expect(connection(section(desc, 2), desc)).toEqual({ netType: 'IN', addrType: 'IP6', address: '2001:db8::2' })
    expect(codecs(section(desc, 2))).toMatchObject([{ payloadType: 99, encodingName: 'h263-1998', clockRate: 90000 }])
    expect(codecs(section(desc, 0))).toMatchObject([{ payloadType: 0, encodingName: 'PCMU', static: true }])
  })
})

describe('structure errors name the line number, the line and the reason', () => {
  it('empty input', () => {
    const err = parseError('')
    expect(err.reason).toMatch(/empty input/)
    expect(parseError('\r\n\r\n').reason).toMatch(/empty input/)
  })
  it('missing v=', () => {
    const err = parseError(sdp('o=- 1 1 IN IP4 127.0.0.1', 's=-', 't=0 0'))
    expect(err.lineNumber).toBe(1)
    expect(err.line).toBe('o=- 1 1 IN IP4 127.0.0.1')
    expect(err.reason).toMatch(/first line must be v=0/)
    expect(err.message).toContain('at line 1')
  })
  it('wrong version', () => {
    const err = parseError(sdp('v=1', ...HEAD.slice(1)))
    expect(err.lineNumber).toBe(1)
    expect(err.reason).toMatch(/only v=0/)
  })
  it('missing o=', () => {
    const err = parseError(sdp('v=0', 's=-', 't=0 0'))
    expect(err.lineNumber).toBe(2)
    expect(err.reason).toMatch(/second line must be o=/)
  })
  it('o= with too few fields', () => {
    const err = parseError(sdp('v=0', 'o=- 1 IN IP4 127.0.0.1', 's=-', 't=0 0'))
    expect(err.lineNumber).toBe(2)
    expect(err.reason).toMatch(/o= needs 6 fields.*found 5/)
    expect(err.hint).toMatch(/o=-/)
  })
  it('s= out of order', () => {
    const err = parseError(sdp('v=0', 'o=- 1 1 IN IP4 127.0.0.1', 't=0 0', 's=-'))
    expect(err.lineNumber).toBe(3)
    expect(err.reason).toMatch(/third line must be s=/)
  })
  it('missing t= before m=', () => {
    const err = parseError(sdp('v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 'm=audio 9 RTP/AVP 0'))
    expect(err.lineNumber).toBe(4)
    expect(err.line).toBe('m=audio 9 RTP/AVP 0')
    expect(err.reason).toMatch(/missing t=/)
  })
  it('missing t= entirely', () => {
    const err = parseError(sdp('v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 'a=ice-lite'))
    expect(err.lineNumber).toBe(4)
    expect(err.reason).toMatch(/missing t= line/)
  })
  it('input that ends after v=', () => {
    const err = parseError('v=0\r\n')
    expect(err.lineNumber).toBe(1)
    expect(err.reason).toMatch(/ends early/)
  })
  it('a line without =', () => {
    const err = parseError(sdp(...HEAD, 'm=audio 9 RTP/AVP 0', 'a=rtpmap:0 PCMU/8000', 'garbage'))
    expect(err.lineNumber).toBe(7)
    expect(err.line).toBe('garbage')
    expect(err.reason).toMatch(/no '='/)
  })
  it('= not in column 2', () => {
    const err = parseError(sdp(...HEAD, 'ab=cd'))
    expect(err.lineNumber).toBe(5)
    expect(err.reason).toMatch(/column 3/)
  })
  it('unknown type letter', () => {
    const err = parseError(sdp(...HEAD, 'y=1'))
    expect(err.lineNumber).toBe(5)
    expect(err.reason).toMatch(/unknown type letter "y"/)
    expect(parseError(sdp(...HEAD, 'A=1')).reason).toMatch(/unknown type letter "A"/)
  })
  it('empty line in the middle', () => {
    const err = parseError(sdp('v=0', 'o=- 1 1 IN IP4 127.0.0.1', '', 's=-', 't=0 0'))
    expect(err.lineNumber).toBe(3)
    expect(err.reason).toMatch(/empty line/)
  })
  it.each([
    ['m=audio', /at least one <fmt>, found 1/],
    ['m=audio 9 RTP/AVP', /at least one <fmt>, found 3/],
    ['m=audio nine RTP/AVP 0', /port "nine"/],
    ['m=audio 70000 RTP/AVP 0', /port "70000"/],
    ['m=audio 9/0 RTP/AVP 0', /port count/],
    ['m=au(dio 9 RTP/AVP 0', /not a token/],
  ])('bad m= line %j', (mline, reason) => {
    const err = parseError(sdp(...HEAD, mline, 'a=sendrecv'))
    expect(err.lineNumber).toBe(5)
    expect(err.line).toBe(mline)
    expect(err.reason).toMatch(reason)
  })
  it.each([
    ['c=IN IP4', /c= needs 3 fields/],
    ['b=AS', /b= must be/],
    ['b=AS:fast', /b= must be/],
  ])('bad %j', (line, reason) => {
    const err = parseError(sdp(...HEAD, line))
    expect(err.lineNumber).toBe(5)
    expect(err.reason).toMatch(reason)
  })
  it('bad t=', () => {
    const err = parseError(sdp('v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 't=now'))
    expect(err.lineNumber).toBe(4)
    expect(err.reason).toMatch(/t= must be/)
  })
  it('session-only lines inside a media description', () => {
    const err = parseError(sdp(...HEAD, 'm=audio 9 RTP/AVP 0', 't=0 0'))
    expect(err.lineNumber).toBe(6)
    expect(err.reason).toMatch(/t= is not allowed inside a media description/)
  })
  it('repeated o=', () => {
    expect(parseError(sdp(...HEAD, 'o=- 1 1 IN IP4 127.0.0.1')).reason).toMatch(/only once/)
  })
  it('r= before t=', () => {
    expect(parseError(sdp('v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 'r=7d 1h 0 25h', 't=0 0')).reason).toMatch(/r= .* must follow a t= line/)
  })
  it('a= with no name, or a name that is not a token', () => {
    expect(parseError(sdp(...HEAD, 'a=')).reason).toMatch(/no attribute name/)
    expect(parseError(sdp(...HEAD, 'a=:x')).reason).toMatch(/no attribute name/)
    const err = parseError(sdp(...HEAD, 'a=rtp map:0 PCMU/8000'))
    expect(err.lineNumber).toBe(5)
    expect(err.reason).toMatch(/not a token/)
  })
  it('a non-string input', () => {
    expect(() => parseSdp(42 as unknown as string)).toThrow(ParseError)
  })
  it('safeParseSdp returns the error instead of throwing', () => {
    const r = safeParseSdp('hello')
    expect(r.ok).toBe(false)
    if (!r.ok) {
      expect(r.error.lineNumber).toBe(1)
      expect(r.error.reason).toMatch(/no '='/)
    }
    const ok = safeParseSdp(sdp(...HEAD))
    expect(ok.ok).toBe(true)
    if (ok.ok) expect(sessionName(ok.value)).toBe('-')
  })
})

describe('unknown attributes', () => {
  const text = sdp(...HEAD, 'a=x-first:1', 'a=zeta', 'm=audio 9 RTP/AVP 0', 'a=x-b:2', 'a=rtpmap:0 PCMU/8000', 'a=x-a', 'a=x-c:', 'a=x-b:1')
  const desc = parseSdp(text)
  it('are kept in order with their values, flag vs empty value distinguished', () => {
    const audio = section(desc, 0)
    expect(audio.lines).toEqual([
      { kind: 'attribute', name: 'x-b', value: '2' },
      { kind: 'rtpmap', payloadType: 0, encodingName: 'PCMU', clockRate: 8000 },
      { kind: 'attribute', name: 'x-a' },
      { kind: 'attribute', name: 'x-c', value: '' },
      { kind: 'attribute', name: 'x-b', value: '1' },
    ])
    expect(attributesNamed(audio, 'x-b').map((a) => (a.kind === 'attribute' ? a.value : ''))).toEqual(['2', '1'])
    expect(desc.lines.slice(4)).toEqual([
      { kind: 'attribute', name: 'x-first', value: '1' },
      { kind: 'attribute', name: 'zeta' },
    ])
  })
  it('round-trip exactly', () => {
    expect(serializeSdp(desc)).toBe(text)
  })
  it('with names like Object.prototype members stay generic', () => {
    const t = sdp(...HEAD, 'a=__proto__:x', 'a=constructor', 'a=toString:1', 'a=hasOwnProperty')
    const d = parseSdp(t)
    expect(d.lines.slice(4)).toEqual([
      { kind: 'attribute', name: '__proto__', value: 'x' },
      { kind: 'attribute', name: 'constructor' },
      { kind: 'attribute', name: 'toString', value: '1' },
      { kind: 'attribute', name: 'hasOwnProperty' },
    ])
    expect(attributesOf(d).map((a) => a.kind)).toEqual(['attribute', 'attribute', 'attribute', 'attribute'])
    expect(serializeSdp(d)).toBe(t)
  })
})

describe('sloppy input', () => {
  const text = load('handwritten-sloppy-lf.sdp')
  const desc = parseSdp(text)
  it('is accepted with LF endings, empty s=, trailing whitespace', () => {
    expect(desc.lineEnding).toBe('\n')
    expect(sessionName(desc)).toBe('')
    expect(desc.lines[3]).toEqual({ kind: 'field', letter: 't', value: '0 0 ' })
    expect(serializeSdp(desc)).toBe(text)
  })
  it('still gives typed views of non-canonical lines', () => {
    const audio = section(desc, 0)
    const generic = audio.lines.find((l) => l.kind === 'attribute' && l.name === 'rtpmap')
    expect(generic).toEqual({ kind: 'attribute', name: 'rtpmap', value: '8 PCMA/8000 ' })
    expect(codecs(audio).map((c) => [c.payloadType, c.encodingName, c.static])).toEqual([
      [0, 'PCMU', false],
      [8, 'PCMA', false],
      [101, 'telephone-event', false],
    ])
    expect(direction(audio, desc)).toBe('recvonly')
    expect(ptime(audio)).toBe(20)
  })
  it('keeps mixed line endings and a missing final terminator', () => {
    const mixed = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\ns=-\r\nt=0 0\r\na=x-y'
    const d = parseSdp(mixed)
    expect(d.lineEnding).toBe('\r\n')
    expect(d.lines[1]?.eol).toBe('\n')
    expect(d.trailer).toBe('')
    expect(serializeSdp(d)).toBe(mixed)
  })
  it('keeps extra blank lines at the end', () => {
    const t = `${sdp(...HEAD)}\r\n\n`
    const d = parseSdp(t)
    expect(d.trailer).toBe('\r\n\r\n\n')
    expect(serializeSdp(d)).toBe(t)
  })
  it('keeps non-canonical structural lines verbatim', () => {
    const t = sdp('v=0', 'o=-  1 1 IN IP4 127.0.0.1', 's=-', 't=0 0', 'm=audio  9 RTP/AVP 0', 'c=IN IP4 127.0.0.1 ')
    const d = parseSdp(t)
    expect(d.lines[1]).toEqual({ kind: 'field', letter: 'o', value: '-  1 1 IN IP4 127.0.0.1' })
    expect(origin(d)?.sessionId).toBe('1')
    expect(mediaLine(section(d, 0))).toEqual({ media: 'audio', port: 9, proto: 'RTP/AVP', formats: ['0'] })
    expect(connection(section(d, 0))?.address).toBe('127.0.0.1')
    expect(serializeSdp(d)).toBe(t)
  })
})

describe('typed attributes', () => {
  it.each([
    ['a=group:BUNDLE 0 1', { kind: 'group', semantics: 'BUNDLE', mids: ['0', '1'] }],
    ['a=group:BUNDLE', { kind: 'group', semantics: 'BUNDLE', mids: [] }],
    ['a=msid:s t', { kind: 'msid', streamId: 's', trackId: 't' }],
    ['a=msid-semantic:WMS *', { kind: 'msid-semantic', semantic: 'WMS', identifiers: ['*'] }],
    ['a=ice-options:trickle ice2', { kind: 'ice-options', options: ['trickle', 'ice2'] }],
    ['a=ice-lite', { kind: 'ice-lite' }],
    ['a=setup:passive', { kind: 'setup', role: 'passive' }],
    ['a=rtcp:9', { kind: 'rtcp', port: 9 }],
    ['a=rtcp-fb:* nack', { kind: 'rtcp-fb', payloadType: '*', type: 'nack' }],
    ['a=rtcp-fb:96 ccm fir', { kind: 'rtcp-fb', payloadType: 96, type: 'ccm', parameters: 'fir' }],
    ['a=extmap:3/recvonly urn:x attr', { kind: 'extmap', id: 3, direction: 'recvonly', uri: 'urn:x', attributes: 'attr' }],
    ['a=ssrc:1 msid:a b', { kind: 'ssrc', ssrc: 1, attribute: 'msid', value: 'a b' }],
    ['a=ssrc-group:SIM 1 2 3', { kind: 'ssrc-group', semantics: 'SIM', ssrcs: [1, 2, 3] }],
    [
      'a=simulcast:recv a;b send c',
      { kind: 'simulcast', recv: [[{ rid: 'a', paused: false }], [{ rid: 'b', paused: false }]], send: [[{ rid: 'c', paused: false }]], recvFirst: true },
    ],
    ['a=rid:r0 recv', { kind: 'rid', id: 'r0', direction: 'recv' }],
    ['a=ptime:20', { kind: 'ptime', ms: 20 }],
    ['a=maxptime:120', { kind: 'maxptime', ms: 120 }],
    ['a=inactive', { kind: 'direction', direction: 'inactive' }],
    ['a=end-of-candidates', { kind: 'end-of-candidates' }],
    ['a=candidate:1 1 udp 1 127.0.0.1 9 typ host', { kind: 'candidate', value: '1 1 udp 1 127.0.0.1 9 typ host' }],
  ])('%s', (line, expected) => {
    const desc = parseSdp(sdp(...HEAD, 'm=audio 9 RTP/AVP 0', line))
    const attr = section(desc, 0).lines[0]
    expect(attr).toEqual(expected)
    expect(formatAttribute(attr as never)).toBe(line)
  })
  it.each([
    'a=rtpmap:0 PCMU/8000/x', // bad channels
    'a=rtpmap:300 X/8000', // pt > 127
    'a=setup:sideways',
    'a=sctp-port:99999',
    'a=extmap:1/upward urn:x',
    'a=rtcp-mux:yes', // flag with a value
    'a=rtpmap:01 PCMU/8000', // leading zero would not reproduce
    'a=ssrc:4294967296 cname:x', // > 32 bits
  ])('keeps %s generic (does not fit its grammar or would not reproduce)', (line) => {
    const text = sdp(...HEAD, 'm=audio 9 RTP/AVP 0', line)
    const desc = parseSdp(text)
    expect(section(desc, 0).lines[0]?.kind).toBe('attribute')
    expect(serializeSdp(desc)).toBe(text)
  })
  it('resolves the Chromium "msid-semantic: WMS" form (leading space) for accessors', () => {
    const desc = parseSdp(sdp(...HEAD, 'a=msid-semantic: WMS abc'))
    expect(desc.lines[4]).toEqual({ kind: 'attribute', name: 'msid-semantic', value: ' WMS abc' })
    expect(findAttribute(desc, 'msid-semantic')).toEqual({ kind: 'msid-semantic', semantic: 'WMS', identifiers: ['abc'] })
    expect(attributesOf(desc).map((a) => a.kind)).toEqual(['msid-semantic'])
  })
  it('fmtpParameters splits k=v pairs', () => {
    expect(fmtpParameters('minptime=10; useinbandfec=1;;0-15')).toEqual(
      new Map([
        ['minptime', '10'],
        ['useinbandfec', '1'],
        ['0-15', ''],
      ]),
    )
  })
})

describe('editing the typed model', () => {
  it('serializes typed changes', () => {
    const desc = parseSdp(load('werift-offer-audio.sdp'))
    const audio = section(desc, 0)
    const dir = audio.lines.find((l) => l.kind === 'direction')
    if (dir?.kind !== 'direction') throw new Error('no direction attribute')
    dir.direction = 'recvonly'
    audio.lines.push({ kind: 'ptime', ms: 20 })
    const text = serializeSdp(desc)
    expect(text).toContain('\r\na=recvonly\r\n')
    expect(text.endsWith('a=ptime:20\r\n')).toBe(true)
    expect(text).not.toContain('a=sendrecv')
    const again = parseSdp(text)
    expect(direction(section(again, 0), again)).toBe('recvonly')
    expect(ptime(section(again, 0))).toBe(20)
  })
})
