/**
 * WHIP/WHEP client behaviour against scripted servers and a scripted peer, so every step is deterministic:
 * Bearer token (and no Authorization header without one), 307 redirects and their limit, 301/302 refused,
 * candidates buffered until the 201 then one aggregated PATCH, late candidates, ETag on PATCH, ICE restart
 * with If-Match "*" applying only the newest answer, DELETE once on close, Link ice servers with
 * credentials, unknown rels ignored, WHEP 409 + Retry-After and the 406 counter-offer.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, test } from 'vitest'
import { syntheticOffer } from '../../src/conformance/checks.ts'
import { parseSdpFrag } from '../../src/ice/sdpfrag.ts'
import type { CandidateInit, Peer, SessionDescriptionInit } from '../../src/peers/types.ts'
import { play } from '../../src/whep/client.ts'
import { publish } from '../../src/whip/client.ts'
import { fragIce, sdpFragFromDescription } from '../../src/whip/sdp-text.ts'
import { SessionHttpError } from '../../src/whip/session-client.ts'
import { startMediaServer } from '../../src/whip/media-server.ts'
import type { WeriftPeer } from '../../src/peers/werift/peer.ts'

interface Seen {
  method: string
  url: string
  headers: IncomingMessage['headers']
  body: string
}

const servers: Server[] = []
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections()
    await new Promise<void>((r) => s.close(() => r()))
  }
})

/** A server whose every answer is scripted; records every request. */
async function scripted(handler: (req: Seen, res: ServerResponse, n: number) => unknown): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const s: Seen = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString() }
      seen.push(s)
      void handler(s, res, seen.length)
    })
  })
  servers.push(server)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen }
}

/** A scripted peer: offers are synthetic, candidates are emitted by the test. */
class ScriptedPeer {
  readonly name = 'scripted'
  readonly kind = 'werift' as const
  readonly trickle = true
  readonly answers: SessionDescriptionInit[] = []
  readonly offers: SessionDescriptionInit[] = []
  #listeners = new Set<(c: CandidateInit | null) => void>()
  async createOffer(): Promise<SessionDescriptionInit> {
    const o = { type: 'offer' as const, sdp: syntheticOffer('whip').sdp }
    this.offers.push(o)
    return o
  }
  async acceptOffer(offer: SessionDescriptionInit): Promise<SessionDescriptionInit> {
    this.offers.push(offer)
    return { type: 'answer', sdp: syntheticOffer('whep').sdp.replace('a=setup:actpass', 'a=setup:active') }
  }
  async acceptAnswer(a: SessionDescriptionInit): Promise<void> {
    this.answers.push(a)
  }
  onLocalCandidate(l: (c: CandidateInit | null) => void): () => void {
    this.#listeners.add(l)
    return () => this.#listeners.delete(l)
  }
  emit(c: CandidateInit | null): void {
    for (const l of this.#listeners) l(c)
  }
  async close(): Promise<void> {}
  async [Symbol.asyncDispose](): Promise<void> {}
}
const asPeer = (p: ScriptedPeer) => p as unknown as Peer
const cand = (port: number): CandidateInit => ({ candidate: `candidate:1 1 udp 2130706431 127.0.0.1 ${port} typ host`, sdpMid: '0', sdpMLineIndex: 0 })

const ANSWER = syntheticOffer('whep').sdp.replace('a=setup:actpass', 'a=setup:passive')
const created = (res: ServerResponse, extra: Record<string, string | string[]> = {}) =>
  res.writeHead(201, { 'Content-Type': 'application/sdp', Location: '/session/1', ETag: '"e1"', ...extra }).end(ANSWER)

async function until(cond: () => boolean, ms = 3_000): Promise<void> {
  const t0 = performance.now()
  while (!cond()) {
    if (performance.now() - t0 > ms) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 10))
  }
}

