/** The services layer's pure parts and its error messages (no service is started here). */
import { createSocket } from 'node:dgram'
import { afterEach, describe, expect, test } from 'vitest'
import { freePort, freeUdpPortRange } from '../../src/net/ports.ts'
import { turnProbeTarget } from '../../src/peers/werift/turn-diagnosis.ts'
import { parseCoturnUsage, startCoturn, COTURN_PROVIDER_SPEC } from '../../src/services/coturn.ts'
import { plainRtpSdp, udpPortBound } from '../../src/services/ffmpeg.ts'
import { ServiceLog } from '../../src/services/logs.ts'
import { autoProvider, resolveProvider } from '../../src/services/provider.ts'

describe('parseCoturnUsage', () => {
  test('joins each closed session with its peer usage line', () => {
    const lines = [
      '2: : session 001000000000000004: peer usage: realm=<rtcspec.test>, username=<alice>, rp=60, rb=10544, sp=59, sb=10382',
      '2: : session 001000000000000004: closed (2nd stage), user <alice> realm <rtcspec.test> origin <>, local 127.0.0.1:50466, remote 127.0.0.1:48528, reason: TCP socket buffer operation error (callback)',
      '3: : session 000000000000000009: closed (2nd stage), user <bob> realm <rtcspec.test> origin <>, local 127.0.0.1:40139, remote 127.0.0.1:53762, reason: allocation timeout',
    ]
    expect(parseCoturnUsage(lines)).toEqual([
      {
        session: '001000000000000004',
        username: 'alice',
        listener: '127.0.0.1:50466',
        client: '127.0.0.1:48528',
        peer: { rp: 60, rb: 10544, sp: 59, sb: 10382 },
        reason: 'TCP socket buffer operation error (callback)',
      },
      {
        session: '000000000000000009',
        username: 'bob',
        listener: '127.0.0.1:40139',
        client: '127.0.0.1:53762',
        peer: { rp: 0, rb: 0, sp: 0, sb: 0 },
        reason: 'allocation timeout',
      },
    ])
  })
})

describe('turnProbeTarget', () => {
  test('reads host, port and transport the way werift does', () => {
    expect(turnProbeTarget('turn:127.0.0.1:3478?transport=udp')).toEqual({ host: '127.0.0.1', port: 3478, transport: 'udp' })
    expect(turnProbeTarget('turn:127.0.0.1:5000?transport=tcp')).toEqual({ host: '127.0.0.1', port: 5000, transport: 'tcp' })
    expect(turnProbeTarget('turns:127.0.0.1:5349?transport=tcp')).toEqual({ host: '127.0.0.1', port: 5349, transport: 'tls' })
    expect(turnProbeTarget('turns:[::1]')).toEqual({ host: '::1', port: 5349, transport: 'tls' })
    expect(turnProbeTarget('turn:example.org')).toEqual({ host: 'example.org', port: 3478, transport: 'udp' })
    expect(turnProbeTarget('stun:127.0.0.1')).toBeUndefined()
  })
})

describe('ServiceLog', () => {
  test('splits chunks into lines per stream, notifies listeners, caps memory', () => {
    const log = new ServiceLog(30)
    const seen: string[] = []
    log.onLine((l) => seen.push(l))
    log.push('out', 'one\ntw')
    log.push('err', 'x\r\n')
    log.push('out', 'o\nthree is a longer line\n')
    expect(seen).toEqual(['one', 'x', 'two', 'three is a longer line'])
    expect(log.dropped).toBeGreaterThan(0)
    expect(log.text()).toMatch(/earlier lines dropped[\s\S]*three is a longer line\n$/)
    log.push('out', 'tail without newline')
    log.flush()
    expect(log.tail(1)).toBe('tail without newline')
  })
})

describe('free ports', () => {
  const open: Array<() => void> = []
  afterEach(() => open.splice(0).forEach((c) => c()))
  test('freePort gives a port bindable on UDP and TCP; freeUdpPortRange gives consecutive bindable ports', async () => {
    const p = await freePort({ udp: true, tcp: true })
    const s = createSocket('udp4')
    await new Promise<void>((r) => s.bind(p, '127.0.0.1', () => r()))
    open.push(() => s.close())
    expect(udpPortBound(p)).toBe(true)
    const { min, max } = await freeUdpPortRange(4)
    expect(max - min).toBe(3)
    expect(udpPortBound(min)).toBe(false)
  })
})

