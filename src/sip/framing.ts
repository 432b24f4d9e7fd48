/**
 * Stream framing for SIP over TCP and TLS (RFC 3261 §18.3): a message ends Content-Length bytes after the
 * empty line that ends its headers. Pure, no I/O: {@link nextFramedMessage} cuts one message off a byte
 * buffer, and {@link SipStreamDecoder} keeps the buffer of one connection and turns the chunks a socket
 * hands over into messages, keep-alives and framing errors — the one decoder every TCP user of rtcspec
 * (registrar, user-agent transport, raw SIP channel) feeds.
 *
 * ```ts
 * const decoder = new SipStreamDecoder()
 * socket.on('data', (chunk) => {
 *   for (const ev of decoder.push(chunk)) if (ev.kind === 'message') handle(ev.text)
 * })
 * ```
 */
import { ParseError } from '../errors.ts'

/** One complete message cut from a stream buffer. */
export interface FramedMessage {
  /** The bytes of the message (headers and body). */
  message: Uint8Array
  /** Bytes after it (start of the next message, possibly incomplete). */
  rest: Uint8Array
}

/** Limits of stream framing. */
export interface SipFramingLimits {
  /** Longest header section, in bytes, before the empty line must have come. Default 64 KiB. */
  maxHeadBytes?: number
  /** Largest Content-Length accepted. Default 1 MiB (SIP bodies are SDP, a few KiB). */
  maxBodyBytes?: number
}

/** Default {@link SipFramingLimits.maxHeadBytes}. */
export const MAX_SIP_HEAD_BYTES = 64 * 1024
/** Default {@link SipFramingLimits.maxBodyBytes}. */
export const MAX_SIP_BODY_BYTES = 1024 * 1024

const CR = 0x0d
const LF = 0x0a

function findHeadEnd(buf: Uint8Array, from: number): number {
  for (let i = from; i + 3 < buf.length; i++) {
    if (buf[i] === CR && buf[i + 1] === LF && buf[i + 2] === CR && buf[i + 3] === LF) return i + 4
  }
  return -1
}

function checkLimit(value: number | undefined, fallback: number, what: string): number {
  if (value === undefined) return fallback
  if (!Number.isSafeInteger(value) || value < 1)
    throw new ParseError('sip', `${what} must be a positive whole number of bytes (got ${value})`, { hint: `leave ${what} out for the default ${fallback}` })
  return value
}

/**
 * Cuts the next complete message off `buffer`. Returns undefined when more bytes are needed. Leading
 * CRLF keep-alives (RFC 5626 §3.5.1) are skipped. Throws a ParseError when the stream cannot be framed:
 * no Content-Length (which streams require), a header section over `maxHeadBytes`, or a Content-Length
 * over `maxBodyBytes`.
 */
export function nextFramedMessage(buffer: Uint8Array, limits: SipFramingLimits = {}): FramedMessage | undefined {
  const maxHead = checkLimit(limits.maxHeadBytes, MAX_SIP_HEAD_BYTES, 'maxHeadBytes')
  const maxBody = checkLimit(limits.maxBodyBytes, MAX_SIP_BODY_BYTES, 'maxBodyBytes')
  let start = 0
  while (start < buffer.length && (buffer[start] === CR || buffer[start] === LF)) start++
  if (start >= buffer.length) return undefined
  const headEnd = findHeadEnd(buffer, start)
  if (headEnd < 0) {
    if (buffer.length - start > maxHead)
      throw new ParseError('sip', `no end of headers within ${maxHead} bytes of stream`, { hint: 'the peer is not speaking SIP, or it never sends CRLF CRLF' })
    return undefined
  }
  if (headEnd - start > maxHead)
    throw new ParseError('sip', `a header section of ${headEnd - start} bytes is over the ${maxHead}-byte limit`, {
      hint: 'the peer is not speaking SIP, or its headers are far larger than any SIP message needs',
    })
  const head = new TextDecoder().decode(buffer.subarray(start, headEnd))
  const m = /^(?:content-length|l)[ \t]*:[ \t]*(\d+)[ \t]*$/im.exec(head)
  if (!m)
    throw new ParseError('sip', 'a message on a stream transport has no Content-Length', {
      line: head.split('\r\n')[0],
      hint: 'RFC 3261 §18.3: Content-Length MUST be used with stream-oriented transports',
    })
  const length = Number(m[1])
  if (!(length <= maxBody))
    throw new ParseError('sip', `Content-Length ${m[1]} is over the ${maxBody}-byte limit for one message`, {
      line: head.split('\r\n')[0],
      hint: 'a SIP body (SDP) is a few KiB: the peer is broken or hostile',
    })
  const end = headEnd + length
  if (buffer.length < end) return undefined
  return { message: buffer.subarray(start, end), rest: buffer.subarray(end) }
}

