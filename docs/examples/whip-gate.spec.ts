/**
 * A CI gate for a WHIP server (copy to your repo, e.g. specs/whip-gate.spec.ts). Point it at your server with
 * WHIP_URL (and WHEP_URL for playback); without them it runs against rtcspec's embedded reference server.
 *
 * - every RFC 9725 requirement is one test (a failed MUST fails the run; see docs/conformance-whip.md);
 * - a tone published over WHIP must come back over WHEP, and the viewer's call is written to the call records,
 *   so the gates in rtcspec.config.ts (loss, jitter, MOS) apply to it.
 */
import { test, expect, conformanceSuite, buildCallRecord, appendCallRecord } from 'rtcspec'

const whipUrl = process.env.WHIP_URL
const whepUrl = process.env.WHEP_URL

conformanceSuite('whip', { ...(whipUrl ? { url: whipUrl } : {}), ...(process.env.WHIP_TOKEN ? { token: process.env.WHIP_TOKEN } : {}) })

test('a tone published over WHIP plays back over WHEP', { timeout: 30_000 }, async ({ whip, whep, tone }) => {
  const server = whipUrl && whepUrl ? undefined : await whip.server()
  const startedAt = new Date()
  const pub = await whip.publish(whipUrl ?? server!.whipUrl('gate'), { audio: tone(440) })
  const view = await whep.play(whepUrl ?? server!.whepUrl('gate'))
  const track = await view.audio()
  await expect(track).toReceiveRtp({ packets: 100, within: '10s' })
  expect(view.peer).toContainTone(440)
  expect(pub.exchanges[0]?.response?.status).toBe(201)
  // Record the viewer's side of the call: the gates read call records.
  appendCallRecord(await buildCallRecord({ kind: 'whep-play', peers: [view.peer], startedAt, test: { name: expect.getState().currentTestName ?? 'whip gate', result: 'unknown' } }))
})
