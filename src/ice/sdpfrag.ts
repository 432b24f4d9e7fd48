/**
 * `application/trickle-ice-sdpfrag` bodies (RFC 8840 §4.4, §9), as carried in SIP INFO requests and
 * WHIP/WHEP PATCH requests (RFC 9725 §4.3.1).
 *
 * Interpretation of RFC 8840 used here (the RFC is the authority, this is how we read it):
 * - A fragment is a sequence of SDP lines. Lines end in CRLF; a bare LF is accepted too (SDP parsers
 *   are asked to be lenient, RFC 8866 §5), a bare CR is an error. Blank lines are errors, except at
 *   the very end.
 * - Session-level lines come first: `a=ice-lite`, `a=ice-options`, `a=group:`, `a=ice-ufrag`,
 *   `a=ice-pwd`, `a=end-of-candidates` and any other (extension) lines, which are kept.
 * - Each media description starts with an `m=` line and MUST carry exactly one `a=mid:`; candidates
 *   are matched to media by mid, not by the m= line, whose values are only a delimiter (RFC 8840
 *   uses placeholder `m=audio 9 RTP/AVP 0`-style lines; WHIP copies kind/proto/fmt from the offer
 *   with port 9). {@link buildSdpFrag} defaults to `m=audio 9 RTP/AVP 0`.
 * - `a=candidate:` and `a=mid:` are media-level attributes (RFC 8839 §5.1, RFC 8843): before the
 *   first `m=` line they are an error, because the receiver could not tell which media they belong to.
 * - `a=end-of-candidates` may appear at session level (all media) or in a media description.
 * - `a=ice-ufrag` is 4..256 ice-chars and `a=ice-pwd` 22..256 ice-chars (RFC 8839 §5.4); each may
 *   appear once per level.
 */
import { ParseError, safely, type ParseResult } from '../errors.ts'
import { parseCandidate, serializeCandidate, type IceCandidate } from './candidate.ts'

/** An `a=group:` line, e.g. `a=group:BUNDLE 0 1`. */
export interface SdpFragGroup {
  semantics: string
  mids: string[]
}

/** The `m=` line of a fragment media description: `m=<media> <port>[/<count>] <proto> <fmt>...`. */
export interface SdpFragMLine {
  media: string
  port: number
  /** The `/<number of ports>` suffix, when written. */
  portCount?: number
  proto: string
  formats: string[]
}

/** One media description of a fragment. */
export interface SdpFragMedia {
  mline: SdpFragMLine
  /** `a=mid:` (required). */
  mid: string
  /** Media-level `a=ice-ufrag`. */
  ufrag?: string
  /** Media-level `a=ice-pwd`. */
  pwd?: string
  /** Media-level `a=ice-options` tags. */
  iceOptions?: string[]
  candidates: IceCandidate[]
  /** `a=end-of-candidates` in this media description. */
  endOfCandidates: boolean
  /** Lines we do not model, as written (without line ending), in order. */
  otherLines: string[]
}

/** A parsed `application/trickle-ice-sdpfrag` body. */
export interface SdpFrag {
  /** Session-level `a=ice-ufrag`. */
  ufrag?: string
  /** Session-level `a=ice-pwd`. */
  pwd?: string
  /** Session-level `a=ice-lite`. */
  iceLite: boolean
  /** Session-level `a=ice-options` tags, e.g. `['trickle']`. */
  iceOptions?: string[]
  /** Session-level `a=group:` lines. */
  groups: SdpFragGroup[]
  /** Session-level `a=end-of-candidates` (applies to every media description). */
  endOfCandidates: boolean
  /** Session-level lines we do not model, as written, in order. */
  otherLines: string[]
  media: SdpFragMedia[]
  /** Line ending used when serializing; the parser records the first one it saw. */
  lineEnding: '\r\n' | '\n'
}

