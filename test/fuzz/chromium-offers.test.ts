import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { requireTool } from '../support/requires.ts'
import { createChromiumPeer } from '../../src/peers/chromium/peer.ts'
import { parseSdp } from '../../src/sdp/index.ts'
import { buildWebrtcOffer, webrtcOffer } from '../../src/fuzz/arbitraries/webrtc-offer.ts'

const seed = Number(process.env.FC_SEED ?? Date.now() % 2 ** 31)

describe.skipIf(requireTool('chromium'))('generated offers in Chromium', () => {
  it('Chromium accepts generated WebRTC offers (audio, video, bundle, simulcast, data channel) and answers every section', async () => {
    console.log(`chromium offers: fast-check seed ${seed} (set FC_SEED to replay)`)
    const specs = fc.sample(webrtcOffer(), { seed, numRuns: 6 })
    for (const spec of specs) {
      const sdp = buildWebrtcOffer(spec)
      await using peer = await createChromiumPeer({ name: 'fuzz-offer-check' })
      const answer = await peer.acceptOffer({ type: 'offer', sdp })
      expect(parseSdp(answer.sdp).media.length, sdp).toBe(spec.sections.length)
    }
  }, 180_000)
})