describe('WHIP client', () => {
  test('sends no Authorization header without a token, and Bearer <token> with one', async () => {
    const srv = await scripted((req, res) => (req.method === 'POST' ? created(res) : res.writeHead(200).end()))
    const a = await publish(`${srv.url}/whip/live`, { peer: asPeer(new ScriptedPeer()) })
    await a.close()
    const b = await publish(`${srv.url}/whip/live`, { peer: asPeer(new ScriptedPeer()), token: 's3cret' })
    await b.close()
    const [postA, delA, postB, delB] = srv.seen
    expect(postA?.headers.authorization).toBeUndefined()
    expect(delA?.headers.authorization).toBeUndefined()
    expect(postB?.headers.authorization).toBe('Bearer s3cret')
    expect(delB?.headers.authorization).toBe('Bearer s3cret')
  })

  test('follows 307 redirects (relative Location), resolves the session URL against the final endpoint', async () => {
    const srv = await scripted((req, res) => {
      if (req.url === '/whip/live') res.writeHead(307, { Location: '/ingest/a' }).end()
      else if (req.url === '/ingest/a') res.writeHead(307, { Location: 'b' }).end()
      else if (req.method === 'POST') res.writeHead(201, { 'Content-Type': 'application/sdp', Location: 'sessions/9' }).end(ANSWER)
      else res.writeHead(200).end()
    })
    const s = await publish(`${srv.url}/whip/live`, { peer: asPeer(new ScriptedPeer()) })
    expect(s.endpointUrl).toBe(`${srv.url}/ingest/b`)
    expect(s.sessionUrl).toBe(`${srv.url}/ingest/sessions/9`)
    expect(srv.seen.filter((r) => r.method === 'POST').every((r) => r.body.startsWith('v=0'))).toBe(true)
    await s.close()
    expect(srv.seen.at(-1)).toMatchObject({ method: 'DELETE', url: '/ingest/sessions/9' })
  })

  test('gives up after maxRedirects and refuses 301/302', async () => {
    const loop = await scripted((_req, res) => res.writeHead(307, { Location: '/whip/live' }).end())
    const e1 = await publish(`${loop.url}/whip/live`, { peer: asPeer(new ScriptedPeer()), maxRedirects: 3 }).catch((e: unknown) => e)
    expect(e1).toBeInstanceOf(SessionHttpError)
    expect(String(e1)).toMatch(/more than 3 redirects/)
    expect(loop.seen.length).toBe(4)
    const moved = await scripted((_req, res) => res.writeHead(302, { Location: '/x' }).end())
    const e2 = await publish(`${moved.url}/whip/live`, { peer: asPeer(new ScriptedPeer()) }).catch((e: unknown) => e)
    expect(String(e2)).toMatch(/redirected with 302/)
  })

  test('buffers candidates until the 201, sends them in one PATCH, then trickles late ones with If-Match', async () => {
    let release!: () => void
    const gate = new Promise<void>((r) => (release = r))
    const srv = await scripted(async (req, res) => {
      if (req.method === 'POST') {
        await gate
        created(res)
      } else res.writeHead(204).end()
    })
    const peer = new ScriptedPeer()
    const pending = publish(`${srv.url}/whip/live`, { peer: asPeer(peer) })
    await until(() => srv.seen.length === 1)
    peer.emit(cand(5001))
    peer.emit(cand(5002))
    peer.emit(cand(5003))
    release()
    const s = await pending
    await until(() => srv.seen.some((r) => r.method === 'PATCH'))
    const patches = () => srv.seen.filter((r) => r.method === 'PATCH')
    expect(patches().length).toBe(1)
    const first = parseSdpFrag(patches()[0]?.body ?? '')
    expect(first.media[0]?.candidates.map((c) => c.port)).toEqual([5001, 5002, 5003])
    expect(patches()[0]?.headers['content-type']).toBe('application/trickle-ice-sdpfrag')
    expect(patches()[0]?.headers['if-match']).toBe('"e1"')
    peer.emit(cand(5004))
    peer.emit(null)
    await until(() => patches().length === 2)
    const late = parseSdpFrag(patches()[1]?.body ?? '')
    expect(late.media[0]?.candidates.map((c) => c.port)).toEqual([5004])
    expect(late.media[0]?.endOfCandidates).toBe(true)
    // The client counts a PATCH once its response arrived, which can be after the server logged the request.
    await until(() => s.trickle.patches === 2)
    expect(s.trickle).toMatchObject({ patches: 2, candidatesSent: 4, stopped: undefined })
    await s.close()
  })

  test('stops trickling when the server answers 422', async () => {
    const srv = await scripted((req, res) =>
      req.method === 'POST' ? created(res) : req.method === 'PATCH' ? res.writeHead(422).end() : res.writeHead(200).end(),
    )
    const peer = new ScriptedPeer()
    const s = await publish(`${srv.url}/whip/live`, { peer: asPeer(peer) })
    peer.emit(cand(5001))
    await until(() => s.trickle.stopped !== undefined)
    peer.emit(cand(5002))
    await new Promise((r) => setTimeout(r, 50))
    expect(srv.seen.filter((r) => r.method === 'PATCH').length).toBe(1)
    await s.close()
  })

  test('ICE restart: PATCH with If-Match "*", only the newest answer is applied, the new ETag is kept', async () => {
    const held: Array<{ n: number; res: ServerResponse }> = []
    const srv = await scripted((req, res) => {
      if (req.method === 'POST') return created(res)
      if (req.method === 'PATCH' && req.headers['if-match'] === '*') {
        held.push({ n: held.length + 1, res })
        return
      }
      res.writeHead(204).end()
    })
    const answerFor = (n: number) =>
      sdpFragFromDescription(ANSWER.replace(/a=ice-ufrag:\S+/g, `a=ice-ufrag:srv${n}x`).replace(/a=ice-pwd:\S+/g, `a=ice-pwd:${'p'.repeat(21)}${n}`))
    const respond = (h: { n: number; res: ServerResponse } | undefined) =>
      h?.res.writeHead(200, { 'Content-Type': 'application/trickle-ice-sdpfrag', ETag: `"e${h.n + 1}"` }).end(answerFor(h.n))
    const peer = new ScriptedPeer()
    const s = await publish(`${srv.url}/whip/live`, { peer: asPeer(peer), trickle: false })
    expect(s.etag).toBe('"e1"')
    const r1 = s.restartIce({ gatherTimeoutMs: 10 })
    await until(() => held.length === 1)
    const r2 = s.restartIce({ gatherTimeoutMs: 10 })
    await until(() => held.length === 2)
    respond(held[0])
    expect((await r1).applied).toBe(false)
    respond(held[1])
    expect((await r2).applied).toBe(true)
    const restartPatches = srv.seen.filter((r) => r.method === 'PATCH')
    expect(restartPatches.map((r) => r.headers['if-match'])).toEqual(['*', '*'])
    expect(fragIce(parseSdpFrag(restartPatches[0]?.body ?? '')).ufrag).toBeTruthy()
    // Only the newest answer reached the peer (the first acceptAnswer is the 201's).
    expect(peer.answers.length).toBe(2)
    expect(peer.answers[1]?.sdp).toMatch(/a=ice-ufrag:srv2x/)
    expect(peer.answers[1]?.sdp).not.toMatch(/srv1x/)
    expect(s.etag).toBe('"e3"')
    await s.close()
    await s.close()
    expect(srv.seen.filter((r) => r.method === 'DELETE').length).toBe(1)
  }, 10_000)

  test('Link headers: ice servers with username/credential/credential-type are used, bad and unknown ones ignored', async () => {
    const links = [
      '<stun:127.0.0.1:3478>; rel="ice-server"',
      '<turn:127.0.0.1:3478?transport=udp>; rel="ice-server"; username="user, with comma"; credential="p;w"; credential-type="password"',
      '<turn:127.0.0.1:3479>; rel="ice-server"; credential-type="oauth"',
      '</sse>; rel="urn:ietf:params:whep:ext:core:server-sent-events"; events="active"',
    ]
    const srv = await scripted((req, res) => (req.method === 'POST' ? created(res, { Link: links }) : res.writeHead(200).end()))
    const got: unknown[] = []
    const s = await publish(`${srv.url}/whip/live`, { peer: asPeer(new ScriptedPeer()), onIceServers: (x) => void got.push(x) })
    expect(s.iceServers).toEqual([
      { urls: 'stun:127.0.0.1:3478' },
      { urls: 'turn:127.0.0.1:3478?transport=udp', username: 'user, with comma', credential: 'p;w' },
    ])
    expect(got).toEqual([s.iceServers])
    expect(s.linkProblems.join(' ')).toMatch(/needs username and credential/)
    expect(s.linkProblems.join(' ')).toMatch(/credential-type "oauth"/)
    expect(s.extensionLinks.map((l) => l.rels[0])).toEqual(['urn:ietf:params:whep:ext:core:server-sent-events'])
    await s.close()
  })

  test('a 201 without Location is an error naming RFC 9725 §4.2', async () => {
    const srv = await scripted((_req, res) => res.writeHead(201, { 'Content-Type': 'application/sdp' }).end(ANSWER))
    const e = await publish(`${srv.url}/whip/live`, { peer: asPeer(new ScriptedPeer()) }).catch((x: unknown) => x)
    expect(String(e)).toMatch(/without a Location header \(RFC 9725 §4.2\)/)
  })
})

