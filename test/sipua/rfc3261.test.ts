/**
 * RFC 3261 addressing and dialog truth of rtcspec's UDP/TCP user agents, driven by a hand-written peer that
 * behaves like a third-party UA: it sends ACK and BYE to the Contact it was given, answers from where its
 * Via says, and sometimes not at all.
 */
import { createSocket } from 'node:dgram'
import { describe, expect, test } from 'vitest'
import { getHeader, parseVia } from '../../src/sip/index.ts'
import { startSipRegistrar } from '../../src/sipua/registrar.ts'
import { createSipUserAgent, SipError, type SipCall } from '../../src/sipua/user-agent.ts'
import { waitFor } from '../../src/wait.ts'
import { contactOf, rawInDialog, rawInvite, rawPeer } from './raw-peer.ts'

describe('Contact and Via carry the real transport address', () => {
  test.each(['udp', 'tcp'] as const)('%s: REGISTER and INVITE name the listening port; the registrar reaches the UA there', async (kind) => {
    await using registrar = await startSipRegistrar({ transports: [kind] })
    await using bob = await createSipUserAgent({ uri: 'sip:bob@rtcspec.test', transport: { kind, remote: registrar[kind] }, media: 'rtp' })
    await bob.register()
    const register = registrar.log.entries.find((e) => e.direction === 'in' && e.summary.startsWith('REGISTER'))!
    const contact = contactOf(register.parsed!)
    expect(contact).toEqual({ host: '127.0.0.1', port: bob.local!.port, transport: kind })
    const via = parseVia(getHeader(register.parsed!, 'via')!)
    expect(via.port).toBe(bob.local!.port)
    expect(bob.advertised).toEqual({ via: { host: '127.0.0.1', port: bob.local!.port }, contact: { host: '127.0.0.1', port: bob.local!.port } })
  })

  test('contact and via host/port can be overridden, and the options are checked', async () => {
    await using registrar = await startSipRegistrar({ transports: ['udp'] })
    await using ua = await createSipUserAgent({
      uri: 'sip:nat@rtcspec.test',
      transport: { kind: 'udp', remote: registrar.udp, contact: { host: '127.0.0.9', port: 5999 }, via: { port: 6001 } },
      media: 'rtp',
    })
    await ua.register()
    const register = registrar.log.entries.find((e) => e.direction === 'in' && e.summary.startsWith('REGISTER'))!
    expect(contactOf(register.parsed!)).toMatchObject({ host: '127.0.0.9', port: 5999 })
    const via = parseVia(getHeader(register.parsed!, 'via')!)
    expect([via.host, via.port]).toEqual(['127.0.0.1', 6001])
    // rport: the registrar answered the source port, not the advertised 6001 (RFC 3581).
    expect(registrar.bindings()[0]!.contact).toBe(`sip:${/sip:([^>]+)/.exec(getHeader(register.parsed!, 'contact')!)![1]}`)
    const bad = await createSipUserAgent({ uri: 'sip:x@rtcspec.test', transport: { kind: 'udp', contakt: { port: 1 } } as never }).then(
      () => undefined,
      (e: unknown) => e as Error,
    )
    expect(bad?.message).toMatch(/invalid SIP user agent options[\s\S]*contakt/)
    const empty = await createSipUserAgent({ uri: 'sip:x@rtcspec.test', transport: { kind: 'udp', contact: {} } }).then(
      () => undefined,
      (e: unknown) => e as Error,
    )
    expect(empty?.message).toMatch(/give host, port or both/)
  })
})

