/**
 * `runLoad`: drives many concurrent calls of one scenario across worker threads, so DTLS/SRTP work uses every
 * core. The main thread only schedules (the global start rate) and aggregates; each worker runs whole calls with
 * the normal call engine (src/calls/open.ts) and reports each call by message.
 *
 * Timeline of a run: **ramp** (one new call every 1/rate s until `calls` have been started), then **hold** for
 * `holdMs`, during which a call that ends (it failed, or its own duration elapsed) is replaced at the same rate so
 * that `calls` stay active; then **stop**: no new calls, every call measures and closes, workers are terminated.
 * @module
 */
import { createHash } from 'node:crypto'
import { availableParallelism, cpus, hostname, loadavg } from 'node:os'
import { mkdirSync } from 'node:fs'
import { extname, join, resolve } from 'node:path'
import { Worker } from 'node:worker_threads'
import { z } from 'zod'
import { writeFileAtomic } from '../atomic-write.ts'
import { RtcspecError } from '../errors.ts'
import { parseOptions } from '../options.ts'
import { RatioSchema, toRatio, type Ratio } from '../calls/ratio.ts'
import { EXIT_CODES } from '../exit-codes.ts'
import { resolveLoadSpec, type LoadScenario } from './spec.ts'
import { emptyFigures, encodeFigures, recordCall, summaryFigures } from './summary.ts'
import { workerThreadSched } from './sched.ts'
import { callSeed, shardPlan, waitUntil, START_AT_MAX_AHEAD_MS, START_AT_MAX_PAST_MS } from './shard.ts'
import type { CallResult, FromWorker, LoadPlan, LoadTurnServer, LoadSummary, PlacedCall, StartCallMessage, ThreadCpu, ToWorker, WorkerInit } from './types.ts'
import { LoadSummarySchema } from './types.ts'

/** Live figures, reported about once a second while the run goes. */
export interface LoadProgress {
  elapsedMs: number
  /** `starting` while the workers load, then `ramp`, `hold`, `stopping`. */
  phase: 'starting' | 'ramp' | 'hold' | 'stopping'
  /** Calls started and without a result yet. */
  active: number
  /** Of those, ICE + DTLS connected. */
  connected: number
  /** Of those, still connecting. */
  connecting: number
  target: number
  started: number
  completed: number
  failed: number
  /** Calls that connected during the last progress interval, per second. */
  setupRate: number
  /** Process CPU over the last interval, percent of one core. */
  cpuPercent: number
}

/** Options of {@link runLoad}. */
export interface LoadOptions {
  /** A built-in scenario name (`b2b-pcmu`, `b2b-pcma`, `b2b-opus`), a scenario file path, or a resolved scenario. */
  spec: string | LoadScenario
  /** Target concurrent calls. */
  calls: number
  /** New calls per second (ramp-up and replacements). */
  rate: number
  /** How long the load holds after the ramp, ms. */
  holdMs: number
  /** Worker threads; default `os.availableParallelism()`. */
  workers?: number
  /** Base impairment seed (scenarios with a network); default the spec's seed, else `$RTCSPEC_SEED`, else random. */
  seed?: number
  /** Where `load-summary.json` (and call records) go; default `$RTCSPEC_REPORT_DIR` or `reports/`. */
  reportDir?: string
  /** Append a call record per call to `<reportDir>/call_records.jsonl`. Default false. */
  records?: boolean
  /** More failed calls than this makes the exit class `test-failure`. Default 0. */
  maxFailures?: number
  /**
   * A call fails when more than this share (a fraction `0.05` or `'5%'`) of a direction's media timeline had no packet (lost, or never
   * sent because a starved sender fell behind). Default 0.05 for the built-in scenarios (a clean path), not checked
   * for scenario files (their `expect` decides) unless given.
   */
  maxMissing?: Ratio
  /**
   * At most this many calls connecting (started, not yet connected) at once; while at the cap, starts wait, so the
   * set-up rate adapts to what the machine can do instead of piling up connect timeouts. Default 10 per worker.
   */
  maxConnecting?: number
  /** Connect (ICE + DTLS) timeout of each call; default the scenario's `connectTimeout` (10 s). */
  connectTimeoutMs?: number
  /** Each call's length; default the scenario's own `duration` when it states one, else calls hold until the end. */
  callDurationMs?: number
  /** Aborting stops the run gracefully: calls are measured and closed, the summary covers what was gathered. */
  signal?: AbortSignal
  /** Aborting terminates the workers at once (calls still running count as unfinished). */
  forceSignal?: AbortSignal
  /** Called about every `progressIntervalMs` (default 1000) with live figures. */
  onProgress?: (p: LoadProgress) => void
  progressIntervalMs?: number
  /** Called with every call's result as it arrives (the summary keeps only the figures). */
  onCall?: (result: CallResult) => void
  /** The worker module (default `./worker.ts` next to this one); tests point it elsewhere to check start failures. */
  workerUrl?: URL
  /** Write `<reportDir>/load-summary.json` and `<reportDir>/load-calls.jsonl` (default true). */
  writeSummary?: boolean
  /**
   * Place one share of a distributed test (`--shard i/N`): shard `index` of `count` starts the calls with the
   * global ids `index, index + count, …` and their seeds, keeps its share of `calls` active at `rate / count`.
   * `calls` and `rate` stay the whole test's figures. Default: the whole test (shard 0 of 1).
   */
  shard?: { index: number; count: number }
  /**
   * The agreed start, epoch ms (`--start-at`): the workers start first, then the first call waits for this moment
   * (plus `index / rate` for a shard, so the shards' starts interleave like one run's). At most
   * 5 s in the past and 24 h ahead.
   */
  startAtEpochMs?: number
  /**
   * Relay every call through this TURN server, both peers relay-only (`--turn`): the TURN server is then the
   * system under test, and a call connects only when it relays.
   */
  turn?: LoadTurnServer
}

