/**
 * The conformance report: `conformance.json` (schema below, exported and documented in
 * docs/conformance-whip.md), a JUnit file and a plain-text table.
 */
import { z } from 'zod'

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
  status: z.enum(['pass', 'fail', 'warn', 'not-applicable']),
  durationMs: z.number(),
  detail: z.object({
    reason: z.string().describe('Why this status, in words'),
    exchanges: z.array(ExchangeSchema).describe('The requests and responses that decided it'),
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
    mustFailures: z.number().int(),
    shouldFailures: z.number().int(),
  }),
  results: z.array(RequirementResultSchema),
})

/** A conformance report. */
export type ConformanceReport = z.infer<typeof ConformanceReportSchema>
/** One requirement's result. */
export type RequirementResult = z.infer<typeof RequirementResultSchema>

/** Exit code of a report: 1 when a MUST failed (or, with `strict`, a SHOULD failed or warned), else 0. */
export function exitCodeOf(report: ConformanceReport, strict: boolean): number {
  if (report.summary.mustFailures > 0) return 1
  if (strict && report.results.some((r) => r.level === 'SHOULD' && (r.status === 'fail' || r.status === 'warn'))) return 1
  return 0
}

const ICON: Record<RequirementResult['status'], string> = { pass: 'pass', fail: 'FAIL', warn: 'warn', 'not-applicable': 'n/a' }

/** A plain-text table, one line per requirement, then the summary. */
export function formatTable(report: ConformanceReport): string {
  const idW = Math.max(...report.results.map((r) => r.id.length), 2)
  const lines = [`${report.suite.toUpperCase()} conformance of ${report.target} (${report.documents.map((d) => d.version).join(', ')})`, '']
  lines.push(`${'status'.padEnd(6)}  ${'level'.padEnd(6)}  ${'section'.padEnd(8)}  ${'id'.padEnd(idW)}  reason`)
  for (const r of report.results) {
    lines.push(`${ICON[r.status].padEnd(6)}  ${r.level.padEnd(6)}  ${`§${r.section}`.padEnd(8)}  ${r.id.padEnd(idW)}  ${r.detail.reason}`)
    if (r.status === 'fail' || r.status === 'warn') {
      // The evidence, one line per exchange, so a CI log shows what the server did.
      for (const x of r.detail.exchanges.slice(-3)) {
        const res = x.response ? `${x.response.status}${x.response.headers['content-type'] ? ` (${x.response.headers['content-type']})` : ''}` : `no response: ${x.error ?? 'unknown'}`
        lines.push(`${' '.repeat(36)}↳ ${x.request.method} ${x.request.url} → ${res}`)
      }
    }
  }
  const s = report.summary
  lines.push('', `${s.pass} passed, ${s.fail} failed (${s.mustFailures} MUST, ${s.shouldFailures} SHOULD), ${s.warn} warnings, ${s.notApplicable} not applicable in ${(report.durationMs / 1000).toFixed(1)} s`)
  return `${lines.join('\n')}\n`
}

function xml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] ?? c).replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '')
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
    else if (r.status === 'warn') inner = `<system-out>${xml(`warning: ${r.detail.reason}\n${evidence}`)}</system-out>`
    return `    <testcase classname="rtcspec.conformance.${report.suite}" name="${xml(name)}" time="${time}">${inner}</testcase>`
  })
  const s = report.summary
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n  <testsuite name="${report.suite} conformance: ${xml(report.target)}" tests="${report.results.length}" failures="${s.fail}" skipped="${s.notApplicable}" time="${(report.durationMs / 1000).toFixed(3)}">\n${cases.join('\n')}\n  </testsuite>\n</testsuites>\n`
}
