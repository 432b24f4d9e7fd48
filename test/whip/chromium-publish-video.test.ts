/**
 * WHIP/WHEP video with a browser on either side: a Chromium publisher draws and encodes the pattern itself
 * (`publish(url, { peer, video: { width, height, fps, codec } })`), a werift viewer assembles it from RTP; and a
 * Chromium viewer renders what a werift publisher sends (`play(url, { peer, video: true })` through the fixture's
 * rule: a recvonly video section), its session timed from the POST on the browser's wall clock.
 */
import { afterAll, describe, expect as vexpect, test } from 'vitest'
import { expect } from '../../src/dsl/expect.ts'
import { liveBrowserProcesses } from '../../src/peers/chromium/browser.ts'
import { createChromiumPeer } from '../../src/peers/chromium/peer.ts'
import { encodeVideoPattern } from '../../src/services/video-encode.ts'
import { waitFor } from '../../src/wait.ts'
import { play } from '../../src/whep/client.ts'
import { publish } from '../../src/whip/client.ts'
import { startMediaServer } from '../../src/whip/media-server.ts'
import { holdBrowserForFile } from '../support/browser.ts'

describe('WHIP/WHEP video with Chromium', () => {
  const held = holdBrowserForFile()
  afterAll(async () => {
    held.release()
    await waitFor(() => liveBrowserProcesses().length === 0, { timeoutMs: 10_000, label: 'every Chromium of this file to exit', intervalMs: 50 })
  })

  test('a Chromium publisher (its own canvas pattern, VP8) reaches a werift viewer: a frame within 3 s of the POST, at size', async () => {
    await using srv = await startMediaServer({})
    const camera = await createChromiumPeer({ name: 'obs-like', audio: 'sendonly', codecs: ['opus'] })
    try {
      await using pub = await publish(srv.whipUrl(), { peer: camera, video: { codec: 'VP8', width: 320, height: 240, fps: 30 } })
      vexpect(pub.video).toBeDefined()
      await camera.waitForConnected(15_000)
      await using view = await play(srv.whepUrl(), { video: { codecs: ['VP8'] } })
      await expect(view).toReceiveVideo({ frames: 30, within: '10s' })
      expect(view).toShowFirstFrameWithin(3_000)
      expect(view).toHaveResolution(320, 240)
    } finally {
      await camera.close()
    }
  }, 60_000)

  test('a Chromium viewer renders the pattern a werift publisher sends; the session (rendered frames, wall clock) shows it within 3 s', async () => {
    const video = await encodeVideoPattern({ codec: 'VP8', width: 320, height: 240, fps: 30, seconds: 4, bitrateKbps: 300, keyframeIntervalFrames: 60 })
    await using srv = await startMediaServer({})
    await using _pub = await publish(srv.whipUrl(), { video, videoOptions: { loop: true } })
    const player = await createChromiumPeer({ name: 'player', audio: 'recvonly', codecs: ['PCMU', 'opus'], video: 'recvonly', videoCodecs: ['VP8'] })
    try {
      await using view = await play(srv.whepUrl(), { peer: player })
      vexpect(typeof view.renderedFrames).toBe('function')
      vexpect(view.videoFrames).toBeUndefined()
      await expect(view).toReceiveVideo({ frames: 30, within: '15s' })
      expect(view).toShowFirstFrameWithin(3_000)
    } finally {
      await player.close()
    }
  }, 60_000)
})
