/**
 * The WHEP (draft-ietf-wish-whep-03) conformance suite as a Vitest spec: one test per requirement.
 *   WHEP_URL=http://127.0.0.1:8080/whep/live [WHEP_TOKEN=…] [WHIP_URL=… to publish the tone] npx rtcspec run specs/conformance/whep.spec.ts
 * Without WHEP_URL the tests are skipped (specs/examples/whip-whep.spec.ts runs the suite on the embedded server).
 */
import { test } from 'rtcspec'
import { conformanceSuite } from 'rtcspec/conformance'

const url = process.env.WHEP_URL
if (url) {
  conformanceSuite('whep', {
    url,
    ...(process.env.WHEP_TOKEN ? { token: process.env.WHEP_TOKEN } : {}),
    ...(process.env.WHIP_URL ? { publishUrl: process.env.WHIP_URL } : {}),
    strict: process.env.RTCSPEC_STRICT === '1',
  })
} else {
  test.skip('WHEP conformance: set WHEP_URL to the endpoint to test', () => {})
}
