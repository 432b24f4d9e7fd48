/**
 * Shared by the distributed load tests (local processes and generator containers): runs a command with a bounded
 * time, and checks a set of shard directories and their merged summary against the ground truth of the plan.
 */
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { expect } from 'vitest'
import { callSeed, shardCallIds } from '../../src/load/shard.ts'
import { LoadSummarySchema, PlacedCallSchema, type LoadSummary, type PlacedCall } from '../../src/load/types.ts'

/** Runs `cmd args` to its end, killing it (and failing) after `timeoutMs`. */
export function runToEnd(
  cmd: string,
  args: string[],
  timeoutMs: number,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolveRun, rejectRun) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += String(d)))
    child.stderr.on('data', (d) => (stderr += String(d)))
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      rejectRun(new Error(`${cmd} ${args.join(' ')} did not end within ${timeoutMs / 1000} s\nstderr: ${stderr.slice(-2000)}`))
    }, timeoutMs)
    child.on('error', (e) => {
      clearTimeout(timer)
      rejectRun(e)
    })
    child.on('close', (code) => {
      clearTimeout(timer)
      resolveRun({ code: code ?? -1, stdout, stderr })
    })
  })
}

export function readShard(dir: string): { summary: LoadSummary; calls: PlacedCall[] } {
  const summary = LoadSummarySchema.parse(JSON.parse(readFileSync(join(dir, 'load-summary.json'), 'utf8')))
  const calls = readFileSync(join(dir, 'load-calls.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => PlacedCallSchema.parse(JSON.parse(l)))
  return { summary, calls }
}

/** What the distributed test was asked to do. */
export interface PlanTruth {
  calls: number
  rate: number
  shards: number
  startAtEpochMs: number
  seed?: number
  /** How late a generator may place its first call after its scheduled start (loaded CI machines). */
  maxStartLagMs: number
}

/**
 * Checks shard directories `dirs` (index i in `dirs[i]`) and their merged summary against the plan: the calls
 * attempted are the plan's, every shard placed only its own ids and together they cover the plan, the seeds are
 * one run's, nobody started before its scheduled time or much after it, and the merged figures add up.
 */
export function checkShardedRun(dirs: string[], merged: LoadSummary, t: PlanTruth): PlacedCall[] {
  const shards = dirs.map(readShard)
  const all: PlacedCall[] = []
  shards.forEach(({ summary, calls }, i) => {
    expect(summary.shard, dirs[i]).toMatchObject({ index: i, count: t.shards, calls: shardCallIds(t.calls, i, t.shards).length })
    expect(summary.plan).toMatchObject({ calls: t.calls, rate: t.rate, shards: t.shards, startAtEpochMs: t.startAtEpochMs })
    expect(calls.length, `shard ${i}: load-calls.jsonl vs attempted`).toBe(summary.calls.attempted - summary.calls.unfinished)
    for (const c of calls) {
      expect(c.id % t.shards, `call ${c.id} placed by shard ${i}`).toBe(i)
      if (t.seed !== undefined) expect(c.seed, `seed of call ${c.id}`).toBe(callSeed(t.seed, c.id))
    }
    // the ramp: the k-th call of shard i goes at start + (i + k·N) / rate, never before, the first not much after
    const ramp = calls.filter((c) => c.id < t.calls).sort((a, b) => a.id - b.id)
    for (const c of ramp) {
      const due = t.startAtEpochMs + (c.id * 1000) / t.rate
      expect(c.startedAtEpochMs, `call ${c.id} started before its time`).toBeGreaterThanOrEqual(due - 25)
    }
    const first = ramp[0]!
    expect(first.startedAtEpochMs - (t.startAtEpochMs + (i * 1000) / t.rate), `shard ${i}: first call lag`).toBeLessThanOrEqual(t.maxStartLagMs)
    expect(summary.shard!.startLagMs).toBeLessThanOrEqual(t.maxStartLagMs)
    all.push(...calls)
  })
  // disjoint and covering: every id of the plan placed exactly once
  const ids = all.map((c) => c.id).sort((a, b) => a - b)
  expect(new Set(ids).size, 'an id placed twice').toBe(ids.length)
  expect(ids.filter((id) => id < t.calls)).toEqual(Array.from({ length: t.calls }, (_, i) => i))
  // the merged summary: the plan's calls attempted, counts summed, percentiles over every call
  const sum = (f: (s: LoadSummary) => number) => shards.reduce((n, s) => n + f(s.summary), 0)
  expect(merged.calls.attempted).toBe(sum((s) => s.calls.attempted))
  expect(merged.calls.attempted).toBeGreaterThanOrEqual(t.calls)
  expect(merged.calls.attempted - merged.calls.unfinished).toBe(all.length)
  expect(merged.calls.completed + merged.calls.failed + merged.calls.unfinished).toBe(merged.calls.attempted)
  expect(merged.calls.failed).toBe(all.filter((c) => c.outcome === 'failed').length)
  expect(merged.setupMs.count).toBe(sum((s) => s.setupMs.count))
  if (merged.setupMs.count > 0) {
    expect(merged.setupMs.max).toBe(Math.max(...shards.flatMap((s) => (s.summary.setupMs.max !== undefined ? [s.summary.setupMs.max] : []))))
    expect(merged.setupMs.min).toBe(Math.min(...shards.flatMap((s) => (s.summary.setupMs.min !== undefined ? [s.summary.setupMs.min] : []))))
  }
  expect(merged.concurrency.target).toBe(t.calls)
  expect(merged.merged?.shards.map((s) => s.index)).toEqual(dirs.map((_, i) => i))
  expect(merged.exit.class).toBe(merged.calls.failed > merged.options.maxFailures ? 'test-failure' : 'ok')
  return all
}
