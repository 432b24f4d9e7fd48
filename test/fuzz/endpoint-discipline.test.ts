/**
 * The fuzzer against servers that behave like real ones (the reference server's personalities): one live
 * session per endpoint (403 when busy), Opus only, and a bug that answers 500 to an offer without
 * a=ice-ufrag and leaves the endpoint stuck until reset. The fuzzer must leave no session behind, never
 * report its own G.711 offer or leaked sessions as the server's fault, report the stuck endpoint as the
 * finding of the case that caused it, and only count findings that reproduce from a known-good endpoint.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCampaign, replayOnKnownGood, type CampaignResult, type Finding } from '../../src/fuzz/campaign.ts'
import { casesPerSecond, findingSignature, normaliseMessage, violationsOf } from '../../src/fuzz/findings.ts'
import { campaignExitCode, formatCampaignSummary, loadFuzzCaseFile, saveCounterexample } from '../../src/fuzz/report.ts'
import { endpointReset } from '../../src/fuzz/reset.ts'
import { NoCommonCodecError, openSession } from '../../src/fuzz/session.ts'
import type { FuzzTarget } from '../../src/fuzz/target.ts'
import { httpOfferTarget, validSessionWorks, type OfferPostSpec } from '../../src/fuzz/targets/http-offer.ts'
import { trickleTarget } from '../../src/fuzz/targets/trickle.ts'
import { safeParseSdp } from '../../src/sdp/parse.ts'
import { iceUfrag, mediaLine } from '../../src/sdp/media.ts'
import { startMediaServer } from '../../src/whip/media-server.ts'

/** Fixed seed: its third generated WHIP offer lacks a=ice-ufrag. */
const SEED = 7
/** Request timeout of the campaigns here: generous, on a shared machine (latency is not what is tested). */
const TIMEOUT_MS = 10_000

let dir: string
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rtcspec-fuzz-endpoint-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const summary = (r: CampaignResult) => formatCampaignSummary(r)

/** Whether every media section of `sdp` lacks ICE credentials' ufrag (the offer the stuck-500 bug chokes on). */
function lacksIceUfrag(sdp: string): boolean {
  const p = safeParseSdp(sdp)
  if (!p.ok || p.value.media.length === 0) return false
  return p.value.media.some((m) => mediaLine(m).port !== 0 && !iceUfrag(m, p.value))
}

/**
 * A WHIP front that forwards to `upstream` and rewrites a 201's SDP answer (as an Opus-only server answers
 * G.711 with a=inactive). Resource URLs stay relative, so DELETEs come through it too.
 */
