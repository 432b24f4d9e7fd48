/**
 * The vocabulary of the traceability maps: for each normative sentence (keyed by the id the extractor gives
 * it), which side it binds and either the requirements whose checks test it or why none does.
 */

/** Whom a sentence binds: the server (endpoint, session, media server), the client, both, or neither (registry rules, quotations). */
export type TraceSide = 'server' | 'client' | 'both' | 'none'

/**
 * Why a sentence has no requirement:
 * - `client`: it binds the WHIP/WHEP client only; the reason says where rtcspec's client enforces it, or that it does not;
 * - `server-untestable`: a server rule no request can observe (and why);
 * - `server-not-checked`: a server rule that could be observed but has no check yet (and what it would take);
 * - `permission`: a MAY that lets the server do something; no behaviour of the server can break it;
 * - `informative`: no obligation of its own (it quotes another document, or restates one checked elsewhere);
 * - `registry`: instructions to IANA, the designated expert or the authors of extensions.
 */
export type TraceClass = 'client' | 'server-untestable' | 'server-not-checked' | 'permission' | 'informative' | 'registry'

/** One sentence's trace. */
export interface TraceEntry {
  side: TraceSide
  /** Requirement ids (`whip.answer.bundle`) whose checks test the sentence (its server part, for `both`). */
  requirements?: string[]
  /** Set when there is no requirement: why. */
  class?: TraceClass
  /** Why it is classified so; for `both`/`client` sentences, where rtcspec's client stands on the client part. */
  reason?: string
}

/** Sentence id → trace. */
export type TraceMap = Readonly<Record<string, TraceEntry>>

/** A sentence checked by requirements (server part), with an optional note. */
export const checkedBy = (requirements: string[], side: TraceSide = 'server', reason?: string): TraceEntry => ({
  side,
  requirements,
  ...(reason ? { reason } : {}),
})
/** A client-only sentence; `where` says how rtcspec's client stands on it. */
export const client = (where: string): TraceEntry => ({ side: 'client', class: 'client', reason: where })
/** A server sentence no request can observe. */
export const untestable = (why: string, side: TraceSide = 'server'): TraceEntry => ({ side, class: 'server-untestable', reason: why })
/** A server sentence that could be checked but is not yet. */
export const notChecked = (why: string, side: TraceSide = 'server'): TraceEntry => ({ side, class: 'server-not-checked', reason: why })
/** A permission (MAY) given to the server. */
export const permission = (why: string, side: TraceSide = 'server'): TraceEntry => ({ side, class: 'permission', reason: why })
/** No obligation of its own. */
export const informative = (why: string, side: TraceSide = 'none'): TraceEntry => ({ side, class: 'informative', reason: why })
/** IANA / registration rules. */
export const registry = (why: string): TraceEntry => ({ side: 'none', class: 'registry', reason: why })
