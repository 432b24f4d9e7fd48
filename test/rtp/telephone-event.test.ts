import { describe, it, expect } from 'vitest'
import { collectDtmf, dtmfDigit, dtmfEventCode, parseTelephoneEvent, serializeTelephoneEvent, validateDtmfDigits } from '../../src/rtp/telephone-event.ts'

describe('RFC 4733 telephone-event payloads', () => {
  it('maps the 16 DTMF characters to events 0-15 (RFC 4733 Table 7)', () => {
    expect([...'0123456789*#ABCD'].map(dtmfEventCode)).toEqual([...Array(16).keys()])
    expect(dtmfEventCode('a')).toBe(12)
    expect(dtmfDigit(11)).toBe('#')
    expect(dtmfDigit(16)).toBeUndefined()
    expect(() => dtmfEventCode('x')).toThrow(/not a DTMF digit/)
    expect(() => validateDtmfDigits('12x4')).toThrow(/"x" at position 2/)
    expect(() => validateDtmfDigits('')).toThrow(/no DTMF digits/)
  })

  it('serializes event | E R volume | duration and parses it back', () => {
    // RFC 4733 §2.3 layout: event 5, end, volume 10, duration 800
    const bytes = serializeTelephoneEvent({ event: 5, end: true, volume: 10, duration: 800 })
    expect([...bytes]).toEqual([5, 0x80 | 10, 0x03, 0x20])
    expect(parseTelephoneEvent(bytes)).toEqual({ event: 5, end: true, volume: 10, duration: 800 })
    expect(parseTelephoneEvent(Uint8Array.of(11, 0x40 | 63, 0xff, 0xff))).toEqual({ event: 11, end: false, volume: 63, duration: 65535 })
    expect(() => parseTelephoneEvent(new Uint8Array(3))).toThrow(/3 bytes/)
    expect(() => serializeTelephoneEvent({ event: 1, end: false, volume: 64, duration: 0 })).toThrow(/volume/)
    expect(() => serializeTelephoneEvent({ event: 1, end: false, volume: 0, duration: 70000 })).toThrow(/duration/)
  })

  it('reassembles events: one digit per timestamp, longest duration, end seen, reordering and loss tolerated', () => {
    const base = 0xfffff000 // the events straddle a timestamp wrap
    const pkt = (ts: number, event: number, duration: number, end = false, at = 0) => ({
      timestamp: ts >>> 0,
      marker: duration === 160,
      payload: serializeTelephoneEvent({ event, end, volume: 10, duration }),
      arrivalMs: at,
    })
    const t1 = base + 1600
    const t2 = base + 4800 // after the wrap
    const packets = [
      pkt(t1, 1, 160, false, 10),
      pkt(t1, 1, 480, false, 30), // 320 lost
      pkt(t1, 1, 800, true, 50),
      pkt(t1, 1, 800, true, 70),
      pkt(t1, 1, 640, false, 75), // a late, reordered update must not shorten the event
      pkt(t2, 11, 320, false, 90), // first packet lost, the rest arrive reordered
      pkt(t2, 11, 160, false, 95),
      pkt(t2, 11, 640, true, 110),
      pkt(t2 + 1000, 200, 160, true, 120), // not a DTMF event: ignored
      { timestamp: 5, marker: false, payload: new Uint8Array(2), arrivalMs: 130 }, // malformed: ignored
    ]
    const digits = collectDtmf(packets, { clockRate: 8000, baseTimestamp: base })
    expect(digits).toEqual([
      { digit: '1', method: 'rfc4733', startMs: 200, durationMs: 100, volume: 10, ended: true, arrivalMs: 10 },
      { digit: '#', method: 'rfc4733', startMs: 600, durationMs: 80, volume: 10, ended: true, arrivalMs: 90 },
    ])
    // an event whose end packets were all lost is reported, not ended
    expect(collectDtmf([pkt(base, 3, 160)], { clockRate: 48000, baseTimestamp: base })).toEqual([
      { digit: '3', method: 'rfc4733', startMs: 0, durationMs: 160 / 48, volume: 10, ended: false, arrivalMs: 0 },
    ])
  })
})
