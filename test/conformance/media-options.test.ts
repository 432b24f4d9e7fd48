/**
 * What the media check offers and reports, and its network options: Opus/PCMU/PCMA plus VP8/H.264 video in
 * one MediaStream, the codecs the answer took in `measured`, an audio-only retry when a server refuses the
 * offer with video, media relayed through TURN (`--ice-server` + `--relay-only`), and the flag checks of
 * `rtcspec conformance`. Everything runs on 127.0.0.1.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { conformanceCommand } from '../../src/cli/conformance.ts'
import { formatTable } from '../../src/conformance/report.ts'
import { runConformance } from '../../src/conformance/runner.ts'
import { startCoturn, type CoturnService } from '../../src/services/coturn.ts'
import { startMediaServer } from '../../src/whip/media-server.ts'
import { requireTool } from '../support/requires.ts'

function body(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let s = ''
    req.on('data', (b: Buffer) => (s += b.toString()))
    req.on('end', () => resolve(s))
  })
}

/** A proxy in front of `target` (same paths) that answers any POSTed offer with a video section 400. */
async function noVideoProxy(target: string): Promise<{ url: (path: string) => string; posts: string[]; close(): Promise<void> }> {
  const posts: string[] = []
  const server: Server = createServer(async (req, res) => {
    const text = await body(req)
    if (req.method === 'POST') posts.push(text)
    if (req.method === 'POST' && /^m=video/m.test(text)) {
      res.writeHead(400, { 'Content-Type': 'text/plain' })
      res.end('video is not supported here')
      return
    }
    const headers: Record<string, string> = {}
    for (const h of ['content-type', 'if-match', 'authorization']) if (typeof req.headers[h] === 'string') headers[h] = req.headers[h] as string
    const r = await fetch(new URL(req.url ?? '/', target), {
      method: req.method ?? 'GET',
      headers,
      ...(text ? { body: text } : {}),
      redirect: 'manual',
      signal: AbortSignal.timeout(5_000),
    })
    const out: Record<string, string> = {}
    for (const h of ['content-type', 'location', 'etag', 'link', 'accept-patch']) {
      const v = r.headers.get(h)
      if (v !== null) out[h] = v
    }
    res.writeHead(r.status, out)
    res.end(await r.text())
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return { url: (path) => `${base}${path}`, posts, close: () => new Promise((r) => server.close(() => r())) }
}

describe('media check offer and measured', () => {
  test('the offer: Opus first, then PCMU, PCMA; VP8 and H.264 video in the same MediaStream; measured says what the answer took', async () => {
    await using srv = await startMediaServer()
    const report = await runConformance({ suite: 'whip', url: srv.whipUrl(), whepUrl: srv.whepUrl(), only: ['whip.media'] })
    const r = report.results[0]
    expect(r?.status, formatTable(report)).toBe('pass')
    const post = r?.detail.exchanges.find((x) => x.request.method === 'POST')
    const offer = post?.request.body ?? ''
    expect(offer).toMatch(/^m=audio 9 \S+ 111 0 8 /m)
    expect(offer).toMatch(/^a=rtpmap:111 opus\/48000\/2/m)
    expect(offer).toMatch(/^m=video 9 \S+ 96 102/m)
    expect(offer).toMatch(/^a=fmtp:102 packetization-mode=1;profile-level-id=42e01f/m)
    const streams = new Set([...offer.matchAll(/^a=msid:(\S+) /gm)].map((m) => m[1]))
    expect(streams.size).toBe(1)
    // The reference server prefers PCMU and takes VP8 (its own order).
    expect(r?.detail.measured).toMatchObject({ audioCodec: 'PCMU', videoCodec: 'VP8', remoteAddresses: 'loopback', viewerAudioCodec: 'PCMU' })
  }, 60_000)

  test('a server that refuses the offer with video (400) gets an audio-only offer; measured says so', async () => {
    await using srv = await startMediaServer()
    const proxy = await noVideoProxy(srv.url)
    try {
      const report = await runConformance({ suite: 'whip', url: proxy.url('/whip/live'), whepUrl: srv.whepUrl(), only: ['whip.media'] })
      const r = report.results[0]
      expect(r?.status, formatTable(report)).toBe('pass')
      expect(proxy.posts.filter((p) => /^m=video/m.test(p))).toHaveLength(1)
      expect(proxy.posts.filter((p) => !/^m=video/m.test(p))).toHaveLength(1)
      expect(r?.detail.measured?.videoCodec).toBe('the offer with video was refused (400); the audio-only offer was used')
    } finally {
      await proxy.close()
    }
  }, 60_000)
})

const noTurn = requireTool('turnserver')

describe.skipIf(noTurn)('media check through TURN', () => {
  let turn: CoturnService | undefined
  beforeAll(async () => {
    turn = await startCoturn({ provider: 'local', users: [{ username: 'conf', password: 'conf-pw' }] })
  }, 30_000)
  afterAll(async () => {
    await turn?.close()
  })

  test('--ice-server turn:… --relay-only: the published tone is detected, the selected pairs are relay', async () => {
    await using srv = await startMediaServer()
    const t = turn as CoturnService
    const udp = t.iceServers({ transports: ['udp'] })[0]
    expect(udp).toBeDefined()
    const spec = `${String(udp?.urls)},${udp?.username},${udp?.credential}`
    let out = ''
    const dir = mkdtempSync(join(tmpdir(), 'rtcspec-conf-turn-'))
    let code: number
    try {
      code = await conformanceCommand(
        [
          'whip',
          '--url',
          srv.whipUrl(),
          '--whep-url',
          srv.whepUrl(),
          '--only',
          'whip.media',
          '--ice-server',
          spec,
          '--relay-only',
          '--json',
          '--report-dir',
          dir,
        ],
        { out: (s) => (out += s), err: (s) => (out += s) },
      )
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
    const report = JSON.parse(out.slice(out.indexOf('{'))) as {
      results: Array<{ status: string; detail: { reason: string; measured?: Record<string, string> } }>
    }
    const r = report.results[0]
    expect(r?.status, r?.detail.reason).toBe('pass')
    expect(code).toBe(0)
    expect(r?.detail.measured?.selectedPair).toMatch(/ relay → /)
    expect(r?.detail.measured?.viewerSelectedPair).toMatch(/ relay → /)
  }, 90_000)
})

describe('rtcspec conformance network flags', () => {
  const url = 'http://127.0.0.1:9/whip/x'
  async function usage(args: string[]): Promise<{ code: number; err: string }> {
    let err = ''
    const code = await conformanceCommand(['whip', '--url', url, ...args], { out: () => undefined, err: (s) => (err += s) })
    return { code, err }
  }

  test('--relay-only without a TURN server, a bad --ice-server, a bad --remote-addresses: exit 2 naming the problem', async () => {
    expect(await usage(['--relay-only'])).toMatchObject({ code: 2, err: expect.stringContaining('--relay-only needs a TURN server') })
    expect(await usage(['--relay-only', '--ice-server', 'stun:127.0.0.1:3478'])).toMatchObject({
      code: 2,
      err: expect.stringContaining('--relay-only needs a TURN server'),
    })
    expect(await usage(['--ice-server', 'turn:127.0.0.1:3478'])).toMatchObject({ code: 2, err: expect.stringContaining('--ice-server') })
    expect(await usage(['--ice-server', 'http://x'])).toMatchObject({ code: 2 })
    expect(await usage(['--remote-addresses', 'lan'])).toMatchObject({ code: 2, err: expect.stringContaining('must be loopback or any') })
  })

  test('runConformance: relayOnly without a TURN server is invalid options', async () => {
    await expect(runConformance({ suite: 'whip', url, relayOnly: true })).rejects.toThrow(/relayOnly needs a TURN server/)
    await expect(runConformance({ suite: 'whip', url, relayOnly: true, iceServers: [{ urls: 'stun:127.0.0.1' }] })).rejects.toThrow(
      /relayOnly needs a TURN server/,
    )
  })
})
