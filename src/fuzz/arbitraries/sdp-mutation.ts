/**
 * Structure-aware SDP mutations. A mutation is a small record (`{ op: 'drop', line: 4 }`) applied to the
 * lines of a valid SDP, so a failing case shrinks to few mutations with small numbers and a readable
 * diff. The ops cover what breaks real parsers: dropped, duplicated and reordered lines; wrong field
 * counts; out-of-range ports and payload types; long values; invalid UTF-8; CRLF/LF/CR mixes; missing or
 * conflicting attributes; huge SDPs.
 */
import fc from 'fast-check'
import { rawByte } from '../payload.ts'
import { webrtcOffer, buildWebrtcOffer, type WebrtcOfferOptions, type WebrtcOfferSpec } from './webrtc-offer.ts'

/** One mutation. Line and section numbers are taken modulo the number of candidates, so any value applies. */
export type SdpMutation =
  | { op: 'drop'; line: number }
  | { op: 'duplicate'; line: number }
  | { op: 'swap'; line: number; with: number }
  | { op: 'insert'; line: number; text: string }
  | { op: 'value'; attribute: number; value: string }
  | { op: 'dropToken'; line: number; token: number }
  | { op: 'addToken'; line: number; token: string }
  | { op: 'port'; section: number; port: number }
  | { op: 'payloadType'; rtpLine: number; pt: number }
  | { op: 'eol'; line: number; eol: '\n' | '\r' | '' | '\r\r\n' | ' \r\n' }
  | { op: 'rawBytes'; line: number; bytes: number[] }
  | { op: 'long'; line: number; length: number }
  | { op: 'repeat'; line: number; count: number }
  | { op: 'truncate'; keep: number }

/** Hostile attribute values: empty, numeric edge cases, format strings, control characters, non-ASCII. */
export const HOSTILE_VALUES: readonly string[] = [
  '',
  ' ',
  '-1',
  '0',
  '65536',
  '4294967296',
  '18446744073709551616',
  '99999999999999999999999',
  '1e309',
  'NaN',
  '0x10',
  '%s%s%n',
  '../../../../etc/passwd',
  '\u0000',
  '\t',
  '<script>',
  '😀',
  'é',
  '\u202e',
  ':',
  '::',
  '/',
  ' / ',
  ';;',
  '=',
]

/** Lines that conflict with, duplicate or half-repeat what a WebRTC offer already says. */
export const HOSTILE_LINES: readonly string[] = [
  'a=setup:active',
  'a=setup:',
  'a=setup:bogus',
  'a=mid:0',
  'a=mid:',
  'a=ice-ufrag:',
  'a=ice-pwd:x',
  'a=fingerprint:sha-256 ZZ',
  'a=fingerprint:md5 00',
  'a=fingerprint:',
  'a=rtcp-mux-only',
  'a=group:BUNDLE 7',
  'a=group:BUNDLE',
  'a=rtpmap:0 PCMU/0',
  'a=rtpmap:111 opus/48000/0',
  'a=rtpmap:96',
  'a=fmtp:111',
  'a=fmtp:97 apt=97',
  'a=sendonly',
  'a=recvonly',
  'a=inactive',
  'a=ssrc-group:FID 1',
  'a=ssrc:0',
  'a=simulcast:send',
  'a=simulcast:send ;',
  'a=rid:x send pt=200',
  'a=rid: send',
  'a=sctp-port:70000',
  'a=max-message-size:-1',
  'a=extmap:0 urn:x',
  'a=extmap:15 urn:ietf:params:rtp-hdrext:sdes:mid',
  'a=extmap:1 urn:ietf:params:rtp-hdrext:sdes:mid',
  'a=candidate:1 1 udp 1 127.0.0.1 70000 typ host',
  'a=candidate:garbage',
  'a=candidate:',
  'a=end-of-candidates',
  'a=rtcp:0',
  'a=msid:',
  'a=ptime:0',
  'c=IN IP4 300.1.1.1',
  'c=IN IP6 ::1',
  'c=IN',
  'b=AS:-1',
  'b=TIAS:99999999999999999999',
  'm=audio 9 RTP/AVP',
  'm=video 0 UDP/TLS/RTP/SAVPF 96',
  't=0 0',
  'v=0',
  'a=',
  'a=:',
  'x=y',
  '=',
  'a=ice-lite',
  'a=ice-options:',
  'a=rtcp-fb:* nack',
  'a=rtcp-fb:999 nack',
]

