/**
 * Runs a conformance suite against a URL: every requirement of the suite, each with its check, in order,
 * each bounded in time; builds the report (`report.ts`). Never throws for server misbehaviour: a check that
 * throws or overruns becomes a `fail` with the reason.
 */
import { z } from 'zod'
import { RtcspecError } from '../errors.ts'
import type { HttpExchange } from '../http/http.ts'
import { DOCUMENTS, requirementsOf, type Requirement, type Suite } from './catalog.ts'
import { said } from './check-kit.ts'
import { CheckContext, checkFor, type CheckOutcome } from './checks.ts'
import { BUSY_STATUSES } from './context.ts'
import { traceCoverage } from './trace/index.ts'
import { ConformanceReportSchema, type ConformanceReport, type RequirementResult } from './report.ts'

/** Options of {@link runConformance}, validated with zod. */
export const RunConformanceOptionsSchema = z
  .object({
    suite: z.enum(['whip', 'whep']),
    url: z.url({ protocol: /^https?$/ }).describe('The WHIP or WHEP endpoint URL'),
    token: z.string().min(1).optional(),
    /** Timeout of each HTTP request. */
    timeoutMs: z.number().int().min(100).max(60_000).default(5_000),
    /** Overall time limit of one check. */
    checkTimeoutMs: z.number().int().min(1_000).max(120_000).default(30_000),
    /** Run the media checks (real peers). Default true. */
    media: z.boolean().default(true),
    strict: z.boolean().default(false),
    /** WHIP suite: play the published tone back from this WHEP URL. */
    whepUrl: z.url().optional(),
    /** WHEP suite: publish a tone here before playing. */
    publishUrl: z.url().optional(),
    /** Run only these requirement ids. */
    only: z.array(z.string()).optional(),
    /** The peer the media checks use: werift (in-process, default) or a headless Chromium (needs chromium installed). */
    peer: z.enum(['werift', 'chromium']).default('werift'),
    iceServers: z
      .array(
        z.strictObject({
          urls: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
          username: z.string().optional(),
          credential: z.string().optional(),
        }),
      )
      .max(16)
      .optional()
      .describe("ICE servers of the media checks' peers (RTCIceServer shape), e.g. a TURN server to relay through"),
    relayOnly: z.boolean().default(false).describe('Media checks: use relay candidates only (iceTransportPolicy relay); needs a TURN server in iceServers'),
    remoteAddresses: z
      .enum(['loopback', 'any'])
      .optional()
      .describe(
        "Which server candidates the werift peer accepts: 'loopback' (127.0.0.0/8, ::1) or 'any'; default 'loopback' when every URL is on loopback, else 'any'",
      ),
  })
  .strict()
  .refine((o) => !o.relayOnly || (o.iceServers ?? []).some((s) => [s.urls].flat().some((u) => /^turns?:/i.test(u))), {
    message: 'relayOnly needs a TURN server (turn: or turns:) in iceServers',
    path: ['relayOnly'],
  })

/** Input of {@link runConformance}. */
export type RunConformanceOptions = z.input<typeof RunConformanceOptionsSchema>

const MAX_TEXT = 4096

function cut(s: string | undefined): string | undefined {
  return s === undefined ? undefined : s.length > MAX_TEXT ? `${s.slice(0, MAX_TEXT)}… (${s.length} characters)` : s
}

function evidence(x: HttpExchange): RequirementResult['detail']['exchanges'][number] {
  const headers = { ...x.request.headers }
  if (headers.Authorization) headers.Authorization = 'Bearer <redacted>'
  const body = cut(x.request.body)
  return {
    request: { method: x.request.method, url: x.request.url, headers, ...(body !== undefined ? { body } : {}) },
    ...(x.response ? { response: { ...x.response, body: cut(x.response.body) ?? '' } } : {}),
    ...(x.error !== undefined ? { error: x.error } : {}),
  }
}

/**
 * Runs the suite and returns the report. `control.signal` stops it early (the CLI's SIGINT): the check running
 * is abandoned (not reported; its sessions are still deleted) and the report holds the checks that finished.
 *
 * @throws {RtcspecError} `INVALID_OPTIONS` for bad options (bad URL, unknown requirement ids).
 */
