/**
 * The redirects a conformance POST follows: `post()` (negative tests) and `createSession()` (offers) share
 * one loop — same method and body re-sent to each Location, at most three redirects, the session of the
 * final 2xx owned (and deleted at cleanup) whichever way it was reached.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, test } from 'vitest'
import { CheckContext } from '../../src/conformance/context.ts'

let server: Server | undefined

interface Seen {
  method: string
  url: string
  body: string
}

/** POST /r/N redirects (307) to /r/N-1 … /r/0, which creates /session/1; POST /loop redirects to itself forever. */
async function start(): Promise<{ base: string; seen: Seen[] }> {
  const seen: Seen[] = []
  server = createServer((req, res) => {
    let body = ''
    req.on('data', (d: Buffer) => (body += d.toString()))
    req.on('end', () => {
      const url = req.url ?? ''
      seen.push({ method: req.method ?? '', url, body })
      if (req.method === 'DELETE') return res.writeHead(200).end()
      if (url === '/loop') return res.writeHead(307, { Location: '/loop' }).end()
      const n = Number(url.split('/').pop())
      if (n > 0) return res.writeHead(307, { Location: `/r/${n - 1}` }).end()
      return res.writeHead(201, { 'Content-Type': 'application/sdp', Location: '../session/1' }).end('v=0\r\n')
    })
  })
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r))
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen }
}

afterEach(async () => {
  const s = server
  server = undefined
  if (s) await new Promise<void>((r) => s.close(() => r()))
})

describe('conformance POST redirects', () => {
  test('post() follows 307s with the same body and owns the session the last answer creates', async () => {
    const { base, seen } = await start()
    const ctx = new CheckContext({ suite: 'whip', url: `${base}/r/2`, timeoutMs: 2_000 })
    const chain = await ctx.post(`${base}/r/2`, { body: 'hello' })
    expect(chain.map((x) => x.response?.status)).toEqual([307, 307, 201])
    expect(seen.map((s) => `${s.method} ${s.url} ${s.body}`)).toEqual(['POST /r/2 hello', 'POST /r/1 hello', 'POST /r/0 hello'])
    await ctx.cleanup()
    expect(seen.at(-1)).toMatchObject({ method: 'DELETE', url: '/session/1' })
  })

  test('createSession() takes the same path and resolves the session URL against the final request', async () => {
    const { base } = await start()
    const ctx = new CheckContext({ suite: 'whip', url: `${base}/r/3`, timeoutMs: 2_000 })
    const c = await ctx.createSession()
    expect(c.chain.map((x) => x.response?.status)).toEqual([307, 307, 307, 201])
    expect(c.sessionUrl).toBe(`${base}/session/1`)
    await ctx.cleanup()
  })

  test('at most three redirects are followed, by both', async () => {
    const { base, seen } = await start()
    const ctx = new CheckContext({ suite: 'whip', url: `${base}/loop`, timeoutMs: 2_000 })
    expect(await ctx.post(`${base}/loop`, { body: 'x' })).toHaveLength(4)
    const c = await ctx.createSession()
    expect(c.chain).toHaveLength(4)
    expect(c.sessionUrl).toBeUndefined()
    expect(seen.filter((s) => s.method === 'POST')).toHaveLength(8)
    await ctx.cleanup()
  })
})
