/**
 * Socket-level tests of delay, jitter, duplicate, burst, rate and schedule.
 * Timing bounds are generous so they hold on a loaded 2-core machine, but each would fail if the feature were missing:
 * the relay's own latency on loopback is well under 1 ms idle; timers fire ≤ 1–2 ms late idle, tens of ms under load.
 */
import { describe, it, expect, afterEach } from 'vitest'
import { performance } from 'node:perf_hooks'
import { UdpRelay, type UdpRelayOptions } from '../../src/net/index.ts'
import { rtp, seqOf, testPeer, type TestPeer } from './helpers.ts'

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function setup(opts: UdpRelayOptions) {
  const relay = await UdpRelay.create(opts)
  cleanups.push(() => relay.close())
  const a = await testPeer()
  const b = await testPeer()
  cleanups.push(
    () => a.close(),
    () => b.close(),
  )
  const proxyOfB = await relay.addPeerAddress('b', b.addr)
  await relay.addPeerAddress('a', a.addr)
  return { relay, a, b, proxyOfB }
}

/** Sends seqs [from, to) a→b back to back, then waits until the relay released them all and b has every copy. */
async function batch(
  relay: UdpRelay,
  a: TestPeer,
  b: TestPeer,
  to: { address: string; port: number },
  from: number,
  end: number,
  sentAt?: Map<number, number>,
) {
  for (let s = from; s < end; s++) {
    sentAt?.set(s, performance.now())
    await a.send(rtp(s), to)
  }
  await relay.waitFor(() => relay.summary('toB').sent >= end, { label: `relay saw ${end} packets toB`, timeoutMs: 10_000 })
  await relay.waitFor(() => relay.summary('toB').pending === 0, { label: 'relay released every held packet toB', timeoutMs: 10_000 })
  const s = relay.summary('toB')
  await b.waitCount(s.delivered + s.duplicated, `b received the ${s.delivered + s.duplicated} datagrams released`, 10_000)
}

const stats = (xs: number[]) => {
  const sorted = [...xs].sort((x, y) => x - y)
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number
  return { min: sorted[0] as number, mean: xs.reduce((s, x) => s + x, 0) / xs.length, p50: q(0.5), p95: q(0.95), max: sorted[sorted.length - 1] as number }
}

