/**
 * `npm run bench`: runs the suites in bench/suites, prints ONE table (side-by-side rows adjacent, each with its
 * target and whether it is met) under the machine description, and writes reports/bench.json
 * (`RTCSPEC_REPORT_DIR` or `--report-dir` to write elsewhere).
 *
 *   npm run bench                          every suite (bounded: about 10 min on 2 cores)
 *   npm run bench -- --quick               fewer samples, shorter holds (a few minutes)
 *   npm run bench -- --only peers,sip      some suites (also: npm run bench -- peers sip)
 *   npm run bench -- --list                the suites and what they measure
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, release, totalmem } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { chromiumExecutable } from '../src/peers/chromium/browser.ts'
import { withVerdict, type BenchRow, type BenchSuite } from './row.ts'
import { peersSuite } from './suites/peers.ts'
import { accuracySuite } from './suites/accuracy.ts'
import { analysisSuite } from './suites/analysis.ts'
import { chromiumSuite } from './suites/chromium.ts'
import { codecsSuite } from './suites/codecs.ts'
import { servicesSuite } from './suites/services.ts'
import { sipSuite } from './suites/sip.ts'
import { whipWhepSuite } from './suites/whip-whep.ts'
import { fuzzSuite } from './suites/fuzz.ts'
import { videoSuite } from './suites/video.ts'

/** Every suite, in table order: the side-by-side comparisons (werift vs Chromium, rtcspec vs SIPp) first. */
export const suites: BenchSuite[] = [
  peersSuite,
  sipSuite,
  chromiumSuite,
  codecsSuite,
  analysisSuite,
  accuracySuite,
  servicesSuite,
  whipWhepSuite,
  fuzzSuite,
  videoSuite,
]

/**
 * Each suite's deadline (it skips steps that no longer fit), by suite name; suites not listed get `default`.
 * A suite still running GRACE_MS past its deadline is given up on (an error row says so) and the run moves on.
 */
const SUITE_BUDGET_MS: Record<'full' | 'quick', Record<string, number>> = {
  full: { default: 90_000, peers: 300_000, chromium: 90_000, sip: 90_000, video: 300_000 },
  quick: { default: 60_000, peers: 120_000, video: 180_000 },
}
const GRACE_MS = 60_000

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')

/** The machine and tool versions the numbers were measured with. */
export interface MachineDescription {
  cpuModel: string
  cpus: number
  memoryGiB: number
  node: string
  os: string
  werift: string
  chromium: string
  sipp: string
  /** 1-minute load average when the run started and ended (a shared machine shows here). */
  loadAverage: { start: number; end?: number }
}

function firstLine(cmd: string, args: string[], pattern: RegExp): string {
  try {
    const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 10_000 })
    if (r.error || r.status === null) return 'not installed'
    const m = pattern.exec(`${r.stdout}\n${r.stderr}`)
    return m ? m[1]!.trim() : 'unknown version'
  } catch {
    return 'not installed'
  }
}

function packageVersion(name: string): string {
  try {
    return (JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version?: string }).version ?? 'unknown'
  } catch {
    return 'not installed'
  }
}

/** Describes this machine and the tools the suites use. */
export function describeMachine(): MachineDescription {
  return {
    cpuModel: cpus()[0]?.model?.trim() ?? 'unknown',
    cpus: cpus().length,
    memoryGiB: +(totalmem() / 2 ** 30).toFixed(1),
    node: process.version,
    os: `${process.platform} ${release()}`,
    werift: packageVersion('werift'),
    chromium: firstLine(chromiumExecutable(), ['--version'], /(Chromium [\d.]+)/),
    sipp: firstLine('sipp', ['-v'], /(SIPp v[^\s,]+)/),
    loadAverage: { start: +loadavg()[0]!.toFixed(2) },
  }
}

function formatValue(r: BenchRow): string {
  const v = r.value
  if (r.na) return r.na
  if (!Number.isFinite(v)) return String(v)
  if (Number.isInteger(v) || Math.abs(v) >= 100) return v.toFixed(0)
  if (Math.abs(v) >= 10) return v.toFixed(1)
  return v.toFixed(2)
}

function formatTarget(r: BenchRow): string {
  return r.target ? `${r.target.op} ${r.target.value}` : ''
}

/** The rows as one Markdown-compatible table. */
export function formatTable(rows: BenchRow[]): string {
  const cells = rows.map((r) => [
    r.suite,
    r.metric,
    r.subject ?? '',
    formatValue(r),
    r.unit,
    formatTarget(r),
    r.met === undefined ? '' : r.met ? 'yes' : 'NO',
    r.note ?? '',
  ])
  const head = ['suite', 'metric', 'subject', 'value', 'unit', 'target', 'met', 'how']
  const right = new Set([3])
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)))
  const line = (c: string[]) => `| ${c.map((x, i) => (right.has(i) ? x.padStart(widths[i]!) : x.padEnd(widths[i]!))).join(' | ')} |`
  return [line(head), `|${widths.map((w, i) => (right.has(i) ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`, ...cells.map(line)].join('\n')
}

