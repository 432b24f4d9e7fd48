/**
 * WHIP publish → WHEP play through rtcspec's embedded reference server, and the WHIP and WHEP conformance
 * suites run against that server (one Vitest test per requirement).
 * Run: npx rtcspec run specs/examples/whip-whep.spec.ts
 * Against your own server: npx rtcspec conformance whip --url http://host/whip/live (see docs/conformance-whip.md)
 */
import { test, expect } from 'rtcspec'
import { conformanceSuite } from 'rtcspec/conformance'

test('a tone published with WHIP reaches a WHEP viewer', async ({ whip, whep, tone }) => {
  const server = await whip.server() // the embedded reference server, stopped after the test
  const pub = await whip.publish(server.whipUrl('demo'), { audio: tone(440) })
  const view = await whep.play(server.whepUrl('demo')) // { peer: 'chromium' } plays in headless Chromium
  const track = await view.audio()
  await expect(track).toReceiveRtp({ packets: 100, within: '10s' })
  expect(track).toHaveLossBelow(0.01)
  expect(view.peer).toContainTone(440)
  expect(pub.exchanges[0]?.response?.status).toBe(201)
  // After the test, each session writes a call record (kinds whip and whep): the HTTP ladder, ICE, RTP and
  // set-up times, drawn by the HTML report and seen by the gates (docs/call-records.md#whipwhep-sessions).
})

// The embedded server with every optional feature on, so the token, redirect and Link checks apply too.
const embedded = {
  token: 'example-token',
  redirect: true,
  iceServers: [{ url: 'stun:127.0.0.1:3478' }],
  extensions: [{ rel: 'urn:ietf:params:whep:ext:core:server-sent-events', url: '/sse' }],
}
conformanceSuite('whip', { token: 'example-token', embedded })
conformanceSuite('whep', { token: 'example-token', embedded })