describe('UdpRelay — delay, jitter, duplicate', () => {
  // Measured idle (2-core VM): relay-held delay = configured +0.4..+3 ms (p50 ≈ +0.5..+1.5 ms), never early by more than
  // the 0.25 ms release slack; end to end adds ≈ 1–1.5 ms of loopback + event-loop time in this single-process test.
  // Under heavy CPU load (3 busy processes on 2 cores) p50 reached +34 ms, so the upper bound is delay + 45 ms:
  // still below 2 × delay, so a doubled delay fails, and the lower bound catches a missing delay.
  it('delay adds the configured delay (never early; median ≤ delay + 45 ms; truth agrees with the receiver)', async () => {
    const DELAY = 60
    const { relay, a, b, proxyOfB } = await setup({ seed: 1, toB: { delayMs: DELAY } })
    const sentAt = new Map<number, number>()
    for (let k = 0; k < 10; k++) await batch(relay, a, b, proxyOfB, k * 10, k * 10 + 10, sentAt)
    const e2e = b.received.map((r) => r.at - (sentAt.get(seqOf(r.buf)) as number))
    const t = relay.truth('toB')
    const relayDelay = t.records.map((r) => r.delayMs as number)
    const e = stats(e2e)
    const d = stats(relayDelay)
    console.log(`delay ${DELAY} ms: end-to-end ${JSON.stringify(e)}; relay-held ${JSON.stringify(d)}`)
    expect(b.received).toHaveLength(100)
    expect(e.min).toBeGreaterThanOrEqual(DELAY - 0.5)
    expect(d.min).toBeGreaterThanOrEqual(DELAY - 0.5)
    expect(e.p50).toBeLessThanOrEqual(DELAY + 45)
    expect(d.p50).toBeLessThanOrEqual(DELAY + 45)
    expect(t.summary.meanDelayMs).toBeCloseTo(d.mean, 6)
    // the truth's delay is what the receiver saw, minus the loopback hops: never more than end to end
    for (const r of b.received) {
      const rec = t.records[seqOf(r.buf)]
      expect(rec?.seq).toBe(seqOf(r.buf))
      expect((rec?.releasedAt as number) - 0.01).toBeLessThanOrEqual(r.at)
    }
  })

  it('jitter with reorder:false never reorders, yet the delays really vary', async () => {
    const { relay, a, b, proxyOfB } = await setup({ seed: 2, toB: { delayMs: 20, jitterMs: 15, reorder: false } })
    for (let k = 0; k < 20; k++) await batch(relay, a, b, proxyOfB, k * 10, k * 10 + 10)
    const seqs = b.received.map((r) => seqOf(r.buf))
    expect(seqs).toEqual(Array.from({ length: 200 }, (_, i) => i))
    const d = stats(relay.truth('toB').records.map((r) => r.delayMs as number))
    console.log(`jitter uniform ±15 around 20 ms, reorder:false: relay-held ${JSON.stringify(d)}`)
    expect(d.max - d.min).toBeGreaterThan(15)
    expect(d.min).toBeGreaterThanOrEqual(5 - 0.5)
  })

  it('jitter with reorder:true does reorder (so the previous test is meaningful)', async () => {
    const { relay, a, b, proxyOfB } = await setup({ seed: 2, toB: { delayMs: 20, jitterMs: 15, reorder: true } })
    for (let k = 0; k < 20; k++) await batch(relay, a, b, proxyOfB, k * 10, k * 10 + 10)
    const seqs = b.received.map((r) => seqOf(r.buf))
    let inversions = 0
    for (let i = 1; i < seqs.length; i++) if ((seqs[i] as number) < (seqs[i - 1] as number)) inversions++
    expect(seqs).toHaveLength(200)
    expect([...seqs].sort((x, y) => x - y)).toEqual(Array.from({ length: 200 }, (_, i) => i))
    expect(inversions).toBeGreaterThan(10)
  })

  it('duplicate: exactly the packets the truth marks duplicated arrive twice', async () => {
    const { relay, a, b, proxyOfB } = await setup({ seed: 3, toB: { duplicate: 0.2 } })
    for (let k = 0; k < 5; k++) await batch(relay, a, b, proxyOfB, k * 100, k * 100 + 100)
    const t = relay.truth('toB')
    const copies = new Map<number, number>()
    for (const r of b.received) copies.set(seqOf(r.buf), (copies.get(seqOf(r.buf)) ?? 0) + 1)
    const twice = [...copies]
      .filter(([, n]) => n === 2)
      .map(([s]) => s)
      .sort((x, y) => x - y)
    const dupTruth = t.records.filter((r) => r.fate === 'duplicated').map((r) => r.seq)
    expect(twice).toEqual(dupTruth)
    expect([...copies.values()].every((n) => n === 1 || n === 2)).toBe(true)
    expect(copies.size).toBe(500)
    expect(t.summary.duplicated).toBe(dupTruth.length)
    expect(b.received).toHaveLength(500 + dupTruth.length)
    expect(dupTruth.length).toBeGreaterThan(60) // 100 expected, sd ≈ 9
    expect(dupTruth.length).toBeLessThan(140)
  })

  it('burst loss through sockets: missing seqs equal the truth, all with reason burst, and they come in runs', async () => {
    const { relay, a, b, proxyOfB } = await setup({ seed: 4, toB: { burst: { pGoodToBad: 0.05, pBadToGood: 0.25 } } })
    for (let k = 0; k < 10; k++) await batch(relay, a, b, proxyOfB, k * 100, k * 100 + 100)
    const t = relay.truth('toB')
    const got = new Set(b.received.map((r) => seqOf(r.buf)))
    const missing = Array.from({ length: 1000 }, (_, i) => i).filter((s) => !got.has(s))
    const dropped = t.records.filter((r) => r.fate === 'dropped')
    expect(missing).toEqual(dropped.map((r) => r.seq))
    expect(dropped.every((r) => r.dropReason === 'burst')).toBe(true)
    expect(t.summary.dropReasons.burst).toBe(dropped.length)
    let runs = 0
    for (let i = 0; i < missing.length; i++) if (i === 0 || missing[i] !== (missing[i - 1] as number) + 1) runs++
    // mean run length 1/0.25 = 4; independent loss of the same rate would give ≈ 1.2
    expect(missing.length / runs).toBeGreaterThan(2.5)
  })

  it('rate limit spaces packets by their serialization time and tail-drops on a full queue', async () => {
    // 100 kbit/s; 125-byte datagrams (12 + 113) = 1000 bits = 10 ms each; queue 10
    const { relay, a, b, proxyOfB } = await setup({ seed: 5, toB: { rateKbps: 100, queuePackets: 10 } })
    for (let s = 0; s < 30; s++) await a.send(rtp(s, { payloadLen: 113 }), proxyOfB)
    await relay.waitFor(() => relay.summary('toB').sent === 30 && relay.summary('toB').pending === 0, { label: 'relay handled 30 packets', timeoutMs: 10_000 })
    const t = relay.truth('toB')
    await b.waitCount(t.summary.delivered, 'b received the released packets')
    const delivered = t.records.filter((r) => r.fate !== 'dropped')
    console.log(
      `rate 100 kbit/s: arrival span ${((t.records.at(-1)?.receivedAt ?? 0) - (t.records[0]?.receivedAt ?? 0)).toFixed(2)} ms, delivered ${delivered.length}, queue drops ${t.summary.dropReasons.queue}`,
    )
    expect(t.summary.dropReasons.queue).toBe(30 - delivered.length)
    expect(t.summary.dropReasons.queue).toBeGreaterThan(0)
    // Oracle, from the truth's arrival times: a FIFO link of 10 ms/packet with 10 places (the one on the wire counts).
    // No packet may leave before its serialization slot ends (being late is allowed: timers under load).
    let linkFree = -Infinity
    const inQueue: number[] = []
    for (const r of t.records) {
      while (inQueue.length > 0 && (inQueue[0] as number) <= r.receivedAt) inQueue.shift()
      if (inQueue.length >= 10) {
        expect(r).toMatchObject({ fate: 'dropped', dropReason: 'queue' })
        continue
      }
      linkFree = Math.max(r.receivedAt, linkFree) + 10
      inQueue.push(linkFree)
      expect(r.fate).toBe('delivered')
      expect(r.releasedAt as number).toBeGreaterThanOrEqual(linkFree - 0.26)
    }
    const arr = b.received.map((r) => r.at)
    const gaps = arr.slice(1).map((x, i) => x - (arr[i] as number))
    console.log(`rate 100 kbit/s: receiver gaps ${JSON.stringify(stats(gaps))}`)
    expect(b.received).toHaveLength(delivered.length)
    // (the receiver's spacing is only logged: a late timer under load releases several due packets at once)
  })
})

