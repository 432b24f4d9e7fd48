import { describe, it, expect, afterEach } from 'vitest'
import dgram from 'node:dgram'
import { UdpRelay } from '../../src/net/index.ts'
import { rtp, testPeer } from './helpers.ts'

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

/**
 * Tracks timers created from src/net while installed (by creation stack), so the check is not disturbed
 * by Vitest's own timers coming and going. A timer is live until it fires or is cleared.
 */
function trackNetTimers() {
  const live = new Set<unknown>()
  const origSet = globalThis.setTimeout
  const origClear = globalThis.clearTimeout
  const patchedSet = ((fn: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
    const fromNet = /src[\\/]net[\\/]/.test(new Error().stack ?? '')
    const t = origSet(
      (...a: unknown[]) => {
        live.delete(t)
        fn(...a)
      },
      ms,
      ...args,
    )
    if (fromNet) live.add(t)
    return t
  }) as typeof setTimeout
  globalThis.setTimeout = patchedSet
  globalThis.clearTimeout = ((t: Parameters<typeof clearTimeout>[0]) => {
    live.delete(t)
    origClear(t)
  }) as typeof clearTimeout
  return {
    live: () => live.size,
    restore() {
      globalThis.setTimeout = origSet
      globalThis.clearTimeout = origClear
    },
  }
}

const resources = () => {
  const counts: Record<string, number> = {}
  for (const r of process.getActiveResourcesInfo()) counts[r] = (counts[r] ?? 0) + 1
  return counts
}

/** Binds a fresh socket on exactly `port`: succeeds only if nobody holds it any more. */
function bindExact(port: number): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4')
    s.once('error', reject)
    s.bind({ port, address: '127.0.0.1', exclusive: true }, () => resolve(s))
  })
}

describe('UdpRelay — dispose', () => {
  it('close() releases every socket and timer (held packets, schedule, waiters), and is idempotent', async () => {
    const a = await testPeer()
    const b = await testPeer()
    cleanups.push(
      () => a.close(),
      () => b.close(),
    )
    const before = resources()
    const timers = trackNetTimers()
    cleanups.push(async () => timers.restore())

    const relay = await UdpRelay.create({
      seed: 1,
      toB: { delayMs: 5000 },
      schedule: [{ atMs: 60_000, direction: 'toB', profile: { loss: 1 } }],
    })
    const proxyOfB = await relay.addPeerAddress('b', b.addr)
    const proxyOfA = await relay.addPeerAddress('a', a.addr)
    for (let i = 0; i < 5; i++) await a.send(rtp(i), proxyOfB)
    await relay.waitFor(() => relay.summary('toB').pending === 5, { label: 'relay holds 5 packets' })
    const during = resources()
    expect(during.UDPWrap ?? 0).toBe((before.UDPWrap ?? 0) + 3) // 2 proxies + 1 leg
    expect(timers.live()).toBe(2) // release timer + schedule timer
    const pendingWait = relay
      .waitFor(() => false, { label: 'never', timeoutMs: 60_000 })
      .then(
        () => 'resolved',
        (e: unknown) => e,
      )

    const closing = relay.close()
    expect(relay.close()).toBe(closing)
    await closing
    await relay[Symbol.asyncDispose]()
    expect(await pendingWait).toMatchObject({ code: 'RELAY_CLOSED' })
    expect(relay.closed).toBe(true)

    const after = resources()
    expect(after.UDPWrap ?? 0).toBe(before.UDPWrap ?? 0)
    expect(timers.live()).toBe(0)

    // the proxy ports are free again: nothing listens there, so nothing can be forwarded
    for (const p of [proxyOfA, proxyOfB]) {
      const s = await bindExact(p.port)
      const got = new Promise<Buffer>((resolve) => s.once('message', (m) => resolve(m)))
      await a.send(rtp(99), p)
      expect((await got).readUInt16BE(2)).toBe(99)
      await new Promise<void>((r) => s.close(() => r()))
    }
    // a canary sent directly a→b after those arrives, and b got none of the relayed packets
    await a.send(Buffer.from('canary'), b.addr)
    await b.waitCount(1, 'canary at b')
    expect(b.received.map((r) => r.buf.toString('latin1'))).toEqual(['canary'])

    await expect(relay.addPeerAddress('a', { address: '127.0.0.1', port: 5000 })).rejects.toMatchObject({ code: 'RELAY_CLOSED' })
    expect(() => relay.setProfile('toB', {})).toThrow(/closed/)
  })

  it('await using disposes at scope exit', async () => {
    const before = resources().UDPWrap ?? 0
    let port = 0
    {
      await using relay = await UdpRelay.create({ seed: 2 })
      port = (await relay.addPeerAddress('a', { address: '127.0.0.1', port: 9 })).port
      expect(resources().UDPWrap ?? 0).toBe(before + 1)
    }
    expect(resources().UDPWrap ?? 0).toBe(before)
    const s = await bindExact(port)
    await new Promise<void>((r) => s.close(() => r()))
  })
})

