/**
 * `parseSdp`: text → {@link SessionDescription}. Validates the RFC 8866 structure and throws
 * `ParseError` (never anything else) naming the line number, the line and the reason.
 *
 * Fatal: empty input; a line that is not `<letter>=<value>`; an unknown type letter; an empty line
 * between lines; v= not first or not `0`; o= not second or without 6 fields; s= not third; no t=
 * before the first m= (or at all); r= before any t=; a repeated v=/o=/s=; a session-only line
 * (v o s u e p t r z) inside a media description; a malformed o=, c=, b=, t= or m= line; an `a=`
 * line whose name is empty or not a token.
 *
 * Tolerated (kept verbatim, so round trips stay exact): CRLF or LF or a mix of both; trailing
 * whitespace; empty `s=`; blank lines at the very end; session-level lines in non-RFC order;
 * attributes whose value does not fit their grammar (kept as generic attributes); unknown attributes.
 */
import { ParseError, safely, type ParseResult } from '../errors.ts'
import { attributeFromText, isToken } from './attributes.ts'
import {
  formatBandwidth,
  formatConnection,
  formatMediaLine,
  formatOrigin,
  formatTiming,
  parseBandwidth,
  parseConnection,
  parseMediaLine,
  parseOrigin,
  parseTiming,
  type FieldResult,
} from './fields.ts'
import type { FieldLine, LineEnding, MediaLineNode, MediaSection, SdpLine, SessionDescription } from './types.ts'

interface RawLine {
  text: string
  eol: LineEnding | undefined
  start: number
}

const KNOWN_LETTERS = 'vosiuepcbtrzkam'
const MEDIA_LETTERS = 'icbka'

function splitLines(text: string): RawLine[] {
  const out: RawLine[] = []
  let pos = 0
  // Each iteration consumes at least one character or ends the loop, so it is bounded by text.length.
  for (;;) {
    const nl = text.indexOf('\n', pos)
    if (nl < 0) {
      out.push({ text: text.slice(pos), eol: undefined, start: pos })
      return out
    }
    const crlf = nl > pos && text.charCodeAt(nl - 1) === 13
    out.push({ text: text.slice(pos, crlf ? nl - 1 : nl), eol: crlf ? '\r\n' : '\n', start: pos })
    pos = nl + 1
  }
}

function fail(reason: string, lineNumber: number, line: string, hint?: string): never {
  throw new ParseError('sdp', reason, hint === undefined ? { lineNumber, line } : { lineNumber, line, hint })
}

function need<T>(r: FieldResult<T>, lineNumber: number, line: string): T {
  if (r.ok) return r.value
  return fail(r.reason, lineNumber, line, r.hint)
}

/**
 * Parse an SDP (RFC 8866 plus the WebRTC attributes) into a {@link SessionDescription}.
 * The result serializes back to exactly the same text with `serializeSdp`.
 *
 * @throws ParseError naming the line number, the line and the reason when the text is not valid SDP.
 */