const OptionsSchema = z.object({
  calls: z.number().int('--calls must be a whole number').positive('--calls must be at least 1').max(100_000),
  rate: z.number().positive('--rate must be above 0').max(10_000),
  holdMs: z
    .number()
    .nonnegative('--duration must not be negative')
    .max(7 * 24 * 3600_000),
  workers: z.number().int('--workers must be a whole number').positive('--workers must be at least 1').max(256),
  maxFailures: z.number().int().nonnegative('--max-failures must not be negative'),
  maxConnecting: z.number().int('--max-connecting must be a whole number').positive('--max-connecting must be at least 1'),
  connectTimeoutMs: z.number().positive().max(600_000),
  callDurationMs: z.number().positive('--call-duration must be above 0').optional(),
  maxMissing: z.number().min(0, '--max-missing must be within 0..1').max(1, '--max-missing must be within 0..1').optional(),
  seed: z.number().int().optional(),
})

const fn = (what: string) => z.custom<(...args: never[]) => unknown>((v) => typeof v === 'function', `${what} is a function`)
/** The keys and types of {@link LoadOptions} as given (strict: a misspelt option is an error with a did-you-mean). */
const LoadOptionsInputSchema = z.strictObject({
  spec: z.union([z.string().min(1), z.custom<LoadScenario>((v) => typeof v === 'object' && v !== null, 'a resolved scenario')]),
  calls: z.number(),
  rate: z.number(),
  holdMs: z.number(),
  workers: z.number().optional(),
  seed: z.number().optional(),
  reportDir: z.string().optional(),
  records: z.boolean().optional(),
  maxFailures: z.number().optional(),
  maxMissing: RatioSchema.optional(),
  maxConnecting: z.number().optional(),
  connectTimeoutMs: z.number().optional(),
  callDurationMs: z.number().optional(),
  signal: z.instanceof(AbortSignal).optional(),
  forceSignal: z.instanceof(AbortSignal).optional(),
  onProgress: fn('onProgress').optional(),
  progressIntervalMs: z.number().positive().optional(),
  onCall: fn('onCall').optional(),
  workerUrl: z.instanceof(URL).optional(),
  writeSummary: z.boolean().optional(),
  shard: z.strictObject({ index: z.number(), count: z.number() }).optional(),
  startAtEpochMs: z.number().optional(),
  turn: z
    .strictObject({
      urls: z.string().regex(/^turns?:[^\s]+$/, 'a TURN URL: turn:host:port?transport=udp|tcp or turns:host:port?transport=tcp'),
      username: z.string().optional(),
      credential: z.string().optional(),
    })
    .optional(),
})

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
type AssertTrue<T extends true> = T
/** Compile-time: the input schema knows exactly the keys of `LoadOptions`. */
export type LoadOptionKeysCovered = AssertTrue<Same<keyof LoadOptions, keyof z.input<typeof LoadOptionsInputSchema>>>

