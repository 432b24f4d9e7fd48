/**
 * `rtcspec/whip`: WHIP (RFC 9725) publishing and WHEP playing clients, the embedded reference server with its
 * fault and personality switches, the WHIP offer lint, Link header (ICE server) parsing, session recording for
 * call records, and the generic HTTP offer/answer client for servers that speak neither protocol.
 *
 * ```ts
 * import { publish, play, startMediaServer } from 'rtcspec/whip'
 * ```
 * @module
 */
export { publish } from '../whip/client.ts'
export type { PublishOptions, PublishVideoPattern, WhipSession } from '../whip/client.ts'
export { play } from '../whep/client.ts'
export type { PlayOptions, WhepSession } from '../whep/client.ts'
export { SessionHttpError } from '../whip/session-client.ts'
export type { ClientSession, SessionClientOptions } from '../whip/session-client.ts'
export { startMediaServer, MediaServerOptionsSchema } from '../whip/media-server.ts'
export type { MediaServer, MediaServerOptions, ServedRequest } from '../whip/media-server.ts'
export { SERVER_FAULTS } from '../whip/faults.ts'
export { lintWhipOffer, withSingleMediaStream } from '../whip/offer-lint.ts'
export type { WhipOfferLint } from '../whip/offer-lint.ts'
export { SessionRecorder, sessionSignaling } from '../whip/session-record.ts'
export type { SessionRecordOption, SessionRecordOptions, SessionRecordTest, TimedExchange } from '../whip/session-record.ts'
export { parseLinkValue, parseLinks, checkIceServerLink, iceServersFromLinks, formatIceServerLink } from '../http/link.ts'
export type { LinkValue, LinkParseResult, IceServerLink, CheckedIceServerLink } from '../http/link.ts'
export { offerAnswer, HttpOfferOptionsSchema } from '../http-offer/client.ts'
export type { HttpOfferOptions, HttpOfferSession } from '../http-offer/client.ts'
