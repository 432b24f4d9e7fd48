/**
 * The WHIP (RFC 9725) conformance suite as a Vitest spec: one test per requirement.
 *   WHIP_URL=http://127.0.0.1:8080/whip/live [WHIP_TOKEN=…] [WHEP_URL=…] npx rtcspec run specs/conformance/whip.spec.ts
 * Without WHIP_URL the tests are skipped (specs/examples/whip-whep.spec.ts runs the suite on the embedded server).
 */
import { test } from 'rtcspec'
import { conformanceSuite } from 'rtcspec/conformance'

const url = process.env.WHIP_URL
if (url) {
  conformanceSuite('whip', {
    url,
    ...(process.env.WHIP_TOKEN ? { token: process.env.WHIP_TOKEN } : {}),
    ...(process.env.WHEP_URL ? { whepUrl: process.env.WHEP_URL } : {}),
    strict: process.env.RTCSPEC_STRICT === '1',
  })
} else {
  test.skip('WHIP conformance: set WHIP_URL to the endpoint to test', () => {})
}
