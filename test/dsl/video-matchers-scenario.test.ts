import { describe, expect, it } from 'vitest'
import { parseScenario } from '../../src/calls/scenario-spec.ts'
import { runScenario } from '../../src/dsl/scenario.ts'
import { requireTool } from '../support/requires.ts'

const video = { codec: 'VP8' as const, width: 320, height: 240, fps: 30 }

describe('scenario() video keys', () => {
  it('validates <peer>.video.in expectations: their keys, a sender, did-you-mean', () => {
    expect(() =>
      parseScenario({
        peers: { alice: { video }, bob: {} },
        expect: { 'bob.video.in': { framesAtLeast: 30, freezesBelow: 1, resolution: '320x240', firstFrameWithin: '2s' } },
      }),
    ).not.toThrow()
    expect(() => parseScenario({ peers: { alice: {}, bob: {} }, expect: { 'bob.video.in': { framesAtLeast: 30 } } })).toThrow(/the other peer sends none/)
    expect(() => parseScenario({ peers: { alice: { video }, bob: {} }, expect: { 'bob.video.in': { lossBelow: 0.1 } } })).toThrow(
      /video expectations are framesAtLeast/,
    )
    expect(() => parseScenario({ peers: { alice: { video }, bob: {} }, expect: { 'bob.video.in': { fpsAbov: 25 } } })).toThrow(/did you mean "fpsAbove"/)
    expect(() => parseScenario({ peers: { alice: { video: { codec: 'VP9' } }, bob: {} } })).toThrow(/VP8/)
  })

  it('a werift → werift video scenario passes its expectations, and a wrong one fails naming the measured figure', { timeout: 60_000 }, async () => {
    requireTool('ffmpeg')
    const spec = {
      peers: { alice: { video }, bob: {} },
      duration: '2s',
      expect: { 'bob.video.in': { framesAtLeast: 45, fpsAbove: 25, freezesBelow: 1, resolution: '320x240', firstFrameWithin: '2s' } },
    }
    await runScenario('video ok', spec)
    await expect(runScenario('video wrong size', { ...spec, expect: { 'bob.video.in': { resolution: '640x480', framesAtLeast: 10_000 } } })).rejects.toThrow(
      /bob\.video\.in: expected at least 10000 decodable frames, got \d+[\s\S]*bob\.video\.in: expected 640x480 pictures, got 320x240/,
    )
  })

  it('a Chromium peer draws the pattern in its page and werift receives it', { timeout: 90_000 }, async () => {
    if (!process.env.RTCSPEC_CHROMIUM && requireTool('chromium')) return
    await runScenario('chromium video', {
      peers: { camera: { kind: 'chromium', video }, viewer: {} },
      duration: '2s',
      connectTimeout: '15s',
      expect: { 'viewer.video.in': { framesAtLeast: 30, resolution: '320x240', firstFrameWithin: '3s' } },
    })
  })
})
