/**
 * The conformance report: `conformance.json` (schema below, exported and documented in
 * docs/conformance-whip.md), a JUnit file and a plain-text table.
 */
import { STATUS_CODES } from 'node:http'
import { z } from 'zod'

const STATUS_TEXT: Record<number, string | undefined> = STATUS_CODES

const RequestSchema = z.object({
  method: z.string(),
  url: z.string(),
  headers: z.record(z.string(), z.string()),
  body: z.string().optional().describe('Request body, cut at 4096 characters'),
})
const ResponseSchema = z.object({
  status: z.number().int(),
  headers: z.record(z.string(), z.string()),
  links: z.array(z.string()).describe('Every Link header value'),
  body: z.string().describe('Response body, cut at 4096 characters'),
  elapsedMs: z.number(),
})

/** One HTTP exchange as evidence. */
export const ExchangeSchema = z.object({
  request: RequestSchema,
  response: ResponseSchema.optional().describe('Absent when no complete response arrived'),
  error: z.string().optional().describe('Why there is no response: timeout, reset, refused'),
})

/** The verdict on one requirement. */
export const RequirementResultSchema = z.object({
  id: z.string().describe('Requirement id, e.g. whip.answer.bundle (also the reference server fault id)'),
  level: z.enum(['MUST', 'SHOULD', 'MAY']),
  document: z.string().describe('e.g. RFC 9725 or draft-ietf-wish-whep-03'),
  section: z.string().describe('Section of that document, e.g. 4.4.1'),
  sectionVerified: z.boolean().optional().describe('Whether the section and level were checked against the real text of the document (see the catalog header)'),
  text: z.string().describe('The requirement in words'),
  status: z
    .enum(['pass', 'fail', 'warn', 'not-applicable', 'blocked'])
    .describe('blocked: a precondition failed (see detail.precondition); not a verdict on this requirement'),
  durationMs: z.number(),
  detail: z.object({
    reason: z.string().describe('Why this status, in words'),
    precondition: z.string().optional().describe('With blocked: the precondition that failed, e.g. "a session is created"'),
    exchanges: z.array(ExchangeSchema).describe('The requests and responses that decided it'),
    cleanup: z.array(ExchangeSchema).optional().describe('The DELETEs of the sessions this check created, sent when it ended'),
    measured: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])).optional(),
  }),
})

/** `conformance.json`. */
export const ConformanceReportSchema = z.object({
  schemaVersion: z.literal(1),
  tool: z.literal('rtcspec'),
  suite: z.enum(['whip', 'whep']),
  target: z.string().describe('The endpoint URL tested'),
  documents: z.array(z.object({ name: z.string(), version: z.string() })).describe('Document versions the requirements come from'),
  startedAt: z.string().describe('ISO 8601'),
  durationMs: z.number(),
  options: z.object({
    media: z.boolean(),
    strict: z.boolean(),
    token: z.boolean().describe('Whether a token was configured (never the token)'),
    peer: z.enum(['werift', 'chromium']).optional().describe('The peer the media checks used'),
  }),
  summary: z.object({
    pass: z.number().int(),
    fail: z.number().int(),
    warn: z.number().int(),
    notApplicable: z.number().int(),
    blocked: z.number().int().default(0).describe('Checks whose precondition failed; they do not count towards the exit code'),
    mustFailures: z.number().int(),
    shouldFailures: z.number().int(),
  }),
  endpoint: z
    .object({
      reachable: z.boolean().describe('Whether any request got an HTTP response at all'),
      unusableAfter: z
        .string()
        .optional()
        .describe('The check after which the endpoint refused every new session although rtcspec held none ("start" when it did so from the first POST)'),
      leakedSessions: z.array(z.string()).describe('Session URLs rtcspec created and could not DELETE'),
    })
    .optional(),
  coverage: z
    .object({
      serverSentences: z.number().int().describe('Normative server-side sentences of the document'),
      checked: z.number().int().describe('Of those, the ones a requirement of this suite checks'),
      ratio: z.number(),
    })
    .optional()
    .describe("Traceability of the document's normative sentences to the checks"),
  results: z.array(RequirementResultSchema),
})

/** A conformance report. */
export type ConformanceReport = z.infer<typeof ConformanceReportSchema>
/** One requirement's result. */
export type RequirementResult = z.infer<typeof RequirementResultSchema>

/**
 * Exit code of a report, in the classes every rtcspec command uses: 4 (infrastructure) when nothing could be
 * tested (the endpoint never answered, or refused every session from the first POST with no check to blame);
 * 1 when a MUST failed (or, with `strict`, a SHOULD failed or warned); else 0. Blocked checks do not count.
 */
export function exitCodeOf(report: ConformanceReport, strict: boolean): number {
  if (report.endpoint && (!report.endpoint.reachable || (report.endpoint.unusableAfter === 'start' && report.summary.mustFailures === 0))) return 4
  if (report.summary.mustFailures > 0) return 1
  if (strict && report.results.some((r) => r.level === 'SHOULD' && (r.status === 'fail' || r.status === 'warn'))) return 1
  return 0
}

const ICON: Record<RequirementResult['status'], string> = { pass: 'pass', fail: 'FAIL', warn: 'warn', 'not-applicable': 'n/a', blocked: 'blockd' }

/** Headers worth showing next to a status line. */
const SHOWN_HEADERS = ['content-type', 'location', 'etag', 'retry-after', 'www-authenticate', 'allow', 'accept-patch']
const BODY_SHOWN = 200

