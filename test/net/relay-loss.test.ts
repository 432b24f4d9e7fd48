import { describe, it, expect, afterEach } from 'vitest'
import { UdpRelay, type TruthRecord } from '../../src/net/index.ts'
import { RtcspecError } from '../../src/errors.ts'
import { rtp, seqOf, stun, rtcp, testPeer, type TestPeer } from './helpers.ts'

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function setup(opts: Parameters<typeof UdpRelay.create>[0]) {
  const relay = await UdpRelay.create(opts)
  cleanups.push(() => relay.close())
  const a = await testPeer()
  const b = await testPeer()
  cleanups.push(
    () => a.close(),
    () => b.close(),
  )
  const proxyOfB = await relay.addPeerAddress('b', b.addr) // what a is told
  const proxyOfA = await relay.addPeerAddress('a', a.addr) // what b is told
  return { relay, a, b, proxyOfA, proxyOfB }
}

/**
 * Sends `count` RTP packets a→b in batches; after each batch waits until the relay has seen them
 * and b has received everything the relay released (so no batch overflows a socket buffer).
 */
async function pump(relay: UdpRelay, a: TestPeer, b: TestPeer, to: { address: string; port: number }, count: number, batch = 100) {
  for (let start = 0; start < count; start += batch) {
    const end = Math.min(count, start + batch)
    for (let s = start; s < end; s++) await a.send(rtp(s), to)
    await relay.waitFor(() => relay.summary('toB').sent >= end, { label: `relay saw ${end} packets toB`, timeoutMs: 10_000 })
    await relay.waitFor(() => relay.summary('toB').pending === 0, { label: 'relay released every held packet', timeoutMs: 10_000 })
    const s = relay.summary('toB')
    await b.waitCount(s.delivered + s.duplicated, `b received the ${s.delivered + s.duplicated} datagrams the relay released`, 10_000)
  }
}

async function lossRun(seed: number, count = 2000) {
  const { relay, a, b, proxyOfB } = await setup({ seed, toB: { loss: 0.1 } })
  await pump(relay, a, b, proxyOfB, count)
  return { relay, a, b, truth: relay.truth('toB') }
}

const fates = (recs: readonly TruthRecord[]) => recs.map((r) => (r.fate === 'dropped' ? 0 : 1)).join('')

