/**
 * ICE restart between werift and a headless Chromium peer, either side restarting, direct and through the
 * impairment relay (new-generation candidates on new ports are mapped by the relay path as they come), trickled
 * and with full gathering (the restart descriptions carry the new candidates). Each call must come out of the
 * restart with new ufrags on both sides, a new nomination on both sides, audio flowing both ways (more packets,
 * each tone still detected) and the media gap measured per direction and written to the call record.
 */
import { describe, it, afterAll, beforeAll } from 'vitest'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect } from '../../../src/dsl/expect.ts'
import { openBackToBack, recordAndClose, sources, type B2BCall } from '../../../src/calls/open.ts'
import { restartIce } from '../../../src/peers/ice-restart.ts'
import { CallRecordSchema } from '../../../src/peers/call-record.ts'
import { detectTone } from '../../../src/media/analysis.ts'
import type { InboundTrack, Peer } from '../../../src/peers/types.ts'
import { waitFor } from '../../../src/wait.ts'
import { requireTool } from '../../support/requires.ts'

const skip = requireTool('chromium')

let dir: string
const previous = process.env.RTCSPEC_REPORT_DIR
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rtcspec-ice-restart-chromium-'))
  process.env.RTCSPEC_REPORT_DIR = dir
})
afterAll(() => {
  if (previous === undefined) delete process.env.RTCSPEC_REPORT_DIR
  else process.env.RTCSPEC_REPORT_DIR = previous
  rmSync(dir, { recursive: true, force: true })
})

/** Waits until `track` has `seconds` more audio than `from` samples, then checks the tone in that new audio. */
async function expectToneAfter(track: InboundTrack, fromSamples: number, hz: number, seconds: number): Promise<void> {
  let rec = track.recording()
  await waitFor(
    () => {
      rec = track.recording()
      return rec.samples.length - fromSamples >= rec.sampleRate * seconds
    },
    { timeoutMs: 10_000, label: `${seconds} s of audio after the restart on ${track.peerName}'s inbound track`, intervalMs: 50 },
  )
  const after = rec.samples.subarray(rec.samples.length - Math.round(rec.sampleRate * seconds))
  const d = detectTone(after, rec.sampleRate, hz, { toleranceHz: 2 })
  expect(d.present, `${rec.label}: ${hz} Hz after the restart → ${JSON.stringify(d)}`).toBe(true)
}

/** The peer's nominations made after `sinceMs` (its timeline clock), waiting for a browser's next stats poll. */
async function nominationAfter(peer: Peer, sinceMs: number): Promise<void> {
  await waitFor(() => (peer.timeline.nominations ?? []).some((n) => n.atMs >= sinceMs), {
    timeoutMs: 5000,
    intervalMs: 50,
    label: `a new nominated pair on ${peer.name} after the ICE restart (nominations: ${JSON.stringify(peer.timeline.nominations ?? [])})`,
  })
}

interface Case {
  label: string
  chromium: 'a' | 'b'
  by: 'a' | 'b'
  network?: { seed: number }
  trickle?: false
}

const cases: Case[] = [
  { label: 'werift restarts, direct', chromium: 'b', by: 'a' },
  { label: 'Chromium restarts, direct', chromium: 'b', by: 'b' },
  { label: 'werift restarts, through the relay', chromium: 'b', by: 'a', network: { seed: 11 } },
  { label: 'Chromium restarts, through the relay', chromium: 'b', by: 'b', network: { seed: 12 } },
  { label: 'Chromium (offerer) restarts with full gathering, through the relay', chromium: 'a', by: 'a', network: { seed: 13 }, trickle: false },
]

