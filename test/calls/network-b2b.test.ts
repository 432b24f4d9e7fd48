/**
 * The DSL `network` option on real back-to-back calls: presets, outage schedules, and seeds that reproduce
 * the same packet fates.
 */
import { describe, it, expect, afterEach, onTestFailed } from 'vitest'
import { openBackToBack, sources, type B2BCall } from '../../src/calls/open.ts'
import { waitFor } from '../../src/wait.ts'
import { PRESETS } from '../../src/net/presets.ts'

const open: B2BCall[] = []
afterEach(async () => {
  await Promise.allSettled(open.splice(0).map((c) => c.close()))
})
async function call(options: Parameters<typeof openBackToBack>[0]): Promise<B2BCall> {
  const c = await openBackToBack(options)
  open.push(c)
  onTestFailed(() => {
    if (c.seed !== undefined) process.stderr.write(`impairment seed ${c.seed} (re-run with RTCSPEC_SEED=${c.seed})\n`)
  })
  return c
}

/** Sends `n` packets a→b and waits until the relay delivered them and bob received them. */
async function sendPackets(c: B2BCall, n: number): Promise<void> {
  const send = c.a.sendAudio(sources.tone(440))
  const inB = await c.b.waitForTrack('audio', 5000)
  await waitFor(() => send.stats.packetsSent >= n, { timeoutMs: n * 20 + 10_000, label: `alice to send ${n} packets` })
  send.stop()
  // werift sends asynchronously (SRTP): wait until the relay has seen every packet alice sent.
  await waitFor(() => c.relay!.summary('toB').sent >= send.stats.packetsSent, {
    timeoutMs: 5000,
    label: `the relay to see all ${send.stats.packetsSent} packets alice sent`,
  })
  await waitFor(
    () => c.relay!.summary('toB').pending === 0 && inB.rtp.snapshot().received >= c.relay!.summary('toB').delivered + c.relay!.summary('toB').duplicated,
    {
      timeoutMs: 5000,
      label: 'bob to receive every packet the relay delivered',
    },
  )
}

describe('network option on b2b calls', () => {
  it('a preset name configures both directions of the relay', async () => {
    const c = await call({ codec: 'PCMU', network: { seed: 3, preset: 'lte', toB: 'satellite' } })
    expect(c.relay!.profile('toA')).toEqual(PRESETS.lte)
    expect(c.relay!.profile('toB')).toEqual(PRESETS.satellite)
  })

  it('a 1 s outage towards bob at t = 1 s drops exactly the packets in that window, then media resumes', async () => {
    const c = await call({ codec: 'PCMU', network: { seed: 11, schedule: [{ outage: { at: '1s', for: '1s', direction: 'toB' } }] } })
    await sendPackets(c, 150)
    const history = c.relay!.profileHistory('toB')
    const dark = history.find((h) => h.profile.loss === 1)!
    const light = history.at(-1)!
    expect(dark).toBeDefined()
    expect(light.profile).toEqual({})
    // Both changes are timers armed at connect: each fires 0–tens of ms late on a loaded machine, independently.
    expect(light.atMs - dark.atMs).toBeGreaterThan(950)
    expect(light.atMs - dark.atMs).toBeLessThan(1150)
    const relayStart = c.relay!.startedAt
    const records = c.relay!.truth('toB').records
    for (const r of records) {
      const t = r.receivedAt - relayStart
      if (t >= dark.atMs && t < light.atMs) expect(r.fate, `packet at ${t.toFixed(1)} ms`).toBe('dropped')
      else expect(r.fate, `packet at ${t.toFixed(1)} ms`).toBe('delivered')
    }
    const dropped = records.filter((r) => r.fate === 'dropped').length
    const windowMs = light.atMs - dark.atMs
    // About one packet per 20 ms inside the window that really applied: the exact per-packet check above is
    // the real assertion; this one only catches a window that dropped far too much or too little (pacing on
    // a loaded 2-core machine bunches a few packets at the edges).
    expect(Math.abs(dropped - windowMs / 20)).toBeLessThanOrEqual(8)
    const seen = c.b.inbound[0]!.rtp.snapshot()
    expect(seen.lost).toBe(dropped)
    expect(seen.longestSeqGap).toBe(dropped)
    expect(seen.longestArrivalGapMs).toBeGreaterThan(windowMs - 50)
    expect(seen.longestArrivalGapMs).toBeLessThan(windowMs + 300)
  })

  it('the same seed gives the same packet fates on two independent calls; RTCSPEC_SEED supplies it', async () => {
    const profile = { loss: 0.1, jitterMs: 8, duplicate: 0.05, burst: { pGoodToBad: 0.05, pBadToGood: 0.5 } }
    const prev = process.env.RTCSPEC_SEED
    process.env.RTCSPEC_SEED = '424242'
    let first: B2BCall
    try {
      first = await call({ codec: 'PCMU', network: { toB: profile } })
    } finally {
      if (prev === undefined) delete process.env.RTCSPEC_SEED
      else process.env.RTCSPEC_SEED = prev
    }
    expect(first.seed).toBe(424242)
    const second = await call({ codec: 'PCMU', network: { seed: 424242, toB: profile } })
    const other = await call({ codec: 'PCMU', network: { seed: 424243, toB: profile } })
    await Promise.all([sendPackets(first, 120), sendPackets(second, 120), sendPackets(other, 120)])
    // Fates by arrival index: dropped/delivered/duplicated and the jitter the relay drew (delay minus timer lateness
    // is not reproducible, so compare the decisions, not the measured delays).
    const fates = (c: B2BCall) =>
      c
        .relay!.truth('toB')
        .records.slice(0, 120)
        .map((r) => `${r.fate}${r.dropReason ? `:${r.dropReason}` : ''}`)
    expect(fates(first)).toHaveLength(120)
    expect(fates(second)).toEqual(fates(first))
    expect(fates(other)).not.toEqual(fates(first))
    expect(fates(first).filter((f) => f !== 'delivered').length).toBeGreaterThan(5)
  })
})

