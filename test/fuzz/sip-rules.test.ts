/** The SIP fuzz profiles' rules: where silence is permitted, where a response is forbidden, which statuses are required. */
import { describe, expect, test } from 'vitest'
import { parseSipMessage, type SipRequest, type SipResponse } from '../../src/sip/message.ts'
import { correlationProblems, finalResponseProblems, requestProblems, sipExpectation, type SipProfile } from '../../src/fuzz/targets/sip-rules.ts'
import { personalizeSipText } from '../../src/fuzz/targets/sip.ts'

const HARNESS = { host: '127.0.0.1', port: 40000 }
const PROXY = { host: '127.0.0.1', port: 5070 }

function request(method: string, extra: string[] = [], options: { via?: string; body?: string } = {}): string {
  const lines = [
    `${method} sip:bob@127.0.0.1:5070 SIP/2.0`,
    options.via ?? 'Via: SIP/2.0/UDP 127.0.0.1:40000;branch=z9hG4bKabc',
    'Max-Forwards: 70',
    'From: <sip:alice@example.test>;tag=1',
    'To: <sip:bob@example.test>',
    'Call-ID: c1',
    `CSeq: 1 ${method}`,
    ...extra,
    `Content-Length: ${options.body?.length ?? 0}`,
    '',
    options.body ?? '',
  ]
  return lines.join('\r\n')
}

function response(status: number, text = request('OPTIONS'), extra: string[] = []): SipResponse {
  const req = parseSipMessage(text) as SipRequest
  const headers = req.headers.filter((h) => /^(via|from|to|call-id|cseq)$/i.test(h.name))
  return {
    kind: 'response',
    version: 'SIP/2.0',
    status,
    reason: 'X',
    headers: [...headers, ...extra.map((e) => ({ name: e.split(':')[0]!, value: e.slice(e.indexOf(':') + 1).trim() }))],
    body: '',
  }
}

const expect_ = (profile: SipProfile, text: string) => sipExpectation(profile, text, HARNESS, PROXY)

