/**
 * A CI gate for a WHIP server (copy to your repo, e.g. specs/whip-gate.spec.ts). Point it at your server with
 * WHIP_URL (and WHEP_URL for playback); without them it runs against rtcspec's embedded reference server.
 *
 * - every RFC 9725 requirement is one test (a failed MUST fails the run; see docs/conformance-whip.md);
 * - a tone published over WHIP must come back over WHEP. The whip/whep fixtures write a call record per session
 *   (kind `whip` and `whep`: HTTP ladder, ICE, RTP with its per-second timeline), so the gates in rtcspec.config.ts
 *   (loss, jitter, MOS of the viewer's inbound audio; set-up times) apply to it.
 */
import { test, expect } from 'rtcspec'
import { conformanceSuite } from 'rtcspec/conformance'

const whipUrl = process.env.WHIP_URL
const whepUrl = process.env.WHEP_URL
const token = process.env.WHIP_TOKEN

conformanceSuite('whip', { ...(whipUrl ? { url: whipUrl } : {}), ...(token ? { token } : {}) })

test('a tone published over WHIP plays back over WHEP', { timeout: 30_000 }, async ({ whip, whep, tone }) => {
  const server = whipUrl && whepUrl ? undefined : await whip.server()
  const pub = await whip.publish(whipUrl ?? server!.whipUrl('gate'), { audio: tone(440), ...(token ? { token } : {}) })
  const view = await whep.play(whepUrl ?? server!.whepUrl('gate'), token ? { token } : {})
  const track = await view.audio()
  await expect(track).toReceiveRtp({ packets: 100, within: '10s' })
  expect(view.peer).toContainTone(440)
  expect(pub.exchanges[0]?.response?.status).toBe(201)
})
