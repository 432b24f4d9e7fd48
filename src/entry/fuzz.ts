/**
 * `rtcspec/fuzz`: property-based testing of real-time media input — arbitraries for SDP, ICE, trickle and SIP,
 * fuzz targets (parsers, WHIP/WHEP and HTTP offer endpoints, trickle, SIP), campaigns with shrinking and saved
 * counterexamples — and fast-check itself as `fc`.
 *
 * ```ts
 * import { fc, webrtcOffer } from 'rtcspec/fuzz'
 * ```
 * @module
 */
export * from '../fuzz/index.ts'
export * as fc from 'fast-check'
