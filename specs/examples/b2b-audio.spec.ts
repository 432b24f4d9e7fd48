/**
 * Two werift peers call each other back to back on loopback and send G.711 audio both ways.
 * Run: npx rtcspec run specs/examples/b2b-audio.spec.ts
 */
import { test, expect } from 'rtcspec'

test('back-to-back PCMU call carries audio both ways without loss', async ({ b2b, tone }) => {
  const call = await b2b({ codec: 'PCMU', send: { a: tone(440), b: tone(880) } })

  await expect(call.b).toReceiveRtp({ packets: 100, within: '5s' })
  await expect(call.a).toReceiveRtp({ packets: 100, within: '5s' })

  expect(call.b).toHaveLossBelow(0.005)
  expect(call.a).toHaveLossBelow(0.005)
  expect(call.b).toHaveJitterBelow(20)
  expect(call.a).toHaveJitterBelow(20)
  expect(call.b.inbound[0]?.codec?.encoding).toBe('PCMU')
})

test('back-to-back PCMA call with full ICE gathering (no trickle)', async ({ b2b, tone }) => {
  const call = await b2b({ codec: 'PCMA', trickle: false, send: { a: tone(1000) } })
  await expect(call.b).toReceiveRtp({ packets: 50, within: '5s' })
  expect(call.b).toHaveLossBelow(0.005)
  expect(call.b.inbound[0]?.codec).toMatchObject({ encoding: 'PCMA', payloadType: 8, clockRate: 8000 })
})