describe('a peer that follows the Contact (RFC 3261 §12.2, §18.2.2)', () => {
  test('its ACK and BYE reach the rtcspec UAS; the call is established only on the ACK and ends on the BYE', async () => {
    await using bob = await createSipUserAgent({ uri: 'sip:bob@127.0.0.1', transport: { kind: 'udp' }, media: 'rtp' })
    await using peer = await rawPeer()
    const incoming = bob.waitForIncoming(5000)
    await peer.send(rawInvite({ peer, uasPort: bob.local!.port, callId: 'c1', rport: true }), bob.local!.port)
    const accepting = (await incoming).accept({ timeoutMs: 5000 })
    const ok = await peer.next(/^SIP\/2\.0 200/)
    expect(contactOf(ok.message!)).toEqual({ host: '127.0.0.1', port: bob.local!.port, transport: 'udp' })
    const contact = contactOf(ok.message!)
    await peer.send(rawInDialog('ACK', ok.message!, { peer, callId: 'c1', cseq: 1 }), contact.port!, contact.host)
    const call = await accepting
    expect(call.ackedAt).toBeDefined()
    expect(call.dialogEvidence()).toMatchObject({ answered: true, ack: true })
    await peer.send(rawInDialog('BYE', ok.message!, { peer, callId: 'c1', cseq: 2 }), contact.port!, contact.host)
    await call.waitForEnd(5000)
    await peer.next(/^SIP\/2\.0 200 OK/, 5000, peer.received.indexOf(ok) + 1)
    expect(call.dialogEvidence().bye).toEqual({ by: 'remote', status: 200 })
  })

  test('a stray OPTIONS mid-call does not redirect the BYE: it goes to the dialog remote target', async () => {
    await using bob = await createSipUserAgent({ uri: 'sip:bob@127.0.0.1', transport: { kind: 'udp' }, media: 'rtp' })
    await using peer = await rawPeer()
    await using stray = await rawPeer()
    const incoming = bob.waitForIncoming(5000)
    await peer.send(rawInvite({ peer, uasPort: bob.local!.port, callId: 'c2', rport: true }), bob.local!.port)
    const accepting = (await incoming).accept({ timeoutMs: 5000 })
    const ok = await peer.next(/^SIP\/2\.0 200/)
    await peer.send(rawInDialog('ACK', ok.message!, { peer, callId: 'c2', cseq: 1 }), bob.local!.port)
    const call = await accepting
    const options = `OPTIONS sip:bob@127.0.0.1:${bob.local!.port} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${stray.port};branch=z9hG4bK-stray;rport\r\nMax-Forwards: 70\r\nFrom: <sip:stray@127.0.0.1>;tag=s\r\nTo: <sip:bob@127.0.0.1>\r\nCall-ID: stray\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`
    await stray.send(options, bob.local!.port)
    await stray.next(/^SIP\/2\.0 \d{3}/)
    const hangup = call.hangup({ timeoutMs: 5000 })
    const bye = await peer.next(/^BYE /)
    await peer.send(
      `SIP/2.0 200 OK\r\n${bye.text
        .split('\r\n')
        .filter((l) => /^(Via|From|To|Call-ID|CSeq):/i.test(l))
        .join('\r\n')}\r\nContent-Length: 0\r\n\r\n`,
      bye.from.port,
    )
    await hangup
    expect(stray.count(/^BYE /)).toBe(0)
    expect(bye.text.split('\r\n')[0]).toBe(`BYE sip:raw@127.0.0.1:${peer.port} SIP/2.0`)
    expect(call.dialogEvidence().bye).toEqual({ by: 'local', status: 200 })
  })

  test('responses go to the Via sent-by port without rport, and to the source port with it (RFC 3581)', async () => {
    await using bob = await createSipUserAgent({ uri: 'sip:bob@127.0.0.1', transport: { kind: 'udp' }, media: 'rtp' })
    await using sender = await rawPeer()
    await using listener = await rawPeer()
    const options = (branch: string, rport: boolean) =>
      `OPTIONS sip:bob@127.0.0.1:${bob.local!.port} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${listener.port};branch=${branch}${rport ? ';rport' : ''}\r\nMax-Forwards: 70\r\nFrom: <sip:a@127.0.0.1>;tag=a\r\nTo: <sip:bob@127.0.0.1>\r\nCall-ID: ${branch}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`
    await sender.send(options('z9hG4bK-norport', false), bob.local!.port)
    await listener.next(/^SIP\/2\.0 \d{3}/)
    expect(sender.count(/^SIP/)).toBe(0)
    await sender.send(options('z9hG4bK-rport', true), bob.local!.port)
    const r = await sender.next(/^SIP\/2\.0 \d{3}/)
    expect(parseVia(getHeader(r.message!, 'via')!).params).toMatchObject({ rport: String(sender.port), received: '127.0.0.1' })
  })
})

