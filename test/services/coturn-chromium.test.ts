/**
 * A Chromium peer and a werift peer, both relay-only, call each other through rtcspec's coturn (local
 * provider): the browser's own getStats and werift's agree that the selected pair is relay/relay, and each
 * side hears the other's tone.
 */
import { afterAll, describe, expect, test } from 'vitest'
import { openBackToBack, sources } from '../../src/calls/open.ts'
import { detectTone } from '../../src/media/analysis.ts'
import { chromiumDescendants, liveBrowserProcesses } from '../../src/peers/chromium/index.ts'
import { startCoturn } from '../../src/services/coturn.ts'
import { waitFor } from '../../src/wait.ts'
import { requireTool } from '../support/requires.ts'
import { assertNoServiceLeaks } from './providers.ts'

const skip = requireTool('turnserver') || (process.env.RTCSPEC_CHROMIUM ? false : requireTool('chromium'))

describe.skipIf(skip)('Chromium ↔ werift through coturn', () => {
  afterAll(async () => {
    await waitFor(() => liveBrowserProcesses().length === 0 && chromiumDescendants().length === 0, {
      timeoutMs: 10_000,
      label: 'every Chromium process of this file to exit',
      intervalMs: 50,
    })
    await assertNoServiceLeaks()
  })

  test('relay-only over TURN/UDP with Opus: relay/relay on both sides, tones heard both ways', async () => {
    await using turn = await startCoturn({ provider: 'local' })
    const relay = { iceServers: turn.iceServers({ transports: ['udp'] }), relayOnly: true }
    const call = await openBackToBack({
      codec: 'opus',
      a: { kind: 'chromium', ...relay },
      b: relay,
      send: { a: sources.tone(440), b: sources.tone(880) },
      connectTimeoutMs: 25_000,
    })
    try {
      const [atB, atA] = await Promise.all([call.b.waitForTrack('audio', 10_000), call.a.waitForTrack('audio', 10_000)])
      await Promise.all([atB.waitForPackets(100, 15_000), atA.waitForPackets(100, 15_000)])
      for (const p of [call.a, call.b]) {
        const pair = (await p.stats()).selectedPair
        expect(`${pair?.local.type}/${pair?.remote.type}`, `${p.name} (${p.kind}) selected pair`).toBe('relay/relay')
        expect(pair!.local.port).toBeGreaterThanOrEqual(turn.ports!.relay.min)
        expect(pair!.local.port).toBeLessThanOrEqual(turn.ports!.relay.max)
      }
      for (const [track, hz] of [
        [atB, 440],
        [atA, 880],
      ] as const) {
        const rec = track.recording()
        const det = detectTone(rec.samples, rec.sampleRate, hz)
        expect(det.present, `${track.peerName} hears ${hz} Hz: ${JSON.stringify(det)}`).toBe(true)
        expect(Math.abs(det.measuredHz - hz)).toBeLessThan(2)
      }
    } finally {
      await call.close()
    }
  }, 60_000)
})
