import { createSocket } from 'node:dgram'
import { describe, expect, test } from 'vitest'
import { runSipFlow, SipFlowError, type FlowStep } from '../../src/sipua/call-flow.ts'
import { startSipRegistrar } from '../../src/sipua/registrar.ts'
import { createSipUserAgent } from '../../src/sipua/user-agent.ts'
import { tone } from '../../src/media/sources.ts'

describe('SIP call-flow engine', () => {
  test('OPTIONS to the embedded registrar over UDP, TCP and WS: 200 with header assertions, capture and a response timer', async () => {
    await using registrar = await startSipRegistrar()
    for (const target of [
      { transport: 'udp' as const, ...registrar.udp },
      { transport: 'tcp' as const, ...registrar.tcp },
      { transport: 'ws' as const, url: registrar.wsUrl },
    ]) {
      const result = await runSipFlow({
        name: `options over ${target.transport}`,
        target,
        vars: { uri: 'sip:rtcspec.test' },
        steps: [
          { send: 'OPTIONS', uri: '[uri]' },
          { expect: 200, maxResponseMs: 2000, headers: { Allow: 'INVITE', Server: '^rtcspec' }, capture: { server: { header: 'Server', regex: '^(\\S+)' } } },
        ],
      })
      expect(result.vars.server).toBe('rtcspec-registrar')
      expect(result.timings).toHaveLength(1)
      expect(result.timings[0]!.ms).toBeLessThan(2000)
    }
  })

  test('a full call against an rtcspec UAS: INVITE with SDP, optional provisionals, ACK, media with tone check, BYE', async () => {
    await using bob = await createSipUserAgent({ uri: 'sip:bob@127.0.0.1', transport: { kind: 'udp' }, media: 'rtp' })
    bob.autoAnswer({ send: tone(1700) })
    const steps: FlowStep[] = [
      { send: 'INVITE', sdp: true },
      { expect: 100, optional: true },
      { expect: 180, optional: true },
      { expect: 183, optional: true },
      { expect: 200, headers: { 'Content-Type': 'application/sdp' }, body: '^v=0', capture: { tag: { header: 'To', regex: 'tag=([^;>]+)' } } },
      { send: 'ACK' },
      { media: { send: tone(400), expect: { packetsAtLeast: 40, tone: 1700, lossBelow: 0.01 } } },
      { send: 'BYE' },
      { expect: 200 },
    ]
    const result = await runSipFlow({
      name: 'call bob',
      target: { transport: 'udp', host: '127.0.0.1', port: bob.local!.port },
      vars: { service: 'bob' },
      steps,
    })
    expect(result.vars.tag).toBe(result.vars.to_tag)
    expect(result.skipped).toEqual([3]) // no 183
    const summaries = result.log.entries.map((e) => e.summary)
    expect(summaries.filter((s) => s.startsWith('BYE'))).toHaveLength(1)
    expect(summaries.at(-1)).toBe('200 OK (BYE)')
    // bob heard the flow's 400 Hz.
    const bobCall = bob.calls[0]!
    expect(bobCall.peer.inbound[0]!.rtp.snapshot().received).toBeGreaterThan(10)
  })

  test('a wrong status fails the step with the ladder and the SDP', async () => {
    await using registrar = await startSipRegistrar({ transports: ['udp'] })
    const err = await runSipFlow({
      name: 'call nobody',
      target: { transport: 'udp', ...registrar.udp },
      vars: { service: 'nobody' },
      steps: [{ send: 'INVITE', sdp: true }, { expect: 100, optional: true }, { expect: 200 }, { send: 'ACK' }],
    }).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(err).toBeInstanceOf(SipFlowError)
    const e = err as SipFlowError
    expect(e.stepIndex).toBe(2)
    expect(e.message).toMatch(/failed at step 3 \(expect 200\): unexpected 404 Not Found/)
    expect(e.message).toMatch(/SIP ladder:\n.*INVITE sip:nobody@127\.0\.0\.1/)
    expect(e.message).toMatch(/--- SDP of INVITE sip:nobody@127\.0\.0\.1:\d+ \(sent\) ---\nv=0\no=rtcspec/)
    expect(e.message).toContain('hint: mark steps that may not happen as optional: true')
  })

  test('header, body and timer assertions fail with what was seen; unknown variables are named', async () => {
    await using registrar = await startSipRegistrar({ transports: ['udp'] })
    const target = { transport: 'udp' as const, ...registrar.udp }
    const run = (steps: FlowStep[]) =>
      runSipFlow({ target, vars: { uri: 'sip:rtcspec.test' }, steps }).then(
        () => '',
        (e: unknown) => (e as Error).message,
      )
    expect(
      await run([
        { send: 'OPTIONS', uri: '[uri]' },
        { expect: 200, headers: { Server: '^asterisk' } },
      ]),
    ).toMatch(/header Server: "rtcspec-registrar" does not match \/\^asterisk\//)
    expect(
      await run([
        { send: 'OPTIONS', uri: '[uri]' },
        { expect: 200, headers: { 'X-Missing': '.' } },
      ]),
    ).toMatch(/header X-Missing is missing/)
    expect(
      await run([
        { send: 'OPTIONS', uri: '[uri]' },
        { expect: 200, maxResponseMs: 0 },
      ]),
    ).toMatch(/answered after [\d.]+ ms, more than maxResponseMs 0/)
    expect(await run([{ send: 'OPTIONS', uri: '[nope]' }])).toMatch(/unknown variable \[nope\]/)
  })

  test('a malformed answer fails the step with the raw message; a silent far end times out naming the step', async () => {
    const far = createSocket('udp4')
    await new Promise<void>((r) => far.bind(0, '127.0.0.1', () => r()))
    let mode: 'garbage' | 'silent' = 'garbage'
    let received = 0
    far.on('message', (_m, rinfo) => {
      received++
      if (mode === 'garbage') far.send('SIP/2.0 200 OK\r\nVia SIP/2.0/UDP nowhere\r\n\r\n', rinfo.port, rinfo.address)
    })
    try {
      const target = { transport: 'udp' as const, host: '127.0.0.1', port: far.address().port }
      const e1 = await runSipFlow({ target, steps: [{ send: 'OPTIONS' }, { expect: 200 }] }).then(
        () => undefined,
        (e: unknown) => e as Error,
      )
      expect(e1?.message).toMatch(/failed at step 2 \(expect 200\): received a malformed SIP message: invalid sip at line 2/)
      expect(e1?.message).toContain('--- raw message ---\nSIP/2.0 200 OK\r\nVia SIP/2.0/UDP nowhere')
      mode = 'silent'
      received = 0
      const e2 = await runSipFlow({ target, timers: { t1: 50 }, steps: [{ send: 'OPTIONS' }, { expect: 200, timeoutMs: 400 }] }).then(
        () => undefined,
        (e: unknown) => e as Error,
      )
      expect(e2?.message).toMatch(/failed at step 2 \(expect 200\): timed out after 400 ms waiting for expect 200/)
      // Timer E resent the OPTIONS while waiting (at 50, 150, 350 ms): the far end got the original and 3 copies.
      expect(received).toBeGreaterThanOrEqual(3)
      expect(received).toBeLessThanOrEqual(5)
    } finally {
      far.close()
    }
  })
})

describe('call-flow Digest', () => {
  test('REGISTER answered 401, re-sent with credentials: 200; a wrong password: 403', async () => {
    await using registrar = await startSipRegistrar({ transports: ['udp'], users: { alice: 'secret' } })
    const target = { transport: 'udp' as const, ...registrar.udp }
    const vars = { uri: 'sip:rtcspec.test', from: 'sip:alice@rtcspec.test', to: 'sip:alice@rtcspec.test' }
    const steps = (password: string, final: number): FlowStep[] => [
      { send: 'REGISTER', uri: '[uri]', headers: { Expires: '60' } },
      { expect: 401, headers: { 'WWW-Authenticate': '^Digest .*qop="auth"' } },
      { send: 'REGISTER', uri: '[uri]', headers: { Expires: '60' }, auth: { username: 'alice', password } },
      { expect: final },
    ]
    await runSipFlow({ target, vars, steps: steps('secret', 200) })
    expect(registrar.bindings().map((b) => b.aor)).toEqual(['alice@rtcspec.test'])
    const err = await runSipFlow({ target, vars, steps: steps('wrong', 200) }).then(
      () => undefined,
      (e: unknown) => e as Error,
    )
    expect(err?.message).toMatch(/failed at step 4 \(expect 200\): unexpected 403 Forbidden \(wrong password for alice\)/)
    const noChallenge = await runSipFlow({ target, vars, steps: [{ send: 'REGISTER', uri: '[uri]', auth: { username: 'alice', password: 'secret' } }] }).then(
      () => undefined,
      (e: unknown) => e as Error,
    )
    expect(noChallenge?.message).toMatch(/no 401\/407 challenge was received before/)
  })
})

describe('call-flow in the UAS role', () => {
  test('a flow answers an rtcspec caller: reply 100/180/200 with SDP, ACK, media both ways, BYE → 200', async () => {
    let caller: Awaited<ReturnType<typeof createSipUserAgent>> | undefined
    let heard = false
    try {
      const result = await runSipFlow({
        name: 'answer alice',
        target: { transport: 'udp', host: '127.0.0.1', port: 0 },
        onReady: async ({ port }) => {
          caller = await createSipUserAgent({ uri: 'sip:alice@127.0.0.1', transport: { kind: 'udp', remote: { host: '127.0.0.1', port } }, media: 'rtp' })
          void caller.call(`sip:flow@127.0.0.1:${port}`, { send: tone(1100) }).then(async (call) => {
            const t = await call.peer.waitForTrack('audio', 5000)
            await t.waitForPackets(40, 5000)
            const { hasTone } = await import('./support.ts')
            heard = hasTone(t, 600)
            await call.hangup()
          })
        },
        steps: [
          { expect: 'INVITE', headers: { 'Content-Type': 'application/sdp' }, capture: { caller: { header: 'From', regex: 'sip:([^@]+)@' } } },
          { reply: 100 },
          { reply: 180 },
          { reply: 200, sdp: true },
          { expect: 'ACK' },
          { media: { send: tone(600), expect: { packetsAtLeast: 40, tone: 1100 } } },
          { expect: 'BYE', timeoutMs: 10_000 },
          { reply: 200 },
        ],
      })
      expect(result.vars.caller).toBe('alice')
      expect(heard).toBe(true)
      expect(result.log.entries.filter((e) => e.direction === 'out').map((e) => e.summary)).toEqual([
        '100 Trying (INVITE)',
        '180 Ringing (INVITE)',
        '200 OK (INVITE)',
        '200 OK (BYE)',
      ])
    } finally {
      await caller?.close()
    }
  })
})
