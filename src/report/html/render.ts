/**
 * Renders the HTML report (`reports/index.html`) from {@link ReportData}: one self-contained page (inline CSS,
 * script — uPlot inlined once for the RTP charts —, SVG diagrams and data: URIs; nothing is loaded from anywhere) that lists the run's tests by spec file with
 * pass/fail, each test's calls (signaling ladder, ICE timeline, RTP plots, recordings), the calls no test names,
 * the conformance results and the fuzz counterexamples. A failed-only filter, a search box and an anchor per test,
 * call and requirement. Every string from the data is escaped; a Content-Security-Policy allows only the page's
 * own script (by hash), so even a mistake could not run injected script. Pure: data in, HTML string out.
 *
 * @module
 */
import { createHash } from 'node:crypto'
import type { CallRecord } from '../../peers/call-record.ts'
import { callAnchor, callFailed, callSection } from './call.ts'
import { conformanceSection, requirementAnchor } from './conformance.ts'
import { anchorId, esc, ms, num } from './escape.ts'
import { fuzzSection } from './fuzz.ts'
import { recordBelongsTo, type ReportData, type ReportTest } from './model.ts'
import { REPORT_CSS, REPORT_JS } from './style.ts'
import { CHART_INIT_JS, uplotScript, uplotStyles } from './chart.ts'

/** Options of {@link renderReport}. */
export interface RenderOptions {
  /** Calls drawn in full at most (the rest are listed in a table). Default 300. */
  maxCalls?: number
}

/** The anchor id of a test. */
export function testAnchor(test: Pick<ReportTest, 'id'>): string {
  return anchorId('test', test.id)
}

function stateClass(state: ReportTest['state']): string {
  return state === 'unknown' ? 'unknown-state' : state
}

function testBlock(test: ReportTest, calls: CallRecord[], drawn: Set<CallRecord>, data: ReportData, evidence: ReadonlyMap<string, string>): string {
  const link = test.requirement ? evidence.get(test.requirement.id) : undefined
  const req = test.requirement
    ? ` <span class="tag">${esc([test.requirement.level, test.requirement.document, test.requirement.section ? `§${test.requirement.section}` : ''].filter(Boolean).join(' '))}</span>${link ? ` <a href="#${link}">evidence</a>` : ''}`
    : ''
  const errors = test.errors.length
    ? `<div class="errors">${test.errors.map((e) => `<pre>${esc(e.message)}${e.diff ? `\n\n${esc(e.diff)}` : ''}</pre>${e.stack ? `<details><summary>stack</summary><pre>${esc(e.stack)}</pre></details>` : ''}`).join('')}</div>`
    : ''
  const skip = test.skipReason ? `<p class="muted">skipped: ${esc(test.skipReason)}</p>` : ''
  const notes = test.annotations?.length
    ? `<ul class="muted">${test.annotations.map((a) => `<li>${esc(a.type)}: ${esc(a.message)}${a.path ? ` <a href="${esc(a.path)}">${esc(a.path.split('/').pop() ?? a.path)}</a>` : ''}</li>`).join('')}</ul>`
    : ''
  const callHtml = calls
    .map((c) =>
      drawn.has(c) ? callSection(c, data.recordings) : `<p class="muted">call <a href="#${callAnchor(c)}">${esc(c.kind)} ${esc(c.id.slice(0, 8))}</a></p>`,
    )
    .join('')
  const state = test.state === 'unknown' ? 'unknown' : test.state
  return `<div class="test ${stateClass(test.state)}" id="${testAnchor(test)}" data-search="${esc(`${test.file ?? ''} ${test.name}`)}">
<div class="title"><a class="anchor" href="#${testAnchor(test)}">#</a><span class="badge ${esc(state)}">${esc(state)}</span><b>${esc(test.name)}</b>${req}${calls.length ? ` <span class="muted">${calls.length} call(s)</span>` : ''}<span class="dur">${test.durationMs === undefined ? '' : esc(ms(test.durationMs))}</span></div>
${errors}${skip}${notes}${callHtml}</div>`
}

/** The fuzz section: this run's counterexamples, then (collapsed) those saved before it. */
function fuzzList(data: ReportData): string {
  if (data.fuzz.length === 0) return '<p class="muted">no counterexamples in this directory</p>'
  const now = data.fuzz.map((f, i) => ({ f, i })).filter((x) => !x.f.earlier)
  const before = data.fuzz.map((f, i) => ({ f, i })).filter((x) => x.f.earlier)
  return `${now.length ? now.map((x) => fuzzSection(x.f, x.i)).join('\n') : '<p class="muted">no counterexample was saved during this run</p>'}${
    before.length
      ? `<details class="box"><summary>${before.length} counterexample(s) saved before this run</summary>${before.map((x) => fuzzSection(x.f, x.i)).join('\n')}</details>`
      : ''
  }`
}

