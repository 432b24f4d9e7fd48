/**
 * `npm run bench`: runs every suite in bench/suites, prints one table and writes reports/bench.json
 * with the machine description. Select suites with `npm run bench -- <name> [<name>…]`.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, totalmem, release } from 'node:os'
import { join, resolve } from 'node:path'
import type { BenchRow, BenchSuite } from './row.ts'
import { weriftB2bSuite } from './suites/werift-b2b.ts'
import { accuracySuite } from './suites/accuracy.ts'
import { analysisSuite } from './suites/analysis.ts'
import { chromiumSuite } from './suites/chromium.ts'
import { codecsSuite } from './suites/codecs.ts'
import { servicesSuite } from './suites/services.ts'
import { sipSuite } from './suites/sip.ts'
import { whipWhepSuite } from './suites/whip-whep.ts'
import { fuzzSuite } from './suites/fuzz.ts'

const suites: BenchSuite[] = [weriftB2bSuite, analysisSuite, chromiumSuite, codecsSuite, servicesSuite, accuracySuite, sipSuite, whipWhepSuite, fuzzSuite]

function formatValue(v: number): string {
  if (!Number.isFinite(v)) return String(v)
  if (Math.abs(v) >= 100) return v.toFixed(0)
  if (Math.abs(v) >= 10) return v.toFixed(1)
  return v.toFixed(2)
}

export function formatTable(rows: BenchRow[]): string {
  const cells = rows.map((r) => [r.suite, r.metric, formatValue(r.value), r.unit, r.note ?? ''])
  const head = ['suite', 'metric', 'value', 'unit', 'how']
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)))
  const line = (c: string[]) => `| ${c.map((x, i) => (i === 2 ? x.padStart(widths[i]!) : x.padEnd(widths[i]!))).join(' | ')} |`
  return [line(head), `|${widths.map((w, i) => (i === 2 ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`, ...cells.map(line)].join('\n')
}

async function main(): Promise<void> {
  const only = process.argv.slice(2)
  const chosen = only.length ? suites.filter((s) => only.includes(s.name)) : suites
  if (only.length && chosen.length !== only.length) {
    process.stderr.write(`unknown suite(s): ${only.filter((o) => !suites.some((s) => s.name === o)).join(', ')}; known: ${suites.map((s) => s.name).join(', ')}\n`)
    process.exit(2)
  }
  const rows: BenchRow[] = []
  const errors: Array<{ suite: string; error: string }> = []
  for (const suite of chosen) {
    process.stderr.write(`[bench] ${suite.name}…\n`)
    try {
      rows.push(...(await suite.run((l) => process.stderr.write(`[bench] ${suite.name}: ${l}\n`))))
    } catch (e) {
      // A failing suite is reported; the rows already gathered are kept.
      errors.push({ suite: suite.name, error: e instanceof Error ? e.message : String(e) })
      process.stderr.write(`[bench] ${suite.name} failed: ${String(e)}\n`)
    }
  }
  const machine = { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', memoryGiB: +(totalmem() / 2 ** 30).toFixed(1), node: process.version, os: `${process.platform} ${release()}` }
  const dir = resolve(process.env.RTCSPEC_REPORT_DIR ?? 'reports')
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'bench.json'), `${JSON.stringify({ date: new Date().toISOString(), machine, rows, errors }, null, 2)}\n`)
  process.stdout.write(`\nrtcspec benchmarks — ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, Node ${machine.node}\n\n${formatTable(rows)}\n\nwritten to ${join(dir, 'bench.json')}\n`)
  if (errors.length) process.exit(1)
}

await main()
