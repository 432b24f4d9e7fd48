/**
 * werift back-to-back calls: set-up time, time to first RTP, how many concurrent G.711 calls this
 * machine holds within loss/jitter limits, and resident memory per call.
 */
import { openBackToBack, sources, type B2BCall } from '../../src/dsl/calls.ts'
import { percentile, type BenchRow, type BenchSuite } from '../row.ts'

const SEQUENTIAL_CALLS = 30
const LEVELS = [25, 50, 100, 150, 200, 300]
const HOLD_MS = 5000
const LOSS_LIMIT = 0.005
const JITTER_LIMIT_MS = 5
const LEVEL_SETUP_BUDGET_MS = 120_000

async function firstRtpMs(call: B2BCall): Promise<number> {
  const track = await call.b.waitForTrack('audio', 5000)
  await track.waitForPackets(1, 5000)
  return track.rtp.snapshot().firstArrivalMs! - call.timings.startedAt
}

async function openCalls(n: number, log: (l: string) => void): Promise<B2BCall[]> {
  const calls: B2BCall[] = []
  const started = performance.now()
  while (calls.length < n) {
    if (performance.now() - started > LEVEL_SETUP_BUDGET_MS) throw new Error(`setting up ${n} calls took longer than ${LEVEL_SETUP_BUDGET_MS} ms (got ${calls.length})`)
    const batch = Math.min(10, n - calls.length)
    const opened = await Promise.all(Array.from({ length: batch }, () => openBackToBack({ codec: 'PCMU', send: { a: sources.tone(440), b: sources.tone(880) } })))
    calls.push(...opened)
  }
  log(`${n} calls up in ${((performance.now() - started) / 1000).toFixed(1)} s`)
  return calls
}

export const weriftB2bSuite: BenchSuite = {
  name: 'werift-b2b',
  async run(log) {
    const rows: BenchRow[] = []
    // 1. Sequential set-up: ICE + DTLS, and time to the first RTP packet.
    const connect: number[] = []
    const first: number[] = []
    for (let i = 0; i < SEQUENTIAL_CALLS; i++) {
      const call = await openBackToBack({ codec: 'PCMU', send: { a: sources.tone(440) } })
      connect.push(call.timings.connectedMs)
      first.push(await firstRtpMs(call))
      await call.close()
    }
    const n = `${SEQUENTIAL_CALLS} sequential calls, loopback`
    rows.push({ suite: 'werift-b2b', metric: 'connect (offer → ICE+DTLS connected) p50', value: percentile(connect, 50), unit: 'ms', note: n })
    rows.push({ suite: 'werift-b2b', metric: 'connect (offer → ICE+DTLS connected) p95', value: percentile(connect, 95), unit: 'ms', note: n })
    rows.push({ suite: 'werift-b2b', metric: 'time to first RTP p50', value: percentile(first, 50), unit: 'ms', note: n })
    rows.push({ suite: 'werift-b2b', metric: 'time to first RTP p95', value: percentile(first, 95), unit: 'ms', note: n })

    // 2. Concurrency ramp: hold each level for HOLD_MS with G.711 both ways.
    let best: { n: number; loss: number; jitterP95: number; rssPerCallMiB: number } | undefined
    let failedAt: { n: number; reason: string } | undefined
    for (const level of LEVELS) {
      globalThis.gc?.()
      const rssBefore = process.memoryUsage().rss
      let calls: B2BCall[] = []
      try {
        calls = await openCalls(level, log)
        const rssAfter = process.memoryUsage().rss
        // Measure only the hold window: wait HOLD_MS of media (bounded, condition = time passed).
        const base = calls.flatMap((c) => [c.a, c.b]).map((p) => p.inbound[0]?.rtp.snapshot())
        await new Promise((r) => setTimeout(r, HOLD_MS))
        let lost = 0
        let expected = 0
        const jitters: number[] = []
        calls.flatMap((c) => [c.a, c.b]).forEach((p, i) => {
          const s = p.inbound[0]?.rtp.snapshot()
          const b = base[i]
          if (!s) {
            expected += HOLD_MS / 20
            lost += HOLD_MS / 20
            return
          }
          expected += s.expected - (b?.expected ?? 0)
          lost += s.lost - (b?.lost ?? 0)
          jitters.push(s.jitterMs)
        })
        const loss = expected > 0 ? lost / expected : 1
        const jitterP95 = percentile(jitters, 95)
        log(`${level} calls: loss ${(loss * 100).toFixed(3)} %, jitter p95 ${jitterP95.toFixed(2)} ms, rss +${((rssAfter - rssBefore) / 2 ** 20).toFixed(0)} MiB`)
        if (loss < LOSS_LIMIT && jitterP95 < JITTER_LIMIT_MS) {
          best = { n: level, loss, jitterP95, rssPerCallMiB: (rssAfter - rssBefore) / 2 ** 20 / level }
        } else {
          failedAt = { n: level, reason: `loss ${(loss * 100).toFixed(2)} %, jitter p95 ${jitterP95.toFixed(1)} ms` }
        }
      } catch (e) {
        failedAt = { n: level, reason: e instanceof Error ? e.message : String(e) }
      } finally {
        await Promise.allSettled(calls.map((c) => c.close()))
      }
      if (failedAt) break
    }
    const limits = `loss < ${LOSS_LIMIT * 100} % and jitter p95 < ${JITTER_LIMIT_MS} ms over ${HOLD_MS / 1000} s, PCMU both ways`
    rows.push({
      suite: 'werift-b2b',
      metric: 'max concurrent b2b audio calls',
      value: best?.n ?? 0,
      unit: 'calls',
      note: `${limits}; levels ${LEVELS.join('/')}${failedAt ? `; failed at ${failedAt.n}: ${failedAt.reason}` : '; every level held'}`,
    })
    if (best) {
      rows.push({ suite: 'werift-b2b', metric: `loss at ${best.n} calls`, value: best.loss * 100, unit: '%', note: 'all streams pooled' })
      rows.push({ suite: 'werift-b2b', metric: `jitter p95 at ${best.n} calls`, value: best.jitterP95, unit: 'ms', note: 'RFC 3550, per stream' })
      rows.push({ suite: 'werift-b2b', metric: 'resident memory per call', value: best.rssPerCallMiB, unit: 'MiB', note: `RSS growth / calls at ${best.n} calls (2 peers each)` })
    }
    return rows
  },
}
