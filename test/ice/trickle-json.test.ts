import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { ParseError } from '../../src/errors.ts'
import {
  isEndOfCandidatesJson,
  parseTrickleIceJson,
  safeParseTrickleIceJson,
  serializeCandidate,
  serializeTrickleIceJson,
  type TrickleIceJson,
} from '../../src/ice/index.ts'
import { candidateArb, compact } from './arbitraries.ts'

const HOST = 'candidate:1840965416 1 udp 2122260223 192.0.2.1 54321 typ host generation 0 ufrag Wl8Q network-id 1'

function reasonOf(text: string): string {
  const r = safeParseTrickleIceJson(text)
  expect(r.ok, `should not parse: ${text}`).toBe(false)
  if (r.ok) throw new Error('unreachable')
  expect(r.error).toBeInstanceOf(ParseError)
  expect(r.error.format).toBe('trickle-ice-json')
  return r.error.reason
}

describe('application/trickle-ice+json', () => {
  it('parses one RTCIceCandidateInit object (as RTCIceCandidate.toJSON() writes it)', () => {
    const text = JSON.stringify({ candidate: HOST, sdpMid: '0', sdpMLineIndex: 0, usernameFragment: 'Wl8Q' })
    expect(parseTrickleIceJson(text)).toEqual([{ candidate: HOST, sdpMid: '0', sdpMLineIndex: 0, usernameFragment: 'Wl8Q' }])
    expect(serializeTrickleIceJson(parseTrickleIceJson(text)[0]!)).toBe(text)
  })
  it('parses an array, with null fields and the end-of-candidates item', () => {
    const items = parseTrickleIceJson(
      JSON.stringify([
        { candidate: HOST, sdpMid: null, sdpMLineIndex: 1 },
        { candidate: '', sdpMid: '0' },
      ]),
    )
    expect(items).toHaveLength(2)
    expect(items[0]).toEqual({ candidate: HOST, sdpMid: null, sdpMLineIndex: 1 })
    expect(isEndOfCandidatesJson(items[0]!)).toBe(false)
    expect(isEndOfCandidatesJson(items[1]!)).toBe(true)
    expect(serializeTrickleIceJson(items)).toBe(`[{"candidate":${JSON.stringify(HOST)},"sdpMid":null,"sdpMLineIndex":1},{"candidate":"","sdpMid":"0"}]`)
  })
  it('names the field that is wrong', () => {
    expect(reasonOf('{"candidate":"x"')).toMatch(/not JSON/)
    expect(reasonOf(JSON.stringify({ candidate: HOST }))).toMatch(/^sdpMid: sdpMid and sdpMLineIndex are both missing/)
    expect(reasonOf(JSON.stringify({ candidate: HOST, sdpMid: null, sdpMLineIndex: null }))).toMatch(/both missing or null/)
    expect(reasonOf(JSON.stringify({ candidate: HOST, sdpMLineIndex: -1 }))).toMatch(/^sdpMLineIndex:/)
    expect(reasonOf(JSON.stringify({ candidate: HOST, sdpMLineIndex: 1.5 }))).toMatch(/^sdpMLineIndex:/)
    expect(reasonOf(JSON.stringify({ candidate: 5, sdpMid: '0' }))).toMatch(/^candidate:/)
    expect(reasonOf(JSON.stringify({ candidate: HOST, sdpMid: '0', extra: 1 }))).toMatch(/extra/)
    expect(
      reasonOf(
        JSON.stringify([
          { candidate: HOST, sdpMid: '0' },
          { candidate: HOST, sdpMid: 7 },
        ]),
      ),
    ).toMatch(/^\[1\]\.sdpMid:/)
    expect(reasonOf(JSON.stringify({ candidate: 'candidate:1 1 udp 1 192.0.2.1 1 typ', sdpMid: '0' }))).toMatch(/^candidate: has 7 fields/)
    expect(reasonOf(JSON.stringify([{ candidate: '1 1 udp 1 192.0.2.1 1 typ host', sdpMid: '0' }]))).toMatch(/^\[0\]\.candidate must start with "candidate:"/)
    expect(reasonOf('42')).toMatch(/body/)
  })
  it('serialize validates too', () => {
    expect(() => serializeTrickleIceJson({ candidate: HOST })).toThrow(ParseError)
    expect(() => serializeTrickleIceJson({ candidate: HOST, sdpMLineIndex: Number.NaN })).toThrow(/sdpMLineIndex/)
  })
  it('round-trips arbitrary valid items', () => {
    const item: fc.Arbitrary<TrickleIceJson> = fc
      .record({
        candidate: fc.oneof(
          candidateArb.map((c) => serializeCandidate(c)),
          fc.constant(''),
        ),
        sdpMid: fc.option(fc.string({ maxLength: 5 }), { nil: undefined }),
        sdpMLineIndex: fc.option(fc.nat(65535), { nil: undefined }),
        usernameFragment: fc.option(fc.option(fc.string({ maxLength: 8 })), { nil: undefined }),
      })
      .filter((v) => v.sdpMid != null || v.sdpMLineIndex != null)
      .map((v) => compact(v))
    fc.assert(
      fc.property(fc.array(item, { minLength: 1, maxLength: 4 }), (items) => {
        expect(parseTrickleIceJson(serializeTrickleIceJson(items))).toEqual(items)
      }),
    )
  })
  it('arbitrary text never throws anything but ParseError', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json()), (s) => {
        const r = safeParseTrickleIceJson(s)
        if (!r.ok) expect(r.error).toBeInstanceOf(ParseError)
      }),
      { numRuns: 1000 },
    )
  })
})
