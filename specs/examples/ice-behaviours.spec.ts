/**
 * ICE building blocks: an ICE restart mid-call with its media gap, and trickle misbehaviour (one side's candidates
 * only after the connection: the peers connect on a peer-reflexive candidate). docs/network.md lists them all.
 * Run: npx rtcspec run specs/examples/ice-behaviours.spec.ts
 */
import { test, expect, restartIce } from 'rtcspec'

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

test("bob's candidates only after the connection: alice connects on a peer-reflexive candidate", async ({ b2b, tone }) => {
  const call = await b2b({ codec: 'PCMU', ice: { b: { timing: 'after-connected', endOfCandidates: 'withhold' } }, send: { a: tone(440) } })
  await expect(call.b).toReceiveRtp({ packets: 10, within: '5s' })
  expect(call.a.timeline.nominations?.[0]?.remote).toMatch(/ prflx$/)
  expect(call.trickleStats.fromB.endOfCandidatesDelivered).toBe(false)
})
