/**
 * Reads a report directory into the data the HTML report is rendered from ({@link ReportData}): `summary.json`
 * (tolerated when missing or invalid: a visible warning, and the tests named in the call records instead),
 * `call_records.jsonl` (a line that is not a valid record is a warning, never a crash), conformance reports
 * (`conformance/*.json` from the Vitest suites, `conformance.json` and `conformance-*\/conformance.json` from
 * `rtcspec conformance`; with a run summary, files in `conformance/` older than the run are left out), fuzz counterexamples (`fuzz/*.json`) and the recordings the call records list.
 *
 * @module
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path'
import type { z } from 'zod'
import { ConformanceReportSchema } from '../conformance/report.ts'
import { FuzzCaseFileSchema } from '../fuzz/report.ts'
import { CallRecordSchema, type CallRecord } from '../peers/call-record.ts'
import type { ReportData, ReportRecording, ReportTest } from './html/model.ts'
import { RunSummarySchema } from './run-summary.ts'

/** Options of {@link collectReport}. */
export interface CollectOptions {
  /** Where the HTML file will be written (links are relative to its folder). Default `<dir>/index.html`. */
  outFile?: string
  /** Largest total of WAV bytes embedded as data: URIs. Default 16 MiB. */
  maxEmbedTotalBytes?: number
  /** Largest single WAV embedded. Default 4 MiB. */
  maxEmbedFileBytes?: number
  /** Largest WAV read for the waveform and spectrogram. Default 64 MiB. */
  maxPlotFileBytes?: number
  /** Page title. Default `rtcspec report`. */
  title?: string
}

/** At most this many warnings per source; the rest are counted. */
const MAX_WARNINGS_PER_SOURCE = 20

function issues(error: z.ZodError): string {
  return error.issues
    .slice(0, 4)
    .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    .join('; ')
}

function readJson(file: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(readFileSync(file, 'utf8')) }
  } catch (e) {
    return { ok: false, error: (e as Error).message }
  }
}

function jsonFiles(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((f) => join(dir, f))
  } catch {
    return []
  }
}

function posixRelative(from: string, to: string): string {
  return relative(from, to).split(sep).join('/')
}

/** The call records of `file`; every line that is not a valid record adds a warning. */
export function readCallRecords(file: string, warnings: string[]): CallRecord[] {
  if (!existsSync(file)) return []
  const out: CallRecord[] = []
  let bad = 0
  const lines = readFileSync(file, 'utf8').split('\n')
  lines.forEach((line, i) => {
    if (line.trim() === '') return
    let value: unknown
    let problem: string | undefined
    try {
      value = JSON.parse(line)
    } catch (e) {
      problem = `not JSON (${(e as Error).message})`
    }
    if (problem === undefined) {
      const r = CallRecordSchema.safeParse(value)
      if (r.success) {
        out.push(r.data)
        return
      }
      problem = `not a call record: ${issues(r.error)}`
    }
    bad++
    if (bad <= MAX_WARNINGS_PER_SOURCE) warnings.push(`call_records.jsonl line ${i + 1} skipped: ${problem}`)
  })
  if (bad > MAX_WARNINGS_PER_SOURCE) warnings.push(`call_records.jsonl: ${bad - MAX_WARNINGS_PER_SOURCE} more invalid line(s) skipped`)
  return out
}

/** The tests the call records name, when there is no summary: one per distinct test, failed if any record failed. */
export function testsFromRecords(calls: ReadonlyArray<CallRecord>): ReportTest[] {
  const byId = new Map<string, ReportTest>()
  for (const c of calls) {
    if (!c.test) continue
    const id = `${c.test.file ?? ''}::${c.test.name}`
    const prev = byId.get(id)
    const state: ReportTest['state'] = c.test.result === 'unknown' ? 'unknown' : c.test.result
    if (!prev) byId.set(id, { id, ...(c.test.file !== undefined ? { file: c.test.file } : {}), name: c.test.name, state, errors: [] })
    else if (state === 'failed' || (prev.state === 'unknown' && state === 'passed')) prev.state = state
  }
  return [...byId.values()]
}

