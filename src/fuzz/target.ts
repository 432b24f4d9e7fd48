/** The shape of a fuzz target harness: what it generates, how it runs one case, and the invariants it checks. */
import type fc from 'fast-check'
import type { ProbeResult } from './findings.ts'

/** One concrete input, JSON-serializable, exactly what is sent (so a saved case replays byte for byte). */
export interface FuzzCase {
  /** What the fields are, e.g. `http-offer`, `trickle-patch`, `sip-udp`, `parser`. */
  kind: string
  /** Named string fields (SDP text, headers, body...). Raw non-UTF-8 bytes are surrogate-escaped (src/fuzz/payload.ts). */
  fields: Record<string, string>
}

/** What one case produced. */
export interface FuzzOutcome {
  /** Short label counted in the response distribution: `201`, `400`, `reset`, `timeout`, `silence`, `ParseError`... */
  response: string
  /** Invariants this case broke, in words; empty when all held. */
  violations: string[]
  /** What was seen, for the report: status, headers, body excerpt, error. */
  detail?: Record<string, unknown>
  /** The endpoint probe run after the case (targets with a `probe`): `usable: false` is an `endpoint-unusable` finding. */
  endpoint?: ProbeResult
}

/** What a health check found: violations of the server's health, and checks it could not make (and why). */
export interface HealthCheckResult {
  violations: string[]
  /**
   * Checks that could not be made for a reason that says nothing about the server's stability, e.g. no codec
   * in common between rtcspec's offer and the server's answer.
   */
  inconclusive: string[]
}

/** A target harness. `S` is the structured (shrinkable) input. */
export interface FuzzTarget<S = unknown> {
  /** `sdp`, `whip`, `whep`, `trickle`, `sip`, `parsers`... */
  name: string
  /** What is being fuzzed (URL or parser names), shown in the summary. */
  description: string
  /** The invariants checked, one sentence each (printed in the summary and saved with counterexamples). */
  invariants: string[]
  arbitrary: fc.Arbitrary<S>
  /** Turns the structured input into the exact case to send. */
  toCase(spec: S): FuzzCase
  /** Runs one case against the target. Must bound its own time and never throw for target misbehaviour. */
  run(c: FuzzCase): Promise<FuzzOutcome>
  /** Invariants checked every `checkEvery` cases and after the campaign (e.g. "a valid publish still works"). */
  healthCheck?(): Promise<string[] | HealthCheckResult>
  /**
   * A cheap check that the endpoint still takes a plain valid offer (a POST, then DELETE of what it created; no
   * media). Run after every case, and before every shrink attempt and replay to confirm a known-good endpoint.
   * Never throws.
   */
  probe?(): Promise<ProbeResult>
  /**
   * DELETEs every session the target created and still holds (its live sessions too), so the endpoint is free
   * for the next probe, shrink attempt or replay. Never throws.
   */
  release?(): Promise<void>
  /**
   * Smaller variants of an input to try after fast-check's shrinking (e.g. the same offer with one mutation
   * removed). The campaign keeps any that still violates an invariant, greedily, within a small budget.
   */
  reduce?(spec: S): S[]
  /** Releases what the target holds (sessions, sockets, peers). Idempotent. */
  close?(): Promise<void>
}