const line = fc.nat(200)
const hostileValue = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...HOSTILE_VALUES) }, { weight: 1, arbitrary: fc.string({ maxLength: 12 }) })

/** Any one {@link SdpMutation}. */
export const sdpMutation: fc.Arbitrary<SdpMutation> = fc.oneof(
  fc.record({ op: fc.constant('drop' as const), line }),
  fc.record({ op: fc.constant('duplicate' as const), line }),
  fc.record({ op: fc.constant('swap' as const), line, with: line }),
  fc.record({ op: fc.constant('insert' as const), line, text: fc.constantFrom(...HOSTILE_LINES) }),
  fc.record({ op: fc.constant('value' as const), attribute: line, value: hostileValue }),
  fc.record({ op: fc.constant('dropToken' as const), line, token: fc.nat(8) }),
  fc.record({ op: fc.constant('addToken' as const), line, token: hostileValue }),
  fc.record({
    op: fc.constant('port' as const),
    section: fc.nat(4),
    port: fc.oneof(fc.integer({ min: 65536, max: 2 ** 40 }), fc.integer({ min: -70000, max: -1 })),
  }),
  fc.record({
    op: fc.constant('payloadType' as const),
    rtpLine: line,
    pt: fc.oneof(fc.integer({ min: 128, max: 2 ** 40 }), fc.integer({ min: -1000, max: -1 })),
  }),
  fc.record({ op: fc.constant('eol' as const), line, eol: fc.constantFrom('\n' as const, '\r' as const, '' as const, '\r\r\n' as const, ' \r\n' as const) }),
  fc.record({ op: fc.constant('rawBytes' as const), line, bytes: fc.array(fc.integer({ min: 0x80, max: 0xff }), { minLength: 1, maxLength: 4 }) }),
  fc.record({ op: fc.constant('long' as const), line, length: fc.integer({ min: 256, max: 100_000 }) }),
  fc.record({ op: fc.constant('repeat' as const), line, count: fc.integer({ min: 2, max: 5_000 }) }),
  fc.record({ op: fc.constant('truncate' as const), keep: fc.nat(100) }),
)

interface Line {
  text: string
  eol: string
}

function splitLines(sdp: string): Line[] {
  const out: Line[] = []
  const re = /([^\r\n]*)(\r\n|\n|\r|$)/g
  for (let m = re.exec(sdp); m !== null && m.index < sdp.length; m = re.exec(sdp)) {
    out.push({ text: m[1] ?? '', eol: m[2] ?? '' })
    if (m[0] === '') break
  }
  return out
}

function pick<T>(items: T[], n: number): T | undefined {
  return items.length === 0 ? undefined : items[n % items.length]
}

const RTP_LINE = /^(m=(?:audio|video) |a=(?:rtpmap|fmtp|rtcp-fb):)/

/**
 * Applies mutations in order to an SDP (or any line-based text) and returns the mutated text. Raw bytes are
 * carried as surrogate escapes (see src/fuzz/payload.ts). Never throws; the result is bounded (< ~1 MB).
 */
