import { describe, it, expect } from 'vitest'
import { openBackToBack, sources } from '../../../src/calls/open.ts'
import { waitFor } from '../../../src/wait.ts'

describe('rtcspec RTP statistics agree with werift getStats() and the relay ground truth', () => {
  for (const [loss, seed] of [
    [0, 1],
    [0.05, 1234],
    [0.15, 99],
  ] as const) {
    it(`with ${loss * 100} % injected loss (seed ${seed})`, async () => {
      const call = await openBackToBack({ codec: 'PCMU', network: { seed, toB: { loss } } })
      try {
        const send = call.a.sendAudio(sources.tone(440))
        const inB = await call.b.waitForTrack('audio', 5000)
        await waitFor(() => send.stats.packetsSent >= 200, { timeoutMs: 10_000, label: 'alice to send 200 packets' })
        send.stop()
        const truth = () => call.relay!.summary('toB')
        // Every packet the relay delivered has arrived.
        await waitFor(() => inB.rtp.snapshot().received === truth().delivered && truth().pending === 0, {
          timeoutMs: 5000,
          label: 'bob to receive every delivered packet',
        })

        const ours = inB.rtp.snapshot()
        const stats = await call.b.stats()
        const native = stats.inbound[0]!.native!
        expect(native).toBeDefined()

        // Ground truth: the relay dropped exactly the packets we count as lost. A receiver can only see a
        // loss between two packets it got, so count the relay's drops between the first and last delivery.
        const records = call.relay!.truth('toB').records
        const firstDelivered = records.findIndex((r) => r.fate !== 'dropped')
        const lastDelivered = records.findLastIndex((r) => r.fate !== 'dropped')
        const droppedInside = records.slice(firstDelivered, lastDelivered + 1).filter((r) => r.fate === 'dropped').length
        expect(ours.lost).toBe(droppedInside)
        if (loss > 0) expect(ours.lost).toBeGreaterThan(0)
        else expect(ours.lost).toBe(0)

        // werift's own counters.
        expect(native.packetsReceived).toBe(ours.unique)
        expect(native.packetsLost).toBe(ours.rfc3550CumulativeLost)
        // Same RFC 3550 estimator on (almost) the same arrival times: within 1 ms, or 20 %.
        expect(Math.abs(native.jitterMs - ours.jitterMs)).toBeLessThanOrEqual(Math.max(1, 0.2 * ours.jitterMs))
      } finally {
        await call.close()
      }
    })
  }
})
