/**
 * WHIP/WHEP bench rows: POST→201 latency of the reference server (werift answer with full gathering),
 * publish→first RTP at a WHEP viewer, the conformance suite duration (signaling only and with media),
 * and the viewer-side gap across a publisher ICE restart.
 */
import { percentile, type BenchRow, type BenchSuite } from '../row.ts'
import { runConformance } from '../../src/conformance/runner.ts'
import { tone } from '../../src/media/sources.ts'
import { play } from '../../src/whep/client.ts'
import { publish } from '../../src/whip/client.ts'
import { startMediaServer } from '../../src/whip/media-server.ts'

const SUITE = 'whip-whep'

export const whipWhepSuite: BenchSuite = {
  name: SUITE,
  description: 'WHIP POST → 201 latency and the WHIP/WHEP suite with media',
  async run(log) {
    const rows: BenchRow[] = []
    await using srv = await startMediaServer({})
    // POST → 201 (synthetic client: a werift publisher, the 201 exchange's elapsed time).
    const posts: number[] = []
    for (let i = 0; i < 10; i++) {
      const s = await publish(srv.whipUrl(`b${i}`))
      posts.push(s.exchanges[0]?.response?.elapsedMs ?? Number.NaN)
      await s.close()
    }
    rows.push({
      suite: SUITE,
      metric: 'WHIP POST → 201 p50',
      value: percentile(posts, 50),
      unit: 'ms',
      note: `n=${posts.length}, reference server on loopback (werift answer, full server gathering)`,
    })
    log(`POST→201 p50 ${percentile(posts, 50)} ms`)
    // publish → first RTP at a viewer, and the gap across a publisher ICE restart
    const firsts: number[] = []
    const gaps: number[] = []
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now()
      await using pub = await publish(srv.whipUrl('m'), { audio: (sr) => tone(440, { sampleRate: sr }) })
      await using view = await play(srv.whepUrl('m'))
      const track = await view.audio(10_000)
      await track.waitForPackets(1, 10_000)
      firsts.push(performance.now() - t0)
      await track.waitForPackets(25, 10_000)
      let last = 0
      let gap = 0
      const un = track.onRtp((p) => {
        if (last) gap = Math.max(gap, p.arrivalMs - last)
        last = p.arrivalMs
      })
      await pub.restartIce()
      await track.waitForPackets(track.rtp.snapshot().received + 50, 10_000)
      un()
      gaps.push(gap)
    }
    rows.push({
      suite: SUITE,
      metric: 'publish → first RTP at WHEP viewer p50',
      value: percentile(firsts, 50),
      unit: 'ms',
      note: `n=${firsts.length}, werift publisher (PCMU) and viewer, both sessions set up in sequence`,
    })
    rows.push({
      suite: SUITE,
      metric: 'viewer gap across publisher ICE restart (max)',
      value: Math.max(...gaps),
      unit: 'ms',
      note: `n=${gaps.length} restarts, largest inter-packet gap at the viewer (20 ms packets)`,
    })
    // suite durations
    for (const media of [false, true]) {
      const t0 = performance.now()
      const r = await runConformance({ suite: 'whip', url: srv.whipUrl(), media, ...(media ? { whepUrl: srv.whepUrl() } : {}) })
      rows.push({
        suite: SUITE,
        metric: `WHIP conformance suite${media ? ' with media' : ' (signaling only)'}`,
        value: performance.now() - t0,
        unit: 'ms',
        note: `${r.results.length} requirements against the reference server`,
      })
    }
    return rows
  },
}
