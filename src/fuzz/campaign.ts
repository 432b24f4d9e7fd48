/**
 * Runs a fuzz campaign: fast-check generates structured inputs, the target harness runs each one and
 * checks its invariants; the first violating input is shrunk to a minimal one, re-run once more to record
 * the response it gets, and returned (and saved by `saveCounterexample`). Bounded by runs and by time,
 * rate-limited, seeded.
 */
import fc from 'fast-check'
import type { FuzzCase, FuzzOutcome, FuzzTarget } from './target.ts'

/** Options of {@link runCampaign}. */
export interface CampaignOptions {
  /** Maximum cases (default 1000). */
  runs?: number
  /** Maximum wall time of the generation phase in seconds (default 60); shrinking gets the same again at most. */
  seconds?: number
  /** fast-check seed (default: random, reported in the result). */
  seed?: number
  /** At most this many cases per second (default 500; 0 = unlimited). */
  ratePerSecond?: number
  /** Run the target's health check every this many cases (default 250; 0 = only after the campaign). */
  checkEvery?: number
  /** A case that takes longer than this is a violation (`harness-timeout`), default 60 s; bounds every case. */
  caseTimeoutMs?: number
  /** Called after every generated case (not during shrinking). */
  onProgress?: (p: CampaignProgress) => void
}

/** Progress of a running campaign. */
export interface CampaignProgress {
  done: number
  total: number
  elapsedMs: number
  limitMs: number
  distribution: Record<string, number>
  phase: 'running' | 'shrinking'
}

/** A minimal violating input with everything needed to replay it. */
export interface Counterexample {
  target: string
  description: string
  seed: number
  /** fast-check's path to the shrunk case (replay with `{ seed, path }` and the same arbitrary). */
  path: string
  /** The shrunk structured input. */
  input: unknown
  /** The exact case sent. */
  case: FuzzCase
  /** What the target answered when the minimal case was re-run. */
  outcome: FuzzOutcome
  /** Shrink steps that reproduced the failure. */
  shrinks: number
}

/** What a campaign found. */
export interface CampaignResult {
  target: string
  description: string
  invariants: string[]
  seed: number
  /** Cases run (not counting shrink runs and health checks). */
  cases: number
  durationMs: number
  /** Response label → count, over the generated cases. */
  distribution: Record<string, number>
  /** The shrunk counterexample when an invariant was violated. */
  counterexample?: Counterexample
  /** Violations of the health invariants (checked during and after the campaign). */
  healthViolations: string[]
  /** True when the time limit ended generation before `runs` cases. */
  timedOut: boolean
}

/** Runs a campaign against `target`. Does not close the target. */
export async function runCampaign<S>(target: FuzzTarget<S>, options: CampaignOptions = {}): Promise<CampaignResult> {
  const runs = Math.max(1, options.runs ?? 1000)
  const limitMs = Math.max(1, options.seconds ?? 60) * 1000
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31)
  const rate = options.ratePerSecond ?? 500
  const checkEvery = options.checkEvery ?? 250
  const distribution: Record<string, number> = {}
  const healthViolations: string[] = []
  const started = performance.now()
  let cases = 0
  let shrinks = 0
  let phase: 'running' | 'shrinking' = 'running'
  let nextSlot = started
  let stopGenerating = false

  const pace = async (): Promise<void> => {
    if (rate <= 0) return
    const now = performance.now()
    if (nextSlot > now) await new Promise((r) => setTimeout(r, nextSlot - now)) // rate limit, not a wait for a condition
    nextSlot = Math.max(nextSlot, now) + 1000 / rate
  }

  const caseTimeoutMs = options.caseTimeoutMs ?? 60_000
  const runCase = (c: FuzzCase): Promise<FuzzOutcome> => withWatchdog(target.run(c), caseTimeoutMs)

  const health = async (when: string): Promise<void> => {
    if (!target.healthCheck) return
    for (const v of await target.healthCheck()) healthViolations.push(`${when}: ${v}`)
  }

  const property = fc.asyncProperty(target.arbitrary, async (spec) => {
    if (phase === 'running' && (stopGenerating || performance.now() - started > limitMs)) {
      stopGenerating = true
      return true // past the time limit: the remaining runs are no-ops (fast-check has no "stop now" for async runs)
    }
    await pace()
    const outcome = await runCase(target.toCase(spec))
    if (phase === 'running') {
      cases++
      distribution[outcome.response] = (distribution[outcome.response] ?? 0) + 1
      options.onProgress?.({ done: cases, total: runs, elapsedMs: performance.now() - started, limitMs, distribution, phase })
      if (checkEvery > 0 && cases % checkEvery === 0 && outcome.violations.length === 0) await health(`after ${cases} cases`)
    } else {
      shrinks++
      if (shrinks % 10 === 0) options.onProgress?.({ done: cases, total: runs, elapsedMs: performance.now() - started, limitMs, distribution, phase })
    }
    if (outcome.violations.length > 0) {
      phase = 'shrinking'
      return false
    }
    return true
  })

  const details = await fc.check(property, {
    numRuns: runs,
    seed,
    // bounds shrinking too: after 2× the limit fast-check stops and reports the smallest case so far
    interruptAfterTimeLimit: limitMs * 2,
    markInterruptAsFailure: false,
  })
  let counterexample: Counterexample | undefined
  if (details.failed && details.counterexample) {
    let input = details.counterexample[0] as S
    let outcome = await runCase(target.toCase(input))
    let extra = 0
    // Greedy reduction past fast-check's shrinker (bounded: 1,000 tries and the time limit), keeping only variants
    // that still fail.
    const reduceUntil = performance.now() + limitMs
    for (let tries = 0, improved = true; improved && tries < 1000 && outcome.violations.length > 0 && target.reduce; ) {
      improved = false
      for (const smaller of target.reduce(input)) {
        if (++tries > 1000 || performance.now() > reduceUntil) break
        const o = await runCase(target.toCase(smaller))
        if (o.violations.length > 0) {
          input = smaller
          outcome = o
          extra++
          improved = true
          break
        }
      }
    }
    counterexample = { target: target.name, description: target.description, seed, path: details.counterexamplePath ?? '', input, case: target.toCase(input), outcome, shrinks: details.numShrinks + extra }
  }
  await health('after the campaign')
  return {
    target: target.name,
    description: target.description,
    invariants: target.invariants,
    seed,
    cases,
    durationMs: Math.round(performance.now() - started),
    distribution,
    ...(counterexample ? { counterexample } : {}),
    healthViolations,
    timedOut: stopGenerating,
  }
}

/** Resolves with the case's outcome, or with a `harness-timeout` violation when it takes longer than `ms`. */
function withWatchdog(p: Promise<FuzzOutcome>, ms: number): Promise<FuzzOutcome> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => resolve({ response: 'harness-timeout', violations: [`the case did not finish within ${ms} ms (the target or the client hung)`] }), ms)
    p.then(
      (o) => (clearTimeout(t), resolve(o)),
      (e: unknown) => (clearTimeout(t), reject(e)),
    )
  })
}

/** Re-runs one saved case against a target (no generation, no shrinking). */
export async function replayCase(target: Pick<FuzzTarget, 'run'>, c: FuzzCase): Promise<FuzzOutcome> {
  return target.run(c)
}