describe('UdpRelay — seeded loss', () => {
  it('loss 0 delivers every packet, in order, with RTP fields in the truth', async () => {
    const { relay, a, b, proxyOfB } = await setup({ seed: 1 })
    await pump(relay, a, b, proxyOfB, 300)
    const t = relay.truth('toB')
    expect(t.summary).toMatchObject({ sent: 300, delivered: 300, dropped: 0, duplicated: 0, pending: 0, lossFraction: 0 })
    expect(b.received.map((r) => seqOf(r.buf))).toEqual(Array.from({ length: 300 }, (_, i) => i))
    expect(t.records[7]).toMatchObject({ dir: 'toB', index: 7, seq: 7, ssrc: 0x11223344, timestamp: 7 * 160, size: 172, fate: 'delivered' })
    // b sees the packets coming from a per-source leg socket of the relay, not from a
    expect(new Set(b.received.map((r) => r.from.port)).size).toBe(1)
    expect(b.received[0]?.from.port).not.toBe(a.addr.port)
  })

  it('seeded 10% loss over 2,000 packets: receiver-missing seqs equal the truth’s dropped seqs exactly', async () => {
    const seed = 0xc0ffee
    const { b, truth } = await lossRun(seed)
    const got = new Set(b.received.map((r) => seqOf(r.buf)))
    const missing = Array.from({ length: 2000 }, (_, i) => i).filter((s) => !got.has(s))
    const dropped = truth.records.filter((r) => r.fate === 'dropped').map((r) => r.seq)
    expect(truth.summary.sent, `seed ${seed}`).toBe(2000)
    expect(missing, `seed ${seed}`).toEqual(dropped)
    expect(b.received.length).toBe(2000 - dropped.length)
    // 10% of 2000 = 200; binomial sd ≈ 13.4, so ±5 sd:
    expect(dropped.length).toBeGreaterThan(133)
    expect(dropped.length).toBeLessThan(267)
    expect(truth.summary.lossFraction).toBeCloseTo(dropped.length / 2000, 10)
    expect(truth.records.every((r) => r.fate !== 'dropped' || r.dropReason === 'loss')).toBe(true)
  })

  it('the same seed gives identical fates; a different seed gives different ones', async () => {
    const run1 = fates((await lossRun(42, 1000)).truth.records)
    const run2 = fates((await lossRun(42, 1000)).truth.records)
    const run3 = fates((await lossRun(43, 1000)).truth.records)
    expect(run1).toHaveLength(1000)
    expect(run2).toBe(run1)
    expect(run3).not.toBe(run1)
  })

  it('never impairs STUN or RTCP in rtp mode, even at loss 1', async () => {
    const { relay, a, b, proxyOfB } = await setup({ seed: 7, toB: { loss: 1 } })
    for (let i = 0; i < 50; i++) {
      await a.send(stun(i), proxyOfB)
      await a.send(rtp(i), proxyOfB)
      await a.send(rtcp(i), proxyOfB)
    }
    await b.waitCount(100, 'b received 50 STUN + 50 RTCP')
    await relay.waitFor(() => relay.summary('toB').sent === 50, { label: 'relay saw 50 RTP' })
    // all 100 arrived; anything beyond 100 would be an RTP packet that escaped loss 1
    await relay.waitFor(() => relay.counters().toB.byClass.rtp === 50, { label: 'relay classified 50 RTP' })
    expect(b.received.filter((r) => r.buf[0] === 0x00)).toHaveLength(50)
    expect(b.received.filter((r) => r.buf[1] === 201)).toHaveLength(50)
    expect(b.received.filter((r) => r.buf[0] === 0x80 && r.buf[1] === 0)).toHaveLength(0)
    const c = relay.counters().toB
    expect(c.byClass).toMatchObject({ stun: 50, rtcp: 50, rtp: 50 })
    expect(c.passedThrough).toBe(100)
    expect(relay.summary('toB')).toMatchObject({ sent: 50, dropped: 50 })
  })

  it("impair: 'all' impairs STUN too", async () => {
    const { relay, a, proxyOfB } = await setup({ seed: 7, toB: { loss: 1 }, impair: 'all' })
    for (let i = 0; i < 20; i++) await a.send(stun(i), proxyOfB)
    await relay.waitFor(() => relay.summary('toB').sent === 20, { label: 'relay saw 20 STUN' })
    expect(relay.summary('toB').dropped).toBe(20)
    expect(relay.truth('toB').records[0]?.seq).toBeUndefined()
  })

  it('replies flow back through the relay, impaired by the replying-to side’s profile', async () => {
    const { relay, a, b, proxyOfA, proxyOfB } = await setup({ seed: 99, toA: { loss: 0.5 } })
    // a → proxy(b) → b ; b answers to the source address it saw (the leg) → relay → a from proxy(b)
    b.socket.on('message', (buf, rinfo) => b.socket.send(rtp(seqOf(buf), { ssrc: 0xbbbb }), rinfo.port, rinfo.address))
    for (let i = 0; i < 200; i++) await a.send(rtp(i), proxyOfB)
    await relay.waitFor(() => relay.summary('toA').sent === 200, { label: 'relay saw 200 replies toA', timeoutMs: 10_000 })
    const tA = relay.truth('toA')
    await a.waitCount(tA.summary.delivered, `a received ${tA.summary.delivered} replies`)
    expect(relay.summary('toB')).toMatchObject({ sent: 200, dropped: 0 })
    expect(tA.summary.dropped).toBeGreaterThan(50)
    expect(tA.summary.dropped).toBeLessThan(150)
    expect(tA.records.every((r) => r.ssrc === 0xbbbb)).toBe(true)
    // replies reach a from the proxy address a sent to
    expect(a.received.every((r) => r.from.port === proxyOfB.port)).toBe(true)
    expect(a.received.map((r) => seqOf(r.buf)).sort((x, y) => x - y)).toEqual(tA.records.filter((r) => r.fate !== 'dropped').map((r) => r.seq))
    // and b can also initiate to a's proxy (clean toA now): a gets it from a leg standing for b
    relay.setProfile('toA', {})
    const before = a.received.length
    await b.send(rtp(5000), proxyOfA)
    await a.waitCount(before + 1, 'a received the b-initiated packet')
    const last = a.received[before]
    expect(last && seqOf(last.buf)).toBe(5000)
    expect(last?.from.port).not.toBe(b.addr.port)
    expect(last?.from.port).not.toBe(proxyOfB.port)
    expect(relay.summary('toA').sent).toBe(201)
  })

  it('unregistered sources are unimpaired on the way back and counted as unknown', async () => {
    const relay = await UdpRelay.create({ seed: 3, toA: { loss: 1 } })
    cleanups.push(() => relay.close())
    const stranger = await testPeer()
    const b = await testPeer()
    cleanups.push(
      () => stranger.close(),
      () => b.close(),
    )
    const proxyOfB = await relay.addPeerAddress('b', b.addr)
    b.socket.on('message', (buf, rinfo) => b.socket.send(buf, rinfo.port, rinfo.address))
    for (let i = 0; i < 10; i++) await stranger.send(rtp(i), proxyOfB)
    await stranger.waitCount(10, 'stranger received 10 echoes')
    expect(relay.summary('unknown')).toMatchObject({ sent: 10, delivered: 10, dropped: 0 })
    expect(relay.summary('toA').sent).toBe(0)
  })

  it('refuses non-loopback addresses and bad options with clear errors', async () => {
    await expect(UdpRelay.create({ seed: 1, host: '0.0.0.0' })).rejects.toThrow(/not a loopback address/)
    await expect(UdpRelay.create({ seed: 1, host: 'localhost' })).rejects.toThrow(RtcspecError)
    await expect(UdpRelay.create({ seed: 1, toB: { loss: 1.5 } })).rejects.toThrow(/toB\.loss/)
    await expect(UdpRelay.create({ seed: 1, toB: { los: 0.1 } as never })).rejects.toThrow(/BAD_PROFILE|invalid impairment profile/)
    const relay = await UdpRelay.create({ seed: 1 })
    cleanups.push(() => relay.close())
    await expect(relay.addPeerAddress('a', { address: '192.168.1.10', port: 5000 })).rejects.toMatchObject({ code: 'NOT_LOOPBACK' })
    await expect(relay.addPeerAddress('a', { address: '8.8.8.8', port: 53 })).rejects.toThrow(/hint/)
    await expect(relay.addPeerAddress('a', { address: '::1', port: 5000 })).rejects.toMatchObject({ code: 'ADDRESS_FAMILY' })
    await expect(relay.addPeerAddress('a', { address: '127.0.0.1', port: 0 })).rejects.toMatchObject({ code: 'BAD_PORT' })
    const p1 = await relay.addPeerAddress('a', { address: '127.0.0.1', port: 5000 })
    expect(await relay.addPeerAddress('a', { address: '127.0.0.1', port: 5000 })).toEqual(p1)
    expect(p1.address).toBe('127.0.0.1')
    expect(p1.port).toBeGreaterThan(0)
    await expect(relay.addPeerAddress('b', { address: '127.0.0.1', port: 5000 })).rejects.toMatchObject({ code: 'ADDRESS_SIDE' })
  })
})

describe('UdpRelay — addPeerAddress details', () => {
  it('concurrent registrations of one address share one proxy; IPv4-mapped addresses are normalized', async () => {
    const relay = await UdpRelay.create({ seed: 1 })
    cleanups.push(() => relay.close())
    const [p1, p2] = await Promise.all([
      relay.addPeerAddress('a', { address: '127.0.0.1', port: 6000 }),
      relay.addPeerAddress('a', { address: '::ffff:127.0.0.1', port: 6000 }),
    ])
    expect(p2).toEqual(p1)
    expect(relay.proxies()).toHaveLength(1)
    expect(relay.proxies()[0]?.real).toEqual({ address: '127.0.0.1', port: 6000 })
    const p3 = await relay.addPeerAddress('b', { address: '127.0.0.2', port: 6000 })
    expect(p3.port).not.toBe(p1.port)
    expect(relay.proxies()).toHaveLength(2)
  })
})
