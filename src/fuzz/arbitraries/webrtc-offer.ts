/**
 * Valid WebRTC SDP offers (JSEP / RFC 8829 shape, as Chromium and werift write them): audio-only, video,
 * BUNDLE, simulcast (RFC 8853 rids) and data channels (RFC 8841). An offer is generated as a small
 * {@link WebrtcOfferSpec} record, so fast-check shrinks it field by field (fewer sections, fewer codecs,
 * no simulcast, ...) towards the smallest readable offer, and {@link buildWebrtcOffer} turns it into text
 * through src/sdp's model (`serializeSdp`).
 */
import fc from 'fast-check'
import { serializeSdp } from '../../sdp/serialize.ts'
import type { Attribute, Direction, MediaSection, SdpLine, SessionDescription } from '../../sdp/types.ts'

/** One codec the generator may offer, with its default payload type and optional fmtp / RTX. */
export interface OfferCodec {
  name: string
  payloadType: number
  clockRate: number
  channels?: number
  fmtp?: string
  /** Payload type of its RTX stream (video), if any. */
  rtx?: number
  feedback?: string[]
}

/** Audio codecs offered, in the order Chromium writes them. */
export const AUDIO_CODECS: readonly OfferCodec[] = [
  { name: 'opus', payloadType: 111, clockRate: 48000, channels: 2, fmtp: 'minptime=10;useinbandfec=1', feedback: ['transport-cc'] },
  { name: 'PCMU', payloadType: 0, clockRate: 8000 },
  { name: 'PCMA', payloadType: 8, clockRate: 8000 },
  { name: 'G722', payloadType: 9, clockRate: 8000 },
  { name: 'telephone-event', payloadType: 126, clockRate: 8000, fmtp: '0-15' },
]

/** Video codecs offered. */
export const VIDEO_CODECS: readonly OfferCodec[] = [
  { name: 'VP8', payloadType: 96, clockRate: 90000, rtx: 97, feedback: ['goog-remb', 'transport-cc', 'ccm fir', 'nack', 'nack pli'] },
  {
    name: 'H264',
    payloadType: 102,
    clockRate: 90000,
    rtx: 103,
    fmtp: 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f',
    feedback: ['nack', 'nack pli'],
  },
  { name: 'VP9', payloadType: 98, clockRate: 90000, rtx: 99, fmtp: 'profile-id=0', feedback: ['nack', 'nack pli'] },
]

/** One m= section of a generated offer. */
export interface OfferSectionSpec {
  kind: 'audio' | 'video' | 'application'
  /** Indexes into {@link AUDIO_CODECS} / {@link VIDEO_CODECS} (ignored for `application`); never empty for media. */
  codecs: number[]
  direction: Direction
  /** Simulcast rids (video only); empty for none. */
  simulcast: string[]
  /** SSRC of the (first) outgoing stream, or undefined to leave a=ssrc out. */
  ssrc: number | undefined
  /** Header extensions: mid (and rid with simulcast) always; these add more. */
  extraExtmaps: boolean
}

/** A valid WebRTC offer, as data. */
export interface WebrtcOfferSpec {
  sessionId: string
  sections: OfferSectionSpec[]
  bundle: boolean
  /** Adds `a=ice-options:trickle`. */
  trickle: boolean
  ufrag: string
  pwd: string
  /** 32 bytes of a sha-256 fingerprint. */
  fingerprint: number[]
  /** Host candidates on 127.0.0.1 written into the first section (a non-trickle offer), by port. */
  candidatePorts: number[]
  /** Stream id shared by every a=msid. */
  streamId: string
}

const ICE_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'
const iceString = (min: number, max: number) => fc.string({ unit: fc.constantFrom(...ICE_CHARS), minLength: min, maxLength: max })

function sectionArb(kind: OfferSectionSpec['kind'], directions: readonly Direction[]): fc.Arbitrary<OfferSectionSpec> {
  const catalogue = kind === 'video' ? VIDEO_CODECS : AUDIO_CODECS
  return fc.record({
    kind: fc.constant(kind),
    codecs:
      kind === 'application'
        ? fc.constant([])
        : fc.uniqueArray(fc.nat(catalogue.length - 1), { minLength: 1, maxLength: catalogue.length }).map((c) =>
            // telephone-event alone is not a usable audio codec: keep a real one first
            kind === 'audio' && c.every((i) => AUDIO_CODECS[i]?.name === 'telephone-event') ? [1] : c,
          ),
    direction: fc.constantFrom(...directions),
    simulcast:
      kind === 'video'
        ? fc.oneof({ weight: 3, arbitrary: fc.constant<string[]>([]) }, { weight: 1, arbitrary: fc.constantFrom<string[]>(['h', 'l'], ['f', 'h', 'q']) })
        : fc.constant<string[]>([]),
    ssrc: fc.option(fc.integer({ min: 1, max: 0xffffffff }), { nil: undefined }),
    extraExtmaps: fc.boolean(),
  })
}

