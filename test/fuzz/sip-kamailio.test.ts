/**
 * `rtcspec fuzz sip --profile proxy` against a real Kamailio on loopback. Kamailio with the two RFC 3261
 * checks its stock configuration leaves out (`strict`) must give no finding; the stock configuration gives
 * exactly those two real findings, which the harness must report.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { runCampaign } from '../../src/fuzz/campaign.ts'
import { buildSipRequest, buildSipResponse, type SipRequestSpec } from '../../src/fuzz/arbitraries/sip.ts'
import { applySdpMutations } from '../../src/fuzz/arbitraries/sdp-mutation.ts'
import { sipTarget } from '../../src/fuzz/targets/sip.ts'
import { startKamailio, type KamailioService } from '../../src/services/kamailio.ts'
import { requireTool } from '../support/requires.ts'

const base: SipRequestSpec = {
  method: 'OPTIONS',
  user: 'RUN.a',
  host: 'TARGET',
  branch: 'aaaa',
  fromTag: 'a',
  callId: 'aaaa',
  cseq: 1,
  maxForwards: 70,
  compact: false,
  sdpBody: false,
  extraHeaders: [],
}
/** An OPTIONS for an unregistered user with an option no proxy supports in Proxy-Require. */
const proxyRequire = buildSipRequest({ ...base, extraHeaders: [{ name: 'Proxy-Require', value: 'x' }] })
/** A stray response whose top and second Via both name the harness: a proxy must drop it (its top Via is not the proxy's). */
const strayTwoVias = applySdpMutations(buildSipResponse({ ...base, status: 403, reason: 'OK', toTag: 'a' }), [{ op: 'duplicate', line: 1 }])

describe.skipIf(requireTool('kamailio'))('fuzzing Kamailio (profile proxy)', () => {
  let strict: KamailioService
  let stock: KamailioService
  beforeAll(async () => {
    strict = await startKamailio({ provider: 'local', strict: true })
    stock = await startKamailio({ provider: 'local' })
  }, 40_000)
  afterAll(async () => {
    await strict?.close()
    await stock?.close()
  })

  test('a bounded campaign completes with no finding, and permitted silences are counted by rule', async () => {
    const target = sipTarget({ url: `udp://${strict.udp!.host}:${strict.udp!.port}`, profile: 'proxy' })
    try {
      const result = await runCampaign(target, { runs: 600, seconds: 30, seed: 42, ratePerSecond: 0 })
      process.stderr.write(
        `[sip fuzz] Kamailio (strict), profile proxy: ${result.cases} cases in ${result.generationMs} ms = ${result.casesPerSecond.toFixed(1)} cases/s; ${JSON.stringify(result.distribution)}\n`,
      )
      expect(result.cases).toBeGreaterThan(100)
      expect(result.findings.map((f) => `${f.verdict}: ${f.message}`)).toEqual([])
      expect(result.healthViolations).toEqual([])
      // the proxy profile's rules were applied: silences that a UAS would owe an answer for
      expect(result.distribution['silence:cancel-unmatched'] ?? 0).toBeGreaterThan(0)
      expect((result.distribution['silence:malformed'] ?? 0) + (result.distribution['silence:unparsable'] ?? 0)).toBeGreaterThan(0)
      expect(result.distribution['404'] ?? 0).toBeGreaterThan(0)
    } finally {
      await target.close?.()
    }
  }, 120_000)

  test('stock Kamailio: an unknown Proxy-Require is routed (404), not refused 420; strict Kamailio refuses it', async () => {
    for (const [k, want] of [
      [stock, 'violation'],
      [strict, 'none'],
    ] as const) {
      const target = sipTarget({ url: `udp://${k.udp!.host}:${k.udp!.port}`, profile: 'proxy' })
      try {
        const o = await target.run({ kind: 'sip', fields: { text: proxyRequire } })
        if (want === 'violation') {
          expect(o.response).toBe('404')
          expect(o.violations).toEqual(['Proxy-Require: x (an option no proxy supports) was answered 404, not 420 Bad Extension (RFC 3261 §16.3 step 5)'])
        } else expect(o).toMatchObject({ response: '420', violations: [] })
      } finally {
        await target.close?.()
      }
    }
  })

  test('stock Kamailio relays a stray response whose top Via is not its own (check_via=0); strict Kamailio drops it', async () => {
    for (const [k, want] of [
      [stock, 'violation'],
      [strict, 'none'],
    ] as const) {
      // listen 1 s after the stray response (the campaign's 20 ms is too short on a loaded machine to be sure either way)
      const target = sipTarget({ url: `udp://${k.udp!.host}:${k.udp!.port}`, profile: 'proxy', graceMs: 1000 })
      try {
        const o = await target.run({ kind: 'sip', fields: { text: strayTwoVias } })
        if (want === 'violation') expect(o.violations[0]).toMatch(/^a stray response came back to the harness/)
        else expect(o).toMatchObject({ response: 'silence:response', violations: [] })
      } finally {
        await target.close?.()
      }
    }
  })
})