describe('WHIP client with a werift peer it creates', () => {
  test('applies the Link ice servers to the peer (setConfiguration) and sends them nowhere else', async () => {
    await using srv = await startMediaServer({
      iceServers: [{ url: 'stun:127.0.0.1:3478' }, { url: 'turn:127.0.0.1:3478?transport=udp', username: 'u', credential: 'p' }],
    })
    await using s = await publish(srv.whipUrl())
    const cfg = (s.peer as WeriftPeer).pc.getConfiguration()
    expect(cfg.iceServers?.map((x) => x.urls)).toEqual(['stun:127.0.0.1:3478', 'turn:127.0.0.1:3478?transport=udp'])
    expect(srv.requests.every((r) => r.authorization === undefined)).toBe(true)
  })
})

describe('ICE restart with a real werift peer', () => {
  test("the restart PATCH carries the new ICE credentials and the new generation's candidates", async () => {
    await using srv = await startMediaServer({})
    await using s = await publish(srv.whipUrl())
    await s.peer.waitForConnected(10_000)
    const before = fragIce(parseSdpFrag(sdpFragFromDescription((s.peer as WeriftPeer).pc.localDescription?.sdp ?? ''))).ufrag
    const r = await s.restartIce()
    const sent = fragIce(parseSdpFrag(r.exchange.request.body ?? ''))
    expect(r.exchange.request.headers['If-Match']).toBe('*')
    expect(sent.ufrag).toBeTruthy()
    expect(sent.ufrag).not.toBe(before)
    expect(sent.candidates.length).toBeGreaterThan(0)
    for (const c of sent.candidates) expect(c.line).toContain(`ufrag ${sent.ufrag}`)
    expect(sent.endOfCandidates).toBe(true)
  }, 30_000)
})

