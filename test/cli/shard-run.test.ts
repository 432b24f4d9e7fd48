/**
 * Sharded runs end to end, as child processes: the fixture suite test/fixtures/shard-specs (quick passing tests, one
 * failing, three passing only on their retry, one recorded call through the impairment relay) runs whole, then as
 * three `rtcspec run --shard i/3` processes, and `rtcspec merge` combines the shards. The merged result must be the
 * whole run's: the same tests and states, the same call records with the same per-test seeds, every test once in
 * the JUnit, the gates evaluated over the union (`tests.flaky <= 2` holds in every shard and fails on the whole run;
 * a call gate fails for want of samples in the shards without the call and passes on the union) and the same exit.
 * Then the merge's refusals and reports on the same shard directories: a shard twice, a shard missing, a shard
 * whose summary is broken, and bad `--shard` values.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { execFile } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { CallRecordSchema, type CallRecord } from '../../src/peers/call-record.ts'
import { RunSummarySchema, type RunSummary } from '../../src/report/run-summary.ts'
import { ShardInfoSchema } from '../../src/report/merge-shard.ts'
import { deriveSeed } from '../../src/calls/seed.ts'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const node = join(root, '.tools', 'bin', 'node')
const bin = join(root, 'bin', 'rtcspec.mjs')
const fixtures = join(root, 'test', 'fixtures', 'shard-specs')
const SEED = '4242'

let dir: string

interface Ran {
  code: number
  stdout: string
  stderr: string
}

/** Runs `rtcspec <args>` in the project directory, outside any CI environment. */
function rtcspec(args: string[]): Promise<Ran> {
  const env: NodeJS.ProcessEnv = { ...process.env }
  for (const k of [
    'GITHUB_ACTIONS',
    'GITHUB_STEP_SUMMARY',
    'RTCSPEC_REPORT_DIR',
    'RTCSPEC_SEED',
    'VITEST',
    'VITEST_WORKER_ID',
    'VITEST_POOL_ID',
    'TEST',
    'NODE_ENV',
  ])
    delete env[k]
  return new Promise((done) => {
    execFile(node, [bin, ...args], { cwd: dir, env, timeout: 240_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      done({ code: err ? (typeof err.code === 'number' ? err.code : -1) : 0, stdout, stderr })
    })
  })
}

function summaryOf(reportDir: string): RunSummary {
  return RunSummarySchema.parse(JSON.parse(readFileSync(join(dir, reportDir, 'summary.json'), 'utf8')))
}

function recordsOf(reportDir: string): CallRecord[] {
  const file = join(dir, reportDir, 'call_records.jsonl')
  if (!existsSync(file)) return []
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => CallRecordSchema.parse(JSON.parse(l)))
}

const states = (s: RunSummary) => s.tests.map((t) => `${t.id} = ${t.state}${t.flaky ? ' (flaky)' : ''}`).sort()
/** What identifies a call across runs: its test, kind and impairment seed (ids and timings differ). */
const callKeys = (rs: CallRecord[]) => rs.map((r) => `${r.test?.file}::${r.test?.name} ${r.kind} seed=${String(r.extra?.seed)}`).sort()

let whole: Ran
let shards: Ran[]
let merge: Ran

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rtcspec-shard-run-'))
  mkdirSync(join(dir, 'node_modules'), { recursive: true })
  symlinkSync(join(root, 'node_modules', 'vitest'), join(dir, 'node_modules', 'vitest'))
  writeFileSync(
    join(dir, 'vitest.config.mjs'),
    `export default { resolve: { alias: [{ find: /^rtcspec$/, replacement: ${JSON.stringify(join(root, 'src', 'index.ts'))} }] }, test: { testTimeout: 60000, hookTimeout: 60000 } }\n`,
  )
  // A budget each shard meets alone (it runs at most two of the three retried tests) and the whole run does not;
  // a call gate only the shard with the call has samples for.
  writeFileSync(
    join(dir, 'rtcspec.config.mjs'),
    `export default { gates: { 'tests.flaky': '<= 2', 'setup.connectMs': { threshold: '< 60000', impaired: true } } }\n`,
  )
  cpSync(fixtures, join(dir, 'specs'), { recursive: true, filter: (f) => !f.endsWith('.md') })
  whole = await rtcspec(['run', 'specs', '--seed', SEED, '--report-dir', 'whole'])
  // The shards run side by side, as CI's matrix jobs do.
  shards = await Promise.all([1, 2, 3].map((i) => rtcspec(['run', 'specs', '--seed', SEED, '--shard', `${i}/3`, '--report-dir', `shard-${i}`])))
  merge = await rtcspec(['merge', 'shard-1', 'shard-2', 'shard-3', '--report-dir', 'merged'])
}, 900_000)

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true })
})

