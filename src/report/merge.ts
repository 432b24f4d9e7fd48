/**
 * `rtcspec merge`'s work: combines shard result directories (`rtcspec run --shard i/N`) into one report directory.
 * The shards are read and checked as a set (src/report/merge-check.ts; a refused set writes nothing); every other
 * file of a shard (recordings, attachments, conformance and fuzz reports, service logs) is copied into the merged
 * directory under the same relative path — under `shards/<i>/` when another shard already put a different file
 * there — and the recording paths of the call records and the attachment paths of the tests are rewritten to the
 * copies. The call records are written as one `call_records.jsonl`, the summary (gates over the union) as
 * `summary.json`, and `junit.xml` from that summary: every test once. Everything is written atomically.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path'
import { writeFileAtomic } from '../atomic-write.ts'
import type { CallRecord } from '../peers/call-record.ts'
import type { GateSpec } from './gates.ts'
import { junitFromSummary } from './junit.ts'
import { checkShardSet } from './merge-check.ts'
import { readShardDir, type ShardProblem, type ShardResult } from './merge-read.ts'
import { gateFromJson, SHARD_FILE } from './merge-shard.ts'
import { mergedSummary } from './merge-summary.ts'
import { CALL_RECORDS_FILE } from './run-finish.ts'
import type { RunSummary, TestSummary } from './run-summary.ts'
import { JUNIT_PARTIAL_FILE } from './junit.ts'

/** Options of {@link mergeShards}. */
export interface MergeOptions {
  /** Where the merged report goes. */
  outDir: string
  /** The gates to evaluate over the union; default the gates the shards ran with. */
  gates?: GateSpec[]
  gatesSource?: string
}

/** What {@link mergeShards} did. */
export type MergeOutcome =
  | { refused: string[]; problems: ShardProblem[] }
  | {
      refused?: undefined
      summary: RunSummary
      summaryFile: string
      outDir: string
      /** The shards merged. */
      shards: ShardResult[]
      /** Directories that could not be merged. */
      problems: ShardProblem[]
      /** Things to know that did not stop the merge (a missing junit.xml, a recording not found). */
      warnings: string[]
      callRecords: number
    }

/** Files of a shard directory that the merge writes itself instead of copying. */
const OWN_FILES = new Set(['summary.json', 'junit.xml', CALL_RECORDS_FILE, SHARD_FILE, 'index.html', 'report-screenshot.png', JUNIT_PARTIAL_FILE])

function posix(p: string): string {
  return p.split(sep).join('/')
}

/** Every file under `dir` (relative, posix), leaving out the merge's own files and dot files at the top. */
function filesUnder(dir: string, limit = 100_000): string[] {
  const out: string[] = []
  const walk = (rel: string) => {
    for (const e of readdirSync(join(dir, rel), { withFileTypes: true })) {
      if (out.length >= limit) return
      const r = rel ? `${rel}/${e.name}` : e.name
      if (!rel && (OWN_FILES.has(e.name) || e.name.startsWith('.'))) continue
      if (e.isDirectory()) walk(r)
      else if (e.isFile()) out.push(r)
    }
  }
  walk('')
  return out.sort()
}

function sameContent(a: string, b: string): boolean {
  if (statSync(a).size !== statSync(b).size) return false
  return readFileSync(a).equals(readFileSync(b))
}

/** Copies a shard's other files into `outDir`; returns where each relative path went (relative to `outDir`). */
function copyShardFiles(shard: ShardResult, outDir: string, placed: Set<string>): Map<string, string> {
  const map = new Map<string, string>()
  for (const rel of filesUnder(shard.dir)) {
    const from = join(shard.dir, rel)
    let to = rel
    const target = join(outDir, rel)
    if (placed.has(rel) && !sameContent(from, target)) to = `shards/${shard.info.index}/${rel}`
    if (!placed.has(to) || to !== rel) {
      mkdirSync(dirname(join(outDir, to)), { recursive: true })
      copyFileSync(from, join(outDir, to))
    }
    placed.add(to)
    map.set(rel, to)
  }
  return map
}

/** Where a path a shard wrote (absolute, or relative to its working directory) now is, if it was inside its report directory. */
function movedPath(path: string, shard: ShardResult, moved: Map<string, string>, outDir: string): string | undefined {
  const abs = isAbsolute(path) ? path : resolve(shard.info.cwd, path)
  const rel = relative(shard.info.reportDir, abs)
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return undefined
  const to = moved.get(posix(rel))
  return to === undefined ? undefined : join(outDir, to)
}

