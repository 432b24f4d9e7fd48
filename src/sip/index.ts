/**
 * SIP wire format (pure, no I/O): messages (RFC 3261 §7) with compact header forms, typed header views,
 * stream framing by Content-Length, and Digest authentication (RFC 2617/8760, MD5).
 */
export {
  COMPACT_HEADER_FORMS,
  canonicalHeaderName,
  describeSipMessage,
  getHeader,
  getHeaders,
  parseSipMessage,
  removeHeader,
  safeParseSipMessage,
  serializeSipMessage,
  setHeader,
  splitList,
  utf8Length,
  type SerializeSipOptions,
  type SipHeader,
  type SipMessage,
  type SipRequest,
  type SipResponse,
} from './message.ts'
export {
  cseqOf,
  missingMandatoryHeaders,
  parseCSeq,
  parseNameAddr,
  parseParams,
  parseSipUri,
  parseVia,
  serializeNameAddr,
  serializeParams,
  serializeSipUri,
  serializeVia,
  topVia,
  type SipCSeq,
  type SipNameAddr,
  type SipParams,
  type SipUri,
  type SipVia,
} from './headers.ts'
export {
  MAX_SIP_BODY_BYTES,
  MAX_SIP_HEAD_BYTES,
  nextFramedMessage,
  SipStreamDecoder,
  type FramedMessage,
  type SipFramingLimits,
  type SipStreamEvent,
} from './framing.ts'
export {
  digestResponse,
  parseDigestChallenge,
  parseDigestCredentials,
  parseDigestParams,
  serializeDigestChallenge,
  serializeDigestCredentials,
  verifyDigest,
  type DigestChallenge,
  type DigestCredentials,
  type DigestResponseInput,
} from './digest.ts'
export { defaultSipPort, isIpLiteral, requestHop, responseHop, stampVia, type SipHop } from './routing.ts'
export { checkIncomingRequest, readAnswerableRequest, statelessResponse, type SipRejection } from './validate.ts'
