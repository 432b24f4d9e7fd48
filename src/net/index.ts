/**
 * Network layer: a userspace UDP impairment relay on loopback, with seeded impairment and ground truth.
 */
export { UdpRelay } from './relay.ts'
export type { Side, ImpairedDirection, ScheduleEntry, UdpRelayOptions, ProfileChange, DirectionCounters, RelayCounters } from './relay.ts'
export { rewriteCandidate } from './candidate.ts'
export { classifyPacket, readRtpHeader } from './classify.ts'
export type { PacketClass, RtpHeaderFields } from './classify.ts'
export { DirectionImpairer, parseProfile, impairmentProfileSchema, DEFAULT_QUEUE_PACKETS, DRAWS_PER_PACKET } from './impairment.ts'
export type { ImpairmentProfile, BurstProfile, Decision, DropReason } from './impairment.ts'
export { isLoopbackAddress, assertLoopback, assertPort } from './loopback.ts'
export type { TransportAddress } from './loopback.ts'
export { mulberry32 } from './prng.ts'
export type { Prng } from './prng.ts'
export { DEFAULT_MAX_RECORDS } from './truth.ts'
export type { Direction, TruthRecord, TruthSummary, Truth } from './truth.ts'
