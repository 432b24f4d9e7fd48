import { once } from 'node:events'
import { connect as tcpConnect } from 'node:net'
import { afterEach, describe, expect, test, vi } from 'vitest'
import { waitFor, withTimeout } from '../../src/wait.ts'
import { Retransmitter } from '../../src/sipua/retransmit.ts'
import { startSipRegistrar } from '../../src/sipua/registrar.ts'
import { createSipUserAgent } from '../../src/sipua/user-agent.ts'
import { tone } from '../../src/media/sources.ts'
import { hasTone } from './support.ts'

const invite = (branch: string) => `INVITE sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=${branch}\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n`
const options = (branch: string) => `OPTIONS sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=${branch}\r\nCSeq: 2 OPTIONS\r\nContent-Length: 0\r\n\r\n`
const response = (status: string, branch: string, method: string) =>
  `SIP/2.0 ${status}\r\nVia: SIP/2.0/UDP h;branch=${branch}\r\nCSeq: 1 ${method}\r\nContent-Length: 0\r\n\r\n`

describe('RFC 3261 retransmission timers (UDP)', () => {
  afterEach(() => {
    vi.useRealTimers()
  })

  test('Timer A doubles until any response; Timer B gives up at 64·T1', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] })
    const sent: number[] = []
    const r = new Retransmitter(() => sent.push(performance.now()), { t1: 100, t2: 400 })
    r.sent(invite('z9hG4bKa'))
    vi.advanceTimersByTime(1600)
    expect(sent).toEqual([100, 300, 700, 1500])
    r.received(response('100 Trying', 'z9hG4bKa', 'INVITE'))
    vi.advanceTimersByTime(10_000)
    expect(sent).toHaveLength(4)
    r.sent(invite('z9hG4bKb'))
    vi.advanceTimersByTime(20_000)
    expect(r.counters.timeouts).toBe(1)
    expect(r.pending).toBe(0)
  })

  test('Timer E doubles up to T2, continues at T2 after a provisional, stops at the final response', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] })
    const sent: number[] = []
    const r = new Retransmitter(() => sent.push(performance.now()), { t1: 100, t2: 400 })
    r.sent(options('z9hG4bKc'))
    vi.advanceTimersByTime(1500)
    // 100, 300 (+200), 700 (+400), 1100 (+400, capped at T2), 1500
    expect(sent).toEqual([100, 300, 700, 1100, 1500])
    r.received(response('200 OK', 'z9hG4bKc', 'OPTIONS').replace('1 OPTIONS', '2 OPTIONS'))
    vi.advanceTimersByTime(5000)
    expect(sent).toHaveLength(5)
  })

  test('Timer G resends a non-2xx final INVITE response until the ACK', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] })
    const sent: number[] = []
    const r = new Retransmitter(() => sent.push(performance.now()), { t1: 100, t2: 400 })
    r.sent(response('486 Busy Here', 'z9hG4bKd', 'INVITE'))
    vi.advanceTimersByTime(800)
    expect(sent).toEqual([100, 300, 700])
    r.received(`ACK sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKd\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n`)
    vi.advanceTimersByTime(5000)
    expect(sent).toHaveLength(3)
  })
})

describe('SIP over TCP', () => {
  test('REGISTER and a plain-RTP call through the registrar over TCP (Content-Length framing)', async () => {
    await using registrar = await startSipRegistrar({ transports: ['tcp'] })
    const transport = { kind: 'tcp' as const, remote: registrar.tcp }
    await using alice = await createSipUserAgent({ uri: 'sip:alice@rtcspec.test', transport, media: 'rtp' })
    await using bob = await createSipUserAgent({ uri: 'sip:bob@rtcspec.test', transport, media: 'rtp' })
    await bob.register()
    bob.autoAnswer({ send: tone(900) })
    const call = await alice.call('sip:bob@rtcspec.test')
    const track = await call.peer.waitForTrack('audio', 5000)
    await track.waitForPackets(25, 5000)
    expect(hasTone(track, 900)).toBe(true)
    await call.hangup()
    expect(registrar.log.entries.every((e) => e.transport === 'TCP')).toBe(true)
    expect(call.messages().map((m) => m.summary)).toContain('200 OK (BYE)')
  })

  test('the registrar answers a CRLF CRLF ping with a pong, and closes a stream it cannot frame after recording it', async () => {
    await using registrar = await startSipRegistrar({ transports: ['tcp'] })
    const socket = tcpConnect(registrar.tcp)
    try {
      await withTimeout(once(socket, 'connect'), 5000, 'TCP connect to the registrar')
      let received = ''
      socket.on('data', (d: Buffer) => (received += d.toString('latin1')))
      const closed = once(socket, 'close')
      socket.write('\r\n\r\n')
      await waitFor(() => received === '\r\n', { timeoutMs: 5000, label: 'a CRLF pong from the registrar' })
      socket.write('OPTIONS sip:registrar SIP/2.0\r\nCall-ID: no-length\r\n\r\n')
      await withTimeout(closed, 5000, 'the registrar to close the unframeable stream')
      expect(registrar.log.entries.at(-1)?.error).toMatch(/no Content-Length/)
    } finally {
      socket.destroy()
    }
  })
})
