/**
 * SIP for specs (protocols layer): sip.js user agents whose media runs on werift (WebRTC) or plain RTP,
 * the embedded registrar/proxy, the typed call-flow engine, media bridges and the B2BUA.
 * @module
 */
export { createSipUserAgent, sipCallRecord, SipCall, SipError, SipUserAgent, IncomingSipCall, SipUserAgentOptionsSchema } from './user-agent.ts'
export type { SipUserAgentOptions, SipCallOptions } from './user-agent.ts'
export { startSipRegistrar, SipRegistrar, SipRegistrarOptionsSchema } from './registrar.ts'
export type { SipRegistrarOptions, SipBinding } from './registrar.ts'
export { runSipFlow, SipFlowError, describeStep } from './call-flow.ts'
export type { FlowStep, SendStep, ReplyStep, ExpectStep, PauseStep, MediaStep, FlowCapture, SipFlowOptions, SipFlowResult } from './call-flow.ts'
export { bridgeMedia, startSipB2bua } from './bridge.ts'
export type { MediaBridge, BridgeDirectionCounters, SipB2bua, SipB2buaOptions, B2buaCall } from './bridge.ts'
export { SipLog, formatSipLadder, SIP_LOG_MAX } from './sip-log.ts'
export type { LoggedSipMessage } from './sip-log.ts'
export { Retransmitter, DEFAULT_SIP_TIMERS } from './retransmit.ts'
export type { SipTimers, RetransmitCounters } from './retransmit.ts'
export type { SipTransportSpec, LocalTransportInfo } from './transports.ts'
export { openSipChannel } from './sip-channel.ts'
export type { SipChannel, SipChannelTarget } from './sip-channel.ts'
export { PeerSessionDescriptionHandler, TrickleOverInfo, TRICKLE_INFO_PACKAGE, SDPFRAG_CONTENT_TYPE } from './media-handler.ts'
export { startWsServer } from './ws-server.ts'
export type { WsServer, WsConnection } from './ws-server.ts'
export {
  createTestCertificateAuthority,
  LOOPBACK_CERT_NAMES,
  type ServerCertificateOptions,
  type TestCertificate,
  type TestCertificateAuthority,
} from '../net/tls-certificates.ts'
