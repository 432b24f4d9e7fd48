/**
 * Shards of a run (`rtcspec run --shard i/N`): the shard id argument, and `shard.json`, the file that turns a report
 * directory into a shard result directory. It says which shard it is, the whole suite the shards split (the spec
 * files of every shard), the run's settings (paths, name filter, seed) and its gates, so `rtcspec merge` can check
 * that a set of shard directories belongs together and evaluate the gates over their union.
 */
import { createHash } from 'node:crypto'
import { z } from 'zod'
import { writeFileAtomic } from '../atomic-write.ts'
import { RtcspecError } from '../errors.ts'
import type { GateMatcher, GateSpec } from './gates.ts'

/** The file name of a shard's description in its report directory. */
export const SHARD_FILE = 'shard.json'

/** Which shard of how many: `{ index: 2, count: 3 }` is `2/3`. `index` counts from 1, as Vitest's `--shard`. */
export interface ShardId {
  index: number
  count: number
}

/** The `--shard` argument: `INDEX/COUNT`, whole numbers, 1 ≤ INDEX ≤ COUNT. */
export const ShardArgSchema = z
  .string()
  .trim()
  .regex(/^\d+\/\d+$/, { message: 'write it as INDEX/COUNT with whole numbers, e.g. --shard 1/3 (the first of three shards)' })
  .transform((s) => {
    const [index, count] = s.split('/').map(Number) as [number, number]
    return { index, count }
  })
  .superRefine((v, ctx) => {
    if (v.count < 1) ctx.addIssue({ code: 'custom', message: 'COUNT must be at least 1 (the number of shards the suite is split into)' })
    else if (v.index < 1) ctx.addIssue({ code: 'custom', message: `INDEX counts from 1: the shards of ${v.count} are ${shardList(v.count)}` })
    else if (v.index > v.count)
      ctx.addIssue({ code: 'custom', message: `INDEX ${v.index} is above COUNT ${v.count}: the shards of ${v.count} are ${shardList(v.count)}` })
  })

function shardList(count: number): string {
  return count <= 3 ? Array.from({ length: count }, (_, i) => `${i + 1}/${count}`).join(', ') : `1/${count}, 2/${count}, … ${count}/${count}`
}

/**
 * Parses `--shard`. @throws {RtcspecError} `USAGE` naming what was wrong with the value and how to write it.
 */
export function parseShardArg(text: string): ShardId {
  const r = ShardArgSchema.safeParse(text)
  if (r.success) return r.data
  throw new RtcspecError('USAGE', `--shard ${JSON.stringify(text)}: ${r.error.issues[0]?.message ?? 'invalid'}`, {
    hint: 'run shard i of N as --shard i/N with 1 ≤ i ≤ N, e.g. --shard 2/3 for the second of three (the matrix index of a CI job, docs/scale.md)',
  })
}

/** A gate matcher as JSON: a string, or a RegExp as its source and flags. */
const MatcherJsonSchema = z.union([z.string(), z.object({ regex: z.string(), flags: z.string() }).strict()])

/** A gate as JSON (RegExp matchers as `{ regex, flags }`). */
export const GateJsonSchema = z
  .object({
    metric: z.string(),
    threshold: z.string(),
    optional: z.boolean().optional(),
    include: z.array(MatcherJsonSchema).optional(),
    exclude: z.array(MatcherJsonSchema).optional(),
    impaired: z.boolean().optional(),
  })
  .strict()

export type GateJson = z.infer<typeof GateJsonSchema>

function matcherToJson(m: GateMatcher): z.infer<typeof MatcherJsonSchema> {
  return typeof m === 'string' ? m : { regex: m.source, flags: m.flags }
}

function matcherFromJson(m: z.infer<typeof MatcherJsonSchema>): GateMatcher {
  return typeof m === 'string' ? m : new RegExp(m.regex, m.flags)
}

/** A gate as JSON, for `shard.json`. */
export function gateToJson(g: GateSpec): GateJson {
  return {
    metric: g.metric,
    threshold: g.threshold,
    ...(g.optional !== undefined ? { optional: g.optional } : {}),
    ...(g.include ? { include: g.include.map(matcherToJson) } : {}),
    ...(g.exclude ? { exclude: g.exclude.map(matcherToJson) } : {}),
    ...(g.impaired !== undefined ? { impaired: g.impaired } : {}),
  }
}

/** A gate back from JSON. */
export function gateFromJson(g: GateJson): GateSpec {
  return {
    metric: g.metric,
    threshold: g.threshold,
    ...(g.optional !== undefined ? { optional: g.optional } : {}),
    ...(g.include ? { include: g.include.map(matcherFromJson) } : {}),
    ...(g.exclude ? { exclude: g.exclude.map(matcherFromJson) } : {}),
    ...(g.impaired !== undefined ? { impaired: g.impaired } : {}),
  }
}

/** What every shard of one sharded run has in common: the suite and the settings it ran with. */
export const ShardRunSchema = z.object({
  /** The paths `rtcspec run` was given. */
  paths: z.array(z.string()),
  /** The test name filter (`-t`), when there was one. */
  grep: z.string().optional(),
  /** The run's base seed (`--seed`), when one was given. */
  seed: z.string().optional(),
  /** Every spec file of the suite, before sharding (relative to the working directory, sorted). */
  files: z.array(z.string()),
  /** The gates of the config (`null` with `--no-gates`). */
  gates: z.array(GateJsonSchema).nullable(),
  /** Where the gates were declared. */
  gatesSource: z.string().optional(),
})

/** `shard.json`. */
export const ShardInfoSchema = z.object({
  schema: z.literal('rtcspec.shard/v1'),
  index: z.number().int().positive(),
  count: z.number().int().positive(),
  run: ShardRunSchema,
  /** A hash of `run`: equal for every shard of the same run. */
  fingerprint: z.string(),
  /** The spec files this shard ran. */
  files: z.array(z.string()),
  /** The report directory as the shard wrote it (absolute), to find its recordings after the directory moved. */
  reportDir: z.string(),
  /** The working directory of the shard. */
  cwd: z.string(),
})

export type ShardInfo = z.infer<typeof ShardInfoSchema>
export type ShardRun = z.infer<typeof ShardRunSchema>

/** The fingerprint of a sharded run's settings (what must be equal across its shards). */
export function shardFingerprint(run: ShardRun): string {
  const canonical = { ...run, files: [...run.files].sort() }
  return createHash('sha256').update(JSON.stringify(canonical)).digest('hex').slice(0, 16)
}

/** Builds the `shard.json` of a shard. */
export function shardInfo(input: { shard: ShardId; run: ShardRun; files: string[]; reportDir: string; cwd?: string }): ShardInfo {
  const run = { ...input.run, files: [...new Set(input.run.files)].sort() }
  return ShardInfoSchema.parse({
    schema: 'rtcspec.shard/v1',
    index: input.shard.index,
    count: input.shard.count,
    run,
    fingerprint: shardFingerprint(run),
    files: [...new Set(input.files)].sort(),
    reportDir: input.reportDir,
    cwd: input.cwd ?? process.cwd(),
  } satisfies ShardInfo)
}

/** Writes `<reportDir>/shard.json` (atomically). */
export function writeShardInfo(file: string, info: ShardInfo): void {
  writeFileAtomic(file, `${JSON.stringify(info, null, 2)}\n`)
}
