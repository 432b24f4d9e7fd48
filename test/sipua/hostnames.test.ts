/**
 * SIP far ends given by host name: user agents (UDP, TCP, WebSocket), direct calls and call flows accept
 * `localhost` (resolved with the system resolver when they connect or send), an unresolvable name is an
 * error naming the host and the fix, and the fixture's `sip.uri(user, { domain })` addresses an external
 * registrar. Only `localhost` and 127.0.0.1 are used.
 */
import { describe, expect, test } from 'vitest'
import { startSipRegistrar } from '../../src/sipua/registrar.ts'
import { createSipUserAgent } from '../../src/sipua/user-agent.ts'
import { resolveSipHost } from '../../src/sipua/resolve.ts'
import { runSipFlow } from '../../src/sipua/call-flow.ts'
import { runSipScenario } from '../../src/dsl/sip-scenario.ts'
import { createSipFixture } from '../../src/dsl/sip-fixture.ts'
import { RtcspecError } from '../../src/errors.ts'
import { tone } from '../../src/media/sources.ts'
import { hasTone } from './support.ts'

describe('SIP far ends by host name', () => {
  test('UDP and TCP user agents whose remote is localhost register and call each other through the registrar', async () => {
    await using registrar = await startSipRegistrar({ transports: ['udp', 'tcp'] })
    await using alice = await createSipUserAgent({
      uri: 'sip:alice@rtcspec.test',
      transport: { kind: 'udp', remote: { host: 'localhost', port: registrar.udp.port } },
      media: 'rtp',
    })
    await using bob = await createSipUserAgent({
      uri: 'sip:bob@rtcspec.test',
      transport: { kind: 'tcp', remote: { host: 'localhost', port: registrar.tcp.port } },
      media: 'rtp',
    })
    await alice.register()
    await bob.register()
    expect(alice.advertised?.via.host).toBe('127.0.0.1')
    bob.autoAnswer({ send: tone(1200) })
    const call = await alice.call('sip:bob@rtcspec.test', { timeoutMs: 10_000 })
    const track = await call.peer.waitForTrack('audio', 5000)
    await track.waitForPackets(20, 5000)
    expect(hasTone(track, 1200)).toBe(true)
    await call.hangup()
  })

  test('a WebSocket user agent on ws://localhost:<port> registers', async () => {
    await using registrar = await startSipRegistrar({ transports: ['ws'] })
    const url = registrar.wsUrl.replace('127.0.0.1', 'localhost')
    expect(url).toMatch(/^ws:\/\/localhost:\d+/)
    await using alice = await createSipUserAgent({ uri: 'sip:alice@rtcspec.test', transport: { kind: 'ws', url } })
    await alice.register()
    expect(registrar.bindings().map((b) => b.aor)).toEqual(['alice@rtcspec.test'])
  })

  test('a UA without remote calls sip:bob@localhost:<port> directly', async () => {
    await using bob = await createSipUserAgent({ uri: 'sip:bob@localhost', transport: { kind: 'udp' }, media: 'rtp' })
    await using alice = await createSipUserAgent({ uri: 'sip:alice@localhost', transport: { kind: 'udp' }, media: 'rtp' })
    bob.autoAnswer({ send: tone(900) })
    const call = await alice.call(`sip:bob@localhost:${bob.local!.port}`, { timeoutMs: 10_000 })
    await (await call.peer.waitForTrack('audio', 5000)).waitForPackets(10, 5000)
    expect(call.messages().some((m) => m.direction === 'out' && m.remote === `127.0.0.1:${bob.local!.port}` && m.summary.startsWith('INVITE'))).toBe(true)
    await call.hangup()
  })

  test('call flows and SIP scenarios reach a target named localhost over UDP, TCP and WebSocket', async () => {
    await using registrar = await startSipRegistrar()
    for (const target of [
      { transport: 'udp' as const, host: 'localhost', port: registrar.udp.port },
      { transport: 'tcp' as const, host: 'localhost', port: registrar.tcp.port },
      { transport: 'ws' as const, url: registrar.wsUrl.replace('127.0.0.1', 'localhost') },
    ]) {
      const result = await runSipFlow({
        name: `options to localhost over ${target.transport}`,
        target,
        vars: { uri: 'sip:rtcspec.test' },
        steps: [{ send: 'OPTIONS', uri: '[uri]' }, { expect: 200 }],
      })
      expect(result.vars.remote_ip === '127.0.0.1' || target.transport === 'ws').toBe(true)
    }
    await runSipScenario('options by name', {
      sip: {
        target: { transport: 'udp', host: 'localhost', port: registrar.udp.port },
        vars: { uri: 'sip:rtcspec.test' },
        flow: [{ send: 'OPTIONS', uri: '[uri]' }, { expect: 200 }],
      },
    })
  })

  test('an unresolvable host name is an error naming the host, what it was for and the fix', async () => {
    const notFound = async () => {
      throw Object.assign(new Error('getaddrinfo ENOTFOUND pbx.example.invalid'), { code: 'ENOTFOUND' })
    }
    const err = await resolveSipHost('pbx.example.invalid', 'SIP UDP remote', notFound).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(err).toBeInstanceOf(RtcspecError)
    expect((err as RtcspecError).code).toBe('SIP_UNRESOLVABLE')
    expect((err as Error).message).toMatch(/^SIP UDP remote: cannot resolve the host name "pbx\.example\.invalid" \(ENOTFOUND\)/)
    expect((err as RtcspecError).hint).toMatch(/getent hosts pbx\.example\.invalid.*IP address/)
    // An empty answer is the same error; IP literals are never looked up; IPv4 is preferred.
    await expect(resolveSipHost('x.invalid', 'SIP flow target', async () => [])).rejects.toThrow(/cannot resolve the host name "x\.invalid"/)
    await expect(resolveSipHost('[::1]', 'x', notFound)).resolves.toBe('::1')
    await expect(
      resolveSipHost('both', 'x', async () => [
        { address: '::1', family: 6 },
        { address: '127.0.0.1', family: 4 },
      ]),
    ).resolves.toBe('127.0.0.1')
  })

  test("the fixture's sip.uri(user, { domain }) addresses an external registrar; bad parts are named", async () => {
    const state = createSipFixture()
    try {
      expect(state.fixture.uri('bob')).toBe('sip:bob@rtcspec.test')
      expect(state.fixture.uri('bob', { domain: 'pbx.example.net' })).toBe('sip:bob@pbx.example.net')
      expect(state.fixture.uri('bob', { domain: 'localhost:5070', scheme: 'sips' })).toBe('sips:bob@localhost:5070')
      expect(() => state.fixture.uri('bob', { domain: 'not a host' })).toThrow(/sip\.uri\(\).*domain/s)
      expect(() => state.fixture.uri('bo b')).toThrow(/user "bo b"/)
    } finally {
      await state.close()
    }
  })
})
