/**
 * Stream framing for SIP over TCP (RFC 3261 §18.3): a message ends Content-Length bytes after the
 * empty line that ends its headers. Pure: works on a byte buffer the caller accumulates.
 */
import { ParseError } from '../errors.ts'

/** One complete message cut from a stream buffer. */
export interface FramedMessage {
  /** The bytes of the message (headers and body). */
  message: Uint8Array
  /** Bytes after it (start of the next message, possibly incomplete). */
  rest: Uint8Array
}

const MAX_HEAD_BYTES = 64 * 1024

function findHeadEnd(buf: Uint8Array, from: number): number {
  for (let i = from; i + 3 < buf.length; i++) {
    if (buf[i] === 0x0d && buf[i + 1] === 0x0a && buf[i + 2] === 0x0d && buf[i + 3] === 0x0a) return i + 4
  }
  return -1
}

/**
 * Cuts the next complete message off `buffer`. Returns undefined when more bytes are needed. Leading
 * CRLF keep-alives (RFC 5626 §3.5.1) are skipped. Throws a ParseError when the stream cannot be framed
 * (no Content-Length, which streams require, or a header section over 64 KiB).
 */
export function nextFramedMessage(buffer: Uint8Array): FramedMessage | undefined {
  let start = 0
  while (start < buffer.length && (buffer[start] === 0x0d || buffer[start] === 0x0a)) start++
  if (start >= buffer.length) return undefined
  const headEnd = findHeadEnd(buffer, start)
  if (headEnd < 0) {
    if (buffer.length - start > MAX_HEAD_BYTES) throw new ParseError('sip', `no end of headers within ${MAX_HEAD_BYTES} bytes of stream`, { hint: 'the peer is not speaking SIP, or it never sends CRLF CRLF' })
    return undefined
  }
  const head = new TextDecoder().decode(buffer.subarray(start, headEnd))
  const m = /^(?:content-length|l)[ \t]*:[ \t]*(\d+)[ \t]*$/im.exec(head)
  if (!m) throw new ParseError('sip', 'a message on a stream transport has no Content-Length', { line: head.split('\r\n')[0], hint: 'RFC 3261 §18.3: Content-Length MUST be used with stream-oriented transports' })
  const end = headEnd + Number(m[1])
  if (buffer.length < end) return undefined
  return { message: buffer.subarray(start, end), rest: buffer.subarray(end) }
}
