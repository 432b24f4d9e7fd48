/**
 * The data `rtcspec load` moves around: one result per call (sent by the worker that ran it), the messages
 * between the main thread and its workers, and the `load-summary.json` contract (zod schema, documented in
 * docs/load.md).
 * @module
 */
import { z } from 'zod'
import { EncodedMetricSchema } from './histogram.ts'

/** What one receiving side of a call measured (RFC 3550 statistics from the packets themselves). */
export const CallDirectionSchema = z.object({
  /** The receiving peer (`alice` hears bob, `bob` hears alice). */
  receiver: z.string(),
  codec: z.string().optional(),
  /** Distinct packets delivered. */
  received: z.number().int().nonnegative(),
  /** Sequence numbers spanned. */
  expected: z.number().int().nonnegative(),
  lost: z.number().int().nonnegative(),
  lossFraction: z.number().min(0).max(1),
  jitterMs: z.number().nonnegative(),
  /**
   * 20 ms frames spanned by the RTP timestamps received (first → last). Unlike `expected` (sequence numbers) it
   * also counts frames the sender never sent because its pacer fell behind (a starved CPU skips frames).
   */
  framesSpanned: z.number().int().nonnegative(),
  /** `1 − received / framesSpanned`: the share of the media timeline with no packet, lost or never sent. */
  missingFraction: z.number().min(0).max(1),
  /** ITU-T G.107 E-model estimate from codec, loss and jitter (src/media/emodel.ts). */
  mos: z.number(),
})

/** Where a failed call failed. */
export const FailurePhaseSchema = z.enum(['connect', 'media', 'expect', 'close', 'worker'])

/** One call's result, as its worker reports it. Times are ms. */
export const CallResultSchema = z.object({
  id: z.number().int().nonnegative(),
  worker: z.number().int().nonnegative(),
  /** Impairment seed of this call, when the scenario has a network. */
  seed: z.number().int().optional(),
  /** When the main thread asked for the call, ms after the run started. */
  startedAtMs: z.number().nonnegative(),
  /** When the result was known, ms after the run started. */
  endedAtMs: z.number().nonnegative(),
  outcome: z.enum(['completed', 'failed']),
  failure: z.object({ phase: FailurePhaseSchema, reason: z.string() }).optional(),
  /** Offer → both peers ICE + DTLS connected. */
  connectMs: z.number().nonnegative().optional(),
  /** Offer → first RTP packet received on either side. */
  firstRtpMs: z.number().nonnegative().optional(),
  /** How long media flowed (connected → stop). */
  mediaMs: z.number().nonnegative().optional(),
  /** One entry per receiving side that got an audio track. */
  directions: z.array(CallDirectionSchema),
  /** Whether its media lasted long enough (≥ 1 s) to count in the loss, jitter and MOS distributions. */
  measured: z.boolean(),
})

/** One direction of a load call as its receiver measured it: packets, loss, missing media, jitter and MOS. */
export type CallDirection = z.infer<typeof CallDirectionSchema>
/** One call placed by a load run: its id and seed, timings, directions and, when it failed, the phase and reason. */
export type CallResult = z.infer<typeof CallResultSchema>
export type FailurePhase = z.infer<typeof FailurePhaseSchema>

/** What the main thread asks a worker to run. */
export interface StartCallMessage {
  type: 'start'
  id: number
  /** Impairment seed for this call (scenarios with a network). */
  seed?: number
  /** When the main thread asked, ms after the run started (echoed in the result). */
  startedAtMs: number
  /** The run's clock origin (`performance.timeOrigin + performance.now()` of the main thread at start). */
  runOriginEpochMs: number
  /** End the call after this much media; absent: it holds until the worker is told to stop. */
  holdMs?: number
}

/** Main → worker. `stop` ends every call (measure, close) and then the worker says `stopped`. */
export type ToWorker = StartCallMessage | { type: 'stop' }

/** Thread CPU time of a worker, µs (process.threadCpuUsage). */
export interface ThreadCpu {
  user: number
  system: number
}

