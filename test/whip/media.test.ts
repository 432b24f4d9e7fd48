/**
 * Media through the reference server: a WHIP publisher's tone reaches WHEP viewers, for werift and
 * Chromium on both sides (2×2), through the WHEP counter-offer path, with late trickled candidates, and
 * across an ICE restart of the publisher (the gap at the viewer is measured and printed).
 */
import { afterAll, describe, expect, test } from 'vitest'
import { detectTone } from '../../src/media/analysis.ts'
import { tone } from '../../src/media/sources.ts'
import { createChromiumPeer } from '../../src/peers/chromium/peer.ts'
import { liveBrowserProcesses } from '../../src/peers/chromium/browser.ts'
import type { CandidateInit, InboundTrack, Peer } from '../../src/peers/types.ts'
import { createWeriftPeer } from '../../src/peers/werift/peer.ts'
import { waitFor } from '../../src/wait.ts'
import { play } from '../../src/whep/client.ts'
import { publish } from '../../src/whip/client.ts'
import { startMediaServer } from '../../src/whip/media-server.ts'
import { holdBrowserForFile } from '../support/browser.ts'
import { requireTool } from '../support/requires.ts'

const noChromium = requireTool('chromium')
const HZ = 440

async function makePeer(kind: 'werift' | 'chromium', role: 'pub' | 'view'): Promise<Peer> {
  const audio = role === 'pub' ? 'sendonly' : 'recvonly'
  const name = `${kind}-${role}`
  return kind === 'werift' ? createWeriftPeer({ name, audio, codecs: ['PCMU'] }) : createChromiumPeer({ name, audio, codecs: ['PCMU'] })
}

/** Waits for `packets` packets, then checks the tone in the decoded recording (first 300 ms skipped). */
async function expectTone(track: InboundTrack, packets = 100): Promise<{ measuredHz: number; snrDb: number; received: number }> {
  await track.waitForPackets(packets, 15_000)
  const rec = track.recording()
  const skip = Math.round(rec.sampleRate * 0.3)
  const d = detectTone(rec.samples.subarray(Math.min(skip, rec.samples.length)), rec.sampleRate, HZ, { toleranceHz: 5 })
  expect(d.present, `tone ${HZ} Hz: measured ${d.measuredHz} Hz, SNR ${d.snrDb} dB`).toBe(true)
  expect(Math.abs(d.measuredHz - HZ)).toBeLessThan(5)
  return { measuredHz: d.measuredHz, snrDb: d.snrDb, received: track.rtp.snapshot().received }
}

afterAll(async () => {
  if (!noChromium) await waitFor(() => liveBrowserProcesses().length === 0, { timeoutMs: 10_000, label: 'every Chromium of this file to exit', intervalMs: 50 })
})

