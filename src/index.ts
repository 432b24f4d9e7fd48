/**
 * rtcspec: a test-and-conformance framework for real-time media, native to Vitest.
 *
 * This entry is what a spec file needs: `test` with rtcspec's fixtures, `expect` with its matchers, declarative
 * scenarios, the options those take (durations, network presets) and rtcspec's errors. Importing it loads no
 * WebRTC or SIP stack: the fixtures load werift, sip.js and Chromium support when a test first asks for a
 * peer, a call or a user agent. Everything else has its own entry point:
 *
 * | entry | for |
 * |---|---|
 * | `rtcspec/peers` | werift, Chromium and plain-RTP peers, back-to-back calls, relays, recordings, call records |
 * | `rtcspec/sip` | SIP user agents, the registrar, call flows, B2BUA, SIP logs |
 * | `rtcspec/whip` | WHIP/WHEP clients, the reference server, Link headers, the HTTP offer/answer client |
 * | `rtcspec/wire` | the wire formats as namespaces: `sdp`, `ice`, `rtp`, `sip` |
 * | `rtcspec/media` | audio sources, codecs, WAV, analysis (tones, DTMF, delay, similarity, E-model) |
 * | `rtcspec/services` | coturn, FFmpeg, Kamailio, baresip |
 * | `rtcspec/fuzz` | arbitraries, fuzz targets, campaigns, and fast-check as `fc` |
 * | `rtcspec/load` | scale runs |
 * | `rtcspec/conformance` | the WHIP/WHEP conformance suites |
 * | `rtcspec/config` | `defineConfig`, gates, metrics, the run summary and call record schemas |
 * | `rtcspec/reporter` | the Vitest reporter |
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
// Vitest's test API, with rtcspec's fixtures and matchers
export { test } from './dsl/fixtures.ts'
export type { RtcspecFixtures, PeerFactory } from './dsl/fixtures.ts'
export type { B2BCall, B2BOptions, NetworkOptions, SourceFactories } from './calls/open.ts'
export type { B2BSideOptions, ChromiumSideOptions, WeriftSideOptions } from './calls/b2b-peers.ts'
export type { WhipFixture, WhepFixture, FixturePeer } from './dsl/whip-fixtures.ts'
export type { SipFixture, SipFixtureUaOptions, SipFixtureTransport, SipFixtureLegOptions, SipFixtureB2buaOptions, SipUriOptions } from './dsl/sip-fixture.ts'
export { describe, it, beforeAll, afterAll, beforeEach, afterEach, vi } from 'vitest'
export { expect } from './dsl/expect.ts'
export { rtpMatchers } from './dsl/matchers.ts'
export type { ReceiveRtpOptions, RtpSubject } from './dsl/matchers.ts'
export { audioMatchers, measureAudioDelay, eModelInputOf } from './dsl/audio-matchers.ts'
export type {
  ContainToneOptions,
  SilentOptions,
  DelayBelowOptions,
  ResembleOptions,
  DtmfOptions,
  MosOptions,
  MosSubject,
  AudioDelayMeasurement,
} from './dsl/audio-matchers.ts'
export type { AudioSubject } from './dsl/audio-subjects.ts'
export type { AudioAnalysisRecord } from './dsl/audio-evidence.ts'
export { sipMatchers } from './dsl/sip-matchers.ts'
export { videoMatchers } from './dsl/video-matchers.ts'
export type { ReceiveVideoOptions, FreezesBelowOptions, VideoDelayOptions, VideoQualityThreshold } from './dsl/video-matchers.ts'
export type { VideoSubjectOptions, VideoFramesSource, VideoSenderTruth } from './dsl/video-subjects.ts'
export type { VideoAssertionRecord } from './dsl/video-evidence.ts'
export type { HaveEndedOptions } from './dsl/sip-matchers.ts'
// Declarative scenarios (media calls; `scenario()` also runs SIP flows, whose schema is in rtcspec/sip)
export { scenario, runScenario, parseScenario, ScenarioSpecSchema } from './dsl/scenario.ts'
export type { ScenarioSpec } from './dsl/scenario.ts'
// Option vocabulary: durations, the `network` option and its presets
export { toMs, DurationSchema } from './calls/duration.ts'
export type { Duration } from './calls/duration.ts'
export { NetworkSpecSchema, ProfileSpecSchema } from './calls/network.ts'
export type { NetworkScheduleStep } from './calls/network.ts'
export { PRESETS, PRESET_NAMES, preset, outage } from './net/presets.ts'
export type { PresetName, ProfileSpec, OutageOptions } from './net/presets.ts'
// Errors
export { RtcspecError, ParseError, TimeoutError, ScenarioError, safely } from './errors.ts'
export type { ParseResult } from './errors.ts'