async function startAnswerRewriter(upstream: string, rewrite: (sdp: string) => string) {
  const up = new URL(upstream)
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const headers: Record<string, string> = {}
      for (const h of ['content-type', 'if-match']) if (typeof req.headers[h] === 'string') headers[h] = req.headers[h]
      const fwd = httpRequest({ host: up.hostname, port: up.port, path: req.url, method: req.method, headers, agent: false }, (r) => {
        const body: Buffer[] = []
        r.on('data', (c: Buffer) => body.push(c))
        r.on('end', () => {
          let text = Buffer.concat(body).toString('utf8')
          if (r.statusCode === 201 && text.startsWith('v=0')) text = rewrite(text)
          const out: Record<string, string> = {}
          for (const h of ['content-type', 'location', 'etag']) if (typeof r.headers[h] === 'string') out[h] = r.headers[h]
          res.writeHead(r.statusCode ?? 502, out).end(text)
        })
      })
      fwd.on('error', () => res.writeHead(502).end())
      fwd.end(Buffer.concat(chunks))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}${up.pathname}`,
    async [Symbol.asyncDispose]() {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}

describe('finding signatures and cases per second', () => {
  it('the same fault with other ids, ports and timings has one signature; kind and status tell findings apart', () => {
    const a = findingSignature('invariant', '500', 'POST offer: session 3f9a2c41d0e8 failed after 5012 ms on port 40123')
    const b = findingSignature('invariant', '500', 'POST offer: session 77be01aa93c4 failed after 498 ms on port 9')
    expect(a).toBe(b)
    expect(a).toBe('invariant|500|post offer: session … failed after # ms on port #')
    expect(findingSignature('invariant', '502', 'POST offer: session 3f9a2c41d0e8 failed after 5012 ms on port 40123')).not.toBe(a)
    expect(findingSignature('endpoint-unusable', '500', 'POST offer: session 3f9a2c41d0e8 failed after 5012 ms on port 40123')).not.toBe(a)
    expect(normaliseMessage('Endpoint  ID\nalready in use')).toBe('endpoint id already in use')
    const outcome = {
      response: '500',
      violations: ['POST offer: answered 500'],
      endpoint: { usable: false, status: '403', body: 'Endpoint ID already in use', message: 'a valid offer was answered 403' },
    }
    expect(violationsOf(outcome).map((v) => v.kind)).toEqual(['invariant', 'endpoint-unusable'])
    expect(violationsOf({ ...outcome, endpoint: { ...outcome.endpoint, usable: true } }).map((v) => v.kind)).toEqual(['invariant'])
  })

  it('cases per second is cases over the generation time, to one decimal', () => {
    expect(casesPerSecond(50, 2000)).toBe(25)
    expect(casesPerSecond(1, 3000)).toBe(0.3)
    expect(casesPerSecond(7, 1000)).toBe(7)
    expect(casesPerSecond(0, 1000)).toBe(0)
    expect(casesPerSecond(10, 0)).toBe(0)
  })

  it('a campaign counts repeats of one fault as one finding, with its first case, and reports cases/s', async () => {
    const sent: number[] = []
    const target: FuzzTarget<number> = {
      name: 'multiples',
      description: 'rejects multiples of 3 with a fresh id each time',
      invariants: ['multiples of 3 are accepted'],
      arbitrary: fc.integer({ min: 0, max: 99 }),
      toCase: (n) => ({ kind: 'number', fields: { n: String(n) } }),
      run: async (c) => {
        const n = Number(c.fields.n)
        if (sent.length < 60) sent.push(n)
        return n % 3 === 0
          ? { response: '500', violations: [`value ${n} refused by worker ${Math.random().toString(16).slice(2, 12)}`] }
          : { response: '200', violations: [] }
      },
    }
    // rate-limited so the generation time is long enough for a 1 % comparison (ms are rounded)
    const r = await runCampaign(target, { runs: 60, seed: SEED, ratePerSecond: 200 })
    expect(r.cases).toBe(60)
    const failing = sent.filter((n) => n % 3 === 0)
    expect(failing.length).toBeGreaterThan(1)
    expect(r.findings, summary(r)).toHaveLength(1)
    const f = r.findings[0]!
    expect(f.count).toBe(failing.length)
    expect(f.firstCase).toBe(sent.findIndex((n) => n % 3 === 0) + 1)
    expect(f.verdict).toBe('reproduced')
    expect(f.counterexample.input).toBe(0) // shrunk to the smallest multiple of 3
    expect(r.casesPerSecond).toBeGreaterThan(0)
    const expected = r.cases / (r.generationMs / 1000)
    expect(Math.abs(r.casesPerSecond - expected) / expected).toBeLessThan(0.01)
    expect(summary(r)).toContain(`${r.casesPerSecond} cases/s`)
    expect(summary(r)).toMatch(new RegExp(`×${failing.length}, first at case ${f.firstCase}`))
  })
})

describe('one session per endpoint, Opus only', () => {
  it('a WHIP campaign (probe after every case, health checks) finds nothing and leaves no session behind', async () => {
    await using server = await startMediaServer({ personalities: ['one-session', 'opus-only'] })
    const r = await runCampaign(httpOfferTarget({ mode: 'whip', url: server.whipUrl(), timeoutMs: TIMEOUT_MS }), {
      runs: 30,
      seconds: 30,
      seed: SEED,
      checkEvery: 15,
    })
    expect(r.blocked, summary(r)).toBeUndefined()
    expect(r.findings, summary(r)).toEqual([])
    expect(r.healthViolations, summary(r)).toEqual([])
    expect(r.healthInconclusive, summary(r)).toEqual([])
    expect(r.distribution['201'], 'offers were taken (and their sessions deleted, or the next would be refused)').toBeGreaterThan(0)
    expect(server.sessions.size, 'live sessions after the campaign').toBe(0)
    expect(
      server.events.filter((e) => e.type === 'endpoint-busy'),
      'no POST was refused as busy',
    ).toEqual([])
    expect(campaignExitCode(r)).toBe(0)
  }, 90_000)

  it('a trickle campaign runs to completion with no finding and leaves no session behind', async () => {
    await using server = await startMediaServer({ personalities: ['one-session', 'opus-only'] })
    const t = trickleTarget({ url: server.whipUrl(), timeoutMs: TIMEOUT_MS })
    try {
      const r = await runCampaign(t, { runs: 20, seconds: 30, seed: SEED })
      expect(r.blocked, summary(r)).toBeUndefined()
      expect(r.cases).toBe(20)
      expect(r.findings, summary(r)).toEqual([])
      expect(r.healthViolations, summary(r)).toEqual([])
      expect(r.distribution['204'], summary(r)).toBeGreaterThan(0)
      expect(server.sessions.size, 'live sessions after the campaign').toBe(0)
      expect(
        server.events.filter((e) => e.type === 'endpoint-busy'),
        'no POST was refused as busy',
      ).toEqual([])
    } finally {
      await t.close?.()
    }
  }, 90_000)

  it('an answer with no media accepted is reported as exactly that, and the session it created is deleted', async () => {
    await using server = await startMediaServer({ personalities: ['one-session', 'opus-only'] })
    // an Opus-only server answering a G.711 offer: 201 with the audio section inactive
    await using front = await startAnswerRewriter(server.whipUrl(), (sdp) => sdp.replace(/^a=(recvonly|sendonly|sendrecv)$/m, 'a=inactive'))
    const e = await openSession(front.url, { mode: 'whip', timeoutMs: TIMEOUT_MS }).catch((x: unknown) => x)
    expect(e).toBeInstanceOf(NoCommonCodecError)
    expect((e as Error).message).toMatch(/^no media accepted: offered opus,PCMU,PCMA; the answer set the audio section inactive/)
    expect(server.sessions.size, 'the 201 session was deleted when the answer proved unusable').toBe(0)
    const health = await validSessionWorks(front.url, 'whip', { timeoutMs: TIMEOUT_MS })
    expect(health.violations).toEqual([])
    expect(health.inconclusive.join()).toMatch(/could not be checked: no media accepted/)
    // and a session straight to the server is free to be had: nothing holds the one slot
    await using s = await openSession(server.whipUrl(), { mode: 'whip', timeoutMs: TIMEOUT_MS })
    expect(s.response.status).toBe(201)
  }, 60_000)
})

describe('reset hooks', () => {
  it('a command must exit 0 within its timeout (its process group is killed after), a URL must answer 2xx', async () => {
    await expect(endpointReset({ cmd: 'exit 0' })!()).resolves.toBeUndefined()
    await expect(endpointReset({ cmd: 'echo broken >&2; exit 3' })!()).rejects.toThrow(/reset command exited 3: .* — broken/)
    const started = performance.now()
    await expect(endpointReset({ cmd: 'sleep 30 & wait', timeoutMs: 300 })!()).rejects.toThrow(/did not finish within 300 ms/)
    expect(performance.now() - started).toBeLessThan(10_000)
    expect(endpointReset({})).toBeUndefined()
    expect(() => endpointReset({ url: 'http://192.0.2.1/reset' })).toThrow(/not on loopback/)
    await using server = await startMediaServer({ personalities: ['stuck-500'], adminReset: false })
    await expect(endpointReset({ url: server.resetUrl })!()).rejects.toThrow(/answered 404[\s\S]*2xx expected/)
  })

  it('--reset-cmd brings a stuck endpoint back before a replay', async () => {
    await using server = await startMediaServer({ personalities: ['one-session', 'stuck-500'] })
    const target = httpOfferTarget({ mode: 'whip', url: server.whipUrl(), timeoutMs: TIMEOUT_MS })
    const stuck = {
      kind: 'http-offer',
      fields: {
        contentType: 'application/sdp',
        sdp: 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=rtpmap:111 opus/48000/2\r\n',
      },
    }
    const noHook = await replayOnKnownGood(target, stuck)
    expect(noHook.ready.ok).toBe(true)
    expect(noHook.outcome?.response).toBe('500')
    expect(noHook.outcome?.endpoint).toMatchObject({ usable: false, status: '403' })
    expect((await replayOnKnownGood(target, stuck)).ready).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/answered 403.*no reset hook is configured/),
    })
    const cmd = `"${process.execPath}" -e "fetch(process.argv[1], { method: 'POST' }).then((r) => process.exit(r.ok ? 0 : 1))" ${server.resetUrl}`
    const again = await replayOnKnownGood(target, stuck, { reset: endpointReset({ cmd })! })
    expect(again.ready.ok).toBe(true)
    expect(violationsOf(again.outcome!).map((v) => v.kind)).toEqual(['invariant', 'endpoint-unusable'])
    await server.reset()
  }, 60_000)
})

describe('a server that a malformed offer leaves stuck (stuck-500, one session)', () => {
  const personalities = ['one-session', 'opus-only', 'stuck-500'] as const

  it('with a reset URL: the endpoint-unusable finding names the malformed offer, reproduces after reset, and is minimal', async () => {
    await using server = await startMediaServer({ personalities: [...personalities] })
    const target = httpOfferTarget({ mode: 'whip', url: server.whipUrl(), timeoutMs: TIMEOUT_MS })
    const reset = endpointReset({ url: server.resetUrl })!
    const r = await runCampaign(target, { runs: 30, seconds: 25, seed: SEED, reset })
    const f = r.findings.find((x) => x.kind === 'endpoint-unusable')
    expect(f, summary(r)).toBeDefined()
    if (!f) return
    // attributed to the malformed offer: it was answered 500, and the probe right after it was refused as busy
    expect(f.seen.response).toBe('500')
    expect(lacksIceUfrag(f.seenCase.fields.sdp ?? '')).toBe(true)
    expect(f.status).toBe('403')
    expect(f.seen.endpoint?.body).toMatch(/Endpoint ID already in use/)
    expect(f.verdict, summary(r)).toBe('reproduced')
    // generation went on after each reset: it was not cut short by the stuck endpoint
    expect(r.notes.join(), summary(r)).not.toMatch(/could not be brought back/)
    // and shrinking ran to its end: no attempt found the endpoint held by an earlier attempt's session
    expect(f.note ?? '', summary(r)).not.toMatch(/shrinking stopped/)
    expect(r.cases).toBeGreaterThan(f.firstCase)
    // minimal: one mutation of an offer with one audio section and one codec, the right Content-Type, and
    // still without a=ice-ufrag
    const cx = f.counterexample
    const input = cx.input as OfferPostSpec
    expect(input.contentType).toBe('application/sdp')
    expect(input.offer.mutations, JSON.stringify(input)).toHaveLength(1)
    const sdp = cx.case.fields.sdp ?? ''
    expect(input.offer.offer.sections, JSON.stringify(input)).toHaveLength(1)
    expect(input.offer.offer.sections[0]?.codecs, JSON.stringify(input)).toHaveLength(1)
    expect(lacksIceUfrag(sdp), sdp).toBe(true)
    expect(cx.outcome.response).toBe('500')
    expect(cx.outcome.endpoint?.usable).toBe(false)
    // the 500 itself is a finding of its own, reproduced too
    expect(r.findings.find((x) => x.kind === 'invariant' && x.status === '500')?.verdict).toBe('reproduced')
    expect(campaignExitCode(r)).toBe(1)

    // saved and replayed on a fresh (reset) endpoint: the same finding again
    const file = saveCounterexample(cx, { dir, url: server.whipUrl(), finding: f })
    const saved = loadFuzzCaseFile(file)
    expect(saved.finding).toMatchObject({ kind: 'endpoint-unusable', verdict: 'reproduced' })
    const again = await replayOnKnownGood(target, saved.case, { reset })
    expect(again.ready.ok).toBe(true)
    expect(violationsOf(again.outcome!).map((v) => v.signature)).toContain(f.signature)
    await server.reset()
    expect(server.sessions.size).toBe(0)
  }, 90_000)

  it('without a reset hook: the finding is reported as not replayable, never as a reproduced 403, and the campaign stops there', async () => {
    await using server = await startMediaServer({ personalities: [...personalities] })
    const r = await runCampaign(httpOfferTarget({ mode: 'whip', url: server.whipUrl(), timeoutMs: TIMEOUT_MS }), { runs: 30, seconds: 10, seed: SEED })
    const f = r.findings.find((x) => x.kind === 'endpoint-unusable')
    expect(f, summary(r)).toBeDefined()
    if (!f) return
    expect(f.verdict).toBe('not replayable')
    expect(f.note).toMatch(/no reset hook is configured/)
    expect(r.cases, 'no case ran against the stuck endpoint').toBe(f.firstCase)
    expect(r.notes.join()).toMatch(/left the endpoint unusable and it could not be brought back/)
    expect(r.healthViolations, 'no health check blamed on the stuck endpoint').toEqual([])
    expect(r.findings.filter((x: Finding) => x.verdict === 'reproduced')).toEqual([])
    // what is kept is the case that caused it, with what it got: a 500, then the probe's 403
    for (const x of r.findings) {
      expect(x.counterexample.outcome.response).toBe('500')
      expect(violationsOf(x.counterexample.outcome).length).toBeGreaterThan(0)
      expect(lacksIceUfrag(x.counterexample.case.fields.sdp ?? '')).toBe(true)
    }
    expect(summary(r)).toContain('NOT REPLAYABLE')
    expect(summary(r)).not.toContain('did not reproduce')
    expect(campaignExitCode(r)).toBe(1)
    const saved = loadFuzzCaseFile(saveCounterexample(f.counterexample, { dir, finding: f }))
    expect(saved.finding?.verdict).toBe('not replayable')
    expect(saved.outcome?.endpoint?.status).toBe('403')
  }, 60_000)
})