describe('rtcspec run --shard i/3, then rtcspec merge', () => {
  it('each shard ran its part of the files and wrote shard.json; together they ran every file once', () => {
    expect(whole.code, whole.stderr).toBe(1)
    const infos = [1, 2, 3].map((i) => ShardInfoSchema.parse(JSON.parse(readFileSync(join(dir, `shard-${i}`, 'shard.json'), 'utf8'))))
    expect(infos.map((x) => `${x.index}/${x.count}`)).toEqual(['1/3', '2/3', '3/3'])
    expect(new Set(infos.map((x) => x.fingerprint)).size).toBe(1)
    const suite = readdirSync(join(dir, 'specs'))
      .filter((f) => f.endsWith('.spec.ts'))
      .map((f) => `specs/${f}`)
      .sort()
    expect(infos[0]!.run.files).toEqual(suite)
    expect(infos.flatMap((x) => x.files).sort()).toEqual(suite)
    for (const x of infos) expect(x.files.length).toBeGreaterThan(0)
    // A shard exits with its own verdict, about its part only.
    for (const [i, s] of shards.entries()) expect(s.code, s.stderr).toBe(summaryOf(`shard-${i + 1}`).exit.code)
    // Each shard's tests are those of its files.
    for (const [i, x] of infos.entries()) expect([...new Set(summaryOf(`shard-${i + 1}`).tests.map((t) => t.file))].sort()).toEqual(x.files)
  })

  it('the merged tests are the whole run’s, with the same states', () => {
    expect(merge.code, `${merge.stdout}\n${merge.stderr}`).toBe(whole.code)
    const w = summaryOf('whole')
    const m = summaryOf('merged')
    expect(states(m)).toEqual(states(w))
    expect(m.tests).toHaveLength(8)
    expect(states(m).filter((s) => s.includes('(flaky)'))).toHaveLength(3)
    expect(m.totals).toEqual(w.totals)
    expect(m.exit).toEqual(w.exit)
    expect(m.exit.class).toBe('test-failure')
    expect(m.seed).toBe(SEED)
    expect(existsSync(join(dir, 'merged', 'index.html'))).toBe(true)
  })

  it('the merged call records are the whole run’s, with the same per-test seeds; recordings copied', () => {
    const w = recordsOf('whole')
    const m = recordsOf('merged')
    expect(w).toHaveLength(1)
    expect(callKeys(m)).toEqual(callKeys(w))
    expect(callKeys([1, 2, 3].flatMap((i) => recordsOf(`shard-${i}`)))).toEqual(callKeys(w))
    // The seed is the one derived from the run's seed and the test's id, not the run's seed itself.
    const r = m[0]!
    expect(r.extra?.seed).toBe(deriveSeed(Number(SEED), `${r.test?.file}::${r.test?.name}`, 0))
    expect(r.extra?.baseSeed).toBe(Number(SEED))
    const recordings = r.peers.flatMap((p) => p.recordings ?? [])
    expect(recordings.length).toBeGreaterThan(0)
    for (const rec of recordings) {
      expect(rec.path.startsWith(join(dir, 'merged'))).toBe(true)
      expect(existsSync(rec.path)).toBe(true)
      expect(readFileSync(rec.path).subarray(0, 4).toString()).toBe('RIFF')
    }
  })

  it('the merged junit.xml has every test once', () => {
    const xml = readFileSync(join(dir, 'merged', 'junit.xml'), 'utf8')
    const cases = [...xml.matchAll(/<testcase classname="([^"]*)" name="([^"]*)"/g)].map((x) => `${x[1]}::${x[2]}`)
    expect(cases).toHaveLength(summaryOf('whole').tests.length)
    expect(new Set(cases).size).toBe(cases.length)
    expect(xml.match(/<failure /g)).toHaveLength(1)
  })

  it('the gates are evaluated over the union: a budget every shard meets fails, a gate some shards fail passes', () => {
    const gate = (s: RunSummary, metric: string) => s.gates?.results.find((g) => g.metric === metric)
    const w = summaryOf('whole')
    const m = summaryOf('merged')
    const parts = [1, 2, 3].map((i) => summaryOf(`shard-${i}`))
    expect(gate(w, 'tests.flaky')).toMatchObject({ actual: 3, pass: false })
    for (const p of parts) expect(gate(p, 'tests.flaky')?.pass).toBe(true)
    expect(gate(m, 'tests.flaky')).toMatchObject({ actual: 3, pass: false })
    expect(gate(w, 'setup.connectMs')?.pass).toBe(true)
    expect(parts.filter((p) => gate(p, 'setup.connectMs')?.pass === false)).toHaveLength(2)
    expect(gate(m, 'setup.connectMs')).toMatchObject({ pass: true, samples: 1 })
    expect(merge.stderr).toMatch(/rtcspec gates over all shards: 1 of 2 FAILED/)
  })
})