const ICE_CHARS = /^[A-Za-z0-9+/]+$/
const TOKEN = /^[A-Za-z0-9\-.!%*_+`'~]+$/
const LINE = /^([a-z])=(.*)$/
const MAX_INPUT = 1024 * 1024

type Where = { lineNumber?: number; line?: string; hint?: string }

function fail(reason: string, where: Where = {}): never {
  throw new ParseError('sdpfrag', reason, where)
}

function checkUfrag(v: string, where: Where): string {
  if (!ICE_CHARS.test(v) || v.length < 4 || v.length > 256) {
    fail('ice-ufrag must be 4 to 256 characters of A-Z a-z 0-9 + / (RFC 8839 §5.4)', where)
  }
  return v
}

function checkPwd(v: string, where: Where): string {
  if (!ICE_CHARS.test(v) || v.length < 22 || v.length > 256) {
    fail('ice-pwd must be 22 to 256 characters of A-Z a-z 0-9 + / (RFC 8839 §5.4)', where)
  }
  return v
}

function parseIceOptions(v: string, where: Where): string[] {
  const tags = v.split(' ')
  if (tags.some((t) => !ICE_CHARS.test(t))) fail('ice-options must be space-separated tags of A-Z a-z 0-9 + /', where)
  return tags
}

function parseGroup(v: string, where: Where): SdpFragGroup {
  const [semantics = '', ...mids] = v.split(' ')
  if (!TOKEN.test(semantics)) fail(`group semantics ${JSON.stringify(semantics)} is not a token`, where)
  if (mids.some((m) => !TOKEN.test(m))) fail('group mids must be tokens separated by single spaces (RFC 5888)', where)
  return { semantics, mids }
}

/** Parses the value of an `m=` line (without `m=`). */
function parseMLine(v: string, where: Where): SdpFragMLine {
  const f = v.split(' ')
  if (f.length < 4) fail('m= line needs <media> <port> <proto> <fmt>... (RFC 8866 §5.14)', { ...where, hint: 'e.g. "m=audio 9 RTP/AVP 0"' })
  const [media = '', portText = '', proto = '', ...formats] = f
  if (!TOKEN.test(media)) fail(`m= media ${JSON.stringify(media)} is not a token`, where)
  const pm = /^(\d{1,5})(?:\/(\d{1,5}))?$/.exec(portText)
  if (!pm || Number(pm[1]) > 65535) fail(`m= port ${JSON.stringify(portText)} is not a port 0..65535`, where)
  if (!/^[A-Za-z0-9\-.!%*_+`'~/]+$/.test(proto)) fail(`m= proto ${JSON.stringify(proto)} is not a token`, where)
  if (formats.some((x) => !/^[\x21-\x7e]+$/.test(x))) fail('m= formats must be printable tokens separated by single spaces', where)
  const out: SdpFragMLine = { media, port: Number(pm[1]), proto, formats }
  if (pm[2] !== undefined) out.portCount = Number(pm[2])
  return out
}

function formatMLine(m: SdpFragMLine): string {
  return `m=${m.media} ${m.port}${m.portCount !== undefined ? `/${m.portCount}` : ''} ${m.proto} ${m.formats.join(' ')}`
}

/** Splits an attribute value `a=name[:value]`. */
function attribute(value: string): { name: string; val: string | undefined } {
  const i = value.indexOf(':')
  return i < 0 ? { name: value, val: undefined } : { name: value.slice(0, i), val: value.slice(i + 1) }
}

/**
 * Parses an `application/trickle-ice-sdpfrag` body. See the module comment for the rules applied.
 *
 * @throws {ParseError} format `sdpfrag`, with the 1-based line number and the line.
 */
