/**
 * rtcspec's fast-check arbitraries, for your own properties: valid WebRTC offers and structure-aware
 * mutations of them, ICE candidates and sdpfrag bodies (valid and mutated), SIP requests and responses
 * (valid and mutated). Every one is built from records, so counterexamples shrink to small readable data.
 * @module
 */
export * from './webrtc-offer.ts'
export * from './sdp-mutation.ts'
export * from './ice.ts'
export * from './trickle.ts'
export * from './sip.ts'
