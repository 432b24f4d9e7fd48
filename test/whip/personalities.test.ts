/**
 * The reference server's real-server personalities over real HTTP: one session per endpoint (403/409
 * "Endpoint ID already in use", freed by DELETE or a dropped session), Opus only (a G.711-only offer is
 * refused naming both sides' codecs; Opus publishes and plays the tone), ICE-lite (a=ice-lite, one host
 * candidate, a werift client connects), the stuck-after-malformed-offer bug (500, then every POST busy until
 * reset() or POST /admin/reset), and 403 for a bad token. Explicit options win over presets.
 */
import { describe, expect, test } from 'vitest'
import { detectTone } from '../../src/media/analysis.ts'
import { tone } from '../../src/media/sources.ts'
import { createWeriftPeer, type WeriftPeer } from '../../src/peers/werift/peer.ts'
import { waitFor } from '../../src/wait.ts'
import { play } from '../../src/whep/client.ts'
import { publish } from '../../src/whip/client.ts'
import { BUSY_BODY, startMediaServer, type MediaServer } from '../../src/whip/media-server.ts'
import { expandPersonalities, parsePersonalityList } from '../../src/whip/personalities.ts'
import { joinSdp, splitSdp } from '../../src/whip/sdp-text.ts'

const SDP = { 'Content-Type': 'application/sdp' }
const HZ = 440

/** A werift offer (audio only, or audio + video) with the given audio codecs; the peer is closed after. */
async function weriftOffer(direction: 'sendonly' | 'recvonly', codecs: string[] = ['opus', 'PCMU', 'PCMA']): Promise<string> {
  const peer = createWeriftPeer({ audio: direction, codecs })
  try {
    return (await peer.createOffer()).sdp
  } finally {
    await peer.close()
  }
}

/** The same offer without any ICE line (parses, but cannot connect): the malformed offer of the stuck-500 bug. */
function withoutIce(sdp: string): string {
  const s = splitSdp(sdp)
  const keep = (l: string) => !/^a=(ice-ufrag|ice-pwd|ice-options|candidate|end-of-candidates)/.test(l)
  s.session = s.session.filter(keep)
  s.media = s.media.map((sec) => sec.filter(keep))
  return joinSdp(s)
}

async function post(
  url: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string; location: string | null; headers: Headers }> {
  const res = await fetch(url, { method: 'POST', headers: { ...SDP, ...headers }, body, signal: AbortSignal.timeout(10_000) })
  return { status: res.status, body: await res.text(), location: res.headers.get('location'), headers: res.headers }
}

async function del(srv: MediaServer, location: string | null): Promise<number> {
  const res = await fetch(new URL(location ?? '/', srv.url), { method: 'DELETE', signal: AbortSignal.timeout(5_000) })
  await res.arrayBuffer()
  return res.status
}

/** Waits for 100 packets on the viewer and checks the 440 Hz tone in its decoded audio (first 300 ms skipped). */
async function expectTone(view: { audio(timeoutMs?: number): Promise<import('../../src/peers/types.ts').InboundTrack> }): Promise<string> {
  const track = await view.audio(10_000)
  await track.waitForPackets(100, 15_000)
  const rec = track.recording()
  const d = detectTone(rec.samples.subarray(Math.round(rec.sampleRate * 0.3)), rec.sampleRate, HZ, { toleranceHz: 5 })
  expect(d.present, `tone ${HZ} Hz: measured ${d.measuredHz} Hz, SNR ${d.snrDb} dB`).toBe(true)
  return track.codec?.encoding ?? 'none'
}