export async function runConformance(input: RunConformanceOptions, control: { signal?: AbortSignal } = {}): Promise<ConformanceReport> {
  const parsed = RunConformanceOptionsSchema.safeParse(input)
  if (!parsed.success)
    throw new RtcspecError('INVALID_OPTIONS', `invalid conformance options:\n${z.prettifyError(parsed.error)}`, {
      hint: 'e.g. rtcspec conformance whip --url http://127.0.0.1:8080/whip/live',
    })
  const o = parsed.data
  const suite: Suite = o.suite
  let reqs = requirementsOf(suite)
  if (o.only) {
    const unknown = o.only.filter((id) => !reqs.some((r) => r.id === id))
    if (unknown.length)
      throw new RtcspecError('INVALID_OPTIONS', `unknown ${suite} requirement ids: ${unknown.join(', ')}`, { hint: `ids look like ${reqs[0]?.id}` })
    reqs = reqs.filter((r) => o.only?.includes(r.id))
  }
  const ctx = new CheckContext({
    suite,
    url: o.url,
    timeoutMs: o.timeoutMs,
    ...(o.token !== undefined ? { token: o.token } : {}),
    ...(o.whepUrl !== undefined ? { whepUrl: o.whepUrl } : {}),
    ...(o.publishUrl !== undefined ? { publishUrl: o.publishUrl } : {}),
    peer: o.peer,
    ...(o.iceServers !== undefined ? { iceServers: o.iceServers } : {}),
    ...(o.relayOnly ? { relayOnly: true } : {}),
    ...(o.remoteAddresses !== undefined ? { remoteAddresses: o.remoteAddresses } : {}),
  })
  const started = Date.now()
  const t0 = performance.now()
  const results: RequirementResult[] = []
  try {
    for (const r of reqs) {
      if (control.signal?.aborted) break
      const c0 = performance.now()
      ctx.beginCheck(r.id)
      const finished = await untilAborted(runOne(r, o, ctx), control.signal)
      if (finished === undefined) {
        await ctx.endCheck()
        break
      }
      let out = finished
      const cleanup = await ctx.endCheck()
      out = blockedByUnusableEndpoint(ctx, out)
      out = await attributeUnusable(ctx, r.id, out)
      results.push({
        id: r.id,
        level: r.level,
        document: r.document,
        section: r.section,
        sectionVerified: r.verified,
        text: r.text,
        status: out.status,
        durationMs: Math.round(performance.now() - c0),
        detail: {
          reason: out.reason,
          ...(out.precondition !== undefined ? { precondition: out.precondition } : {}),
          exchanges: out.exchanges.map(evidence),
          ...(cleanup.length ? { cleanup: cleanup.map(evidence) } : {}),
          ...(out.measured ? { measured: out.measured } : {}),
        },
      })
    }
  } finally {
    await ctx.cleanup().catch(() => undefined)
  }
  const count = (s: RequirementResult['status']) => results.filter((r) => r.status === s).length
  const exchanges = results.flatMap((r) => [...r.detail.exchanges, ...(r.detail.cleanup ?? [])])
  const unusable = ctx.unusable
  const report: ConformanceReport = {
    schemaVersion: 1,
    tool: 'rtcspec',
    suite,
    target: o.url,
    documents: [{ name: DOCUMENTS[suite].name, version: DOCUMENTS[suite].version }],
    startedAt: new Date(started).toISOString(),
    durationMs: Math.round(performance.now() - t0),
    options: { media: o.media, strict: o.strict, token: o.token !== undefined, peer: o.peer },
    summary: {
      pass: count('pass'),
      fail: count('fail'),
      warn: count('warn'),
      notApplicable: count('not-applicable'),
      blocked: count('blocked'),
      mustFailures: results.filter((r) => r.status === 'fail' && r.level === 'MUST').length,
      shouldFailures: results.filter((r) => r.status === 'fail' && r.level === 'SHOULD').length,
    },
    ...coverageOf(suite),
    endpoint: {
      reachable: exchanges.length === 0 || exchanges.some((x) => x.response !== undefined),
      ...(unusable ? { unusableAfter: unusable.since ?? 'start' } : {}),
      leakedSessions: ctx.leaked.map((l) => l.url),
    },
    results,
  }
  return ConformanceReportSchema.parse(report)
}

/** `p`, or undefined as soon as `signal` aborts. */
function untilAborted<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T | undefined> {
  if (!signal) return p
  if (signal.aborted) return Promise.resolve(undefined)
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve(undefined)
    signal.addEventListener('abort', onAbort, { once: true })
    p.then(
      (v) => (signal.removeEventListener('abort', onAbort), resolve(v)),
      (e: unknown) => (signal.removeEventListener('abort', onAbort), reject(e)),
    )
  })
}

