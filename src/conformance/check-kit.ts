/**
 * The small vocabulary every conformance check is written in: verdict constructors, the preconditions a check
 * needs (a created session, a session URL) and helpers to read an answer.
 */
import { safeParseSdp } from '../sdp/parse.ts'
import { mediaLine } from '../sdp/media.ts'
import type { HttpExchange } from '../http/http.ts'
import { safeResolve, type CheckContext, type CheckOutcome, type Created, type RestartProbe } from './context.ts'

export const ok = (reason: string, exchanges: HttpExchange[]): CheckOutcome => ({ status: 'pass', reason, exchanges })
export const bad = (reason: string, exchanges: HttpExchange[]): CheckOutcome => ({ status: 'fail', reason, exchanges })
export const warn = (reason: string, exchanges: HttpExchange[]): CheckOutcome => ({ status: 'warn', reason, exchanges })
export const na = (reason: string, exchanges: HttpExchange[] = []): CheckOutcome => ({ status: 'not-applicable', reason, exchanges })

/** A check that could not run because a precondition failed; `precondition` says which, the evidence is its own. */
export const blocked = (precondition: string, reason: string, exchanges: HttpExchange[] = []): CheckOutcome => ({
  status: 'blocked',
  precondition,
  reason,
  exchanges,
})

/** Status line, and the first bytes of the body when there is one: `403 "Endpoint ID already in use"`. */
export function said(x: HttpExchange): string {
  if (!x.response) return `no response (${x.error ?? 'unknown'})`
  const body = x.response.body.trim().replace(/\s+/g, ' ')
  return body ? `${x.response.status} ${JSON.stringify(body.length > 80 ? `${body.slice(0, 80)}…` : body)}` : String(x.response.status)
}

/** Why a session could not be had, as a `blocked` (or, for a second session, `not-applicable`) outcome. */
function refused(c: Created): CheckOutcome | undefined {
  const r = c.refusal
  if (!r) return undefined
  const xs = c.chain.length ? c.chain : [c.post]
  if (r.kind === 'second-session')
    return na(
      `this check needs two live sessions and the endpoint allows one at a time: a second POST while rtcspec held ${r.holding} was refused ${said(c.post)}`,
      xs,
    )
  if (r.kind === 'leaked') {
    const l = r.leaked[0]
    return blocked(
      'a session is created',
      `the endpoint refused a new session (${said(c.post)}) while a session rtcspec could not delete may still hold it (${l?.url}, created by ${l?.check}; DELETE → ${l ? said(l.delete) : '?'}): the refusal may be rtcspec's own doing, so it is not held against this requirement`,
      xs,
    )
  }
  const since =
    r.since === undefined
      ? 'from the first POST, before rtcspec had created any session (another client may hold the endpoint, or it needs credentials: --token)'
      : `since ${r.since} (see its result)`
  return blocked('a session is created', `the endpoint refuses every new session although rtcspec holds none (${said(c.post)}), ${since}`, xs)
}

/** Session checks need the session URL; without a Location there is nothing to test (post.location fails). */
export function needSession(c: Created): CheckOutcome | undefined {
  const f = needCreated(c)
  if (f) return f
  if (!c.sessionUrl)
    return blocked(
      'the 201 carries a Location',
      'the 201 has no usable Location, so there is no session URL to test (post.location holds that against the server)',
      [c.post],
    )
  return undefined
}

/**
 * The POST of a session must have succeeded for answer checks to mean anything. When it did not, the check is
 * `blocked` with the POST as evidence: post.201 is the requirement that judges that exchange.
 */
export function needCreated(c: Created): CheckOutcome | undefined {
  const r = refused(c)
  if (r) return r
  const st = c.post.response?.status
  if (!c.post.response) return blocked('a session is created', `the POST of a valid offer got no response (${c.post.error})`, [c.post])
  if (st === undefined || st < 200 || st >= 300) {
    const hint = st === 401 || st === 403 ? ' (does the endpoint need --token?)' : ''
    return blocked('a session is created', `the POST of a valid offer was answered ${said(c.post)}, not 2xx${hint}`, c.chain.length ? c.chain : [c.post])
  }
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
  if (!(loc && x.response && x.response.status >= 200 && x.response.status < 300)) return
  const url = safeResolve(loc, x.request.url) ?? x.request.url
  const d = await ctx.http('DELETE', url)
  // A failed DELETE leaves the session to the end of the check, which retries it and remembers a leak.
  if (d.response && ((d.response.status >= 200 && d.response.status < 300) || d.response.status === 404)) ctx.forget(url)
}

/**
 * What the server does with one kind of PATCH, learned once per run from the restart probe. `outcome` when the
 * check cannot go on: `blocked` when the probe could not create a session (nothing is known), `not-applicable`
 * when the server refuses that kind (405, 422, 501).
 */
export async function needSupport(ctx: CheckContext, kind: 'trickle' | 'restart'): Promise<{ probe: RestartProbe } | { outcome: CheckOutcome }> {
  const probe = await ctx.restartProbe()
  const blockedBy = needSession(probe.session)
  if (blockedBy) return { outcome: blockedBy }
  const x = kind === 'trickle' ? probe.trickle : probe.restart
  const supported = kind === 'trickle' ? trickleSupported(probe) : restartSupported(probe)
  if (!supported)
    return { outcome: na(`${kind === 'trickle' ? 'trickle ICE' : 'ICE restarts'} not supported (the ${kind} PATCH was answered ${said(x)})`, [x]) }
  return { probe }
}

export const restartSupported = (probe: { restart: HttpExchange }) => {
  const st = probe.restart.response?.status
  return st !== undefined && st !== 405 && st !== 422 && st !== 501
}
export const trickleSupported = (probe: { trickle: HttpExchange }) => {
  const st = probe.trickle.response?.status
  return st !== undefined && st !== 405 && st !== 422 && st !== 501
}
