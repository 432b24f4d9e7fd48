/**
 * A relay-only Chromium peer through coturn (local provider): media flows over the relay, the browser's
 * selected pair is `relay` with coturn's relayed address, and wrong credentials fail naming the 401.
 */
import { afterAll, beforeAll, describe, it, expect } from 'vitest'
import { createChromiumPeer } from '../../../src/peers/chromium/peer.ts'
import { liveBrowserProcesses } from '../../../src/peers/chromium/browser.ts'
import { createWeriftPeer } from '../../../src/peers/werift/peer.ts'
import { connectBackToBack } from '../../../src/peers/back-to-back.ts'
import { startCoturn, type CoturnService } from '../../../src/services/coturn.ts'
import { tone } from '../../../src/media/sources.ts'
import { detectTone } from '../../../src/media/analysis.ts'
import { holdBrowserForFile } from '../../support/browser.ts'
import { requireTool } from '../../support/requires.ts'
import { waitFor } from '../../../src/wait.ts'

const skip = (process.env.RTCSPEC_CHROMIUM ? false : requireTool('chromium')) || requireTool('turnserver')

describe.skipIf(skip)('Chromium peer through coturn', { timeout: 60_000 }, () => {
  let turn: CoturnService
  // The tests' peers open pages in one browser instead of each launching their own.
  const held = holdBrowserForFile()
  beforeAll(async () => {
    turn = await startCoturn({ provider: 'local', users: [{ username: 'alice', password: 's3cret-pw' }] })
  }, 60_000)
  afterAll(async () => {
    await held.release()
    await turn?.close()
    await waitFor(() => liveBrowserProcesses().length === 0, { timeoutMs: 10_000, label: 'every Chromium process of this file to exit', intervalMs: 50 })
  })

  for (const transport of ['udp', 'tcp', 'tls'] as const) {
    it(`relay-only over ${transport.toUpperCase()}: media flows and the selected pair is relay`, async () => {
      const chromium = await createChromiumPeer({
        name: `chrome-relay-${transport}`,
        codecs: ['opus'],
        relayOnly: true,
        iceServers: turn.iceServers({ transports: [transport] }),
      })
      const werift = createWeriftPeer({ name: `werift-relay-${transport}`, codecs: ['opus'] })
      await using call = await connectBackToBack(chromium, werift, { connectTimeoutMs: 20_000 })
      chromium.sendAudio((rate) => tone(600, { sampleRate: rate }))
      werift.sendAudio((rate) => tone(1200, { sampleRate: rate }))
      const [inC, inW] = await Promise.all([chromium.waitForTrack('audio', 10_000), werift.waitForTrack('audio', 10_000)])
      await Promise.all([inC.waitForPackets(100, 15_000), inW.waitForPackets(100, 15_000)])
      const s = await chromium.stats()
      expect(s.selectedPair?.local.type).toBe('relay')
      expect(s.selectedPair?.local.address).toBe('127.0.0.1')
      expect(s.selectedPair?.local.port).toBeGreaterThanOrEqual(turn.ports!.relay.min)
      expect(s.selectedPair?.local.port).toBeLessThanOrEqual(turn.ports!.relay.max)
      // Only relay candidates left the page.
      for (const c of chromium.timeline.localCandidates) expect(c.candidate).toMatch(/ typ relay /)
      const rec = inW.recording()
      expect(detectTone(rec.samples.subarray(rec.samples.length - rec.sampleRate), rec.sampleRate, 600).present).toBe(true)
      void call
    })
  }

  it("with strictCertificates the browser refuses coturn's self-signed TLS certificate (and says so)", async () => {
    await using chromium = await createChromiumPeer({
      name: 'chrome-strict',
      strictCertificates: true,
      relayOnly: true,
      iceServers: turn.iceServers({ transports: ['tls'] }),
    })
    await chromium.createOffer()
    await waitFor(() => chromium.timeline.errors.some((e) => /ICE candidate error 701 .*\(turns:127\.0\.0\.1:\d+\?transport=tcp\)/.test(e.message)), {
      timeoutMs: 20_000,
      label: 'the TURN/TLS failure in the timeline',
    })
    expect(chromium.timeline.localCandidates).toEqual([])
  })

  it('wrong credentials: the connection fails naming the TURN 401, not a bare timeout', async () => {
    await using chromium = await createChromiumPeer({
      name: 'chrome-bad-turn',
      relayOnly: true,
      iceServers: turn.iceServers({ transports: ['udp'], credentials: { username: 'alice', credential: 'not-the-password' } }),
    })
    await using werift = createWeriftPeer({ name: 'werift-bad-turn' })
    // It cannot connect (no candidate from the browser), so the timeout is waited out: 3 s is enough for that.
    const err = await connectBackToBack(chromium, werift, { connectTimeoutMs: 3000 }).then(
      async (c) => {
        await c.close()
        return undefined
      },
      (e: unknown) => e as Error,
    )
    expect(err).toBeInstanceOf(Error) // the call did not connect (werift saw no candidate from the browser)
    // The browser's side says why: its TURN allocation was refused, in its timeline and in its connect error.
    await waitFor(() => chromium.timeline.errors.some((e) => /ICE candidate error 401 Unauthorized/.test(e.message)), {
      timeoutMs: 10_000,
      label: "the TURN 401 in the browser peer's timeline",
    })
    await expect(chromium.waitForConnected(500)).rejects.toThrow(
      /chrome-bad-turn to connect[\s\S]*ICE candidate error 401 Unauthorized \(turn:127\.0\.0\.1:\d+\?transport=udp\)/,
    )
  })
})
