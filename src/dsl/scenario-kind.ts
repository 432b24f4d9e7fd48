/**
 * Tells a SIP scenario from a media-call scenario by its shape alone, so that `scenario()` can pick the runner
 * (and its timeout) without loading the SIP stack.
 */
import type { SipScenarioSpec } from './sip-scenario.ts'

/** Whether a scenario spec is a SIP flow (has a `sip` key). */
export function isSipScenarioSpec(spec: unknown): spec is SipScenarioSpec {
  return typeof spec === 'object' && spec !== null && 'sip' in spec
}
