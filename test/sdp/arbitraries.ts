/**
 * fast-check arbitraries for canonical SDP models (every generated model serializes to text that
 * parses back to the same model). Test-only; the public fuzzing arbitraries live in src/fuzz.
 */
import fc from 'fast-check'
import type { Attribute, Direction, LineEnding, MediaSection, SdpLine, SessionDescription, SetupRole } from '../../src/sdp/index.ts'

const tokenChars = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.+_~!#$%&*^`|'
/** An RFC 8866 token without characters that have meaning inside the attributes we type (`/`, `:`, `;`, `,`, `=`). */
export const token = fc.string({ unit: fc.constantFrom(...tokenChars), minLength: 1, maxLength: 12 })
const alnum = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789'), minLength: 1, maxLength: 10 })
const pt = fc.integer({ min: 0, max: 127 })
const u32 = fc.integer({ min: 0, max: 0xffffffff })
const port = fc.integer({ min: 0, max: 65535 })
const digits = fc.bigInt({ min: 0n, max: 2n ** 64n }).map(String)
const direction = fc.constantFrom<Direction>('sendrecv', 'sendonly', 'recvonly', 'inactive')
const rid = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789'), minLength: 1, maxLength: 4 })
const simulcastList = fc.array(fc.array(fc.record({ rid, paused: fc.boolean() }), { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 3 })
/** Free text for values we keep verbatim (no CR/LF, no leading/trailing whitespace). */
const text = fc.string({ unit: fc.constantFrom(...'abc XYZ019=;:/,.-_*é漢😀'), minLength: 1, maxLength: 20 }).filter((s) => s.trim() === s && s !== '')
const params = fc.array(fc.tuple(alnum, alnum), { minLength: 1, maxLength: 4 }).map((ps) => ps.map(([k, v]) => `${k}=${v}`).join(';'))

/** Typed attributes in canonical form. */
export const typedAttribute: fc.Arbitrary<Attribute> = fc.oneof(
  fc.constantFrom<Attribute>(
    { kind: 'rtcp-mux' },
    { kind: 'rtcp-mux-only' },
    { kind: 'rtcp-rsize' },
    { kind: 'ice-lite' },
    { kind: 'end-of-candidates' },
    { kind: 'extmap-allow-mixed' },
    { kind: 'bundle-only' },
  ),
  direction.map((d): Attribute => ({ kind: 'direction', direction: d })),
  fc.record({ semantics: fc.constantFrom('BUNDLE', 'LS', 'FID'), mids: fc.array(token, { maxLength: 4 }) }).map((r): Attribute => ({ kind: 'group', ...r })),
  token.map((mid): Attribute => ({ kind: 'mid', mid })),
  fc
    .tuple(token, fc.option(token, { nil: undefined }))
    .map(([streamId, trackId]): Attribute => (trackId === undefined ? { kind: 'msid', streamId } : { kind: 'msid', streamId, trackId })),
  fc.record({ semantic: fc.constant('WMS'), identifiers: fc.array(token, { maxLength: 2 }) }).map((r): Attribute => ({ kind: 'msid-semantic', ...r })),
  token.map((ufrag): Attribute => ({ kind: 'ice-ufrag', ufrag })),
  token.map((pwd): Attribute => ({ kind: 'ice-pwd', pwd })),
  fc.array(token, { minLength: 1, maxLength: 3 }).map((options): Attribute => ({ kind: 'ice-options', options })),
  fc
    .array(fc.integer({ min: 0, max: 255 }), { minLength: 32, maxLength: 32 })
    .map(
      (b): Attribute => ({ kind: 'fingerprint', hashFunction: 'sha-256', fingerprint: b.map((x) => x.toString(16).toUpperCase().padStart(2, '0')).join(':') }),
    ),
  fc.constantFrom<SetupRole>('actpass', 'active', 'passive', 'holdconn').map((role): Attribute => ({ kind: 'setup', role })),
  port.map((p): Attribute => ({ kind: 'rtcp', port: p })),
  fc
    .tuple(port, fc.constantFrom('127.0.0.1', '0.0.0.0', '::1'))
    .map(([p, address]): Attribute => ({ kind: 'rtcp', port: p, netType: 'IN', addrType: address.includes(':') ? 'IP6' : 'IP4', address })),
  fc
    .record({
      payloadType: pt,
      encodingName: token,
      clockRate: fc.integer({ min: 1, max: 200000 }),
      encodingParameters: fc.option(fc.integer({ min: 1, max: 8 }), { nil: undefined }),
    })
    .map(
      ({ encodingParameters, ...r }): Attribute => (encodingParameters === undefined ? { kind: 'rtpmap', ...r } : { kind: 'rtpmap', ...r, encodingParameters }),
    ),
  fc
    .tuple(fc.oneof(pt.map(String), fc.constant('webrtc-datachannel')), params)
    .map(([format, parameters]): Attribute => ({ kind: 'fmtp', format, parameters })),
  fc
    .tuple(
      fc.oneof(pt, fc.constant<'*'>('*')),
      fc.constantFrom('nack', 'ccm', 'goog-remb', 'transport-cc'),
      fc.option(fc.constantFrom('pli', 'fir'), { nil: undefined }),
    )
    .map(
      ([payloadType, type, parameters]): Attribute =>
        parameters === undefined ? { kind: 'rtcp-fb', payloadType, type } : { kind: 'rtcp-fb', payloadType, type, parameters },
    ),
  fc
    .tuple(
      fc.integer({ min: 1, max: 255 }),
      fc.option(direction, { nil: undefined }),
      fc.constantFrom('urn:ietf:params:rtp-hdrext:sdes:mid', 'http://x.example/ext'),
      fc.option(token, { nil: undefined }),
    )
    .map(([id, dir, uri, attributes]): Attribute => {
      const a: Attribute = { kind: 'extmap', id, uri }
      if (dir !== undefined) a.direction = dir
      if (attributes !== undefined) a.attributes = attributes
      return a
    }),
  fc
    .tuple(u32, fc.constantFrom('cname', 'msid', 'label'), fc.option(token, { nil: undefined }))
    .map(([ssrc, attribute, value]): Attribute => (value === undefined ? { kind: 'ssrc', ssrc, attribute } : { kind: 'ssrc', ssrc, attribute, value })),
  fc
    .tuple(fc.constantFrom('FID', 'SIM', 'FEC-FR'), fc.array(u32, { minLength: 1, maxLength: 3 }))
    .map(([semantics, ssrcs]): Attribute => ({ kind: 'ssrc-group', semantics, ssrcs })),
  fc
    .tuple(fc.option(simulcastList, { nil: undefined }), fc.option(simulcastList, { nil: undefined }), fc.boolean())
    .map(([send, recv, recvFirst]): Attribute => {
      const a: Attribute = { kind: 'simulcast' }
      if (send) a.send = send
      if (recv || !send) a.recv = recv ?? [[{ rid: 'r', paused: false }]]
      if (recvFirst && a.send && a.recv) a.recvFirst = true
      return a
    }),
  fc
    .tuple(rid, fc.constantFrom<'send' | 'recv'>('send', 'recv'), fc.option(params, { nil: undefined }))
    .map(
      ([id, dir, restrictions]): Attribute =>
        restrictions === undefined ? { kind: 'rid', id, direction: dir } : { kind: 'rid', id, direction: dir, restrictions },
    ),
  port.map((p): Attribute => ({ kind: 'sctp-port', port: p })),
  fc.integer({ min: 0, max: 2 ** 31 }).map((size): Attribute => ({ kind: 'max-message-size', size })),
  fc.tuple(fc.constantFrom<'ptime' | 'maxptime'>('ptime', 'maxptime'), fc.integer({ min: 1, max: 1000 })).map(([kind, ms]): Attribute => ({ kind, ms })),
  fc
    .tuple(u32, fc.integer({ min: 1, max: 2 }), u32, port)
    .map(([f, c, p, prt]): Attribute => ({ kind: 'candidate', value: `${f} ${c} udp ${p} 127.0.0.1 ${prt} typ host` })),
)

/** Generic attributes with names no typed kind uses. */
export const genericAttribute: fc.Arbitrary<Attribute> = fc
  .tuple(
    token.map((t) => `x-${t}`),
    fc.option(fc.oneof(text, fc.constant('')), { nil: undefined }),
  )
  .map(([name, value]) => (value === undefined ? { kind: 'attribute', name } : { kind: 'attribute', name, value }))

const attribute = fc.oneof({ weight: 4, arbitrary: typedAttribute }, { weight: 1, arbitrary: genericAttribute })

const connectionLine = fc.constantFrom<SdpLine>(
  { kind: 'connection', netType: 'IN', addrType: 'IP4', address: '127.0.0.1' },
  { kind: 'connection', netType: 'IN', addrType: 'IP6', address: '::1' },
  { kind: 'connection', netType: 'IN', addrType: 'IP4', address: '224.2.36.42/127' },
)
const bandwidthLine = fc
  .tuple(fc.constantFrom('AS', 'CT', 'TIAS'), fc.integer({ min: 0, max: 10_000_000 }))
  .map(([type, bandwidth]): SdpLine => ({ kind: 'bandwidth', type, bandwidth }))
const infoLine = text.map((value): SdpLine => ({ kind: 'field', letter: 'i', value }))

const mediaSection: fc.Arbitrary<MediaSection> = fc
  .record({
    media: fc.constantFrom('audio', 'video', 'application', 'text'),
    port,
    portCount: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
    proto: fc.constantFrom('UDP/TLS/RTP/SAVPF', 'RTP/AVP', 'UDP/DTLS/SCTP', 'RTP/SAVP'),
    formats: fc.array(fc.oneof(pt.map(String), fc.constant('webrtc-datachannel')), { minLength: 1, maxLength: 6 }),
    head: fc.array(fc.oneof(infoLine, connectionLine, bandwidthLine), { maxLength: 3 }),
    attributes: fc.array(attribute, { maxLength: 12 }),
  })
  .map(({ portCount, head, attributes, ...m }) => ({
    mline: portCount === undefined ? { kind: 'media', ...m } : { kind: 'media', ...m, portCount },
    lines: [...head, ...attributes],
  }))

/** A canonical session description model. */
export const sessionDescription: fc.Arbitrary<SessionDescription> = fc
  .record({
    lineEnding: fc.constantFrom<LineEnding>('\r\n', '\n'),
    trailerKind: fc.constantFrom('eol', 'none', 'double'),
    username: token,
    sessionId: digits,
    sessionVersion: digits,
    name: fc.oneof(fc.constant('-'), text, fc.constant('')),
    extra: fc.array(fc.oneof(infoLine, connectionLine, bandwidthLine), { maxLength: 2 }),
    timing: fc.tuple(fc.integer({ min: 0, max: 2 ** 32 }), fc.integer({ min: 0, max: 2 ** 32 })),
    attributes: fc.array(attribute, { maxLength: 8 }),
    media: fc.array(mediaSection, { maxLength: 4 }),
  })
  .map((r) => ({
    lineEnding: r.lineEnding,
    trailer: r.trailerKind === 'eol' ? r.lineEnding : r.trailerKind === 'none' ? '' : r.lineEnding + r.lineEnding,
    lines: [
      { kind: 'field', letter: 'v', value: '0' },
      { kind: 'origin', username: r.username, sessionId: r.sessionId, sessionVersion: r.sessionVersion, netType: 'IN', addrType: 'IP4', address: '127.0.0.1' },
      { kind: 'field', letter: 's', value: r.name },
      ...r.extra,
      { kind: 'timing', start: r.timing[0], stop: r.timing[1] },
      ...r.attributes,
    ],
    media: r.media,
  }))
