/**
 * `rtcspec/fuzz`: property-based testing of real-time media input — arbitraries for SDP, ICE, trickle and SIP,
 * fuzz targets (parsers, WHIP/WHEP and HTTP offer endpoints, trickle, SIP), campaigns with shrinking and saved
 * counterexamples, model-based trickle testing — and fast-check itself as `fc`. See docs/fuzzing.md.
 *
 * ```ts
 * import { fc, webrtcOffer } from 'rtcspec/fuzz'
 * ```
 * @module
 */
// Arbitraries: valid WebRTC offers and structure-aware mutations of them
export { webrtcOffer, webrtcOfferSdp, buildWebrtcOffer } from '../fuzz/arbitraries/webrtc-offer.ts'
export type { WebrtcOfferSpec, WebrtcOfferOptions, OfferSectionSpec, OfferCodec } from '../fuzz/arbitraries/webrtc-offer.ts'
export { sdpMutation, applySdpMutations, mutatedOffer, mutatedOfferSdp, buildMutatedOffer } from '../fuzz/arbitraries/sdp-mutation.ts'
export type { SdpMutation, MutatedOfferSpec, MutatedOfferOptions } from '../fuzz/arbitraries/sdp-mutation.ts'
// Arbitraries: ICE candidates, sdpfrag bodies, ICE server URLs, trickle fragments
export { candidateArb, sdpFragArb, iceServerUrlArb, mutated } from '../fuzz/arbitraries/ice.ts'
export {
  candidateMutation,
  mutatedCandidateText,
  loopbackCandidate,
  trickleFragment,
  buildTrickleFragment,
  mutatedTrickleFragment,
  buildMutatedTrickleFragment,
} from '../fuzz/arbitraries/trickle.ts'
export type { CandidateMutation, TrickleSession, TrickleFragmentSpec, MutatedTrickleSpec } from '../fuzz/arbitraries/trickle.ts'
// Arbitraries: SIP requests and responses
export {
  sipRequest,
  sipResponse,
  buildSipRequest,
  buildSipResponse,
  sipMutation,
  mutatedSipRequest,
  buildMutatedSipRequest,
  sipMessageText,
  SIP_RUN_MARKER,
  SIP_TARGET_MARKER,
} from '../fuzz/arbitraries/sip.ts'
export type { SipRequestSpec, SipResponseSpec, MutatedSipRequestSpec } from '../fuzz/arbitraries/sip.ts'
// Raw bytes inside generated payloads
export { encodePayload } from '../fuzz/payload.ts'
// Targets
export type { FuzzTarget, FuzzCase, FuzzOutcome, HealthCheckResult } from '../fuzz/target.ts'
export type { Violation, FindingKind, ProbeResult } from '../fuzz/findings.ts'
export { parserTarget } from '../fuzz/targets/parsers.ts'
export type { ParserFormat, ParserInput } from '../fuzz/targets/parsers.ts'
export { httpOfferTarget } from '../fuzz/targets/http-offer.ts'
export type { HttpOfferTargetOptions, OfferPostSpec } from '../fuzz/targets/http-offer.ts'
export { trickleTarget } from '../fuzz/targets/trickle.ts'
export type { TrickleTargetOptions, TricklePatchSpec } from '../fuzz/targets/trickle.ts'
export { sipTarget } from '../fuzz/targets/sip.ts'
export type { SipTargetOptions, SipInputSpec } from '../fuzz/targets/sip.ts'
export { startFragileServer } from '../fuzz/targets/fragile-server.ts'
export type { FragileServer } from '../fuzz/targets/fragile-server.ts'
// Campaigns: running, resetting the endpoint, findings, saving and replaying counterexamples
export { runCampaign, replayOnKnownGood } from '../fuzz/campaign.ts'
export type { CampaignOptions, CampaignProgress, CampaignResult, Counterexample, Finding, FindingVerdict, Readiness } from '../fuzz/campaign.ts'
export { endpointReset, EndpointResetOptionsSchema } from '../fuzz/reset.ts'
export type { EndpointResetOptions, ResetHook } from '../fuzz/reset.ts'
export { formatCampaignSummary, saveCounterexample, loadFuzzCaseFile, FuzzCaseFileSchema } from '../fuzz/report.ts'
export type { FuzzCaseFile, SaveOptions } from '../fuzz/report.ts'
// Model-based trickle testing
export { trickleCommands, checkMediaFlows, closeTrickleReal } from '../fuzz/trickle-model.ts'
export type { TrickleModel, TrickleReal } from '../fuzz/trickle-model.ts'
/** fast-check itself (https://fast-check.dev), to compose the arbitraries above into properties. */
export * as fc from 'fast-check'
