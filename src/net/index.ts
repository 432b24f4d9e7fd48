/**
 * Network layer: a userspace UDP impairment relay on loopback, with seeded impairment and ground truth.
 *
 * ```ts
 * await using relay = await UdpRelay.create({ seed: 1234, toB: { loss: 0.05, delayMs: 40, jitterMs: 10 } })
 * // for each host candidate of peer a, hand b the proxy instead (and vice versa):
 * const proxy = await relay.addPeerAddress('a', { address: cand.address, port: cand.port })
 * b.addIceCandidate(rewriteCandidate(cand.line, proxy))
 * // ... run the call ...
 * const { summary, records } = relay.truth('toB')   // what really happened to each RTP packet sent to b
 * ```
 *
 * Determinism: each direction has its own mulberry32(seed ^ salt) PRNG and every impaired packet consumes exactly
 * 6 draws, so fates (loss, burst, jitter, duplicate) depend only on the seed and the packet sequence, not on timing.
 * Rate-limiter tail drops depend on arrival times by nature. Timer accuracy: held packets are never released more than
 * 0.25 ms early; idle they are released ≈ 0.5–3 ms late, under heavy CPU load tens of ms late (Node timers).
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
export { PRESETS, PRESET_NAMES, preset, isPresetName, resolveProfile, outage } from './presets.ts'
export type { PresetName, ProfileSpec, OutageOptions } from './presets.ts'
export { freePort, freeUdpPortRange } from './ports.ts'
export type { FreePortOptions } from './ports.ts'
export { turnAllocateProbe } from './turn-client.ts'
export type { TurnProbeOptions, TurnProbeResult, TurnTransport } from './turn-client.ts'
