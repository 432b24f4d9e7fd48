/**
 * Impairment profiles and the per-direction decision engine of the UDP relay.
 *
 * The engine is pure apart from the clock value it is handed, so fates are reproducible:
 * every impaired packet consumes exactly {@link DRAWS_PER_PACKET} numbers from the direction's PRNG,
 * whatever the profile, so the same seed and the same packet sequence give the same
 * loss, burst, jitter and duplicate decisions regardless of timing or mid-call profile changes.
 * Only the rate limiter's tail drop (`dropReason: 'queue'`) depends on arrival times, by its nature.
 */
import { z } from 'zod'
import { RtcspecError } from '../errors.ts'
import type { Prng } from './prng.ts'

/** Gilbert–Elliott two-state burst-loss model. The state transition is drawn before each packet's loss draw. */
export interface BurstProfile {
  /** Probability of moving from Good to Bad before a packet (0..1). */
  pGoodToBad: number
  /** Probability of moving from Bad to Good before a packet (0..1). */
  pBadToGood: number
  /** Loss probability while in Bad. Default 1 (the Gilbert model). */
  lossInBad?: number
  /** Loss probability while in Good. Default 0. */
  lossInGood?: number
}

/**
 * What the relay does to impaired packets in one direction. Every field is optional; `{}` is a clean link.
 * Stages, in order: burst loss → independent loss → rate limit (queue) → delay + jitter → duplicate.
 */
export interface ImpairmentProfile {
  /** Independent (Bernoulli) loss probability per packet, 0..1. */
  loss?: number
  /** Gilbert–Elliott burst loss, applied before `loss`. The chain restarts in Good when the profile changes. */
  burst?: BurstProfile
  /** Fixed one-way delay added by the relay, ms (≥ 0). */
  delayMs?: number
  /**
   * Jitter, ms (≥ 0). With `jitterDistribution: 'uniform'` (default) each packet's extra delay is uniform in
   * [-jitterMs, +jitterMs]; with `'normal'` it is Normal(0, jitterMs) (jitterMs is the standard deviation).
   * The total delay (delayMs + jitter) is clamped at 0.
   */
  jitterMs?: number
  /** Shape of the jitter. Default `'uniform'`. */
  jitterDistribution?: 'uniform' | 'normal'
  /**
   * Whether jitter may reorder packets. Default `false`: a packet's release time is
   * max(its own release time, the previous packet's release time), so the order is kept.
   */
  reorder?: boolean
  /** Probability that a delivered packet is sent twice (back to back), 0..1. */
  duplicate?: number
  /** Bottleneck rate in kbit/s (of UDP payload bytes). Packets serialize through a FIFO queue. */
  rateKbps?: number
  /** Capacity of the rate limiter's queue in packets (tail drop beyond it). Default 50. Only used with `rateKbps`. */
  queuePackets?: number
}

const prob = z.number().min(0).max(1)
const nonNegMs = z.number().min(0).max(600_000)

/** zod schema of {@link ImpairmentProfile}; unknown keys are rejected so typos do not silently mean "no impairment". */
export const impairmentProfileSchema = z
  .object({
    loss: prob.optional(),
    burst: z.object({ pGoodToBad: prob, pBadToGood: prob, lossInBad: prob.optional(), lossInGood: prob.optional() }).strict().optional(),
    delayMs: nonNegMs.optional(),
    jitterMs: nonNegMs.optional(),
    jitterDistribution: z.enum(['uniform', 'normal']).optional(),
    reorder: z.boolean().optional(),
    duplicate: prob.optional(),
    rateKbps: z.number().gt(0).max(10_000_000).optional(),
    queuePackets: z.number().int().min(1).max(1_000_000).optional(),
  })
  .strict()

/**
 * Validates a profile and returns a copy. Throws RtcspecError `BAD_PROFILE` naming the field and the problem.
 * @param where names the profile in the error, e.g. `toB` or `schedule[2].profile`.
 */
export function parseProfile(profile: unknown, where: string): ImpairmentProfile {
  const r = impairmentProfileSchema.safeParse(profile ?? {})
  if (!r.success) {
    const issues = r.error.issues.map((i) => `${[where, ...i.path.map(String)].join('.')}: ${i.message}`).join('; ')
    throw new RtcspecError('BAD_PROFILE', `invalid impairment profile ${where}: ${issues}`, {
      hint: 'probabilities are 0..1, times are ms ≥ 0, rateKbps > 0; allowed keys: loss, burst{pGoodToBad,pBadToGood,lossInBad,lossInGood}, delayMs, jitterMs, jitterDistribution, reorder, duplicate, rateKbps, queuePackets',
    })
  }
  return r.data
}