/** How long a worker may take to load its modules and say ready. */
const WORKER_READY_TIMEOUT_MS = 60_000
/** Extra time, past connect + close timeouts, that workers get to finish after stop before they are terminated. */
const STOP_GRACE_MS = 5000

interface WorkerSlot {
  index: number
  worker: Worker
  active: number
  calls: number
  cpu: ThreadCpu
  alive: boolean
  stopped: boolean
  udpSocketsAtStop?: number
  startedAt: number
  endedAt?: number
}

/** The worker module next to this one, with this module's own extension (.ts from source, .js when built). */
function workerUrl(): URL {
  return new URL(`./worker${extname(new URL(import.meta.url).pathname) || '.ts'}`, import.meta.url)
}

function usage(message: string, hint?: string): RtcspecError {
  return new RtcspecError('LOAD_USAGE', message, hint ? { hint } : {})
}

/**
 * Runs a load: resolves when every worker has been terminated, with the summary (also written to
 * `<reportDir>/load-summary.json`). Throws `RtcspecError` with code `LOAD_SPEC`/`LOAD_USAGE` for bad input
 * (nothing started) and `LOAD_WORKERS` when the workers cannot be started.
 */
export async function runLoad(options: LoadOptions): Promise<LoadSummary> {
  parseOptions(LoadOptionsInputSchema, options, { code: 'LOAD_USAGE', what: 'load options', hint: 'see LoadOptions in src/load/run.ts' })
  const scenario = typeof options.spec === 'string' ? await resolveLoadSpec(options.spec) : options.spec
  const parsedOpts = OptionsSchema.safeParse({
    calls: options.calls,
    rate: options.rate,
    holdMs: options.holdMs,
    workers: options.workers ?? availableParallelism(),
    maxFailures: options.maxFailures ?? 0,
    maxConnecting: options.maxConnecting ?? 10 * (options.workers ?? availableParallelism()),
    connectTimeoutMs: options.connectTimeoutMs ?? scenario.parsed.connectTimeout,
    callDurationMs: options.callDurationMs ?? scenario.ownDurationMs,
    maxMissing: options.maxMissing !== undefined ? toRatio(options.maxMissing, 'maxMissing') : scenario.source === 'builtin' ? 0.05 : undefined,
    seed: options.seed,
  })
  if (!parsedOpts.success) throw usage(`invalid load options: ${parsedOpts.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`)
  const o = parsedOpts.data
  const reportDir = resolve(options.reportDir ?? process.env.RTCSPEC_REPORT_DIR ?? 'reports')
  const records = options.records ?? false
  const hasNetwork = scenario.parsed.network !== undefined
  const envSeed =
    process.env.RTCSPEC_SEED !== undefined && process.env.RTCSPEC_SEED !== '' && Number.isFinite(Number(process.env.RTCSPEC_SEED))
      ? Number(process.env.RTCSPEC_SEED) >>> 0
      : undefined
  const shard = shardPlan({ calls: o.calls, rate: o.rate, ...(options.shard ? { shard: options.shard } : {}) })
  const startAt = options.startAtEpochMs
  if (startAt !== undefined) {
    const ahead = startAt - Date.now()
    if (!Number.isFinite(startAt)) throw usage('the start time (--start-at) is not a valid time')
    if (ahead < -START_AT_MAX_PAST_MS)
      throw usage(
        `the start time (--start-at ${new Date(startAt).toISOString()}) is ${(-ahead / 1000).toFixed(1)} s in the past`,
        'generators start together at a time all of them are still waiting for: pick one a little after the slowest generator is up (e.g. now + 30 s), the same for every shard',
      )
    if (ahead > START_AT_MAX_AHEAD_MS)
      throw usage(
        `the start time (--start-at ${new Date(startAt).toISOString()}) is ${(ahead / 3600_000).toFixed(1)} h ahead; at most ${START_AT_MAX_AHEAD_MS / 3600_000} h`,
        'pick a start a little after every generator is up, not a schedule: start the generators later instead',
      )
  }
  const chosenSeed = o.seed ?? scenario.parsed.network?.seed ?? envSeed
  if (hasNetwork && chosenSeed === undefined && shard.count > 1 && startAt === undefined)
    throw usage(
      'a sharded run of a scenario with a network needs one impairment seed for every shard',
      'give every generator the same --seed (or --start-at, which then seeds the run), so call i gets the same seed as in one run',
    )
  // Sharded without a seed: the agreed start seeds the run, so every generator derives the same per-call seeds.
  const baseSeed = hasNetwork ? (chosenSeed ?? (shard.count > 1 ? startAt! : Math.floor(Math.random() * 0x100000000))) >>> 0 : undefined
  const seedFor = (id: number) => (baseSeed === undefined ? undefined : callSeed(baseSeed, id))

  const startedAt = new Date()
  const originWall = startedAt.getTime()
  const origin = performance.now()
  const originEpoch = performance.timeOrigin + origin
  const now = () => performance.now() - origin
  const cpu0 = process.cpuUsage()
  const main0 = process.threadCpuUsage()

  // ---- workers
  const slots: WorkerSlot[] = []
  const figures = emptyFigures()
  const placed: PlacedCall[] = []
  const pending = new Map<number, { slot: WorkerSlot; startedAtMs: number; connected: boolean }>()
  let connectedNow = 0
  let peak = 0
  let holdStart: number | undefined
  let holdEnd: number | undefined
  let area = 0
  let lastChange = 0
  const connectTimes: number[] = [] // when each call connected, ms since origin
  let rampEnd: number | undefined
  let firstStart: number | undefined

  const integrate = (t: number) => {
    if (holdStart !== undefined) {
      const from = Math.max(lastChange, holdStart)
      const to = holdEnd !== undefined ? Math.min(t, holdEnd) : t
      if (to > from) area += connectedNow * (to - from)
    }
    lastChange = t
  }
  const setConnected = (delta: number) => {
    integrate(now())
    connectedNow += delta
    peak = Math.max(peak, connectedNow)
  }

  const onResult = (r: CallResult) => {
    const p = pending.get(r.id)
    if (!p) return
    pending.delete(r.id)
    p.slot.active--
    if (p.connected) setConnected(-1)
    else if (r.connectMs !== undefined) {
      // connected and ended between two messages: count its connect time
      connectTimes.push(r.startedAtMs + r.connectMs)
    }
    recordCall(figures, r)
    placed.push({
      id: r.id,
      shard: shard.index,
      ...(r.seed !== undefined ? { seed: r.seed } : {}),
      startedAtEpochMs: Math.round((originWall + r.startedAtMs) * 1000) / 1000,
      outcome: r.outcome,
      ...(r.failure ? { failurePhase: r.failure.phase } : {}),
    })
    try {
      options.onCall?.(r)
    } catch (e) {
      process.stderr.write(`rtcspec load: onCall threw: ${e instanceof Error ? e.message : String(e)}\n`)
    }
  }

  const failPendingOf = (slot: WorkerSlot, reason: string) => {
    for (const [id, p] of pending) {
      if (p.slot !== slot) continue
      onResult({
        id,
        worker: slot.index,
        startedAtMs: p.startedAtMs,
        endedAtMs: now(),
        outcome: 'failed',
        failure: { phase: 'worker', reason },
        directions: [],
        measured: false,
      })
    }
  }

  const spawn = (index: number): Promise<WorkerSlot> =>
    new Promise((resolveSpawn, rejectSpawn) => {
      const init: WorkerInit = {
        index,
        spec: scenario.spec,
        connectTimeoutMs: o.connectTimeoutMs,
        records,
        reportDir,
        ...(o.maxMissing !== undefined ? { maxMissing: o.maxMissing } : {}),
        ...(options.turn ? { turn: options.turn } : {}),
      }
      let worker: Worker
      try {
        worker = new Worker(options.workerUrl ?? workerUrl(), { workerData: init, env: { ...process.env, RTCSPEC_REPORT_DIR: reportDir }, stderr: false })
      } catch (e) {
        rejectSpawn(e)
        return
      }
      const slot: WorkerSlot = { index, worker, active: 0, calls: 0, cpu: { user: 0, system: 0 }, alive: true, stopped: false, startedAt: now() }
      let ready = false
      const timer = setTimeout(() => {
        if (!ready) rejectSpawn(new Error(`worker ${index} did not start within ${WORKER_READY_TIMEOUT_MS / 1000} s`))
      }, WORKER_READY_TIMEOUT_MS)
      worker.on('message', (m: FromWorker) => {
        if (m.type === 'ready') {
          ready = true
          clearTimeout(timer)
          resolveSpawn(slot)
        } else if (m.type === 'fatal') {
          clearTimeout(timer)
          rejectSpawn(new Error(`worker ${index}: ${m.message}`))
        } else if (m.type === 'connected') {
          const p = pending.get(m.id)
          if (p && !p.connected) {
            p.connected = true
            connectTimes.push(now())
            setConnected(1)
          }
        } else if (m.type === 'result') onResult(m.result)
        else if (m.type === 'cpu') slot.cpu = m.cpu
        else if (m.type === 'stopped') {
          slot.cpu = m.cpu
          slot.udpSocketsAtStop = m.udpSockets
          slot.stopped = true
        }
      })
      worker.on('error', (e) => {
        clearTimeout(timer)
        if (!ready) rejectSpawn(e)
        slot.alive = false
        failPendingOf(slot, `worker ${index} crashed: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`)
      })
      worker.on('exit', (code) => {
        clearTimeout(timer)
        if (!ready) rejectSpawn(new Error(`worker ${index} exited with code ${code} before it was ready`))
        slot.alive = false
        slot.endedAt ??= now()
        failPendingOf(slot, `worker ${index} exited (code ${code}) while the call ran`)
      })
      slots.push(slot)
    })

  const terminateAll = async () => {
    await Promise.allSettled(
      slots.map(async (s) => {
        s.endedAt ??= now()
        await s.worker.terminate()
      }),
    )
  }

  let started = 0
  let nextStartAt = 0
  const interval = 1000 / shard.rate
  let phase: LoadProgress['phase'] = 'starting'
  let progressTimer: ReturnType<typeof setInterval> | undefined
  let lastProgress = { t: 0, cpu: process.cpuUsage(), connects: 0 }
  const progress = (): LoadProgress => {
    const t = now()
    const cpu = process.cpuUsage()
    const dt = Math.max(1, t - lastProgress.t)
    const cpuPercent = ((cpu.user - lastProgress.cpu.user + cpu.system - lastProgress.cpu.system) / 1000 / dt) * 100
    const setupRate = ((connectTimes.length - lastProgress.connects) * 1000) / dt
    lastProgress = { t, cpu, connects: connectTimes.length }
    return {
      elapsedMs: t,
      phase,
      active: pending.size,
      connected: connectedNow,
      connecting: pending.size - connectedNow,
      target: shard.calls,
      started,
      completed: figures.calls.completed,
      failed: figures.calls.failed,
      setupRate,
      cpuPercent,
    }
  }
  if (options.onProgress) {
    const cb = options.onProgress
    progressTimer = setInterval(() => cb(progress()), options.progressIntervalMs ?? 1000)
  }

  try {
    await Promise.all(Array.from({ length: o.workers }, (_, i) => spawn(i)))
  } catch (e) {
    if (progressTimer) clearInterval(progressTimer)
    await terminateAll()
    throw new RtcspecError('LOAD_WORKERS', `could not start ${o.workers} load worker thread(s): ${e instanceof Error ? e.message : String(e)}`, {
      cause: e,
      hint: 'worker threads need Node 22.18+/24 (type stripping for the .ts worker) and enough memory; try fewer --workers',
    })
  }

  // ---- the agreed start (bounded: at most 24 h ahead, checked above; an abort ends the wait)
  const scheduledStart = startAt !== undefined ? startAt + shard.offsetMs : undefined
  if (scheduledStart !== undefined) await waitUntil(scheduledStart, options.signal)
  let firstCallWall: number | undefined

  // ---- schedule
  nextStartAt = now()
  phase = 'ramp'
  let interrupted = false
  let forced = false
  const startOne = () => {
    const live = slots.filter((s) => s.alive)
    if (!live.length) return false
    const slot = live.reduce((a, b) => (b.active < a.active ? b : a))
    const id = shard.index + started++ * shard.count
    const t = now()
    if (firstStart === undefined) {
      firstStart = t
      firstCallWall = originWall + t
    }
    const seed = seedFor(id)
    const msg: StartCallMessage = {
      type: 'start',
      id,
      startedAtMs: t,
      runOriginEpochMs: originEpoch,
      ...(seed !== undefined ? { seed } : {}),
      ...(o.callDurationMs !== undefined ? { holdMs: o.callDurationMs } : {}),
    }
    pending.set(id, { slot, startedAtMs: t, connected: false })
    slot.active++
    slot.calls++
    slot.worker.postMessage(msg satisfies ToWorker)
    return true
  }

  await new Promise<void>((resolveRun) => {
    const onAbort = () => {
      interrupted = true
      finish()
    }
    const tick = setInterval(
      () => {
        const t = now()
        if (phase === 'ramp' || phase === 'hold') {
          if (nextStartAt < t - interval) nextStartAt = t - interval // no burst after a stall
          while (pending.size < shard.calls && pending.size - connectedNow < o.maxConnecting && t >= nextStartAt) {
            if (!startOne()) return finish()
            nextStartAt += interval
          }
        }
        if (phase === 'ramp' && started >= shard.calls) {
          phase = 'hold'
          rampEnd = t
          integrate(t)
          holdStart = t
        }
        if (phase === 'hold' && holdStart !== undefined && t - holdStart >= o.holdMs) finish()
      },
      Math.max(5, Math.min(50, interval / 2)),
    )
    function finish() {
      if (phase === 'stopping') return
      clearInterval(tick)
      options.signal?.removeEventListener('abort', onAbort)
      const t = now()
      if (holdStart !== undefined) {
        integrate(t)
        holdEnd = t
      }
      phase = 'stopping'
      resolveRun()
    }
    if (options.signal?.aborted) onAbort()
    else options.signal?.addEventListener('abort', onAbort, { once: true })
  })

  // ---- stop: every worker measures and closes its calls, bounded; then terminated regardless.
  const stopDeadline = o.connectTimeoutMs + 5000 + STOP_GRACE_MS
  for (const s of slots) if (s.alive) s.worker.postMessage({ type: 'stop' } satisfies ToWorker)
  await new Promise<void>((resolveStop) => {
    const t0 = now()
    const check = setInterval(() => {
      const done = slots.every((s) => s.stopped || !s.alive)
      if (done || options.forceSignal?.aborted || now() - t0 > stopDeadline) {
        forced = !done
        clearInterval(check)
        resolveStop()
      }
    }, 20)
  })
  if (progressTimer) clearInterval(progressTimer)
  const sched = workerThreadSched() // before the threads go away
  await terminateAll()
  const unfinished = pending.size
  pending.clear()

  // ---- summary
  const wallMs = now()
  const cpu1 = process.cpuUsage(cpu0)
  const main1 = process.threadCpuUsage(main0)
  const figs = summaryFigures(figures, { attempted: started, unfinished })
  const failedCount = figs.calls.failed
  const exitClass: LoadSummary['exit']['class'] = interrupted || forced ? 'interrupted' : failedCount > o.maxFailures ? 'test-failure' : 'ok'
  const exitCode = EXIT_CODES[exitClass]
  const plan: LoadPlan = {
    spec: scenario.name,
    specSha256: createHash('sha256').update(JSON.stringify(scenario.spec)).digest('hex'),
    calls: o.calls,
    rate: o.rate,
    holdMs: o.holdMs,
    ...(o.callDurationMs !== undefined ? { callDurationMs: o.callDurationMs } : {}),
    ...(baseSeed !== undefined ? { seed: baseSeed } : {}),
    connectTimeoutMs: o.connectTimeoutMs,
    maxFailures: o.maxFailures,
    ...(o.maxMissing !== undefined ? { maxMissing: o.maxMissing } : {}),
    ...(startAt !== undefined ? { startAtEpochMs: Math.round(startAt) } : {}),
    ...(options.turn ? { turn: options.turn.urls } : {}),
    shards: shard.count,
  }
  const summary: LoadSummary = {
    schema: 'rtcspec.load-summary/v1',
    spec: { name: scenario.name, source: scenario.source, ...(scenario.path ? { path: scenario.path } : {}) },
    options: {
      calls: o.calls,
      rate: o.rate,
      holdMs: o.holdMs,
      workers: o.workers,
      ...(baseSeed !== undefined ? { seed: baseSeed } : {}),
      connectTimeoutMs: o.connectTimeoutMs,
      ...(o.callDurationMs !== undefined ? { callDurationMs: o.callDurationMs } : {}),
      maxFailures: o.maxFailures,
      maxConnecting: o.maxConnecting,
      ...(o.maxMissing !== undefined ? { maxMissing: o.maxMissing } : {}),
      records,
    },
    startedAt: startedAt.toISOString(),
    endedAt: new Date().toISOString(),
    wallMs,
    ...(rampEnd !== undefined && firstStart !== undefined ? { rampMs: rampEnd - firstStart } : {}),
    heldMs: holdStart !== undefined && holdEnd !== undefined ? holdEnd - holdStart : 0,
    stopReason: interrupted || forced ? 'interrupted' : 'completed',
    ...figs,
    concurrency: {
      target: shard.calls,
      peak,
      meanDuringHold: holdStart !== undefined && holdEnd !== undefined && holdEnd > holdStart ? area / (holdEnd - holdStart) : 0,
    },
    setupRate: rampSetupRate(connectTimes, firstStart, shard.calls),
    cpu: {
      cores: availableParallelism(),
      processPercent: ((cpu1.user + cpu1.system) / 1000 / Math.max(1, wallMs)) * 100,
      mainPercent: ((main1.user + main1.system) / 1000 / Math.max(1, wallMs)) * 100,
      ...(sched && sched.runNs + sched.waitNs > 0 ? { workersWaitingForCpuPercent: (sched.waitNs / (sched.runNs + sched.waitNs)) * 100 } : {}),
      workers: slots.map((s) => {
        const cpuMs = (s.cpu.user + s.cpu.system) / 1000
        const life = Math.max(1, (s.endedAt ?? wallMs) - s.startedAt)
        return {
          index: s.index,
          calls: s.calls,
          cpuMs,
          percent: (cpuMs / life) * 100,
          ...(s.udpSocketsAtStop !== undefined ? { udpSocketsAtStop: s.udpSocketsAtStop } : {}),
        }
      }),
    },
    environment: { node: process.version, platform: `${process.platform}-${process.arch}`, cpus: cpus().length, loadavg: loadavg() },
    exit: { class: exitClass, code: exitCode },
    plan,
    shard: {
      index: shard.index,
      count: shard.count,
      calls: shard.calls,
      rate: shard.rate,
      ...(scheduledStart !== undefined ? { scheduledStart: new Date(scheduledStart).toISOString() } : {}),
      ...(firstCallWall !== undefined ? { firstCallAt: new Date(firstCallWall).toISOString() } : {}),
      ...(scheduledStart !== undefined && firstCallWall !== undefined ? { startLagMs: firstCallWall - scheduledStart } : {}),
      host: hostname(),
    },
    mergeable: encodeFigures(figures),
  }
  // The schema is the contract; a violation is a bug in rtcspec, but it must not lose what the run gathered.
  const validated = LoadSummarySchema.safeParse(summary)
  if (!validated.success)
    process.stderr.write(`rtcspec load: internal error, the summary does not match its schema (written anyway):\n${z.prettifyError(validated.error)}\n`)
  const checked = validated.success ? validated.data : summary
  if (options.writeSummary ?? true) {
    mkdirSync(reportDir, { recursive: true })
    writeFileAtomic(join(reportDir, 'load-summary.json'), `${JSON.stringify(checked, null, 2)}\n`)
    placed.sort((a, b) => a.id - b.id)
    writeFileAtomic(join(reportDir, 'load-calls.jsonl'), placed.map((c) => `${JSON.stringify(c)}\n`).join(''))
  }
  return checked
}

/** Calls connected per second over the ramp: the first `calls` connects, from the first start to the last of them. */
function rampSetupRate(connectTimes: number[], firstStart: number | undefined, calls: number): number {
  if (firstStart === undefined || connectTimes.length === 0) return 0
  const sorted = [...connectTimes].sort((a, b) => a - b).slice(0, calls)
  const span = (sorted[sorted.length - 1]! - firstStart) / 1000
  return span > 0 ? sorted.length / span : 0
}
