/**
 * Findings of a fuzz campaign: what kind of violation a case produced, the signature that groups repeats of
 * the same finding (kind + status + the message with its variable parts normalised away), and the cases per
 * second figure of the summary. Pure functions, no I/O.
 */
import type { FuzzOutcome } from './target.ts'

/**
 * What a violation is:
 * - `invariant`: the case broke one of the target's invariants (a 5xx, a dropped connection, a missing Location…);
 * - `endpoint-unusable`: after the case, the endpoint no longer takes a plain valid offer (the probe failed);
 * - `harness-timeout`: the case did not finish within the campaign's case timeout.
 */
export type FindingKind = 'invariant' | 'endpoint-unusable' | 'harness-timeout'

/** One violation of one case, with the signature it is counted under. */
export interface Violation {
  kind: FindingKind
  /** The response label of the case (`500`, `reset`…) or, for `endpoint-unusable`, the probe's status. */
  status: string
  message: string
  signature: string
}

/** What the endpoint probe saw: whether a plain valid offer is still taken, and the evidence. */
export interface ProbeResult {
  usable: boolean
  /** HTTP status of the probe's POST (or its failure: `timeout`, `reset`, `refused`…). */
  status: string
  /** The first 200 bytes of the response body. */
  body: string
  /** One line: what the probe did and saw. */
  message: string
}

/** How much of a probe's body a finding keeps as evidence. */
export const PROBE_BODY_BYTES = 200

/**
 * The message with its variable parts replaced: numbers by `#`, hex runs (ids, tags) by `…`, quoted strings
 * shortened, whitespace collapsed, lower case, at most 200 characters. Two occurrences of the same fault
 * (different session ids, ports, timings) normalise to the same text.
 */
export function normaliseMessage(message: string): string {
  return message
    .toLowerCase()
    .replace(/\b[0-9a-f]{8,}(?:-[0-9a-f]{4,})*\b/g, '…')
    .replace(/\d+(?:\.\d+)?/g, '#')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 200)
}

/** The signature of a violation: `kind|status|normalised message`. Findings with the same signature are one. */
export function findingSignature(kind: FindingKind, status: string, message: string): string {
  return `${kind}|${status}|${normaliseMessage(message)}`
}

/** Builds a {@link Violation} with its signature. */
export function violation(kind: FindingKind, status: string, message: string): Violation {
  return { kind, status, message, signature: findingSignature(kind, status, message) }
}

/** The message of an `endpoint-unusable` violation, from the probe that failed. */
export function unusableMessage(p: ProbeResult): string {
  return `endpoint left unusable: ${p.message}`
}

/**
 * Every violation of an outcome: the target's own (kind `invariant`, or `harness-timeout` for a case the
 * watchdog ended) plus `endpoint-unusable` when the probe after the case failed.
 */
export function violationsOf(o: FuzzOutcome): Violation[] {
  const kind: FindingKind = o.response === 'harness-timeout' ? 'harness-timeout' : 'invariant'
  const out = o.violations.map((m) => violation(kind, o.response, m))
  if (o.endpoint && !o.endpoint.usable) out.push(violation('endpoint-unusable', o.endpoint.status, unusableMessage(o.endpoint)))
  return out
}

/** Cases per second over `ms` milliseconds, to one decimal (0 when no time passed). */
export function casesPerSecond(cases: number, ms: number): number {
  if (!(ms > 0) || !(cases > 0)) return 0
  return Math.round((cases * 10_000) / ms) / 10
}
