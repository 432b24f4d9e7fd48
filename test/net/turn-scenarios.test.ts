/**
 * TURN scenarios on the local coturn (src/services/coturn.ts, REST shared secret): relay only over UDP/TCP/TLS,
 * TURN offered but not forced, REST credentials that expire mid-call and are refreshed by an ICE restart, a wrong
 * secret, and an unreachable TURN server. Each asserts the candidate types that were gathered and used.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openBackToBack, sources, type B2BCall } from '../../src/calls/open.ts'
import { startCoturn, type CoturnService } from '../../src/services/coturn.ts'
import { mintTurnRestCredential } from '../../src/ice/turn-rest.ts'
import { freePort } from '../../src/net/ports.ts'
import { restartIce } from '../../src/peers/ice-restart.ts'
import type { WeriftPeer } from '../../src/peers/werift/peer.ts'
import type { Peer } from '../../src/peers/types.ts'
import { requireTool } from '../support/requires.ts'

const skip = requireTool('turnserver')

type Transport = 'udp' | 'tcp' | 'tls'
/** Candidate types (`host`, `relay`, …) in a peer's local candidate list. */
const gatheredTypes = (p: Peer) => new Set(p.timeline.localCandidates.map((c) => / typ (\w+)/.exec(c.candidate)?.[1]))
async function usedTypes(p: Peer): Promise<string> {
  const pair = (await p.stats()).selectedPair
  return `${pair?.local.type}/${pair?.remote.type}`
}
async function media(call: B2BCall): Promise<void> {
  call.a.sendAudio(sources.tone(440))
  call.b.sendAudio(sources.tone(880))
  const [inA, inB] = await Promise.all([call.a.waitForTrack('audio', 5000), call.b.waitForTrack('audio', 5000)])
  await Promise.all([inA.waitForPackets(20, 8000), inB.waitForPackets(20, 8000)])
}

