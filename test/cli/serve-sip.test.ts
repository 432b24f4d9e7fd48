/**
 * `rtcspec serve sip` as a child process: it prints its URIs, two user agents register and call each other
 * through it, `--port` is honoured, and SIGTERM stops it leaving its ports free.
 */
import { spawn } from 'node:child_process'
import { createSocket } from 'node:dgram'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'
import { freePort } from '../../src/net/ports.ts'
import { tone } from '../../src/media/sources.ts'
import { createSipUserAgent } from '../../src/sipua/user-agent.ts'
import { waitFor } from '../../src/wait.ts'
import { hasTone } from '../sipua/support.ts'

const root = new URL('../../', import.meta.url).pathname

function tcpPortIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer()
    s.once('error', () => resolve(false))
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)))
  })
}

function udpPortIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createSocket('udp4')
    s.once('error', () => resolve(false))
    s.bind(port, '127.0.0.1', () => s.close(() => resolve(true)))
  })
}

function serve(args: string[]) {
  const child = spawn(process.execPath, [join(root, 'bin/rtcspec.mjs'), 'serve', 'sip', ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  child.stdout.on('data', (d: Buffer) => (out += d.toString()))
  child.stderr.on('data', (d: Buffer) => (err += d.toString()))
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)))
  return { child, exited, out: () => out, err: () => err }
}

describe('rtcspec serve sip', () => {
  test('--port: prints its URIs, UDP user agents call through it, a WebSocket one registers, SIGTERM frees the ports', async () => {
    const port = await freePort({ udp: true, tcp: true })
    const s = serve(['--port', String(port), '--transports', 'udp,tcp,ws'])
    try {
      await waitFor(() => /WS: +(\S+)/.test(s.out()), { timeoutMs: 15_000, label: 'rtcspec serve sip to print its URIs' })
      expect(s.out()).toContain(`UDP: sip:127.0.0.1:${port};transport=udp`)
      expect(s.out()).toContain(`TCP: sip:127.0.0.1:${port};transport=tcp`)
      expect(s.out()).not.toContain('WSS:')
      const wsUrl = /WS: +(\S+)/.exec(s.out())?.[1] ?? ''
      expect(wsUrl).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/)
      {
        await using alice = await createSipUserAgent({
          uri: 'sip:alice@rtcspec.test',
          transport: { kind: 'udp', remote: { host: '127.0.0.1', port } },
          media: 'rtp',
        })
        await using bob = await createSipUserAgent({
          uri: 'sip:bob@rtcspec.test',
          transport: { kind: 'udp', remote: { host: '127.0.0.1', port } },
          media: 'rtp',
        })
        await using carol = await createSipUserAgent({ uri: 'sip:carol@rtcspec.test', transport: { kind: 'ws', url: wsUrl } })
        await bob.register()
        await carol.register()
        bob.autoAnswer({ send: tone(900) })
        const call = await alice.call('sip:bob@rtcspec.test', { timeoutMs: 10_000 })
        const track = await call.peer.waitForTrack('audio', 10_000)
        await track.waitForPackets(25, 10_000)
        expect(hasTone(track, 900)).toBe(true)
        await call.hangup()
        expect(call.messages().map((m) => m.summary)).toContain('200 OK (BYE)')
      }
      s.child.kill('SIGTERM')
      expect(await s.exited).toBe(0)
      expect(s.out()).toMatch(/stopped/)
      expect(await udpPortIsFree(port)).toBe(true)
      expect(await tcpPortIsFree(port)).toBe(true)
      expect(await tcpPortIsFree(Number(new URL(wsUrl).port))).toBe(true)
    } finally {
      if (s.child.exitCode === null) s.child.kill('SIGKILL')
    }
  }, 60_000)

  test('bad arguments exit 2 naming the problem; a taken port exits 1', async () => {
    const bad = serve(['--transports', 'udp,sctp'])
    expect(await bad.exited).toBe(2)
    expect(bad.err()).toMatch(/--transports "udp,sctp": use a comma-separated list of udp, tcp, ws, wss/)
    const blocker = createSocket('udp4')
    await new Promise<void>((r) => blocker.bind(0, '127.0.0.1', () => r()))
    try {
      const taken = serve(['--port', String(blocker.address().port), '--transports', 'udp'])
      expect(await taken.exited).toBe(1)
      expect(taken.err()).toMatch(/EADDRINUSE|in use/i)
    } finally {
      blocker.close()
    }
  }, 30_000)
})