/** Worker → main. */
export type FromWorker =
  | { type: 'ready' }
  | { type: 'connected'; id: number; connectMs: number }
  | { type: 'result'; result: CallResult }
  | { type: 'cpu'; cpu: ThreadCpu }
  /** Every call closed; `udpSockets`: UDP sockets still open in the worker (a leak when above 0). */
  | { type: 'stopped'; cpu: ThreadCpu; udpSockets: number }
  | { type: 'fatal'; message: string }

/** What a worker is given when it starts (`workerData`). */
export interface WorkerInit {
  index: number
  /** The scenario spec, already validated by the main thread (plain data). */
  spec: unknown
  connectTimeoutMs: number
  /** A call fails when a direction's `missingFraction` exceeds this (absent: no such check). */
  maxMissing?: number
  /** Append a call record per call to `<reportDir>/call_records.jsonl`. */
  records: boolean
  reportDir: string
  /** Relay every call through this TURN server (both peers relay-only). */
  turn?: LoadTurnServer
}

/** A TURN server every call of a load run relays through (`--turn`): the system under test of a TURN load test. */
export interface LoadTurnServer {
  /** `turn:host:port?transport=udp|tcp` or `turns:host:port?transport=tcp`. */
  urls: string
  username?: string
  credential?: string
}

const DistributionSchema = z.object({
  count: z.number().int().nonnegative(),
  min: z.number().optional(),
  max: z.number().optional(),
  mean: z.number().optional(),
  p5: z.number().optional(),
  p50: z.number().optional(),
  p95: z.number().optional(),
  p99: z.number().optional(),
})

const FailureGroupSchema = z.object({ phase: FailurePhaseSchema, reason: z.string(), count: z.number().int().positive(), example: z.string() })

/**
 * The part of a summary that adds up across shards: counts, every failure reason (not only the top ten), the
 * aggregate packet counts and one HdrHistogram per reported distribution (src/load/histogram.ts).
 */
export const MergeableFiguresSchema = z.strictObject({
  calls: z.strictObject({
    connected: z.number().int().nonnegative(),
    failed: z.number().int().nonnegative(),
    completed: z.number().int().nonnegative(),
    measured: z.number().int().nonnegative(),
  }),
  failureReasons: z.array(FailureGroupSchema).max(1001),
  lossAggregate: z.strictObject({ lost: z.number().int().nonnegative(), expected: z.number().int().nonnegative() }),
  missingAggregate: z.strictObject({ missing: z.number().int().nonnegative(), frames: z.number().int().nonnegative() }),
  histograms: z.strictObject({
    setupMs: EncodedMetricSchema,
    firstRtpMs: EncodedMetricSchema,
    loss: EncodedMetricSchema,
    missingMedia: EncodedMetricSchema,
    jitterMs: EncodedMetricSchema,
    mos: EncodedMetricSchema,
  }),
})
export type MergeableFigures = z.infer<typeof MergeableFiguresSchema>

/**
 * What the whole distributed test is: identical in every shard of one test (merge refuses shards whose plans
 * differ). `calls` and `rate` are the global figures, not the shard's share.
 */
export const LoadPlanSchema = z.strictObject({
  spec: z.string(),
  /** sha256 of the scenario spec as data, so two generators with different files under one name do not merge. */
  specSha256: z.string(),
  calls: z.number().int().positive(),
  rate: z.number().positive(),
  holdMs: z.number().nonnegative(),
  callDurationMs: z.number().positive().optional(),
  seed: z.number().int().optional(),
  connectTimeoutMs: z.number().positive(),
  maxFailures: z.number().int().nonnegative(),
  maxMissing: z.number().min(0).max(1).optional(),
  /** The agreed start, epoch ms (`--start-at`). */
  startAtEpochMs: z.number().int().optional(),
  /** The TURN server every call relays through (`--turn`), without its credentials. */
  turn: z.string().optional(),
  /** How many shards the test has. */
  shards: z.number().int().positive(),
})
export type LoadPlan = z.infer<typeof LoadPlanSchema>

