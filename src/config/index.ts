/**
 * What `import … from 'rtcspec'` gives inside `rtcspec.config.ts`: the configuration helpers only. The CLI
 * loads the config outside Vitest, where the full package (its fixtures extend Vitest's `test`) cannot load,
 * so `loadConfig` points the config file's `rtcspec` import here.
 */
export { defineConfig, RtcspecConfigSchema, GateConfigSchema } from './config.ts'
export type { RtcspecConfig } from './config.ts'
export { METRICS, METRIC_NAMES } from '../report/metrics.ts'
