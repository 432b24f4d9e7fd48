/**
 * WHIP/WHEP conformance: the requirement catalog, one check per requirement, the runner and the report
 * (conformance.json schema, JUnit, table).
 * @module
 */
export { CATALOG, DOCUMENTS, requirementsOf, requirement, unverifiedRequirements, type Requirement, type Level, type Suite } from './catalog.ts'
export {
  checkFor,
  syntheticOffer,
  CheckContext,
  type CheckOutcome,
  type CheckStatus,
  type CheckTarget,
  type SyntheticOffer,
  type SyntheticSection,
} from './checks.ts'
export { runConformance, RunConformanceOptionsSchema, type RunConformanceOptions } from './runner.ts'
export {
  ConformanceReportSchema,
  RequirementResultSchema,
  ExchangeSchema,
  formatTable,
  formatJunit,
  exitCodeOf,
  type ConformanceReport,
  type RequirementResult,
} from './report.ts'
export { requirementTable } from './docs.ts'
export { probeConsent, type ConsentProbeTarget, type ConsentProbeResult } from './stun-probe.ts'
