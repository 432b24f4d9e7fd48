/**
 * `rtcspec/config`: the project configuration (`rtcspec.config.ts`: CI gates over metrics) and the contracts of
 * what a run writes — `summary.json` (with the exit codes) and `call_records.jsonl`. Light: loads neither
 * Vitest nor any media stack, so CI scripts and the configuration file can import it.
 *
 * ```ts
 * // rtcspec.config.ts
 * import { defineConfig } from 'rtcspec/config'
 * export default defineConfig({ gates: { 'audio.loss': '< 0.01' } })
 * ```
 * @module
 */
export { defineConfig, RtcspecConfigSchema, GateConfigSchema } from '../config/config.ts'
export type { RtcspecConfig } from '../config/config.ts'
export { METRICS, METRIC_NAMES } from '../report/metrics.ts'
export { RunSummarySchema, EXIT_CODES } from '../report/run-summary.ts'
export type { RunSummary, TestSummary, GateResult, ExitClass } from '../report/run-summary.ts'
export { CallRecordSchema, PeerRecordSchema, InboundRecordSchema, OutboundRecordSchema, RecordingRecordSchema } from '../peers/call-record.ts'
export type { CallRecord, PeerRecord, RecordingRecord } from '../peers/call-record.ts'
