/**
 * Traceability of the WHIP and WHEP documents to the conformance requirements: the normative sentences of
 * the texts in fixtures/rfc (extracted by `extract.ts`), joined with the maps in `whip.ts` / `whep.ts`, and
 * the coverage figure: server-side sentences with at least one requirement over all server-side sentences.
 */
import { readFileSync } from 'node:fs'
import { RtcspecError } from '../../errors.ts'
import { requirement, type Suite } from '../catalog.ts'
import { extractNormativeSentences, type NormativeSentence } from './extract.ts'
import type { TraceEntry, TraceMap } from './types.ts'
import { WHEP_TRACE } from './whep.ts'
import { WHIP_TRACE } from './whip.ts'

export { extractNormativeSentences, type NormativeSentence } from './extract.ts'
export type { TraceClass, TraceEntry, TraceMap, TraceSide } from './types.ts'

/** The text file of each suite's document, under fixtures/rfc. */
export const TRACE_SOURCES: Record<Suite, string> = { whip: 'rfc9725.txt', whep: 'draft-ietf-wish-whep-03.txt' }

/** The maps, by suite. */
export const TRACE_MAPS: Record<Suite, TraceMap> = { whip: WHIP_TRACE, whep: WHEP_TRACE }

/** Reads the document text of a suite from fixtures/rfc (in a checkout of the repository). */
export function documentText(suite: Suite): string {
  const url = new URL(`../../../fixtures/rfc/${TRACE_SOURCES[suite]}`, import.meta.url)
  try {
    return readFileSync(url, 'utf8')
  } catch (e) {
    throw new RtcspecError('TRACE_SOURCE_MISSING', `cannot read ${url.pathname}: ${(e as Error).message}`, {
      hint: 'the traceability tools need a checkout of the rtcspec repository (fixtures/rfc holds the RFC and draft texts)',
    })
  }
}

/** One sentence with its trace (undefined when the map has no entry for it). */
export interface TracedSentence extends NormativeSentence {
  trace: TraceEntry | undefined
}

/** The sentences of a suite's document with their traces. */
export function tracedSentences(suite: Suite, text: string = documentText(suite)): TracedSentence[] {
  const map = TRACE_MAPS[suite]
  return extractNormativeSentences(text, suite).map((s) => ({ ...s, trace: map[s.id] }))
}

/** What is wrong with a map: sentences without an entry, entries that match no sentence, unknown or foreign requirement ids, entries that are neither checked nor classified. */
export interface TraceProblems {
  unmapped: string[]
  stale: string[]
  unknownRequirements: string[]
  unexplained: string[]
}

/** Checks a suite's map against its document. */
export function traceProblems(suite: Suite, text: string = documentText(suite)): TraceProblems {
  const sentences = extractNormativeSentences(text, suite)
  const map = TRACE_MAPS[suite]
  const ids = new Set(sentences.map((s) => s.id))
  const unknownRequirements: string[] = []
  const unexplained: string[] = []
  for (const [id, e] of Object.entries(map)) {
    for (const r of e.requirements ?? []) if (requirement(r)?.suite !== suite) unknownRequirements.push(`${id}: ${r}`)
    const checked = (e.requirements ?? []).length > 0
    if (checked === (e.class !== undefined) || (!checked && !e.reason)) unexplained.push(id)
  }
  return {
    unmapped: sentences.filter((s) => !(s.id in map)).map((s) => s.id),
    stale: Object.keys(map).filter((id) => !ids.has(id)),
    unknownRequirements,
    unexplained,
  }
}

/** A server-side sentence no requirement checks, with why. */
export interface UncheckedSentence {
  id: string
  section: string
  text: string
  class: string
  reason: string
}

/** Coverage of a suite: server-side sentences (side `server` or `both`) that at least one requirement checks. */
export interface TraceCoverage {
  serverSentences: number
  checked: number
  /** checked / serverSentences (1 when there are none). */
  ratio: number
  unchecked: UncheckedSentence[]
}

/** The coverage figure of a suite (see {@link TraceCoverage}). */
export function traceCoverage(suite: Suite, text: string = documentText(suite)): TraceCoverage {
  const server = tracedSentences(suite, text).filter((s) => s.trace && (s.trace.side === 'server' || s.trace.side === 'both'))
  const checked = server.filter((s) => (s.trace?.requirements ?? []).length > 0)
  const unchecked = server
    .filter((s) => !(s.trace?.requirements ?? []).length)
    .map((s) => ({ id: s.id, section: s.section, text: s.text, class: s.trace?.class ?? 'unclassified', reason: s.trace?.reason ?? '' }))
  return { serverSentences: server.length, checked: checked.length, ratio: server.length ? checked.length / server.length : 1, unchecked }
}