describe('more shards than spec files', () => {
  it('a shard with no file runs no test and is not a usage error; it still says which suite it belongs to', async () => {
    const r = await rtcspec(['run', 'specs', '--seed', SEED, '--shard', '6/6', '--report-dir', 'shard-6-of-6'])
    const s = summaryOf('shard-6-of-6')
    expect(s.tests).toEqual([])
    expect(r.code, r.stderr).not.toBe(2)
    expect(s.exit.class).not.toBe('usage')
    const info = ShardInfoSchema.parse(JSON.parse(readFileSync(join(dir, 'shard-6-of-6', 'shard.json'), 'utf8')))
    expect(info.files).toEqual([])
    expect(info.run.files).toHaveLength(5)
  })
})

describe('rtcspec merge on sets that are not whole', () => {
  it('refuses a shard given twice (exit 2, nothing written)', async () => {
    const r = await rtcspec(['merge', 'shard-1', 'shard-2', 'shard-2', 'shard-3', '--report-dir', 'twice'])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/refused, nothing written:[\s\S]*shard-2 is given 2 times/)
    expect(existsSync(join(dir, 'twice'))).toBe(false)
  })

  it('merges what is there and exits 4 when a shard is missing or its summary is broken', async () => {
    const partial = await rtcspec(['merge', 'shard-1', 'shard-3', '--report-dir', 'partial'])
    expect(partial.code).toBe(4)
    expect(partial.stderr).toMatch(/the shard set is incomplete: 2\/3 missing/)
    const kept = summaryOf('partial')
    expect(kept.tests.length).toBe(summaryOf('shard-1').tests.length + summaryOf('shard-3').tests.length)
    cpSync(join(dir, 'shard-2'), join(dir, 'shard-2-broken'), { recursive: true })
    writeFileSync(join(dir, 'shard-2-broken', 'summary.json'), '{ "schema": ')
    const broken = await rtcspec(['merge', 'shard-1', 'shard-2-broken', 'shard-3', '--report-dir', 'broken'])
    expect(broken.code).toBe(4)
    expect(broken.stderr).toContain(`shard 2/3 could not be merged: ${join(dir, 'shard-2-broken', 'summary.json')} is not JSON`)
    expect(summaryOf('broken').tests.length).toBe(kept.tests.length)
  })

  it('rtcspec run refuses a bad --shard before running anything', async () => {
    for (const [arg, why] of [
      ['0/3', /INDEX counts from 1/],
      ['4/3', /INDEX 4 is above COUNT 3/],
      ['a/b', /write it as INDEX\/COUNT with whole numbers/],
    ] as const) {
      const r = await rtcspec(['run', 'specs', '--shard', arg, '--report-dir', 'bad-shard'])
      expect(r.code, arg).toBe(2)
      expect(r.stderr).toMatch(why)
      expect(existsSync(join(dir, 'bad-shard', 'summary.json'))).toBe(false)
    }
  })
})