export function parseSdp(text: string): SessionDescription {
  if (typeof text !== 'string') throw new ParseError('sdp', `expected a string, got ${text === null ? 'null' : typeof text}`)
  const raw = splitLines(text)
  let last = raw.length - 1
  while (last >= 0 && raw[last]?.text === '') last--
  const lastLine = raw[last]
  if (!lastLine) {
    throw new ParseError('sdp', 'empty input: an SDP has at least v=, o=, s= and t= lines', { hint: 'an SDP starts with "v=0"' })
  }
  const trailer = text.slice(lastLine.start + lastLine.text.length)
  const lineEnding: LineEnding = raw[0]?.eol ?? '\r\n'

  const desc: SessionDescription = { lineEnding, trailer, lines: [], media: [] }
  let section: MediaSection | undefined
  let seenTiming = false

  for (let i = 0; i <= last; i++) {
    const r = raw[i] as RawLine
    const n = i + 1
    const line = r.text
    if (line === '') fail('empty line inside the description (only the end may have blank lines)', n, line, 'remove the blank line')
    const letter = line[0] as string
    if (line[1] !== '=') {
      const eq = line.indexOf('=')
      fail(
        eq < 0 ? "line has no '=': every SDP line is <type>=<value>" : `'=' must directly follow a one-letter type, found it at column ${eq + 1}`,
        n,
        line,
        'SDP lines look like "a=rtcp-mux" or "m=audio 9 UDP/TLS/RTP/SAVPF 111"',
      )
    }
    if (!KNOWN_LETTERS.includes(letter) || letter === '') {
      fail(`unknown type letter ${JSON.stringify(letter)} (RFC 8866 defines v o s i u e p c b t r z k a m)`, n, line)
    }
    const value = line.slice(2)

    // The fixed head: v=, o=, s=.
    if (i === 0) {
      if (letter !== 'v') fail('the first line must be v=0', n, line, 'an SDP starts with "v=0"')
      if (value.trim() !== '0') fail(`unsupported protocol version ${JSON.stringify(value)}; only v=0 exists`, n, line)
    } else if (i === 1 && letter !== 'o') {
      fail('the second line must be o= (origin)', n, line, 'e.g. o=- 4611731400430051336 2 IN IP4 127.0.0.1')
    } else if (i === 2 && letter !== 's') {
      fail('the third line must be s= (session name)', n, line, 'use "s=-" when there is no name')
    } else if (i > 2 && (letter === 'v' || letter === 'o' || letter === 's')) {
      fail(`${letter}= may appear only once, at the start of the description`, n, line)
    }

    let node: SdpLine | undefined
    if (letter === 'm') {
      if (!seenTiming) fail('missing t= line before the first m= line', n, line, 'add "t=0 0" after the s= line')
      const m = need(parseMediaLine(value), n, line)
      const mline: MediaLineNode | FieldLine = formatMediaLine(m) === value ? { kind: 'media', ...m } : { kind: 'field', letter, value }
      if (r.eol !== undefined && r.eol !== lineEnding && i !== last) mline.eol = r.eol
      section = { mline, lines: [] }
      desc.media.push(section)
      continue
    }
    if (section && !MEDIA_LETTERS.includes(letter)) {
      fail(`${letter}= is not allowed inside a media description (only i=, c=, b=, k=, a=)`, n, line, 'session-level lines go before the first m= line')
    }
    switch (letter) {
      case 'o': {
        const o = need(parseOrigin(value), n, line)
        node = formatOrigin(o) === value ? { kind: 'origin', ...o } : undefined
        break
      }
      case 'c': {
        const c = need(parseConnection(value), n, line)
        node = formatConnection(c) === value ? { kind: 'connection', ...c } : undefined
        break
      }
      case 'b': {
        const b = need(parseBandwidth(value), n, line)
        node = formatBandwidth(b) === value ? { kind: 'bandwidth', ...b } : undefined
        break
      }
      case 't': {
        const t = need(parseTiming(value), n, line)
        seenTiming = true
        node = formatTiming(t) === value ? { kind: 'timing', ...t } : undefined
        break
      }
      case 'r':
        if (!seenTiming) fail('r= (repeat times) must follow a t= line', n, line)
        break
      case 'a': {
        const colon = value.indexOf(':')
        const name = colon < 0 ? value : value.slice(0, colon)
        if (name.trim() === '') fail('a= line has no attribute name', n, line, 'attributes look like "a=<name>" or "a=<name>:<value>"')
        if (!isToken(name.trim())) fail(`attribute name ${JSON.stringify(name)} is not a token (letters, digits, - . _ ...)`, n, line)
        node = attributeFromText(name, colon < 0 ? undefined : value.slice(colon + 1))
        break
      }
    }
    node ??= { kind: 'field', letter, value }
    if (r.eol !== undefined && r.eol !== lineEnding && i !== last) node.eol = r.eol
    ;(section ? section.lines : desc.lines).push(node)
  }
  if (last < 2) fail('the description ends early: an SDP needs v=, o=, s= and t= lines', last + 1, lastLine.text)
  if (!seenTiming) {
    fail('missing t= line: a session description needs at least one t= line', last + 1, lastLine.text, 'add "t=0 0" after the s= line')
  }
  return desc
}

/** Like {@link parseSdp} but returns `{ ok: false, error }` instead of throwing for invalid input. */
export function safeParseSdp(text: string): ParseResult<SessionDescription> {
  return safely(() => parseSdp(text))
}
