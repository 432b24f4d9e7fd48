/**
 * Chromium peers next to werift peers: start time and memory per peer (in Chromium↔werift Opus calls). How many
 * concurrent calls each kind holds, and connect times, are measured side by side in the `peers` suite.
 *
 * Memory: a Chromium peer's cost is the browser's process tree, measured from /proc (summed RSS, which counts
 * shared pages once per process, and summed PSS, which divides them). A werift peer's cost is this Node
 * process's RSS growth per peer.
 */
import { createChromiumPeer, type ChromiumPeer } from '../../src/peers/chromium/peer.ts'
import { treePssBytes, treeRssBytes } from '../../src/peers/chromium/process-tree.ts'
import { createWeriftPeer, type WeriftPeer } from '../../src/peers/werift/peer.ts'
import { connectBackToBack, type BackToBackCall } from '../../src/peers/back-to-back.ts'
import { tone } from '../../src/media/sources.ts'
import { percentile, timeLeft, type BenchRow, type BenchSuite } from '../row.ts'

const SUITE = 'chromium'
const COLD_STARTS = 3
const WARM_STARTS = 6
const MEMORY_PEERS = 4
const WERIFT_MEMORY_CALLS = 10
const MiB = 2 ** 20

const tone440 = (rate: number) => tone(440, { sampleRate: rate })
const tone1000 = (rate: number) => tone(1000, { sampleRate: rate })

async function chromiumCall(): Promise<BackToBackCall> {
  const c = await createChromiumPeer({ codecs: ['opus'], pollIntervalMs: 500 })
  const w = createWeriftPeer({ codecs: ['opus'] })
  try {
    const call = await connectBackToBack(c, w, { connectTimeoutMs: 20_000 })
    c.sendAudio(tone440)
    w.sendAudio(tone1000)
    return call
  } catch (e) {
    await Promise.allSettled([c.close(), w.close()])
    throw e
  }
}

async function measureStart(rows: BenchRow[], log: (l: string) => void): Promise<void> {
  // Cold: no browser running, so the peer launches it (launch + page + in-page peer).
  const cold: number[] = []
  for (let i = 0; i < COLD_STARTS; i++) {
    const t0 = performance.now()
    const p = await createChromiumPeer()
    cold.push(performance.now() - t0)
    await p.close()
  }
  // Warm: the browser is up (held by a first peer); a new peer is a new page.
  const holder = await createChromiumPeer()
  const warm: number[] = []
  try {
    for (let i = 0; i < WARM_STARTS; i++) {
      const t0 = performance.now()
      const p = await createChromiumPeer()
      warm.push(performance.now() - t0)
      await p.close()
    }
  } finally {
    await holder.close()
  }
  const werift: number[] = []
  for (let i = 0; i < WARM_STARTS; i++) {
    const t0 = performance.now()
    const p = createWeriftPeer()
    await p.createOffer() // a werift peer is usable once it has gathered: comparable to the page's init
    werift.push(performance.now() - t0)
    await p.close()
  }
  log(`cold ${cold.map((x) => x.toFixed(0)).join(', ')} ms; warm ${warm.map((x) => x.toFixed(0)).join(', ')} ms`)
  rows.push({
    suite: SUITE,
    metric: 'Chromium peer start, cold (launch browser + page) p50',
    value: percentile(cold, 50),
    unit: 'ms',
    note: `${COLD_STARTS} starts, browser closed between`,
  })
  rows.push({
    suite: SUITE,
    metric: 'Chromium peer start, warm (new page in running browser) p50',
    value: percentile(warm, 50),
    unit: 'ms',
    note: `${WARM_STARTS} starts`,
  })
  rows.push({
    suite: SUITE,
    metric: 'werift peer start (create + first offer) p50',
    value: percentile(werift, 50),
    unit: 'ms',
    note: `${WARM_STARTS} starts, side by side`,
  })
}

