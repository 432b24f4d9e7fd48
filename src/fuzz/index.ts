/**
 * Property-based fuzzing: fast-check arbitraries for SDP offers (valid and mutated), ICE candidates, trickle
 * sdpfrag bodies and SIP messages; target harnesses with stated invariants (rtcspec's parsers, WHIP/WHEP
 * endpoints, trickle PATCH, SIP over UDP/WS); campaigns with shrinking, counterexample files and replay;
 * model-based trickle testing. See docs/fuzzing.md.
 * @module
 */
export * from './arbitraries/index.ts'
export { encodePayload, decodedPayload, hasRawBytes, rawByte } from './payload.ts'
export {
  runCampaign,
  replayCase,
  replayOnKnownGood,
  prepareEndpoint,
  evaluateCase,
  type CampaignOptions,
  type CampaignProgress,
  type CampaignResult,
  type Counterexample,
  type Finding,
  type FindingVerdict,
  type Readiness,
} from './campaign.ts'
export { casesPerSecond, findingSignature, normaliseMessage, violationsOf, type FindingKind, type ProbeResult, type Violation } from './findings.ts'
export { SessionLedger } from './ledger.ts'
export { probeEndpoint, probeOffer, type ProbeOptions } from './probe.ts'
export { endpointReset, EndpointResetOptionsSchema, type EndpointResetOptions, type ResetHook } from './reset.ts'
export { audioNegotiation, type AudioNegotiation } from './negotiation.ts'
export {
  FuzzCaseFileSchema,
  campaignExitCode,
  campaignJson,
  formatCampaignSummary,
  fuzzReportDir,
  loadFuzzCaseFile,
  saveCounterexample,
  type FuzzCaseFile,
  type SaveOptions,
} from './report.ts'
export type { FuzzCase, FuzzOutcome, FuzzTarget, HealthCheckResult } from './target.ts'
export { checkFuzzTarget, isLoopbackHost, nonLoopbackCandidateAddresses } from './loopback.ts'
export { fuzzHttp, type FuzzHttpRequest, type FuzzHttpResult } from './http.ts'
export { NoCommonCodecError, openSession, SESSION_CODECS, SessionRefusedError, type FuzzSession, type OpenSessionOptions, type SessionMode } from './session.ts'
export { parserTarget, parserInput, runParserCase, type ParserFormat, type ParserInput } from './targets/parsers.ts'
export { httpOfferTarget, offerPost, validSessionWorks, type HttpOfferTargetOptions, type OfferPostSpec } from './targets/http-offer.ts'
export { trickleTarget, tricklePatch, type TrickleTargetOptions, type TricklePatchSpec } from './targets/trickle.ts'
export { sipTarget, sipInput, buildSipInput, type SipTargetOptions, type SipInputSpec } from './targets/sip.ts'
export { startFragileServer, type FragileServer } from './targets/fragile-server.ts'
export { trickleCommands, checkMediaFlows, closeTrickleReal, type TrickleModel, type TrickleReal } from './trickle-model.ts'