describe('plainRtpSdp', () => {
  test('describes one RTP stream towards a loopback port', () => {
    const sdp = plainRtpSdp({ kind: 'audio', port: 5004, payloadType: 111, encoding: 'opus', clockRate: 48000, channels: 2 })
    expect(sdp.split('\r\n')).toEqual([
      'v=0',
      'o=- 0 0 IN IP4 127.0.0.1',
      's=rtcspec',
      'c=IN IP4 127.0.0.1',
      't=0 0',
      'm=audio 5004 RTP/AVP 111',
      'a=rtpmap:111 opus/48000/2',
      'a=recvonly',
      '',
    ])
    expect(
      plainRtpSdp({ kind: 'video', port: 6000, payloadType: 96, encoding: 'H264', clockRate: 90000, fmtp: 'packetization-mode=1', host: '::1' }),
    ).toContain('c=IN IP6 ::1\r\nt=0 0\r\nm=video 6000 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=fmtp:96 packetization-mode=1')
  })
})

describe('provider selection errors name the fix', () => {
  const saved = { ...process.env }
  afterEach(() => {
    process.env = { ...saved }
  })
  test('local without the binary', async () => {
    process.env.PATH = '/nonexistent'
    await expect(resolveProvider(COTURN_PROVIDER_SPEC, 'local')).rejects.toThrow(
      /provider local, but turnserver is not on PATH[\s\S]*apt-get install -y coturn/,
    )
  })
  test('external without its variable, and an unknown provider', async () => {
    delete process.env.RTCSPEC_TURN_SERVERS
    await expect(resolveProvider(COTURN_PROVIDER_SPEC, 'external')).rejects.toThrow(/needs RTCSPEC_TURN_SERVERS/)
    await expect(resolveProvider(COTURN_PROVIDER_SPEC, 'podman' as never)).rejects.toThrow(/invalid provider "podman"[\s\S]*auto, docker, local, external/)
  })
  test('RTCSPEC_COTURN_PROVIDER overrides auto; auto prefers external, then docker, then local', async () => {
    process.env.RTCSPEC_COTURN_PROVIDER = 'external'
    process.env.RTCSPEC_TURN_SERVERS = 'turn:u:p@127.0.0.1:3478'
    expect(await resolveProvider(COTURN_PROVIDER_SPEC, undefined)).toBe('external')
    const s = (provider: 'docker' | 'local' | 'external', usable: boolean) => ({ provider, usable, detail: '', hint: undefined })
    expect(autoProvider([s('docker', true), s('local', true), s('external', false)])).toBe('docker')
    expect(autoProvider([s('docker', false), s('local', true), s('external', false)])).toBe('local')
    expect(autoProvider([s('docker', true), s('local', true), s('external', true)])).toBe('external')
    expect(autoProvider([s('docker', false), s('local', false), s('external', false)])).toBeUndefined()
  })
  test('an external coturn hands out the user’s own entries, filtered by transport', async () => {
    process.env.RTCSPEC_TURN_SERVERS = 'turn:u:p@127.0.0.1:3478?transport=udp, turns:u:p@127.0.0.1:5349'
    const turn = await startCoturn({ provider: 'external' })
    expect(turn.provider).toBe('external')
    expect(turn.transports).toEqual(['udp', 'tls'])
    expect(turn.iceServers({ transports: ['tls'] })).toEqual([{ urls: 'turns:127.0.0.1:5349', username: 'u', credential: 'p' }])
    expect(() => turn.iceServers({ transports: ['tcp'] })).toThrow(/no tcp listener/)
    await turn.close()
  })
})

describe('coturn options are validated', () => {
  test('bad users and secrets are refused with the field named', async () => {
    await expect(startCoturn({ users: [{ username: 'a:b', password: 'x' }] })).rejects.toThrow(/users\[0\]\.username: username must not contain ":"/)
    await expect(startCoturn({ secret: 'short' })).rejects.toThrow(/secret: secret must be at least 8 characters/)
    await expect(startCoturn({ relayPorts: 2 })).rejects.toThrow(/relayPorts/)
  })
})
