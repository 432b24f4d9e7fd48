/**
 * Conformance results per requirement (status, level, document and section, reason) with their evidence: the
 * HTTP exchanges drawn as a ladder (request and response headers and bodies expandable) and the measured values.
 * Pure: conformance reports in, HTML out.
 *
 * @module
 */
import type { ConformanceReport, RequirementResult } from '../../conformance/report.ts'
import { anchorId, esc, ms } from './escape.ts'
import { ladder, type LadderMessage } from './ladder.ts'

function headers(h: Readonly<Record<string, string>>): string {
  return Object.entries(h)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\n')
}

function path(url: string): string {
  try {
    const u = new URL(url)
    return `${u.pathname}${u.search}`
  } catch {
    return url
  }
}

/** The exchanges of a requirement as ladder messages (client → server, server → client). */
export function exchangeMessages(r: RequirementResult): LadderMessage[] {
  return r.detail.exchanges.flatMap((x) => {
    const req: LadderMessage = {
      from: 'rtcspec',
      to: 'server',
      label: `${x.request.method} ${path(x.request.url)}`,
      transport: 'HTTP',
      details: [{ title: 'request headers', text: headers(x.request.headers) }, ...(x.request.body ? [{ title: 'request body', text: x.request.body }] : [])],
    }
    const res: LadderMessage = x.response
      ? {
          atMs: x.response.elapsedMs,
          from: 'server',
          to: 'rtcspec',
          label: `${x.response.status}${x.response.headers['content-type'] ? ` (${x.response.headers['content-type']})` : ''}`,
          transport: 'HTTP',
          error: x.response.status >= 400,
          details: [
            { title: 'response headers', text: headers(x.response.headers) },
            ...(x.response.body ? [{ title: 'response body', text: x.response.body }] : []),
          ],
        }
      : { from: 'server', to: 'rtcspec', label: `no response: ${x.error ?? 'unknown'}`, error: true }
    return [req, res]
  })
}

const STATUS: Record<RequirementResult['status'], string> = { pass: 'pass', fail: 'fail', warn: 'warn', 'not-applicable': 'na', blocked: 'na' }

/** The anchor of a requirement's row in report `index`. */
export function requirementAnchor(index: number, suite: string, id: string): string {
  return anchorId(`req-${index}-${suite}`, id)
}

/** One conformance report as a table with evidence. */
export function conformanceSection(entry: { source: string; report: ConformanceReport }, index: number): string {
  const r = entry.report
  const s = r.summary
  const failed = s.mustFailures > 0
  const rows = r.results
    .map((x) => {
      const measured =
        x.detail.measured && Object.keys(x.detail.measured).length
          ? `<p class="measured">${Object.entries(x.detail.measured)
              .map(([k, v]) => `<span class="fact">${esc(k)} = <b>${esc(String(v))}</b></span>`)
              .join(' ')}</p>`
          : ''
      const bad = x.status === 'fail' && x.level === 'MUST'
      return `<tr class="req ${bad ? 'failed' : x.status === 'fail' ? 'warned' : 'passed'}" id="${requirementAnchor(index, r.suite, x.id)}"><td><span class="badge ${STATUS[x.status]}">${esc(x.status)}</span></td><td>${esc(x.level)}</td><td class="nowrap">${esc(`${x.document} §${x.section}`)}</td><td class="mono">${esc(x.id)}</td><td><div>${esc(x.detail.reason)}</div><details class="evidence"><summary>requirement and evidence (${x.detail.exchanges.length} exchange(s), ${esc(ms(x.durationMs))})</summary><blockquote>${esc(x.text)}</blockquote>${measured}${x.detail.exchanges.length ? ladder(exchangeMessages(x)) : '<p class="muted">no HTTP exchange</p>'}</details></td></tr>`
    })
    .join('')
  return `<article class="conformance ${failed ? 'failed' : 'passed'}" id="${anchorId('conformance', `${index}-${r.suite}`)}">
<header><span class="badge ${failed ? 'fail' : 'pass'}">${failed ? 'MUST failed' : 'conformant'}</span> <b>${esc(r.suite.toUpperCase())}</b> conformance of <span class="mono">${esc(r.target)}</span> <span class="when">${esc(r.documents.map((d) => d.version).join(', '))} · ${esc(r.startedAt)} · ${esc(ms(r.durationMs))} · ${esc(entry.source)}</span></header>
<p class="counts"><span class="badge pass">${s.pass} pass</span> <span class="badge fail">${s.fail} fail</span> (${s.mustFailures} MUST, ${s.shouldFailures} SHOULD) <span class="badge warn">${s.warn} warn</span> <span class="badge na">${s.notApplicable} n/a</span> <span class="badge na">${s.blocked ?? 0} blocked</span></p>
<table class="requirements"><thead><tr><th>status</th><th>level</th><th>section</th><th>requirement</th><th>reason and evidence</th></tr></thead><tbody>${rows}</tbody></table>
</article>`
}