/** Which part of the plan a run placed: shard `index` of `count` starts the calls with global ids `index + k·count`. */
export const ShardInfoSchema = z.strictObject({
  index: z.number().int().nonnegative(),
  count: z.number().int().positive(),
  /** Concurrent calls of this shard (its share of `plan.calls`). */
  calls: z.number().int().nonnegative(),
  /** This shard's start rate (`plan.rate / count`). */
  rate: z.number().positive(),
  /** When this shard was to place its first call (the agreed start plus `index / rate`), ISO time. */
  scheduledStart: z.iso.datetime().optional(),
  /** When it placed its first call, ISO time (wall clock of the generator). */
  firstCallAt: z.iso.datetime().optional(),
  /** firstCallAt − scheduledStart, ms (how late this generator started). */
  startLagMs: z.number().optional(),
  /** The generator's host name. */
  host: z.string(),
})
export type ShardInfo = z.infer<typeof ShardInfoSchema>

/** One line of `<reportDir>/load-calls.jsonl`: a call this run placed (which global id, seed and when). */
export const PlacedCallSchema = z.strictObject({
  id: z.number().int().nonnegative(),
  shard: z.number().int().nonnegative(),
  seed: z.number().int().optional(),
  /** When the call was asked for, epoch ms (wall clock of the generator). */
  startedAtEpochMs: z.number(),
  outcome: z.enum(['completed', 'failed']),
  failurePhase: FailurePhaseSchema.optional(),
})
export type PlacedCall = z.infer<typeof PlacedCallSchema>

