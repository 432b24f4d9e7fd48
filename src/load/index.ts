/**
 * Scale mode (`rtcspec load`): many concurrent calls of one scenario over worker threads, with live progress and
 * a percentile summary (docs/load.md).
 * @module
 */
export { runLoad, type LoadOptions, type LoadProgress } from './run.ts'
export { resolveLoadSpec, BUILTIN_SCENARIOS, type LoadScenario } from './spec.ts'
export { formatSummary, callFigures, failureKey } from './summary.ts'
export { percentile, percentileOfSorted, distributionOf, type Distribution } from './percentile.ts'
export { LoadSummarySchema, CallResultSchema, type LoadSummary, type CallResult, type CallDirection } from './types.ts'
