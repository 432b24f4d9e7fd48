/**
 * `rtcspec merge` over shard result directories built here (no Vitest run): the gates evaluated over the union in
 * both directions (a budget each shard meets but the whole run does not; a gate a shard fails for want of samples
 * that the whole run passes), the refused sets (different counts, a shard twice, different suites or settings,
 * overlapping tests), a missing or malformed shard reported while the others are merged, and the recordings and
 * attachments copied with their paths rewritten. Also the `--shard` argument.
 */
import { describe, it, expect, beforeEach, afterEach } from 'vitest'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { CallRecordSchema, type CallRecord } from '../../src/peers/call-record.ts'
import { evaluateGates, type GateSpec } from '../../src/report/gates.ts'
import { mergeShards } from '../../src/report/merge.ts'
import { gateToJson, parseShardArg, shardInfo, SHARD_FILE } from '../../src/report/merge-shard.ts'
import { junitFromSummary } from '../../src/report/junit.ts'
import { RunSummarySchema, type RunSummary, type TestSummary } from '../../src/report/run-summary.ts'

let tmp: string
beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'rtcspec-merge-'))
})
afterEach(() => {
  rmSync(tmp, { recursive: true, force: true })
})

const SUITE = ['specs/a.spec.ts', 'specs/b.spec.ts', 'specs/c.spec.ts']

function testSummary(file: string, name: string, state: TestSummary['state'] = 'passed', extra: Partial<TestSummary> = {}): TestSummary {
  return { id: `${file}::${name}`, file, name, state, durationMs: 5, errors: state === 'failed' ? [{ message: 'expected 4 to be 5' }] : [], ...extra }
}

function callRecord(id: string, test: TestSummary, connectMs: number, recording?: string): CallRecord {
  return CallRecordSchema.parse({
    schema: 'rtcspec.call-record/v1',
    id,
    kind: 'webrtc-b2b',
    test: { file: test.file, name: test.name, result: 'passed' },
    startedAt: '2026-01-01T00:00:00.000Z',
    endedAt: '2026-01-01T00:00:01.000Z',
    durationMs: 1000,
    setup: { connectMs },
    peers: [
      {
        name: 'bob',
        kind: 'werift',
        codecs: [],
        ice: { states: [], gathering: [], localCandidates: [], remoteCandidates: [] },
        dtls: { states: [] },
        connection: { states: [] },
        rtp: { inbound: [], outbound: [] },
        ...(recording
          ? { recordings: [{ kind: 'audio', path: recording, pcap: recording.replace(/\.wav$/, '.pcap'), sampleRate: 8000, durationMs: 1000 }] }
          : {}),
        errors: [],
      },
    ],
    signaling: [],
    errors: [],
  })
}

interface ShardSpec {
  index: number
  count?: number
  tests: TestSummary[]
  records?: CallRecord[]
  gates?: GateSpec[]
  files?: string[]
  seed?: string
  /** Where the shard thought its report directory was (it moved since, as a downloaded artifact does). */
  wroteAt?: string
  /** Extra files, relative to the shard directory. */
  extraFiles?: Record<string, string>
  /** The shard was stopped by this signal; these test ids did not finish. */
  interrupted?: { signal: string; unfinished: string[] }
}

/** Writes a shard result directory as `rtcspec run --shard` would, its own gates evaluated on its own. */
function writeShard(name: string, s: ShardSpec): string {
  const dir = join(tmp, name)
  mkdirSync(dir, { recursive: true })
  const count = s.count ?? 3
  const gates = s.gates ?? []
  const records = s.records ?? []
  const gateResults = gates.length ? evaluateGates(records, gates, { tests: s.tests }) : undefined
  const failed = s.tests.some((t) => t.state === 'failed')
  const cls = s.interrupted ? 'interrupted' : failed ? 'test-failure' : gateResults && !gateResults.passed ? 'gate-failure' : 'ok'
  const summary: RunSummary = RunSummarySchema.parse({
    schema: 'rtcspec.run-summary/v1',
    startedAt: `2026-01-01T00:00:0${s.index}.000Z`,
    endedAt: `2026-01-01T00:00:1${s.index}.000Z`,
    durationMs: 10_000,
    environment: { node: '24', paths: ['specs'] },
    ...(s.seed ? { seed: s.seed } : {}),
    totals: { passed: s.tests.filter((t) => t.state === 'passed').length, failed: s.tests.filter((t) => t.state === 'failed').length, skipped: 0 },
    tests: s.tests,
    callRecords: { file: 'call_records.jsonl', count: records.length, invalid: [] },
    ...(gateResults ? { gates: gateResults } : {}),
    infrastructureErrors: [],
    ...(s.interrupted ? { interrupted: { signal: s.interrupted.signal, at: '2026-01-01T00:00:05.000Z', unfinished: s.interrupted.unfinished } } : {}),
    exit: { class: cls, code: { ok: 0, 'test-failure': 1, 'gate-failure': 3, interrupted: 130 }[cls] },
  } satisfies RunSummary)
  writeFileSync(join(dir, 'summary.json'), JSON.stringify(summary))
  writeFileSync(join(dir, 'junit.xml'), junitFromSummary(summary))
  writeFileSync(join(dir, 'call_records.jsonl'), records.map((r) => `${JSON.stringify(r)}\n`).join(''))
  const info = shardInfo({
    shard: { index: s.index, count },
    run: { paths: ['specs'], files: s.files ?? SUITE, gates: gates.map(gateToJson), ...(s.seed ? { seed: s.seed } : {}) },
    files: [...new Set(s.tests.map((t) => t.file))],
    reportDir: s.wroteAt ?? dir,
    cwd: tmp,
  })
  writeFileSync(join(dir, SHARD_FILE), JSON.stringify(info))
  for (const [f, text] of Object.entries(s.extraFiles ?? {})) {
    mkdirSync(join(dir, f, '..'), { recursive: true })
    writeFileSync(join(dir, f), text)
  }
  return dir
}

