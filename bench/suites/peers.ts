/**
 * werift and Chromium peers side by side, same metrics in adjacent rows: back-to-back connect
 * p50/p95, time to first RTP, CPU per call, memory per call and the most concurrent calls held within loss.
 * Every call is a back-to-back call between two peers of the same kind on loopback, G.711 (PCMU) both ways.
 *
 * werift: all in this Node process. Chromium: pages of one headless browser (a holder page keeps it running, so
 * every figure is warm); its CPU and memory are the browser's process tree from /proc. Without Chromium the
 * Chromium rows say `n/a (install chromium)`.
 */
import { cpuUsage } from 'node:process'
import { loadavg } from 'node:os'
import { connectBackToBack, type BackToBackCall } from '../../src/peers/back-to-back.ts'
import { createWeriftPeer } from '../../src/peers/werift/peer.ts'
import { createChromiumPeer, type ChromiumPeer } from '../../src/peers/chromium/peer.ts'
import { existsSync } from 'node:fs'
import { chromiumExecutable } from '../../src/peers/chromium/browser.ts'
import { treePssBytes } from '../../src/peers/chromium/process-tree.ts'
import { tone } from '../../src/media/sources.ts'
import type { Peer } from '../../src/peers/types.ts'
import { mkdtempSync, rmSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { runLoad } from '../../src/load/run.ts'
import { mergeShards, readShardDir } from '../../src/load/merge.ts'
import type { LoadSummary } from '../../src/load/types.ts'
import { treeCpuMs } from '../proc-cpu.ts'
import { naRow, percentile, timeLeft, type BenchRow, type BenchRunOptions, type BenchSuite, type BenchTarget } from '../row.ts'

const SUITE = 'peers'
const LOSS_LIMIT = 0.005
const MiB = 2 ** 20
const CONNECT_TARGET: BenchTarget = { op: '<', value: 150 }
const CONCURRENT_TARGET: BenchTarget = { op: '>=', value: 200 }

type Kind = 'werift' | 'chromium'

interface Plan {
  sequential: number
  holdCalls: number
  holdMs: number
  levels: number[]
}

function plan(kind: Kind, o: BenchRunOptions): Plan {
  if (kind === 'werift')
    return o.quick ? { sequential: 10, holdCalls: 10, holdMs: 3000, levels: [] } : { sequential: 30, holdCalls: 20, holdMs: 5000, levels: [] }
  return o.quick ? { sequential: 3, holdCalls: 2, holdMs: 3000, levels: [2, 4] } : { sequential: 6, holdCalls: 3, holdMs: 5000, levels: [2, 4, 6, 8, 10] }
}

/**
 * Where each part must be done, as time left before the suite's deadline: werift's sequential calls and cost first,
 * then its concurrency (one thread, worker threads, processes), then Chromium (ms reserved for what comes after).
 */
const RESERVE_MS = { full: { afterWerift: 230_000, afterScale: 100_000 }, quick: { afterWerift: 100_000, afterScale: 25_000 } }

/** Chromium's getStats poll interval: short while timing the first packet, the default otherwise (polling costs CPU). */
const FIRST_PACKET_POLL_MS = 20

async function newPeer(kind: Kind, name: string, fastPoll: boolean): Promise<Peer> {
  return kind === 'werift'
    ? createWeriftPeer({ name, codecs: ['PCMU'] })
    : await createChromiumPeer({ name, codecs: ['PCMU'], ...(fastPoll ? { pollIntervalMs: FIRST_PACKET_POLL_MS } : {}) })
}

/** One call, media both ways; resolves once connected (not yet waiting for media). */
async function openCall(kind: Kind, i: number, fastPoll = false): Promise<BackToBackCall> {
  const a = await newPeer(kind, `${kind}-a${i}`, fastPoll)
  let b: Peer | undefined
  try {
    b = await newPeer(kind, `${kind}-b${i}`, fastPoll)
    const call = await connectBackToBack(a, b, { connectTimeoutMs: 20_000 })
    a.sendAudio(tone(440))
    b.sendAudio(tone(880))
    return call
  } catch (e) {
    await Promise.allSettled([a.close(), b?.close()])
    throw e
  }
}

function row(kind: Kind, metric: string, value: number, unit: string, note: string, target?: BenchTarget): BenchRow {
  return { suite: SUITE, metric, subject: kind, value, unit, note, ...(target ? { target } : {}) }
}

interface KindResult {
  connect: number[]
  firstRtp: number[]
  cpuPerCallPct?: number
  memPerCallMiB?: number
  memHow?: string
  maxCalls?: number
  rampNote?: string
  jitterP95AtMax?: number
  lossAtMax?: number
}

async function sequential(kind: Kind, p: Plan, r: KindResult, until: number, log: (l: string) => void): Promise<void> {
  for (let i = 0; i < p.sequential && performance.now() < until; i++) {
    const call = await openCall(kind, i, true)
    try {
      r.connect.push(call.timings.connectedMs)
      const track = await call.b.waitForTrack('audio', 10_000)
      await track.waitForPackets(1, 10_000)
      r.firstRtp.push(performance.now() - call.timings.startedAt)
    } finally {
      await call.close()
    }
  }
  log(`${kind}: connect p50 ${percentile(r.connect, 50).toFixed(0)} ms over ${r.connect.length} calls`)
}

interface Window {
  loss: number
  jitterP95: number
  starved: string | undefined
}

/** Loss and jitter over `ms` of media on every call's both sides (deltas over the window). */
async function holdWindow(calls: BackToBackCall[], ms: number): Promise<Window> {
  const peers = calls.flatMap((c) => [c.a, c.b])
  const start = await Promise.all(peers.map((p) => p.stats()))
  await new Promise((r) => setTimeout(r, ms))
  const end = await Promise.all(peers.map((p) => p.stats()))
  let lost = 0
  let expected = 0
  let starved: string | undefined
  const jitters: number[] = []
  end.forEach((s, i) => {
    const inb = s.inbound.find((x) => x.kind === 'audio')
    const before = start[i]!.inbound.find((x) => x.kind === 'audio')
    const received = (inb?.rtp.received ?? 0) - (before?.rtp.received ?? 0)
    const l = Math.max(0, (inb?.rtp.lost ?? 0) - (before?.rtp.lost ?? 0))
    lost += l
    expected += received + l
    jitters.push(inb?.rtp.jitterMs ?? Number.POSITIVE_INFINITY)
    // 20 ms packets: fewer than 95 % of what the window should carry means a starved sender (frames never
    // sent are lost audio too; 95 % rather than 99.5 % because the window edges blur a packet count by ±2).
    if (received < 0.95 * (ms / 20) && !starved) starved = `${s.peer} received ${received} packets in ${ms} ms`
  })
  return { loss: expected > 0 ? lost / expected : 1, jitterP95: percentile(jitters, 95), starved }
}

async function holdCost(kind: Kind, p: Plan, r: KindResult, holder: ChromiumPeer | undefined, log: (l: string) => void): Promise<void> {
  const calls: BackToBackCall[] = []
  try {
    globalThis.gc?.()
    const pid = holder?.browserPid
    const memBefore = kind === 'werift' ? process.memoryUsage().rss : pid ? treePssBytes(pid) : 0
    for (let i = 0; i < p.holdCalls; i++) calls.push(await openCall(kind, 1000 + i))
    await Promise.all(calls.map((c) => c.b.waitForTrack('audio', 10_000).then((t) => t.waitForPackets(10, 10_000))))
    globalThis.gc?.()
    const memAfter = kind === 'werift' ? process.memoryUsage().rss : pid ? treePssBytes(pid) : 0
    const cpu0 = cpuUsage()
    const tree0 = pid ? treeCpuMs(pid) : 0
    const t0 = performance.now()
    await new Promise((res) => setTimeout(res, p.holdMs))
    const wall = performance.now() - t0
    const node = cpuUsage(cpu0)
    const cpuMs = (node.user + node.system) / 1000 + (pid ? treeCpuMs(pid) - tree0 : 0)
    r.cpuPerCallPct = (cpuMs / wall / p.holdCalls) * 100
    r.memPerCallMiB = (memAfter - memBefore) / MiB / p.holdCalls
    r.memHow = kind === 'werift' ? 'Node RSS growth / calls (2 peers each)' : 'browser tree PSS growth / calls (2 pages each)'
    log(`${kind}: ${p.holdCalls} calls: CPU ${r.cpuPerCallPct.toFixed(2)} % of a core per call, memory ${r.memPerCallMiB.toFixed(2)} MiB per call`)
  } finally {
    await Promise.allSettled(calls.map((c) => c.close()))
  }
}

async function ramp(kind: Kind, p: Plan, r: KindResult, until: number, log: (l: string) => void): Promise<void> {
  const calls: BackToBackCall[] = []
  let failed: string | undefined
  try {
    for (const level of p.levels) {
      if (performance.now() + p.holdMs > until) {
        failed = `the suite's time budget ran out before ${level} calls`
        break
      }
      try {
        while (calls.length < level) {
          const batch = Math.min(kind === 'werift' ? 10 : 2, level - calls.length)
          calls.push(...(await Promise.all(Array.from({ length: batch }, (_, j) => openCall(kind, 2000 + calls.length + j)))))
          if (performance.now() > until) throw new Error(`set-up of ${level} calls ran out of the suite's time budget (${calls.length} up)`)
        }
        await Promise.all(calls.map((c) => c.b.waitForTrack('audio', 10_000)))
      } catch (e) {
        failed = `${level} calls: set-up failed: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`
        break
      }
      const w = await holdWindow(calls, p.holdMs)
      const why = w.starved ?? (w.loss >= LOSS_LIMIT ? `loss ${(w.loss * 100).toFixed(2)} %` : undefined)
      log(`${kind}: ${level} calls: loss ${(w.loss * 100).toFixed(3)} %, jitter p95 ${w.jitterP95.toFixed(1)} ms${why ? ` → stop (${why})` : ''}`)
      if (why) {
        failed = `${level} calls: ${why}`
        break
      }
      r.maxCalls = level
      r.lossAtMax = w.loss
      r.jitterP95AtMax = w.jitterP95
    }
  } finally {
    await Promise.allSettled(calls.map((c) => c.close()))
  }
  r.maxCalls ??= 0
  r.rampNote = `levels ${p.levels.join('/')}, ${p.holdMs / 1000} s each, loss < ${LOSS_LIMIT * 100} % and ≥ 95 % of the packets each side should get (jitter is reported, not limited); ${failed ? `stopped at ${failed}` : 'every level held'}; load avg ${loadavg()[0]!.toFixed(1)}`
}

/**
 * werift calls placed by `rtcspec load`'s engine, three ways on the same machine: one worker thread (one process's
 * one thread of calls), one worker thread per core in one process (`runLoad`), and one generator process per core
 * (`rtcspec load --shard i/N --start-at T`, merged like a distributed test). Same scenario, same verdict.
 */
type ScaleMode = 'one thread' | 'worker threads' | 'processes'

/** The most calls a mode held within loss and missing media, and how it went. */
interface ScaleResult {
  maxCalls: number
  note: string
  jitterP95?: number
}

const SCALE_RATE = 25

function scaleLevels(mode: ScaleMode, quick: boolean): number[] {
  if (mode === 'one thread') return quick ? [50] : [50, 100, 150, 200]
  return quick ? [200] : [100, 200, 250, 300]
}

/**
 * Why a level does not count as held, or undefined when it does: every call connected and held, pooled loss < 0.5 %,
 * and pooled missing media (lost + never sent by a sender that fell behind, from RTP timestamps) < 0.5 % too — frames
 * a starved sender skips are lost audio even though no sequence number is missing.
 */
function notHeld(s: LoadSummary, calls: number): string | undefined {
  const loss = s.lossAggregate.fraction
  const connectFailures = s.failureReasons.filter((f) => f.phase === 'connect' || f.phase === 'worker').reduce((n, f) => n + f.count, 0)
  if (connectFailures > 0) return `${connectFailures} calls failed to connect (${s.failureReasons[0]?.reason ?? '?'})`
  if (s.calls.connected < calls || s.concurrency.meanDuringHold < 0.95 * calls)
    return `${s.calls.connected} connected, mean ${s.concurrency.meanDuringHold.toFixed(0)} during the hold`
  if (loss >= LOSS_LIMIT) return `loss ${(loss * 100).toFixed(2)} %`
  if (s.missingAggregate.fraction >= LOSS_LIMIT)
    return `missing media ${(s.missingAggregate.fraction * 100).toFixed(2)} % (senders fell behind; network loss ${(loss * 100).toFixed(2)} %)`
  return undefined
}

const RTCSPEC_BIN = fileURLToPath(new URL('../../bin/rtcspec.mjs', import.meta.url))

/** Runs `count` generator processes of one sharded test and merges their summaries. */
async function shardedRun(calls: number, holdMs: number, count: number, dir: string): Promise<LoadSummary> {
  // the agreed start leaves every generator time to start its worker (Node + werift load in about a second, more
  // on a busy machine; a generator that starts more than 5 s after it refuses to run)
  const startAt = Date.now() + 5000
  const dirs = Array.from({ length: count }, (_, i) => join(dir, `shard-${i}`))
  const limitMs = 5000 + (calls / SCALE_RATE) * 1000 + holdMs + 60_000
  const ends = await Promise.all(
    dirs.map(
      (d, i) =>
        new Promise<{ code: number; stderr: string }>((resolveRun, rejectRun) => {
          const args = [RTCSPEC_BIN, 'load', 'b2b-pcmu', '--calls', `${calls}`, '--rate', `${SCALE_RATE}`, '--duration', `${holdMs}ms`]
          args.push('--workers', '1', '--shard', `${i}/${count}`, '--start-at', `${startAt}`, '--max-failures', `${calls}`, '--report-dir', d, '--json')
          const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] })
          let stderr = ''
          // the live progress lines are many; keep the tail, where a refusal or failure is
          child.stderr.on('data', (d) => (stderr = (stderr + String(d)).slice(-4000)))
          const timer = setTimeout(() => child.kill('SIGKILL'), limitMs)
          child.on('error', (e) => {
            clearTimeout(timer)
            rejectRun(e)
          })
          child.on('close', (code) => {
            clearTimeout(timer)
            resolveRun({ code: code ?? -1, stderr })
          })
        }),
    ),
  )
  const bad = ends.findIndex((e) => e.code !== 0)
  if (bad >= 0) {
    const last =
      ends[bad]!.stderr.trim()
        .split('\n')
        .filter((l) => !l.startsWith('load '))
        .at(-1) ?? ''
    throw new Error(`generator ${bad}/${count} exited with ${ends[bad]!.code}: ${last}`)
  }
  return mergeShards(dirs.map(readShardDir))
}

