/**
 * `rtcspec/conformance`: the WHIP and WHEP conformance suites — the requirement catalog, the runner, its report
 * (table, JUnit, exit code), `conformanceSuite` to run a suite as Vitest tests, and the synthetic offers its
 * checks send.
 *
 * ```ts
 * import { conformanceSuite } from 'rtcspec/conformance'
 * conformanceSuite('whip', { url: process.env.WHIP_URL })
 * ```
 * @module
 */
export { CATALOG, DOCUMENTS, requirementsOf, requirement } from '../conformance/catalog.ts'
export type { Requirement, Level, Suite } from '../conformance/catalog.ts'
export { syntheticOffer } from '../conformance/checks.ts'
export type { CheckOutcome, CheckStatus, SyntheticOffer, SyntheticSection } from '../conformance/checks.ts'
export { runConformance, RunConformanceOptionsSchema } from '../conformance/runner.ts'
export type { RunConformanceOptions } from '../conformance/runner.ts'
export { ConformanceReportSchema, RequirementResultSchema, formatTable, formatJunit, exitCodeOf } from '../conformance/report.ts'
export type { ConformanceReport, RequirementResult } from '../conformance/report.ts'
export { conformanceSuite } from '../dsl/conformance.ts'
export type { ConformanceSuiteOptions } from '../dsl/conformance.ts'