describe('dialog truth', () => {
  test('a 200 that is never ACKed fails accept() with the retransmissions in the ladder', async () => {
    await using bob = await createSipUserAgent({ uri: 'sip:bob@127.0.0.1', transport: { kind: 'udp' }, media: 'rtp' })
    await using peer = await rawPeer()
    const incoming = bob.waitForIncoming(5000)
    await peer.send(rawInvite({ peer, uasPort: bob.local!.port, callId: 'noack', rport: true }), bob.local!.port)
    const err = await (await incoming).accept({ timeoutMs: 2000 }).then(
      () => undefined,
      (e: unknown) => e as SipError,
    )
    expect(err).toBeInstanceOf(SipError)
    expect(err!.code).toBe('SIP_NO_ACK')
    expect(err!.message).toMatch(/the 200 OK was sent [2-9] time\(s\)/)
    expect(err!.message.match(/200 OK \(INVITE\)/g)!.length).toBeGreaterThanOrEqual(3)
    expect(bob.calls[0]!.errors.join('\n')).toMatch(/SIP_NO_ACK|no ACK/)
  })

  test('hangup() rejects with the ladder when the BYE gets no final response', async () => {
    await using peer = await rawPeer()
    await using deaf = await rawPeer() // the Contact the peer gives: nothing there answers
    await using alice = await createSipUserAgent({ uri: 'sip:alice@127.0.0.1', transport: { kind: 'udp', timers: { t1: 50 } }, media: 'rtp' })
    const calling = alice.call(`sip:raw@127.0.0.1:${peer.port}`, { timeoutMs: 5000 })
    const invite = await peer.next(/^INVITE /)
    const head = invite.text.split('\r\n').filter((l) => /^(Via|From|Call-ID|CSeq):/i.test(l))
    const to = `${getHeader(invite.message!, 'to')};tag=deaf`
    const answer = `v=0\r\no=raw 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 49172 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n`
    await peer.send(
      `SIP/2.0 200 OK\r\n${head.join('\r\n')}\r\nTo: ${to}\r\nContact: <sip:raw@127.0.0.1:${deaf.port}>\r\nContent-Type: application/sdp\r\nContent-Length: ${answer.length}\r\n\r\n${answer}`,
      invite.from.port,
    )
    const call: SipCall = await calling
    // The ACK went to the Contact (the dialog's remote target), not back to where the 200 came from.
    await deaf.next(/^ACK /)
    const err = await call.hangup({ timeoutMs: 1500 }).then(
      () => undefined,
      (e: unknown) => e as SipError,
    )
    expect(err?.code).toBe('SIP_BYE_TIMEOUT')
    expect(err?.message).toMatch(/SIP ladder:[\s\S]*BYE sip:raw@127\.0\.0\.1:\d+/)
    expect(deaf.count(/^BYE /)).toBeGreaterThanOrEqual(2) // resent at T1 on the way
    expect(call.errors.join('\n')).toMatch(/BYE .* got no final response/)
    expect(call.dialogEvidence().bye).toEqual({ by: 'local', status: undefined })
  })
})