describe('WHEP client', () => {
  test('409 + Retry-After is retried after the advised delay', async () => {
    const srv = await scripted((req, res, n) => {
      if (req.method === 'POST' && n === 1) return res.writeHead(409, { 'Retry-After': '0' }).end()
      if (req.method === 'POST') return created(res)
      res.writeHead(200).end()
    })
    const s = await play(`${srv.url}/whep/live`, { peer: asPeer(new ScriptedPeer()) })
    expect(s.exchanges.map((x) => x.response?.status)).toEqual([409, 201])
    await s.close()
    const busy = await scripted((_req, res) => res.writeHead(409, { 'Retry-After': '0' }).end())
    const e = await play(`${busy.url}/whep/live`, { peer: asPeer(new ScriptedPeer()), conflictRetries: 2 }).catch((x: unknown) => x)
    expect(String(e)).toMatch(/409/)
    expect(busy.seen.length).toBe(3)
  })

  test('406 counter-offer: the server offer is answered with a PATCH carrying application/sdp', async () => {
    const serverOffer = syntheticOffer('whip').sdp
    const srv = await scripted((req, res) => {
      if (req.method === 'POST') return res.writeHead(406, { 'Content-Type': 'application/sdp', Location: '/session/7', ETag: '"c1"' }).end(serverOffer)
      if (req.method === 'PATCH') return res.writeHead(204).end()
      res.writeHead(200).end()
    })
    const peer = new ScriptedPeer()
    const s = await play(`${srv.url}/whep/live`, { peer: asPeer(peer) })
    expect(peer.offers.at(-1)?.sdp).toBe(serverOffer)
    const patch = srv.seen.find((r) => r.method === 'PATCH')
    expect(patch?.headers['content-type']).toBe('application/sdp')
    expect(patch?.headers['if-match']).toBe('"c1"')
    expect(patch?.body).toMatch(/^v=0/)
    expect(s.sessionUrl).toBe(`${srv.url}/session/7`)
    await s.close()
  })
})