/** Default rate-limiter queue capacity, packets. */
export const DEFAULT_QUEUE_PACKETS = 50

/** How many PRNG numbers each impaired packet consumes, whatever the profile: GE transition, GE loss, loss, jitter ×2, duplicate. */
export const DRAWS_PER_PACKET = 6

/** Why an impaired packet was not delivered (`frame`: a whole-frame drop chosen by the relay's `dropFrames`). */
export type DropReason = 'loss' | 'burst' | 'queue' | 'frame'

/** The fate the engine gives a packet when it arrives. */
export type Decision = { fate: 'dropped'; dropReason: DropReason } | { fate: 'delivered' | 'duplicated'; releaseAt: number; copies: 1 | 2 }

/**
 * One direction's impairment state: its PRNG, Gilbert–Elliott state, rate-limiter queue and last release time.
 * Not tied to sockets; the relay calls {@link DirectionImpairer.decide} once per impaired packet.
 */
export class DirectionImpairer {
  #rand: Prng
  #profile: ImpairmentProfile
  #bad = false
  #lastRelease = -Infinity
  #linkFreeAt = -Infinity
  /** Transmission end times of packets still in the rate limiter (FIFO, so sorted). */
  #queue: number[] = []
  #queueHead = 0

  constructor(rand: Prng, profile: ImpairmentProfile) {
    this.#rand = rand
    this.#profile = profile
  }

  /** The profile in force. */
  get profile(): ImpairmentProfile {
    return this.#profile
  }

  /** Replaces the profile (already validated). Restarts the Gilbert–Elliott chain in Good; keeps queue and ordering state. */
  setProfile(profile: ImpairmentProfile): void {
    this.#profile = profile
    this.#bad = false
  }

  /**
   * Decides one packet's fate.
   * @param now arrival time, ms (performance.now()).
   * @param size UDP payload size, bytes (used by the rate limiter).
   */
  decide(now: number, size: number): Decision {
    const r = this.#rand
    const uGe = r()
    const uGeLoss = r()
    const uLoss = r()
    const uJ1 = r()
    const uJ2 = r()
    const uDup = r()
    const p = this.#profile

    if (p.burst) {
      if (this.#bad) {
        if (uGe < p.burst.pBadToGood) this.#bad = false
      } else if (uGe < p.burst.pGoodToBad) this.#bad = true
      const lossP = this.#bad ? (p.burst.lossInBad ?? 1) : (p.burst.lossInGood ?? 0)
      if (uGeLoss < lossP) return { fate: 'dropped', dropReason: 'burst' }
    }
    if (p.loss !== undefined && uLoss < p.loss) return { fate: 'dropped', dropReason: 'loss' }

    let base = now
    if (p.rateKbps !== undefined) {
      while (this.#queueHead < this.#queue.length && (this.#queue[this.#queueHead] as number) <= now) this.#queueHead++
      if (this.#queueHead > 1024) {
        this.#queue = this.#queue.slice(this.#queueHead)
        this.#queueHead = 0
      }
      if (this.#queue.length - this.#queueHead >= (p.queuePackets ?? DEFAULT_QUEUE_PACKETS)) {
        return { fate: 'dropped', dropReason: 'queue' }
      }
      const start = Math.max(now, this.#linkFreeAt)
      const end = start + (size * 8) / p.rateKbps // kbit/s == bit/ms
      this.#linkFreeAt = end
      this.#queue.push(end)
      base = end
    }

    let delay = p.delayMs ?? 0
    const j = p.jitterMs ?? 0
    if (j > 0) {
      if (p.jitterDistribution === 'normal') {
        // Box–Muller; 1 - u is in (0, 1], so the log is finite.
        delay += j * Math.sqrt(-2 * Math.log(1 - uJ1)) * Math.cos(2 * Math.PI * uJ2)
      } else {
        delay += (uJ1 * 2 - 1) * j
      }
    }
    let releaseAt = base + Math.max(0, delay)
    if (!p.reorder) releaseAt = Math.max(releaseAt, this.#lastRelease)
    this.#lastRelease = Math.max(this.#lastRelease, releaseAt)

    const dup = p.duplicate !== undefined && uDup < p.duplicate
    return dup ? { fate: 'duplicated', releaseAt, copies: 2 } : { fate: 'delivered', releaseAt, copies: 1 }
  }
}
