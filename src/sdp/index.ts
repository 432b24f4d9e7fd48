/**
 * SDP wire format (RFC 8866 plus the WebRTC attributes): typed parse and serialize with byte-exact
 * round trips, and small accessors for what users and conformance checks read.
 *
 * @example
 * ```ts
 * const desc = parseSdp(offer)
 * bundleGroups(desc)                 // [['0', '1']]
 * const audio = desc.media[0]!
 * direction(audio, desc)             // 'sendrecv'
 * findCodec(audio, 'opus')           // { payloadType: 111, clockRate: 48000, channels: 2, ... }
 * serializeSdp(desc) === offer       // true
 * ```
 * @module
 */
export { parseSdp, safeParseSdp } from './parse.ts'
export { serializeSdp } from './serialize.ts'
export type * from './types.ts'
export {
  attributeFromText,
  attributeName,
  formatAttribute,
  formatAttributeValue,
  parseAttributeValue,
  resolveAttribute,
} from './attributes.ts'
export {
  formatBandwidth,
  formatConnection,
  formatLine,
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
export { attributesNamed, attributesOf, findAttribute, findAttributes, hasAttribute, isSession, type SdpScope } from './scope.ts'
export {
  bundleGroups,
  extmapAllowMixed,
  groups,
  isIceLite,
  msidSemantic,
  origin,
  sessionConnection,
  sessionIceOptions,
  sessionName,
  timings,
} from './session.ts'
export {
  bandwidths,
  bundleOnly,
  candidates,
  connection,
  direction,
  endOfCandidates,
  extmaps,
  fingerprints,
  iceOptions,
  icePwd,
  iceUfrag,
  maxMessageSize,
  maxptime,
  mediaKind,
  mediaLine,
  mid,
  msid,
  msids,
  ptime,
  rids,
  rtcpAttribute,
  rtcpMux,
  rtcpMuxOnly,
  rtcpRsize,
  sctpPort,
  sectionByMid,
  setupRole,
  simulcast,
  ssrcGroups,
  ssrcs,
  type SsrcInfo,
} from './media.ts'
export { codecs, findCodec, fmtpParameters, STATIC_PAYLOAD_TYPES, unmappedPayloadTypes, type Codec, type RtcpFeedback } from './codecs.ts'
export { sdpIssues, type SdpIssue } from './issues.ts'