function merged(dirs: string[], gates?: GateSpec[]) {
  const r = mergeShards(dirs, { outDir: join(tmp, 'merged'), ...(gates ? { gates } : {}) })
  if (r.refused) throw new Error(`refused: ${r.refused.join('; ')}`)
  return r
}

describe('--shard', () => {
  it('takes INDEX/COUNT with 1 ≤ INDEX ≤ COUNT and names the fix otherwise', () => {
    expect(parseShardArg('2/3')).toEqual({ index: 2, count: 3 })
    expect(parseShardArg(' 1/1 ')).toEqual({ index: 1, count: 1 })
    expect(() => parseShardArg('0/3')).toThrow(/--shard "0\/3": INDEX counts from 1: the shards of 3 are 1\/3, 2\/3, 3\/3/)
    expect(() => parseShardArg('4/3')).toThrow(/INDEX 4 is above COUNT 3/)
    expect(() => parseShardArg('a/b')).toThrow(/write it as INDEX\/COUNT with whole numbers, e\.g\. --shard 1\/3/)
    expect(() => parseShardArg('1/0')).toThrow(/COUNT must be at least 1/)
    expect(() => parseShardArg('1/3/')).toThrow(/hint: run shard i of N as --shard i\/N/)
  })
})

describe('gates over the union', () => {
  it('a budget every shard meets alone fails on the whole run (exit 3, gate failure)', () => {
    const gates: GateSpec[] = [{ metric: 'tests.flaky', threshold: '<= 1' }]
    const dirs = [1, 2, 3].map((i) =>
      writeShard(`s${i}`, {
        index: i,
        gates,
        tests: [testSummary(SUITE[i - 1]!, `flaky ${i}`, 'passed', { flaky: true, retries: 1 }), testSummary(SUITE[i - 1]!, `steady ${i}`)],
      }),
    )
    for (const d of dirs) expect(JSON.parse(readFileSync(join(d, 'summary.json'), 'utf8')).exit.class).toBe('ok')
    const r = merged(dirs)
    expect(r.summary.gates?.results[0]).toMatchObject({ metric: 'tests.flaky', actual: 3, pass: false })
    expect(r.summary.exit).toEqual({ class: 'gate-failure', code: 3 })
    expect(r.summary.tests.map((t) => t.id)).toHaveLength(6)
    expect(r.summary.totals).toEqual({ passed: 6, failed: 0, skipped: 0 })
    // The merged files: summary.json as returned, junit.xml with every test once, no shard.json.
    expect(JSON.parse(readFileSync(r.summaryFile, 'utf8'))).toEqual(r.summary)
    const junit = readFileSync(join(r.outDir, 'junit.xml'), 'utf8')
    expect(junit.match(/<testcase /g)).toHaveLength(6)
    expect(existsSync(join(r.outDir, SHARD_FILE))).toBe(false)
  })

  it('a gate a shard fails for want of samples passes over the union (exit 0)', () => {
    const gates: GateSpec[] = [{ metric: 'setup.connectMs', threshold: '< 500' }]
    const t1 = testSummary(SUITE[0]!, 'call')
    const s1 = writeShard('s1', { index: 1, count: 2, gates, tests: [t1], records: [callRecord('c1', t1, 120)], files: SUITE.slice(0, 2) })
    const s2 = writeShard('s2', { index: 2, count: 2, gates, tests: [testSummary(SUITE[1]!, 'no call')], files: SUITE.slice(0, 2) })
    expect(JSON.parse(readFileSync(join(s2, 'summary.json'), 'utf8')).exit.class).toBe('gate-failure')
    const r = merged([s2, s1])
    expect(r.summary.gates?.results[0]).toMatchObject({ pass: true, actual: 120, samples: 1 })
    expect(r.summary.exit.class).toBe('ok')
    expect(r.summary.environment.shards).toMatchObject([{ index: 1 }, { index: 2 }])
  })

  it('a failing test in one shard makes the merge a test failure; --config gates replace the recorded ones', () => {
    const dirs = [1, 2].map((i) =>
      writeShard(`s${i}`, { index: i, count: 2, files: SUITE.slice(0, 2), tests: [testSummary(SUITE[i - 1]!, 't', i === 2 ? 'failed' : 'passed')] }),
    )
    const r = merged(dirs, [{ metric: 'tests.flaky', threshold: '< 1' }])
    expect(r.summary.exit).toEqual({ class: 'test-failure', code: 1 })
    expect(r.summary.gates?.results[0]).toMatchObject({ metric: 'tests.flaky', actual: 0, pass: true })
  })
})

