/** Codecs of a media section: `m=` payload types joined with rtpmap, fmtp and rtcp-fb (and RFC 3551 static types). */
import { mediaLine } from './media.ts'
import { findAttributes } from './scope.ts'
import type { MediaSection } from './types.ts'

/** One RTCP feedback entry (`a=rtcp-fb`), e.g. `{ type: 'nack', parameters: 'pli' }`. */
export interface RtcpFeedback {
  type: string
  parameters?: string
}

/** A codec offered in a media section. */
export interface Codec {
  payloadType: number
  /** As written in the rtpmap (`opus`, `OPUS`, `VP8`, ...); compare case-insensitively. */
  encodingName: string
  clockRate: number
  /** Audio channels (rtpmap encoding parameters; 1 when an audio rtpmap omits it). */
  channels?: number
  /** The raw `a=fmtp` parameters for this payload type, if any. */
  fmtp?: string
  /** `fmtp` split into `name → value` (see {@link fmtpParameters}). */
  parameters: Map<string, string>
  /** `a=rtcp-fb` entries for this payload type plus the `*` wildcard ones. */
  feedback: RtcpFeedback[]
  /** True when the codec comes from the RFC 3551 static table (no rtpmap line). */
  static: boolean
}

/** RFC 3551 §6 static payload types: pt → [encoding, clock rate, channels (audio only)]. */
export const STATIC_PAYLOAD_TYPES: ReadonlyMap<number, readonly [string, number, number | undefined]> = new Map([
  [0, ['PCMU', 8000, 1]],
  [3, ['GSM', 8000, 1]],
  [4, ['G723', 8000, 1]],
  [5, ['DVI4', 8000, 1]],
  [6, ['DVI4', 16000, 1]],
  [7, ['LPC', 8000, 1]],
  [8, ['PCMA', 8000, 1]],
  [9, ['G722', 8000, 1]],
  [10, ['L16', 44100, 2]],
  [11, ['L16', 44100, 1]],
  [12, ['QCELP', 8000, 1]],
  [13, ['CN', 8000, 1]],
  [14, ['MPA', 90000, undefined]],
  [15, ['G728', 8000, 1]],
  [16, ['DVI4', 11025, 1]],
  [17, ['DVI4', 22050, 1]],
  [18, ['G729', 8000, 1]],
  [25, ['CelB', 90000, undefined]],
  [26, ['JPEG', 90000, undefined]],
  [28, ['nv', 90000, undefined]],
  [31, ['H261', 90000, undefined]],
  [32, ['MPV', 90000, undefined]],
  [33, ['MP2T', 90000, undefined]],
  [34, ['H263', 90000, undefined]],
] as const)

/**
 * Split `k=v;k=v` parameters (fmtp, rid restrictions) into a Map, trimming each part.
 * A part without `=` (e.g. telephone-event's `0-15`) maps to `''`.
 */
export function fmtpParameters(text: string): Map<string, string> {
  const out = new Map<string, string>()
  for (const part of text.split(';')) {
    const p = part.trim()
    if (p === '') continue
    const eq = p.indexOf('=')
    if (eq < 0) out.set(p, '')
    else out.set(p.slice(0, eq).trim(), p.slice(eq + 1).trim())
  }
  return out
}

/**
 * The codecs of a media section in `m=` line order. Payload types with neither an rtpmap nor a
 * static assignment are left out (see {@link unmappedPayloadTypes}).
 */
export function codecs(section: MediaSection): Codec[] {
  const m = mediaLine(section)
  const rtpmaps = findAttributes(section, 'rtpmap')
  const fmtps = findAttributes(section, 'fmtp')
  const fbs = findAttributes(section, 'rtcp-fb')
  const out: Codec[] = []
  for (const format of m.formats) {
    if (!/^[0-9]{1,3}$/.test(format)) continue
    const pt = Number(format)
    const map = rtpmaps.find((r) => r.payloadType === pt)
    const fixed = STATIC_PAYLOAD_TYPES.get(pt)
    if (!map && !fixed) continue
    const codec: Codec = map
      ? { payloadType: pt, encodingName: map.encodingName, clockRate: map.clockRate, parameters: new Map(), feedback: [], static: false }
      : { payloadType: pt, encodingName: fixed?.[0] ?? '', clockRate: fixed?.[1] ?? 0, parameters: new Map(), feedback: [], static: true }
    const channels = map ? (map.encodingParameters ?? (m.media === 'audio' ? 1 : undefined)) : fixed?.[2]
    if (channels !== undefined) codec.channels = channels
    const fmtp = fmtps.find((f) => f.format === format)
    if (fmtp) {
      codec.fmtp = fmtp.parameters
      codec.parameters = fmtpParameters(fmtp.parameters)
    }
    for (const fb of fbs) {
      if (fb.payloadType === pt || fb.payloadType === '*') {
        codec.feedback.push(fb.parameters === undefined ? { type: fb.type } : { type: fb.type, parameters: fb.parameters })
      }
    }
    out.push(codec)
  }
  return out
}

/** Payload types listed on the `m=` line that have neither an rtpmap nor a static assignment (RTP media only). */
export function unmappedPayloadTypes(section: MediaSection): number[] {
  const m = mediaLine(section)
  if (!m.proto.includes('RTP')) return []
  const mapped = new Set(findAttributes(section, 'rtpmap').map((r) => r.payloadType))
  return m.formats
    .filter((f) => /^[0-9]{1,3}$/.test(f))
    .map(Number)
    .filter((pt) => !mapped.has(pt) && !STATIC_PAYLOAD_TYPES.has(pt))
}

/** The first codec whose encoding name matches (case-insensitive), e.g. `findCodec(section, 'opus')`. */
export function findCodec(section: MediaSection, encodingName: string): Codec | undefined {
  const want = encodingName.toLowerCase()
  return codecs(section).find((c) => c.encodingName.toLowerCase() === want)
}