describe('UdpRelay — IPv6 loopback', () => {
  it('relays on ::1', async () => {
    const relay = await UdpRelay.create({ seed: 3, host: '::1', toB: { loss: 0.5 } })
    cleanups.push(() => relay.close())
    const a = await testPeer('::1')
    const b = await testPeer('::1')
    cleanups.push(
      () => a.close(),
      () => b.close(),
    )
    const proxyOfB = await relay.addPeerAddress('b', b.addr)
    expect(proxyOfB.address).toBe('::1')
    await expect(relay.addPeerAddress('a', { address: '127.0.0.1', port: 5000 })).rejects.toMatchObject({ code: 'ADDRESS_FAMILY' })
    for (let i = 0; i < 100; i++) await a.send(rtp(i), proxyOfB)
    await relay.waitFor(() => relay.summary('toB').sent === 100, { label: 'relay saw 100 packets on ::1' })
    const s = relay.summary('toB')
    await b.waitCount(s.delivered, 'b received the delivered packets on ::1')
    expect(b.received).toHaveLength(s.delivered)
    expect(s.dropped).toBeGreaterThan(20)
  })
})

describe('UdpRelay — resource bounds', () => {
  it('caps held packets per direction (tail drop, reason queue) and legs per proxy', async () => {
    const relay = await UdpRelay.create({ seed: 4, toB: { delayMs: 5000 }, maxHeldPackets: 5, maxSourcesPerProxy: 2 })
    cleanups.push(() => relay.close())
    const peers = await Promise.all([testPeer(), testPeer(), testPeer(), testPeer()])
    cleanups.push(...peers.map((p) => () => p.close()))
    const [b, s1, s2, s3] = peers as [(typeof peers)[0], (typeof peers)[0], (typeof peers)[0], (typeof peers)[0]]
    const proxyOfB = await relay.addPeerAddress('b', b.addr)
    for (let i = 0; i < 8; i++) await s1.send(rtp(i), proxyOfB)
    await relay.waitFor(() => relay.summary('toB').sent === 8, { label: 'relay saw 8 packets' })
    expect(relay.summary('toB')).toMatchObject({ pending: 5, dropped: 3, dropReasons: { queue: 3, loss: 0, burst: 0 } })
    expect(relay.truth('toB').records.map((r) => r.fate)).toEqual([...Array(5).fill('delivered'), ...Array(3).fill('dropped')])
    await s2.send(rtp(100), proxyOfB)
    await relay.waitFor(() => relay.summary('toB').sent === 9, { label: 'relay saw the second source' })
    await s3.send(rtp(200), proxyOfB)
    await relay.waitFor(() => relay.counters().sourceLimitDrops === 1, { label: 'third source refused' })
    expect(relay.proxies()[0]?.sources).toBe(2)
  })
})