export function parseSdpFrag(text: string): SdpFrag {
  if (typeof text !== 'string') fail(`expected a string, got ${typeof text}`)
  if (text.length > MAX_INPUT) fail(`body is ${text.length} characters, more than ${MAX_INPUT}`)
  const crlf = text.indexOf('\r\n')
  const lf = text.indexOf('\n')
  const lineEnding: '\r\n' | '\n' = lf >= 0 && crlf >= 0 && crlf < lf ? '\r\n' : lf >= 0 ? '\n' : '\r\n'
  const rawLines = text.split('\n')
  if (rawLines[rawLines.length - 1] === '') rawLines.pop()

  const frag: SdpFrag = { iceLite: false, groups: [], endOfCandidates: false, otherLines: [], media: [], lineEnding }
  let current: SdpFragMedia | undefined
  let midSeen = false
  let mLineNumber = 0
  const finishMedia = (): void => {
    if (current && !midSeen) {
      fail(`media description ${frag.media.length} has no a=mid`, {
        lineNumber: mLineNumber,
        line: formatMLine(current.mline),
        hint: 'RFC 8840 requires a=mid: in each media description so candidates can be matched to media',
      })
    }
  }

  for (let i = 0; i < rawLines.length; i++) {
    const lineNumber = i + 1
    let line = rawLines[i] ?? ''
    if (line.endsWith('\r')) line = line.slice(0, -1)
    const where: Where = { lineNumber, line }
    if (line.includes('\r')) fail('bare CR inside a line; lines end with CRLF or LF', where)
    if (line === '') {
      if (rawLines.slice(i + 1).every((l) => l === '' || l === '\r')) break
      fail('blank line', { ...where, hint: 'SDP has no blank lines; remove it' })
    }
    const m = LINE.exec(line)
    if (!m) fail('not an SDP line "<letter>=<value>"', { ...where, hint: 'each line looks like "a=candidate:..." or "m=audio 9 RTP/AVP 0"' })
    const type = m[1] ?? ''
    const value = m[2] ?? ''

    if (type === 'm') {
      finishMedia()
      mLineNumber = lineNumber
      current = { mline: parseMLine(value, where), mid: '', candidates: [], endOfCandidates: false, otherLines: [] }
      midSeen = false
      frag.media.push(current)
      continue
    }
    if (type !== 'a') {
      ;(current ? current.otherLines : frag.otherLines).push(line)
      continue
    }
    const { name, val } = attribute(value)
    const level = current ? 'media' : 'session'
    switch (name) {
      case 'candidate': {
        if (!current) {
          fail('a=candidate before any m= line', {
            ...where,
            hint: 'candidates are media-level (RFC 8839 §5.1): put them after "m=..." and "a=mid:..."',
          })
        }
        try {
          current.candidates.push(parseCandidate(line))
        } catch (e) {
          if (e instanceof ParseError) fail(`candidate: ${e.reason}`, { ...where, hint: e.hint })
          throw e
        }
        break
      }
      case 'mid': {
        if (!current) fail('a=mid before any m= line', { ...where, hint: 'a=mid is media-level; put it after the m= line' })
        if (midSeen) fail('second a=mid in one media description', where)
        if (val === undefined || !TOKEN.test(val)) fail('a=mid value must be a token (RFC 8843)', where)
        current.mid = val
        midSeen = true
        break
      }
      case 'ice-ufrag': {
        const target = current ?? frag
        if (target.ufrag !== undefined) fail(`second a=ice-ufrag at ${level} level`, where)
        target.ufrag = checkUfrag(val ?? '', where)
        break
      }
      case 'ice-pwd': {
        const target = current ?? frag
        if (target.pwd !== undefined) fail(`second a=ice-pwd at ${level} level`, where)
        target.pwd = checkPwd(val ?? '', where)
        break
      }
      case 'ice-options': {
        const target = current ?? frag
        if (target.iceOptions !== undefined) fail(`second a=ice-options at ${level} level`, where)
        target.iceOptions = parseIceOptions(val ?? '', where)
        break
      }
      case 'end-of-candidates': {
        if (val !== undefined) fail('a=end-of-candidates takes no value', where)
        const target = current ?? frag
        if (target.endOfCandidates) fail(`second a=end-of-candidates at ${level} level`, where)
        target.endOfCandidates = true
        break
      }
      case 'ice-lite': {
        if (current) fail('a=ice-lite is session-level only (RFC 8839 §5.3)', where)
        if (val !== undefined) fail('a=ice-lite takes no value', where)
        frag.iceLite = true
        break
      }
      case 'group': {
        if (current) fail('a=group is session-level only (RFC 5888)', where)
        frag.groups.push(parseGroup(val ?? '', where))
        break
      }
      default:
        ;(current ? current.otherLines : frag.otherLines).push(line)
    }
  }
  finishMedia()
  // Other lines in the order serializeSdpFrag writes them (non-`a=` lines before `a=` lines, each group in
  // arrival order), so that parse(serialize(frag)) equals frag for any body, not only canonically ordered ones.
  frag.otherLines = canonicalOrder(frag.otherLines)
  for (const m of frag.media) m.otherLines = canonicalOrder(m.otherLines)
  return frag
}