describe('permitted silence', () => {
  test('a well-formed request is owed a final response by every profile', () => {
    for (const p of ['uas', 'proxy', 'registrar'] as const) expect(expect_(p, request('OPTIONS'))).toMatchObject({ answer: 'final' })
  })

  test('unparsable: a message rtcspec cannot parse may go unanswered (bad framing: Content-Length beyond the body)', () => {
    const e = expect_('proxy', request('OPTIONS').replace('Content-Length: 0', 'Content-Length: 50'))
    expect(e).toMatchObject({ answer: 'optional', rule: { id: 'unparsable' } })
  })

  test.each([
    ['two To headers', request('OPTIONS', ['To: <sip:x@example.test>'])],
    ['an empty Via', request('OPTIONS', ['Via:'])],
    ['an empty branch on a lower Via', request('OPTIONS', ['Via: SIP/2.0/UDP 127.0.0.1;branch='])],
    ['an unterminated To', request('OPTIONS').replace('To: <sip:bob@example.test>', 'To: "unterminated <sip:x@example.test>')],
    ['text after the name-addr', request('OPTIONS').replace('To: <sip:bob@example.test>', 'To: <sip:bob@example.test> 1e309')],
    ['CSeq method differs', request('OPTIONS').replace('CSeq: 1 OPTIONS', 'CSeq: 1 BYE')],
    ['Max-Forwards -1', request('OPTIONS').replace('Max-Forwards: 70', 'Max-Forwards: -1')],
    ['From: <sip:>', request('OPTIONS').replace('From: <sip:alice@example.test>;tag=1', 'From: <sip:>')],
    ['Contact * outside REGISTER', request('INVITE', ['Contact: *'])],
    ['a bare LF ending a header line', request('OPTIONS').replace('Call-ID: c1\r\n', 'Call-ID: c1\n')],
    ['Authorization without parameters', request('REGISTER', ['Authorization: Digest'])],
  ])('malformed: %s may go unanswered', (_, text) => {
    const e = expect_('proxy', text)
    expect(e.answer).toBe('optional')
    expect(e.rule?.id).toBe('malformed')
    expect(requestProblems(parseSipMessage(text) as SipRequest, text).length).toBeGreaterThan(0)
  })

  test('too-large-for-udp: a request over 1300 bytes may go unanswered over UDP', () => {
    expect(expect_('uas', request('MESSAGE', ['Content-Type: text/plain'], { body: 'x'.repeat(1400) }))).toMatchObject({
      answer: 'optional',
      rule: { id: 'too-large-for-udp' },
    })
  })

  test('via-elsewhere: the top Via names another address without rport; with rport the answer comes back', () => {
    const elsewhere = request('OPTIONS', [], { via: 'Via: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKabc' })
    expect(expect_('uas', elsewhere)).toMatchObject({ answer: 'optional', rule: { id: 'via-elsewhere' } })
    expect(expect_('uas', elsewhere.replace('branch=z9hG4bKabc', 'branch=z9hG4bKabc;rport'))).toMatchObject({ answer: 'final' })
    // over a connection (no harness address) the answer takes the connection
    expect(sipExpectation('uas', elsewhere, undefined, PROXY)).toMatchObject({ answer: 'final' })
  })

  test('route-elsewhere: a proxy forwards a pre-loaded Route to another element; a Route to itself does not count', () => {
    expect(expect_('proxy', request('OPTIONS', ['Route: <sip:127.0.0.1;lr>']))).toMatchObject({ answer: 'optional', rule: { id: 'route-elsewhere' } })
    expect(expect_('proxy', request('OPTIONS', ['Route: <sip:127.0.0.1:5070;lr>']))).toMatchObject({ answer: 'final' })
    expect(expect_('uas', request('OPTIONS', ['Route: <sip:127.0.0.1;lr>']))).toMatchObject({ answer: 'final' })
  })

  test('forwarded-elsewhere: a proxy forwards a request for another element there; a UAS answers it', () => {
    const text = request('OPTIONS').replace('sip:bob@127.0.0.1:5070', 'sip:bob@example.test')
    expect(expect_('proxy', text)).toMatchObject({ answer: 'optional', rule: { id: 'forwarded-elsewhere' } })
    expect(expect_('registrar', text.replace('sip:bob@example.test', 'sip:bob@127.0.0.1'))).toMatchObject({
      answer: 'optional',
      rule: { id: 'forwarded-elsewhere' },
    })
    expect(expect_('uas', text)).toMatchObject({ answer: 'final' })
  })

  test('cancel-unmatched: a proxy or registrar may drop a CANCEL without a transaction; a UAS must answer 481', () => {
    expect(expect_('proxy', request('CANCEL'))).toMatchObject({ answer: 'optional', rule: { id: 'cancel-unmatched' } })
    expect(expect_('registrar', request('CANCEL'))).toMatchObject({ answer: 'optional', rule: { id: 'cancel-unmatched' } })
    const uas = expect_('uas', request('CANCEL'))
    expect(uas.answer).toBe('final')
    const req = uas.request as SipRequest
    expect(finalResponseProblems('uas', req, response(481, request('CANCEL')))).toEqual([])
    expect(finalResponseProblems('uas', req, response(200, request('CANCEL')))[0]).toMatch(/answered 200, not 481/)
  })
})

describe('forbidden answers', () => {
  test('an ACK is never answered, even a malformed one', () => {
    expect(expect_('proxy', request('ACK'))).toMatchObject({ answer: 'never', rule: { id: 'ack' } })
    expect(expect_('uas', request('ACK', ['To: <sip:x@example.test>']))).toMatchObject({ answer: 'never', rule: { id: 'ack' } })
  })

  test('a stray response is never answered', () => {
    const text =
      'SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:40000;branch=z9hG4bKx\r\nFrom: <sip:a@example.test>;tag=1\r\nTo: <sip:b@example.test>;tag=2\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n'
    expect(expect_('proxy', text)).toMatchObject({ answer: 'never', rule: { id: 'response' } })
  })
})

