/**
 * Property-based fuzzing: fast-check arbitraries for SDP offers (valid and mutated), ICE candidates, trickle
 * sdpfrag bodies and SIP messages; target harnesses with stated invariants (rtcspec's parsers, WHIP/WHEP
 * endpoints, trickle PATCH, SIP over UDP/WS); campaigns with shrinking, counterexample files and replay;
 * model-based trickle testing. See docs/fuzzing.md.
 * @module
 */
export * from './arbitraries/index.ts'
export { encodePayload, decodedPayload, hasRawBytes, rawByte } from './payload.ts'
export { runCampaign, replayCase, type CampaignOptions, type CampaignProgress, type CampaignResult, type Counterexample } from './campaign.ts'
export { FuzzCaseFileSchema, formatCampaignSummary, fuzzReportDir, loadFuzzCaseFile, saveCounterexample, type FuzzCaseFile, type SaveOptions } from './report.ts'
export type { FuzzCase, FuzzOutcome, FuzzTarget } from './target.ts'
export { checkFuzzTarget, isLoopbackHost, nonLoopbackCandidateAddresses } from './loopback.ts'
export { fuzzHttp, type FuzzHttpRequest, type FuzzHttpResult } from './http.ts'
export { openSession, type FuzzSession, type OpenSessionOptions, type SessionMode } from './session.ts'
export { parserTarget, parserInput, runParserCase, type ParserFormat, type ParserInput } from './targets/parsers.ts'
export { httpOfferTarget, offerPost, validSessionWorks, type HttpOfferTargetOptions, type OfferPostSpec } from './targets/http-offer.ts'
export { trickleTarget, tricklePatch, type TrickleTargetOptions, type TricklePatchSpec } from './targets/trickle.ts'
export { sipTarget, sipInput, buildSipInput, type SipTargetOptions, type SipInputSpec } from './targets/sip.ts'
export { startFragileServer, type FragileServer } from './targets/fragile-server.ts'
export { trickleCommands, checkMediaFlows, closeTrickleReal, type TrickleModel, type TrickleReal } from './trickle-model.ts'