function canonicalOrder(lines: string[]): string[] {
  return [...lines.filter((l) => !isAttr(l)), ...lines.filter(isAttr)]
}

/** {@link parseSdpFrag} that returns a {@link ParseResult} instead of throwing. */
export function safeParseSdpFrag(text: string): ParseResult<SdpFrag> {
  return safely(() => parseSdpFrag(text))
}

function isAttr(line: string): boolean {
  return line.startsWith('a=')
}

/**
 * Writes a fragment in canonical order. Session level: non-`a=` other lines, `a=ice-lite`,
 * `a=ice-options`, `a=group`, `a=ice-ufrag`, `a=ice-pwd`, other `a=` lines, `a=end-of-candidates`.
 * Each media description: `m=`, non-`a=` other lines, `a=mid`, `a=ice-ufrag`, `a=ice-pwd`,
 * `a=ice-options`, other `a=` lines, `a=candidate` lines, `a=end-of-candidates`. Every line ends with
 * `frag.lineEnding`. Bodies already in this order (such as the RFC 9725 examples) round-trip exactly.
 * The result is re-parsed, so an invalid model throws a {@link ParseError}.
 */
export function serializeSdpFrag(frag: SdpFrag): string {
  const lines: string[] = []
  lines.push(...frag.otherLines.filter((l) => !isAttr(l)))
  if (frag.iceLite) lines.push('a=ice-lite')
  if (frag.iceOptions !== undefined) lines.push(`a=ice-options:${frag.iceOptions.join(' ')}`)
  for (const g of frag.groups) lines.push(`a=group:${[g.semantics, ...g.mids].join(' ')}`)
  if (frag.ufrag !== undefined) lines.push(`a=ice-ufrag:${frag.ufrag}`)
  if (frag.pwd !== undefined) lines.push(`a=ice-pwd:${frag.pwd}`)
  lines.push(...frag.otherLines.filter(isAttr))
  if (frag.endOfCandidates) lines.push('a=end-of-candidates')
  for (const m of frag.media) {
    lines.push(formatMLine(m.mline))
    lines.push(...m.otherLines.filter((l) => !isAttr(l)))
    lines.push(`a=mid:${m.mid}`)
    if (m.ufrag !== undefined) lines.push(`a=ice-ufrag:${m.ufrag}`)
    if (m.pwd !== undefined) lines.push(`a=ice-pwd:${m.pwd}`)
    if (m.iceOptions !== undefined) lines.push(`a=ice-options:${m.iceOptions.join(' ')}`)
    lines.push(...m.otherLines.filter(isAttr))
    for (const c of m.candidates) lines.push(serializeCandidate(c, { prefix: 'a=candidate:' }))
    if (m.endOfCandidates) lines.push('a=end-of-candidates')
  }
  const eol = frag.lineEnding === '\n' ? '\n' : '\r\n'
  for (const l of lines) {
    if (/[\r\n]/.test(l)) fail('a line contains CR or LF', { line: l })
  }
  const out = lines.map((l) => l + eol).join('')
  parseSdpFrag(out)
  return out
}

