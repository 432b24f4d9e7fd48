/**
 * Runs a fuzz campaign: fast-check generates structured inputs, the target harness runs each one and checks
 * its invariants, and (targets with a probe) a cheap probe after every case tells "the endpoint still takes
 * a valid offer" from "the case left it unusable". Violations are grouped into findings by signature (kind +
 * status + normalised message) and counted; generation runs the whole budget (runs, time) unless the
 * endpoint stays unusable.
 *
 * Each finding is then shrunk from its first case and replayed, always from a known-good endpoint: before
 * every shrink attempt and before the replay, every session the target knows about is DELETEd, the reset
 * hook (if any) runs, and the probe must pass — a probe refused as busy (a one-session endpoint whose slot is
 * still being freed) is retried for up to {@link BUSY_RETRY_MS}. Attempts never overlap: one cut short by
 * fast-check's time limit is waited for before the next one prepares the endpoint. A finding that does not fail
 * again on a known-good endpoint is `not reproduced`; one whose endpoint cannot be brought back to known-good is
 * `not replayable`. Bounded by runs and by time, rate-limited, seeded.
 */
import fc from 'fast-check'
import { casesPerSecond, violationsOf, type FindingKind, type Violation } from './findings.ts'
import type { ResetHook } from './reset.ts'
import type { FuzzCase, FuzzOutcome, FuzzTarget, HealthCheckResult } from './target.ts'
import type { ProbeResult } from './findings.ts'

/** Options of {@link runCampaign}. */
export interface CampaignOptions {
  /** Maximum cases (default 1000). */
  runs?: number
  /** Maximum wall time of the generation phase in seconds (default 60); shrinking and replays get the same again at most. */
  seconds?: number
  /** fast-check seed (default: random, reported in the result). */
  seed?: number
  /** At most this many cases per second (default 500; 0 = unlimited). */
  ratePerSecond?: number
  /** Run the target's health check every this many cases (default 250; 0 = only after the campaign). */
  checkEvery?: number
  /** A case (or a probe) that takes longer than this is a violation (`harness-timeout`), default 60 s; bounds every case. */
  caseTimeoutMs?: number
  /**
   * Brings the endpoint back to a known-good state (e.g. {@link endpointReset}): run before the first case,
   * before every shrink attempt and replay, and after a case left the endpoint unusable.
   */
  reset?: ResetHook
  /** Stop generating at the first case with a violation (default false: run the whole budget, counting repeats). */
  stopOnFinding?: boolean
  /** Called after every generated case, and every 10 shrink attempts. */
  onProgress?: (p: CampaignProgress) => void
  /** Stops the campaign early (SIGINT): no new case, no more shrinking; the findings so far are replayed once and returned. */
  signal?: AbortSignal
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
  /** What the target answered when the minimal case was replayed (or, when it could not be, last seen). */
  outcome: FuzzOutcome
  /** Shrink steps that reproduced the failure. */
  shrinks: number
}

/**
 * - `reproduced`: replayed on a known-good endpoint, the minimal case produced the same finding again;
 * - `not reproduced`: replayed on a known-good endpoint, it did not (not counted as a finding);
 * - `not replayable`: the endpoint could not be brought back to known-good, so it was not replayed.
 */
export type FindingVerdict = 'reproduced' | 'not reproduced' | 'not replayable'

/** One distinct finding: every case whose violation had this signature. */
export interface Finding {
  kind: FindingKind
  /** `kind|status|normalised message`: what makes two violations the same finding. */
  signature: string
  /** Response label (or probe status, for `endpoint-unusable`) of the first occurrence. */
  status: string
  /** The first occurrence's message. */
  message: string
  /** Cases that had it. */
  count: number
  /** 1-based number of the first case that had it. */
  firstCase: number
  verdict: FindingVerdict
  /** Why shrinking stopped early, or why the replay could not run. */
  note?: string
  /** What the campaign saw on the first case that had it (before any shrinking or replay). */
  seen: FuzzOutcome
  /** The first case that had it, exactly as sent. */
  seenCase: FuzzCase
  /** The (shrunk) case and its replay. */
  counterexample: Counterexample
}

