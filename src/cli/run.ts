/**
 * `rtcspec run [paths…]`: runs spec files through the Vitest node API with rtcspec's reporters,
 * writes reports (call records, JUnit) and exits non-zero when a test failed.
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { CallRecordSchema } from '../peers/call-record.ts'
import SummaryReporter from '../report/summary-reporter.ts'

export const RUN_USAGE = `usage: rtcspec run [paths…] [options]

Runs spec files (default: every *.spec.ts / *.test.ts Vitest finds) and writes reports.

options:
  --report-dir DIR   where reports go (default: reports/)
  --seed N           impairment seed for every call (default: random, printed on failure)
  --keep-records     append to an existing call_records.jsonl instead of starting a new one
  -t, --grep TEXT    only run tests whose name contains TEXT
  -h, --help         this text
`

/** What a finished run produced. */
export interface RunOutcome {
  passed: number
  failed: number
  skipped: number
  callRecords: number
  invalidRecords: string[]
  reportDir: string
}

/** Checks every line of a call_records.jsonl against the schema. */
export function validateCallRecords(file: string): { count: number; invalid: string[] } {
  if (!existsSync(file)) return { count: 0, invalid: [] }
  const invalid: string[] = []
  let count = 0
  const lines = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '')
  lines.forEach((line, i) => {
    count++
    let value: unknown
    try {
      value = JSON.parse(line)
    } catch (e) {
      invalid.push(`line ${i + 1}: not JSON (${(e as Error).message})`)
      return
    }
    const r = CallRecordSchema.safeParse(value)
    if (!r.success) invalid.push(`line ${i + 1}: ${r.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ')}`)
  })
  return { count, invalid }
}

/** Runs specs with Vitest and returns the outcome (does not exit the process). */
export async function runSpecs(paths: string[], options: { reportDir?: string; seed?: string; keepRecords?: boolean; grep?: string } = {}): Promise<RunOutcome> {
  const reportDir = resolve(options.reportDir ?? process.env.RTCSPEC_REPORT_DIR ?? 'reports')
  mkdirSync(reportDir, { recursive: true })
  const recordsFile = join(reportDir, 'call_records.jsonl')
  if (!options.keepRecords) rmSync(recordsFile, { force: true })
  process.env.RTCSPEC_REPORT_DIR = reportDir
  if (options.seed !== undefined) process.env.RTCSPEC_SEED = options.seed

  const { startVitest } = await import('vitest/node')
  const summary = new SummaryReporter()
  const vitest = await startVitest(
    'test',
    paths,
    {
      run: true,
      watch: false,
      ...(options.grep ? { testNamePattern: options.grep } : {}),
      reporters: ['default', summary, ['junit', { outputFile: join(reportDir, 'junit.xml') }]],
    },
  )
  await vitest?.close()
  const counts = summary.counts ?? { passed: 0, failed: vitest ? 0 : 1, skipped: 0 }
  const { count, invalid } = validateCallRecords(recordsFile)
  return { ...counts, callRecords: count, invalidRecords: invalid, reportDir }
}

/** The `run` subcommand. */
export async function runCommand(argv: string[]): Promise<number> {
  let parsed
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        'report-dir': { type: 'string' },
        seed: { type: 'string' },
        'keep-records': { type: 'boolean' },
        grep: { type: 'string', short: 't' },
        help: { type: 'boolean', short: 'h' },
      },
    })
  } catch (e) {
    process.stderr.write(`rtcspec run: ${(e as Error).message}\n\n${RUN_USAGE}`)
    return 2
  }
  const v = parsed.values
  if (v.help) {
    process.stdout.write(RUN_USAGE)
    return 0
  }
  if (v.seed !== undefined && !/^\d+$/.test(v.seed)) {
    process.stderr.write(`rtcspec run: --seed must be a non-negative integer, got "${v.seed}"\n`)
    return 2
  }
  for (const p of parsed.positionals) {
    if (!existsSync(p)) {
      process.stderr.write(`rtcspec run: no such file or directory: ${p}\n  hint: pass spec files or folders, e.g. rtcspec run specs/examples\n`)
      return 2
    }
  }
  const outcome = await runSpecs(parsed.positionals, {
    ...(v['report-dir'] ? { reportDir: v['report-dir'] } : {}),
    ...(v.seed !== undefined ? { seed: v.seed } : {}),
    ...(v['keep-records'] ? { keepRecords: true } : {}),
    ...(v.grep ? { grep: v.grep } : {}),
  })
  process.stdout.write(`rtcspec: ${outcome.callRecords} call record(s) in ${join(outcome.reportDir, 'call_records.jsonl')}, JUnit in ${join(outcome.reportDir, 'junit.xml')}\n`)
  if (outcome.invalidRecords.length) {
    process.stderr.write(`rtcspec: ${outcome.invalidRecords.length} call record(s) do not match the schema:\n  ${outcome.invalidRecords.join('\n  ')}\n`)
    return 1
  }
  return outcome.failed > 0 ? 1 : 0
}
