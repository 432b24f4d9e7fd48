/**
 * ICE wire formats (pure, no I/O): candidates (RFC 8839), trickle sdpfrag bodies (RFC 8840) and their
 * JSON form, ICE server URLs (RFC 7064/7065) and coturn REST credentials.
 */
export { addressKind, isHostName, isIPv4, isIPv6, type AddressKind } from './address.ts'
export {
  candidateAddressKind,
  isMdnsCandidate,
  parseCandidate,
  safeParseCandidate,
  serializeCandidate,
  type IceCandidate,
  type IceCandidateExtension,
  type IceCandidateType,
  type IceTcpType,
  type SerializeCandidateOptions,
} from './candidate.ts'
export {
  buildSdpFrag,
  parseSdpFrag,
  PLACEHOLDER_MLINE,
  safeParseSdpFrag,
  sdpFragCandidates,
  serializeSdpFrag,
  type BuildSdpFragInput,
  type BuildSdpFragMedia,
  type SdpFrag,
  type SdpFragGroup,
  type SdpFragMedia,
  type SdpFragMLine,
} from './sdpfrag.ts'
export {
  isEndOfCandidatesJson,
  parseTrickleIceJson,
  safeParseTrickleIceJson,
  serializeTrickleIceJson,
  trickleIceJsonSchema,
  type TrickleIceJson,
} from './trickle-json.ts'
export {
  defaultIceServerPort,
  formatIceServerUrl,
  parseIceServer,
  parseIceServers,
  parseIceServerUrl,
  safeParseIceServer,
  safeParseIceServers,
  safeParseIceServerUrl,
  type IceServerConfig,
  type IceServerScheme,
  type IceServerUrl,
} from './server-url.ts'
export { mintTurnRestCredential, turnRestPassword, type MintTurnRestOptions, type TurnRestCredential } from './turn-rest.ts'
export {
  STUN_MAGIC_COOKIE,
  StunMethod,
  StunAttr,
  encodeStunMessage,
  decodeStunMessage,
  looksLikeStun,
  stunMessageLength,
  stunAttribute,
  stunText,
  stunErrorCode,
  stunXorAddress,
  textAttribute,
  u32Attribute,
  longTermKey,
  type StunMessage,
  type StunAttribute,
  type StunClass,
  type EncodeStunOptions,
} from './stun.ts'