/** What a campaign found. */
export interface CampaignResult {
  target: string
  description: string
  invariants: string[]
  seed: number
  /** Cases run (not counting shrink runs, probes and health checks). */
  cases: number
  durationMs: number
  /** Wall time of the generation phase (cases, probes, health checks during it). */
  generationMs: number
  /** Cases per second over the generation phase. */
  casesPerSecond: number
  /** Response label → count, over the generated cases. */
  distribution: Record<string, number>
  /** Distinct findings, in order of their first case. */
  findings: Finding[]
  /** The first reproduced finding's counterexample. */
  counterexample?: Counterexample
  /** Violations of the health invariants (checked during and after the campaign). */
  healthViolations: string[]
  /** Health checks that could not be made, and why (e.g. no codec in common): not a violation. */
  healthInconclusive: string[]
  /** Set when the endpoint did not take a valid offer before the first case: nothing was tested. */
  blocked?: string
  /** What cut the campaign short or limited it (endpoint stuck, shrinking stopped…). */
  notes: string[]
  /** True when the time limit ended generation before `runs` cases. */
  timedOut: boolean
  /** True when `signal` stopped the campaign early. */
  interrupted?: boolean
}

/** Whether the endpoint is known-good, and why not. */
export type Readiness = { ok: true } | { ok: false; reason: string }

/**
 * How long {@link prepareEndpoint} keeps trying when its probe is refused as busy (ms): a one-session endpoint may
 * free the slot of a session just DELETEd (or reset) a little after answering.
 */
export const BUSY_RETRY_MS = 2000

/** Most probes one {@link prepareEndpoint} sends while the endpoint answers busy. */
const BUSY_RETRY_PROBES = 12

/**
 * Whether a probe was refused because the endpoint is occupied, rather than broken: 429 or 503 (come back later),
 * or 403/409 saying the endpoint is already in use or busy (WHIP servers that take one publisher per stream).
 */
export function probeFoundBusy(p: ProbeResult): boolean {
  if (p.usable) return false
  if (p.status === '429' || p.status === '503') return true
  return (p.status === '403' || p.status === '409') && /already in use|busy/i.test(p.body)
}

/**
 * Brings the target's endpoint to a known-good state: DELETEs every session it knows about, runs the reset
 * hook, then requires the probe to pass. A probe refused as busy ({@link probeFoundBusy}) starts over (DELETEs,
 * reset, probe) after a short pause, for up to `busyRetryMs`. Never throws.
 */
export async function prepareEndpoint(
  target: Pick<FuzzTarget, 'probe' | 'release'>,
  reset?: ResetHook,
  timeoutMs = 60_000,
  busyRetryMs = BUSY_RETRY_MS,
): Promise<Readiness> {
  const started = performance.now()
  for (let probes = 1; ; probes++) {
    await target.release?.().catch(() => undefined)
    if (reset) {
      try {
        await reset()
      } catch (e) {
        return { ok: false, reason: `the reset hook failed: ${(e as Error).message.split('\n')[0]}` }
      }
    }
    if (!target.probe) return { ok: true }
    const p = await withWatchdog(target.probe(), timeoutMs, () => ({
      usable: false,
      status: 'harness-timeout',
      body: '',
      message: `the probe did not finish within ${timeoutMs} ms`,
    }))
    if (p.usable) return { ok: true }
    const elapsed = performance.now() - started
    const pause = Math.min(500, 25 * 2 ** probes)
    if (probeFoundBusy(p) && probes < BUSY_RETRY_PROBES && elapsed + pause < busyRetryMs) {
      await new Promise((r) => setTimeout(r, pause)) // the poll interval of a bounded retry, not a wait for a condition
      continue
    }
    const retried = probes > 1 ? ` — still busy after ${probes} probes over ${Math.round(elapsed)} ms` : ''
    return {
      ok: false,
      reason: `the endpoint does not take a valid offer (${p.message}${retried})${reset ? '' : '; no reset hook is configured (--reset-url, --reset-cmd)'}`,
    }
  }
}

/** Runs one case, then the target's probe; the probe's result is the outcome's `endpoint`. */
export async function evaluateCase(target: Pick<FuzzTarget, 'run' | 'probe'>, c: FuzzCase, timeoutMs = 60_000): Promise<FuzzOutcome> {
  const outcome = await withWatchdog(target.run(c), timeoutMs, () => ({
    response: 'harness-timeout',
    violations: [`the case did not finish within ${timeoutMs} ms (the target or the client hung)`],
  }))
  if (!target.probe) return outcome
  const endpoint = await withWatchdog(target.probe(), timeoutMs, () => ({
    usable: false,
    status: 'harness-timeout',
    body: '',
    message: `the probe did not finish within ${timeoutMs} ms`,
  }))
  return { ...outcome, endpoint }
}

