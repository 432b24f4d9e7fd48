/**
 * RFC 9725 §4.4.2: a WHIP offer carries one MediaStream with at most one audio and one video track.
 * `lintWhipOffer(sdp)` checks an offer; the embedded reference server refuses offers it does not support
 * with 422 Unprocessable Content (the RFC allows 422 or 400). Run: npx rtcspec run specs/examples/whip-offer-lint.spec.ts
 */
import { test, expect } from 'rtcspec'
import { syntheticOffer } from 'rtcspec/conformance'
import { lintWhipOffer } from 'rtcspec/whip'

test('the offer rtcspec publishes is one MediaStream; two audio tracks are refused with 422', async ({ whip: fx, tone }) => {
  const server = await fx.server()
  const pub = await fx.publish(server.whipUrl('lint'), { audio: tone(440) })
  const lint = lintWhipOffer(pub.offer)
  expect(lint.ok).toBe(true)
  expect(lint.streams).toEqual(['rtcspec'])

  const twoAudio = syntheticOffer('whip', { sections: [{ kind: 'audio' }, { kind: 'audio' }] }).sdp
  expect(lintWhipOffer(twoAudio).problems).toContain('2 audio tracks (mids 0, 1); at most one track per kind is allowed')
  const res = await fetch(server.whipUrl('lint'), { method: 'POST', headers: { 'Content-Type': 'application/sdp' }, body: twoAudio })
  expect(res.status).toBe(422)
})
