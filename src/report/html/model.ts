/**
 * What the HTML report is rendered from: everything `collectReport` (src/report/collect.ts) read from a report
 * directory, already validated. The renderer only reads this; it does no I/O.
 *
 * @module
 */
import type { ConformanceReport } from '../../conformance/report.ts'
import type { FuzzCaseFile } from '../../fuzz/report.ts'
import type { CallRecord } from '../../peers/call-record.ts'
import type { RunSummary, TestSummary } from '../run-summary.ts'

/** One test as the report lists it. */
export interface ReportTest {
  id: string
  file?: string
  name: string
  state: TestSummary['state'] | 'unknown'
  durationMs?: number
  skipReason?: string
  errors: TestSummary['errors']
  requirement?: TestSummary['requirement']
  annotations?: TestSummary['annotations']
}

/** A recording file the report shows (player, waveform, spectrogram). */
export interface ReportRecording {
  /** The path as the call record names it. */
  path: string
  /** Link to the file relative to the HTML file (used when the audio is not embedded). */
  href: string
  /** The WAV bytes, when the file could be read (for the plots, and the player when `embed`). */
  wav?: Uint8Array
  /** Put the WAV into the page as a data: URI (within the size cap). */
  embed: boolean
  /** Why it is not embedded or not shown (too large, missing, unreadable). */
  note?: string
  /** Video recordings: the filmstrip PNG of decoded pictures with their frame codes, when one was written. */
  filmstrip?: Uint8Array
}

/** Everything the report shows. */
export interface ReportData {
  /** Page title. */
  title: string
  /** ISO time the report was generated. */
  generatedAt: string
  /** The report directory read. */
  reportDir: string
  /** Problems found while reading (missing or invalid summary, garbage lines): shown at the top of the page. */
  warnings: string[]
  /** The run summary, when summary.json was present and valid. */
  summary?: RunSummary
  /** The tests: from summary.json, else the tests the call records name. */
  tests: ReportTest[]
  /** Whether `tests` came from summary.json (`summary`) or from the call records (`call-records`). */
  testsFrom: 'summary' | 'call-records'
  /** Valid call records, in file order. */
  calls: CallRecord[]
  /** Recordings by the path the call record gives. */
  recordings: Record<string, ReportRecording>
  /** Conformance reports (from the Vitest suites and `rtcspec conformance`). */
  conformance: Array<{ source: string; report: ConformanceReport }>
  /** Fuzz counterexamples; `earlier` when the file is older than the run the summary describes. */
  fuzz: Array<{ source: string; file: FuzzCaseFile; earlier?: boolean }>
}

/** Whether a call record belongs to `test` (records name the test by Vitest's full name, which may start with the file). */
export function recordBelongsTo(record: CallRecord, test: Pick<ReportTest, 'file' | 'name'>): boolean {
  const t = record.test
  if (!t) return false
  if (t.name === test.name) return test.file === undefined || t.file === undefined || sameFile(t.file, test.file)
  if (test.file !== undefined && t.name === `${test.file} > ${test.name}`) return true
  return t.name.endsWith(` > ${test.name}`) && (t.file === undefined || test.file === undefined || sameFile(t.file, test.file))
}

function sameFile(a: string, b: string): boolean {
  const x = a.replace(/\\/g, '/')
  const y = b.replace(/\\/g, '/')
  return x === y || x.endsWith(`/${y}`) || y.endsWith(`/${x}`)
}
