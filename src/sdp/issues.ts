/**
 * `sdpIssues`: problems that `parseSdp` tolerates (so the text still round-trips) but that a strict
 * peer may reject. Each issue names the 1-based line number in the serialized text.
 */
import { attributeName, isToken, parseAttributeValue } from './attributes.ts'
import { unmappedPayloadTypes } from './codecs.ts'
import { formatLine, mediaLineOfNode } from './fields.ts'
import { mediaLine, mid } from './media.ts'
import { bundleGroups } from './session.ts'
import type { Attribute, MediaLineNode, MediaSection, SdpLine, SessionDescription, FieldLine } from './types.ts'

/** One finding of {@link sdpIssues}. */
export interface SdpIssue {
  /** `error`: violates an RFC MUST; `warning`: legal-but-risky or a SHOULD. */
  severity: 'error' | 'warning'
  /** Stable identifier, e.g. `lf-line-endings`, `missing-connection`, `unmapped-payload-type`. */
  code: string
  /** What is wrong and how to fix it. */
  message: string
  /** 1-based line number in `serializeSdp(desc)`, when the issue is about one line. */
  lineNumber?: number
}

const SESSION_RANK: Record<string, number> = { v: 0, o: 1, s: 2, i: 3, u: 4, e: 5, p: 6, c: 7, b: 8, t: 9, r: 9, z: 10, k: 11, a: 12 }
const MEDIA_RANK: Record<string, number> = { i: 0, c: 1, b: 2, k: 3, a: 4 }

function letterOf(line: SdpLine | MediaLineNode | FieldLine): string {
  switch (line.kind) {
    case 'field':
      return line.letter
    case 'origin':
      return 'o'
    case 'connection':
      return 'c'
    case 'bandwidth':
      return 'b'
    case 'timing':
      return 't'
    case 'media':
      return 'm'
    default:
      return 'a'
  }
}

interface Located {
  line: SdpLine
  lineNumber: number
}

function locate(desc: SessionDescription): { session: Located[]; media: { section: MediaSection; lineNumber: number; lines: Located[] }[] } {
  let n = 0
  const session = desc.lines.map((line) => ({ line, lineNumber: ++n }))
  const media = desc.media.map((section) => {
    const lineNumber = ++n
    return { section, lineNumber, lines: section.lines.map((line) => ({ line, lineNumber: ++n })) }
  })
  return { session, media }
}

function isAttribute(line: SdpLine): line is Attribute {
  return letterOf(line) === 'a'
}

function orderIssues(lines: Located[], rank: Record<string, number>, where: string, out: SdpIssue[]): void {
  let highest = -1
  for (const { line, lineNumber } of lines) {
    const r = rank[letterOf(line)]
    if (r === undefined) continue
    if (r < highest) {
      out.push({
        severity: 'warning',
        code: 'line-order',
        lineNumber,
        message: `${letterOf(line)}= is out of RFC 8866 order in the ${where} (order: ${Object.keys(rank).join(' ')})`,
      })
    }
    highest = Math.max(highest, r)
  }
}

function attributeIssues(lines: Located[], out: SdpIssue[]): void {
  let directions = 0
  for (const { line, lineNumber } of lines) {
    if (!isAttribute(line)) continue
    if (line.kind === 'direction') directions++
    if (line.kind !== 'attribute') continue
    const name = line.name.trim()
    if (name !== line.name)
      out.push({
        severity: 'warning',
        code: 'attribute-name-whitespace',
        lineNumber,
        message: `attribute name ${JSON.stringify(line.name)} has surrounding whitespace`,
      })
    const typed = parseAttributeValue(name, line.value)
    if (typed?.kind === 'direction') directions++
    if (!typed && isKnownName(name)) {
      out.push({
        severity: 'warning',
        code: 'malformed-attribute',
        lineNumber,
        message: `a=${name} does not match its grammar: ${JSON.stringify(formatLine(line))}`,
      })
    }
  }
  if (directions > 1)
    out.push({
      severity: 'warning',
      code: 'multiple-directions',
      message: 'more than one direction attribute (sendrecv/sendonly/recvonly/inactive) in one scope',
    })
}

const KNOWN = new Set([
  'group',
  'mid',
  'msid',
  'msid-semantic',
  'ice-ufrag',
  'ice-pwd',
  'ice-options',
  'fingerprint',
  'setup',
  'rtcp',
  'rtpmap',
  'fmtp',
  'rtcp-fb',
  'extmap',
  'ssrc',
  'ssrc-group',
  'simulcast',
  'rid',
  'sctp-port',
  'max-message-size',
  'ptime',
  'maxptime',
  'candidate',
  'rtcp-mux',
  'rtcp-mux-only',
  'rtcp-rsize',
  'ice-lite',
  'end-of-candidates',
  'extmap-allow-mixed',
  'bundle-only',
  'sendrecv',
  'sendonly',
  'recvonly',
  'inactive',
])

