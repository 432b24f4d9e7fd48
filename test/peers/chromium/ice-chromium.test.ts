/**
 * The trickle building blocks with a headless Chromium peer on one side: Chromium's candidates reach werift only after
 * the connection, so werift connects on a peer-reflexive candidate learned from Chromium's checks; and werift's
 * candidates delivered twice and in reverse order to Chromium.
 */
import { describe, it, expect } from 'vitest'
import { openBackToBack, sources } from '../../../src/calls/open.ts'
import { requireTool } from '../../support/requires.ts'

const skip = requireTool('chromium')

describe.skipIf(skip)('ICE behaviours with a Chromium peer', () => {
  it("Chromium's candidates only after the connection: werift connects on a prflx candidate; duplicated werift candidates are fine", async () => {
    const call = await openBackToBack({
      codec: 'PCMU',
      b: { kind: 'chromium' },
      ice: { a: { duplicate: true, order: 'reverse' }, b: { timing: 'after-connected' } },
      send: { a: sources.tone(440), b: sources.tone(880) },
      connectTimeoutMs: 20_000,
    })
    try {
      const inA = await call.a.waitForTrack('audio', 10_000)
      await inA.waitForPackets(25, 10_000)
      expect(call.a.timeline.nominations?.[0]?.remote).toMatch(/ prflx$/)
      const connectedAt = call.a.timeline.connection.find((s) => s.state === 'connected')!.atMs
      expect(call.a.timeline.remoteCandidates.every((c) => c.atMs >= connectedAt)).toBe(true)
      expect(call.trickleStats.fromA.delivered).toBe(2 * call.trickleStats.fromA.produced)
    } finally {
      await call.close()
    }
  }, 60_000)
})
