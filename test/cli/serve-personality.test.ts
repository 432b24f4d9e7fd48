/**
 * `rtcspec serve` with real-server behaviours: --personality (validated, did-you-mean on a typo), the flags it
 * stands for (explicit ones win), what the server prints (traits, the reset URL), and that the flags reach the
 * running server over HTTP.
 */
import { afterEach, describe, expect, test, vi } from 'vitest'
import { serveCommand, SERVE_USAGE } from '../../src/cli/serve.ts'
import { createWeriftPeer } from '../../src/peers/werift/peer.ts'
import { waitFor } from '../../src/wait.ts'
import { BUSY_BODY } from '../../src/whip/media-server.ts'
import { PERSONALITY_NAMES } from '../../src/whip/personalities.ts'

async function offer(codecs: string[]): Promise<string> {
  const peer = createWeriftPeer({ audio: 'sendonly', codecs })
  try {
    return (await peer.createOffer()).sdp
  } finally {
    await peer.close()
  }
}

/** Runs `rtcspec serve ...args` in-process until `stop()`; `out` collects what it prints. */
function serve(args: string[]): { done: Promise<number>; output: () => string; stop: () => Promise<number> } {
  let out = ''
  const ac = new AbortController()
  const done = serveCommand(args, { signal: ac.signal, out: (s) => (out += s) })
  return {
    done,
    output: () => out,
    stop: async () => {
      ac.abort()
      return done
    },
  }
}

/** Captures what `rtcspec serve` writes to stderr (usage errors). */
function captureStderr(): () => string {
  let err = ''
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    err += String(chunk)
    return true
  })
  return () => err
}

afterEach(() => {
  vi.restoreAllMocks()
})

describe('rtcspec serve personalities', () => {
  test('--help documents every flag and what each personality stands for', async () => {
    let out = ''
    expect(await serveCommand(['--help'], { out: (s) => (out += s) })).toBe(0)
    for (const flag of [
      '--personality',
      '--sessions-per-endpoint',
      '--busy-status',
      '--audio-codecs',
      '--ice-lite',
      '--stuck-on-malformed-offer',
      '--auth-failure-status',
      '--admin-reset',
    ]) {
      expect(out, flag).toContain(flag)
    }
    for (const name of PERSONALITY_NAMES) expect(out, name).toMatch(new RegExp(`^ +${name} += --`, 'm'))
    expect(out).toMatch(/one-session += --sessions-per-endpoint 1 --busy-status 403/)
    expect(out).toMatch(/stuck-500 += --stuck-on-malformed-offer --admin-reset/)
    expect(out).toBe(SERVE_USAGE)
  })

  test('--personality one-session,opus-only with an explicit --sessions-per-endpoint 2 and --admin-reset', async () => {
    const run = serve(['media', '--personality', 'one-session,opus-only', '--sessions-per-endpoint', '2', '--admin-reset'])
    try {
      await waitFor(() => /reset URL: (\S+)/.test(run.output()), { timeoutMs: 10_000, label: 'rtcspec serve to print its reset URL' })
      const out = run.output()
      expect(out).toContain('personalities: one-session, opus-only')
      expect(out).toContain('at most 2 session(s) per endpoint (busy: 403); audio codecs opus')
      const whip = /WHIP endpoint: (\S+)/.exec(out)?.[1] ?? ''
      const reset = /reset URL: (\S+)/.exec(out)?.[1] ?? ''
      const post = async (body: string) => {
        const res = await fetch(whip, { method: 'POST', headers: { 'Content-Type': 'application/sdp' }, body, signal: AbortSignal.timeout(10_000) })
        return { status: res.status, body: await res.text() }
      }
      const g711 = await post(await offer(['PCMU', 'PCMA']))
      expect(g711.status).toBe(400)
      expect(g711.body).toMatch(/this server takes audio opus/)
      const opus = await offer(['opus'])
      expect((await post(opus)).status).toBe(201)
      expect((await post(opus)).status).toBe(201)
      expect(await post(opus)).toEqual({ status: 403, body: `${BUSY_BODY}\n` })
      const r = await fetch(reset, { method: 'POST', signal: AbortSignal.timeout(5_000) })
      expect(r.status).toBe(204)
      expect((await post(opus)).status).toBe(201)
    } finally {
      expect(await run.stop()).toBe(0)
    }
    expect(run.output()).toMatch(/stopped\n$/)
  })

  test('--ice-lite, --stuck-on-malformed-offer, --auth-failure-status 403 and --busy-status reach the server', async () => {
    const run = serve(['whip', '--token', 'tk', '--ice-lite', '--stuck-on-malformed-offer', '--auth-failure-status', '403', '--busy-status', '403'])
    try {
      await waitFor(() => /WHIP endpoint: (\S+)/.test(run.output()), { timeoutMs: 10_000, label: 'rtcspec serve to print its URL' })
      const out = run.output()
      expect(out).toContain('Bearer token required (403 when missing or wrong)')
      expect(out).toContain('ICE-lite; stuck after an offer without a=ice-ufrag (500)')
      expect(out).not.toContain('reset URL')
      const whip = /WHIP endpoint: (\S+)/.exec(out)?.[1] ?? ''
      const sdp = await offer(['opus'])
      const post = async (body: string, token?: string) => {
        const res = await fetch(whip, {
          method: 'POST',
          headers: { 'Content-Type': 'application/sdp', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
          body,
          signal: AbortSignal.timeout(10_000),
        })
        return { status: res.status, body: await res.text() }
      }
      expect((await post(sdp)).status).toBe(403)
      const ok = await post(sdp, 'tk')
      expect(ok.status).toBe(201)
      expect(ok.body).toMatch(/^a=ice-lite\r?$/m)
      const noIce = sdp.replace(/^a=(ice-ufrag|ice-pwd):.*\r\n/gm, '')
      expect((await post(noIce, 'tk')).status).toBe(500)
      expect((await post(sdp, 'tk')).body.trim()).toBe(BUSY_BODY)
    } finally {
      expect(await run.stop()).toBe(0)
    }
  })

  test.each([
    [['--personality', 'one-sesion'], /unknown personality "one-sesion" \(did you mean "one-session"\?\)/],
    [['--personality', 'opus-only,icelite'], /unknown personality "icelite" \(did you mean "ice-lite"\?\)/],
    [['--audio-codecs', 'opus,pcmx'], /--audio-codecs: unknown codec "pcmx" \(did you mean PCMU\?\)/],
    [['--busy-status', '404'], /--busy-status "404": use 403 or 409/],
    [['--auth-failure-status', '409'], /--auth-failure-status "409": use 401 or 403/],
    [['--sessions-per-endpoint', '0'], /--sessions-per-endpoint "0" is not a whole number/],
  ])('%j is a usage error (exit 2)', async (args, message) => {
    const err = captureStderr()
    expect(await serveCommand(['media', ...args], { out: () => undefined })).toBe(2)
    expect(err()).toMatch(message)
  })
})
