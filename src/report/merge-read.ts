/**
 * Reads one shard result directory (`rtcspec run --shard i/N`) for `rtcspec merge`: `shard.json` and `summary.json`
 * must be there and valid (each checked by its schema); `call_records.jsonl` is read line by line, a bad line kept
 * out and reported; a missing or unfinished `junit.xml` is a warning (the merged JUnit is written from the
 * summaries). Never throws for bad content: a directory that cannot be used comes back as a problem naming the
 * directory and the file.
 */
import { existsSync, readFileSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { z } from 'zod'
import { CallRecordSchema, type CallRecord } from '../peers/call-record.ts'
import { junitComplete } from './junit.ts'
import { SHARD_FILE, ShardInfoSchema, type ShardInfo } from './merge-shard.ts'
import { CALL_RECORDS_FILE } from './run-finish.ts'
import { RunSummarySchema, type RunSummary } from './run-summary.ts'

/** A shard result directory that could be read. */
export interface ShardResult {
  /** The directory, absolute. */
  dir: string
  info: ShardInfo
  summary: RunSummary
  /** The valid call records. */
  records: CallRecord[]
  /** Lines of `call_records.jsonl` that are not valid records: `<dir>/call_records.jsonl line N: why`. */
  invalidRecords: string[]
  /** Problems that do not stop the shard from being merged (a missing junit.xml, missing call records). */
  warnings: string[]
}

/** A directory that could not be used as a shard, and why. */
export interface ShardProblem {
  dir: string
  /** The file at fault, when one is. */
  file?: string
  message: string
  /** The shard's id when its `shard.json` was readable. */
  shard?: { index: number; count: number }
}

function issues(error: z.ZodError): string {
  return error.issues
    .slice(0, 4)
    .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    .join('; ')
}

function readJsonFile<T>(dir: string, file: string, schema: z.ZodType<T>, what: string): { ok: true; value: T } | { ok: false; problem: ShardProblem } {
  const path = join(dir, file)
  if (!existsSync(path)) return { ok: false, problem: { dir, file, message: `${path} is missing: ${what}` } }
  let raw: unknown
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'))
  } catch (e) {
    return { ok: false, problem: { dir, file, message: `${path} is not JSON (${(e as Error).message})` } }
  }
  const r = schema.safeParse(raw)
  if (!r.success) return { ok: false, problem: { dir, file, message: `${path} is not valid (${issues(r.error)})` } }
  return { ok: true, value: r.data }
}

/** The valid records of a `call_records.jsonl` and its invalid lines (prefixed with the file). */
export function readRecordsFile(file: string): { records: CallRecord[]; invalid: string[] } {
  const records: CallRecord[] = []
  const invalid: string[] = []
  if (!existsSync(file)) return { records, invalid }
  readFileSync(file, 'utf8')
    .split('\n')
    .forEach((line, i) => {
      if (line.trim() === '') return
      let value: unknown
      try {
        value = JSON.parse(line)
      } catch (e) {
        invalid.push(`${file} line ${i + 1}: not JSON (${(e as Error).message})`)
        return
      }
      const r = CallRecordSchema.safeParse(value)
      if (r.success) records.push(r.data)
      else invalid.push(`${file} line ${i + 1}: ${issues(r.error)}`)
    })
  return { records, invalid }
}

/** Reads the shard result directory `dir` (see the module notes). */
export function readShardDir(dir: string): { ok: true; shard: ShardResult } | { ok: false; problem: ShardProblem } {
  const abs = resolve(dir)
  if (!existsSync(abs) || !statSync(abs).isDirectory()) return { ok: false, problem: { dir: abs, message: `${abs} is not a directory` } }
  const info = readJsonFile(abs, SHARD_FILE, ShardInfoSchema, 'not a shard result directory (`rtcspec run --shard i/N` writes it next to the reports)')
  if (!info.ok) return info
  const shard = { index: info.value.index, count: info.value.count }
  const summary = readJsonFile(abs, 'summary.json', RunSummarySchema, `shard ${shard.index}/${shard.count} did not finish writing its reports`)
  if (!summary.ok) return { ok: false, problem: { ...summary.problem, shard } }
  const warnings: string[] = []
  const recordsFile = join(abs, CALL_RECORDS_FILE)
  const { records, invalid } = readRecordsFile(recordsFile)
  if (!existsSync(recordsFile) && summary.value.callRecords.count > 0)
    warnings.push(`${recordsFile} is missing but the shard's summary counts ${summary.value.callRecords.count} call record(s): they are not in the merge`)
  const junit = join(abs, 'junit.xml')
  if (!existsSync(junit)) warnings.push(`${junit} is missing (the merged junit.xml is written from the summaries, so no test is lost)`)
  else if (!junitComplete(readFileSync(junit, 'utf8'))) warnings.push(`${junit} is incomplete (the merged junit.xml is written from the summaries)`)
  return { ok: true, shard: { dir: abs, info: info.value, summary: summary.value, records, invalidRecords: invalid, warnings } }
}