describe('a failing impaired scenario prints its seed', () => {
  it('names the seed and the RTCSPEC_SEED re-run command', async () => {
    const { runScenario } = await import('../../src/dsl/scenario.ts')
    const err = await runScenario('lossy', {
      peers: { alice: { send: { tone: 440 } }, bob: {} },
      codec: 'PCMU',
      network: { seed: 9091, toB: { preset: '3g', loss: 0.3 } },
      duration: '1s',
      expect: { 'bob.audio.in': { lossBelow: 0.01 } },
    }).then(
      () => undefined,
      (e: unknown) => e as Error,
    )
    expect(err?.message).toMatch(/expected loss below 1\.00 %/)
    expect(err?.message).toContain('impairment seed: 9091 (re-run with RTCSPEC_SEED=9091)')
  })
})

describe('scenario(): ICE building blocks', () => {
  it('trickle policies per peer and an ICE restart whose gap is checked', async () => {
    const { runScenario } = await import('../../src/dsl/scenario.ts')
    await runScenario('restart', {
      peers: { alice: { send: { tone: 440 }, ice: { duplicate: true } }, bob: { send: { tone: 880 }, ice: { timing: 'after-connected' } } },
      codec: 'PCMU',
      network: { seed: 12, preset: 'lan' },
      iceRestart: { at: '500ms', maxGap: '3s' },
      duration: '1500ms',
      expect: { 'bob.audio.in': { packetsAtLeast: 50 }, 'alice.audio.in': { packetsAtLeast: 50 } },
    })
    const err = await runScenario('restart too slow', {
      peers: { alice: { send: { tone: 440 } }, bob: {} },
      codec: 'PCMU',
      iceRestart: { at: '300ms', maxGap: 1 },
      duration: '1s',
    }).then(
      () => undefined,
      (e: unknown) => e as Error,
    )
    expect(err?.message).toMatch(/failed at step "restart ICE at 300 ms": the ICE restart interrupted media for \d+ ms, more than the allowed 1 ms/)
    expect(err?.message).toMatch(/ICE restart media gap: \d+ ms/)
  })
  it('rejects a bad trickle policy with its path', async () => {
    const { parseScenario } = await import('../../src/dsl/scenario.ts')
    expect(() => parseScenario({ peers: { a: { ice: { timing: 'soon' } }, b: {} } })).toThrow(/peers\.a\.ice\.timing/)
  })
})