async function scale(mode: ScaleMode, o: BenchRunOptions, until: number, log: (l: string) => void): Promise<ScaleResult> {
  const levels = scaleLevels(mode, o.quick)
  const holdMs = o.quick ? 5000 : 8000
  const cores = availableParallelism()
  const how =
    mode === 'one thread'
      ? 'runLoad, 1 worker thread'
      : mode === 'worker threads'
        ? `runLoad, ${cores} worker threads in one process`
        : `${cores} generator processes (rtcspec load --shard i/${cores} --start-at T, 1 worker thread each), merged`
  const dir = mkdtempSync(join(tmpdir(), 'rtcspec-bench-load-'))
  let best: { calls: number; jitterP95?: number } | undefined
  let failed: string | undefined
  let flagged = ''
  let tried = 0
  try {
    for (const calls of levels) {
      // the ramp, the hold, and about 10 s to start the workers (or processes) and close the calls
      if (performance.now() + (calls / SCALE_RATE) * 1000 + holdMs + 10_000 > until) {
        failed = `the suite's time budget ran out before ${calls} calls`
        break
      }
      tried++
      const s =
        mode === 'processes'
          ? await shardedRun(calls, holdMs, cores, join(dir, `${calls}`))
          : await runLoad({
              spec: 'b2b-pcmu',
              calls,
              rate: SCALE_RATE,
              holdMs,
              workers: mode === 'one thread' ? 1 : cores,
              reportDir: dir,
              writeSummary: false,
              maxFailures: calls,
            })
      const jitterP95 = s.jitterMs.p95
      log(
        `werift, ${mode}: ${calls} calls: peak ${s.concurrency.peak}, failed ${s.calls.failed}, loss ${(s.lossAggregate.fraction * 100).toFixed(3)} %, missing ${(s.missingAggregate.fraction * 100).toFixed(2)} %, jitter p95 ${jitterP95?.toFixed(1) ?? '?'} ms, CPU ${s.cpu.processPercent.toFixed(0)} %`,
      )
      flagged = s.calls.failed > 0 ? `; runLoad flagged ${s.calls.failed} of ${calls} calls at ${calls} (${s.failureReasons[0]?.example ?? '?'})` : flagged
      const why = notHeld(s, calls)
      if (why) {
        failed = `${calls} calls: ${why}`
        break
      }
      best = { calls, ...(jitterP95 !== undefined ? { jitterP95 } : {}) }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  if (tried === 0) return { maxCalls: Number.NaN, note: `${how}: not measured, ${failed ?? 'no level'}; load avg ${loadavg()[0]!.toFixed(1)}` }
  return {
    maxCalls: best?.calls ?? 0,
    ...(best?.jitterP95 !== undefined ? { jitterP95: best.jitterP95 } : {}),
    note: `${how}; b2b-pcmu, ${SCALE_RATE} calls/s ramp, ${holdMs / 1000} s hold; levels ${levels.join('/')}; every call connected and held, loss and missing media < ${LOSS_LIMIT * 100} % pooled (jitter is reported, not limited); ${failed ? `stopped at ${failed}` : 'every level held'}${flagged}; load avg ${loadavg()[0]!.toFixed(1)}`,
  }
}

async function measure(kind: Kind, o: BenchRunOptions, until: number, log: (l: string) => void): Promise<KindResult> {
  const p = plan(kind, o)
  const r: KindResult = { connect: [], firstRtp: [] }
  if (performance.now() > until) {
    log(`${kind}: skipped, the suite's time budget ran out`)
    return r
  }
  // Chromium: one page holds the browser up, so every figure below is a warm start (the browser's launch is in `chromium`).
  const holder = kind === 'chromium' ? await createChromiumPeer({ name: 'holder' }) : undefined
  try {
    for (const [what, step] of [
      ['sequential calls', () => sequential(kind, p, r, until, log)],
      ['cost per call', () => holdCost(kind, p, r, holder, log)],
      // werift's concurrency is measured by rtcspec load's engine (see scale)
      ...(kind === 'chromium' ? [['concurrency ramp', () => ramp(kind, p, r, until, log)] as const] : []),
    ] as const) {
      if (performance.now() + p.holdMs > until) {
        log(`${kind}: ${what} skipped, the suite's time budget ran out`)
        continue
      }
      try {
        await step()
      } catch (e) {
        log(`${kind}: ${what} failed: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`)
      }
    }
  } finally {
    await holder?.close()
  }
  return r
}

export const peersSuite: BenchSuite = {
  name: SUITE,
  description: 'werift vs Chromium peers side by side: b2b connect, first RTP, CPU and memory per call, max concurrent calls',
  async run(log, options) {
    const results: Partial<Record<Kind, KindResult>> = {}
    const reserve = options.quick ? RESERVE_MS.quick : RESERVE_MS.full
    results.werift = await measure('werift', options, options.deadline - reserve.afterWerift, log)
    // the 200-call target's modes first, so a short budget still shows them
    const scaled: Partial<Record<ScaleMode, ScaleResult>> = {}
    for (const mode of ['worker threads', 'processes', 'one thread'] as const) {
      try {
        scaled[mode] = await scale(mode, options, options.deadline - reserve.afterScale, log)
      } catch (e) {
        log(`werift, ${mode}, failed: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`)
      }
    }
    const oneThread = scaled['one thread']
    if (results.werift && oneThread) {
      results.werift.maxCalls = oneThread.maxCalls
      results.werift.rampNote = oneThread.note
      if (oneThread.jitterP95 !== undefined) results.werift.jitterP95AtMax = oneThread.jitterP95
    }
    log(`${(timeLeft(options) / 1000).toFixed(0)} s left for Chromium`)
    if (existsSync(chromiumExecutable())) results.chromium = await measure('chromium', options, options.deadline, log)
    else log(`${chromiumExecutable()} not found (sudo apt-get install chromium, or set RTCSPEC_CHROMIUM): Chromium rows are n/a`)

    const rows: BenchRow[] = []
    const pair = (
      metric: string,
      unit: string,
      value: (r: KindResult) => number | undefined,
      note: (k: Kind, r: KindResult) => string,
      target?: BenchTarget,
    ) => {
      for (const kind of ['werift', 'chromium'] as const) {
        const r = results[kind]
        const v = r ? value(r) : undefined
        if (!r) rows.push(naRow(SUITE, metric, unit, 'chromium', { subject: kind, ...(target ? { target } : {}) }))
        else rows.push(row(kind, metric, v ?? Number.NaN, unit, v === undefined ? 'not measured (see the log)' : note(kind, r), target))
      }
    }
    const seqNote = (k: Kind, r: KindResult) => `${r.connect.length} sequential ${k}↔${k} calls, loopback${k === 'chromium' ? ', warm browser' : ''}`
    pair('b2b connect (offer → ICE+DTLS connected) p50', 'ms', (r) => (r.connect.length ? percentile(r.connect, 50) : undefined), seqNote, CONNECT_TARGET)
    pair('b2b connect (offer → ICE+DTLS connected) p95', 'ms', (r) => (r.connect.length ? percentile(r.connect, 95) : undefined), seqNote)
    const firstNote = (k: Kind, r: KindResult) => `${seqNote(k, r)}; offer → first packet seen${k === 'chromium' ? ' (getStats polled every 20 ms)' : ''}`
    pair('time to first RTP p50', 'ms', (r) => (r.firstRtp.length ? percentile(r.firstRtp, 50) : undefined), firstNote)
    pair('time to first RTP p95', 'ms', (r) => (r.firstRtp.length ? percentile(r.firstRtp, 95) : undefined), firstNote)
    pair(
      'CPU per call (both ends)',
      '% of a core',
      (r) => r.cpuPerCallPct,
      (k) =>
        `${plan(k, options).holdCalls} calls held ${plan(k, options).holdMs / 1000} s; ${k === 'werift' ? 'Node process' : 'browser process tree + Node'} CPU / calls`,
    )
    pair(
      'memory per call (both ends)',
      'MiB',
      (r) => r.memPerCallMiB,
      (_k, r) => r.memHow ?? '',
    )
    pair(
      'max concurrent calls within loss',
      'calls',
      (r) => r.maxCalls,
      (k, r) => `${k === 'werift' ? 'one Node process, one thread of calls' : 'one browser'}; ${r.rampNote ?? ''}`,
      CONCURRENT_TARGET,
    )
    const metric = 'max concurrent calls within loss'
    const at = rows.findIndex((x) => x.metric === metric && x.subject === 'werift') + 1
    const subjects = { 'worker threads': 'werift, worker threads', processes: `werift, ${availableParallelism()} processes` } as const
    rows.splice(
      at,
      0,
      ...(['worker threads', 'processes'] as const).map((mode) => ({
        suite: SUITE,
        metric,
        subject: subjects[mode],
        value: scaled[mode]?.maxCalls ?? Number.NaN,
        unit: 'calls',
        note: scaled[mode]?.note ?? 'not measured (see the log)',
        target: CONCURRENT_TARGET,
      })),
    )
    pair(
      'jitter p95 at max concurrent',
      'ms',
      (r) => r.jitterP95AtMax,
      (k, r) => `at ${r.maxCalls ?? 0} calls, RFC 3550, ${k === 'werift' ? 'per call (worse direction), one thread' : 'per stream'}`,
    )
    for (const mode of ['worker threads', 'processes'] as const) {
      const x = scaled[mode]
      if (x?.jitterP95 === undefined) continue
      rows.splice(rows.length - 1, 0, {
        suite: SUITE,
        metric: 'jitter p95 at max concurrent',
        subject: subjects[mode],
        value: x.jitterP95,
        unit: 'ms',
        note: `at ${x.maxCalls} calls, per call (worse direction)`,
      })
    }
    return rows
  },
}