describe('personality presets', () => {
  test('expand into options; explicit options win; unknown names are refused with a suggestion', async () => {
    expect(expandPersonalities(['one-session', 'opus-only'])).toEqual({ sessionsPerEndpoint: 1, busyStatus: 403, audioCodecs: ['opus'] })
    await using srv = await startMediaServer({
      personalities: ['one-session', 'stuck-500', 'auth-403', 'ice-lite', 'opus-only'],
      busyStatus: 409,
      adminReset: false,
    })
    expect(srv.options).toMatchObject({
      sessionsPerEndpoint: 1,
      busyStatus: 409,
      audioCodecs: ['opus'],
      iceLite: true,
      stuckOnMalformedOffer: true,
      authFailureStatus: 403,
      adminReset: false,
    })
    await expect(startMediaServer({ personalities: ['one-sesion'] })).rejects.toThrow(/unknown personality "one-sesion" \(did you mean "one-session"\?\)/)
    expect(() => parsePersonalityList('opus-only,ice-lit')).toThrow(/unknown personality "ice-lit" \(did you mean "ice-lite"\?\)/)
    await expect(startMediaServer({ audioCodecs: ['opus', 'opus'] })).rejects.toThrow(/listed twice/)
  })

  test('defaults: no session limit, all three codecs, full ICE, 401', async () => {
    await using srv = await startMediaServer({})
    expect(srv.options).toMatchObject({
      sessionsPerEndpoint: undefined,
      busyStatus: 409,
      audioCodecs: ['PCMU', 'PCMA', 'opus'],
      iceLite: false,
      stuckOnMalformedOffer: false,
      authFailureStatus: 401,
      adminReset: false,
    })
    const offer = await weriftOffer('sendonly')
    const a = await post(srv.whipUrl(), offer)
    const b = await post(srv.whipUrl(), offer)
    expect([a.status, b.status]).toEqual([201, 201])
    expect(srv.occupancy('whip')).toEqual({ sessions: 2, phantoms: 0, limit: undefined, busy: false })
  })
})

describe('one-session', () => {
  test('a second POST to the endpoint gets 403 "Endpoint ID already in use"; after DELETE a new POST gets 201', async () => {
    await using srv = await startMediaServer({ personalities: ['one-session'] })
    const offer = await weriftOffer('sendonly')
    const first = await post(srv.whipUrl(), offer)
    expect(first.status).toBe(201)
    const second = await post(srv.whipUrl(), offer)
    expect(second.status).toBe(403)
    expect(second.body.trim()).toBe(BUSY_BODY)
    expect(srv.occupancy('whip')).toMatchObject({ sessions: 1, limit: 1, busy: true })
    // Another endpoint (another stream, or the WHEP side) has its own slot.
    expect((await post(srv.whipUrl('other'), offer)).status).toBe(201)
    expect((await post(srv.whepUrl(), await weriftOffer('recvonly'))).status).toBe(201)
    expect(srv.events.filter((e) => e.type === 'endpoint-busy').map((e) => e.path)).toEqual(['/whip/live'])
    expect(srv.requests.find((r) => r.status === 403)?.reason).toBe(BUSY_BODY)

    expect(await del(srv, first.location)).toBe(200)
    expect(srv.occupancy('whip').busy).toBe(false)
    expect((await post(srv.whipUrl(), offer)).status).toBe(201)
  })

  test('busyStatus defaults to 409, and a larger limit counts sessions', async () => {
    await using srv = await startMediaServer({ sessionsPerEndpoint: 2 })
    const offer = await weriftOffer('sendonly')
    expect((await post(srv.whipUrl(), offer)).status).toBe(201)
    expect((await post(srv.whipUrl(), offer)).status).toBe(201)
    const third = await post(srv.whipUrl(), offer)
    expect(third.status).toBe(409)
    expect(third.body.trim()).toBe(BUSY_BODY)
  })

  test('a session dropped for never connecting frees the slot', async () => {
    await using srv = await startMediaServer({ personalities: ['one-session'], connectTimeoutMs: 1_000 })
    // No candidates and nobody behind them: this session never connects.
    expect((await post(srv.whipUrl(), await weriftOffer('sendonly'))).status).toBe(201)
    expect((await post(srv.whipUrl(), await weriftOffer('sendonly'))).status).toBe(403)
    await waitFor(() => !srv.occupancy('whip').busy, { timeoutMs: 5_000, label: 'the unconnected session to be dropped and its slot freed' })
    expect((await post(srv.whipUrl(), await weriftOffer('sendonly'))).status).toBe(201)
  })

  test('rtcspec publish and play work through it, and a busy publish names the refusal', async () => {
    await using srv = await startMediaServer({ personalities: ['one-session'] })
    await using pub = await publish(srv.whipUrl(), { audio: (sr) => tone(HZ, { sampleRate: sr }) })
    await using view = await play(srv.whepUrl())
    await expectTone(view)
    await expect(publish(srv.whipUrl())).rejects.toThrow(/403[\s\S]*Endpoint ID already in use/)
    expect(pub.exchanges[0]?.response?.status).toBe(201)
  }, 30_000)
})

