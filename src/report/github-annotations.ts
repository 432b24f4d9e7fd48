/**
 * GitHub Actions output for a finished run (pure): workflow commands (`::error file=…,line=…,title=…::message`)
 * that annotate the failed tests, broken gates and infrastructure errors in the job's UI, and a markdown summary
 * for `$GITHUB_STEP_SUMMARY`. Escaping follows the workflow-command rules of `@actions/core`: in data `%`, CR and
 * LF become `%25`, `%0D`, `%0A`; in properties also `:` and `,` become `%3A`, `%2C`.
 */
import type { GateResult, RunSummary, TestSummary } from './run-summary.ts'
import { formatMetricValue, gateWhere } from './gates.ts'

/** Escapes a workflow command's message. */
export function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A')
}

/** Escapes a workflow command's property value (`file`, `title`, …). */
export function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C')
}

/** Properties of an annotation. */
export interface AnnotationProperties {
  file?: string
  line?: number
  endLine?: number
  col?: number
  title?: string
}

/** One workflow command line, e.g. `::error file=a.ts,line=3,title=x::message`. */
export function workflowCommand(command: 'error' | 'warning' | 'notice', props: AnnotationProperties, message: string): string {
  const parts = Object.entries(props)
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => `${k}=${escapeProperty(String(v))}`)
  return `::${command}${parts.length ? ` ${parts.join(',')}` : ''}::${escapeData(message)}`
}

/** GitHub shows at most 10 error annotations per step and 50 per job; more are dropped, so we stop earlier and say so. */
export const MAX_ANNOTATIONS = 50

const MAX_MESSAGE = 4000

function clip(s: string, n = MAX_MESSAGE): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s
}

function testTitle(t: TestSummary): string {
  return t.requirement
    ? `${t.requirement.id} (${[t.requirement.level, t.requirement.document, t.requirement.section && `§${t.requirement.section}`].filter(Boolean).join(' ')})`
    : t.name
}

function gateMessage(g: GateResult): string {
  const worst = g.actual !== undefined ? `worst ${formatMetricValue(g.metric, g.actual)} over ${g.samples} call(s)` : 'no samples'
  return `gate ${g.metric} ${g.threshold} failed: ${worst}${g.worst ? ` in ${gateWhere(g)}` : ''}${g.note ? ` (${g.note})` : ''}`
}

/**
 * The workflow commands for a run: an `error` per failed test (at its file and line), per failed gate (at the
 * config file), per infrastructure error; a `warning` per skipped conformance requirement that failed a
 * SHOULD. At most {@link MAX_ANNOTATIONS}, then one notice saying how many were left out.
 */
export function githubAnnotations(summary: RunSummary): string[] {
  const out: string[] = []
  for (const e of summary.infrastructureErrors) {
    out.push(
      workflowCommand(
        'error',
        { ...(e.file ? { file: e.file } : {}), title: `rtcspec infrastructure error${e.code ? ` (${e.code})` : ''}` },
        clip(`${e.message}${e.hint ? `\nhint: ${e.hint}` : ''}`),
      ),
    )
  }
  for (const t of summary.tests) {
    if (t.state === 'failed') {
      const message = t.errors.length ? t.errors.map((e) => e.message).join('\n\n') : 'failed'
      out.push(workflowCommand('error', { file: t.file, ...(t.line !== undefined ? { line: t.line } : {}), title: clip(testTitle(t), 300) }, clip(message)))
    } else if (t.state === 'skipped' && t.requirement && t.skipReason && /failed/.test(t.skipReason)) {
      out.push(
        workflowCommand('warning', { file: t.file, ...(t.line !== undefined ? { line: t.line } : {}), title: clip(testTitle(t), 300) }, clip(t.skipReason)),
      )
    }
  }
  for (const g of summary.gates?.results ?? []) {
    if (!g.pass)
      out.push(
        workflowCommand(
          'error',
          { ...(summary.gates?.source ? { file: summary.gates.source } : {}), title: `rtcspec gate ${g.metric} ${g.threshold}` },
          clip(gateMessage(g)),
        ),
      )
  }
  if (out.length > MAX_ANNOTATIONS) {
    const left = out.length - (MAX_ANNOTATIONS - 1)
    return [
      ...out.slice(0, MAX_ANNOTATIONS - 1),
      workflowCommand('notice', { title: 'rtcspec' }, `${left} more annotation(s) left out; see reports/summary.json`),
    ]
  }
  return out
}

/** Escapes text for a markdown table cell. */
export function markdownCell(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>')
}

const ICON = { passed: '✅', failed: '❌', skipped: '⏭️' } as const

/** A markdown summary of the run for `$GITHUB_STEP_SUMMARY`: totals and exit class, gates, failed tests, infrastructure errors. */
export function githubStepSummary(summary: RunSummary, options: { maxFailures?: number } = {}): string {
  const maxFailures = options.maxFailures ?? 30
  const { totals, exit } = summary
  const lines: string[] = []
  lines.push(`## rtcspec run: ${exit.class === 'ok' ? '✅ passed' : `❌ ${exit.class}`} (exit ${exit.code})`, '')
  lines.push(
    `${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped · ${summary.callRecords.count} call record(s) · ${(summary.durationMs / 1000).toFixed(1)} s`,
    '',
  )
  if (summary.gates?.results.length) {
    lines.push(
      `### Gates${summary.gates.source ? ` (${markdownCell(summary.gates.source)})` : ''}`,
      '',
      '| metric | threshold | worst | samples | call/test | |',
      '|---|---|---|---:|---|---|',
    )
    for (const g of summary.gates.results) {
      lines.push(
        `| \`${markdownCell(g.metric)}\` | \`${markdownCell(g.threshold)}\` | ${markdownCell(formatMetricValue(g.metric, g.actual))} | ${g.samples} | ${markdownCell(g.worst ? gateWhere(g) : (g.note ?? 'no samples'))} | ${g.pass ? '✅' : '❌'} |`,
      )
    }
    lines.push('')
  }
  const failed = summary.tests.filter((t) => t.state === 'failed')
  if (failed.length) {
    lines.push('### Failed tests', '', '| | test | file | error |', '|---|---|---|---|')
    for (const t of failed.slice(0, maxFailures)) {
      const err = (t.errors[0]?.message ?? '').split('\n')[0] ?? ''
      lines.push(
        `| ${ICON.failed} | ${markdownCell(t.name)} | ${markdownCell(`${t.file}${t.line !== undefined ? `:${t.line}` : ''}`)} | ${markdownCell(clip(err, 300))} |`,
      )
    }
    if (failed.length > maxFailures) lines.push('', `…and ${failed.length - maxFailures} more (reports/summary.json).`)
    lines.push('')
  }
  if (summary.infrastructureErrors.length) {
    lines.push('### Infrastructure errors', '')
    for (const e of summary.infrastructureErrors)
      lines.push(`- ${markdownCell(clip(e.message.split('\n')[0] ?? '', 500))}${e.hint ? ` — hint: ${markdownCell(e.hint)}` : ''}`)
    lines.push('')
  }
  return `${lines.join('\n')}\n`
}
