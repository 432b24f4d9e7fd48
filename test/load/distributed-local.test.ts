/**
 * A distributed load test on one machine: N `rtcspec load --shard i/N --start-at T` processes that never talk to
 * each other, then `rtcspec load merge`. Checked against the plan (every id placed once by its shard, one run's
 * seeds, the agreed start kept) and against one unsharded run of the same scenario (same seeds per call id).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runLoad } from '../../src/load/run.ts'
import { LoadSummarySchema, type CallResult } from '../../src/load/types.ts'
import { checkShardedRun, runToEnd } from './distributed.ts'

const repo = resolve(import.meta.dirname, '../..')
const node = join(repo, '.tools/bin/node')
const bin = join(repo, 'bin/rtcspec.mjs')
const root = mkdtempSync(join(tmpdir(), 'rtcspec-distributed-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

const SHARDS = 3
const CALLS = 6
const RATE = 6
const SEED = 4242

describe('distributed load: N local generator processes and a merge', () => {
  it('the shards place disjoint ids covering the plan, with one run’s seeds, from the agreed start; merge adds them up', async () => {
    const scenario = join(root, 'scenario.json')
    // a network (clean) so that every call has an impairment seed to compare
    writeFileSync(
      scenario,
      JSON.stringify({ peers: { alice: { send: { tone: 440 } }, bob: { send: { tone: 880 } } }, codec: 'PCMU', network: { toB: { loss: 0 } } }),
    )
    const startAt = Date.now() + 10_000 // the generators load their modules and workers meanwhile
    const dirs = Array.from({ length: SHARDS }, (_, i) => join(root, `shard-${i}`))
    const common = [bin, 'load', scenario, '--calls', `${CALLS}`, '--rate', `${RATE}`, '--duration', '1500ms', '--workers', '1', '--seed', `${SEED}`]
    const runs = await Promise.all(
      dirs.map((dir, i) =>
        runToEnd(
          node,
          [
            ...common,
            '--max-missing',
            '1',
            '--connect-timeout',
            '20s',
            '--shard',
            `${i}/${SHARDS}`,
            '--start-at',
            new Date(startAt).toISOString(),
            '--report-dir',
            dir,
            '--json',
          ],
          90_000,
        ),
      ),
    )
    for (const [i, r] of runs.entries()) {
      expect([0, 1], `shard ${i} exit ${r.code}: ${r.stderr.slice(-1500)}`).toContain(r.code)
      const s = LoadSummarySchema.parse(JSON.parse(r.stdout))
      expect(s.shard).toMatchObject({ index: i, count: SHARDS })
    }
    const out = join(root, 'merged')
    const m = await runToEnd(node, [bin, 'load', 'merge', ...dirs, '--report-dir', out, '--json'], 30_000)
    const merged = LoadSummarySchema.parse(JSON.parse(m.stdout))
    expect(m.code, m.stderr).toBe(merged.exit.code)
    const placed = checkShardedRun(dirs, merged, { calls: CALLS, rate: RATE, shards: SHARDS, startAtEpochMs: startAt, seed: SEED, maxStartLagMs: 3000 })

    // one unsharded run of the same scenario gives each call id the same seed
    const single: CallResult[] = []
    await runLoad({
      spec: scenario,
      calls: CALLS,
      rate: 20,
      holdMs: 0,
      workers: 1,
      seed: SEED,
      maxMissing: 1,
      writeSummary: false,
      onCall: (r) => single.push(r),
    })
    const seedOf = new Map(single.map((r) => [r.id, r.seed]))
    for (const c of placed.filter((c) => c.id < CALLS)) expect(c.seed, `call ${c.id}`).toBe(seedOf.get(c.id))

    // the table names the shards
    const table = await runToEnd(node, [bin, 'load', 'merge', ...dirs, '--report-dir', out], 30_000)
    expect(table.stdout).toMatch(new RegExp(`merged ${SHARDS} shards: 0@`))
    // a shard missing: refused, exit 2, naming it
    const partial = await runToEnd(node, [bin, 'load', 'merge', dirs[0]!, dirs[2]!, '--report-dir', out], 30_000)
    expect(partial.code).toBe(2)
    expect(partial.stderr).toMatch(/incomplete set: 2 of 3 shards; missing 1\/3/)
  }, 180_000)

  it('refuses a start time in the past or more than 24 h ahead, before starting anything', async () => {
    const past = await runToEnd(
      node,
      [
        bin,
        'load',
        'b2b-pcmu',
        '--calls',
        '2',
        '--rate',
        '1',
        '--duration',
        '1s',
        '--shard',
        '0/2',
        '--start-at',
        new Date(Date.now() - 60_000).toISOString(),
        '--report-dir',
        join(root, 'past'),
      ],
      30_000,
    )
    expect(past.code).toBe(2)
    expect(past.stderr).toMatch(/--start-at .* is \d+\.\d s in the past/)
    const far = await runToEnd(
      node,
      [
        bin,
        'load',
        'b2b-pcmu',
        '--calls',
        '2',
        '--rate',
        '1',
        '--duration',
        '1s',
        '--start-at',
        `${Date.now() + 25 * 3600_000}`,
        '--report-dir',
        join(root, 'far'),
      ],
      30_000,
    )
    expect(far.code).toBe(2)
    expect(far.stderr).toMatch(/h ahead; at most 24 h/)
  }, 60_000)
})
