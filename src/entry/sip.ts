/**
 * `rtcspec/sip`: SIP user agents (sip.js) with werift or plain-RTP media, the embedded registrar, SIPp-like call
 * flows, media bridges and the B2BUA, and the SIP message log with its ladder. The SIP wire format (parsing,
 * headers, digest) is `sip` in `rtcspec/wire`; the `sip` fixture of `rtcspec` creates these for a test.
 *
 * ```ts
 * import { createSipUserAgent, startSipRegistrar } from 'rtcspec/sip'
 * ```
 * @module
 */
export { createSipUserAgent, sipCallRecord, SipCall, SipError, SipUserAgent, IncomingSipCall, SipUserAgentOptionsSchema } from '../sipua/user-agent.ts'
export type { SipUserAgentOptions, SipCallOptions } from '../sipua/user-agent.ts'
export { startSipRegistrar, SipRegistrar, SipRegistrarOptionsSchema } from '../sipua/registrar.ts'
export type { SipRegistrarOptions, SipBinding } from '../sipua/registrar.ts'
export { runSipFlow, SipFlowError } from '../sipua/call-flow.ts'
export type { FlowStep, SendStep, ReplyStep, ExpectStep, PauseStep, MediaStep, FlowCapture, SipFlowOptions, SipFlowResult } from '../sipua/call-flow.ts'
export { bridgeMedia, startSipB2bua } from '../sipua/bridge.ts'
export type { MediaBridge, BridgeDirectionCounters, SipB2bua, SipB2buaOptions, B2buaCall } from '../sipua/bridge.ts'
export { SipLog, formatSipLadder } from '../sipua/sip-log.ts'
export type { LoggedSipMessage } from '../sipua/sip-log.ts'
export { DEFAULT_SIP_TIMERS } from '../sipua/retransmit.ts'
export type { SipTimers } from '../sipua/retransmit.ts'
export type { SipTransportSpec, LocalTransportInfo } from '../sipua/transports.ts'
export { createTestCertificateAuthority } from '../net/tls-certificates.ts'
export type { TestCertificate, TestCertificateAuthority } from '../net/tls-certificates.ts'
// Declarative SIP flows (what `scenario()` of rtcspec runs for a spec with a `sip` section)
export { runSipScenario, SipScenarioSpecSchema, isSipScenarioSpec } from '../dsl/sip-scenario.ts'
export type { SipScenarioSpec } from '../dsl/sip-scenario.ts'