/** The header lines printed above the table. */
export function formatMachine(m: MachineDescription, wallS?: number): string {
  return [
    `rtcspec benchmarks — ${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB, Node ${m.node}, ${m.os}`,
    `werift ${m.werift}; ${m.chromium}; ${m.sipp}; load average ${m.loadAverage.start}${m.loadAverage.end !== undefined ? ` → ${m.loadAverage.end}` : ''}${wallS !== undefined ? `; wall time ${wallS.toFixed(0)} s` : ''}`,
  ].join('\n')
}

interface Args {
  only: string[]
  quick: boolean
  list: boolean
  reportDir: string | undefined
}

function parseArgs(argv: string[]): Args {
  const args: Args = { only: [], quick: false, list: false, reportDir: undefined }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (a === '--quick') args.quick = true
    else if (a === '--list') args.list = true
    else if (a === '--only') args.only.push(...(argv[++i] ?? '').split(',').filter(Boolean))
    else if (a.startsWith('--only=')) args.only.push(...a.slice(7).split(',').filter(Boolean))
    else if (a === '--report-dir') args.reportDir = argv[++i]
    else if (a.startsWith('--')) {
      process.stderr.write(`unknown option ${a}; use --quick, --only <suite,…>, --list, --report-dir <dir>\n`)
      process.exit(2)
    } else args.only.push(a)
  }
  return args
}

function withBudget<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within its ${ms / 1000} s budget`)), ms)
  })
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer))
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2))
  if (args.list) {
    for (const s of suites) process.stdout.write(`${s.name.padEnd(10)} ${s.description ?? ''}\n`)
    return
  }
  const chosen = args.only.length ? suites.filter((s) => args.only.includes(s.name)) : suites
  const unknown = args.only.filter((o) => !suites.some((s) => s.name === o))
  if (unknown.length) {
    process.stderr.write(`unknown suite(s): ${unknown.join(', ')}; known: ${suites.map((s) => s.name).join(', ')}\n`)
    process.exit(2)
  }
  const machine = describeMachine()
  process.stderr.write(`${formatMachine(machine)}\n`)
  const t0 = performance.now()
  const rows: BenchRow[] = []
  const errors: Array<{ suite: string; error: string }> = []
  const budgets = args.quick ? SUITE_BUDGET_MS.quick : SUITE_BUDGET_MS.full
  for (const suite of chosen) {
    const s0 = performance.now()
    const budget = budgets[suite.name] ?? budgets.default!
    process.stderr.write(`[bench] ${suite.name} (budget ${budget / 1000} s)…\n`)
    try {
      const got = await withBudget(
        suite.run((l) => process.stderr.write(`[bench] ${suite.name}: ${l}\n`), { quick: args.quick, deadline: s0 + budget }),
        budget + GRACE_MS,
        `suite ${suite.name}`,
      )
      rows.push(...got.map(withVerdict))
    } catch (e) {
      // A failing suite is reported; the rows already gathered are kept.
      const message = e instanceof Error ? e.message.split('\n')[0]! : String(e)
      errors.push({ suite: suite.name, error: message })
      rows.push({ suite: suite.name, metric: '(suite failed)', value: Number.NaN, unit: '', note: message })
      process.stderr.write(`[bench] ${suite.name} failed: ${message}\n`)
    }
    process.stderr.write(`[bench] ${suite.name} took ${((performance.now() - s0) / 1000).toFixed(0)} s\n`)
  }
  const wallS = (performance.now() - t0) / 1000
  machine.loadAverage.end = +loadavg()[0]!.toFixed(2)
  const dir = resolve(args.reportDir ?? process.env.RTCSPEC_REPORT_DIR ?? join(root, 'reports'))
  mkdirSync(dir, { recursive: true })
  const file = join(dir, 'bench.json')
  writeFileSync(file, `${JSON.stringify({ date: new Date().toISOString(), quick: args.quick, wallS: +wallS.toFixed(1), machine, rows, errors }, null, 2)}\n`)
  const targets = rows.filter((r) => r.met !== undefined)
  process.stdout.write(
    `\n${formatMachine(machine, wallS)}\n\n${formatTable(rows)}\n\ntargets met: ${targets.filter((r) => r.met).length} of ${targets.length}${errors.length ? `; suites failed: ${errors.map((e) => e.suite).join(', ')}` : ''}\nwritten to ${file}\n`,
  )
  // Suites close what they open; anything a timed-out suite left running must not keep the process alive.
  process.exit(errors.length ? 1 : 0)
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main()
