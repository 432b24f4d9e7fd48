/**
 * The WHIP/WHEP conformance suites as Vitest spec files: `conformanceSuite('whip', { url })` declares one
 * test per requirement (named `<id> [<level> <document> §<section>]`). The suite runs once (in the first
 * test's time budget) and each test reports its requirement: a failed MUST fails the test with the reason
 * and the exchanges; a not-applicable or blocked requirement, and (unless `strict`) a failed SHOULD, is skipped with
 * the reason so it shows in the report. Without `url`, the embedded reference server is started and used.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, test, afterAll, type TestContext } from 'vitest'
import { reportDir } from '../peers/call-record.ts'
import { requirementsOf, type Suite } from '../conformance/catalog.ts'
import type { ConformanceReport, RequirementResult } from '../conformance/report.ts'
import { runConformance, type RunConformanceOptions } from '../conformance/runner.ts'
import { startMediaServer, type MediaServer, type MediaServerOptions } from '../whip/media-server.ts'

/** Options of {@link conformanceSuite}. */
export interface ConformanceSuiteOptions extends Omit<RunConformanceOptions, 'suite' | 'url'> {
  /** The endpoint to test; default: rtcspec's embedded reference server. */
  url?: string
  /** Fail the test of a SHOULD that failed (default false: skipped with the reason). */
  strict?: boolean
  /** Time budget of the whole suite run, ms (default 90 s). */
  timeoutMs?: number
  /** Options of the embedded reference server used when `url` is not given (e.g. a token, ICE servers). */
  embedded?: MediaServerOptions
}

function evidence(r: RequirementResult): string {
  return r.detail.exchanges
    .map(
      (x) =>
        `  ${x.request.method} ${x.request.url} → ${x.response ? `${x.response.status}${x.response.body ? ` ${JSON.stringify(x.response.body.slice(0, 160))}` : ''}` : `no response (${x.error})`}`,
    )
    .join('\n')
}

/**
 * Writes the report to `<reportDir>/conformance/<suite>-<n>.json` (the first free n) so the HTML report shows
 * the evidence per requirement. A write failure is a warning: it never fails the suite's tests.
 */
function saveSuiteReport(report: ConformanceReport): void {
  try {
    const dir = join(reportDir(), 'conformance')
    mkdirSync(dir, { recursive: true })
    const text = `${JSON.stringify(report, null, 2)}\n`
    for (let n = 1; n <= 10_000; n++) {
      try {
        writeFileSync(join(dir, `${report.suite}-${n}.json`), text, { flag: 'wx' })
        return
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e
      }
    }
  } catch (e) {
    console.warn(`rtcspec: could not save the ${report.suite} conformance report: ${(e as Error).message}`)
  }
}

/** Declares the suite's tests in the calling spec file. */
export function conformanceSuite(suite: Suite, options: ConformanceSuiteOptions = {}): void {
  const { url, strict = false, timeoutMs = 90_000, embedded, ...run } = options
  let server: MediaServer | undefined
  let report: Promise<ConformanceReport> | undefined
  const getReport = (): Promise<ConformanceReport> => {
    report ??= (async () => {
      let target = url
      const extra: Partial<RunConformanceOptions> = {}
      if (target === undefined) {
        server = await startMediaServer({ ...(run.token !== undefined ? { token: run.token } : {}), ...embedded })
        target = suite === 'whip' ? server.whipUrl() : server.whepUrl()
        if (suite === 'whip') extra.whepUrl = server.whepUrl()
        else extra.publishUrl = server.whipUrl()
      }
      const result = await runConformance({ ...extra, ...run, suite, url: target, strict })
      saveSuiteReport(result)
      return result
    })()
    return report
  }
  describe(`${suite.toUpperCase()} conformance${url ? ` of ${url}` : ' (embedded reference server)'}`, () => {
    afterAll(async () => {
      await server?.close()
    })
    for (const req of requirementsOf(suite)) {
      test(`${req.id} [${req.level} ${req.document} §${req.section}]`, { timeout: timeoutMs }, async (ctx: TestContext) => {
        const r = (await getReport()).results.find((x) => x.id === req.id)
        if (!r) return ctx.skip('not run (filtered out with `only`)')
        if (r.status === 'not-applicable') return ctx.skip(`not applicable: ${r.detail.reason}`)
        if (r.status === 'blocked') return ctx.skip(`blocked (${r.detail.precondition ?? 'a precondition failed'}): ${r.detail.reason}`)
        if (r.status === 'fail' && (req.level === 'MUST' || strict)) {
          throw new Error(`${req.id} (${req.level}, ${req.document} §${req.section}) failed: ${r.detail.reason}\n${req.text}\n${evidence(r)}`)
        }
        if (r.status === 'fail') return ctx.skip(`${req.level} failed (not strict): ${r.detail.reason}`)
      })
    }
  })
}
