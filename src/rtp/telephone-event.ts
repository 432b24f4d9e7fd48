/**
 * RFC 4733 telephone-events (DTMF in RTP): the 4-byte event payload, the digit ↔ event code mapping,
 * and the reassembly of received event packets into digits. Pure functions, no I/O.
 *
 * Payload (RFC 4733 §2.3): `event (8) | E (1) | R (1) | volume (6) | duration (16)`. All packets of one
 * event carry the event's start timestamp; `duration` grows in timestamp units; the first packet has the
 * RTP marker bit; the final packet has E set and is sent three times (§2.5.1.4).
 *
 * @module
 */
import { ParseError, RtcspecError } from '../errors.ts'

/** A DTMF digit detected in a stream: from RFC 4733 telephone-events or in-band tones. */
export interface DetectedDigit {
  /** `0`–`9`, `*`, `#`, `A`–`D`. */
  readonly digit: string
  /** How it was detected. */
  readonly method: 'rfc4733' | 'inband'
  /**
   * Start of the digit in ms on the recording's timeline (RFC 4733: from the event's RTP timestamp relative
   * to the first packet of the stream; in-band: from the sample position).
   */
  readonly startMs: number
  /** Duration in ms (RFC 4733: the event's final duration field; in-band: the detected tone length). */
  readonly durationMs: number
  /** RFC 4733 only: the volume field, in −dBm0 (0–63). */
  readonly volume?: number
  /** RFC 4733 only: whether an end-of-event packet arrived. */
  readonly ended?: boolean
  /** RFC 4733 only: `performance.now()` when the first packet of the event arrived. */
  readonly arrivalMs?: number
}

/** The DTMF characters in event-code order (RFC 4733 §3.2, Table 7): events 0–15. */
export const DTMF_DIGITS = '0123456789*#ABCD'

/** One RFC 4733 event payload. */
export interface TelephoneEvent {
  /** Event code 0–255 (0–15 are the DTMF digits). */
  event: number
  /** End bit (E): this packet reports the end of the event. */
  end: boolean
  /** Volume, −dBm0 (0–63); 0 for events without a volume. */
  volume: number
  /** Duration so far, in RTP timestamp units (0–65535). */
  duration: number
}

/** The event code of a DTMF character (`0-9 * # A-D`, case-insensitive). Throws for anything else. */
export function dtmfEventCode(digit: string): number {
  const i = digit.length === 1 ? DTMF_DIGITS.indexOf(digit.toUpperCase()) : -1
  if (i < 0) {
    throw new RtcspecError('DTMF_DIGIT', `"${digit}" is not a DTMF digit`, { hint: `use the characters ${DTMF_DIGITS} (e.g. '123#')` })
  }
  return i
}

/** The DTMF character of an event code, or undefined for codes outside 0–15. */
export function dtmfDigit(event: number): string | undefined {
  return event >= 0 && event < 16 ? DTMF_DIGITS[event] : undefined
}

/** Checks a digit string up front, naming the first bad character and its position. */
export function validateDtmfDigits(digits: string): void {
  if (digits.length === 0) throw new RtcspecError('DTMF_DIGIT', 'no DTMF digits given', { hint: `pass a string of ${DTMF_DIGITS}, e.g. '123#'` })
  for (let i = 0; i < digits.length; i++) {
    const c = digits[i] as string
    if (!DTMF_DIGITS.includes(c.toUpperCase())) {
      throw new RtcspecError('DTMF_DIGIT', `"${c}" at position ${i} of "${digits}" is not a DTMF digit`, { hint: `use the characters ${DTMF_DIGITS}` })
    }
  }
}

/** Serializes an event payload (4 bytes). */
export function serializeTelephoneEvent(e: TelephoneEvent): Uint8Array {
  if (!Number.isInteger(e.event) || e.event < 0 || e.event > 255) throw new RangeError(`telephone-event: event must be 0..255, got ${e.event}`)
  if (!Number.isInteger(e.volume) || e.volume < 0 || e.volume > 63) throw new RangeError(`telephone-event: volume must be 0..63 (−dBm0), got ${e.volume}`)
  if (!Number.isInteger(e.duration) || e.duration < 0 || e.duration > 0xffff)
    throw new RangeError(`telephone-event: duration must be 0..65535 timestamp units, got ${e.duration}`)
  return Uint8Array.of(e.event, (e.end ? 0x80 : 0) | e.volume, e.duration >> 8, e.duration & 0xff)
}

/** Parses an event payload. Throws a ParseError for payloads shorter than 4 bytes. */
export function parseTelephoneEvent(payload: Uint8Array): TelephoneEvent {
  if (payload.length < 4) throw new ParseError('telephone-event', `payload is ${payload.length} bytes, an RFC 4733 event needs 4`)
  const b1 = payload[1] as number
  return { event: payload[0] as number, end: (b1 & 0x80) !== 0, volume: b1 & 0x3f, duration: ((payload[2] as number) << 8) | (payload[3] as number) }
}

/** A received telephone-event packet, as the reassembly needs it. */
export interface TelephoneEventPacket {
  timestamp: number
  marker: boolean
  payload: Uint8Array
  arrivalMs: number
}

/** Options of `collectDtmf`. */
export interface CollectDtmfOptions {
  /** Clock rate of the telephone-event payload type (the audio stream's rate). */
  clockRate: number
  /** RTP timestamp that `startMs` is measured from (the stream's first packet). */
  baseTimestamp: number
}

/**
 * Reassembles event packets (in arrival order) into digits: packets with the same timestamp are one event
 * (retransmitted end packets and reordering included); the duration is the largest one reported.
 * Non-DTMF events (codes > 15) and malformed payloads are skipped.
 */
export function collectDtmf(packets: Iterable<TelephoneEventPacket>, options: CollectDtmfOptions): DetectedDigit[] {
  const byTs = new Map<number, { digit: string; ts: number; duration: number; volume: number; ended: boolean; arrivalMs: number }>()
  for (const p of packets) {
    if (p.payload.length < 4) continue
    const e = parseTelephoneEvent(p.payload)
    const digit = dtmfDigit(e.event)
    if (digit === undefined) continue
    const cur = byTs.get(p.timestamp)
    if (!cur) {
      byTs.set(p.timestamp, { digit, ts: p.timestamp, duration: e.duration, volume: e.volume, ended: e.end, arrivalMs: p.arrivalMs })
    } else {
      cur.duration = Math.max(cur.duration, e.duration)
      cur.ended ||= e.end
      cur.arrivalMs = Math.min(cur.arrivalMs, p.arrivalMs)
    }
  }
  const out: DetectedDigit[] = []
  for (const d of byTs.values()) {
    // signed 32-bit difference: a timestamp wrap between the base and the event is handled
    const offset = (d.ts - options.baseTimestamp) | 0
    out.push({
      digit: d.digit,
      method: 'rfc4733',
      startMs: (offset * 1000) / options.clockRate,
      durationMs: (d.duration * 1000) / options.clockRate,
      volume: d.volume,
      ended: d.ended,
      arrivalMs: d.arrivalMs,
    })
  }
  return out.sort((a, b) => a.startMs - b.startMs)
}
