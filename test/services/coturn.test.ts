/**
 * Calls forced through coturn (relay-only werift peers) carry media over UDP, TCP and TLS, with static and
 * with REST credentials, with both the local and the docker provider. The ground truth is coturn itself:
 * the relay candidates come from its relay port range, and for TCP/TLS its log counts the relayed packets.
 */
import { createSocket } from 'node:dgram'
import { createServer } from 'node:net'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { openBackToBack, sources } from '../../src/calls/open.ts'
import { buildCallRecord, CallRecordSchema } from '../../src/peers/call-record.ts'
import { parseCoturnUsage, startCoturn, type CoturnService } from '../../src/services/coturn.ts'
import { waitFor } from '../../src/wait.ts'
import { assertNoServiceLeaks, providerCases } from './providers.ts'

const TRANSPORTS = ['udp', 'tcp', 'tls'] as const

afterAll(() => assertNoServiceLeaks())

describe.each(providerCases('coturn', 'turnserver', 'coturn'))('coturn, $provider provider', ({ provider, skip }) => {
  let staticTurn: CoturnService
  let restTurn: CoturnService
  beforeAll(async () => {
    if (skip) return
    ;[staticTurn, restTurn] = await Promise.all([
      startCoturn({ provider, users: [{ username: 'alice', password: 's3cret-pw' }] }),
      startCoturn({ provider, secret: true }),
    ])
  }, 60_000)
  afterAll(async () => {
    await Promise.all([staticTurn?.close(), restTurn?.close()])
  })

  test.skipIf(skip)('is really ready: an authenticated Allocate succeeds on every listener, a wrong password gets 401', async () => {
    expect(staticTurn.provider).toBe(provider)
    for (const t of TRANSPORTS) {
      const ok = await staticTurn.probe(t)
      expect(ok.ok, JSON.stringify(ok)).toBe(true)
      if (ok.ok) {
        expect(ok.relayed.address).toBe('127.0.0.1')
        expect(ok.relayed.port).toBeGreaterThanOrEqual(staticTurn.ports!.relay.min)
        expect(ok.relayed.port).toBeLessThanOrEqual(staticTurn.ports!.relay.max)
        expect(ok.realm).toBe('rtcspec.test')
      }
    }
    const bad = await staticTurn.probe('udp', { username: 'alice', credential: 'wrong' })
    expect(bad).toMatchObject({ ok: false, kind: 'auth', code: 401 })
    const rest = await restTurn.probe('tcp', 'rest')
    expect(rest.ok).toBe(true)
    const expired = restTurn.restCredential({ ttlSeconds: 1 })
    const forged = await restTurn.probe('udp', { username: expired.username, credential: `${expired.credential}x` })
    expect(forged).toMatchObject({ ok: false, kind: 'auth', code: 401 })
  })

  test.skipIf(skip)('iceServers() lists one W3C entry per transport', () => {
    const p = staticTurn.ports!
    expect(staticTurn.iceServers()).toEqual([
      { urls: `turn:127.0.0.1:${p.listening}?transport=udp`, username: 'alice', credential: 's3cret-pw' },
      { urls: `turn:127.0.0.1:${p.listening}?transport=tcp`, username: 'alice', credential: 's3cret-pw' },
      { urls: `turns:127.0.0.1:${p.tls}?transport=tcp`, username: 'alice', credential: 's3cret-pw' },
    ])
    const [rest] = restTurn.iceServers({ transports: ['udp'] })
    expect(rest?.username).toMatch(/^\d+:rtcspec$/)
  })

  for (const credentials of ['static', 'rest'] as const) {
    for (const transport of TRANSPORTS) {
      test.skipIf(skip)(
        `relay-only call over ${transport.toUpperCase()} with ${credentials} credentials carries media through coturn`,
        async () => {
          const turn = credentials === 'static' ? staticTurn : restTurn
          const peer = () => ({
            iceServers: turn.iceServers({ transports: [transport], credentials }),
            relayOnly: true,
            config: { turnTlsOptions: { ca: turn.certPem } },
          })
          const call = await openBackToBack({ a: peer(), b: peer(), send: { a: sources.tone(440), b: sources.tone(880) }, connectTimeoutMs: 20_000 })
          try {
            const [toB, toA] = await Promise.all([call.b.waitForTrack('audio', 5000), call.a.waitForTrack('audio', 5000)])
            await Promise.all([toB.waitForPackets(50, 10_000), toA.waitForPackets(50, 10_000)])
            const record = CallRecordSchema.parse(await buildCallRecord({ kind: `coturn-${transport}`, peers: [call.a, call.b], startedAt: new Date() }))
            for (const p of record.peers) {
              const pair = p.ice.selectedPair
              expect(pair?.local.type, `${p.name} selected pair`).toBe('relay')
              expect(pair?.remote.type, `${p.name} selected pair`).toBe('relay')
              // Relayed addresses are coturn's: inside the relay port range it was configured with.
              for (const end of [pair!.local, pair!.remote]) {
                expect(end.address).toBe('127.0.0.1')
                expect(end.port).toBeGreaterThanOrEqual(turn.ports!.relay.min)
                expect(end.port).toBeLessThanOrEqual(turn.ports!.relay.max)
              }
            }
            expect(toB.rtp.snapshot().lost).toBe(0)
          } finally {
            await call.close()
          }
          if (transport !== 'udp') {
            // Closing the peers closes their TCP/TLS connections; coturn then logs what it relayed for each.
            const port = transport === 'tls' ? turn.ports!.tls : turn.ports!.listening
            const sessions = () => parseCoturnUsage(turn.log.lines()).filter((s) => s.listener === `127.0.0.1:${port}` && s.peer.rp >= 40)
            await waitFor(() => sessions().length >= 2, { timeoutMs: 10_000, label: `coturn to log two closed ${transport} sessions with relayed media` })
            if (transport === 'tls') expect(turn.log.text()).toMatch(/method=TLSv1\.[23]/)
          }
        },
        60_000,
      )
    }
  }

  test.skipIf(skip)(
    'a port taken by another process is reported as such, not as a readiness timeout',
    async () => {
      // Hold a port on UDP and TCP and force coturn onto it (extraConfig lines come last and win).
      const udp = createSocket('udp4')
      await new Promise<void>((r) => udp.bind(0, '127.0.0.1', () => r()))
      const port = udp.address().port
      const tcp = createServer()
      await new Promise<void>((r) => tcp.listen(port, '127.0.0.1', () => r()))
      try {
        const started = performance.now()
        await expect(startCoturn({ provider, extraConfig: [`listening-port=${port}`] })).rejects.toThrow(
          /could not bind a port it was given \(listening \d+, TLS \d+, relay \d+-\d+\); another process took it[\s\S]*(in use|bind)/i,
        )
        expect(performance.now() - started).toBeLessThan(30_000) // three attempts, each stopped at coturn's first bind error (waiting them out would take 60 s)
      } finally {
        udp.close()
        tcp.close()
      }
    },
    60_000,
  )

  test.skipIf(skip)(
    'wrong credentials fail the call with the TURN 401, not a bare timeout',
    async () => {
      const peer = () => ({
        iceServers: staticTurn.iceServers({ transports: ['udp'], credentials: { username: 'alice', credential: 'not-the-password' } }),
        relayOnly: true,
        config: { iceTurnConnectTimeout: 3 },
      })
      const err = await openBackToBack({ a: peer(), b: peer(), connectTimeoutMs: 20_000 }).then(
        (c) => c.close().then(() => undefined),
        (e: unknown) => e as Error,
      )
      expect(err).toBeInstanceOf(Error)
      expect(err?.message).toMatch(/TURN authentication failed at turn:127\.0\.0\.1:\d+\?transport=udp: 401 Unauthorized for username "alice"/)
      expect(err?.message).not.toMatch(/timed out/)
    },
    60_000,
  )
})
