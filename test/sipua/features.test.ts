import { createSocket } from 'node:dgram'
import { describe, expect, test } from 'vitest'
import { startSipRegistrar } from '../../src/sipua/registrar.ts'
import { createSipUserAgent, SipError } from '../../src/sipua/user-agent.ts'
import { UdpRelay } from '../../src/net/relay.ts'
import { tone } from '../../src/media/sources.ts'
import { waitFor } from '../../src/wait.ts'
import type { RtpPeer } from '../../src/peers/rtp/peer.ts'
import { hasTone } from './support.ts'

describe('REGISTER with digest against the embedded registrar', () => {
  test('succeeds with the right password, fails clearly with a wrong one', async () => {
    await using registrar = await startSipRegistrar({ users: { alice: 'secret', eve: 'other' } })
    const transport = { kind: 'udp' as const, remote: registrar.udp }
    await using alice = await createSipUserAgent({ uri: 'sip:alice@rtcspec.test', transport, media: 'rtp', auth: { password: 'secret' } })
    await alice.register()
    expect(registrar.bindings().map((b) => b.aor)).toEqual(['alice@rtcspec.test'])
    const statuses = registrar.log.entries.filter((e) => e.direction === 'out').map((e) => e.summary)
    expect(statuses).toEqual(['401 Unauthorized (REGISTER)', '200 OK (REGISTER)'])

    await using eve = await createSipUserAgent({ uri: 'sip:eve@rtcspec.test', transport, media: 'rtp', auth: { password: 'wrong' } })
    const err = await eve.register().then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(err).toBeInstanceOf(SipError)
    expect((err as SipError).status).toBe(403)
    expect((err as Error).message).toMatch(/REGISTER sip:eve@rtcspec.test was rejected with 403 Forbidden \(wrong password for eve\)/)
    expect((err as Error).message).toMatch(/hint: check the username and password/)
    expect((err as Error).message).toContain('SIP ladder:')
    expect(registrar.bindings().map((b) => b.aor)).toEqual(['alice@rtcspec.test'])
  })
})

describe('SIP call features over UDP with plain-RTP media', () => {
  async function setup() {
    const registrar = await startSipRegistrar()
    const transport = { kind: 'udp' as const, remote: registrar.udp, timers: { t1: 100 } }
    const alice = await createSipUserAgent({ uri: 'sip:alice@rtcspec.test', transport, media: 'rtp' })
    const bob = await createSipUserAgent({ uri: 'sip:bob@rtcspec.test', transport, media: 'rtp' })
    await bob.register()
    return {
      registrar,
      alice,
      bob,
      async [Symbol.asyncDispose]() {
        await alice.close()
        await bob.close()
        await registrar.close()
      },
    }
  }

  test('DTMF by RFC 4733 and by SIP INFO; hold and resume by re-INVITE', async () => {
    await using s = await setup()
    const incoming = s.bob.waitForIncoming(5000)
    const calling = s.alice.call('sip:bob@rtcspec.test', { send: tone(700) })
    const bobCall = await (await incoming).accept({ send: tone(1200) })
    const aliceCall = await calling
    await aliceCall.sendDtmf('159', { durationMs: 60 })
    const atBob = await bobCall.peer.waitForTrack('audio', 5000)
    await waitFor(() => atBob.dtmf().length === 3, { timeoutMs: 5000, label: 'bob to receive 3 RFC 4733 digits' })
    expect(
      atBob
        .dtmf()
        .map((d) => d.digit)
        .join(''),
    ).toBe('159')
    await aliceCall.sendDtmf('*0#', { via: 'info' })
    expect(bobCall.infoDtmf.join('')).toBe('*0#')

    const atAlice = await aliceCall.peer.waitForTrack('audio', 5000)
    await atAlice.waitForPackets(20, 5000)
    await aliceCall.hold()
    const bobPeer = bobCall.peer as RtpPeer
    expect(bobCall.sdh?.descriptions.at(-1)?.sdp).toContain('a=recvonly')
    const held = atAlice.packets().length
    await waitFor(() => bobPeer.heldPackets >= 10, { timeoutMs: 5000, label: 'bob to hold back 10 frames' })
    expect(atAlice.packets().length).toBeLessThanOrEqual(held + 1)
    await aliceCall.resume()
    await atAlice.waitForPackets(held + 20, 5000)
    expect(hasTone(atAlice, 1200, held)).toBe(true)
  })

  test('early media: a 183 with SDP starts media before the 200', async () => {
    await using s = await setup()
    const incoming = s.bob.waitForIncoming(5000)
    const calling = s.alice.call('sip:bob@rtcspec.test', { earlyMedia: true, send: tone(600) })
    const inc = await incoming
    await inc.progress(183, { send: tone(900) })
    // Media flows both ways while the call is still unanswered.
    await waitFor(() => s.alice.calls[0]?.sdh?.peer.inbound[0] !== undefined && (s.alice.calls[0]!.sdh!.peer.inbound[0]!.packets().length ?? 0) >= 20, {
      timeoutMs: 5000,
      label: 'alice to receive 20 early-media packets',
    })
    expect(s.alice.calls[0]!.active).toBe(false)
    expect(hasTone(s.alice.calls[0]!.sdh!.peer.inbound[0]!, 900)).toBe(true)
    await inc.accept()
    const call = await calling
    expect(call.provisional.map((p) => p.status)).toContain(183)
  })

  test('CANCEL of an unanswered call: the callee sees the cancel, the caller gets 487', async () => {
    await using s = await setup()
    const incoming = s.bob.waitForIncoming(5000)
    const calling = s.alice.call('sip:bob@rtcspec.test').then(
      () => undefined,
      (e: unknown) => e,
    )
    const inc = await incoming
    await inc.progress(180)
    await waitFor(() => s.alice.calls[0]?.provisional.some((p) => p.status === 180) ?? false, { timeoutMs: 5000, label: 'alice to see 180' })
    await s.alice.calls[0]!.cancel()
    await inc.waitForCancel(5000)
    const err = await calling
    expect(err).toBeInstanceOf(SipError)
    expect((err as SipError).status).toBe(487)
    expect(s.registrar.log.entries.map((e) => e.summary)).toContain('487 Request Terminated (INVITE)')
  })
})