export function applySdpMutations(sdp: string, mutations: readonly SdpMutation[]): string {
  let lines = splitLines(sdp)
  const indexes = () => lines.map((_, i) => i)
  for (const m of mutations) {
    const eolDefault = lines[0]?.eol || '\r\n'
    switch (m.op) {
      case 'drop': {
        const i = pick(indexes(), m.line)
        if (i !== undefined) lines.splice(i, 1)
        break
      }
      case 'duplicate': {
        const i = pick(indexes(), m.line)
        if (i !== undefined) lines.splice(i, 0, { ...lines[i]! })
        break
      }
      case 'swap': {
        const i = pick(indexes(), m.line)
        const j = pick(indexes(), m.with)
        if (i !== undefined && j !== undefined)
          [lines[i], lines[j]] = [
            { ...lines[j]!, eol: lines[i]!.eol },
            { ...lines[i]!, eol: lines[j]!.eol },
          ]
        break
      }
      case 'insert': {
        const at = lines.length === 0 ? 0 : m.line % (lines.length + 1)
        lines.splice(at, 0, { text: m.text, eol: eolDefault })
        break
      }
      case 'value': {
        const attrs = indexes().filter((i) => lines[i]!.text.startsWith('a=') && lines[i]!.text.includes(':'))
        const i = pick(attrs, m.attribute)
        if (i !== undefined) {
          const t = lines[i]!.text
          lines[i] = { ...lines[i]!, text: t.slice(0, t.indexOf(':') + 1) + m.value.replace(/[\r\n]/g, '') }
        }
        break
      }
      case 'dropToken':
      case 'addToken': {
        const i = pick(indexes(), m.line)
        if (i === undefined) break
        const t = lines[i]!.text
        const head = t.slice(0, 2)
        const tokens = t.slice(2).split(' ')
        if (m.op === 'dropToken') tokens.splice(m.token % tokens.length, 1)
        else tokens.push(m.token.replace(/[\r\n]/g, ''))
        lines[i] = { ...lines[i]!, text: head + tokens.join(' ') }
        break
      }
      case 'port': {
        const i = pick(
          indexes().filter((k) => lines[k]!.text.startsWith('m=')),
          m.section,
        )
        if (i !== undefined) lines[i] = { ...lines[i]!, text: lines[i]!.text.replace(/^(m=\S*) \S+/, `$1 ${m.port}`) }
        break
      }
      case 'payloadType': {
        const i = pick(
          indexes().filter((k) => RTP_LINE.test(lines[k]!.text)),
          m.rtpLine,
        )
        if (i === undefined) break
        const t = lines[i]!.text
        lines[i] = { ...lines[i]!, text: t.startsWith('m=') ? t.replace(/^(m=\S+ \S+ \S+ )\S+/, `$1${m.pt}`) : t.replace(/^(a=[a-z-]+:)[^ ]*/, `$1${m.pt}`) }
        break
      }
      case 'eol': {
        const i = pick(indexes(), m.line)
        if (i !== undefined) lines[i] = { ...lines[i]!, eol: m.eol }
        break
      }
      case 'rawBytes': {
        const i = pick(indexes(), m.line)
        if (i !== undefined) lines[i] = { ...lines[i]!, text: lines[i]!.text + m.bytes.map(rawByte).join('') }
        break
      }
      case 'long': {
        const i = pick(indexes(), m.line)
        if (i !== undefined) lines[i] = { ...lines[i]!, text: lines[i]!.text + 'x'.repeat(Math.min(m.length, 200_000)) }
        break
      }
      case 'repeat': {
        const i = pick(indexes(), m.line)
        if (i !== undefined) {
          const copy = lines[i]!
          const count = Math.min(m.count, Math.max(1, Math.floor(1_000_000 / (copy.text.length + 2))), 20_000)
          lines.splice(i, 1, ...Array.from({ length: count }, () => ({ ...copy, eol: copy.eol || eolDefault })))
        }
        break
      }
      case 'truncate': {
        const text = lines.map((l) => l.text + l.eol).join('')
        lines = splitLines(text.slice(0, Math.floor((text.length * (m.keep % 101)) / 100)))
        break
      }
    }
  }
  return lines.map((l) => l.text + l.eol).join('')
}

/** A valid offer and the mutations applied to it: the shape counterexamples are reported in. */
export interface MutatedOfferSpec {
  offer: WebrtcOfferSpec
  mutations: SdpMutation[]
}

/** Options of {@link mutatedOffer}. */
export interface MutatedOfferOptions extends WebrtcOfferOptions {
  /** At most this many mutations per case. Default 3. */
  maxMutations?: number
  /** Allow zero mutations (a valid offer). Default false. */
  allowValid?: boolean
}

/** Offers with 1..`maxMutations` structure-aware mutations, as data (see {@link mutatedOfferSdp} for text). */
export function mutatedOffer(options: MutatedOfferOptions = {}): fc.Arbitrary<MutatedOfferSpec> {
  return fc.record({
    offer: webrtcOffer(options),
    mutations: fc.array(sdpMutation, { minLength: options.allowValid ? 0 : 1, maxLength: Math.max(1, options.maxMutations ?? 3) }),
  })
}

/** The SDP text of a {@link MutatedOfferSpec}. */
export function buildMutatedOffer(spec: MutatedOfferSpec): string {
  return applySdpMutations(buildWebrtcOffer(spec.offer), spec.mutations)
}

/** Mutated offers as SDP text (shrinking works on the underlying {@link MutatedOfferSpec}). */
export function mutatedOfferSdp(options: MutatedOfferOptions = {}): fc.Arbitrary<string> {
  return mutatedOffer(options).map(buildMutatedOffer)
}
