/**
 * A deliberately broken server (garbage bodies, missing headers, hangs, connection resets, huge bodies):
 * the conformance suite must finish in bounded time with clean `fail`s carrying the evidence, never crash
 * or hang; the WHIP client must reject with a clean error.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, test } from 'vitest'
import { runConformance } from '../../src/conformance/runner.ts'
import { ConformanceReportSchema, exitCodeOf } from '../../src/conformance/report.ts'
import { publish } from '../../src/whip/client.ts'
import { SessionHttpError } from '../../src/whip/session-client.ts'

type Mode = 'html' | 'sdp-garbage' | 'no-headers' | 'hang' | 'reset' | 'huge' | 'stall-body'

/** Starts a server that misbehaves as `mode` says; `onTestFinished` (the calling test's) closes it. */
async function garbage(mode: Mode, onTestFinished: (fn: () => Promise<void>) => void): Promise<string> {
  const server = createServer((req, res) => {
    req.resume()
    switch (mode) {
      case 'html':
        res.writeHead(200, { 'Content-Type': 'text/html' }).end('<html><body>hello</body></html>')
        return
      case 'sdp-garbage':
        res.writeHead(201, { 'Content-Type': 'application/sdp', Location: '/s/1', ETag: '"x"', Link: '<nonsense' }).end('v=banana\r\nthis is not sdp\r\n')
        return
      case 'no-headers':
        res.writeHead(201).end('v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n')
        return
      case 'hang':
        return // never answers
      case 'reset':
        req.socket.destroy()
        return
      case 'huge':
        res.writeHead(201, { 'Content-Type': 'application/sdp', Location: '/s/1' })
        res.end(Buffer.alloc(4 * 1024 * 1024, 'a'))
        return
      case 'stall-body':
        res.writeHead(201, { 'Content-Type': 'application/sdp', Location: '/s/1', 'Content-Length': '1000' })
        res.write('v=0\r\n')
        return // never finishes the body
    }
  })
  onTestFinished(async () => {
    server.closeAllConnections()
    await new Promise<void>((r) => server.close(() => r()))
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/whip/live`
}

// Each test has servers of its own, and the hang modes wait out request timeouts: they run concurrently.
describe.concurrent('a garbage server yields clean failures, never a crash or a hang', () => {
  for (const mode of ['html', 'sdp-garbage', 'no-headers', 'hang', 'reset', 'huge', 'stall-body'] as const) {
    test(`${mode}: every MUST check fails or is not applicable, with evidence, in bounded time`, async ({ expect, onTestFinished }) => {
      const url = await garbage(mode, onTestFinished)
      const t0 = performance.now()
      const report = await runConformance({ suite: 'whip', url, timeoutMs: 400, checkTimeoutMs: 8_000, media: true })
      const elapsed = performance.now() - t0
      expect(ConformanceReportSchema.safeParse(report).success).toBe(true)
      const passedMust = report.results.filter(
        (r) => r.level === 'MUST' && r.status === 'pass' && !['whip.delete.ignores-etag', 'whip.delete.unknown-idempotent'].includes(r.id),
      )
      // A server that answers everything with 2xx can "pass" a few lenient checks; none of the core ones.
      for (const id of ['whip.post.201', 'whip.post.location', 'whip.post.answer-sdp', 'whip.media']) {
        const r = report.results.find((x) => x.id === id)
        if ((mode === 'sdp-garbage' || mode === 'huge') && id !== 'whip.post.answer-sdp' && id !== 'whip.media') continue
        if (mode === 'no-headers' && id === 'whip.post.201') continue
        const noResponse = mode === 'hang' || mode === 'reset' || mode === 'stall-body'
        if (noResponse && (id === 'whip.post.location' || id === 'whip.post.answer-sdp')) {
          // Only post.201 judges the POST that got no answer; the checks that need its session are blocked.
          expect(r?.status, `${id}: ${r?.detail.reason}`).toBe('blocked')
          expect(r?.detail.precondition).toBe('a session is created')
          continue
        }
        expect(r?.status, `${id}: ${r?.detail.reason}`).toBe('fail')
        expect(r?.detail.reason.length).toBeGreaterThan(0)
      }
      const post201 = report.results.find((x) => x.id === 'whip.post.201')
      expect(post201?.detail.exchanges.length).toBeGreaterThan(0)
      if (mode === 'hang' || mode === 'reset' || mode === 'stall-body') {
        expect(post201?.detail.exchanges[0]?.error, 'the evidence says why there was no response').toBeTruthy()
        expect(passedMust.map((r) => r.id)).toEqual([])
      }
      if (mode === 'hang' || mode === 'reset' || mode === 'stall-body') {
        expect(report.endpoint?.reachable, 'no request got a response').toBe(false)
        expect(exitCodeOf(report, false), 'nothing could be tested: infrastructure').toBe(4)
      } else expect(exitCodeOf(report, false)).toBe(1)
      expect(elapsed, 'bounded by the request timeouts').toBeLessThan(60_000)
    }, 90_000)
  }

  test('the WHIP client rejects with a clean SessionHttpError on garbage and on a hang', async ({ expect, onTestFinished }) => {
    for (const mode of ['html', 'hang', 'reset'] as const) {
      const url = await garbage(mode, onTestFinished)
      const t0 = performance.now()
      const err = await publish(url, { requestTimeoutMs: 300 }).then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(err, mode).toBeInstanceOf(SessionHttpError)
      expect(performance.now() - t0).toBeLessThan(5_000)
    }
  })
})