/** Renders the whole page (see the module notes). */
export function renderReport(data: ReportData, options: RenderOptions = {}): string {
  const maxCalls = options.maxCalls ?? 300
  // requirement id → the row of its evidence (the first report that has it)
  const evidence = new Map<string, string>()
  data.conformance.forEach((c, i) => {
    for (const r of c.report.results) if (!evidence.has(r.id)) evidence.set(r.id, requirementAnchor(i, c.report.suite, r.id))
  })
  const drawn = new Set(data.calls.slice(0, maxCalls))
  const used = new Set<CallRecord>()
  const callsOf = (t: ReportTest): CallRecord[] => {
    const mine = data.calls.filter((c) => !used.has(c) && recordBelongsTo(c, t))
    for (const c of mine) used.add(c)
    return mine
  }
  // totals
  const totals = data.summary?.totals ?? {
    passed: data.tests.filter((t) => t.state === 'passed').length,
    failed: data.tests.filter((t) => t.state === 'failed').length,
    skipped: data.tests.filter((t) => t.state === 'skipped' || t.state === 'unknown').length,
  }
  const failedCalls = data.calls.filter(callFailed).length
  const mustFailures = data.conformance.reduce((n, c) => n + c.report.summary.mustFailures, 0)

  // tests grouped by file
  const files = new Map<string, ReportTest[]>()
  for (const t of data.tests) {
    const f = t.file ?? '(no file)'
    const list = files.get(f) ?? []
    list.push(t)
    files.set(f, list)
  }
  const fileBlocks = [...files.entries()].map(([file, tests]) => {
    const failed = tests.some((t) => t.state === 'failed')
    const blocks = tests.map((t) => testBlock(t, callsOf(t), drawn, data, evidence)).join('')
    const counts = `${tests.filter((t) => t.state === 'passed').length} passed, ${tests.filter((t) => t.state === 'failed').length} failed${tests.some((t) => t.state === 'skipped') ? `, ${tests.filter((t) => t.state === 'skipped').length} skipped` : ''}`
    return `<section class="file ${failed ? 'failed' : 'passed'}" id="${anchorId('file', file)}"><h3><span class="badge ${failed ? 'fail' : 'pass'}">${failed ? 'failed' : 'passed'}</span> ${esc(file)} <span class="muted">${esc(counts)}</span></h3>${blocks}</section>`
  })
  const others = data.calls.filter((c) => !used.has(c))
  const otherHtml = others.map((c) => (drawn.has(c) ? callSection(c, data.recordings) : '')).join('')
  const undrawn = data.calls.filter((c) => !drawn.has(c))
  const undrawnTable = undrawn.length
    ? `<div class="box"><p>${undrawn.length} more call(s) are listed but not drawn (the report draws ${maxCalls} at most):</p><table><thead><tr><th>call</th><th>kind</th><th>test</th><th>started</th><th>connect</th></tr></thead><tbody>${undrawn
        .map(
          (c) =>
            `<tr class="${callFailed(c) ? 'failed' : 'passed'}" id="${callAnchor(c)}"><td class="mono">${esc(c.id)}</td><td>${esc(c.kind)}</td><td>${esc(c.test?.name ?? '')}</td><td>${esc(c.startedAt)}</td><td class="num">${esc(ms(c.setup.connectMs))}</td></tr>`,
        )
        .join('')}</tbody></table></div>`
    : ''

  // head matter
  const warnings = data.warnings.length
    ? `<div class="box warnings" id="warnings"><b>${data.warnings.length} warning(s) while reading ${esc(data.reportDir)}</b><ul>${data.warnings.map((w) => `<li>${esc(w)}</li>`).join('')}</ul></div>`
    : ''
  const s = data.summary
  const infra = s?.infrastructureErrors.length
    ? `<div class="box infra"><b>Infrastructure errors</b><ul>${s.infrastructureErrors.map((e) => `<li>${esc(e.message)}${e.hint ? ` <span class="muted">(${esc(e.hint)})</span>` : ''}</li>`).join('')}</ul></div>`
    : ''
  const gates = s?.gates
    ? `<div class="box ${s.gates.passed ? 'passed' : 'failed'}" id="gates"><b>Gates</b> <span class="badge ${s.gates.passed ? 'pass' : 'fail'}">${s.gates.passed ? 'passed' : 'failed'}</span>${s.gates.source ? ` <span class="muted">${esc(s.gates.source)}</span>` : ''}<table><thead><tr><th>metric</th><th>threshold</th><th>worst value</th><th>samples</th><th>result</th><th>worst call</th></tr></thead><tbody>${s.gates.results
        .map(
          (g) =>
            `<tr class="${g.pass ? '' : 'bad-row'}"><td class="mono">${esc(g.metric)}</td><td class="mono">${esc(g.threshold)}</td><td class="num">${esc(num(g.actual, 4))}</td><td class="num">${g.samples}</td><td><span class="badge ${g.pass ? 'pass' : 'fail'}">${g.pass ? 'pass' : 'fail'}</span>${g.note ? ` <span class="muted">${esc(g.note)}</span>` : ''}</td><td>${g.worst ? `<a href="#${esc(anchorId('call', g.worst.callId))}">${esc(g.worst.test ?? g.worst.callId.slice(0, 8))}</a>` : ''}</td></tr>`,
        )
        .join('')}</tbody></table></div>`
    : ''
  const runLine = s
    ? `run ${esc(s.startedAt)} · ${esc(ms(s.durationMs))} · exit <b>${esc(s.exit.class)}</b> (${s.exit.code})${s.seed ? ` · seed ${esc(s.seed)}` : ''}`
    : `tests from the call records (no summary.json)`
  const failedTests = data.tests.filter((t) => t.state === 'failed')
  const failedBox = failedTests.length
    ? `<div class="box failed-list" id="failed-tests"><b class="bad">${failedTests.length} failed test(s)</b><ul>${failedTests.map((t) => `<li><a href="#${testAnchor(t)}">${esc(t.name)}</a> <span class="muted">${esc(t.file ?? '')}</span>${t.errors[0] ? `<div class="muted mono">${esc(t.errors[0].message.split('\n')[0]?.slice(0, 240) ?? '')}</div>` : ''}</li>`).join('')}</ul></div>`
    : ''
  const toc = data.tests.length
    ? `<details class="box"><summary><b>All tests</b> (${data.tests.length})</summary><ul class="toc">${data.tests.map((t) => `<li class="${stateClass(t.state)}"><span class="badge ${esc(t.state)}">${esc(t.state)}</span> <a href="#${testAnchor(t)}">${esc(t.name)}</a></li>`).join('')}</ul></details>`
    : ''

  const body = `<header class="top"><h1>${esc(data.title)}</h1>
<span class="totals"><span class="badge pass">${totals.passed} passed</span> <span class="badge fail">${totals.failed} failed</span> <span class="badge skipped">${totals.skipped} skipped</span></span>
<span class="meta">${runLine} · ${data.calls.length} call(s)${failedCalls ? `, ${failedCalls} with errors` : ''}</span>
<nav><a href="#tests">tests</a>${others.length ? '<a href="#other-calls">other calls</a>' : ''}<a href="#conformance">conformance</a><a href="#fuzz">fuzz</a></nav>
<label><input type="checkbox" id="failed-only"> failed only</label>
<input type="search" id="search" placeholder="filter tests by name or file">
</header>
<main>
${warnings}${infra}${failedBox}${gates}${toc}
<h2 id="tests">Tests <span class="muted">(${data.tests.length}${data.testsFrom === 'call-records' ? ', from the call records' : ''})</span></h2>
${fileBlocks.length ? fileBlocks.join('\n') : '<p class="muted">no tests recorded</p>'}
${others.length ? `<h2 id="other-calls">Other calls <span class="muted">(${others.length}, not tied to a listed test)</span></h2>${otherHtml}` : ''}
${undrawnTable}
<h2 id="conformance">Conformance <span class="muted">(${data.conformance.length} report(s)${mustFailures ? `, ${mustFailures} MUST failure(s)` : ''})</span></h2>
${data.conformance.length ? data.conformance.map((c, i) => conformanceSection(c, i)).join('\n') : '<p class="muted">no conformance reports in this directory</p>'}
<h2 id="fuzz">Fuzz counterexamples <span class="muted">(${data.fuzz.length})</span></h2>
${fuzzList(data)}
<footer>generated by rtcspec at ${esc(data.generatedAt)} from ${esc(data.reportDir)}</footer>
</main>`
  // uPlot and the chart set-up go in once, and only into a report that has a chart.
  const charts = body.includes('class="chart uplot-chart"')
  const script = charts ? `${uplotScript()}\n${CHART_INIT_JS}\n${REPORT_JS}` : REPORT_JS
  const styles = charts ? `${REPORT_CSS}\n${uplotStyles()}` : REPORT_CSS
  const scriptHash = createHash('sha256').update(script).digest('base64')
  const csp = `default-src 'none'; style-src 'unsafe-inline'; img-src data:; media-src data: 'self' file:; script-src 'sha256-${scriptHash}'; base-uri 'none'; form-action 'none'`
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${esc(csp)}">
<title>${esc(data.title)}</title>
<style>${styles}</style>
</head>
<body>
${body}
<script>${script}</script>
</body>
</html>
`
}