/** One media description for {@link buildSdpFrag}. */
export interface BuildSdpFragMedia {
  mid: string
  /** The m= line, with or without `m=`, or as an object. Default `audio 9 RTP/AVP 0`. */
  mline?: string | SdpFragMLine
  /** Candidates, typed or as text (`candidate:...`, `a=candidate:...` or bare). */
  candidates: (IceCandidate | string)[]
  endOfCandidates?: boolean
}

/** Input of {@link buildSdpFrag}. */
export interface BuildSdpFragInput {
  ufrag: string
  pwd: string
  media: BuildSdpFragMedia[]
  /** Where to put ufrag/pwd: `session` (RFC 8840 example style, default) or in each media description (RFC 9725 WHIP example style). */
  credentialsAt?: 'session' | 'media'
  /** Session-level `a=ice-options`, e.g. `['trickle']`. */
  iceOptions?: string[]
  /** Adds `a=group:BUNDLE <mids>`: `true` for all the media mids, or the list of mids. */
  bundle?: boolean | string[]
  /** Default CRLF. */
  lineEnding?: '\r\n' | '\n'
}

/** The placeholder m= line used by {@link buildSdpFrag} when none is given. */
export const PLACEHOLDER_MLINE = 'm=audio 9 RTP/AVP 0'

/**
 * Builds an RFC 8840 `application/trickle-ice-sdpfrag` body: ICE credentials, then for each media an
 * `m=` line (default {@link PLACEHOLDER_MLINE}), `a=mid:`, the candidates and, if asked,
 * `a=end-of-candidates`. The result is validated by {@link parseSdpFrag}.
 *
 * @throws {ParseError} format `sdpfrag` (or `candidate` for a bad candidate string) when the input is invalid.
 */
export function buildSdpFrag(input: BuildSdpFragInput): string {
  const where: Where = {}
  checkUfrag(input.ufrag, where)
  checkPwd(input.pwd, where)
  const atMedia = input.credentialsAt === 'media'
  const frag: SdpFrag = {
    iceLite: false,
    groups: [],
    endOfCandidates: false,
    otherLines: [],
    media: [],
    lineEnding: input.lineEnding ?? '\r\n',
  }
  if (!atMedia) {
    frag.ufrag = input.ufrag
    frag.pwd = input.pwd
  }
  if (input.iceOptions) frag.iceOptions = [...input.iceOptions]
  if (input.bundle) {
    frag.groups.push({ semantics: 'BUNDLE', mids: input.bundle === true ? input.media.map((m) => m.mid) : [...input.bundle] })
  }
  for (const m of input.media) {
    const mline =
      m.mline === undefined
        ? parseMLine(PLACEHOLDER_MLINE.slice(2), where)
        : typeof m.mline === 'string'
          ? parseMLine(m.mline.startsWith('m=') ? m.mline.slice(2) : m.mline, { line: m.mline })
          : m.mline
    const media: SdpFragMedia = {
      mline,
      mid: m.mid,
      candidates: m.candidates.map((c) => (typeof c === 'string' ? parseCandidate(c) : c)),
      endOfCandidates: m.endOfCandidates ?? false,
      otherLines: [],
    }
    if (atMedia) {
      media.ufrag = input.ufrag
      media.pwd = input.pwd
    }
    frag.media.push(media)
  }
  return serializeSdpFrag(frag)
}

/** Every candidate of a fragment with the mid of its media description and the ufrag in effect. */
export function sdpFragCandidates(frag: SdpFrag): { mid: string; ufrag: string | undefined; candidate: IceCandidate }[] {
  return frag.media.flatMap((m) => m.candidates.map((candidate) => ({ mid: m.mid, ufrag: m.ufrag ?? frag.ufrag, candidate })))
}