interface Seen<S> {
  violation: Violation
  index: number
  caseNumber: number
  count: number
  spec: S
  sent: FuzzCase
  outcome: FuzzOutcome
}

/** Runs a campaign against `target`. Does not close the target, but leaves none of its sessions behind. */
export async function runCampaign<S>(target: FuzzTarget<S>, options: CampaignOptions = {}): Promise<CampaignResult> {
  const runs = Math.max(1, options.runs ?? 1000)
  const limitMs = Math.max(1, options.seconds ?? 60) * 1000
  const seed = options.seed ?? Math.floor(Math.random() * 2 ** 31)
  const rate = options.ratePerSecond ?? 500
  const checkEvery = options.checkEvery ?? 250
  const caseTimeoutMs = options.caseTimeoutMs ?? 60_000
  const distribution: Record<string, number> = {}
  const healthViolations: string[] = []
  const healthInconclusive: string[] = []
  const notes: string[] = []
  const seen = new Map<string, Seen<S>>()
  const started = performance.now()
  let cases = 0
  let attempts = 0
  let index = -1
  let nextSlot = started
  let stopGenerating = false
  let timedOut = false
  let endpointBad = false

  const progress = (phase: CampaignProgress['phase']): void =>
    options.onProgress?.({ done: cases, total: runs, elapsedMs: performance.now() - started, limitMs, distribution, phase })
  const prepare = (): Promise<Readiness> => prepareEndpoint(target, options.reset, caseTimeoutMs)
  const evaluate = (c: FuzzCase, probe = true): Promise<FuzzOutcome> => evaluateCase(probe ? target : { run: target.run.bind(target) }, c, caseTimeoutMs)

  const pace = async (): Promise<void> => {
    if (rate <= 0) return
    const now = performance.now()
    if (nextSlot > now) await new Promise((r) => setTimeout(r, nextSlot - now)) // rate limit, not a wait for a condition
    nextSlot = Math.max(nextSlot, now) + 1000 / rate
  }

  const health = async (when: string): Promise<void> => {
    if (!target.healthCheck) return
    const r = normaliseHealth(await target.healthCheck())
    for (const v of r.violations) healthViolations.push(`${when}: ${v}`)
    for (const v of r.inconclusive) healthInconclusive.push(`${when}: ${v}`)
  }

  const finish = (extra: Partial<CampaignResult>): CampaignResult => ({
    target: target.name,
    description: target.description,
    invariants: target.invariants,
    seed,
    cases,
    durationMs: Math.round(performance.now() - started),
    generationMs: 0,
    casesPerSecond: 0,
    distribution,
    findings: [],
    healthViolations,
    healthInconclusive,
    notes,
    timedOut,
    ...(options.signal?.aborted ? { interrupted: true } : {}),
    ...extra,
  })

  // A known-good endpoint before the first case, or nothing is tested.
  if (target.probe || options.reset) {
    const ready = await prepare()
    if (!ready.ok) return finish({ blocked: `before the first case: ${ready.reason}` })
  }

  const property = fc.asyncProperty(target.arbitrary, async (spec) => {
    index++
    if (options.signal?.aborted) stopGenerating = true
    if (stopGenerating || performance.now() - started > limitMs) {
      if (!stopGenerating) timedOut = true
      stopGenerating = true
      return true // the remaining runs are no-ops (fast-check has no "stop now" for async runs)
    }
    await pace()
    const sent = target.toCase(spec)
    const outcome = await evaluate(sent)
    cases++
    distribution[outcome.response] = (distribution[outcome.response] ?? 0) + 1
    const violations = violationsOf(outcome)
    for (const v of violations) {
      const s = seen.get(v.signature)
      if (s) s.count++
      else seen.set(v.signature, { violation: v, index, caseNumber: cases, count: 1, spec, sent, outcome })
    }
    if (outcome.endpoint && !outcome.endpoint.usable) {
      // Bring it back before the next case (our own leaked session, or the reset hook), or stop: every later
      // case would be blamed on this one's damage.
      const ready = await prepare()
      if (!ready.ok) {
        endpointBad = true
        stopGenerating = true
        notes.push(`case ${cases} left the endpoint unusable and it could not be brought back (${ready.reason}): no further cases were run`)
      }
    } else if (checkEvery > 0 && cases % checkEvery === 0 && violations.length === 0) await health(`after ${cases} cases`)
    if (violations.length > 0 && options.stopOnFinding) stopGenerating = true
    progress('running')
    return true
  })
  await fc.check(property, { numRuns: runs, seed })
  const generationMs = performance.now() - started

  if (endpointBad) notes.push('the health check after the campaign was skipped: the endpoint was left unusable (see the endpoint-unusable finding)')
  else if (!options.signal?.aborted) await health('after the campaign')

  // Findings in order of their first case; on one case, endpoint-unusable first (it is what later cases suffer).
  const order = [...seen.values()].sort((a, b) => a.index - b.index || rank(a.violation.kind) - rank(b.violation.kind))
  const findings: Finding[] = []
  let shrinkUntil = options.signal?.aborted ? 0 : performance.now() + limitMs
  options.signal?.addEventListener('abort', () => (shrinkUntil = 0), { once: true })
  for (const s of order) {
    // A case that had several violations was shrunk once: reuse that result when its replay had this one too.
    const sibling = findings.find(
      (f) => f.seen === s.outcome && f.verdict === 'reproduced' && violationsOf(f.counterexample.outcome).some((v) => v.signature === s.violation.signature),
    )
    if (sibling) {
      findings.push({
        ...findingBase(s),
        verdict: 'reproduced',
        note: `shrunk together with the ${sibling.kind} finding of the same case`,
        counterexample: sibling.counterexample,
      })
      continue
    }
    findings.push(await settle(s))
  }

  async function settle(s: Seen<S>): Promise<Finding> {
    const signature = s.violation.signature
    const fails = (o: FuzzOutcome) => violationsOf(o).some((v) => v.signature === signature)
    // Only an endpoint-unusable finding needs the probe after a shrink attempt (the next attempt's preparation
    // confirms a known-good endpoint either way); the final replay always probes.
    const probeAttempts = s.violation.kind === 'endpoint-unusable'
    // Cases already tried and found not to reproduce (the greedy reduction meets the same variants again).
    const tried = new Set<string>()
    let input = s.spec
    let path = String(s.index)
    let shrinks = 0
    let note: string | undefined
    let failedAgain = false
    if (performance.now() < shrinkUntil) {
      // fast-check's time limit ends `fc.check` without waiting for the attempt in flight; that attempt must not go on
      // using the endpoint (its POST would hold a one-session endpoint's slot while the next attempt probes it).
      let inFlight: Promise<boolean> | undefined
      let phaseOver = false
      const attempt = async (spec: S): Promise<boolean> => {
        if (phaseOver || note !== undefined || performance.now() > shrinkUntil) return true
        const ready = await prepare()
        if (phaseOver) return true
        if (!ready.ok) {
          note = `shrinking stopped: ${ready.reason}`
          return true
        }
        const c = target.toCase(spec)
        const o = await evaluate(c, probeAttempts)
        if (++attempts % 10 === 0) progress('shrinking')
        if (fails(o)) return false
        tried.add(JSON.stringify(c))
        return true
      }
      const shrinkProperty = fc.asyncProperty(target.arbitrary, (spec) => {
        const run = attempt(spec)
        inFlight = run
        return run
      })
      // With a reducer, fast-check's field-by-field shrinking gets 40 % of the time left and the reducer's big
      // structural steps (a mutation less, a section less, a smaller repeat count) the rest: against a server
      // where every attempt costs a reset and two probes, that gets further than either alone.
      const share = target.reduce ? 0.4 : 1
      const d = await fc.check(shrinkProperty, {
        seed,
        path: String(s.index),
        numRuns: 1,
        interruptAfterTimeLimit: Math.max(1, (shrinkUntil - performance.now()) * share),
        markInterruptAsFailure: false,
      })
      phaseOver = true
      // Bounded: every step of an attempt is (the reset hook, the probe and the case each have their timeout).
      await inFlight?.catch(() => true)
      if (d.failed && d.counterexample) {
        failedAgain = true
        input = d.counterexample[0] as S
        path = d.counterexamplePath ?? path
        shrinks = d.numShrinks
      } else note ??= 'its first case did not fail again on a known-good endpoint, so it was not shrunk'
    } else note = 'not shrunk: the time for shrinking was used up'

    // Greedy reduction past fast-check's shrinker (bounded: 1,000 tries and the time limit), keeping only variants
    // that still produce this finding from a known-good endpoint.
    for (let tries = 0, improved = failedAgain && target.reduce !== undefined; improved && note === undefined && tries < 1000; ) {
      improved = false
      for (const smaller of target.reduce!(input)) {
        const c = target.toCase(smaller)
        const key = JSON.stringify(c)
        if (tried.has(key)) continue
        if (++tries > 1000 || performance.now() > shrinkUntil) break
        const ready = await prepare()
        if (!ready.ok) {
          note = `shrinking stopped: ${ready.reason}`
          break
        }
        const o = await evaluate(c, probeAttempts)
        if (++attempts % 10 === 0) progress('shrinking')
        tried.add(key)
        if (fails(o)) {
          input = smaller
          shrinks++
          improved = true
          break
        }
      }
    }

    // The replay that decides the verdict: the minimal case on a known-good endpoint.
    const c = target.toCase(input)
    const ready = await prepare()
    let verdict: FindingVerdict
    let outcome: FuzzOutcome
    if (!ready.ok) {
      verdict = 'not replayable'
      outcome = s.outcome
      input = s.spec
      note = `${note ? `${note}; ` : ''}not replayed: ${ready.reason}`
    } else {
      outcome = await evaluate(c)
      verdict = fails(outcome) ? 'reproduced' : 'not reproduced'
    }
    const sent = verdict === 'not replayable' ? s.sent : c
    return {
      ...findingBase(s),
      verdict,
      ...(note !== undefined ? { note } : {}),
      counterexample: {
        target: target.name,
        description: target.description,
        seed,
        path: verdict === 'not replayable' ? String(s.index) : path,
        input,
        case: sent,
        outcome,
        shrinks: verdict === 'not replayable' ? 0 : shrinks,
      },
    }
  }

  // Leave nothing behind.
  await target.release?.().catch(() => undefined)
  const counterexample = findings.find((f) => f.verdict === 'reproduced')?.counterexample
  return finish({
    generationMs: Math.round(generationMs),
    casesPerSecond: casesPerSecond(cases, generationMs),
    findings,
    ...(counterexample ? { counterexample } : {}),
  })
}

