/**
 * Real load runs on loopback (werift peers in worker threads): counts and percentiles of the summary agree with
 * the per-call results, impairment shows in the loss, an abort still yields a summary, nothing is left open.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { RtcspecError } from '../../src/errors.ts'
import { describe, expect, it } from 'vitest'
import { runLoad } from '../../src/load/run.ts'
import { percentile } from '../../src/load/percentile.ts'
import { RELATIVE_PRECISION } from '../../src/load/histogram.ts'
import { eModel } from '../../src/media/emodel.ts'
import { CallRecordSchema } from '../../src/peers/call-record.ts'
import { LoadSummarySchema, type CallResult } from '../../src/load/types.ts'

function openSockets(): number {
  return readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`).startsWith('socket:')
    } catch {
      return false
    }
  }).length
}

describe('runLoad', () => {
  it('6 PCMU calls over 2 workers: summary figures match the per-call results, clean path has no loss, nothing leaks', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rtcspec-load-'))
    const socketsBefore = openSockets()
    const calls: CallResult[] = []
    const progress: number[] = []
    const s = await runLoad({
      spec: 'b2b-pcmu',
      calls: 6,
      rate: 10,
      holdMs: 4000,
      workers: 2,
      reportDir: dir,
      connectTimeoutMs: 20_000,
      maxMissing: 1,
      onCall: (r) => calls.push(r),
      onProgress: (p) => progress.push(p.connected),
      progressIntervalMs: 250,
    })
    const failures = calls.filter((c) => c.failure).map((c) => `${c.id}: [${c.failure!.phase}] ${c.failure!.reason}`)
    expect(failures, 'no call may fail on a clean loopback path').toEqual([])
    // counts
    expect(s.calls.attempted).toBe(6)
    expect(calls).toHaveLength(6)
    expect(s.calls.connected + calls.filter((c) => c.connectMs === undefined).length).toBe(s.calls.attempted)
    expect(s.calls.completed + s.calls.failed + s.calls.unfinished).toBe(s.calls.attempted)
    expect(s.calls).toMatchObject({ connected: 6, completed: 6, failed: 0, unfinished: 0, measured: 6 })
    expect(s.concurrency.peak).toBe(6)
    expect(Math.max(...progress)).toBeLessThanOrEqual(6)
    expect(s.stopReason).toBe('completed')
    expect(s.exit).toEqual({ class: 'ok', code: 0 })
    expect(s.options.maxMissing).toBe(1) // media gaps from a CPU-starved shared machine are not this test's subject
    // both workers ran calls (least-loaded assignment)
    expect(s.cpu.workers.map((w) => w.calls).sort()).toEqual([3, 3])
    expect(new Set(calls.map((c) => c.worker))).toEqual(new Set([0, 1]))
    // percentiles are the per-call values
    const connect = calls.map((c) => c.connectMs!)
    expect(s.setupMs).toMatchObject({ count: 6, max: Math.max(...connect), min: Math.min(...connect) })
    // from the HdrHistogram: the nearest-rank value within its precision (0.1 %, values kept to the µs)
    for (const p of [50, 95] as const) {
      const exact = percentile(connect, p)!
      expect(Math.abs(s.setupMs[`p${p}`]! - exact), `p${p}`).toBeLessThanOrEqual(exact * RELATIVE_PRECISION + 0.001)
    }
    for (const c of calls) {
      expect(c.directions.map((d) => d.receiver).sort()).toEqual(['alice', 'bob'])
      for (const d of c.directions) {
        expect(d.codec).toBe('PCMU')
        expect(d.lost, `call ${c.id} → ${d.receiver}`).toBe(0)
        expect(d.received).toBeGreaterThan(0) // how many depends on the CPU this shared machine gives the senders
        // MOS is the E-model of what the listener got: gaps whether lost or never sent (a starved CPU skips frames)
        expect(d.mos).toBeCloseTo(eModel({ codec: 'PCMU', lossFraction: Math.max(d.lossFraction, d.missingFraction), jitterMs: d.jitterMs }).mos, 10)
        expect(d.framesSpanned).toBeGreaterThanOrEqual(d.received)
      }
      expect(c.mediaMs).toBeGreaterThanOrEqual(1000)
    }
    expect(s.loss.max).toBe(0)
    expect(s.missingAggregate.frames).toBe(calls.reduce((n, c) => n + c.directions.reduce((m, d) => m + d.framesSpanned, 0), 0))
    expect(s.lossAggregate.lost).toBe(0)
    expect(s.lossAggregate.expected).toBe(calls.reduce((n, c) => n + c.directions.reduce((m, d) => m + d.expected, 0), 0))
    expect(s.mos.min).toBe(Math.min(...calls.map((c) => Math.min(...c.directions.map((d) => d.mos)))))
    // the file is the summary
    expect(LoadSummarySchema.parse(JSON.parse(readFileSync(join(dir, 'load-summary.json'), 'utf8')))).toEqual(s)
    // Linux: run-queue wait of the worker threads is measured (how busy the shared machine was)
    if (process.platform === 'linux') expect(s.cpu.workersWaitingForCpuPercent).toBeGreaterThanOrEqual(0)
    // every peer closed: no UDP socket left in the workers, none left in this process
    for (const w of s.cpu.workers) expect(w.udpSocketsAtStop, `worker ${w.index}`).toBe(0)
    expect(openSockets()).toBeLessThanOrEqual(socketsBefore)
  }, 120_000)

  it('a scenario file with 5 % seeded loss each way: the summary measures it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rtcspec-load-'))
    const file = join(dir, 'lossy.json')
    writeFileSync(
      file,
      JSON.stringify({
        peers: { alice: { send: { tone: 440 } }, bob: { send: { tone: 880 } } },
        codec: 'PCMA',
        network: { toA: { loss: 0.05 }, toB: { loss: 0.05 } },
      }),
    )
    const calls: CallResult[] = []
    const s = await runLoad({
      spec: file,
      calls: 4,
      rate: 10,
      holdMs: 5000,
      workers: 2,
      seed: 1234,
      reportDir: dir,
      connectTimeoutMs: 20_000,
      onCall: (r) => calls.push(r),
    })
    expect(calls.filter((c) => c.failure).map((c) => c.failure!.reason)).toEqual([])
    expect(s.spec).toMatchObject({ source: 'file', path: file })
    expect(s.options.seed).toBe(1234)
    expect(new Set(calls.map((c) => c.seed)).size).toBe(4) // one seed per call
    expect(s.calls.measured).toBe(4)
    // 8 directions; a starved shared CPU sends fewer packets than the 5 s hold allows, so ask for ≥ 400 in all:
    // 5 % ± 2 % is then ≥ 1.8 standard deviations of a fresh sample each side, and the fates are seeded (fixed per
    // packet index), so the measured loss only changes with how many packets were sent
    expect(s.lossAggregate.expected).toBeGreaterThan(400)
    expect(s.lossAggregate.fraction).toBeGreaterThan(0.03)
    expect(s.lossAggregate.fraction).toBeLessThan(0.07)
    expect(s.loss.p50).toBeGreaterThan(0.02)
    expect(s.mos.p50).toBeLessThan(4.3) // loss lowers the E-model estimate below a clean call's 4.39
    expect(s.missingAggregate.fraction).toBeGreaterThanOrEqual(s.lossAggregate.fraction - 0.01)
    expect(LoadSummarySchema.parse(s)).toEqual(s)
    expect(s.exit.code).toBe(0)
  }, 120_000)

  it('--max-missing fails calls whose media timeline has gaps, with the receiver and share in the reason', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rtcspec-load-'))
    const file = join(dir, 'gappy.json')
    writeFileSync(file, JSON.stringify({ peers: { alice: { send: { tone: 440 } }, bob: { send: { tone: 880 } } }, network: { toB: { loss: 0.3 } } }))
    const calls: CallResult[] = []
    const s = await runLoad({
      spec: file,
      calls: 2,
      rate: 10,
      holdMs: 3000,
      workers: 1,
      seed: 99,
      maxMissing: 0.1,
      records: true,
      reportDir: dir,
      connectTimeoutMs: 20_000,
      onCall: (r) => calls.push(r),
    })
    expect(calls.map((c) => c.failure?.phase)).toEqual(['media', 'media'])
    for (const c of calls) expect(c.failure!.reason).toMatch(/^bob got no packet for \d+\.\d % of the media timeline \(allowed 10\.0 %/)
    expect(s.calls).toMatchObject({ attempted: 2, connected: 2, failed: 2, completed: 0 })
    expect(s.failureReasons).toHaveLength(1)
    expect(s.failureReasons[0]).toMatchObject({ phase: 'media', count: 2 })
    expect(s.exit).toEqual({ class: 'test-failure', code: 1 })
    expect(s.missingAggregate.fraction).toBeGreaterThan(0.1)
    // --records: one call record per call, written by the workers
    const records = readFileSync(join(dir, 'call_records.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => CallRecordSchema.parse(JSON.parse(l)))
    expect(records.map((r) => r.kind)).toEqual(['load', 'load'])
    expect(records.every((r) => r.peers.length === 2 && r.extra?.seed !== undefined)).toBe(true)
    expect(LoadSummarySchema.parse(s)).toEqual(s)
  }, 120_000)

  it("a scenario file's own duration: each call lasts that long and is replaced, so the target stays active", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rtcspec-load-'))
    const file = join(dir, 'short.mjs')
    writeFileSync(file, "export default { peers: { alice: { send: { tone: 440 } }, bob: { send: { tone: 880 } } }, duration: '1500ms' }\n")
    const calls: CallResult[] = []
    const s = await runLoad({
      spec: file,
      calls: 2,
      rate: 10,
      holdMs: 5000,
      workers: 1,
      reportDir: dir,
      connectTimeoutMs: 20_000,
      onCall: (r) => calls.push(r),
    })
    expect(calls.filter((c) => c.failure).map((c) => c.failure!.reason)).toEqual([])
    expect(s.options.callDurationMs).toBe(1500)
    expect(s.calls.attempted).toBeGreaterThanOrEqual(4) // 2 at the ramp, then replacements during the 5 s hold
    expect(s.concurrency.peak).toBeLessThanOrEqual(2)
    // calls that ended on their own lasted their duration; those cut by the stop are shorter
    const holdEnd = Math.min(...calls.map((c) => c.startedAtMs)) + s.rampMs! + s.heldMs
    const ownEnd = calls.filter((c) => c.endedAtMs < holdEnd && c.mediaMs !== undefined)
    expect(ownEnd.length).toBeGreaterThanOrEqual(2)
    for (const c of ownEnd) expect(c.mediaMs!).toBeGreaterThanOrEqual(1500)
  }, 120_000)

  it('workers that cannot start: LOAD_WORKERS (the CLI exits 4), nothing left running', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rtcspec-load-'))
    const broken = join(dir, 'worker.mjs')
    writeFileSync(broken, "throw new Error('cannot load the call engine')\n")
    const err = await runLoad({ spec: 'b2b-pcmu', calls: 2, rate: 10, holdMs: 1000, workers: 2, reportDir: dir, workerUrl: pathToFileURL(broken) }).catch(
      (e: unknown) => e,
    )
    expect(err).toBeInstanceOf(RtcspecError)
    expect((err as RtcspecError).code).toBe('LOAD_WORKERS')
    expect((err as Error).message).toMatch(/could not start 2 load worker thread\(s\): .*cannot load the call engine/)
    expect(existsSync(join(dir, 'load-summary.json'))).toBe(false)
  }, 60_000)

  it('an abort mid-run stops early and still summarises what was gathered', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rtcspec-load-'))
    const stop = new AbortController()
    const calls: CallResult[] = []
    const t0 = performance.now()
    const s = await runLoad({
      spec: 'b2b-pcmu',
      calls: 4,
      rate: 10,
      holdMs: 600_000,
      workers: 2,
      reportDir: dir,
      connectTimeoutMs: 20_000,
      maxMissing: 1, // media gaps from a CPU-starved shared machine are not this test's subject
      onCall: (r) => calls.push(r),
      progressIntervalMs: 100,
      onProgress: (p) => {
        // abort once every call is connected and media has flowed a little
        if (p.connected === 4 && !stop.signal.aborted) setTimeout(() => stop.abort(), 1500)
      },
      signal: stop.signal,
    })
    expect(performance.now() - t0).toBeLessThan(90_000) // not the 10-minute hold
    expect(s.stopReason).toBe('interrupted')
    expect(s.exit).toEqual({ class: 'interrupted', code: 130 })
    expect(s.calls).toMatchObject({ attempted: 4, connected: 4, completed: 4, failed: 0, unfinished: 0, measured: 4 })
    expect(calls).toHaveLength(4)
    expect(s.heldMs).toBeLessThan(60_000)
    expect(s.lossAggregate.expected).toBeGreaterThan(4 * 2 * 50) // ≥ 1 s of media each way per call
    expect(JSON.parse(readFileSync(join(dir, 'load-summary.json'), 'utf8')).stopReason).toBe('interrupted')
    for (const w of s.cpu.workers) expect(w.udpSocketsAtStop).toBe(0)
  }, 120_000)
})