describe('WHIP publish → WHEP view through the reference server', () => {
  if (!noChromium) {
    // The Chromium tests' peers open pages in one browser instead of each launching their own.
    const held = holdBrowserForFile()
    afterAll(() => held.release())
  }
  const kinds = ['werift', 'chromium'] as const
  for (const pubKind of kinds) {
    for (const viewKind of kinds) {
      const needsChromium = pubKind === 'chromium' || viewKind === 'chromium'
      test.skipIf(needsChromium && noChromium)(
        `${pubKind} publisher → ${viewKind} viewer: ${HZ} Hz detected`,
        async () => {
          await using srv = await startMediaServer({})
          const pubPeer = await makePeer(pubKind, 'pub')
          const viewPeer = await makePeer(viewKind, 'view')
          try {
            await using pub = await publish(srv.whipUrl('matrix'), { peer: pubPeer, audio: (sr) => tone(HZ, { sampleRate: sr }) })
            await using view = await play(srv.whepUrl('matrix'), { peer: viewPeer })
            const track = await view.audio(10_000)
            const m = await expectTone(track)
            console.log(`[whip→whep] ${pubKind} → ${viewKind}: ${m.received} packets, ${m.measuredHz.toFixed(1)} Hz, SNR ${m.snrDb.toFixed(1)} dB`)
            expect(pub.exchanges[0]?.response?.status).toBe(201)
            expect(view.exchanges[0]?.response?.status).toBe(201)
          } finally {
            await pubPeer.close()
            await viewPeer.close()
          }
        },
        60_000,
      )
    }
  }

  test('WHEP counter-offer (406 + server offer answered by PATCH) carries the tone', async () => {
    await using srv = await startMediaServer({ counterOffer: true })
    await using pub = await publish(srv.whipUrl(), { audio: (sr) => tone(HZ, { sampleRate: sr }) })
    await using view = await play(srv.whepUrl())
    expect(view.exchanges.map((x) => `${x.request.method} ${x.response?.status}`).slice(0, 2)).toEqual(['POST 406', 'PATCH 204'])
    await expectTone(await view.audio(10_000))
    expect(pub.peer.timeline.errors).toEqual([])
  }, 30_000)

  test('late candidates (trickled 400 ms after the 201) still connect and carry media', async () => {
    await using srv = await startMediaServer({})
    const inner = createWeriftPeer({ name: 'late-pub', audio: 'sendonly' })
    // A peer whose candidates reach the client only 400 ms late.
    const delayed = (listener: (c: CandidateInit | null) => void) => inner.onLocalCandidate((c) => void setTimeout(() => listener(c), 400))
    const late = new Proxy(inner, {
      get(target, prop) {
        if (prop === 'onLocalCandidate') return delayed
        const v: unknown = Reflect.get(target, prop, target)
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v
      },
    }) as Peer
    try {
      await using pub = await publish(srv.whipUrl(), { peer: late, audio: (sr) => tone(HZ, { sampleRate: sr }) })
      await using view = await play(srv.whepUrl())
      await expectTone(await view.audio(10_000))
      expect(pub.trickle.patches).toBeGreaterThanOrEqual(1)
      expect(pub.trickle.candidatesSent).toBeGreaterThanOrEqual(1)
      const post = pub.exchanges.findIndex((x) => x.request.method === 'POST')
      const patch = pub.exchanges.findIndex((x) => x.request.method === 'PATCH')
      expect(patch).toBeGreaterThan(post)
    } finally {
      await inner.close()
    }
  }, 30_000)

  test.skipIf(noChromium)(
    'an ICE restart of the publisher keeps media flowing at the viewer; the gap is reported',
    async () => {
      await using srv = await startMediaServer({})
      const cp = await createChromiumPeer({ name: 'chrome-restart', audio: 'sendonly', codecs: ['PCMU'] })
      try {
        await using pub = await publish(srv.whipUrl(), { peer: cp, audio: (sr) => tone(HZ, { sampleRate: sr }) })
        await using view = await play(srv.whepUrl())
        const track = await view.audio(10_000)
        await track.waitForPackets(50, 10_000)
        let maxGap = 0
        let last = 0
        const unsub = track.onRtp((p) => {
          if (last) maxGap = Math.max(maxGap, p.arrivalMs - last)
          last = p.arrivalMs
        })
        const etagBefore = pub.etag
        const restartedAt = performance.now()
        const r = await pub.restartIce()
        expect(r.applied).toBe(true)
        expect(r.exchange.response?.status).toBe(200)
        expect(pub.etag).not.toBe(etagBefore)
        const before = track.rtp.snapshot().received
        await track.waitForPackets(before + 100, 10_000)
        unsub()
        const restartMs = Math.round(performance.now() - restartedAt)
        console.log(
          `[ice-restart] chromium publisher: largest inter-packet gap at the viewer ${maxGap.toFixed(0)} ms; 100 packets after the restart within ${restartMs} ms`,
        )
        expect(maxGap, 'media gap across the restart').toBeLessThan(2_000)
      } finally {
        await cp.close()
      }
    },
    60_000,
  )

  test('ICE restarts of a werift publisher and then of a werift viewer keep media flowing; the gaps are reported', async () => {
    await using srv = await startMediaServer({})
    await using pub = await publish(srv.whipUrl(), { audio: (sr) => tone(HZ, { sampleRate: sr }) })
    await using view = await play(srv.whepUrl())
    const track = await view.audio(10_000)
    await track.waitForPackets(50, 10_000)
    let maxGap = 0
    let last = 0
    const unsub = track.onRtp((p) => {
      if (last) maxGap = Math.max(maxGap, p.arrivalMs - last)
      last = p.arrivalMs
    })
    for (const who of [pub, view]) {
      maxGap = 0
      const etag = who.etag
      const r = await who.restartIce()
      expect(r.applied).toBe(true)
      expect(who.etag).not.toBe(etag)
      const before = track.rtp.snapshot().received
      await track.waitForPackets(before + 75, 10_000)
      console.log(`[ice-restart] werift ${who.protocol === 'whip' ? 'publisher' : 'viewer'}: largest inter-packet gap at the viewer ${maxGap.toFixed(0)} ms`)
      expect(maxGap, 'media gap across the restart').toBeLessThan(2_000)
    }
    unsub()
    await expectTone(track, track.rtp.snapshot().received + 25)
  }, 60_000)

  test('a WHEP viewer that arrives before the publisher gets 409 + Retry-After, retries, and then plays the tone', async () => {
    await using srv = await startMediaServer({ whepConflictWhenNoPublisher: true, retryAfterSeconds: 1 })
    const viewing = play(srv.whepUrl(), { conflictRetries: 5 })
    await waitFor(() => srv.requests.some((r) => r.method === 'POST' && r.status === 409), { timeoutMs: 5_000, label: 'the first 409' })
    await using pub = await publish(srv.whipUrl(), { audio: (sr) => tone(HZ, { sampleRate: sr }) })
    await using view = await viewing
    expect(view.exchanges.map((x) => x.response?.status)).toContain(409)
    expect(view.exchanges.find((x) => x.response?.status === 409)?.response?.headers['retry-after']).toBe('1')
    await expectTone(await view.audio(10_000))
    expect(pub.exchanges[0]?.response?.status).toBe(201)
  }, 30_000)
})
