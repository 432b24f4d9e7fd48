/**
 * WHEP codec honesty of the reference server: a viewer is answered only with codecs the stream's publisher
 * carries (the server's own while there is no publisher); a viewer with none of them is refused with 406
 * naming both sides' codecs (and the refusal is in `requests` and `events`); packets a viewer cannot be sent
 * (it negotiated another codec before the publisher came) are counted on the session, never dropped silently.
 */
import { describe, expect, test } from 'vitest'
import { detectTone } from '../../src/media/analysis.ts'
import { tone } from '../../src/media/sources.ts'
import type { InboundTrack } from '../../src/peers/types.ts'
import { waitFor } from '../../src/wait.ts'
import { play } from '../../src/whep/client.ts'
import { publish } from '../../src/whip/client.ts'
import { startMediaServer } from '../../src/whip/media-server.ts'
import { splitSdp } from '../../src/whip/sdp-text.ts'

const HZ = 440
const sendTone = { audio: (sr: number) => tone(HZ, { sampleRate: sr }) }

/** The payload types of the answer's audio m= line (`['111']`). */
function audioFormats(sdp: string): string[] {
  const line = splitSdp(sdp).media.find((sec) => sec[0]?.startsWith('m=audio'))?.[0] ?? ''
  return line.split(' ').slice(3)
}

async function expectTone(track: InboundTrack): Promise<void> {
  await track.waitForPackets(100, 15_000)
  const rec = track.recording()
  const d = detectTone(rec.samples.subarray(Math.round(rec.sampleRate * 0.3)), rec.sampleRate, HZ, { toleranceHz: 5 })
  expect(d.present, `tone ${HZ} Hz: measured ${d.measuredHz} Hz, SNR ${d.snrDb} dB`).toBe(true)
}

describe('WHEP viewers of a live publisher', () => {
  test("a viewer offering only G.711 for an Opus stream is refused with 406 naming both sides' codecs, and it is logged", async () => {
    await using srv = await startMediaServer({})
    await using pub = await publish(srv.whipUrl(), { ...sendTone, peerOptions: { codecs: ['opus'] } })
    expect(audioFormats(pub.answer)).toEqual(['111'])
    const err = await play(srv.whepUrl(), { peerOptions: { codecs: ['PCMU', 'PCMA'] } }).then(
      () => undefined,
      (e: unknown) => e as Error,
    )
    expect(err?.message).toMatch(/406/)
    expect(err?.message).toMatch(/no codec in common with the publisher of "live", which sends audio opus; the offer has audio pcmu, pcma/)
    const refused = srv.requests.find((r) => r.method === 'POST' && r.path === '/whep/live')
    expect(refused?.status).toBe(406)
    expect(refused?.reason).toMatch(/no codec in common/)
    expect(srv.events.filter((e) => e.type === 'no-common-codec').map((e) => e.path)).toEqual(['/whep/live'])
    expect([...srv.sessions.values()].map((s) => s.role)).toEqual(['whip'])
  }, 30_000)

  test("a viewer offering Opus, PCMU and PCMA is answered with the publisher's Opus only, and hears the tone", async () => {
    await using srv = await startMediaServer({})
    await using pub = await publish(srv.whipUrl(), { ...sendTone, peerOptions: { codecs: ['opus'] } })
    await using view = await play(srv.whepUrl())
    expect(audioFormats(view.offer).slice(0, 3)).toEqual(['111', '0', '8'])
    expect(audioFormats(view.answer)).toEqual(['111'])
    const track = await view.audio(10_000)
    await expectTone(track)
    expect(track.codec?.encoding).toBe('opus')
    const viewer = [...srv.sessions.values()].find((s) => s.role === 'whep')
    expect(viewer?.drops['codec-mismatch']).toBe(0)
    expect(viewer?.forwarded).toBeGreaterThanOrEqual(100)
    expect(pub.exchanges[0]?.response?.status).toBe(201)
  }, 30_000)

  test('for a G.711 publisher the same viewer is answered with PCMU only', async () => {
    await using srv = await startMediaServer({})
    await using pub = await publish(srv.whipUrl(), { ...sendTone, peerOptions: { codecs: ['PCMU'] } })
    await using view = await play(srv.whepUrl())
    expect(audioFormats(view.answer)).toEqual(['0'])
    const track = await view.audio(10_000)
    await expectTone(track)
    expect(track.codec?.encoding).toBe('PCMU')
    expect(pub.answer).toMatch(/PCMU/)
  }, 30_000)
})

describe('WHEP viewers before any publisher', () => {
  test("are answered with the server's codecs; an offer with none of them gets 406", async () => {
    await using srv = await startMediaServer({ audioCodecs: ['opus'] })
    await using view = await play(srv.whepUrl())
    expect(audioFormats(view.answer)).toEqual(['111'])
    await expect(play(srv.whepUrl(), { peerOptions: { codecs: ['PCMA'] } })).rejects.toThrow(
      /406[\s\S]*no codec in common: the offer has audio PCMA; this server takes audio opus/,
    )
    expect(srv.requests.filter((r) => r.path === '/whep/live').map((r) => r.status)).toEqual([201, 406])
  })

  test('a viewer that negotiated PCMU gets no Opus packets from a later publisher, and every packet not sent is counted', async () => {
    await using srv = await startMediaServer({})
    await using view = await play(srv.whepUrl(), { peerOptions: { codecs: ['PCMU'] } })
    expect(audioFormats(view.answer)).toEqual(['0'])
    const viewer = [...srv.sessions.values()].find((s) => s.role === 'whep')
    await waitFor(() => viewer?.pc.connectionState === 'connected', { timeoutMs: 10_000, label: 'the WHEP viewer to connect' })
    await using pub = await publish(srv.whipUrl(), { ...sendTone, peerOptions: { codecs: ['opus'] } })
    await waitFor(() => (viewer?.drops['codec-mismatch'] ?? 0) >= 50, { timeoutMs: 15_000, label: '50 Opus packets counted as not sent to the PCMU viewer' })
    expect(viewer?.forwarded).toBe(0)
    expect(viewer?.dropped).toBeGreaterThanOrEqual(50)
    const dropped = srv.events.filter((e) => e.type === 'packets-dropped' && e.path === `/session/${viewer?.id}`)
    expect(dropped.map((e) => e.message)).toContain('codec-mismatch: the publisher sends audio opus, the viewer negotiated PCMU')
    expect(pub.audio?.stats.packetsSent).toBeGreaterThan(0)
  }, 30_000)
})