describe('required statuses', () => {
  test('proxy and registrar: an unknown Proxy-Require is refused 420 (RFC 3261 §16.3 step 5); a UAS ignores Proxy-Require', () => {
    const text = request('OPTIONS', ['Proxy-Require: x'])
    const req = expect_('proxy', text).request as SipRequest
    expect(finalResponseProblems('proxy', req, response(404, text))[0]).toMatch(/Proxy-Require: x .* answered 404, not 420/)
    expect(finalResponseProblems('registrar', req, response(404, text))).toHaveLength(1)
    expect(finalResponseProblems('proxy', req, response(420, text))).toEqual([])
    expect(finalResponseProblems('uas', req, response(200, text))).toEqual([])
  })

  test('uas: an unknown Require is not accepted (420, RFC 3261 §8.2.2.3); a proxy forwards it', () => {
    const text = request('OPTIONS', ['Require: x-unknown-extension'])
    const req = expect_('uas', text).request as SipRequest
    expect(finalResponseProblems('uas', req, response(200, text))[0]).toMatch(/not 420/)
    expect(finalResponseProblems('uas', req, response(420, text))).toEqual([])
    expect(finalResponseProblems('proxy', req, response(404, text))).toEqual([])
  })

  test('registrar: Contact "*" with other Contacts is refused (400, §10.3 step 6)', () => {
    const text = request('REGISTER', ['Contact: <sip:alice@127.0.0.1:40000>', 'Contact: *'])
    const req = expect_('registrar', text).request as SipRequest
    expect(finalResponseProblems('registrar', req, response(200, text))[0]).toMatch(/Contact "\*" and other Contacts was answered 200, not 400/)
    expect(finalResponseProblems('registrar', req, response(400, text))).toEqual([])
    expect(finalResponseProblems('proxy', req, response(200, text))).toEqual([])
  })

  test('registrar: a 200 to REGISTER lists the binding it made (§10.3 step 8)', () => {
    const text = request('REGISTER', ['Contact: <sip:alice@127.0.0.1:40000>'])
    const req = expect_('registrar', text).request as SipRequest
    expect(finalResponseProblems('registrar', req, response(200, text))[0]).toMatch(/does not list the binding sip:alice@127.0.0.1:40000/)
    expect(finalResponseProblems('registrar', req, response(200, text, ['Contact: <sip:alice@127.0.0.1:40000>;expires=3600']))).toEqual([])
  })

  test("every response carries the request's Call-ID and CSeq", () => {
    const req = parseSipMessage(request('OPTIONS')) as SipRequest
    expect(correlationProblems(req, response(200))).toEqual([])
    const wrong = response(200)
    wrong.headers = wrong.headers.map((h) => (h.name === 'CSeq' ? { ...h, value: '2 OPTIONS' } : h))
    expect(correlationProblems(req, wrong)[0]).toMatch(/CSeq "2 OPTIONS" differs/)
  })
})

test('the harness writes its address, a unique branch and its run tag into what it sends', () => {
  const text = 'OPTIONS sip:RUN.bob@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKaaaa;rport\r\nContact: <sip:fuzz@127.0.0.1:5060>\r\n\r\n'
  const out = personalizeSipText(text.replace('@127.0.0.1 SIP', '@TARGET SIP'), { host: '127.0.0.1', port: 40000 }, 35, 'r1', { host: '127.0.0.1', port: 5070 })
  expect(out).toBe(
    'OPTIONS sip:r1.bob@127.0.0.1:5070 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:40000;branch=z9hG4bKzxaaaa;rport\r\nContact: <sip:fuzz@127.0.0.1:40000>\r\n\r\n',
  )
  expect(personalizeSipText(text, undefined, 36, 'r1')).toContain('127.0.0.1:5060;branch=z9hG4bK10xaaaa')
})
