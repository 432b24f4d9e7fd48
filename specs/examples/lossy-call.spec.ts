/**
 * A call whose media crosses rtcspec's seeded UDP impairment relay with 5 % loss towards bob.
 * The loss matcher catches it, and the loss rtcspec measured equals what the relay really dropped.
 * Run: npx rtcspec run specs/examples/lossy-call.spec.ts
 */
import { test, expect } from 'rtcspec'

test('5 % loss towards bob is caught by the loss matcher', async ({ b2b, tone }) => {
  const call = await b2b({
    codec: 'PCMU',
    network: { seed: 42, toB: { loss: 0.05 } },
    send: { a: tone(440), b: tone(880) },
  })
  await expect(call.b).toReceiveRtp({ packets: 150, within: '6s' })
  await expect(call.a).toReceiveRtp({ packets: 150, within: '6s' })

  // bob's side is lossy: a 1 % budget fails, with the measured figure in the message.
  expect(() => expect(call.b).toHaveLossBelow(0.01)).toThrow(/measured \d+\.\d+ %/)
  expect(call.b).not.toHaveLossBelow(0.01)
  // alice's direction is clean.
  expect(call.a).toHaveLossBelow(0.005)

  // rtcspec's RFC 3550 count agrees with the relay's ground truth, packet for packet.
  const seen = call.b.inbound[0]!.rtp.snapshot()
  const truth = call.relay!.summary('toB')
  expect(truth.dropped).toBeGreaterThan(0)
  // Packets still in flight when we look may be neither counted lost nor received; allow the last one.
  expect(Math.abs(seen.lost - truth.dropped)).toBeLessThanOrEqual(1)
})