/** The shard's call records with their recording paths pointing at the copies in `outDir`. */
function rewriteRecords(shard: ShardResult, moved: Map<string, string>, outDir: string, warnings: string[]): CallRecord[] {
  return shard.records.map((r) => ({
    ...r,
    peers: r.peers.map((p) =>
      p.recordings
        ? {
            ...p,
            recordings: p.recordings.map((rec) => {
              const path = movedPath(rec.path, shard, moved, outDir)
              if (path === undefined && !existsSync(isAbsolute(rec.path) ? rec.path : resolve(shard.info.cwd, rec.path)))
                warnings.push(`recording ${rec.path} of call ${r.id} (${shard.dir}) was not found in the shard's directory`)
              const pcap = rec.pcap !== undefined ? movedPath(rec.pcap, shard, moved, outDir) : undefined
              return { ...rec, ...(path !== undefined ? { path } : {}), ...(pcap !== undefined ? { pcap } : {}) }
            }),
          }
        : p,
    ),
  }))
}

/** The shard's tests with their attachment paths (relative to the report directory) pointing at the copies. */
function rewriteTests(shard: ShardResult, moved: Map<string, string>): TestSummary[] {
  return shard.summary.tests.map((t) =>
    t.annotations
      ? {
          ...t,
          annotations: t.annotations.map((a) => {
            if (a.path === undefined || isAbsolute(a.path)) return a
            const to = moved.get(posix(a.path))
            return to !== undefined ? { ...a, path: to } : a
          }),
        }
      : t,
  )
}

/**
 * Merges the shard result directories `dirs` into `options.outDir` (see the module notes). Returns `refused` (and
 * writes nothing) when the set does not belong together; otherwise the merged summary.
 */
export function mergeShards(dirs: readonly string[], options: MergeOptions): MergeOutcome {
  const outDir = resolve(options.outDir)
  const shards: ShardResult[] = []
  const problems: ShardProblem[] = []
  for (const d of dirs) {
    const r = readShardDir(d)
    if (r.ok) shards.push(r.shard)
    else problems.push(r.problem)
  }
  const check = checkShardSet(shards, problems)
  const refused = [...check.refused]
  if (dirs.length === 0) refused.push('no shard directory given: pass the result directories of every shard, e.g. rtcspec merge shards/*')
  for (const d of dirs) {
    const inside = relative(resolve(d), outDir)
    if (inside === '') refused.push(`the merged report would overwrite the shard ${outDir}: pass another --report-dir`)
    else if (!inside.startsWith('..') && !isAbsolute(inside))
      refused.push(`the merged report would go inside the shard ${resolve(d)}: pass a --report-dir outside it`)
  }
  if (refused.length) return { refused, problems }

  shards.sort((a, b) => a.info.index - b.info.index)
  const warnings = shards.flatMap((s) => s.warnings)
  mkdirSync(outDir, { recursive: true })
  for (const f of OWN_FILES) rmSync(join(outDir, f), { force: true })
  const placed = new Set<string>()
  const records: CallRecord[] = []
  const tests: TestSummary[] = []
  for (const s of shards) {
    const moved = copyShardFiles(s, outDir, placed)
    records.push(...rewriteRecords(s, moved, outDir, warnings))
    tests.push(...rewriteTests(s, moved))
  }
  const recordsFile = join(outDir, CALL_RECORDS_FILE)
  writeFileAtomic(recordsFile, records.map((r) => `${JSON.stringify(r)}\n`).join(''))
  const recorded = shards[0]?.info.run.gates
  const gates = options.gates ?? (recorded ? recorded.map(gateFromJson) : [])
  const gatesSource = options.gates ? options.gatesSource : (shards[0]?.info.run.gatesSource ?? options.gatesSource)
  const summary = mergedSummary({
    shards,
    problems,
    missing: check.missing,
    count: check.count,
    records,
    tests,
    invalidRecords: shards.flatMap((s) => s.invalidRecords),
    gates,
    ...(gatesSource !== undefined ? { gatesSource } : {}),
    recordsFile: CALL_RECORDS_FILE,
  })
  const summaryFile = join(outDir, 'summary.json')
  writeFileAtomic(summaryFile, `${JSON.stringify(summary, null, 2)}\n`)
  writeFileAtomic(join(outDir, 'junit.xml'), junitFromSummary(summary))
  return { summary, summaryFile, outDir, shards, problems, warnings, callRecords: records.length }
}