describe('sets that do not belong together are refused, nothing written', () => {
  const refusal = (dirs: string[]) => {
    const r = mergeShards(dirs, { outDir: join(tmp, 'merged') })
    expect(existsSync(join(tmp, 'merged'))).toBe(false)
    return r.refused?.join('\n') ?? ''
  }
  it('different counts, a shard twice, different suites or settings, overlapping tests, the output over a shard', () => {
    const a = writeShard('a', { index: 1, tests: [testSummary(SUITE[0]!, 't')] })
    const b = writeShard('b', { index: 2, count: 4, tests: [testSummary(SUITE[1]!, 't')] })
    expect(refusal([a, b])).toMatch(/shards are of different runs: .*a is 1\/3; .*b is 2\/4/)
    const a2 = writeShard('a2', { index: 1, tests: [testSummary(SUITE[1]!, 'u')] })
    expect(refusal([a, a2])).toMatch(/shard 1\/3 is given twice: .*a and .*a2/)
    expect(refusal([a, a])).toMatch(/a is given 2 times/)
    const other = writeShard('other', { index: 2, tests: [testSummary(SUITE[1]!, 't')], files: [...SUITE, 'specs/d.spec.ts'] })
    expect(refusal([a, other])).toMatch(/other is a shard of a different run than .*a \(spec files of the suite: only in .*other: \["specs\/d\.spec\.ts"\]/)
    const seeded = writeShard('seeded', { index: 2, seed: '9', tests: [testSummary(SUITE[1]!, 't')] })
    expect(refusal([a, seeded])).toMatch(/seed \(--seed\): none in .*a, "9" in .*seeded/)
    const gated = writeShard('gated', { index: 2, gates: [{ metric: 'mos', threshold: '> 4' }], tests: [testSummary(SUITE[1]!, 't')] })
    expect(refusal([a, gated])).toMatch(/gates \(the config\)/)
    const overlap = writeShard('overlap', { index: 2, tests: [testSummary(SUITE[0]!, 't')] })
    expect(refusal([a, overlap])).toMatch(/test "specs\/a\.spec\.ts::t" is in two shards/)
    expect(mergeShards([a], { outDir: a }).refused?.join()).toMatch(/would overwrite the shard/)
    expect(refusal([])).toMatch(/no shard directory given/)
  })
})

describe('a missing or bad shard is reported, the others merged', () => {
  it('a missing index: the tests gathered are kept, the exit is 4 naming the missing shard', () => {
    const dirs = [1, 3].map((i) => writeShard(`s${i}`, { index: i, tests: [testSummary(SUITE[i - 1]!, 't')] }))
    const r = merged(dirs)
    expect(r.summary.tests.map((t) => t.file)).toEqual([SUITE[0], SUITE[2]])
    expect(r.summary.exit).toEqual({ class: 'infrastructure', code: 4 })
    expect(r.summary.infrastructureErrors).toEqual([
      expect.objectContaining({ code: 'SHARD_MISSING', message: expect.stringMatching(/incomplete: 2\/3 missing/) }),
    ])
  })

  it('malformed summary.json, missing shard.json, invalid call record lines: each names the directory and the file', () => {
    const t1 = testSummary(SUITE[0]!, 't')
    const good = writeShard('good', { index: 1, tests: [t1], records: [callRecord('c1', t1, 100)] })
    writeFileSync(join(good, 'call_records.jsonl'), `${readFileSync(join(good, 'call_records.jsonl'), 'utf8')}{"schema":"nope"}\nnot json\n`)
    rmSync(join(good, 'junit.xml'))
    const bad = writeShard('bad', { index: 2, tests: [testSummary(SUITE[1]!, 't')] })
    writeFileSync(join(bad, 'summary.json'), '{"schema": "rtcspec.run-summary/v1", "tests": [')
    const notShard = join(tmp, 'not-a-shard')
    mkdirSync(notShard)
    const r = merged([good, bad, notShard, join(tmp, 'nowhere')])
    expect(r.summary.tests.map((t) => t.id)).toEqual([t1.id])
    expect(r.callRecords).toBe(1)
    expect(r.summary.exit.class).toBe('infrastructure')
    const messages = r.summary.infrastructureErrors.map((e) => e.message).join('\n')
    expect(messages).toContain(`shard 2/3 could not be merged: ${join(bad, 'summary.json')} is not JSON`)
    expect(messages).toContain(`could not be merged: ${join(notShard, SHARD_FILE)} is missing: not a shard result directory`)
    expect(messages).toContain(`${join(tmp, 'nowhere')} is not a directory`)
    expect(messages).toMatch(/2 call record\(s\) do not match the schema: .*good\/call_records\.jsonl line 2: .*line 3: not JSON/)
    // 2/3 was unreadable (said above), 3/3 was not given at all.
    expect(messages).toMatch(/incomplete: 3\/3 missing/)
    expect(r.warnings.join('\n')).toContain(`${join(good, 'junit.xml')} is missing`)
  })
})

describe('an interrupted shard', () => {
  it('makes the merge interrupted (130), with the unfinished tests of every shard', () => {
    const late = testSummary(SUITE[1]!, 'late', 'skipped', { skipReason: 'interrupted: the run was stopped before this test ran' })
    const dirs = [
      writeShard('s1', { index: 1, count: 2, files: SUITE.slice(0, 2), tests: [testSummary(SUITE[0]!, 't', 'failed')] }),
      writeShard('s2', { index: 2, count: 2, files: SUITE.slice(0, 2), tests: [late], interrupted: { signal: 'SIGTERM', unfinished: [late.id] } }),
    ]
    const r = merged(dirs)
    expect(r.summary.exit).toEqual({ class: 'interrupted', code: 130 })
    expect(r.summary.interrupted).toMatchObject({ signal: 'SIGTERM', unfinished: [late.id] })
  })
})

describe('recordings and attachments', () => {
  it('are copied into the merged directory and the paths point at the copies, also after the shard directory moved', () => {
    const t1 = testSummary(SUITE[0]!, 'call one', 'passed', { annotations: [{ type: 'recording', message: 'bob', path: 'attachments/bob-1.wav' }] })
    const t2 = testSummary(SUITE[1]!, 'call two')
    const s1 = writeShard('s1', {
      index: 1,
      count: 2,
      files: SUITE.slice(0, 2),
      wroteAt: '/ci/runner/work/reports/shard-1',
      tests: [t1],
      records: [callRecord('c1', t1, 100, '/ci/runner/work/reports/shard-1/recordings/a.spec.ts/call-one/bob.wav')],
      extraFiles: {
        'recordings/a.spec.ts/call-one/bob.wav': 'RIFF-one',
        'recordings/a.spec.ts/call-one/bob.pcap': 'pcap-one',
        'attachments/bob-1.wav': 'att-one',
        'services/log.txt': 'same',
      },
    })
    const s2 = writeShard('s2', {
      index: 2,
      count: 2,
      files: SUITE.slice(0, 2),
      tests: [t2],
      records: [callRecord('c2', t2, 100, join(tmp, 's2', 'recordings', 'shared.wav'))],
      extraFiles: { 'recordings/shared.wav': 'RIFF-two', 'services/log.txt': 'different' },
    })
    const r = merged([s1, s2])
    const lines = readFileSync(join(r.outDir, 'call_records.jsonl'), 'utf8').trim().split('\n')
    const records = lines.map((l) => CallRecordSchema.parse(JSON.parse(l)))
    const rec1 = records.find((x) => x.id === 'c1')!.peers[0]!.recordings![0]!
    expect(rec1.path).toBe(join(r.outDir, 'recordings/a.spec.ts/call-one/bob.wav'))
    expect(readFileSync(rec1.path, 'utf8')).toBe('RIFF-one')
    expect(readFileSync(rec1.pcap!, 'utf8')).toBe('pcap-one')
    const rec2 = records.find((x) => x.id === 'c2')!.peers[0]!.recordings![0]!
    expect(readFileSync(rec2.path, 'utf8')).toBe('RIFF-two')
    expect(r.summary.tests[0]!.annotations![0]!.path).toBe('attachments/bob-1.wav')
    expect(readFileSync(join(r.outDir, 'attachments/bob-1.wav'), 'utf8')).toBe('att-one')
    // Two shards' different files at one path: the second goes under shards/<index>/.
    expect(readFileSync(join(r.outDir, 'services/log.txt'), 'utf8')).toBe('same')
    expect(readFileSync(join(r.outDir, 'shards/2/services/log.txt'), 'utf8')).toBe('different')
  })
})
