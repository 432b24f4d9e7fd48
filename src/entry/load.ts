/**
 * `rtcspec/load`: scale runs — many concurrent calls of one scenario over worker threads (`rtcspec load`), their
 * summary and its percentiles.
 *
 * ```ts
 * import { runLoad } from 'rtcspec/load'
 * ```
 * @module
 */
export * from '../load/index.ts'
