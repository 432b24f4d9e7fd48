/**
 * rtcspec user agents calling each other through a real, stock-configured Kamailio (registrar + record-routing
 * proxy, no NAT fix-ups), in every combination of UDP, TCP and WebSocket. Kamailio relays SIP between
 * transports but not media: the SDP arrives as offered, so both legs of a call must speak the same media.
 * Calls with a WebSocket leg run WebRTC (werift) media on both legs — the UDP/TCP UA runs werift too;
 * UDP↔TCP calls run plain RTP on both legs.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { parseSipProxyUris, startKamailio, type KamailioService, type KamailioTransport } from '../../src/services/kamailio.ts'
import { createSipUserAgent, type SipCall } from '../../src/sipua/user-agent.ts'
import { tone } from '../../src/media/sources.ts'
import { requireTool } from '../support/requires.ts'
import { hasTone } from './support.ts'

const TRANSPORTS: KamailioTransport[] = ['udp', 'tcp', 'ws']

/** Whether the leg's log shows the message, e.g. `ACK` sent or `200 OK (BYE)` received. */
function logged(call: SipCall, direction: 'in' | 'out', summary: RegExp): boolean {
  return call.messages().some((m) => m.direction === direction && summary.test(m.summary))
}

describe('the Kamailio service without Kamailio', () => {
  test('a missing kamailio binary fails with TOOL_MISSING and the install command', async () => {
    const path = process.env.PATH
    process.env.PATH = '/nonexistent'
    try {
      await expect(startKamailio({ provider: 'local' })).rejects.toMatchObject({
        code: 'TOOL_MISSING',
        hint: expect.stringContaining('apt-get install -y kamailio kamailio-websocket-modules'),
      })
    } finally {
      process.env.PATH = path
    }
  })

  test("SIP_PROXY_URI names the listeners of the user's own proxy", () => {
    expect(parseSipProxyUris('udp://127.0.0.1:5060, ws://127.0.0.1:8080/sip')).toEqual({
      udp: { host: '127.0.0.1', port: 5060 },
      wsUrl: 'ws://127.0.0.1:8080/sip',
    })
    expect(parseSipProxyUris('sip:127.0.0.1:5070;transport=tcp,sip:127.0.0.1')).toEqual({
      tcp: { host: '127.0.0.1', port: 5070 },
      udp: { host: '127.0.0.1', port: 5060 },
    })
    expect(() => parseSipProxyUris('http://127.0.0.1:80')).toThrow(/SIP_PROXY_URI entry "http:\/\/127.0.0.1:80" is not udp:\/\/host:port/)
    expect(() => parseSipProxyUris('')).toThrow(/empty/)
  })
})

describe.skipIf(requireTool('kamailio'))('calls through Kamailio', () => {
  let kamailio: KamailioService
  beforeAll(async () => {
    kamailio = await startKamailio({ provider: 'local' })
  }, 30_000)
  afterAll(async () => {
    await kamailio?.close()
  })

  test('Kamailio is up with UDP, TCP and WebSocket listeners and answers OPTIONS', async () => {
    expect(kamailio.transports).toEqual(['udp', 'tcp', 'ws'])
    expect(await kamailio.ping(2000)).toBe(200)
    expect(kamailio.uri('udp')).toMatch(/^sip:127\.0\.0\.1:\d+;transport=udp$/)
  })

  for (const from of TRANSPORTS) {
    for (const to of TRANSPORTS) {
      const media = from === 'ws' || to === 'ws' ? ('webrtc' as const) : ('rtp' as const)
      test(`${from} → ${to} (${media} media): registered, confirmed dialog, audio both ways, BYE answered 200`, async () => {
        const tag = `${from}${to}${Math.floor(Math.random() * 1e6)}`
        const domain = kamailio.domain
        await using alice = await createSipUserAgent({ uri: `sip:alice${tag}@${domain}`, transport: kamailio.userAgentTransport(from), media })
        await using bob = await createSipUserAgent({ uri: `sip:bob${tag}@${domain}`, transport: kamailio.userAgentTransport(to), media })
        await alice.register()
        await bob.register()
        const incoming = bob.waitForIncoming(15_000)
        const outgoing = alice.call(`sip:bob${tag}@${domain}`, { send: tone(700), timeoutMs: 15_000 })
        const [bobCall, aliceCall] = await Promise.all([incoming.then((c) => c.accept({ send: tone(1300) })), outgoing])
        const [atBob, atAlice] = await Promise.all([bobCall.peer.waitForTrack('audio', 15_000), aliceCall.peer.waitForTrack('audio', 15_000)])
        await Promise.all([atBob.waitForPackets(50, 15_000), atAlice.waitForPackets(50, 15_000)])
        expect(hasTone(atBob, 700), 'bob hears alice (700 Hz)').toBe(true)
        expect(hasTone(atAlice, 1300), 'alice hears bob (1300 Hz)').toBe(true)
        expect(hasTone(atBob, 1300), 'bob does not hear himself').toBe(false)
        // The dialog was confirmed end to end: alice's ACK crossed Kamailio and reached bob.
        expect(logged(aliceCall, 'out', /^ACK /)).toBe(true)
        expect(logged(bobCall, 'in', /^ACK /), `bob never saw the ACK:\n${bobCall.ladder()}`).toBe(true)
        // Kamailio record-routed the dialog (the 200 carries its Record-Route).
        const ok = aliceCall.messages().find((m) => m.direction === 'in' && m.summary === '200 OK (INVITE)')
        expect(ok?.raw, 'the 200 OK for the INVITE').toMatch(/^Record-Route:/im)
        const bye = aliceCall.hangup()
        await bobCall.waitForEnd(10_000)
        await bye
        expect(logged(bobCall, 'in', /^BYE /)).toBe(true)
        expect(logged(aliceCall, 'in', /^200 OK \(BYE\)$/), `alice's BYE was not answered 200:\n${aliceCall.ladder()}`).toBe(true)
      }, 60_000)
    }
  }
})
