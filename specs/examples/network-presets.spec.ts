/**
 * Named network presets and outage schedules on a call path, imperative and declarative.
 * Values and sources of every preset: docs/network.md. Run: npx rtcspec run specs/examples/network-presets.spec.ts
 */
import { test, expect, scenario, PRESETS } from 'rtcspec'

test('a 3G path towards bob with a 1 s outage at t = 1 s', async ({ b2b, tone }) => {
  const call = await b2b({
    codec: 'PCMU',
    network: { seed: 2024, toB: '3g', schedule: [{ outage: { at: '1s', for: '1s', direction: 'toB' } }] },
    send: { a: tone(440) },
  })
  await expect(call.b).toReceiveRtp({ packets: 120, within: '8s' })
  const seen = call.b.inbound[0]!.rtp.snapshot()
  // The outage shows as a ~1 s hole in arrivals; 3G's 1 % loss and the outage's ~50 packets are counted as lost.
  expect(seen.longestArrivalGapMs).toBeGreaterThan(900)
  expect(seen.lost).toBeGreaterThanOrEqual(40)
  expect(call.relay!.profile('toB')).toEqual(PRESETS['3g']) // restored after the outage
  expect(call.relay!.profileHistory('toB').map((h) => h.profile.loss)).toEqual([0.01, 1, 0.01])
})

scenario('an LTE call both ways stays within VoIP budgets', {
  peers: { alice: { send: { tone: 440 } }, bob: { send: { tone: 880 } } },
  codec: 'PCMU',
  network: { seed: 7, preset: 'lte' },
  duration: '2s',
  expect: { 'bob.audio.in': { packetsAtLeast: 80, lossBelow: 0.05, jitterMsBelow: 20 }, 'alice.audio.in': { packetsAtLeast: 80, lossBelow: 0.05 } },
})
