/**
 * WHIP (RFC 9725): the client (`publish`), the shared WHIP/WHEP session client, the embedded reference
 * WHIP+WHEP server with fault injection, Link header handling and the recorded HTTP exchange helper.
 * @module
 */
export { publish, type PublishOptions, type WhipSession } from './client.ts'
export {
  startClientSession,
  withIceServersApplied,
  SessionHttpError,
  type ClientSession,
  type SessionClientOptions,
  type IceServerConfigurable,
} from './session-client.ts'
export { startMediaServer, MediaServerOptionsSchema, type MediaServer, type MediaServerOptions, type ServedRequest } from './media-server.ts'
export { lintWhipOffer, withSingleMediaStream, type WhipOfferLint } from './offer-lint.ts'
export { SERVER_FAULTS, SHARED_FAULT_SUFFIXES, ROLE_ONLY_FAULTS, isServerFault } from './faults.ts'
export {
  parseLinkValue,
  parseLinks,
  checkIceServerLink,
  iceServersFromLinks,
  formatIceServerLink,
  isExtensionRel,
  KNOWN_RELS,
  type LinkValue,
  type LinkParseResult,
  type IceServerLink,
  type CheckedIceServerLink,
} from '../http/link.ts'
export {
  SessionRecorder,
  sessionSignaling,
  sessionRecording,
  type SessionRecordOption,
  type SessionRecordOptions,
  type SessionRecordTest,
  type TimedExchange,
  type SessionCaptureInput,
  type SessionRecording,
} from './session-record.ts'
export {
  httpExchange,
  splitLinkHeader,
  describeExchange,
  type HttpExchange,
  type HttpExchangeOptions,
  type RecordedRequest,
  type RecordedResponse,
} from '../http/http.ts'
