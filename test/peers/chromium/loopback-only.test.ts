/**
 * Network rule: a call on the loopback defaults only ever sends to 127.0.0.0/8. A browser checks from every
 * interface it has (here also the host's non-loopback address); rtcspec must never answer those checks.
 */
import { describe, it, expect } from 'vitest'
import { createChromiumPeer } from '../../../src/peers/chromium/peer.ts'
import { createWeriftPeer } from '../../../src/peers/werift/peer.ts'
import { connectBackToBack } from '../../../src/peers/back-to-back.ts'
import { requireTool } from '../../support/requires.ts'
import { waitFor } from '../../../src/wait.ts'
import type { Peer } from '../../../src/peers/types.ts'

const loopback = /^(127\.|::1$|::ffff:127\.)/

async function expectLoopbackPairs(peers: Peer[]): Promise<void> {
  for (const p of peers) {
    // A browser's getStats can still show no selected pair just after 'connected' (its report is cached for a
    // moment); the peer's polling records the pair in the timeline once the browser reports it.
    await waitFor(() => (p.timeline.nominations?.length ?? 0) > 0, {
      timeoutMs: 10_000,
      intervalMs: 50,
      label: `${p.name} to report its selected candidate pair`,
    })
    const s = await p.stats()
    expect(s.selectedPair, `${p.name} has a selected pair`).toBeDefined()
    expect(s.selectedPair!.local.address, `${p.name} local`).toMatch(loopback)
    // Chromium hides the address of a peer-reflexive remote candidate in getStats (''): here that is the
    // relay's per-source socket on 127.0.0.1, learned from a check it sent.
    if (p.kind === 'chromium' && s.selectedPair!.remote.address === '') expect(s.selectedPair!.remote.type).toBe('prflx')
    else expect(s.selectedPair!.remote.address, `${p.name} remote`).toMatch(loopback)
  }
}

describe.skipIf(requireTool('chromium'))('calls with a browser stay on loopback', () => {
  it('Chromium ↔ werift: werift answers only loopback checks, so both sides select 127.0.0.1 pairs', async () => {
    const chromium = await createChromiumPeer({ name: 'chrome-lo', codecs: ['PCMU'] })
    const werift = createWeriftPeer({ name: 'werift-lo', codecs: ['PCMU'] })
    await using call = await connectBackToBack(chromium, werift, { connectTimeoutMs: 20_000 })
    call.a.sendAudio((rate) => ({ sampleRate: rate, description: 'silence', read: (out) => (out.fill(0), true) }))
    await (await call.b.waitForTrack('audio', 10_000)).waitForPackets(20, 15_000)
    await expectLoopbackPairs([call.a, call.b])
  }, 60_000)

  it('Chromium ↔ Chromium: a clean loopback relay sits between two browsers', async () => {
    const a = await createChromiumPeer({ name: 'chrome-lo-a', codecs: ['PCMU'] })
    const b = await createChromiumPeer({ name: 'chrome-lo-b', codecs: ['PCMU'] })
    await using call = await connectBackToBack(a, b, { connectTimeoutMs: 20_000 })
    // Every candidate each browser was handed points at the relay on 127.0.0.1.
    for (const m of call.signaling.filter((x) => x.type === 'candidate')) expect(m.candidate).toMatch(/ 127\.0\.0\.1 \d+ typ /)
    await expectLoopbackPairs([call.a, call.b])
  }, 60_000)
})
