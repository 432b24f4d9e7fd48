/**
 * `rtcspec/reporter` in a project's own Vitest, in watch mode: every rerun starts a fresh call_records.jsonl and
 * rewrites summary.json and index.html for that run (with keepRecords the records pile up, which is what a plain
 * `vitest --watch` did before). A real Vitest in watch mode, driven through its node API, runs a spec that
 * writes one call record per run.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { startVitest } from 'vitest/node'
import RtcspecReporter from '../../src/report/rtcspec-reporter.ts'
import { RunSummarySchema } from '../../src/report/run-summary.ts'

const callRecordModule = resolve(import.meta.dirname, '../../src/peers/call-record.ts')
const work = mkdtempSync(join(tmpdir(), 'rtcspec-reporter-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

const SPEC = `import { test, expect } from 'vitest'
import { appendCallRecord, buildCallRecord } from ${JSON.stringify(callRecordModule)}

test('places one call', async () => {
  appendCallRecord(await buildCallRecord({ kind: 'watch-test', peers: [], startedAt: new Date() }))
  expect(1).toBe(1)
})
`

function lines(file: string): number {
  return existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l.trim() !== '').length
    : 0
}

async function waitFor(what: string, ok: () => boolean, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** Runs the spec in watch mode, then reruns it once; returns the record counts after each run and the summaries. */
async function watchTwice(name: string, keepRecords: boolean) {
  const dir = join(work, name)
  const reportDir = join(dir, 'reports')
  writeFileSync(join(work, `${name}.spec.ts`), SPEC)
  const savedEnv = process.env.RTCSPEC_REPORT_DIR
  const reporter = new RtcspecReporter({ reportDir, keepRecords, gates: false, log: false })
  const vitest = await startVitest('test', [], {
    root: work,
    config: false,
    watch: true,
    include: [`${name}.spec.ts`],
    reporters: [reporter],
    pool: 'threads',
    maxWorkers: 1,
  })
  try {
    if (!vitest) throw new Error('Vitest did not start')
    await waitFor('the first run to finish', () => reporter.last !== undefined)
    const first = {
      records: lines(join(reportDir, 'call_records.jsonl')),
      summary: RunSummarySchema.parse(JSON.parse(readFileSync(join(reportDir, 'summary.json'), 'utf8'))),
    }
    rmSync(join(reportDir, 'index.html'), { force: true })
    const firstRun = reporter.last
    await vitest.rerunTestSpecifications(await vitest.globTestSpecifications(), true)
    await waitFor('the rerun to finish', () => reporter.last !== firstRun)
    const second = {
      records: lines(join(reportDir, 'call_records.jsonl')),
      summary: RunSummarySchema.parse(JSON.parse(readFileSync(join(reportDir, 'summary.json'), 'utf8'))),
    }
    return { first, second, runs: reporter.runs, html: existsSync(join(reportDir, 'index.html')) }
  } finally {
    await vitest?.close()
    if (savedEnv === undefined) delete process.env.RTCSPEC_REPORT_DIR
    else process.env.RTCSPEC_REPORT_DIR = savedEnv
  }
}

describe('rtcspec/reporter in watch mode', () => {
  it('starts a fresh call_records.jsonl per run and rewrites summary.json and index.html', async () => {
    const r = await watchTwice('fresh', false)
    expect(r.runs).toBe(2)
    expect(r.first.records).toBe(1)
    expect(r.second.records).toBe(1)
    expect(r.second.summary.callRecords.count).toBe(1)
    expect(r.second.summary.totals).toMatchObject({ passed: 1, failed: 0 })
    expect(r.second.summary.exit.class).toBe('ok')
    expect(Date.parse(r.second.summary.startedAt)).toBeGreaterThanOrEqual(Date.parse(r.first.summary.endedAt))
    expect(r.html).toBe(true)
  }, 90_000)

  it('with keepRecords, appends across runs (the summary counts every record)', async () => {
    const r = await watchTwice('keep', true)
    expect(r.first.records).toBe(1)
    expect(r.second.records).toBe(2)
    expect(r.second.summary.callRecords.count).toBe(2)
  }, 90_000)

  it('rejects unknown options', () => {
    expect(() => new RtcspecReporter({ reportdir: 'x' } as never)).toThrow(/reportdir/)
  })
})