describe('opus-only', () => {
  test("a G.711-only offer is refused (400) naming both sides' codecs; nothing is left behind", async () => {
    await using srv = await startMediaServer({ personalities: ['opus-only'] })
    const r = await post(srv.whipUrl(), await weriftOffer('sendonly', ['PCMU', 'PCMA']))
    expect(r.status).toBe(400)
    expect(r.body).toMatch(/no codec in common: the offer has audio PCMU, PCMA; this server takes audio opus/)
    expect(srv.sessions.size).toBe(0)
    expect(srv.events.map((e) => e.type)).toEqual(['no-common-codec'])
    // rtcspec's client says the same.
    await expect(publish(srv.whipUrl(), { peerOptions: { codecs: ['PCMU'] } })).rejects.toThrow(/400[\s\S]*no codec in common[\s\S]*audio opus/)
  })

  test('an audio+video offer whose audio has no codec in common is refused as a whole (RFC 9725 §4.4.3), not answered with port 0', async () => {
    await using srv = await startMediaServer({ personalities: ['opus-only'] })
    const peer = createWeriftPeer({ audio: 'sendonly', codecs: ['PCMU'], video: 'sendonly' })
    try {
      const r = await post(srv.whipUrl(), (await peer.createOffer()).sdp)
      expect(r.status).toBe(400)
      expect(r.body).toMatch(/no codec in common for audio \(mid 0\) offering PCMU; this server takes audio opus; video VP8, H264/)
    } finally {
      await peer.close()
    }
  })

  test("an Opus offer (rtcspec's default) is answered with Opus only and the tone flows end to end", async () => {
    await using srv = await startMediaServer({ personalities: ['opus-only'] })
    await using pub = await publish(srv.whipUrl(), { audio: (sr) => tone(HZ, { sampleRate: sr }) })
    expect(pub.answer).toMatch(/^m=audio \d+ \S+ 111\r?$/m)
    await using view = await play(srv.whepUrl())
    expect(await expectTone(view)).toBe('opus')
  }, 30_000)
})

describe('ice-lite', () => {
  test('the answer says a=ice-lite (session level) with one host candidate; a werift client connects and media flows', async () => {
    await using srv = await startMediaServer({ personalities: ['ice-lite'], audioCodecs: ['opus'] })
    await using pub = await publish(srv.whipUrl(), { audio: (sr) => tone(HZ, { sampleRate: sr }) })
    const s = splitSdp(pub.answer)
    expect(s.session).toContain('a=ice-lite')
    expect(s.media.flat()).not.toContain('a=ice-lite')
    const candidates = new Set(pub.answer.match(/^a=candidate:.*$/gm)?.map((l) => l.split(' ').slice(4, 8).join(' ')))
    expect([...candidates]).toEqual([expect.stringMatching(/^127\.0\.0\.1 \d+ typ host$/)])
    await using view = await play(srv.whepUrl())
    await expectTone(view)
    // The server's agent is lite (RFC 8445 §6.1.1: controlled), the client's full one controls and nominates.
    const server = [...srv.sessions.values()].find((x) => x.role === 'whip')
    const conn = (server!.pc as unknown as { iceTransports: Array<{ connection: { iceLite: boolean; iceControlling: boolean } }> }).iceTransports[0]?.connection
    expect(conn?.iceLite).toBe(true)
    expect(conn?.iceControlling).toBe(false)
    const client = ((pub.peer as WeriftPeer).pc as unknown as { iceTransports: Array<{ connection: { iceControlling: boolean } }> }).iceTransports[0]
      ?.connection
    expect(client?.iceControlling).toBe(true)
  }, 30_000)

  test('with host, the one candidate is on that address (here 127.0.0.2), and the client still connects', async () => {
    await using srv = await startMediaServer({ personalities: ['ice-lite'], host: '127.0.0.2' })
    expect(srv.url).toMatch(/^http:\/\/127\.0\.0\.2:\d+$/)
    await using pub = await publish(srv.whipUrl(), { audio: (sr) => tone(HZ, { sampleRate: sr }) })
    const candidates = new Set(pub.answer.match(/^a=candidate:.*$/gm)?.map((l) => l.split(' ').slice(4, 8).join(' ')))
    expect([...candidates]).toEqual([expect.stringMatching(/^127\.0\.0\.2 \d+ typ host$/)])
    const server = [...srv.sessions.values()][0]
    await waitFor(() => server?.pc.connectionState === 'connected', { timeoutMs: 10_000, label: 'the ICE-lite session on 127.0.0.2 to connect' })
  }, 30_000)

  test('without it the answer has no a=ice-lite', async () => {
    await using srv = await startMediaServer({})
    const r = await post(srv.whipUrl(), await weriftOffer('sendonly'))
    expect(r.status).toBe(201)
    expect(r.body).not.toMatch(/a=ice-lite/)
  })
})

