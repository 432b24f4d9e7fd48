import { describe, expect, test } from 'vitest'
import type { Core } from 'sip.js'
import { startSipRegistrar } from '../../src/sipua/registrar.ts'
import { createSipUserAgent, SipError } from '../../src/sipua/user-agent.ts'
import { tone } from '../../src/media/sources.ts'
import { waitFor } from '../../src/wait.ts'
import { hasTone } from './support.ts'

describe('trickle ICE on an early dialog (RFC 8840 with 100rel/PRACK, RFC 3262)', () => {
  for (const [earlyMedia, over] of [
    [false, 'ws'],
    [true, 'udp'],
  ] as const) {
    test(`the callee answers in a reliable 183, and after the PRACK trickles in INFO within the early dialog, before the 200 (caller earlyMedia ${earlyMedia}, SIP over ${over})`, async () => {
      await using registrar = await startSipRegistrar({ transports: [over] })
      const transport = over === 'ws' ? { kind: 'ws' as const, url: registrar.wsUrl } : { kind: 'udp' as const, remote: registrar.udp }
      await using alice = await createSipUserAgent({ uri: 'sip:alice@rtcspec.test', transport, callRecords: false })
      await using bob = await createSipUserAgent({ uri: 'sip:bob@rtcspec.test', transport, callRecords: false })
      await bob.register()
      const incoming = bob.waitForIncoming(10_000)
      const calling = alice.call('sip:bob@rtcspec.test', { send: tone(1000), timeoutMs: 15_000, earlyMedia })
      const invitation = await incoming
      expect(invitation.request.headers.find((h) => /^supported$/i.test(h.name))?.value).toMatch(/100rel/)

      await invitation.progress(183, { reliable: true, send: tone(1500) }) // resolves once the PRACK arrived
      const bobCall = bob.calls.at(-1)!
      const bobTrickle = bobCall.sdh!.trickler!
      // All of bob's candidates go out in the early dialog, while the call is still unanswered.
      await waitFor(() => bobTrickle.endOfCandidatesSent, { timeoutMs: 10_000, label: "bob's end-of-candidates INFO to be accepted in the early dialog" })
      expect(bobTrickle.earlyInfosSent).toBeGreaterThan(0)
      expect(bobTrickle.candidatesSent).toBeGreaterThan(0)
      const aliceCall = alice.calls.at(-1)!
      const aliceTrickle = aliceCall.sdh!.trickler!
      // The caller, having PRACKed the reliable 183 with the answer, trickles on the early dialog too.
      await waitFor(() => aliceTrickle.endOfCandidatesSent, { timeoutMs: 10_000, label: "alice's end-of-candidates INFO to be accepted in the early dialog" })
      expect(aliceTrickle.earlyInfosSent).toBeGreaterThan(0)
      expect(aliceTrickle.earlyInfoRefused).toBeUndefined()
      expect(bobTrickle.candidatesReceived).toBeGreaterThan(0)
      expect(bobTrickle.endOfCandidatesReceived).toBe(true)
      expect(aliceCall.active).toBe(false)
      if (earlyMedia) {
        // The caller applied the answer from the reliable 183: the early candidates are used at once and ICE
        // (and DTLS) complete while the call is still ringing.
        expect(aliceCall.sdh!.trickler!.candidatesReceived).toBeGreaterThan(0)
        expect(aliceCall.sdh!.trickler!.heldUntilAnswer).toBe(0)
        await aliceCall.peer.waitForConnected(10_000)
        expect(aliceCall.active).toBe(false)
      } else {
        // The caller applies the answer at the 200: candidates that came earlier wait for it.
        expect(aliceCall.sdh!.trickler!.heldUntilAnswer).toBeGreaterThan(0)
      }

      const established = await invitation.accept()
      expect(established).toBe(bobCall)
      await calling

      // The ladder at bob: reliable 183 (Require: 100rel, RSeq, SDP), PRACK → 200, INFO(s) → 200, then 200 (INVITE).
      const out = bob.log.entries.filter((e) => e.direction === 'out')
      const i183 = out.findIndex((e) => e.summary.startsWith('183'))
      const firstInfo = out.findIndex((e) => e.summary.startsWith('INFO'))
      const i200 = out.findIndex((e) => e.summary === '200 OK (INVITE)')
      expect(i183).toBeGreaterThanOrEqual(0)
      expect(out[i183]!.raw).toMatch(/^Require: 100rel\r?$/m)
      expect(out[i183]!.raw).toMatch(/^RSeq: \d+\r?$/m)
      expect(out[i183]!.raw).toMatch(/^m=audio /m)
      expect(firstInfo).toBeGreaterThan(i183)
      expect(firstInfo).toBeLessThan(i200)
      expect(out[firstInfo]!.raw).toMatch(/^Content-Type: application\/trickle-ice-sdpfrag\r?$/m)
      expect(out[firstInfo]!.raw).toMatch(/^Info-Package: trickle-ice\r?$/m)
      const aliceOut = alice.log.entries.filter((e) => e.direction === 'out').map((e) => e.summary)
      expect(aliceOut.some((s) => s.startsWith('PRACK'))).toBe(true)
      expect(aliceOut.filter((s) => s === '200 OK (INFO)').length).toBe(bobTrickle.infosSent)
      expect(out.filter((e) => e.summary === '200 OK (INFO)').length).toBe(aliceTrickle.infosSent)
      // alice's INFOs reached bob after the PRACK exchange and before he answered.
      const ladder = bob.log.entries.map((e) => `${e.direction} ${e.summary}`)
      const aliceInfoAtBob = ladder.findIndex((s) => s.startsWith('in INFO'))
      expect(aliceInfoAtBob).toBeGreaterThan(ladder.indexOf('out 200 OK (PRACK)'))
      expect(aliceInfoAtBob).toBeLessThan(ladder.indexOf('out 200 OK (INVITE)'))

      // Media flows both ways over the ICE the early candidates started.
      await aliceCall.peer.waitForConnected(10_000)
      const [atBob, atAlice] = await Promise.all([bobCall.peer.waitForTrack('audio', 10_000), aliceCall.peer.waitForTrack('audio', 10_000)])
      await Promise.all([atBob.waitForPackets(50, 10_000), atAlice.waitForPackets(50, 10_000)])
      expect(hasTone(atBob, 1000)).toBe(true)
      expect(hasTone(atAlice, 1500)).toBe(true)
      expect(aliceCall.sdh!.trickler!.endOfCandidatesReceived).toBe(true)
      expect(aliceCall.errors).toEqual([])
      expect(bobCall.errors).toEqual([])
      await aliceCall.hangup()
    })
  }

  test("a callee that refuses INFO on the early dialog (469) still gets the caller's candidates, on the confirmed dialog", async () => {
    await using registrar = await startSipRegistrar({ transports: ['ws'] })
    const transport = { kind: 'ws' as const, url: registrar.wsUrl }
    await using alice = await createSipUserAgent({ uri: 'sip:alice@rtcspec.test', transport, callRecords: false })
    await using bob = await createSipUserAgent({ uri: 'sip:bob@rtcspec.test', transport, callRecords: false })
    await bob.register()
    const incoming = bob.waitForIncoming(10_000)
    const calling = alice.call('sip:bob@rtcspec.test', { send: tone(1000), timeoutMs: 15_000 })
    const invitation = await incoming
    await invitation.progress(183, { reliable: true, send: tone(1500) })
    // Make bob a callee that takes no INFO on the early dialog: sip.js then answers 469 Bad Info Package.
    const dialog = invitation.invitation.dialog as Core.SessionDialog
    dialog.delegate = { ...dialog.delegate, onInfo: undefined }
    const aliceTrickle = alice.calls.at(-1)!.sdh!.trickler!
    await waitFor(() => aliceTrickle.earlyInfoRefused !== undefined, { timeoutMs: 10_000, label: "alice's early INFO to be refused" })
    expect(aliceTrickle.earlyInfoRefused).toMatch(/469/)
    expect(aliceTrickle.candidatesSent).toBe(0)
    const bobCall = await invitation.accept()
    const aliceCall = await calling
    // After the ACK the held-back candidates go on the confirmed dialog.
    await waitFor(() => aliceTrickle.endOfCandidatesSent, { timeoutMs: 10_000, label: "alice's end-of-candidates on the confirmed dialog" })
    expect(bobCall.sdh!.trickler!.candidatesReceived).toBeGreaterThan(0)
    const atBob = await bobCall.peer.waitForTrack('audio', 10_000)
    await atBob.waitForPackets(50, 10_000)
    expect(hasTone(atBob, 1000)).toBe(true)
    expect(aliceCall.errors).toEqual([])
    await aliceCall.hangup()
  })

  test('a reliable 183 to a caller without 100rel fails clearly', async () => {
    await using registrar = await startSipRegistrar({ transports: ['udp'] })
    await using bob = await createSipUserAgent({
      uri: 'sip:bob@rtcspec.test',
      transport: { kind: 'udp', remote: registrar.udp },
      media: 'rtp',
      callRecords: false,
    })
    await bob.register()
    const incoming = bob.waitForIncoming(5000)
    // A caller that does not list 100rel: a raw INVITE through the registrar.
    const { createSocket } = await import('node:dgram')
    const sock = createSocket('udp4')
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()))
    try {
      const port = sock.address().port
      const invite = [
        'INVITE sip:bob@rtcspec.test SIP/2.0',
        `Via: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bKnorel100;rport`,
        'Max-Forwards: 70',
        'From: <sip:carol@rtcspec.test>;tag=c1',
        'To: <sip:bob@rtcspec.test>',
        'Call-ID: no-100rel@test',
        'CSeq: 1 INVITE',
        `Contact: <sip:carol@127.0.0.1:${port}>`,
        'Content-Length: 0',
        '',
        '',
      ].join('\r\n')
      sock.send(invite, registrar.udp.port, registrar.udp.host)
      const call = await incoming
      const err = await call.progress(183, { reliable: true }).then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(err).toBeInstanceOf(SipError)
      expect((err as SipError).code).toBe('SIP_100REL')
      expect((err as Error).message).toMatch(/does not support 100rel/)
      await call.reject(480)
    } finally {
      sock.close()
    }
  })
})
