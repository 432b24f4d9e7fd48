import { describe, expect, test } from 'vitest'
import { startSipRegistrar } from '../../src/sipua/registrar.ts'
import { createSipUserAgent, sipCallRecord } from '../../src/sipua/user-agent.ts'
import { createTestCertificateAuthority } from '../../src/net/tls-certificates.ts'
import { RtcspecError } from '../../src/errors.ts'
import { CallRecordSchema } from '../../src/peers/call-record.ts'
import { tone } from '../../src/media/sources.ts'
import { hasTone } from './support.ts'

describe('SIP over secure WebSocket (RFC 7118 wss:) through the embedded registrar', () => {
  test('two WebRTC UAs call each other over WSS: tones both ways, WSS in the call record', async () => {
    await using registrar = await startSipRegistrar()
    expect(registrar.wssUrl).toMatch(/^wss:\/\/127\.0\.0\.1:\d+$/)
    const transport = { kind: 'ws' as const, url: registrar.wssUrl, ca: registrar.ca }
    await using alice = await createSipUserAgent({ uri: 'sip:alice@rtcspec.test', transport, media: 'webrtc' })
    await using bob = await createSipUserAgent({ uri: 'sip:bob@rtcspec.test', transport, media: 'webrtc' })
    await bob.register()
    expect(registrar.bindings().map((b) => [b.aor, b.transport])).toEqual([['bob@rtcspec.test', 'WSS']])
    const incoming = bob.waitForIncoming(10_000)
    const outgoing = alice.call('sip:bob@rtcspec.test', { send: tone(1000), timeoutMs: 15_000 })
    const bobCall = await (await incoming).accept({ send: tone(1500) })
    const aliceCall = await outgoing
    await aliceCall.peer.waitForConnected(10_000)
    const [atBob, atAlice] = await Promise.all([bobCall.peer.waitForTrack('audio', 10_000), aliceCall.peer.waitForTrack('audio', 10_000)])
    await Promise.all([atBob.waitForPackets(60, 10_000), atAlice.waitForPackets(60, 10_000)])
    expect(hasTone(atBob, 1000)).toBe(true)
    expect(hasTone(atBob, 1500)).toBe(false)
    expect(hasTone(atAlice, 1500)).toBe(true)
    expect(hasTone(atAlice, 1000)).toBe(false)
    // The SIP really went over TLS: Via says WSS, and the registrar saw it on its wss listener.
    const invite = alice.log.entries.find((e) => e.direction === 'out' && e.summary.startsWith('INVITE'))!
    expect(invite.transport).toBe('WSS')
    expect(invite.raw).toMatch(/^Via: SIP\/2\.0\/WSS /m)
    expect(registrar.log.entries.filter((e) => e.summary.startsWith('INVITE')).map((e) => e.transport)).toEqual(['WSS', 'WSS'])
    await aliceCall.hangup()
    await bobCall.waitForEnd(5000)
    const record = CallRecordSchema.parse(await sipCallRecord([aliceCall, bobCall]))
    expect(record.kind).toBe('sip')
    expect(new Set(record.signaling.map((s) => s.transport))).toEqual(new Set(['WSS']))
    expect(record.peers[1]!.rtp.inbound[0]!.received).toBeGreaterThanOrEqual(60)
  })

  test('a CA that did not issue the server certificate fails the connection at once, naming the fix', async () => {
    await using registrar = await startSipRegistrar({ transports: ['wss'] })
    const wrongCa = (await createTestCertificateAuthority()).certPem
    const t0 = Date.now()
    const err = await createSipUserAgent({ uri: 'sip:alice@rtcspec.test', transport: { kind: 'ws', url: registrar.wssUrl, ca: wrongCa } }).then(
      async (ua) => {
        await ua.close()
        return undefined
      },
      (e: unknown) => e,
    )
    expect(err).toBeInstanceOf(RtcspecError)
    expect((err as RtcspecError).code).toBe('SIP_TLS')
    expect((err as Error).message).toContain(registrar.wssUrl)
    expect((err as Error).message).toMatch(/does not trust \(UNABLE_TO_VERIFY_LEAF_SIGNATURE/)
    expect((err as RtcspecError).hint).toMatch(/transport\.ca .*registrar\.ca/)
    // Failed on the TLS error, not on sip.js's 5 s connection timeout.
    expect(Date.now() - t0).toBeLessThan(4500)
  })

  test('without ca a self-signed server is rejected (verification is on by default); rejectUnauthorized: false is per connection', async () => {
    await using registrar = await startSipRegistrar({ transports: ['wss'] })
    const err = await createSipUserAgent({ uri: 'sip:alice@rtcspec.test', transport: { kind: 'ws', url: registrar.wssUrl } }).then(
      async (ua) => {
        await ua.close()
        return undefined
      },
      (e: unknown) => e,
    )
    expect((err as RtcspecError).code).toBe('SIP_TLS')
    expect((err as RtcspecError).hint).toContain('registrar.ca')
    await using insecure = await createSipUserAgent({
      uri: 'sip:bob@rtcspec.test',
      transport: { kind: 'ws', url: registrar.wssUrl, rejectUnauthorized: false },
    })
    await insecure.register()
    expect(registrar.bindings().map((b) => b.transport)).toEqual(['WSS'])
    // Nothing global was changed: a UA without options is still verified.
    const again = await createSipUserAgent({ uri: 'sip:carol@rtcspec.test', transport: { kind: 'ws', url: registrar.wssUrl } }).then(
      async (ua) => {
        await ua.close()
        return undefined
      },
      (e: unknown) => e,
    )
    expect((again as RtcspecError).code).toBe('SIP_TLS')
  })

  test('ca on a ws:// URL is an option error', async () => {
    await expect(
      createSipUserAgent({
        uri: 'sip:alice@rtcspec.test',
        transport: { kind: 'ws', url: 'ws://127.0.0.1:1', ca: (await createTestCertificateAuthority()).certPem },
      }),
    ).rejects.toThrow(/ca and rejectUnauthorized apply to wss:\/\/ URLs only/)
  })
})