/** `<reportDir>/load-summary.json`: what a `rtcspec load` run measured. */
export const LoadSummarySchema = z.object({
  schema: z.literal('rtcspec.load-summary/v1'),
  /** The scenario: a built-in name or the file it came from. */
  spec: z.object({ name: z.string(), source: z.enum(['builtin', 'file']), path: z.string().optional() }),
  options: z.object({
    calls: z.number().int().positive(),
    rate: z.number().positive(),
    holdMs: z.number().nonnegative(),
    workers: z.number().int().positive(),
    /** Base impairment seed (each call uses a seed derived from it and its id). */
    seed: z.number().int().optional(),
    connectTimeoutMs: z.number().positive(),
    /** Each call's own length; absent: calls hold until the run ends. */
    callDurationMs: z.number().positive().optional(),
    maxFailures: z.number().int().nonnegative(),
    /** A call fails when more than this share of a direction's media timeline had no packet; absent: not checked. */
    maxMissing: z.number().min(0).max(1).optional(),
    /** Cap on calls connecting at once (starts wait while at it). */
    maxConnecting: z.number().int().positive(),
    records: z.boolean(),
  }),
  startedAt: z.iso.datetime(),
  endedAt: z.iso.datetime(),
  /** Wall time of the whole run, workers' start to their end. */
  wallMs: z.number().nonnegative(),
  /** How long the ramp took (first start to the N-th start), ms. */
  rampMs: z.number().nonnegative().optional(),
  /** How long the hold phase lasted, ms (shorter than asked when interrupted). */
  heldMs: z.number().nonnegative(),
  /** `completed`, or `interrupted` (SIGINT / abort: the summary covers what was gathered). */
  stopReason: z.enum(['completed', 'interrupted']),
  calls: z.object({
    /** Calls started. */
    attempted: z.number().int().nonnegative(),
    /** Calls that reached ICE + DTLS connected. */
    connected: z.number().int().nonnegative(),
    /** Calls that failed (in any phase); `attempted = completed + failed + unfinished`. */
    failed: z.number().int().nonnegative(),
    /** Calls that ended without failure. */
    completed: z.number().int().nonnegative(),
    /** Calls without a result when the run ended (workers terminated on a forced stop). */
    unfinished: z.number().int().nonnegative(),
    /** Calls whose media lasted ≥ 1 s: the population of the loss, jitter and MOS distributions. */
    measured: z.number().int().nonnegative(),
  }),
  /** Failure reasons, most frequent first (numbers in messages are folded to group alike reasons). */
  failureReasons: z.array(FailureGroupSchema),
  setupMs: DistributionSchema,
  firstRtpMs: DistributionSchema,
  /** Per call: the worse direction's loss fraction (0..1). */
  loss: DistributionSchema,
  /** Over all measured calls and directions: Σ lost / Σ expected. */
  lossAggregate: z.object({ lost: z.number().int().nonnegative(), expected: z.number().int().nonnegative(), fraction: z.number().min(0).max(1) }),
  /** Per call: the worse direction's share of the media timeline with no packet (network loss + frames never sent). */
  missingMedia: DistributionSchema,
  /** Over all measured calls and directions: Σ (framesSpanned − received) / Σ framesSpanned. */
  missingAggregate: z.object({ missing: z.number().int().nonnegative(), frames: z.number().int().nonnegative(), fraction: z.number().min(0).max(1) }),
  /** Per call: the worse direction's RFC 3550 interarrival jitter, ms. */
  jitterMs: DistributionSchema,
  /** Per call: the worse direction's E-model MOS estimate. */
  mos: DistributionSchema,
  concurrency: z.object({
    target: z.number().int().positive(),
    /** Most calls connected at the same time. */
    peak: z.number().int().nonnegative(),
    /** Time-weighted mean of connected calls over the hold phase. */
    meanDuringHold: z.number().nonnegative(),
  }),
  /** Calls connected per second during the ramp (target: `options.rate`). */
  setupRate: z.number().nonnegative(),
  cpu: z.object({
    cores: z.number().int().positive(),
    /** The whole process (every thread), percent of one core, averaged over the run. */
    processPercent: z.number().nonnegative(),
    /** The main thread (scheduler, aggregation). */
    mainPercent: z.number().nonnegative(),
    /**
     * Linux only: how long the worker threads were ready to run but waited for a CPU, as a percentage of the time
     * they ran or waited. High (say > 30 %) means the machine was busy with other work and the figures are
     * limited by it.
     */
    workersWaitingForCpuPercent: z.number().min(0).max(100).optional(),
    workers: z.array(
      z.object({
        index: z.number().int().nonnegative(),
        calls: z.number().int().nonnegative(),
        cpuMs: z.number().nonnegative(),
        percent: z.number().nonnegative(),
        /** UDP sockets still open in the worker after it closed every call (0 unless something leaked); absent when it did not stop cleanly. */
        udpSocketsAtStop: z.number().int().nonnegative().optional(),
      }),
    ),
  }),
  environment: z.object({ node: z.string(), platform: z.string(), cpus: z.number().int(), loadavg: z.array(z.number()) }),
  exit: z.object({ class: z.enum(['ok', 'test-failure', 'usage', 'infrastructure', 'interrupted']), code: z.number().int() }),
  /** The distributed test this run belongs to (a single run is shard 0 of 1). */
  plan: LoadPlanSchema.optional(),
  /** Which share of the plan this run placed; absent in a merged summary. */
  shard: ShardInfoSchema.optional(),
  /** What `rtcspec load merge` adds up. */
  mergeable: MergeableFiguresSchema.optional(),
  /** Set by `rtcspec load merge`: the shards it merged, one entry each. */
  merged: z
    .strictObject({
      shards: z.array(
        ShardInfoSchema.extend({
          dir: z.string(),
          attempted: z.number().int().nonnegative(),
          failed: z.number().int().nonnegative(),
          stopReason: z.enum(['completed', 'interrupted']),
          exit: z.enum(['ok', 'test-failure', 'usage', 'infrastructure', 'interrupted']),
        }),
      ),
    })
    .optional(),
})

/** `load-summary.json`: the whole load run (or merged shards) — counts, distributions, failure reasons and exit class. */
export type LoadSummary = z.infer<typeof LoadSummarySchema>