/** What {@link SipStreamDecoder.push} found in the stream, in stream order. */
export type SipStreamEvent =
  /** A complete message (UTF-8 text, headers and body). */
  | { kind: 'message'; text: string }
  /** A CRLF CRLF keep-alive "ping" between messages (RFC 5626 §3.5.1); a server answers with one CRLF. */
  | { kind: 'keep-alive' }
  /**
   * The stream cannot be framed (see {@link nextFramedMessage}). `text` is everything buffered, for the
   * log; the decoder drops it and starts afresh with the next byte. A stream cannot be re-synchronised
   * reliably, so closing the connection is usually the right answer.
   */
  | { kind: 'error'; text: string; error: string }

const EMPTY = new Uint8Array(0)

/**
 * The receive side of one SIP stream connection: feed it every chunk the socket delivers, get back the
 * complete messages, keep-alives and framing errors. Partial messages wait in the decoder for more bytes.
 */
export class SipStreamDecoder {
  readonly #limits: Required<SipFramingLimits>
  #buffer: Uint8Array = EMPTY
  readonly #text = new TextDecoder()

  constructor(limits: SipFramingLimits = {}) {
    this.#limits = {
      maxHeadBytes: checkLimit(limits.maxHeadBytes, MAX_SIP_HEAD_BYTES, 'maxHeadBytes'),
      maxBodyBytes: checkLimit(limits.maxBodyBytes, MAX_SIP_BODY_BYTES, 'maxBodyBytes'),
    }
  }

  /** Bytes waiting for the rest of their message. */
  get buffered(): number {
    return this.#buffer.length
  }

  /** Appends `chunk` to the stream and returns everything it completed, in order. */
  push(chunk: Uint8Array): SipStreamEvent[] {
    this.#buffer = this.#buffer.length === 0 ? chunk : concat(this.#buffer, chunk)
    const events: SipStreamEvent[] = []
    // Each turn consumes at least one byte or returns: bounded by the buffer's length.
    while (this.#buffer.length > 0) {
      const pings = this.#skipKeepAlives()
      for (let i = 0; i < pings; i++) events.push({ kind: 'keep-alive' })
      let framed: FramedMessage | undefined
      try {
        framed = nextFramedMessage(this.#buffer, this.#limits)
      } catch (e) {
        events.push({ kind: 'error', text: this.#text.decode(this.#buffer), error: (e as Error).message })
        this.#buffer = EMPTY
        break
      }
      if (!framed) break
      events.push({ kind: 'message', text: this.#text.decode(framed.message) })
      // Keep the rest in a buffer of its own: a subarray would pin the whole chunk it came in.
      this.#buffer = framed.rest.length ? framed.rest.slice() : EMPTY
    }
    return events
  }

  /** Drops leading CR/LF bytes; returns how many complete CRLF CRLF pings they held. */
  #skipKeepAlives(): number {
    const b = this.#buffer
    let i = 0
    let pings = 0
    while (i < b.length && (b[i] === CR || b[i] === LF)) {
      if (b[i] === CR && b[i + 1] === LF && b[i + 2] === CR && b[i + 3] === LF) {
        pings++
        i += 4
      } else if (b[i] === CR && i + 3 >= b.length) {
        break // possibly the start of a ping whose rest has not come yet
      } else i++
    }
    if (i > 0) this.#buffer = i === b.length ? EMPTY : b.subarray(i)
    return pings
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length)
  out.set(a, 0)
  out.set(b, a.length)
  return out
}
