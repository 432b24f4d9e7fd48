/**
 * ICE building blocks: an ICE restart mid-call with its media gap (werift ↔ werift, and werift ↔ Chromium with the
 * browser restarting), and trickle misbehaviour (one side's candidates only after the connection: the peers connect
 * on a peer-reflexive candidate). docs/network.md lists them all.
 * Run: npx rtcspec run specs/examples/ice-behaviours.spec.ts
 */
import { existsSync } from 'node:fs'
import { test, expect } from 'rtcspec'
import { chromiumExecutable, restartIce } from 'rtcspec/peers'

const noChromium = !existsSync(chromiumExecutable()) && process.env.CI !== 'true'

test('an ICE restart keeps media flowing and reports the gap', async ({ b2b, tone }) => {
  const call = await b2b({ codec: 'PCMU', network: { seed: 3 }, send: { a: tone(440), b: tone(880) } })
  await expect(call.b).toReceiveRtp({ packets: 25, within: '5s' })
  await expect(call.a).toReceiveRtp({ packets: 25, within: '5s' })
  const r = await restartIce(call)
  expect(r.newCredentials).toBe(true)
  expect(r.gapMs).toBeLessThan(2000)
  console.log(`ICE restart: media gap ${r.gapMs.toFixed(0)} ms`)
  await expect(call.b).toReceiveRtp({ packets: call.b.inbound[0]!.rtp.snapshot().received + 25, within: '5s' })
})

test.skipIf(noChromium)('an ICE restart between werift and Chromium, the browser restarting', { timeout: 60_000 }, async ({ b2b, tone }) => {
  // Through the (clean) relay: its new ports after the restart are mapped as the candidates come. A call with a
  // restart loses the packets of the gap on purpose, so like the call above it stays out of the quality gates.
  const call = await b2b({ b: { kind: 'chromium' }, codec: 'PCMU', network: { seed: 4 }, send: { a: tone(440), b: tone(880) } })
  await expect(call.a).toReceiveRtp({ packets: 25, within: '10s' })
  await expect(call.b).toReceiveRtp({ packets: 25, within: '10s' })
  const r = await restartIce(call, { by: 'b' }) // bob (the browser, the call's answerer) sends the restart offer
  expect(r.newUfrag).toEqual({ a: true, b: true })
  // werift's side is measured from the packets; the browser's is bounded from its getStats (gapMs = upper bound).
  for (const g of r.gaps) console.log(`ICE restart gap on ${g.track}: ${g.gapMs.toFixed(0)} ms (${g.method})`)
  expect(r.gapMs).toBeLessThan(3000)
  await expect(call.b).toReceiveRtp({ packets: call.b.inbound[0]!.rtp.snapshot().received + 25, within: '5s' })
  expect(call.iceRestarts).toHaveLength(1) // also in the call record: extra.iceRestarts
})

test("bob's candidates only after the connection: alice connects on a peer-reflexive candidate", async ({ b2b, tone }) => {
  const call = await b2b({ codec: 'PCMU', ice: { b: { timing: 'after-connected', endOfCandidates: 'withhold' } }, send: { a: tone(440) } })
  await expect(call.b).toReceiveRtp({ packets: 10, within: '5s' })
  expect(call.a.timeline.nominations?.[0]?.remote).toMatch(/ prflx$/)
  expect(call.trickleStats.fromB.endOfCandidatesDelivered).toBe(false)
})