function isKnownName(name: string): boolean {
  return KNOWN.has(name) && isToken(name)
}

/**
 * List what is tolerated but not clean in a parsed SDP: LF or mixed line endings, trailing whitespace,
 * empty `s=`, lines out of RFC 8866 order, known attributes that do not fit their grammar, media without
 * a connection address, dynamic payload types without rtpmap, attributes for payload types not on the
 * `m=` line, duplicate mids, BUNDLE mids without a section, several direction attributes in one scope.
 * Returns `[]` for a clean description.
 */
export function sdpIssues(desc: SessionDescription): SdpIssue[] {
  const out: SdpIssue[] = []
  const { session, media } = locate(desc)
  const all = [...session, ...media.flatMap((m) => [{ line: m.section.mline as SdpLine, lineNumber: m.lineNumber }, ...m.lines])]

  if (desc.lineEnding === '\n') out.push({ severity: 'warning', code: 'lf-line-endings', message: 'lines end with LF; RFC 8866 requires CRLF' })
  const mixed = all.find(({ line }) => line.eol !== undefined && line.eol !== desc.lineEnding)
  if (mixed) out.push({ severity: 'warning', code: 'mixed-line-endings', lineNumber: mixed.lineNumber, message: 'line endings are mixed (CRLF and LF)' })
  for (const { line, lineNumber } of all) {
    const text = formatLine(line)
    if (/[ \t]$/.test(text)) out.push({ severity: 'warning', code: 'trailing-whitespace', lineNumber, message: 'line ends with whitespace' })
  }
  const s = session.find(({ line }) => line.kind === 'field' && line.letter === 's')
  if (s && s.line.kind === 'field' && s.line.value === '') {
    out.push({
      severity: 'warning',
      code: 'empty-session-name',
      lineNumber: s.lineNumber,
      message: 's= is empty; RFC 8866 §5.3 asks for "s=-" (or a single space) when there is no name',
    })
  }
  orderIssues(session, SESSION_RANK, 'session description', out)
  attributeIssues(session, out)

  const sessionHasConnection = session.some(({ line }) => letterOf(line) === 'c')
  const mids = new Map<string, number>()
  for (const m of media) {
    orderIssues(m.lines, MEDIA_RANK, `media description at line ${m.lineNumber}`, out)
    attributeIssues(m.lines, out)
    const ml = mediaLineOfNode(m.section.mline)
    if (!ml) continue
    if (!sessionHasConnection && !m.lines.some(({ line }) => letterOf(line) === 'c')) {
      out.push({
        severity: 'error',
        code: 'missing-connection',
        lineNumber: m.lineNumber,
        message: 'no c= in this media description and none at session level (RFC 8866 §5.7)',
      })
    }
    for (const pt of unmappedPayloadTypes(m.section)) {
      out.push({
        severity: 'error',
        code: 'unmapped-payload-type',
        lineNumber: m.lineNumber,
        message: `payload type ${pt} is on the m= line but has no a=rtpmap (dynamic types need one)`,
      })
    }
    const listed = new Set(mediaLine(m.section).formats)
    for (const { line, lineNumber } of m.lines) {
      if (!isAttribute(line)) continue
      const a = line.kind === 'attribute' ? (parseAttributeValue(line.name.trim(), line.value) ?? line) : line
      const format =
        a.kind === 'rtpmap'
          ? String(a.payloadType)
          : a.kind === 'fmtp'
            ? a.format
            : a.kind === 'rtcp-fb' && a.payloadType !== '*'
              ? String(a.payloadType)
              : undefined
      if (format !== undefined && !listed.has(format)) {
        out.push({
          severity: 'warning',
          code: 'format-not-on-mline',
          lineNumber,
          message: `a=${attributeName(a)} refers to format ${format}, which is not on the m= line`,
        })
      }
    }
    const id = mid(m.section)
    if (id !== undefined) {
      if (mids.has(id))
        out.push({
          severity: 'error',
          code: 'duplicate-mid',
          lineNumber: m.lineNumber,
          message: `mid ${JSON.stringify(id)} is also used by the section at line ${mids.get(id)}`,
        })
      else mids.set(id, m.lineNumber)
    }
  }
  for (const group of bundleGroups(desc)) {
    for (const id of group) {
      if (!mids.has(id))
        out.push({ severity: 'error', code: 'bundle-unknown-mid', message: `a=group:BUNDLE names mid ${JSON.stringify(id)}, but no media section has it` })
    }
  }
  return out
}