async function measureMemory(rows: BenchRow[], log: (l: string) => void): Promise<void> {
  // Chromium: RSS/PSS of the browser's tree with 1 and then MEMORY_PEERS Chromium peers, each in a call with werift.
  const calls: BackToBackCall[] = []
  try {
    calls.push(await chromiumCall())
    await calls[0]!.b.waitForTrack('audio', 10_000).then((t) => t.waitForPackets(50, 10_000))
    const pid = (calls[0]!.a as ChromiumPeer).browserPid!
    const rss1 = treeRssBytes(pid)
    const pss1 = treePssBytes(pid)
    while (calls.length < MEMORY_PEERS) calls.push(await chromiumCall())
    await Promise.all(calls.map((c) => c.b.waitForTrack('audio', 10_000).then((t) => t.waitForPackets(50, 10_000))))
    const rssN = treeRssBytes(pid)
    const pssN = treePssBytes(pid)
    log(`browser tree RSS ${(rss1 / MiB).toFixed(0)} MiB with 1 peer, ${(rssN / MiB).toFixed(0)} MiB with ${MEMORY_PEERS}`)
    const note = `browser process tree from /proc, Chromium↔werift Opus calls in progress`
    rows.push({ suite: SUITE, metric: 'Chromium browser + 1 peer, summed RSS', value: rss1 / MiB, unit: 'MiB', note })
    rows.push({ suite: SUITE, metric: 'Chromium browser + 1 peer, summed PSS', value: pss1 / MiB, unit: 'MiB', note })
    rows.push({
      suite: SUITE,
      metric: 'each further Chromium peer, summed RSS',
      value: (rssN - rss1) / (MEMORY_PEERS - 1) / MiB,
      unit: 'MiB',
      note: `(${MEMORY_PEERS} peers − 1 peer) / ${MEMORY_PEERS - 1}`,
    })
    rows.push({
      suite: SUITE,
      metric: 'each further Chromium peer, summed PSS',
      value: (pssN - pss1) / (MEMORY_PEERS - 1) / MiB,
      unit: 'MiB',
      note: `(${MEMORY_PEERS} peers − 1 peer) / ${MEMORY_PEERS - 1}`,
    })
  } finally {
    await Promise.allSettled(calls.map((c) => c.close()))
  }
  // werift: growth of this process's RSS per werift peer, in werift↔werift Opus calls.
  globalThis.gc?.()
  const before = process.memoryUsage().rss
  const pairs: Array<[WeriftPeer, WeriftPeer, BackToBackCall]> = []
  try {
    for (let i = 0; i < WERIFT_MEMORY_CALLS; i++) {
      const a = createWeriftPeer({ codecs: ['opus'] })
      const b = createWeriftPeer({ codecs: ['opus'] })
      const call = await connectBackToBack(a, b)
      a.sendAudio(tone440)
      b.sendAudio(tone1000)
      pairs.push([a, b, call])
    }
    await Promise.all(pairs.map(([, b]) => b.waitForTrack('audio', 10_000).then((t) => t.waitForPackets(50, 10_000))))
    globalThis.gc?.()
    const perPeer = (process.memoryUsage().rss - before) / (2 * WERIFT_MEMORY_CALLS)
    rows.push({
      suite: SUITE,
      metric: 'each werift peer, Node RSS growth',
      value: perPeer / MiB,
      unit: 'MiB',
      note: `${WERIFT_MEMORY_CALLS} werift↔werift Opus calls, side by side`,
    })
  } finally {
    await Promise.allSettled(pairs.map(([, , c]) => c.close()))
  }
}

export const chromiumSuite: BenchSuite = {
  name: SUITE,
  description: 'Chromium peer start (cold/warm) and memory per peer (RSS/PSS) next to werift; concurrency is in `peers`',
  async run(log, options) {
    const rows: BenchRow[] = []
    for (const [what, measure] of [
      ['start time', measureStart],
      ['memory', measureMemory],
    ] as const) {
      if (timeLeft(options) < 15_000) {
        rows.push({ suite: SUITE, metric: `${what} (skipped)`, value: Number.NaN, unit: '', note: "the suite's time budget ran out" })
        continue
      }
      try {
        await measure(rows, log)
      } catch (e) {
        // Keep the other sections' rows; say what failed in the table.
        const message = e instanceof Error ? e.message.split('\n')[0]! : String(e)
        log(`${what} failed: ${message}`)
        rows.push({ suite: SUITE, metric: `${what} (failed)`, value: Number.NaN, unit: '', note: message })
      }
    }
    return rows
  },
}
