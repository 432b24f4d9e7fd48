/**
 * The small vocabulary every conformance check is written in: verdict constructors, the preconditions a check
 * needs (a created session, a session URL) and helpers to read an answer.
 */
import { safeParseSdp } from '../sdp/parse.ts'
import { mediaLine } from '../sdp/media.ts'
import type { HttpExchange } from '../whip/http.ts'
import { safeResolve, type CheckContext, type CheckOutcome, type Created } from './context.ts'

export const ok = (reason: string, exchanges: HttpExchange[]): CheckOutcome => ({ status: 'pass', reason, exchanges })
export const bad = (reason: string, exchanges: HttpExchange[]): CheckOutcome => ({ status: 'fail', reason, exchanges })
export const warn = (reason: string, exchanges: HttpExchange[]): CheckOutcome => ({ status: 'warn', reason, exchanges })
export const na = (reason: string, exchanges: HttpExchange[] = []): CheckOutcome => ({ status: 'not-applicable', reason, exchanges })

/** Session checks need the session URL; without a Location there is nothing to test (post.location fails). */
export function needSession(c: Created): CheckOutcome | undefined {
  const f = needCreated(c)
  if (f) return f
  if (!c.sessionUrl) return na('the 201 has no usable Location, so there is no session URL to test (see post.location)', [c.post])
  return undefined
}

/** The POST of a session must have succeeded for answer checks to mean anything. */
export function needCreated(c: Created): CheckOutcome | undefined {
  const st = c.post.response?.status
  if (!c.post.response) return bad(`the POST got no response (${c.post.error}), so the answer cannot be checked`, [c.post])
  if (st === undefined || st < 200 || st >= 300) return bad(`the POST was answered ${st}, not 2xx, so the answer cannot be checked`, [c.post])
  return undefined
}

export function parsedAnswer(c: Created) {
  const body = c.post.response?.body ?? ''
  const p = safeParseSdp(body)
  return p.ok ? p.value : undefined
}

export function acceptedSections(c: Created) {
  const d = parsedAnswer(c)
  return d ? d.media.filter((m) => mediaLine(m).port !== 0) : []
}

export function expectStatus(x: HttpExchange, want: number, what: string): CheckOutcome {
  const st = x.response?.status
  if (!x.response) return bad(`${what}: no response (${x.error})`, [x])
  if (st === want) return ok(`${what}: ${st} as required`, [x])
  if (st !== undefined && st >= 400 && st < 500) return warn(`${what}: refused with ${st}; ${want} is the code that says why`, [x])
  return bad(`${what}: answered ${st}, expected ${want}`, [x])
}

/** One check: runs against the context, never throws for server misbehaviour. */
export type Check = (ctx: CheckContext) => Promise<CheckOutcome>

export function last(chain: HttpExchange[]): HttpExchange {
  return chain[chain.length - 1] as HttpExchange
}

export function withChain(o: CheckOutcome, chain: HttpExchange[]): CheckOutcome {
  return { ...o, exchanges: chain }
}

/** Deletes a session a negative test created by mistake (the server accepted what it should have refused). */
export async function deleteIfCreated(ctx: CheckContext, chain: HttpExchange[]): Promise<void> {
  const x = last(chain)
  const loc = x.response?.headers.location
  if (loc && x.response && x.response.status >= 200 && x.response.status < 300) await ctx.http('DELETE', safeResolve(loc, x.request.url) ?? x.request.url)
}

export const restartSupported = (probe: { restart: HttpExchange }) => {
  const st = probe.restart.response?.status
  return st !== undefined && st !== 405 && st !== 422 && st !== 501
}
export const trickleSupported = (probe: { trickle: HttpExchange }) => {
  const st = probe.trickle.response?.status
  return st !== undefined && st !== 405 && st !== 422 && st !== 501
}

