import { describe, expect, test } from 'vitest'
import fc from 'fast-check'
import { SipStreamDecoder, type SipStreamEvent } from '../../src/sip/index.ts'

const enc = new TextEncoder()

/** A SIP-shaped message with a body of `body` (Content-Length in bytes, long or compact form). */
function message(body: string, compact: boolean, method: string): string {
  const len = enc.encode(body).length
  return `${method} sip:bob@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1;branch=z9hG4bK1\r\n${compact ? 'l' : 'Content-Length'}: ${len}\r\n\r\n${body}`
}

/** Splits `bytes` at the given cut points (sorted, in range) into chunks. */
function chunks(bytes: Uint8Array, cuts: number[]): Uint8Array[] {
  const at = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b)
  const out: Uint8Array[] = []
  let prev = 0
  for (const c of [...at, bytes.length]) {
    if (c > prev) out.push(bytes.slice(prev, c))
    prev = c
  }
  return out
}

function feed(decoder: SipStreamDecoder, parts: Uint8Array[]): SipStreamEvent[] {
  return parts.flatMap((p) => decoder.push(p))
}

describe('SipStreamDecoder', () => {
  test('any split of a stream of messages and pings yields the same messages and pings, in order', () => {
    const item = fc.oneof(
      fc.record({
        kind: fc.constant('message' as const),
        body: fc.string({ unit: 'binary', maxLength: 40 }),
        compact: fc.boolean(),
        method: fc.constantFrom('INVITE', 'BYE', 'OPTIONS'),
      }),
      fc.record({ kind: fc.constant('keep-alive' as const) }),
    )
    fc.assert(
      fc.property(fc.array(item, { maxLength: 12 }), fc.array(fc.nat(), { maxLength: 20 }), (items, cuts) => {
        const expected: SipStreamEvent[] = items.map((i) =>
          i.kind === 'message' ? { kind: 'message', text: message(i.body, i.compact, i.method) } : { kind: 'keep-alive' },
        )
        const wire = expected.map((e) => (e.kind === 'message' ? e.text : '\r\n\r\n')).join('')
        const decoder = new SipStreamDecoder()
        expect(feed(decoder, chunks(enc.encode(wire), cuts))).toEqual(expected)
        expect(decoder.buffered).toBe(0)
      }),
      { numRuns: 300 },
    )
  })

  test('a partial message waits for its remaining bytes; a lone CRLF pong is no event', () => {
    const d = new SipStreamDecoder()
    const m = message('v=0\r\n', false, 'INVITE')
    expect(d.push(enc.encode(`\r\n${m.slice(0, -3)}`))).toEqual([])
    expect(d.buffered).toBeGreaterThan(0)
    expect(d.push(enc.encode(m.slice(-3)))).toEqual([{ kind: 'message', text: m }])
    expect(d.buffered).toBe(0)
  })

  test('many messages in one chunk all come out', () => {
    const m = message('', true, 'OPTIONS')
    expect(new SipStreamDecoder().push(enc.encode(m.repeat(2500)))).toHaveLength(2500)
  })

  test('a message without Content-Length is an error carrying what was buffered; the decoder starts afresh', () => {
    const d = new SipStreamDecoder()
    const [ev] = d.push(enc.encode('SIP/2.0 200 OK\r\nCall-ID: x\r\n\r\n'))
    expect(ev).toMatchObject({ kind: 'error', text: 'SIP/2.0 200 OK\r\nCall-ID: x\r\n\r\n', error: expect.stringMatching(/no Content-Length/) })
    expect(d.buffered).toBe(0)
    const m = message('', false, 'BYE')
    expect(d.push(enc.encode(m))).toEqual([{ kind: 'message', text: m }])
  })

  test('size limits: endless headers and a huge Content-Length fail at once, without waiting for the bytes', () => {
    const d = new SipStreamDecoder({ maxHeadBytes: 1024 })
    expect(d.push(enc.encode(`INVITE sip:a@b SIP/2.0\r\nX: ${'a'.repeat(2000)}`))).toMatchObject([
      { kind: 'error', error: expect.stringMatching(/no end of headers within 1024 bytes/) },
    ])
    expect(new SipStreamDecoder().push(enc.encode('INVITE sip:a@b SIP/2.0\r\nContent-Length: 99999999999\r\n\r\n'))).toMatchObject([
      { kind: 'error', error: expect.stringMatching(/over the 1048576-byte limit/) },
    ])
    expect(new SipStreamDecoder({ maxBodyBytes: 4 }).push(enc.encode(message('hello', false, 'BYE')))).toMatchObject([
      { kind: 'error', error: expect.stringMatching(/Content-Length 5 is over the 4-byte limit/) },
    ])
    expect(() => new SipStreamDecoder({ maxBodyBytes: 0 })).toThrow(/maxBodyBytes must be a positive whole number/)
  })

  test('multi-byte UTF-8 split across chunks decodes whole', () => {
    const m = message('é€😀', false, 'MESSAGE')
    const bytes = enc.encode(m)
    const d = new SipStreamDecoder()
    expect(
      feed(
        d,
        [...bytes].map((b) => Uint8Array.of(b)),
      ),
    ).toEqual([{ kind: 'message', text: m }])
  })
})
