/**
 * The generic HTTP offer/answer client against a server that takes the offer as JSON (`{ sdp, type }` in,
 * `{ sdp, type, call_id }` out, hangup by call id) and a raw-SDP server with a Location hangup; media flows.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, test } from 'vitest'
import { offerAnswer } from '../../src/http-offer/client.ts'
import { detectTone } from '../../src/media/analysis.ts'
import { tone } from '../../src/media/sources.ts'
import { createWeriftPeer, type WeriftPeer } from '../../src/peers/werift/peer.ts'

const servers: Server[] = []
const peers: WeriftPeer[] = []
afterEach(async () => {
  for (const p of peers.splice(0)) await p.close()
  for (const s of servers.splice(0)) {
    s.closeAllConnections()
    await new Promise<void>((r) => s.close(() => r()))
  }
})

interface Seen {
  method: string
  url: string
  auth: string | undefined
  body: string
}

/** A voice-bot style server: answers with a werift peer that sends a 440 Hz tone. */
async function voiceServer(mode: 'json' | 'sdp'): Promise<{ url: string; seen: Seen[] }> {
  const seen: Seen[] = []
  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', async () => {
      const body = Buffer.concat(chunks).toString()
      seen.push({ method: req.method ?? '', url: req.url ?? '', auth: req.headers.authorization, body })
      if (req.url === '/webrtc/v1/offer' || req.url === '/offer') {
        const offer = mode === 'json' ? (JSON.parse(body) as { sdp: string }).sdp : body
        const bot = createWeriftPeer({ name: 'bot', trickle: false })
        peers.push(bot)
        bot.sendAudio((sr) => tone(440, { sampleRate: sr }))
        const answer = await bot.acceptOffer({ type: 'offer', sdp: offer })
        if (mode === 'json')
          res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ sdp: answer.sdp, type: 'answer', call_id: 'c-42' }))
        else res.writeHead(201, { 'Content-Type': 'application/sdp', Location: '/calls/7' }).end(answer.sdp)
        return
      }
      res.writeHead(200).end()
    })
  })
  servers.push(server)
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen }
}

describe('HTTP offer/answer client', () => {
  test('JSON mapping with extra fields, token, call id and hangup by id; media flows', async () => {
    const srv = await voiceServer('json')
    const call = await offerAnswer({
      url: `${srv.url}/webrtc/v1/offer`,
      token: 'k',
      request: { format: 'json', sdpField: 'sdp', typeField: 'type', extra: { agentId: 'a1' } },
      response: { format: 'json', sdpField: 'sdp', idField: 'call_id' },
      hangup: { url: '/webrtc/v1/hangup', method: 'POST', body: { call_id: '{id}' } },
    })
    expect(call.callId).toBe('c-42')
    const sent = JSON.parse(srv.seen[0]?.body ?? '{}') as Record<string, unknown>
    expect(sent).toMatchObject({ type: 'offer', agentId: 'a1' })
    expect(String(sent.sdp)).toMatch(/a=candidate:/)
    expect(srv.seen[0]?.auth).toBe('Bearer k')
    const track = await call.peer.waitForTrack('audio', 10_000)
    await track.waitForPackets(75, 10_000)
    const rec = track.recording()
    expect(detectTone(rec.samples.subarray(2400), rec.sampleRate, 440).present).toBe(true)
    await call.hangup()
    await call.hangup()
    const hang = srv.seen.filter((s) => s.url === '/webrtc/v1/hangup')
    expect(hang.length).toBe(1)
    expect(JSON.parse(hang[0]?.body ?? '{}')).toEqual({ call_id: 'c-42' })
  }, 30_000)

  test('raw SDP with a Location hangup (DELETE), and no Authorization header without a token', async () => {
    const srv = await voiceServer('sdp')
    const call = await offerAnswer({
      url: `${srv.url}/offer`,
      request: { format: 'sdp' },
      response: { format: 'sdp' },
      expectStatus: [201],
      hangup: { method: 'DELETE' },
    })
    expect(call.location).toBe(`${srv.url}/calls/7`)
    await call.peer.waitForConnected(10_000)
    await call.hangup()
    expect(srv.seen.map((s) => `${s.method} ${s.url}`)).toEqual(['POST /offer', 'DELETE /calls/7'])
    expect(srv.seen.every((s) => s.auth === undefined)).toBe(true)
  }, 30_000)

  test('bad options and unusable answers are clear errors', async () => {
    await expect(offerAnswer({ url: 'not a url' })).rejects.toThrow(/invalid HTTP offer options/)
    const srv = await voiceServer('json')
    await expect(offerAnswer({ url: `${srv.url}/webrtc/v1/offer`, response: { format: 'json', sdpField: 'answer.sdp' } })).rejects.toThrow(
      /no string at "answer.sdp"/,
    )
    await expect(offerAnswer({ url: `${srv.url}/nothing` })).rejects.toThrow(/not JSON/)
    const trickler = createWeriftPeer({ trickle: true })
    peers.push(trickler)
    await expect(offerAnswer({ url: `${srv.url}/offer`, peer: trickler })).rejects.toThrow(/trickle: false/)
  }, 30_000)
})
