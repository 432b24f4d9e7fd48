/**
 * `rtcspec/load`: scale runs — many concurrent calls of one scenario over worker threads (`rtcspec load`), their
 * summary, and the merge of sharded runs (`rtcspec load … --shard i/N`) into the summary of one run.
 *
 * ```ts
 * import { runLoad } from 'rtcspec/load'
 * ```
 * @module
 */
export { runLoad, type LoadOptions, type LoadProgress } from '../load/run.ts'
export { resolveLoadSpec, BUILTIN_SCENARIOS, type LoadScenario } from '../load/spec.ts'
export { formatSummary } from '../load/summary.ts'
export { readShardDir, mergeShards, type ShardResult } from '../load/merge.ts'
export { LoadSummarySchema, CallResultSchema, type LoadSummary, type CallResult, type CallDirection } from '../load/types.ts'