describe.skipIf(skip)('ICE restart werift ↔ Chromium', () => {
  for (const c of cases) {
    it(c.label, async () => {
      const hz = { a: 440, b: 880 }
      const call: B2BCall = await openBackToBack({
        codec: 'PCMU',
        [c.chromium]: { kind: 'chromium' },
        ...(c.network ? { network: c.network } : {}),
        ...(c.trickle === false ? { trickle: false } : {}),
        send: { a: sources.tone(hz.a), b: sources.tone(hz.b) },
        connectTimeoutMs: 20_000,
      })
      let closed = false
      try {
        const [inA, inB] = await Promise.all([call.a.waitForTrack('audio', 10_000), call.b.waitForTrack('audio', 10_000)])
        await Promise.all([inA.waitForPackets(25, 10_000), inB.waitForPackets(25, 10_000)])
        const chromium = call[c.chromium]
        const werift = call[c.chromium === 'a' ? 'b' : 'a']
        const restartAt = { a: Date.now() - call.a.timeline.createdAt, b: Date.now() - call.b.timeline.createdAt }
        const before = { a: inA.rtp.snapshot().received, b: inB.rtp.snapshot().received }
        const samples = { a: inA.recording().samples.length, b: inB.recording().samples.length }

        const r = await restartIce(call, { by: c.by, timeoutMs: 15_000 })
        process.stdout.write(
          `[ice-restart werift↔chromium: ${c.label}] signaling ${r.signalingMs.toFixed(0)} ms, media again after ${r.reconnectMs.toFixed(0)} ms, gaps ${r.gaps.map((g) => `${g.track} ${g.gapMs.toFixed(0)} ms (${g.method}${g.lowerBoundMs !== undefined ? `, ≥ ${g.lowerBoundMs.toFixed(0)}` : ''})`).join(', ')}\n`,
        )

        // A real restart: new ICE credentials on both sides, in the descriptions exchanged.
        expect(r.newUfrag).toEqual({ a: true, b: true })
        const restartSdps = call.signaling.filter((m) => m.type.endsWith('(ICE restart)'))
        expect(restartSdps.map((m) => m.from)).toEqual(c.by === 'a' ? [call.a.name, call.b.name] : [call.b.name, call.a.name])
        if (c.trickle === false) {
          // Full gathering: each restart description carries its new candidates (Chromium's waits for the new round).
          for (const m of restartSdps) expect(m.sdp, `${m.from}'s ${m.type}`).toMatch(/^a=candidate:.* generation 1/m)
        }
        // A new nomination after the restart: always on werift's side; on Chromium's as well, except that as the
        // controlled side through the relay it sometimes keeps its old, still working pair (about 1 restart in 4;
        // docs/network.md) — then media must still flow both ways (checked below).
        const weriftSide = c.chromium === 'a' ? 'b' : 'a'
        const chromiumMayKeepOldPair = c.network !== undefined && c.by === weriftSide
        expect(r.renominated[weriftSide]).toBe(true)
        await nominationAfter(werift, restartAt[weriftSide])
        if (!chromiumMayKeepOldPair) {
          expect(r.renominated[c.chromium]).toBe(true)
          await nominationAfter(chromium, restartAt[c.chromium])
        } else process.stdout.write(`  Chromium ${r.renominated[c.chromium] ? 'selected a new pair' : 'kept its old pair'}\n`)
        expect((await werift.stats()).iceDetail?.iceRestarts).toBe(1)
        expect((await chromium.stats()).iceDetail?.iceRestarts).toBe(1)
        const weriftChecks = (await werift.stats()).iceDetail?.checks ?? []
        expect(
          weriftChecks.some((p) => p.nominated && p.state === 'succeeded'),
          JSON.stringify(weriftChecks),
        ).toBe(true)

        // The gap is measured on both directions: from the packets (werift) and bounded from getStats (Chromium).
        expect(r.gaps.map((g) => g.method).sort()).toEqual(['browser-getstats', 'packets'])
        for (const g of r.gaps) {
          expect(g.gapMs, g.track).toBeGreaterThan(0)
          expect(g.gapMs, g.track).toBeLessThan(5000)
          if (g.lowerBoundMs !== undefined) expect(g.lowerBoundMs).toBeLessThanOrEqual(g.gapMs)
        }
        expect(r.gapMs).toBe(Math.max(...r.gapsMs))
        if (call.relay) {
          // Through the relay, its ground truth knows when each packet toward Chromium left it: the longest interval
          // between those releases during the restart must be within the bound read from Chromium's getStats
          // (+ 15 ms for loopback delivery and the browser's receive thread on a loaded machine).
          const end = r.startedAt + r.reconnectMs
          const released = call.relay
            .truth(c.chromium === 'a' ? 'toA' : 'toB')
            .records.flatMap((x) => (x.releasedAt !== undefined && x.releasedAt >= r.startedAt && x.releasedAt <= end ? [x.releasedAt] : []))
            .sort((x, y) => x - y)
          const truthGap = Math.max(0, ...released.slice(1).map((t, i) => t - released[i]!))
          const browserGap = r.gaps.find((g) => g.method === 'browser-getstats')!
          process.stdout.write(
            `  relay truth: longest interval toward Chromium during the restart ${truthGap.toFixed(0)} ms (getStats bound ${browserGap.lowerBoundMs?.toFixed(0)}…${browserGap.gapMs.toFixed(0)} ms)\n`,
          )
          expect(released.length).toBeGreaterThan(0)
          expect(truthGap).toBeLessThanOrEqual(browserGap.gapMs + 15)
        }

        // Audio keeps flowing both ways: 1 s more packets on each side, and each side still hears the other's tone.
        await Promise.all([inA.waitForPackets(before.a + 50, 10_000), inB.waitForPackets(before.b + 50, 10_000)])
        await Promise.all([expectToneAfter(inA, samples.a, hz.b, 1), expectToneAfter(inB, samples.b, hz.a, 1)])

        // The call record carries the restart with its gaps, and both peers' second nominations.
        expect(call.iceRestarts).toHaveLength(1)
        closed = true
        await recordAndClose(call, 'ice-restart-chromium')
        const lines = readFileSync(join(dir, 'call_records.jsonl'), 'utf8').trim().split('\n')
        const record = CallRecordSchema.parse(JSON.parse(lines.at(-1)!))
        const restarts = record.extra?.iceRestarts as Array<{ by: string; gapMs: number; gaps: unknown[] }> | undefined
        expect(restarts?.length).toBe(1)
        expect(restarts?.[0]?.by).toBe(c.by)
        expect(restarts?.[0]?.gapMs).toBe(r.gapMs)
        expect(restarts?.[0]?.gaps).toHaveLength(2)
        for (const p of record.peers) {
          const side = p.name === call.a.name ? 'a' : 'b'
          expect(p.ice.iceRestarts, p.name).toBe(1)
          expect(
            p.ice.nominations?.some((n) => n.atMs >= restartAt[side]),
            p.name,
          ).toBe(r.renominated[side])
        }
      } finally {
        if (!closed) await call.close()
      }
    }, 90_000)
  }
})