describe('robust listeners with correct answers', () => {
  const sipRequest = (o: {
    port: number
    peerPort: number
    first?: string
    drop?: string[]
    extra?: string[]
    body?: string
    contentLength?: number
    callId?: string
    method?: string
    cseq?: string
  }) => {
    const method = o.method ?? 'OPTIONS'
    const lines = [
      o.first ?? `${method} sip:bob@127.0.0.1:${o.port} SIP/2.0`,
      `Via: SIP/2.0/UDP 127.0.0.1:${o.peerPort};branch=z9hG4bK-${Math.random().toString(36).slice(2)};rport`,
      'Max-Forwards: 70',
      'From: <sip:t@127.0.0.1>;tag=t1',
      'To: <sip:bob@127.0.0.1>',
      `Call-ID: ${o.callId ?? Math.random().toString(36).slice(2)}`,
      `CSeq: ${o.cseq ?? `1 ${method}`}`,
      ...(o.extra ?? []),
      `Content-Length: ${o.contentLength ?? Buffer.byteLength(o.body ?? '')}`,
    ].filter((l) => !(o.drop ?? []).some((d) => l.toLowerCase().startsWith(d.toLowerCase())))
    return `${lines.join('\r\n')}\r\n\r\n${o.body ?? ''}`
  }

  test('the UA answers bad requests per RFC 3261 and records each; garbage never stops autoAnswer()', async () => {
    await using bob = await createSipUserAgent({ uri: 'sip:bob@127.0.0.1', transport: { kind: 'udp' }, media: 'rtp' })
    const answered: SipCall[] = []
    bob.autoAnswer({ onCall: (c) => answered.push(c) })
    await using peer = await rawPeer()
    const port = bob.local!.port
    const ask = async (text: string): Promise<string> => {
      const before = peer.received.length
      await peer.send(text, port)
      const r = await peer.next(/^SIP\/2\.0 [2-6]\d\d/, 3000, before).catch((e: unknown) => {
        throw new Error(`no answer to ${text.split('\r\n')[0]}: ${String(e)}\n${bob.warnings.join('\n')}\n${bob.ladder()}`)
      })
      return r.text.split('\r\n')[0]!
    }
    // Garbage first: it is recorded, nothing answers it, and the listener and autoAnswer() go on.
    const garbage = createSocket('udp4')
    await new Promise<void>((resolve) => garbage.send('\x00\x01garbage\r\n\r\n', port, '127.0.0.1', () => resolve()))
    garbage.close()
    await waitFor(() => bob.malformed.length === 1, { timeoutMs: 2000, label: 'bob to record the garbage' })
    expect(await ask(sipRequest({ port, peerPort: peer.port, first: `OPTIONS sip:bob@127.0.0.1:${port} SIP/3.0` }))).toBe('SIP/2.0 505 Version Not Supported')
    expect(await ask(sipRequest({ port, peerPort: peer.port, drop: ['Call-ID'] }))).toMatch(/^SIP\/2\.0 400 Bad Request \(missing call-id header\)/)
    expect(await ask(sipRequest({ port, peerPort: peer.port, cseq: 'one OPTIONS' }))).toMatch(/^SIP\/2\.0 400 Bad Request \(.*CSeq header/)
    expect(await ask(sipRequest({ port, peerPort: peer.port, body: 'short', contentLength: 50 }))).toMatch(
      /^SIP\/2\.0 400 Bad Request \(Content-Length says 50 bytes/,
    )
    const bad = peer.received.length
    await peer.send(sipRequest({ port, peerPort: peer.port, extra: ['Require: frobnicate, 100rel'] }), port)
    const r420 = await peer.next(/^SIP\/2\.0 420/, 3000, bad)
    expect(getHeader(r420.message!, 'unsupported')).toBe('frobnicate')
    expect(await ask(sipRequest({ port, peerPort: peer.port, method: 'CANCEL' }))).toBe('SIP/2.0 481 Call/Transaction Does Not Exist')
    const byeNoDialog = sipRequest({ port, peerPort: peer.port, method: 'BYE' }).replace('To: <sip:bob@127.0.0.1>', 'To: <sip:bob@127.0.0.1>;tag=gone')
    expect(await ask(byeNoDialog)).toBe('SIP/2.0 481 Call/Transaction Does Not Exist')
    // An offer nobody can use is 488 Not Acceptable Here.
    const video = 'v=0\r\no=raw 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=video 49170 RTP/AVP 96\r\na=rtpmap:96 VP8/90000\r\n'
    expect(await ask(rawInvite({ peer, uasPort: port, callId: 'novideo', rport: true, body: video }))).toMatch(/^SIP\/2\.0 488/)
    // After all that, a valid INVITE is still answered.
    const before = peer.received.length
    await peer.send(rawInvite({ peer, uasPort: port, callId: 'good', rport: true }), port)
    const ok = await peer.next(/^SIP\/2\.0 200/, 5000, before)
    await peer.send(rawInDialog('ACK', ok.message!, { peer, callId: 'good', cseq: 1 }), port)
    await waitFor(() => answered.length === 1, { timeoutMs: 5000, label: 'autoAnswer() to answer the good INVITE' })
    // Each malformed message is recorded with its reason and shown (raw) in the ladder.
    expect(bob.malformed.map((m) => m.error)).toEqual([
      expect.stringMatching(/./),
      'Version Not Supported',
      'Bad Request (missing call-id header)',
      expect.stringMatching(/CSeq header/),
      expect.stringMatching(/Content-Length says 50 bytes/),
    ])
    expect(bob.ladder()).toMatch(/malformed: .*Version Not Supported/)
  })
})

describe('the embedded registrar/proxy', () => {
  test('Record-Routes INVITEs so in-dialog requests (ACK, BYE) come through it; across transports with two entries', async () => {
    await using registrar = await startSipRegistrar({ transports: ['udp', 'tcp'] })
    await using alice = await createSipUserAgent({ uri: 'sip:alice@rtcspec.test', transport: { kind: 'tcp', remote: registrar.tcp }, media: 'rtp' })
    await using bob = await createSipUserAgent({ uri: 'sip:bob@rtcspec.test', transport: { kind: 'udp', remote: registrar.udp }, media: 'rtp' })
    await bob.register()
    const answered: SipCall[] = []
    bob.autoAnswer({ onCall: (c) => answered.push(c) })
    const call = await alice.call('sip:bob@rtcspec.test')
    await waitFor(() => answered.length === 1, { timeoutMs: 5000, label: 'bob to answer' })
    const invite = bob.log.entries.find((e) => e.direction === 'in' && e.summary.startsWith('INVITE'))!
    expect(invite.parsed!.headers.filter((h) => h.name === 'Record-Route').map((h) => h.value)).toEqual([
      `<sip:127.0.0.1:${registrar.udp.port};transport=udp;lr;r2=on>`,
      `<sip:127.0.0.1:${registrar.tcp.port};transport=tcp;lr;r2=on>`,
    ])
    await answered[0]!.hangup() // bob → proxy (UDP) → alice (TCP)
    await call.waitForEnd(5000)
    const through = registrar.log.entries
      .filter((e) => e.direction === 'in' && /^(ACK|BYE) /.test(e.summary))
      .map((e) => `${e.transport} ${e.summary.split(' ')[0]}`)
    expect(through).toEqual(['TCP ACK', 'UDP BYE'])
    expect(answered[0]!.dialogEvidence().bye).toEqual({ by: 'local', status: 200 })
  })

  test('answers CANCEL and BYE without a transaction or call 481, malformed requests 400/505, and survives what it cannot handle', async () => {
    await using registrar = await startSipRegistrar({ transports: ['udp'] })
    await using peer = await rawPeer()
    const port = registrar.udp.port
    const req = (method: string, o: { version?: string; extra?: string; contact?: string; body?: string; length?: number } = {}) =>
      `${method} sip:bob@rtcspec.test ${o.version ?? 'SIP/2.0'}\r\nVia: SIP/2.0/UDP 127.0.0.1:${peer.port};branch=z9hG4bK-${method}-${Math.random().toString(36).slice(2)};rport\r\nMax-Forwards: 70\r\nFrom: <sip:bob@rtcspec.test>;tag=f\r\nTo: <sip:bob@rtcspec.test>${o.extra ?? ''}\r\nCall-ID: ${Math.random()}\r\nCSeq: 1 ${method}\r\n${o.contact ? `Contact: ${o.contact}\r\n` : ''}Content-Length: ${o.length ?? (o.body ?? '').length}\r\n\r\n${o.body ?? ''}`
    const ask = async (text: string) => {
      const before = peer.received.length
      await peer.send(text, port)
      return (await peer.next(/^SIP\/2\.0 \d{3}/, 3000, before)).text.split('\r\n')[0]
    }
    expect(await ask(req('CANCEL'))).toBe('SIP/2.0 481 Call/Transaction Does Not Exist')
    expect(await ask(req('BYE', { extra: ';tag=t' }))).toBe('SIP/2.0 481 Call/Transaction Does Not Exist')
    expect(await ask(req('OPTIONS', { version: 'SIP/3.0' }))).toBe('SIP/2.0 505 Version Not Supported')
    expect(await ask(req('OPTIONS', { body: 'abc', length: 40 }))).toMatch(/^SIP\/2\.0 400 Bad Request \(Content-Length says 40/)
    // A Contact that does not parse must not take the listener down.
    await peer.send(req('REGISTER', { contact: '<sip:broken' }), port)
    await waitFor(() => registrar.log.entries.some((e) => e.error?.startsWith('not handled')), {
      timeoutMs: 2000,
      label: 'the registrar to record the REGISTER it could not handle',
    })
    expect(
      await ask(
        `OPTIONS sip:rtcspec.test SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${peer.port};branch=z9hG4bK-alive\r\nMax-Forwards: 70\r\nFrom: <sip:a@rtcspec.test>;tag=a\r\nTo: <sip:rtcspec.test>\r\nCall-ID: alive\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`,
      ),
    ).toBe('SIP/2.0 200 OK')
    // Its answers went to the source port (rport), stamped into the Via it returned.
    const last = peer.received.at(-1)!
    expect(parseVia(getHeader(last.message!, 'via')!).params.rport).toBeUndefined() // no rport asked, none added
    expect(registrar.malformed().length).toBeGreaterThanOrEqual(3)
  })
})

describe('TCP user agents listen, and a broken stream stops nothing', () => {
  test('garbage on one connection is recorded; the UA answers OPTIONS on another, on the connection it came on', async () => {
    const { connect } = await import('node:net')
    await using bob = await createSipUserAgent({ uri: 'sip:bob@127.0.0.1', transport: { kind: 'tcp' }, media: 'rtp' })
    const port = bob.local!.port
    const open = async () => {
      const s = connect({ host: '127.0.0.1', port })
      await new Promise<void>((resolve, reject) => s.once('connect', () => resolve()).once('error', reject))
      let text = ''
      s.on('data', (d: Buffer) => (text += d.toString('utf8')))
      return { s, text: () => text }
    }
    const bad = await open()
    bad.s.write('OPTIONS sip:bob@127.0.0.1 SIP/2.0\r\nContent-Length: lots\r\n\r\n')
    await waitFor(() => bob.malformed.length === 1, { timeoutMs: 2000, label: 'bob to record the unframable stream' })
    const good = await open()
    good.s.write(
      `OPTIONS sip:bob@127.0.0.1:${port};transport=tcp SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:9;branch=z9hG4bK-tcp-ok\r\nMax-Forwards: 70\r\nFrom: <sip:t@127.0.0.1>;tag=t\r\nTo: <sip:bob@127.0.0.1>\r\nCall-ID: tcp-ok\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`,
    )
    // The Via names port 9 (nothing listens there): the answer still comes back on this connection (§18.2.2).
    await waitFor(() => /^SIP\/2\.0 \d{3}/.test(good.text()), { timeoutMs: 3000, label: "bob's answer on the connection the OPTIONS came on" })
    expect(good.text()).toMatch(/CSeq: 1 OPTIONS/)
    bad.s.destroy()
    good.s.destroy()
  })
})