/** Options of {@link webrtcOffer}. */
export interface WebrtcOfferOptions {
  /** Which kinds of section may appear. Default all three. */
  kinds?: ReadonlyArray<OfferSectionSpec['kind']>
  /** Directions media sections may have. Default `sendrecv`, `sendonly`, `recvonly` (WHIP: `['sendonly']`, WHEP: `['recvonly']`). */
  directions?: readonly Direction[]
  /** At most this many sections. Default 3. */
  maxSections?: number
  /** Require at least one audio section (the reference peers need one). Default true. */
  requireAudio?: boolean
}

/**
 * Valid WebRTC offers as {@link WebrtcOfferSpec} records (shrink towards one audio section with one codec).
 * Turn one into text with {@link buildWebrtcOffer}, or use {@link webrtcOfferSdp}.
 */
export function webrtcOffer(options: WebrtcOfferOptions = {}): fc.Arbitrary<WebrtcOfferSpec> {
  const kinds = options.kinds ?? ['audio', 'video', 'application']
  const directions = options.directions ?? ['sendrecv', 'sendonly', 'recvonly']
  const maxSections = Math.max(1, options.maxSections ?? 3)
  const requireAudio = options.requireAudio ?? true
  const anySection = fc.oneof(...kinds.map((k) => sectionArb(k, directions)))
  const first = requireAudio ? sectionArb('audio', directions) : anySection
  return fc.record({
    sessionId: fc.bigInt({ min: 1n, max: 2n ** 62n }).map(String),
    sections: fc
      .tuple(first, fc.array(anySection, { maxLength: maxSections - 1 }))
      // at most one data channel section (JSEP)
      .map(([a, rest]) => [a, ...rest.filter((s, i) => s.kind !== 'application' || rest.findIndex((r) => r.kind === 'application') === i)]),
    bundle: fc.boolean(),
    trickle: fc.boolean(),
    ufrag: iceString(4, 8),
    pwd: iceString(22, 24),
    fingerprint: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 32, maxLength: 32 }),
    candidatePorts: fc.array(fc.integer({ min: 1024, max: 65535 }), { maxLength: 2 }),
    streamId: iceString(1, 8).map((s) => s.replace(/[+/]/g, 'x')),
  })
}

const attr = (a: Attribute): SdpLine => a

const EXT_IDS = { mid: 1, rid: 2, rrid: 3, absSendTime: 4, twcc: 5 } as const

