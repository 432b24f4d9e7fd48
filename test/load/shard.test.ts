/**
 * The deterministic partition of a distributed load test (shard i of N owns the global call ids i, i+N, …, with
 * the seeds one run would use), the parsing of --shard and --start-at, and `rtcspec load merge`'s refusal of shard
 * sets that are incomplete, hold a shard twice or mix tests.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { checkShardSet, mergeShards, readShardDir, type ShardResult } from '../../src/load/merge.ts'
import { callSeed, parseShard, parseStartAt, shardCallIds, shardPlan } from '../../src/load/shard.ts'
import { emptyFigures, encodeFigures, figuresOf, recordCall } from '../../src/load/summary.ts'
import { LoadSummarySchema, type CallResult, type LoadPlan, type LoadSummary, type PlacedCall } from '../../src/load/types.ts'

describe('shard partition', () => {
  it('shards own disjoint ids that cover the plan, each keeps its share active at rate / N, offset i / rate', () => {
    for (const [calls, n] of [
      [10, 3],
      [7, 7],
      [1000, 16],
      [5, 1],
    ] as const) {
      const shares = Array.from({ length: n }, (_, i) => shardPlan({ calls, rate: 20, shard: { index: i, count: n } }))
      const ids = shares.flatMap((s) => shardCallIds(calls, s.index, s.count))
      expect(ids.sort((a, b) => a - b)).toEqual(Array.from({ length: calls }, (_, i) => i))
      expect(shares.reduce((t, s) => t + s.calls, 0)).toBe(calls)
      expect(Math.max(...shares.map((s) => s.calls)) - Math.min(...shares.map((s) => s.calls))).toBeLessThanOrEqual(1)
      for (const s of shares) {
        expect(s.rate).toBeCloseTo(20 / n, 12)
        expect(s.offsetMs).toBeCloseTo((s.index * 1000) / 20, 9)
      }
    }
    // the k-th call of shard i goes at offset + k·N/rate = (i + k·N)/rate: where one run puts call i + k·N
    const s = shardPlan({ calls: 12, rate: 4, shard: { index: 2, count: 3 } })
    expect(s.offsetMs + (3 * 1000) / s.rate).toBe(((2 + 3 * 3) * 1000) / 4)
    expect(shardPlan({ calls: 3, rate: 1 })).toEqual({ index: 0, count: 1, calls: 3, rate: 1, offsetMs: 0 })
  })

  it('a call’s seed depends on the base seed and its global id only', () => {
    expect(callSeed(42, 0)).toBe(42)
    expect(callSeed(42, 5)).toBe((42 + Math.imul(5, 0x9e3779b1)) >>> 0)
    expect(new Set(Array.from({ length: 1000 }, (_, i) => callSeed(42, i))).size).toBe(1000)
  })

  it('refuses a bad shard with a message naming the fix', () => {
    expect(() => shardPlan({ calls: 10, rate: 1, shard: { index: 3, count: 3 } })).toThrow(/index must be within 0\.\.2/)
    expect(() => shardPlan({ calls: 2, rate: 1, shard: { index: 0, count: 3 } })).toThrow(/cannot be shared by 3 shards/)
    expect(() => shardPlan({ calls: 2, rate: 1, shard: { index: 0, count: 0 } })).toThrow(/number of shards/)
    expect(parseShard('2/8')).toEqual({ index: 2, count: 8 })
    expect(() => parseShard('2of8')).toThrow(/--shard must be i\/N/)
  })

  it('parses --start-at as ISO with a zone or epoch ms, nothing else', () => {
    expect(parseStartAt('2026-05-01T12:00:00Z')).toBe(Date.UTC(2026, 4, 1, 12))
    expect(parseStartAt('2026-05-01T14:00:00.500+02:00')).toBe(Date.UTC(2026, 4, 1, 12, 0, 0, 500))
    expect(parseStartAt('1777636800000')).toBe(1777636800000)
    expect(() => parseStartAt('2026-05-01T12:00:00')).toThrow(/ISO time with its zone/) // local time: ambiguous across generators
    expect(() => parseStartAt('1777636800')).toThrow(/epoch milliseconds/) // seconds, not ms
    expect(() => parseStartAt('tomorrow')).toThrow(/--start-at/)
  })
})

// ---- merge refusals, on shard directories written like rtcspec load writes them

const root = mkdtempSync(join(tmpdir(), 'rtcspec-shards-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

const PLAN: LoadPlan = {
  spec: 'b2b-pcmu',
  specSha256: 'ab'.repeat(32),
  calls: 6,
  rate: 3,
  holdMs: 1000,
  seed: 99,
  connectTimeoutMs: 10_000,
  maxFailures: 0,
  startAtEpochMs: 1_800_000_000_000,
  shards: 3,
}

function result(id: number, connectMs: number): CallResult {
  return {
    id,
    worker: 0,
    seed: callSeed(99, id),
    startedAtMs: id,
    endedAtMs: id + 2000,
    outcome: 'completed',
    connectMs,
    directions: [],
    measured: false,
  }
}

let dirs = 0
function writeShard(index: number, over: { plan?: Partial<LoadPlan>; count?: number; calls?: PlacedCall[] } = {}): string {
  const count = over.count ?? PLAN.shards
  const plan = { ...PLAN, ...over.plan }
  const ids = shardCallIds(plan.calls, index, count)
  const state = emptyFigures()
  for (const id of ids) recordCall(state, result(id, 100 + id * 10))
  const f = figuresOf(state)
  const summary: LoadSummary = {
    schema: 'rtcspec.load-summary/v1',
    spec: { name: 'b2b-pcmu', source: 'builtin' },
    options: { calls: 6, rate: 3, holdMs: 1000, workers: 1, seed: 99, connectTimeoutMs: 10_000, maxFailures: 0, maxConnecting: 10, records: false },
    startedAt: new Date(1_800_000_000_000).toISOString(),
    endedAt: new Date(1_800_000_005_000).toISOString(),
    wallMs: 5000,
    heldMs: 1000,
    stopReason: 'completed',
    calls: { attempted: ids.length, unfinished: 0, ...f.calls },
    failureReasons: f.failureReasons,
    setupMs: f.setupMs,
    firstRtpMs: f.firstRtpMs,
    loss: f.loss,
    lossAggregate: f.lossAggregate,
    missingMedia: f.missingMedia,
    missingAggregate: f.missingAggregate,
    jitterMs: f.jitterMs,
    mos: f.mos,
    concurrency: { target: ids.length, peak: ids.length, meanDuringHold: ids.length },
    setupRate: 1,
    cpu: { cores: 2, processPercent: 10, mainPercent: 1, workers: [{ index: 0, calls: ids.length, cpuMs: 10, percent: 1 }] },
    environment: { node: 'v24', platform: 'linux-x64', cpus: 2, loadavg: [0, 0, 0] },
    exit: { class: 'ok', code: 0 },
    plan,
    shard: { index, count, calls: ids.length, rate: 1, host: `gen-${index}` },
    mergeable: encodeFigures(state),
  }
  LoadSummarySchema.parse(summary)
  const dir = join(root, `shard-${dirs++}`)
  const calls =
    over.calls ?? ids.map((id) => ({ id, shard: index, seed: callSeed(99, id), startedAtEpochMs: 1_800_000_000_000 + id, outcome: 'completed' as const }))
  mkdir(dir)
  writeFileSync(join(dir, 'load-summary.json'), JSON.stringify(summary))
  writeFileSync(join(dir, 'load-calls.jsonl'), calls.map((c) => `${JSON.stringify(c)}\n`).join(''))
  return dir
}
function mkdir(dir: string) {
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
}

const read = (...ds: string[]): ShardResult[] => ds.map((d) => readShardDir(d))

describe('rtcspec load merge: the shard set', () => {
  it('a complete set merges into the figures of one run over every call', () => {
    const merged = mergeShards(read(writeShard(2), writeShard(0), writeShard(1)))
    expect(merged.calls.attempted).toBe(6)
    expect(merged.setupMs).toMatchObject({ count: 6, min: 100, max: 150 })
    const one = emptyFigures()
    for (let id = 0; id < 6; id++) recordCall(one, result(id, 100 + id * 10))
    expect(merged.setupMs).toEqual(figuresOf(one).setupMs)
    expect(merged.merged?.shards.map((s) => s.index)).toEqual([0, 1, 2])
    expect(merged.exit).toEqual({ class: 'ok', code: 0 })
    expect(LoadSummarySchema.safeParse(merged).success).toBe(true)
  })

  it('refuses an incomplete set, a shard given twice, and shards of another test', () => {
    expect(() => checkShardSet(read(writeShard(0), writeShard(2)))).toThrow(/incomplete set: 2 of 3 shards; missing 1\/3/)
    expect(() => checkShardSet(read(writeShard(0), writeShard(1), writeShard(1)))).toThrow(/shard 1\/3 is given twice/)
    expect(() => checkShardSet(read(writeShard(0), writeShard(1), writeShard(2, { plan: { rate: 6 } })))).toThrow(/belongs to another test .*plan rate: 3 vs 6/)
    expect(() => checkShardSet(read(writeShard(0), writeShard(1), writeShard(2, { plan: { startAtEpochMs: 1 } })))).toThrow(/plan startAtEpochMs/)
    expect(() => checkShardSet([])).toThrow(/no shard directories/)
  })

  it('refuses calls placed twice or by the wrong shard, and seeds that are not the plan’s', () => {
    const c = (id: number, shard: number, seed = callSeed(99, id)): PlacedCall => ({ id, shard, seed, startedAtEpochMs: 0, outcome: 'completed' })
    expect(() => checkShardSet(read(writeShard(0, { calls: [c(0, 0), c(1, 0)] }), writeShard(1), writeShard(2)))).toThrow(/call 1 is not shard 0\/3's/)
    expect(() => checkShardSet(read(writeShard(0, { calls: [c(0, 0), c(3, 0, 5)] }), writeShard(1), writeShard(2)))).toThrow(/call 3 ran with seed 5/)
    expect(() => checkShardSet(read(writeShard(0, { calls: [c(0, 0)] }), writeShard(1), writeShard(2)))).toThrow(/lists 1 calls but the summary has 2 finished/)
  })

  it('refuses a directory without a summary, and an already merged summary', () => {
    const empty = join(root, 'empty')
    mkdir(empty)
    expect(() => readShardDir(empty)).toThrow(/no load-summary.json/)
    const merged = mergeShards(read(writeShard(0), writeShard(1), writeShard(2)))
    const again = join(root, 'merged')
    mkdir(again)
    writeFileSync(join(again, 'load-summary.json'), JSON.stringify(merged))
    expect(() => readShardDir(again)).toThrow(/already a merged summary/)
  })
})