describe('robustness', () => {
  test('UDP loss of SIP messages: RFC 3261 retransmissions recover the call', async () => {
    const seed = 20261121
    await using relay = await UdpRelay.create({ seed, impair: 'all', toA: { loss: 0.3 } })
    await using bob = await createSipUserAgent({ uri: 'sip:bob@127.0.0.1', transport: { kind: 'udp', timers: { t1: 100 } }, media: 'rtp' })
    const proxy = await relay.addPeerAddress('b', { address: '127.0.0.1', port: bob.local!.port })
    await using alice = await createSipUserAgent({
      uri: 'sip:alice@127.0.0.1',
      transport: { kind: 'udp', remote: { host: proxy.address, port: proxy.port }, timers: { t1: 100 } },
      media: 'rtp',
    })
    bob.autoAnswer({ send: tone(1000) })
    // Everything towards bob is lost until the relay dropped two datagrams (the INVITE and its first
    // retransmission): the call can only come up through the transport's Timer A retransmissions.
    relay.setProfile('toB', { loss: 1 })
    const calling = alice.call(`sip:bob@127.0.0.1:${proxy.port}`, { timeoutMs: 20_000 })
    await relay.waitFor(() => relay.summary('toB').dropped >= 2, { label: 'the relay to drop 2 datagrams towards bob', timeoutMs: 5000 })
    relay.setProfile('toB', {})
    const call = await calling.catch((e: unknown) => {
      throw new Error(`seed ${seed}: ${(e as Error).message}`)
    })
    const track = await call.peer.waitForTrack('audio', 5000)
    await track.waitForPackets(20, 5000)
    expect(hasTone(track, 1000)).toBe(true)
    await call.hangup()
    const toB = relay.summary('toB')
    expect(toB.dropped, `seed ${seed}`).toBeGreaterThanOrEqual(2)
    const invites = alice.log.entries.filter((e) => e.direction === 'out' && e.summary.startsWith('INVITE'))
    // The transport resent the INVITE: one original, the rest logged (and shown in the ladder) as its retransmissions.
    expect(alice.local!.retransmissions!.retransmissions, `seed ${seed}`).toBeGreaterThanOrEqual(2)
    expect(invites.filter((e) => !e.retransmission)).toHaveLength(1)
    expect(invites.filter((e) => e.retransmission).length).toBeGreaterThanOrEqual(2)
    expect(bob.log.entries.filter((e) => e.direction === 'in' && e.summary.startsWith('INVITE')).length).toBeGreaterThanOrEqual(1)
    expect(call.messages().some((m) => m.summary === '200 OK (BYE)')).toBe(true)
  })

  test('malformed SIP from the far end fails the step with the raw message shown, and the run goes on', async () => {
    const far = createSocket('udp4')
    await new Promise<void>((r) => far.bind(0, '127.0.0.1', () => r()))
    const port = far.address().port
    far.on('message', (_m, rinfo) => far.send('SIP/2.0 200 OK\r\nthis line is not a header\r\n\r\n', rinfo.port, rinfo.address))
    try {
      await using ua = await createSipUserAgent({
        uri: 'sip:alice@127.0.0.1',
        transport: { kind: 'udp', remote: { host: '127.0.0.1', port }, timers: { t1: 100 } },
        media: 'rtp',
      })
      const err = await ua.call(`sip:x@127.0.0.1:${port}`, { timeoutMs: 5000 }).then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(err).toBeInstanceOf(SipError)
      expect((err as Error).message).toMatch(/received a malformed SIP message from 127\.0\.0\.1:\d+: invalid sip at line 2: "this line is not a header"/)
      expect((err as Error).message).toContain('--- raw message ---\nSIP/2.0 200 OK\r\nthis line is not a header')
      expect(ua.malformed).toHaveLength(1)
    } finally {
      far.close()
    }
    // The registrar survives garbage too and keeps serving.
    await using registrar = await startSipRegistrar({ transports: ['udp'] })
    const raw = createSocket('udp4')
    await new Promise<void>((resolve) => raw.send('\x00\x01garbage\r\n\r\n', registrar.udp.port, '127.0.0.1', () => resolve()))
    raw.close()
    await waitFor(() => registrar.malformed().length === 1, { timeoutMs: 2000, label: 'the registrar to log the garbage' })
    await using ua2 = await createSipUserAgent({ uri: 'sip:carol@rtcspec.test', transport: { kind: 'udp', remote: registrar.udp }, media: 'rtp' })
    await ua2.register()
  })
})