function mediaSection(spec: WebrtcOfferSpec, s: OfferSectionSpec, index: number): MediaSection {
  const mid = String(index)
  const lines: SdpLine[] = [{ kind: 'connection', netType: 'IN', addrType: 'IP4', address: '0.0.0.0' }]
  if (index === 0 || !spec.bundle) {
    for (const [i, port] of spec.candidatePorts.entries()) {
      lines.push(attr({ kind: 'candidate', value: `${i + 1} 1 udp ${2122260223 - i} 127.0.0.1 ${port} typ host generation 0` }))
    }
    if (spec.candidatePorts.length > 0 && !spec.trickle) lines.push(attr({ kind: 'end-of-candidates' }))
  }
  lines.push(attr({ kind: 'ice-ufrag', ufrag: spec.ufrag }), attr({ kind: 'ice-pwd', pwd: spec.pwd }))
  if (spec.trickle) lines.push(attr({ kind: 'ice-options', options: ['trickle'] }))
  lines.push(
    attr({ kind: 'fingerprint', hashFunction: 'sha-256', fingerprint: spec.fingerprint.map((b) => b.toString(16).toUpperCase().padStart(2, '0')).join(':') }),
    attr({ kind: 'setup', role: 'actpass' }),
    attr({ kind: 'mid', mid }),
  )
  if (s.kind === 'application') {
    lines.push(attr({ kind: 'sctp-port', port: 5000 }), attr({ kind: 'max-message-size', size: 262144 }))
    return { mline: { kind: 'media', media: 'application', port: 9, proto: 'UDP/DTLS/SCTP', formats: ['webrtc-datachannel'] }, lines }
  }
  const catalogue = s.kind === 'video' ? VIDEO_CODECS : AUDIO_CODECS
  const codecs = s.codecs.map((i) => catalogue[i]).filter((c): c is OfferCodec => c !== undefined)
  const formats: string[] = []
  // One id per URI across the whole offer: BUNDLE requires the same id for the same extension (Chromium checks).
  lines.push(attr({ kind: 'extmap', id: EXT_IDS.mid, uri: 'urn:ietf:params:rtp-hdrext:sdes:mid' }))
  if (s.simulcast.length) {
    lines.push(attr({ kind: 'extmap', id: EXT_IDS.rid, uri: 'urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id' }))
    lines.push(attr({ kind: 'extmap', id: EXT_IDS.rrid, uri: 'urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id' }))
  }
  if (s.extraExtmaps) {
    lines.push(attr({ kind: 'extmap', id: EXT_IDS.absSendTime, uri: 'http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time' }))
    lines.push(attr({ kind: 'extmap', id: EXT_IDS.twcc, uri: 'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01' }))
  }
  lines.push(attr({ kind: 'direction', direction: s.direction }))
  if (s.direction !== 'recvonly' && s.direction !== 'inactive') lines.push(attr({ kind: 'msid', streamId: spec.streamId, trackId: `${s.kind}${index}` }))
  lines.push(attr({ kind: 'rtcp-mux' }))
  if (s.kind === 'video') lines.push(attr({ kind: 'rtcp-rsize' }))
  for (const c of codecs) {
    formats.push(String(c.payloadType))
    const rtpmap: Attribute = { kind: 'rtpmap', payloadType: c.payloadType, encodingName: c.name, clockRate: c.clockRate }
    if (c.channels !== undefined) rtpmap.encodingParameters = c.channels
    lines.push(rtpmap)
    for (const fb of c.feedback ?? []) {
      const [type = fb, parameters] = fb.split(' ')
      lines.push(
        parameters === undefined ? { kind: 'rtcp-fb', payloadType: c.payloadType, type } : { kind: 'rtcp-fb', payloadType: c.payloadType, type, parameters },
      )
    }
    if (c.fmtp !== undefined) lines.push(attr({ kind: 'fmtp', format: String(c.payloadType), parameters: c.fmtp }))
    if (c.rtx !== undefined) {
      formats.push(String(c.rtx))
      lines.push(attr({ kind: 'rtpmap', payloadType: c.rtx, encodingName: 'rtx', clockRate: c.clockRate }))
      lines.push(attr({ kind: 'fmtp', format: String(c.rtx), parameters: `apt=${c.payloadType}` }))
    }
  }
  if (s.simulcast.length && s.direction !== 'recvonly') {
    for (const rid of s.simulcast) lines.push(attr({ kind: 'rid', id: rid, direction: 'send' }))
    lines.push(attr({ kind: 'simulcast', send: [s.simulcast.map((rid) => ({ rid, paused: false }))] }))
  } else if (s.ssrc !== undefined && s.direction !== 'recvonly' && s.direction !== 'inactive') {
    lines.push(attr({ kind: 'ssrc', ssrc: s.ssrc, attribute: 'cname', value: spec.streamId }))
  }
  const media = s.kind
  return { mline: { kind: 'media', media, port: 9, proto: 'UDP/TLS/RTP/SAVPF', formats }, lines }
}

/**
 * The spec with every section's SSRC distinct (a repeated one moves to the next free value): sections drawn
 * independently can share an SSRC, and one SSRC in two BUNDLEd sections is an invalid offer that a browser
 * rightly refuses ("Failed to process the bundled m= section"), which is not what the generator means to test.
 */
function withDistinctSsrcs(spec: WebrtcOfferSpec): WebrtcOfferSpec {
  const used = new Set<number>()
  const sections = spec.sections.map((s) => {
    if (s.ssrc === undefined) return s
    let ssrc = s.ssrc
    while (used.has(ssrc)) ssrc = (ssrc % 0xffffffff) + 1
    used.add(ssrc)
    return ssrc === s.ssrc ? s : { ...s, ssrc }
  })
  return { ...spec, sections }
}

/** The {@link SessionDescription} model of a generated offer (edit it before serializing, if you like). */
export function webrtcOfferModel(generated: WebrtcOfferSpec): SessionDescription {
  const spec = withDistinctSsrcs(generated)
  const media = spec.sections.map((s, i) => mediaSection(spec, s, i))
  const lines: SdpLine[] = [
    { kind: 'field', letter: 'v', value: '0' },
    { kind: 'origin', username: '-', sessionId: spec.sessionId, sessionVersion: '2', netType: 'IN', addrType: 'IP4', address: '127.0.0.1' },
    { kind: 'field', letter: 's', value: '-' },
    { kind: 'timing', start: 0, stop: 0 },
  ]
  if (spec.bundle) lines.push({ kind: 'group', semantics: 'BUNDLE', mids: media.map((_, i) => String(i)) })
  lines.push({ kind: 'extmap-allow-mixed' }, { kind: 'msid-semantic', semantic: 'WMS', identifiers: [spec.streamId] })
  return { lineEnding: '\r\n', trailer: '\r\n', lines, media }
}

/** The SDP text of a generated offer (CRLF line endings). */
export function buildWebrtcOffer(spec: WebrtcOfferSpec): string {
  return serializeSdp(webrtcOfferModel(spec))
}

/** Valid WebRTC offers as SDP text (shrinking works on the underlying {@link WebrtcOfferSpec}). */
export function webrtcOfferSdp(options: WebrtcOfferOptions = {}): fc.Arbitrary<string> {
  return webrtcOffer(options).map(buildWebrtcOffer)
}
