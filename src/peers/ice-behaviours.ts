/**
 * Trickle-ICE behaviours as reusable building blocks: how one side's candidates reach the other side in a
 * back-to-back call. The awkward cases real servers get wrong — candidates before the answer, after the connection,
 * duplicated, in the wrong order, or never; end-of-candidates sent or withheld — are one option each:
 *
 * ```ts
 * await b2b({ ice: { b: { timing: 'after-connected' } } })          // bob's candidates only once connected (prflx)
 * await b2b({ ice: { a: { duplicate: true, order: 'reverse', endOfCandidates: 'withhold' } } })
 * ```
 */
import { z } from 'zod'
import { RtcspecError } from '../errors.ts'
import type { CandidateInit } from './types.ts'

/**
 * How candidates FROM one side are delivered to the other side.
 * - `timing`: `'queued'` (default) queues them until the receiver has a remote description, then delivers in order;
 *   `'immediate'` hands each over at once, even before the receiver has the offer/answer (errors are recorded, not
 *   thrown); `'after-connected'` holds them until the call is connected (the peers must connect on the other side's
 *   candidates and peer-reflexive ones); `'never'` never delivers them.
 * - `duplicate`: deliver every candidate twice.
 * - `order`: `'as-gathered'` (default) or `'reverse'` (held until end-of-candidates, then delivered last-first).
 * - `endOfCandidates`: `'send'` (default) or `'withhold'` the end-of-candidates indication.
 * - `delayMs`: extra delay before each delivery (0..60,000 ms).
 * - `protocols`: deliver only candidates of these transports (e.g. `['tcp']` to force ICE-TCP); others are withheld.
 */
export interface TricklePolicy {
  protocols?: Array<'udp' | 'tcp'>
  timing?: 'queued' | 'immediate' | 'after-connected' | 'never'
  duplicate?: boolean
  order?: 'as-gathered' | 'reverse'
  endOfCandidates?: 'send' | 'withhold'
  delayMs?: number
}

/** zod schema of {@link TricklePolicy}; unknown keys are rejected. */
export const TricklePolicySchema = z
  .object({
    timing: z.enum(['queued', 'immediate', 'after-connected', 'never']).optional(),
    duplicate: z.boolean().optional(),
    order: z.enum(['as-gathered', 'reverse']).optional(),
    endOfCandidates: z.enum(['send', 'withhold']).optional(),
    delayMs: z.number().min(0).max(60_000).optional(),
    protocols: z
      .array(z.enum(['udp', 'tcp']))
      .min(1)
      .optional(),
  })
  .strict()

/** Validates a policy (RtcspecError `BAD_TRICKLE_POLICY` naming the field). */
export function parseTricklePolicy(policy: unknown, where: string): TricklePolicy {
  const r = TricklePolicySchema.safeParse(policy ?? {})
  if (!r.success) {
    const issues = r.error.issues.map((i) => `${[where, ...i.path.map(String)].join('.')}: ${i.message}`).join('; ')
    throw new RtcspecError('BAD_TRICKLE_POLICY', `invalid trickle policy: ${issues}`, {
      hint: "{ timing: 'queued'|'immediate'|'after-connected'|'never', duplicate: boolean, order: 'as-gathered'|'reverse', endOfCandidates: 'send'|'withhold', delayMs, protocols: ['udp'|'tcp'] }",
    })
  }
  return r.data
}

/** What a forwarder did, for call records and assertions. */
export interface TrickleForwarderStats {
  /** Candidates the source side produced (end-of-candidates not counted). */
  produced: number
  /** Deliveries made (duplicates count twice). */
  delivered: number
  /** Candidates dropped by `timing: 'never'` or by `protocols`. */
  withheld: number
  /** Whether end-of-candidates was delivered. */
  endOfCandidatesDelivered: boolean
}

/**
 * Applies a {@link TricklePolicy} between one side's candidate events and a delivery function.
 * Feed it with {@link TrickleForwarder.push}; tell it when the receiver can take candidates
 * ({@link TrickleForwarder.receiverReady}) and when the call connected ({@link TrickleForwarder.connected}).
 */
export class TrickleForwarder {
  readonly policy: TricklePolicy
  readonly stats: TrickleForwarderStats = { produced: 0, delivered: 0, withheld: 0, endOfCandidatesDelivered: false }
  readonly #deliver: (c: CandidateInit | null) => void
  #ready = false
  #connected = false
  #queue: Array<CandidateInit | null> = []
  #reverseHold: CandidateInit[] = []
  #timers = new Set<ReturnType<typeof setTimeout>>()
  #closed = false

  constructor(policy: TricklePolicy, deliver: (c: CandidateInit | null) => void) {
    this.policy = policy
    this.#deliver = deliver
  }

  /** A candidate (or `null`, end-of-candidates) from the source side. */
  push(c: CandidateInit | null): void {
    if (this.#closed) return
    const p = this.policy
    if (c) this.stats.produced++
    if (p.timing === 'never' || (c && p.protocols && !p.protocols.includes(protocolOf(c.candidate)))) {
      if (c) this.stats.withheld++
      return
    }
    if (p.order === 'reverse') {
      if (c) {
        this.#reverseHold.push(c)
        return
      }
      for (const held of this.#reverseHold.splice(0).reverse()) this.#admit(held)
    }
    this.#admit(c)
  }

  /** The receiver has a remote description now (or again, after renegotiation): flush for `'queued'`. */
  receiverReady(): void {
    this.#ready = true
    this.#flush()
  }

  /** Renegotiation started: queue until {@link TrickleForwarder.receiverReady} again. */
  hold(): void {
    this.#ready = false
  }

  /** The call connected: flush for `'after-connected'`. */
  connected(): void {
    this.#connected = true
    this.#flush()
  }

  /** Stops delivering and clears pending delays. */
  close(): void {
    this.#closed = true
    for (const t of this.#timers) clearTimeout(t)
    this.#timers.clear()
    this.#queue = []
  }

  #admit(c: CandidateInit | null): void {
    if (!c && this.policy.endOfCandidates === 'withhold') return
    this.#queue.push(c)
    this.#flush()
  }

  #canDeliver(): boolean {
    const timing = this.policy.timing ?? 'queued'
    if (timing === 'immediate') return true
    if (timing === 'after-connected') return this.#connected && this.#ready
    return this.#ready
  }

  #flush(): void {
    if (this.#closed || !this.#canDeliver()) return
    for (const c of this.#queue.splice(0)) {
      const copies = c && this.policy.duplicate ? 2 : 1
      for (let i = 0; i < copies; i++) this.#send(c)
    }
  }

  #send(c: CandidateInit | null): void {
    const go = () => {
      if (this.#closed) return
      if (c) this.stats.delivered++
      else this.stats.endOfCandidatesDelivered = true
      this.#deliver(c)
    }
    const d = this.policy.delayMs ?? 0
    if (d <= 0) return go()
    const t = setTimeout(() => {
      this.#timers.delete(t)
      go()
    }, d)
    this.#timers.add(t)
  }
}

/** The transport of a candidate line (`candidate:<foundation> <component> <transport> …`), lower-cased. */
function protocolOf(line: string): 'udp' | 'tcp' {
  const transport = line.replace(/^a=/, '').split(/\s+/)[2]?.toLowerCase()
  return transport === 'tcp' ? 'tcp' : 'udp'
}