describe('UdpRelay — profile changes', () => {
  it('a schedule switches the profile at the given time', async () => {
    const AT = 250
    const { relay, a, b, proxyOfB } = await setup({ seed: 6, schedule: [{ atMs: AT, direction: 'toB', profile: { loss: 1 } }] })
    await batch(relay, a, b, proxyOfB, 0, 20)
    expect(relay.profileHistory('toB')).toHaveLength(1)
    await relay.waitFor(() => relay.profileHistory('toB').length === 2, { label: 'the scheduled profile change', timeoutMs: 5000 })
    const h = relay.profileHistory('toB')[1]
    console.log(`schedule at ${AT} ms applied at ${h?.atMs.toFixed(2)} ms`)
    expect(h).toMatchObject({ by: 'schedule', profile: { loss: 1 } })
    expect(h?.atMs).toBeGreaterThanOrEqual(AT - 1)
    expect(h?.atMs).toBeLessThan(AT + 250) // idle: within 0.5 ms; under heavy load ≈ +95 ms seen
    expect(relay.profile('toB')).toEqual({ loss: 1 })
    await batch(relay, a, b, proxyOfB, 20, 40)
    const t = relay.truth('toB')
    expect(t.records.slice(0, 20).every((r) => r.fate === 'delivered')).toBe(true)
    expect(t.records.slice(20).every((r) => r.fate === 'dropped' && r.receivedAt - relay.startedAt >= AT - 1)).toBe(true)
    expect(b.received).toHaveLength(20)
    expect(relay.profile('toA')).toEqual({})
  })

  it('setProfile changes impairment mid-call', async () => {
    const { relay, a, b, proxyOfB } = await setup({ seed: 7, toB: { loss: 1 } })
    await batch(relay, a, b, proxyOfB, 0, 10)
    relay.setProfile('toB', {})
    await batch(relay, a, b, proxyOfB, 10, 20)
    expect(b.received.map((r) => seqOf(r.buf))).toEqual(Array.from({ length: 10 }, (_, i) => i + 10))
    expect(relay.profileHistory('toB').map((h) => h.by)).toEqual(['create', 'setProfile'])
    expect(() => relay.setProfile('toB', { loss: 2 })).toThrow(/toB\.loss/)
    expect(() => relay.setProfile('toC' as never, {})).toThrow(/direction/)
  })
})
