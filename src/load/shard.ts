/**
 * The deterministic partition of a distributed load test, so N generators share one test without talking to each
 * other: shard `i` of `N` places the calls with the global ids `i, i + N, i + 2N, …` (interleaved, not contiguous
 * ranges: calls that end during the hold are replaced, so how many ids a test uses is not known in advance, and
 * interleaving keeps every shard's share of the ramp equal). Each call's impairment seed is derived from the base
 * seed and its global id, exactly as in one run. Shard `i` keeps `⌈(calls − i) / N⌉` calls active (the ids below
 * `calls` that are its own), starts them at `rate / N`, and starts `i / rate` after the agreed start, so the N
 * shards' first calls interleave like one run's. Pure functions, plus the bounded wait for the agreed start.
 * @module
 */
import { RtcspecError } from '../errors.ts'

/** A start time more than this far in the past is refused (the generators would not start together). */
export const START_AT_MAX_PAST_MS = 5000
/** A start time more than this far ahead is refused (a typo, or a schedule rtcspec should not sleep through). */
export const START_AT_MAX_AHEAD_MS = 24 * 3600_000
/** At most this many shards. */
export const MAX_SHARDS = 10_000

/** One shard's share of the whole test. */
export interface ShardShare {
  index: number
  count: number
  /** Concurrent calls this shard keeps (its ids below the global `calls`). */
  calls: number
  /** Its start rate: the global rate / count. */
  rate: number
  /** How long after the agreed start its first call goes: index / global rate. */
  offsetMs: number
}

function usage(message: string, hint: string): RtcspecError {
  return new RtcspecError('LOAD_USAGE', message, { hint })
}

/** The share of shard `shard.index` of `shard.count` (default: the whole test). Throws `LOAD_USAGE` for a bad shard. */
export function shardPlan(o: { calls: number; rate: number; shard?: { index: number; count: number } }): ShardShare {
  const { index, count } = o.shard ?? { index: 0, count: 1 }
  if (!Number.isInteger(count) || count < 1 || count > MAX_SHARDS)
    throw usage(`--shard: the number of shards must be a whole number within 1..${MAX_SHARDS}, got ${count}`, 'write --shard i/N, e.g. --shard 0/4')
  if (!Number.isInteger(index) || index < 0 || index >= count)
    throw usage(
      `--shard ${index}/${count}: the index must be within 0..${count - 1}`,
      'shards count from 0: a test of N generators uses --shard 0/N … --shard N-1/N',
    )
  if (o.calls < count)
    throw usage(
      `--calls ${o.calls} cannot be shared by ${count} shards (each needs at least one call)`,
      `--calls is the whole test's figure: give at least ${count}, or use fewer shards`,
    )
  return { index, count, calls: shardCallIds(o.calls, index, count).length, rate: o.rate / count, offsetMs: (index * 1000) / o.rate }
}

/** The global call ids below `calls` that shard `index` of `count` owns (the ramp's calls): index, index + count, … */
export function shardCallIds(calls: number, index: number, count: number): number[] {
  const ids: number[] = []
  for (let id = index; id < calls; id += count) ids.push(id)
  return ids
}

/** The impairment seed of global call `id` under base seed `base` (the same in one run and in every shard). */
export function callSeed(base: number, id: number): number {
  return (base + Math.imul(id, 0x9e3779b1)) >>> 0
}

/** The shard that owns global call id `id` in a test of `count` shards. */
export function shardOf(id: number, count: number): number {
  return id % count
}

/** Parses `--shard i/N`. */
export function parseShard(text: string): { index: number; count: number } {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text)
  if (!m) throw usage(`--shard must be i/N (e.g. 0/4), got ${JSON.stringify(text)}`, 'i is this generator’s index from 0, N the number of generators')
  return { index: Number(m[1]), count: Number(m[2]) }
}

/** Parses `--start-at`: an ISO 8601 time with a zone (`2026-05-01T12:00:00Z`) or epoch milliseconds. */
export function parseStartAt(text: string): number {
  const t = text.trim()
  if (/^\d{12,14}$/.test(t)) return Number(t)
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i.test(t)) {
    const ms = Date.parse(t)
    if (Number.isFinite(ms)) return ms
  }
  throw usage(
    `--start-at must be an ISO time with its zone or epoch milliseconds, got ${JSON.stringify(text)}`,
    'e.g. --start-at 2026-05-01T12:00:00Z or --start-at $(( ($(date +%s) + 30) * 1000 )); every generator gets the same value',
  )
}

/**
 * Resolves at wall-clock time `epochMs` (re-armed until it is reached, since timers may fire early and the wall
 * clock may be stepped), or when `signal` aborts. The caller bounds `epochMs` (at most {@link START_AT_MAX_AHEAD_MS} ahead).
 */
export function waitUntil(epochMs: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolveWait) => {
    if (signal?.aborted) return resolveWait()
    let timer: NodeJS.Timeout | undefined
    const done = () => {
      if (timer) clearTimeout(timer)
      signal?.removeEventListener('abort', done)
      resolveWait()
    }
    const tick = () => {
      const left = epochMs - Date.now()
      if (left <= 0) done()
      else timer = setTimeout(tick, Math.min(left, 60_000))
    }
    signal?.addEventListener('abort', done, { once: true })
    tick()
  })
}
