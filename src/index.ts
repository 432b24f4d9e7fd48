/**
 * rtcspec: a test-and-conformance framework for real-time media, native to Vitest.
 *
 * ```ts
 * import { test, expect } from 'rtcspec'
 * test('PCMU both ways', async ({ b2b, tone }) => {
 *   const call = await b2b({ send: { a: tone(440), b: tone(880) } })
 *   await expect(call.b).toReceiveRtp({ packets: 100, within: '5s' })
 *   expect(call.b).toHaveLossBelow(0.01)
 * })
 * ```
 * @module
 */
export * from './dsl/index.ts'
export { describe, it, beforeAll, afterAll, beforeEach, afterEach, vi } from 'vitest'
export { RtcspecError, ParseError, TimeoutError, safely } from './errors.ts'
export type { ParseResult } from './errors.ts'
// Peers
export { createWeriftPeer, WeriftPeer } from './peers/werift/peer.ts'
export type { WeriftPeerOptions } from './peers/werift/peer.ts'
export { createChromiumPeer, ChromiumPeer, ChromiumPeerOptionsSchema } from './peers/chromium/peer.ts'
export type { ChromiumPeerOptions } from './peers/chromium/peer.ts'
export * as chromium from './peers/chromium/index.ts'
export type { B2BSideOptions, ChromiumSideOptions, WeriftSideOptions } from './calls/b2b-peers.ts'
export { connectBackToBack } from './peers/back-to-back.ts'
export type { BackToBackCall, BackToBackOptions, CandidatePath, IceRestartRecord } from './peers/back-to-back.ts'
export { relayPath } from './peers/relay-path.ts'
export { createRtpIngest, weriftVideoCodecs } from './peers/werift/rtp-ingest.ts'
export type { RtpIngest, RtpIngestOptions } from './peers/werift/rtp-ingest.ts'
export { forwardRtp } from './peers/rtp-forward.ts'
export type { RtpForward, RtpForwardOptions } from './peers/rtp-forward.ts'
export { watchTurnFailures } from './peers/werift/turn-diagnosis.ts'
export { createRtpPeer, RtpPeer } from './peers/rtp/peer.ts'
export type { RtpPeerOptions } from './peers/rtp/peer.ts'
export { audioCodec, audioCodecNames, registerAudioCodec, findAudioCodec, TELEPHONE_EVENT_PAYLOAD_TYPES } from './peers/codecs.ts'
export { saveTrackRecording, savePeerRecordings, saveCallRecordings, trackPcap, recordingsDir } from './peers/recording-files.ts'
export type { SavedRecording } from './peers/recording-files.ts'
export type { AudioCodecSpec } from './peers/codecs.ts'
export type * from './peers/types.ts'
export type { AudioRecording, DetectedDigit, PcmAudio, AudioSource } from './media/types.ts'
// Call records
export { CallRecordSchema, PeerRecordSchema, InboundRecordSchema, OutboundRecordSchema, RecordingRecordSchema, buildCallRecord, appendCallRecord, reportDir } from './peers/call-record.ts'
export type { CallRecord, PeerRecord, RecordingRecord } from './peers/call-record.ts'
// Lower layers, as namespaces
export * as sdp from './sdp/index.ts'
export * as ice from './ice/index.ts'
export * as rtp from './rtp/index.ts'
export * as media from './media/index.ts'
export * as net from './net/index.ts'
// SIP: user agents on werift or plain RTP, the embedded registrar, call flows, bridges (and the wire format)
export * as sip from './sipua/index.ts'
export * as sipWire from './sip/index.ts'
// Services: coturn and FFmpeg with docker / local / external providers
export * as services from './services/index.ts'
// WHIP / WHEP / HTTP offer-answer clients, the reference server and the conformance suites
export { publish } from './whip/client.ts'
export type { PublishOptions, WhipSession } from './whip/client.ts'
export { play } from './whep/client.ts'
export type { PlayOptions, WhepSession } from './whep/client.ts'
export { SessionHttpError } from './whip/session-client.ts'
export type { ClientSession, SessionClientOptions } from './whip/session-client.ts'
export { SessionRecorder, sessionSignaling } from './whip/session-record.ts'
export type { SessionRecordOption, SessionRecordOptions, SessionRecordTest, TimedExchange } from './whip/session-record.ts'
export { startMediaServer, MediaServerOptionsSchema } from './whip/media-server.ts'
export type { MediaServer, MediaServerOptions } from './whip/media-server.ts'
export { SERVER_FAULTS } from './whip/faults.ts'
export { offerAnswer, HttpOfferOptionsSchema } from './http-offer/client.ts'
export type { HttpOfferOptions, HttpOfferSession } from './http-offer/client.ts'
export { CATALOG, DOCUMENTS, requirementsOf } from './conformance/catalog.ts'
export type { Requirement, Level, Suite } from './conformance/catalog.ts'
export { runConformance, RunConformanceOptionsSchema } from './conformance/runner.ts'
export type { RunConformanceOptions } from './conformance/runner.ts'
export { ConformanceReportSchema, RequirementResultSchema, formatTable, formatJunit, exitCodeOf } from './conformance/report.ts'
export type { ConformanceReport, RequirementResult } from './conformance/report.ts'
export { conformanceSuite } from './dsl/conformance.ts'
export type { ConformanceSuiteOptions } from './dsl/conformance.ts'
export type { WhipFixture, WhepFixture, FixturePeer } from './dsl/whip-fixtures.ts'
export type { SipFixture, SipFixtureUaOptions, SipFixtureTransport, SipFixtureLegOptions, SipFixtureB2buaOptions } from './dsl/sip-fixture.ts'
export * as whip from './whip/index.ts'
export * as whep from './whep/index.ts'
export * as conformance from './conformance/index.ts'
// Fuzzing (fast-check arbitraries, harnesses, campaigns)
export * as fuzz from './fuzz/index.ts'
export * as fc from 'fast-check'
// Configuration (rtcspec.config.ts: CI gates) and the run summary contract
export { defineConfig, RtcspecConfigSchema } from './config/config.ts'
export type { RtcspecConfig } from './config/config.ts'
export { RunSummarySchema, EXIT_CODES } from './report/run-summary.ts'
export type { RunSummary, TestSummary, GateResult, ExitClass } from './report/run-summary.ts'
export { METRICS, METRIC_NAMES } from './report/metrics.ts'
// Scale mode (rtcspec load): many concurrent calls of one scenario over worker threads
export { runLoad } from './load/run.ts'
export type { LoadOptions, LoadProgress } from './load/run.ts'
export * as load from './load/index.ts'
export type { LoadSummary, CallResult as LoadCallResult } from './load/types.ts'