/** Runs one requirement's check, bounded in time; a check that throws or overruns is a `fail` with the reason. */
async function runOne(r: Requirement, o: z.output<typeof RunConformanceOptionsSchema>, ctx: CheckContext): Promise<CheckOutcome> {
  if (r.media && !o.media) return { status: 'not-applicable', reason: 'media checks disabled (--no-media)', exchanges: [] }
  const check = checkFor(r.id)
  if (!check) return { status: 'fail', reason: 'rtcspec has no check for this requirement (a defect in rtcspec)', exchanges: [] }
  let timer: NodeJS.Timeout | undefined
  // A Chromium media check launches up to two browsers: give it at least a minute.
  const limitMs = r.media && o.peer === 'chromium' ? Math.max(o.checkTimeoutMs, 60_000) : o.checkTimeoutMs
  const running = check(ctx).catch(
    (e: unknown): CheckOutcome => ({
      status: 'fail',
      reason: `the check could not complete: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`,
      exchanges: [],
    }),
  )
  const overrun = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), limitMs)
  })
  const out = await Promise.race([running, overrun])
  clearTimeout(timer)
  if (out) return out
  // Let an overrunning check settle (its requests are bounded) before its sessions are deleted, so it cannot
  // create one while the next check runs.
  await Promise.race([running, new Promise((r) => setTimeout(r, Math.max(o.timeoutMs * 2, 5_000)).unref())])
  return { status: 'fail', reason: `the check did not finish within ${limitMs} ms`, exchanges: [] }
}

/**
 * After a check that saw a 5xx, no response, or a failure: does the endpoint still take a valid offer? When it
 * took one before and refuses it now while rtcspec holds no session, this check's request left the endpoint
 * unusable. That is a finding against the server, reported on this check (a FAIL with the probe as evidence).
 */
async function attributeUnusable(ctx: CheckContext, id: string, out: CheckOutcome): Promise<CheckOutcome> {
  if (ctx.unusable || out.status === 'blocked' || !ctx.knownUsable) return out
  const suspicious = out.status === 'fail' || out.exchanges.some((x) => x.error !== undefined || (x.response?.status ?? 0) >= 500)
  if (!suspicious) return out
  const probe = await ctx.probeEndpoint()
  if (probe.usable || probe.wasUnusable || !ctx.unusable) return out
  const x = probe.exchanges[probe.exchanges.length - 1]
  const after = x ? said(x) : 'a refusal'
  ctx.markUnusableSince(id)
  return {
    ...out,
    status: 'fail',
    reason: `${out.status === 'fail' ? `${out.reason}; and` : `${out.reason} — but`} this left the endpoint unusable: afterwards a valid offer was refused (${after}) although rtcspec held no session`,
    exchanges: [...out.exchanges, ...probe.exchanges],
  }
}

/**
 * A check that failed or warned on a busy refusal of its POST while the endpoint is known to refuse every session
 * (the media checks, which publish and play through the WHIP/WHEP clients, and the negative tests, whose
 * "refused" says nothing then) is blocked, like the checks that go through the context: the endpoint's state is
 * already reported on the check that caused it.
 */
function blockedByUnusableEndpoint(ctx: CheckContext, out: CheckOutcome): CheckOutcome {
  const state = ctx.unusable
  if (!state || (out.status !== 'fail' && out.status !== 'warn')) return out
  const refusal = out.exchanges.find((x) => x.request.method === 'POST' && x.response !== undefined && BUSY_STATUSES.has(x.response.status))
  if (!refusal) return out
  const since = state.since === undefined ? 'from the first POST' : `since ${state.since}`
  return {
    ...out,
    status: 'blocked',
    precondition: 'a session is created',
    reason: `the endpoint refuses every new session although rtcspec holds none (${said(refusal)}), ${since}: ${out.reason}`,
  }
}

/** How many of the document's normative server-side sentences the suite checks; omitted when the texts are not at hand. */
function coverageOf(suite: Suite): Pick<ConformanceReport, 'coverage'> {
  try {
    const c = traceCoverage(suite)
    return { coverage: { serverSentences: c.serverSentences, checked: c.checked, ratio: Number(c.ratio.toFixed(4)) } }
  } catch {
    return {}
  }
}