describe('stuck-500', () => {
  test('an offer without a=ice-ufrag gets 500 and leaves the endpoint refusing every POST until POST /admin/reset', async () => {
    await using srv = await startMediaServer({ personalities: ['stuck-500'], connectTimeoutMs: 1_000 })
    const offer = await weriftOffer('sendonly')
    const broken = await post(srv.whipUrl(), withoutIce(offer))
    expect(broken.status).toBe(500)
    expect(srv.sessions.size).toBe(0)
    expect(srv.occupancy('whip')).toEqual({ sessions: 0, phantoms: 1, limit: undefined, busy: true })
    for (let i = 0; i < 3; i++) {
      const refused = await post(srv.whipUrl(), offer)
      expect(refused.status).toBe(409)
      expect(refused.body.trim()).toBe(BUSY_BODY)
    }
    // Other endpoints are unaffected. A session there is dropped by the connect timeout; the phantom is not.
    expect((await post(srv.whipUrl('other'), offer)).status).toBe(201)
    await waitFor(() => srv.sessions.size === 0, { timeoutMs: 5_000, label: 'the unconnected session on /whip/other to be dropped' })
    expect((await post(srv.whipUrl(), offer)).status).toBe(409)
    expect(srv.events.map((e) => e.type)).toContain('endpoint-stuck')

    const reset = await fetch(srv.resetUrl, { method: 'POST', signal: AbortSignal.timeout(5_000) })
    expect(reset.status).toBe(204)
    expect(srv.occupancy('whip')).toEqual({ sessions: 0, phantoms: 0, limit: undefined, busy: false })
    expect((await post(srv.whipUrl(), offer)).status).toBe(201)
  })

  test('with one-session the refusal is 403; reset() clears it too and closes live sessions', async () => {
    await using srv = await startMediaServer({ personalities: ['stuck-500', 'one-session'] })
    const offer = await weriftOffer('recvonly')
    expect((await post(srv.whepUrl(), withoutIce(offer))).status).toBe(500)
    expect((await post(srv.whepUrl(), offer)).status).toBe(403)
    const live = await post(srv.whipUrl(), await weriftOffer('sendonly'))
    expect(live.status).toBe(201)
    const [session] = srv.sessions.values()
    await srv.reset()
    expect(session?.closed).toBe(true)
    expect(srv.sessions.size).toBe(0)
    expect((await post(srv.whepUrl(), offer)).status).toBe(201)
  })

  test('without the bug the same offer is a plain 400 and the endpoint stays usable; /admin/reset does not exist', async () => {
    await using srv = await startMediaServer({})
    const offer = await weriftOffer('sendonly')
    expect((await post(srv.whipUrl(), withoutIce(offer))).status).toBe(400)
    expect((await post(srv.whipUrl(), offer)).status).toBe(201)
    const reset = await fetch(srv.resetUrl, { method: 'POST', signal: AbortSignal.timeout(5_000) })
    await reset.arrayBuffer()
    expect(reset.status).toBe(404)
  })
})

describe('auth-403', () => {
  test('a missing or wrong token gets 403 (no challenge); the right one 201', async () => {
    await using srv = await startMediaServer({ token: 'tk', personalities: ['auth-403'] })
    const offer = await weriftOffer('sendonly')
    const missing = await post(srv.whipUrl(), offer)
    expect(missing.status).toBe(403)
    expect(missing.headers.get('www-authenticate')).toBeNull()
    expect((await post(srv.whipUrl(), offer, { Authorization: 'Bearer nope' })).status).toBe(403)
    expect((await post(srv.whipUrl(), offer, { Authorization: 'Bearer tk' })).status).toBe(201)
  })

  test('by default the refusal is 401 with WWW-Authenticate: Bearer', async () => {
    await using srv = await startMediaServer({ token: 'tk' })
    const r = await post(srv.whipUrl(), await weriftOffer('sendonly'))
    expect(r.status).toBe(401)
    expect(r.headers.get('www-authenticate')).toBe('Bearer')
  })
})
