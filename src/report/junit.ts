/**
 * `junit.xml` of an `rtcspec run`. Vitest's JUnit reporter writes it into a temporary file (it opens its output
 * when the run starts and fills it only when the run ends, so a run killed in between would leave an empty
 * file); the run then moves it into place atomically, with the skip reasons added. When Vitest never finished it
 * (an interrupted run), rtcspec writes one itself from the run summary (pure, {@link junitFromSummary}), in the
 * same shape: one `<testsuite>` per spec file, one `<testcase>` per test. No 0-byte or half-written
 * `junit.xml` is ever left for a CI step to choke on.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs'
import { hostname } from 'node:os'
import { writeFileAtomic } from '../atomic-write.ts'
import { addSkipReasons, escapeXmlAttribute } from './junit-skip-reasons.ts'
import type { RunSummary, TestSummary } from './run-summary.ts'

/** The file name Vitest's JUnit reporter writes into during a run (in the report directory). */
export const JUNIT_PARTIAL_FILE = '.junit.xml.partial'

/** Escapes XML text content (and drops characters XML 1.0 cannot carry). */
function escapeXmlText(s: string): string {
  return (
    s
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, '')
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
  )
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3)
}

function testcase(t: TestSummary): string {
  const open = `    <testcase classname="${escapeXmlAttribute(t.file)}" name="${escapeXmlAttribute(t.name)}" time="${seconds(t.durationMs)}">`
  if (t.state === 'skipped') return `${open}\n      <skipped${t.skipReason ? ` message="${escapeXmlAttribute(t.skipReason)}"` : ''}/>\n    </testcase>`
  if (t.state === 'failed') {
    const failures = t.errors.length ? t.errors : [{ message: 'failed', stack: undefined }]
    const body = failures
      .map(
        (e) =>
          `      <failure message="${escapeXmlAttribute(e.message.split('\n')[0] ?? '')}" type="${escapeXmlAttribute(e.code ?? 'Error')}">${escapeXmlText(e.stack ?? e.message)}</failure>`,
      )
      .join('\n')
    return `${open}\n${body}\n    </testcase>`
  }
  return `${open}\n    </testcase>`
}

/**
 * A JUnit document for a run summary: every test of the summary, grouped by file. An interrupted run says so in a
 * `<system-err>` of the whole run (the signal and how many tests did not finish).
 */
export function junitFromSummary(summary: RunSummary): string {
  const byFile = new Map<string, TestSummary[]>()
  for (const t of summary.tests) byFile.set(t.file, [...(byFile.get(t.file) ?? []), t])
  const count = (ts: readonly TestSummary[], s: TestSummary['state']) => ts.filter((t) => t.state === s).length
  const suites = [...byFile].map(([file, ts]) => {
    const time = ts.reduce((a, t) => a + t.durationMs, 0)
    return [
      `  <testsuite name="${escapeXmlAttribute(file)}" timestamp="${summary.startedAt}" hostname="${escapeXmlAttribute(hostname())}" tests="${ts.length}" failures="${count(ts, 'failed')}" errors="0" skipped="${count(ts, 'skipped')}" time="${seconds(time)}">`,
      ...ts.map(testcase),
      '  </testsuite>',
    ].join('\n')
  })
  const note = summary.interrupted
    ? `  <system-err>${escapeXmlText(`rtcspec run interrupted by ${summary.interrupted.signal} at ${summary.interrupted.at}; ${summary.interrupted.unfinished.length} test(s) did not finish (reported as skipped)`)}</system-err>\n`
    : ''
  const all = summary.tests
  return `<?xml version="1.0" encoding="UTF-8" ?>\n<testsuites name="rtcspec run" tests="${all.length}" failures="${count(all, 'failed')}" errors="0" time="${seconds(summary.durationMs)}">\n${suites.join('\n')}${suites.length ? '\n' : ''}${note}</testsuites>\n`
}

/** Whether `xml` is a JUnit document Vitest finished writing (not empty, the root element closed). */
export function junitComplete(xml: string): boolean {
  return /<testsuites\b/.test(xml) && /<\/testsuites>\s*$/.test(xml)
}

/**
 * Puts `<reportDir>/junit.xml` in place for a finished or interrupted run: Vitest's file from `partialFile` when it
 * is complete (with the skip reasons added), else one written from the summary. Atomic; removes `partialFile`.
 * Returns which one was used. Never throws (a warning on stderr).
 */
export function finalizeJunit(junitFile: string, partialFile: string, summary: RunSummary): 'vitest' | 'summary' | 'none' {
  try {
    const partial = existsSync(partialFile) ? readFileSync(partialFile, 'utf8') : ''
    let source: 'vitest' | 'summary'
    let xml: string
    if (junitComplete(partial)) {
      source = 'vitest'
      xml = addSkipReasons(partial, summary.tests).xml
    } else {
      source = 'summary'
      xml = junitFromSummary(summary)
    }
    writeFileAtomic(junitFile, xml)
    rmSync(partialFile, { force: true })
    return source
  } catch (e) {
    process.stderr.write(`rtcspec: could not write ${junitFile}: ${(e as Error).message}\n`)
    return 'none'
  }
}
