import { describe, it, expect, afterEach } from 'vitest'
import { openBackToBack, sources, type B2BCall } from '../../src/calls/open.ts'
import { restartIce } from '../../src/peers/ice-restart.ts'

const open: B2BCall[] = []
afterEach(async () => {
  await Promise.allSettled(open.splice(0).map((c) => c.close()))
})

describe('ICE restart mid-call', () => {
  for (const [label, network] of [
    ['direct', undefined],
    ['through the relay', { seed: 5 }],
  ] as const) {
    it(`keeps media flowing both ways and reports the gap (${label})`, async () => {
      const call = await openBackToBack({ codec: 'PCMU', ...(network ? { network } : {}), send: { a: sources.tone(440), b: sources.tone(880) } })
      open.push(call)
      const [inA, inB] = await Promise.all([call.a.waitForTrack('audio', 5000), call.b.waitForTrack('audio', 5000)])
      await Promise.all([inA.waitForPackets(25, 5000), inB.waitForPackets(25, 5000)])
      const before = call.a.timeline.localCandidates.length
      const r = await restartIce(call, { watch: [inA, inB] })
      process.stdout.write(
        `[ice-restart ${label}] signaling ${r.signalingMs.toFixed(1)} ms, media again after ${r.reconnectMs.toFixed(1)} ms, gap ${r.gapsMs.map((g) => g.toFixed(1)).join(' / ')} ms\n`,
      )
      expect(r.newCredentials).toBe(true)
      // New candidates were gathered for the new ICE generation.
      expect(call.a.timeline.localCandidates.length).toBeGreaterThan(before)
      // Media keeps flowing: after the restart both tracks got packets again, and the gap is bounded and reported.
      expect(r.gapMs).toBeGreaterThan(0)
      expect(r.gapMs).toBeLessThan(5000)
      const sA = inA.rtp.snapshot()
      await inA.waitForPackets(sA.received + 25, 5000)
      expect(call.signaling.map((m) => m.type)).toContain('offer (ICE restart)')
      // The ICE timeline shows the second nomination (new generation) and the restart count.
      expect(call.a.timeline.nominations?.length).toBe(2)
      expect((await call.a.stats()).iceDetail?.iceRestarts).toBe(1)
      const states = call.a.timeline.ice.map((s) => s.state)
      expect(states.at(-1)).toMatch(/connected|completed/)
    })
  }
})