/** One exchange as evidence lines: the request, the status line with its telling headers, the first 200 bytes of the body. */
export function formatEvidence(x: z.infer<typeof ExchangeSchema>, indent: string): string[] {
  const req = `${x.request.method} ${x.request.url}${x.request.headers['If-Match'] ? ` (If-Match: ${x.request.headers['If-Match']})` : ''}`
  if (!x.response) return [`${indent}↳ ${req} → no response: ${x.error ?? 'unknown'}`]
  const r = x.response
  const headers = SHOWN_HEADERS.filter((h) => r.headers[h] !== undefined).map((h) => `${h}: ${r.headers[h]}`)
  const lines = [`${indent}↳ ${req} → ${r.status} ${STATUS_TEXT[r.status] ?? ''}${headers.length ? ` [${headers.join('; ')}]` : ''}`.trimEnd()]
  const body = r.body.trim()
  if (body) {
    const bytes = Buffer.from(body)
    const shown = bytes.length > BODY_SHOWN ? `${bytes.subarray(0, BODY_SHOWN).toString('utf8')}… (${bytes.length} bytes)` : body
    lines.push(`${indent}  body: ${JSON.stringify(shown)}`)
  }
  return lines
}

/** A plain-text table, one line per requirement, then the summary. */
export function formatTable(report: ConformanceReport): string {
  const idW = Math.max(...report.results.map((r) => r.id.length), 2)
  const lines = [`${report.suite.toUpperCase()} conformance of ${report.target} (${report.documents.map((d) => d.version).join(', ')})`, '']
  lines.push(`${'status'.padEnd(6)}  ${'level'.padEnd(6)}  ${'section'.padEnd(8)}  ${'id'.padEnd(idW)}  reason`)
  for (const r of report.results) {
    lines.push(`${ICON[r.status].padEnd(6)}  ${r.level.padEnd(6)}  ${`§${r.section}`.padEnd(8)}  ${r.id.padEnd(idW)}  ${r.detail.reason}`)
    if (r.status === 'fail' || r.status === 'warn' || r.status === 'blocked') {
      // The evidence, so a CI log shows what the server did and said.
      if (r.detail.precondition) lines.push(`${' '.repeat(36)}precondition not met: ${r.detail.precondition}`)
      for (const x of r.detail.exchanges.slice(-3)) lines.push(...formatEvidence(x, ' '.repeat(36)))
    }
  }
  const s = report.summary
  lines.push(
    '',
    `${s.pass} passed, ${s.fail} failed (${s.mustFailures} MUST, ${s.shouldFailures} SHOULD), ${s.warn} warnings, ${s.notApplicable} not applicable, ${s.blocked} blocked in ${(report.durationMs / 1000).toFixed(1)} s`,
  )
  const e = report.endpoint
  if (e && !e.reachable) lines.push('the endpoint never answered: nothing was tested (check the URL, and that the server runs)')
  if (e?.unusableAfter)
    lines.push(
      e.unusableAfter === 'start'
        ? 'the endpoint refused every new session from the first POST, before rtcspec had created any: another client may hold it, or it needs --token'
        : `the endpoint refused every new session after ${e.unusableAfter}, although rtcspec held none: that check left it unusable`,
    )
  if (e?.leakedSessions.length) lines.push(`rtcspec could not DELETE ${e.leakedSessions.length} session(s) it created: ${e.leakedSessions.join(', ')}`)
  if (report.coverage)
    lines.push(
      `traceability: ${report.coverage.checked} of ${report.coverage.serverSentences} normative server-side sentences checked (${(report.coverage.ratio * 100).toFixed(1)} %)`,
    )
  return `${lines.join('\n')}\n`
}

function xml(s: string): string {
  return s
    .replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] ?? c)
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '')
}

/** JUnit XML: one testcase per requirement; fail → failure, n/a → skipped, warn → system-out. */
export function formatJunit(report: ConformanceReport): string {
  const cases = report.results.map((r) => {
    const name = `${r.id} [${r.level} ${r.document} §${r.section}]`
    const time = (r.durationMs / 1000).toFixed(3)
    const evidence = r.detail.exchanges.map((x) => `${x.request.method} ${x.request.url} → ${x.response ? x.response.status : `error: ${x.error}`}`).join('\n')
    let inner = ''
    if (r.status === 'fail') inner = `<failure message="${xml(r.detail.reason)}">${xml(`${r.text}\n${evidence}`)}</failure>`
    else if (r.status === 'not-applicable') inner = `<skipped message="${xml(r.detail.reason)}"/>`
    else if (r.status === 'blocked') inner = `<skipped message="${xml(`blocked (${r.detail.precondition ?? 'precondition'}): ${r.detail.reason}`)}"/>`
    else if (r.status === 'warn') inner = `<system-out>${xml(`warning: ${r.detail.reason}\n${evidence}`)}</system-out>`
    return `    <testcase classname="rtcspec.conformance.${report.suite}" name="${xml(name)}" time="${time}">${inner}</testcase>`
  })
  const s = report.summary
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n  <testsuite name="${report.suite} conformance: ${xml(report.target)}" tests="${report.results.length}" failures="${s.fail}" skipped="${s.notApplicable + s.blocked}" time="${(report.durationMs / 1000).toFixed(3)}">\n${cases.join('\n')}\n  </testsuite>\n</testsuites>\n`
}