/** Reads `dir` (see the module notes). Never throws on bad content; throws only when `dir` is not a directory. */
export function collectReport(dir: string, options: CollectOptions = {}): ReportData {
  const reportDir = resolve(dir)
  if (!existsSync(reportDir) || !statSync(reportDir).isDirectory()) {
    throw new Error(`report directory ${reportDir} does not exist (run \`rtcspec run\` first, or pass --report-dir)`)
  }
  const outDir = dirname(resolve(options.outFile ?? join(reportDir, 'index.html')))
  const warnings: string[] = []

  // summary.json
  let summary: ReportData['summary']
  const summaryFile = join(reportDir, 'summary.json')
  if (!existsSync(summaryFile)) {
    warnings.push('no summary.json: the test list is taken from the call records (tests without calls are not listed). `rtcspec run` writes it.')
  } else {
    const raw = readJson(summaryFile)
    if (!raw.ok) warnings.push(`summary.json is not JSON (${raw.error}): the test list is taken from the call records`)
    else {
      const r = RunSummarySchema.safeParse(raw.value)
      if (r.success) summary = r.data
      else warnings.push(`summary.json does not match rtcspec.run-summary/v1 (${issues(r.error)}): the test list is taken from the call records`)
    }
  }

  const calls = readCallRecords(join(reportDir, 'call_records.jsonl'), warnings)
  const tests: ReportTest[] = summary ? summary.tests.map((t) => ({ ...t })) : testsFromRecords(calls)

  // conformance reports
  const conformance: ReportData['conformance'] = []
  const conformanceFiles = [...jsonFiles(join(reportDir, 'conformance')), join(reportDir, 'conformance.json')]
  try {
    for (const d of readdirSync(reportDir).sort()) if (d.startsWith('conformance-')) conformanceFiles.push(join(reportDir, d, 'conformance.json'))
  } catch {
    // listed above already
  }
  // The Vitest suites add conformance/<suite>-<n>.json on every run: with a summary, older ones belong to earlier runs.
  const runStart = summary ? Date.parse(summary.startedAt) : undefined
  let stale = 0
  for (const f of conformanceFiles) {
    if (!existsSync(f)) continue
    if (runStart !== undefined && dirname(f) === join(reportDir, 'conformance') && statSync(f).mtimeMs < runStart) {
      stale++
      continue
    }
    const raw = readJson(f)
    const r = raw.ok ? ConformanceReportSchema.safeParse(raw.value) : undefined
    if (r?.success) conformance.push({ source: posixRelative(reportDir, f), report: r.data })
    else
      warnings.push(`${posixRelative(reportDir, f)} skipped: ${raw.ok ? `not a conformance report: ${r ? issues(r.error) : ''}` : `not JSON (${raw.error})`}`)
  }

  if (stale) warnings.push(`${stale} conformance report(s) in conformance/ are older than this run (${summary?.startedAt}) and are not shown`)

  // fuzz counterexamples
  const fuzz: ReportData['fuzz'] = []
  for (const f of jsonFiles(join(reportDir, 'fuzz'))) {
    const raw = readJson(f)
    const r = raw.ok ? FuzzCaseFileSchema.safeParse(raw.value) : undefined
    if (r?.success)
      fuzz.push({ source: posixRelative(reportDir, f), file: r.data, ...(runStart !== undefined && statSync(f).mtimeMs < runStart ? { earlier: true } : {}) })
    else warnings.push(`${posixRelative(reportDir, f)} skipped: ${raw.ok ? `not a fuzz case file: ${r ? issues(r.error) : ''}` : `not JSON (${raw.error})`}`)
  }

  // recordings
  const maxTotal = options.maxEmbedTotalBytes ?? 16 * 1024 * 1024
  const maxFile = options.maxEmbedFileBytes ?? 4 * 1024 * 1024
  const maxPlot = options.maxPlotFileBytes ?? 64 * 1024 * 1024
  let embedded = 0
  const recordings: Record<string, ReportRecording> = {}
  for (const c of calls) {
    for (const p of c.peers) {
      for (const rec of p.recordings ?? []) {
        if (Object.hasOwn(recordings, rec.path)) continue
        const candidates = isAbsolute(rec.path) ? [rec.path] : [resolve(rec.path), resolve(reportDir, rec.path)]
        const file = candidates.find((x) => existsSync(x)) ?? candidates[0] ?? rec.path
        const entry: ReportRecording = { path: rec.path, href: posixRelative(outDir, file), embed: false }
        if (rec.format === 'ivf' || rec.format === 'h264' || rec.format === 'webm') {
          // video: linked, with the filmstrip of decoded pictures written next to it when the call closed
          const strip = `${file}.filmstrip.png`
          if (existsSync(strip) && statSync(strip).size <= maxFile) entry.filmstrip = new Uint8Array(readFileSync(strip))
          else if (!existsSync(file)) entry.note = `recording not found: ${file}`
          recordings[rec.path] = entry
          continue
        }
        try {
          const size = statSync(file).size
          if (size > maxPlot) entry.note = `${(size / 1048576).toFixed(1)} MiB: too large to plot or embed; linked`
          else {
            entry.wav = new Uint8Array(readFileSync(file))
            if (size > maxFile)
              entry.note = `${(size / 1048576).toFixed(1)} MiB is over the ${(maxFile / 1048576).toFixed(0)} MiB embedding limit: the player links to the file`
            else if (embedded + size > maxTotal)
              entry.note = `the report already embeds ${(embedded / 1048576).toFixed(1)} MiB of audio (limit ${(maxTotal / 1048576).toFixed(0)} MiB): the player links to the file`
            else {
              entry.embed = true
              embedded += size
            }
          }
        } catch (e) {
          entry.note = `recording not readable (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}): ${file}`
        }
        recordings[rec.path] = entry
      }
    }
  }

  return {
    title: options.title ?? 'rtcspec report',
    generatedAt: new Date().toISOString(),
    reportDir,
    warnings,
    ...(summary ? { summary } : {}),
    tests,
    testsFrom: summary ? 'summary' : 'call-records',
    calls,
    recordings,
    conformance,
    fuzz,
  }
}
