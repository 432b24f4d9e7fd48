/**
 * Test your SIP proxy: two rtcspec user agents register at the proxy and call each other through it on
 * every transport it offers; each side must hear the other's tone, the dialog must be confirmed (ACK) and
 * the BYE answered 200. A call to a user nobody registered must fail with a 4xx.
 *
 * Which proxy:
 * - yours: set SIP_PROXY_URI to its listeners (comma-separated), e.g.
 *     SIP_PROXY_URI=udp://127.0.0.1:5060,tcp://127.0.0.1:5060,ws://127.0.0.1:8080 \
 *     SIP_PROXY_DOMAIN=example.test npx rtcspec run specs/examples/sip-proxy.spec.ts
 *   (`sip:127.0.0.1:5060;transport=tcp` works too). Users register as sip:<user>@SIP_PROXY_DOMAIN (default:
 *   the proxy's host); they need no password (point it at a test domain that does not require auth).
 *   rtcspec's user agents talk to loopback only, so run your proxy on 127.0.0.1 (e.g. a container with host
 *   networking).
 * - otherwise a Kamailio that this spec starts (generated stock-style registrar + proxy, ports from the OS;
 *   `sudo apt-get install -y kamailio kamailio-websocket-modules`),
 * - otherwise, outside CI, rtcspec's embedded registrar (so the example still runs with nothing installed).
 *
 * A proxy only relays SIP: the SDP arrives as offered, so both legs of a call speak the same media —
 * WebRTC (werift) when a WebSocket leg is involved, plain RTP between UDP/TCP legs.
 * Run: npx rtcspec run specs/examples/sip-proxy.spec.ts
 */
import { afterAll, describe, expect, test } from 'rtcspec'
import { createSipUserAgent, startSipRegistrar, type SipError, type SipUserAgentOptions } from 'rtcspec/sip'
import { findBinary, startKamailio } from 'rtcspec/services'

type Transport = 'udp' | 'tcp' | 'ws'

/** The proxy under test, whichever provides it. */
interface ProxyUnderTest {
  name: string
  domain: string
  transports: Transport[]
  transport(t: Transport): SipUserAgentOptions['transport']
  close(): Promise<void>
}

async function proxyUnderTest(): Promise<ProxyUnderTest> {
  const kamailioInstalled = (await findBinary('kamailio')) !== undefined
  if (process.env.SIP_PROXY_URI || kamailioInstalled || process.env.CI === 'true') {
    const k = await startKamailio(process.env.SIP_PROXY_URI ? { provider: 'external' } : { provider: 'local' })
    return {
      name: k.provider === 'external' ? `your proxy (${process.env.SIP_PROXY_URI})` : 'Kamailio',
      domain: k.domain,
      transports: [...k.transports],
      transport: (t) => k.userAgentTransport(t),
      close: () => k.close(),
    }
  }
  process.stderr.write(
    '[rtcspec] sip-proxy example: kamailio is not installed (sudo apt-get install -y kamailio kamailio-websocket-modules); using the embedded registrar\n',
  )
  const r = await startSipRegistrar({ transports: ['udp', 'tcp', 'ws'] })
  return {
    name: 'the embedded registrar',
    domain: r.domain,
    transports: ['udp', 'tcp', 'ws'],
    transport: (t) => (t === 'ws' ? { kind: 'ws', url: r.wsUrl } : t === 'udp' ? { kind: 'udp', remote: r.udp } : { kind: 'tcp', remote: r.tcp }),
    close: () => r.close(),
  }
}

const proxy = await proxyUnderTest()
const pairs: Array<[Transport, Transport]> = proxy.transports.map((t) => [t, t])
if (proxy.transports.includes('udp') && proxy.transports.includes('ws')) pairs.push(['udp', 'ws'])

describe(`calls through ${proxy.name}`, () => {
  afterAll(() => proxy.close())

  for (const [from, to] of pairs) {
    const media = from === 'ws' || to === 'ws' ? 'webrtc' : 'rtp'
    test(`${from} → ${to}: both sides hear each other, ACK and BYE cross the proxy`, async ({ tone }) => {
      const id = Math.floor(Math.random() * 1e6)
      await using alice = await createSipUserAgent({ uri: `sip:alice${id}@${proxy.domain}`, transport: proxy.transport(from), media })
      await using bob = await createSipUserAgent({ uri: `sip:bob${id}@${proxy.domain}`, transport: proxy.transport(to), media })
      await alice.register()
      await bob.register()
      const incoming = bob.waitForIncoming(15_000)
      const outgoing = alice.call(`sip:bob${id}@${proxy.domain}`, { send: tone(440), timeoutMs: 15_000 })
      const [answered, call] = await Promise.all([incoming.then((c) => c.accept({ send: tone(880) })), outgoing])
      await expect(answered.peer).toReceiveRtp({ packets: 50, within: '10s' })
      await expect(call.peer).toReceiveRtp({ packets: 50, within: '10s' })
      expect(answered.peer).toContainTone(440)
      expect(call.peer).toContainTone(880)
      expect(answered.messages().some((m) => m.direction === 'in' && m.summary.startsWith('ACK '))).toBe(true)
      await call.hangup()
      await answered.waitForEnd(10_000)
      expect(call.messages().map((m) => m.summary)).toContain('200 OK (BYE)')
    }, 60_000)
  }

  test('a call to a user nobody registered fails with a 4xx', async () => {
    const t = proxy.transports[0] as Transport
    await using alice = await createSipUserAgent({ uri: `sip:alice-x@${proxy.domain}`, transport: proxy.transport(t), media: t === 'ws' ? 'webrtc' : 'rtp' })
    const failure = await alice.call(`sip:nobody-${Date.now()}@${proxy.domain}`, { timeoutMs: 15_000 }).then(
      () => undefined,
      (e: unknown) => e as SipError,
    )
    expect(failure?.status).toBeGreaterThanOrEqual(400)
    expect(failure?.status).toBeLessThan(500)
  }, 30_000)
})