describe.skipIf(skip)('TURN scenarios (local coturn)', () => {
  let turn: CoturnService
  beforeAll(async () => {
    turn = await startCoturn({ provider: 'local', secret: true })
  }, 60_000)
  afterAll(async () => {
    await turn?.close()
  })
  const peer = (transport: Transport | Transport[], relayOnly: boolean, credentials: 'rest' | { username: string; credential: string } = 'rest') => ({
    iceServers: turn.iceServers({ transports: Array.isArray(transport) ? transport : [transport], credentials }),
    relayOnly,
    config: { turnTlsOptions: { ca: turn.certPem }, iceTurnConnectTimeout: 3 },
  })

  for (const transport of ['udp', 'tcp', 'tls'] as const) {
    it(`relay only over TURN/${transport.toUpperCase()}: only relay candidates, relay/relay pair, media flows`, async () => {
      const call = await openBackToBack({ codec: 'PCMU', a: peer(transport, true), b: peer(transport, true), connectTimeoutMs: 15_000 })
      try {
        await media(call)
        for (const p of [call.a, call.b]) {
          expect([...gatheredTypes(p)]).toEqual(['relay'])
          expect(await usedTypes(p)).toBe('relay/relay')
        }
      } finally {
        await call.close()
      }
    }, 30_000)
  }

  it('TURN offered but not forced: relay candidates are gathered, the host pair is used', async () => {
    const call = await openBackToBack({ codec: 'PCMU', a: peer('udp', false), b: peer('udp', false), connectTimeoutMs: 15_000 })
    try {
      await media(call)
      for (const p of [call.a, call.b]) {
        expect(gatheredTypes(p)).toEqual(new Set(['host', 'relay']))
        expect(await usedTypes(p)).toBe('host/host')
      }
    } finally {
      await call.close()
    }
  }, 30_000)

  it('REST credentials that expire mid-call: the allocation keeps media flowing, a new Allocate with them is refused (401), refreshed credentials applied by an ICE restart allocate again', async () => {
    const short = turn.restCredential({ ttlSeconds: 3 })
    const creds = { username: short.username, credential: short.credential }
    const call = await openBackToBack({ codec: 'PCMU', a: peer('udp', true, creds), b: peer('udp', true, creds), connectTimeoutMs: 15_000 })
    const relayPorts = (p: Peer) => new Set(p.timeline.localCandidates.filter((c) => / typ relay/.test(c.candidate)).map((c) => c.candidate.split(' ')[5]))
    try {
      await media(call)
      const [inA, inB] = [call.a.inbound[0]!, call.b.inbound[0]!]
      expect(relayPorts(call.a).size).toBe(1)
      // Wait (on the clock the credential encodes, plus margin) until coturn refuses it.
      const expiresAtMs = Number(short.username.split(':')[0]) * 1000
      await new Promise<void>((resolve) => setTimeout(resolve, Math.max(0, expiresAtMs - Date.now() + 1200)))
      expect(await turn.probe('udp', creds)).toMatchObject({ ok: false, kind: 'auth', code: 401 })
      // The existing allocation keeps carrying media after expiry (coturn checks credentials on Allocate).
      await inB.waitForPackets(inB.rtp.snapshot().received + 20, 5000)
      // An ICE restart WITHOUT refreshing: the new Allocate is refused, no new relay address (the old one carries on).
      await restartIce(call, { watch: [inA, inB], timeoutMs: 15_000 })
      expect(relayPorts(call.a).size).toBe(1)
      // Refresh: new credentials on both peers, applied by the next ICE restart (JSEP: servers change at the next gathering).
      const fresh = turn.iceServers({ transports: ['udp'], credentials: 'rest' })
      ;(call.a as WeriftPeer).setIceServers(fresh)
      ;(call.b as WeriftPeer).setIceServers(fresh)
      const r = await restartIce(call, { watch: [inA, inB], timeoutMs: 15_000 })
      process.stdout.write(`[turn] refresh by ICE restart: media gap ${r.gapMs.toFixed(0)} ms\n`)
      // A new allocation with the fresh credential: a second relayed address on each side; media still relay/relay.
      expect(relayPorts(call.a).size).toBe(2)
      expect(relayPorts(call.b).size).toBe(2)
      expect(await usedTypes(call.a)).toBe('relay/relay')
      expect(await usedTypes(call.b)).toBe('relay/relay')
    } finally {
      await call.close()
    }
  }, 60_000)

  it('a wrong REST secret: the allocation is refused (401), no relay candidate, the call fails naming it', async () => {
    const forged = mintTurnRestCredential({ secret: 'not-the-shared-secret', ttlSeconds: 600 })
    const creds = { username: forged.username, credential: forged.credential }
    const err = await openBackToBack({ codec: 'PCMU', a: peer('udp', true, creds), b: peer('udp', true, creds), connectTimeoutMs: 10_000 }).then(
      (c) => c.close().then(() => undefined),
      (e: unknown) => e as Error,
    )
    expect(err?.message).toMatch(/401/)
    expect(err?.message).toMatch(/TURN/)
  }, 30_000)

  it('TURN unreachable: no relay candidate; relay-only fails, otherwise the host pair is used', async () => {
    const port = await freePort() // nothing listens there
    const dead = [{ urls: `turn:127.0.0.1:${port}?transport=udp`, username: 'u', credential: 'p' }]
    const opts = (relayOnly: boolean) => ({ iceServers: dead, relayOnly, config: { iceTurnConnectTimeout: 2 } })
    const call = await openBackToBack({ codec: 'PCMU', a: opts(false), b: opts(false), connectTimeoutMs: 15_000 })
    try {
      // werift's setLocalDescription waits for gathering, TURN included: the dead server delays offer and answer.
      process.stdout.write(
        `[turn] unreachable TURN: offer after ${call.timings.offerMs.toFixed(0)} ms, connected after ${call.timings.connectedMs.toFixed(0)} ms\n`,
      )
      await media(call)
      for (const p of [call.a, call.b]) {
        expect(gatheredTypes(p)).toEqual(new Set(['host']))
        expect(await usedTypes(p)).toBe('host/host')
      }
    } finally {
      await call.close()
    }
    const err = await openBackToBack({ codec: 'PCMU', a: opts(true), b: opts(true), connectTimeoutMs: 8000 }).then(
      (c) => c.close().then(() => undefined),
      (e: unknown) => e as Error,
    )
    expect(err).toBeInstanceOf(Error)
    expect(err!.message).toMatch(/no answer to a TURN Allocate from turn:127\.0\.0\.1:\d+\?transport=udp/)
  }, 40_000)
})