function rank(kind: FindingKind): number {
  return kind === 'endpoint-unusable' ? 0 : kind === 'invariant' ? 1 : 2
}

function findingBase<S>(s: Seen<S>): Omit<Finding, 'verdict' | 'note' | 'counterexample'> {
  return {
    kind: s.violation.kind,
    signature: s.violation.signature,
    status: s.violation.status,
    message: s.violation.message,
    count: s.count,
    firstCase: s.caseNumber,
    seen: s.outcome,
    seenCase: s.sent,
  }
}

function normaliseHealth(r: string[] | HealthCheckResult): HealthCheckResult {
  return Array.isArray(r) ? { violations: r, inconclusive: [] } : r
}

/** Resolves with `p`, or with `onTimeout()` when it takes longer than `ms`. */
function withWatchdog<T>(p: Promise<T>, ms: number, onTimeout: () => T): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => resolve(onTimeout()), ms)
    p.then(
      (o) => (clearTimeout(t), resolve(o)),
      (e: unknown) => (clearTimeout(t), reject(e)),
    )
  })
}

/** Re-runs one saved case against a target (no generation, no shrinking, no probe). */
export async function replayCase(target: Pick<FuzzTarget, 'run'>, c: FuzzCase): Promise<FuzzOutcome> {
  return target.run(c)
}

/**
 * Replays one saved case from a known-good endpoint: sessions released, reset hook run, probe passed, then
 * the case and the probe after it. `ready.ok` false when the endpoint could not be brought to known-good.
 */
export async function replayOnKnownGood(
  target: Pick<FuzzTarget, 'run' | 'probe' | 'release'>,
  c: FuzzCase,
  options: { reset?: ResetHook; caseTimeoutMs?: number } = {},
): Promise<{ ready: Readiness; outcome?: FuzzOutcome }> {
  const ready = await prepareEndpoint(target, options.reset, options.caseTimeoutMs)
  if (!ready.ok) return { ready }
  const outcome = await evaluateCase(target, c, options.caseTimeoutMs)
  await target.release?.().catch(() => undefined)
  return { ready, outcome }
}
