/**
 * Session discipline of the conformance checks, against a small scripted endpoint: every session a check
 * creates is DELETEd when the check ends, busy answers honour Retry-After, and a refusal is classified by who
 * caused it (a second session of the same check, a session rtcspec could not delete, or the endpoint itself).
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, test } from 'vitest'
import { needCreated } from '../../src/conformance/check-kit.ts'
import { CheckContext, retryAfterMs } from '../../src/conformance/context.ts'

interface Script {
  /** Live sessions allowed on the endpoint. */
  capacity: number
  busyStatus: number
  /** Status of DELETE on a session (200 frees the slot; anything else keeps it). */
  deleteStatus: number
  /** Answer the first N POSTs with 503 + Retry-After: 1 (seconds). */
  overloadedPosts: number
}

interface Fake {
  url: string
  live: Set<string>
  posts: number
  deletes: number
  server: Server
}

let fake: Fake | undefined

async function startFake(script: Partial<Script> = {}): Promise<Fake> {
  const s: Script = { capacity: 1, busyStatus: 403, deleteStatus: 200, overloadedPosts: 0, ...script }
  let n = 0
  const state: Omit<Fake, 'url' | 'server'> = { live: new Set(), posts: 0, deletes: 0 }
  const server = createServer((req, res) => {
    req.resume()
    req.on('end', () => {
      if (req.method === 'POST') {
        state.posts++
        if (state.posts <= s.overloadedPosts) return res.writeHead(503, { 'Retry-After': '1' }).end('overloaded')
        if (state.live.size >= s.capacity) return res.writeHead(s.busyStatus, { 'Content-Type': 'text/plain' }).end('Endpoint ID already in use')
        const id = `s${++n}`
        state.live.add(id)
        return res.writeHead(201, { 'Content-Type': 'application/sdp', Location: `/session/${id}`, ETag: `"${id}"` }).end('v=0\r\n')
      }
      if (req.method === 'DELETE') {
        state.deletes++
        const id = (req.url ?? '').split('/').pop() ?? ''
        if (!state.live.has(id)) return res.writeHead(404).end()
        if (s.deleteStatus >= 200 && s.deleteStatus < 300) state.live.delete(id)
        return res.writeHead(s.deleteStatus).end()
      }
      res.writeHead(405).end()
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const f = Object.assign(state, { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/whip/live`, server }) as Fake
  fake = f
  return f
}

afterEach(async () => {
  const f = fake
  fake = undefined
  if (f) await new Promise<void>((r) => f.server.close(() => r()))
})

const noWait = (waits: number[]) => async (ms: number) => {
  waits.push(ms)
}

describe('session discipline', () => {
  test('a check owns its sessions: they are deleted when it ends, so the next check can POST on a one-session endpoint', async () => {
    const f = await startFake({ capacity: 1 })
    const ctx = new CheckContext({ suite: 'whip', url: f.url, timeoutMs: 2_000 })
    ctx.beginCheck('a')
    const first = await ctx.createSession()
    expect(first.post.response?.status).toBe(201)
    expect(f.live.size).toBe(1)
    const cleanup = await ctx.endCheck()
    expect(cleanup.map((x) => x.response?.status)).toEqual([200])
    expect(f.live.size).toBe(0)
    ctx.beginCheck('b')
    const second = await ctx.createSession()
    expect(second.post.response?.status).toBe(201)
    await ctx.cleanup()
    expect(f.live.size).toBe(0)
  })

  test('the baseline and the restart probe are evidence: their sessions are gone before the next POST', async () => {
    const f = await startFake({ capacity: 1 })
    const ctx = new CheckContext({ suite: 'whip', url: f.url, timeoutMs: 2_000 })
    ctx.beginCheck('x')
    const base = await ctx.baseline()
    expect(f.live.size).toBe(0)
    await ctx.restartProbe()
    expect(f.live.size).toBe(0)
    const live = await ctx.createSession()
    expect(live.post.response?.status).toBe(201)
    expect((await ctx.baseline()).post).toBe(base.post)
    await ctx.cleanup()
  })

  test('a second session in the same check on a one-session endpoint is not applicable, not a failure', async () => {
    const f = await startFake({ capacity: 1, busyStatus: 409 })
    const waits: number[] = []
    const ctx = new CheckContext({ suite: 'whip', url: f.url, timeoutMs: 2_000 }, { sleep: noWait(waits) })
    ctx.beginCheck('two')
    const a = await ctx.createSession()
    const b = await ctx.createSession()
    expect(a.post.response?.status).toBe(201)
    expect(b.refusal).toEqual({ kind: 'second-session', holding: a.sessionUrl })
    const verdict = needCreated(b)
    expect(verdict?.status).toBe('not-applicable')
    expect(verdict?.reason).toMatch(/allows one at a time.*409 "Endpoint ID already in use"/)
    expect(waits).toEqual([])
    await ctx.cleanup()
    expect(f.live.size).toBe(0)
  })

  test('a session rtcspec could not delete is named when the endpoint then refuses, and the check is blocked', async () => {
    const f = await startFake({ capacity: 1, deleteStatus: 500 })
    const ctx = new CheckContext({ suite: 'whip', url: f.url, timeoutMs: 2_000 }, { sleep: noWait([]) })
    ctx.beginCheck('creator')
    await ctx.createSession()
    await ctx.endCheck()
    expect(ctx.leaked.map((l) => l.check)).toEqual(['creator'])
    ctx.beginCheck('victim')
    const c = await ctx.createSession()
    expect(c.refusal?.kind).toBe('leaked')
    const verdict = needCreated(c)
    expect(verdict?.status).toBe('blocked')
    expect(verdict?.precondition).toBe('a session is created')
    expect(verdict?.reason).toMatch(/could not delete.*created by creator; DELETE → 500/)
  })

  test('an endpoint busy from the first POST is reported as such, not blamed on a check', async () => {
    const f = await startFake({ capacity: 0 })
    const ctx = new CheckContext({ suite: 'whip', url: f.url, timeoutMs: 2_000 }, { sleep: noWait([]) })
    ctx.beginCheck('first')
    const c = await ctx.createSession()
    expect(c.refusal).toEqual({ kind: 'unusable', since: undefined })
    expect(needCreated(c)?.reason).toMatch(/from the first POST, before rtcspec had created any session/)
    expect(ctx.unusable).toEqual({ since: undefined })
  })

  test('a busy answer without Retry-After is retried briefly (a slot freed late), then given up', async () => {
    const f = await startFake({ capacity: 0 })
    const waits: number[] = []
    const ctx = new CheckContext({ suite: 'whip', url: f.url, timeoutMs: 2_000 }, { sleep: noWait(waits) })
    ctx.beginCheck('c')
    const c = await ctx.createSession()
    expect(waits).toEqual([250, 750])
    expect(c.chain).toHaveLength(3)
    expect(f.posts).toBe(3)
  })

  test('Retry-After is honoured: the POST is repeated after the time the server asked for', async () => {
    const f = await startFake({ capacity: 1, overloadedPosts: 1 })
    const waits: number[] = []
    const ctx = new CheckContext({ suite: 'whip', url: f.url, timeoutMs: 2_000 }, { sleep: noWait(waits) })
    ctx.beginCheck('c')
    const c = await ctx.createSession()
    expect(waits).toEqual([1_000])
    expect(c.chain.map((x) => x.response?.status)).toEqual([503, 201])
    expect(c.refusal).toBeUndefined()
    await ctx.cleanup()
  })

  test('Retry-After values: seconds, an HTTP date, garbage', () => {
    expect(retryAfterMs('3')).toBe(3_000)
    expect(retryAfterMs(new Date(10_000).toUTCString(), 4_000)).toBe(6_000)
    expect(retryAfterMs('soon')).toBeUndefined()
    expect(retryAfterMs(undefined)).toBeUndefined()
  })
})
