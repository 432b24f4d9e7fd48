/**
 * rtcspec's own WHIP/WHEP clients offer Opus first, then PCMU and PCMA, as browsers do; a publish → play round
 * trip through a server that takes Opus carries the 440 Hz tone encoded and decoded as Opus; and an answer with
 * no codec in common is an error naming both sides' codecs (the session is DELETEd), not a silent 0-packet session.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, expect, test } from 'vitest'
import { detectTone } from '../../src/media/analysis.ts'
import { tone } from '../../src/media/sources.ts'
import { play } from '../../src/whep/client.ts'
import { publish } from '../../src/whip/client.ts'
import { startMediaServer } from '../../src/whip/media-server.ts'
import { DEFAULT_CLIENT_AUDIO_CODECS, noCommonCodec } from '../../src/whip/session-client.ts'
import { splitSdp } from '../../src/whip/sdp-text.ts'

const HZ = 440

/** The encoding names of the offer's audio section, in m= line order (`opus`, `PCMU`, ...). */
function audioEncodings(sdp: string): string[] {
  const sec = splitSdp(sdp).media.find((s) => s[0]?.startsWith('m=audio')) ?? []
  const pts = (sec[0] ?? '').split(' ').slice(3)
  return pts.map(
    (pt) =>
      sec
        .find((l) => l.startsWith(`a=rtpmap:${pt} `))
        ?.split(' ')[1]
        ?.split('/')[0] ?? `static ${pt}`,
  )
}

/** An answer whose audio section is `m=audio <port> ... <pt>` with `rtpmap`. */
function answerWith(port: number, pt: number, rtpmap: string): string {
  return [
    'v=0',
    'o=- 1 1 IN IP4 127.0.0.1',
    's=-',
    't=0 0',
    'a=group:BUNDLE 0',
    `m=audio ${port} UDP/TLS/RTP/SAVPF ${pt}`,
    'c=IN IP4 127.0.0.1',
    'a=mid:0',
    'a=recvonly',
    'a=ice-ufrag:abcd',
    'a=ice-pwd:abcdefghijklmnopqrstuvwx',
    `a=fingerprint:sha-256 ${'AB:'.repeat(31)}AB`,
    'a=setup:passive',
    'a=rtcp-mux',
    `a=rtpmap:${pt} ${rtpmap}`,
    '',
  ].join('\r\n')
}

/** A server that answers every POST with 201 and `answer`, and records every request. */
async function lyingServer(answer: string): Promise<{ url: string; seen: string[]; server: Server } & AsyncDisposable> {
  const seen: string[] = []
  const server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`)
    req.resume()
    req.on('end', () => {
      if (req.method === 'POST') res.writeHead(201, { 'Content-Type': 'application/sdp', Location: '/session/1' }).end(answer)
      else res.writeHead(200).end()
    })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/whip/live`
  return {
    url,
    seen,
    server,
    [Symbol.asyncDispose]: () =>
      new Promise<void>((r) => {
        server.close(() => r())
        server.closeAllConnections()
      }),
  }
}

describe("Opus first in rtcspec's WHIP/WHEP clients", () => {
  test('publish and play offer opus, PCMU, PCMA in that order by default; peerOptions.codecs replaces it', async () => {
    expect(DEFAULT_CLIENT_AUDIO_CODECS).toEqual(['opus', 'PCMU', 'PCMA'])
    await using srv = await startMediaServer({})
    await using pub = await publish(srv.whipUrl())
    expect(audioEncodings(pub.offer).slice(0, 3)).toEqual(['opus', 'PCMU', 'PCMA'])
    expect(pub.offer).toMatch(/^m=audio \d+ UDP\/TLS\/RTP\/SAVPF 111 0 8( |\r?$)/m)
    await using view = await play(srv.whepUrl())
    expect(audioEncodings(view.offer).slice(0, 3)).toEqual(['opus', 'PCMU', 'PCMA'])
    await using g711 = await publish(srv.whipUrl('other'), { peerOptions: { codecs: ['PCMA'] } })
    expect(audioEncodings(g711.offer)[0]).toBe('PCMA')
    expect(audioEncodings(g711.offer)).not.toContain('opus')
  })

  test('publish → play through a server preferring Opus: the 440 Hz tone is decoded from Opus', async () => {
    await using srv = await startMediaServer({ audioCodecs: ['opus', 'PCMU', 'PCMA'] })
    await using pub = await publish(srv.whipUrl(), { audio: (sr) => tone(HZ, { sampleRate: sr }) })
    await using view = await play(srv.whepUrl())
    const track = await view.audio(10_000)
    await track.waitForPackets(100, 15_000)
    expect(track.codec?.encoding).toBe('opus')
    expect(track.codec?.clockRate).toBe(48000)
    const rec = track.recording()
    expect(rec.sampleRate).toBe(48000)
    const d = detectTone(rec.samples.subarray(Math.round(rec.sampleRate * 0.3)), rec.sampleRate, HZ, { toleranceHz: 5 })
    expect(d.present, `tone ${HZ} Hz: measured ${d.measuredHz} Hz, SNR ${d.snrDb} dB`).toBe(true)
    expect(pub.audio?.stats.codec?.encoding).toBe('opus')
  }, 30_000)

  test('an answer with no codec in common is an error naming both sides, and the session is deleted', async () => {
    await using lying = await lyingServer(answerWith(9, 9, 'G722/8000'))
    await expect(publish(lying.url)).rejects.toThrow(/NO_COMMON_CODEC|no codec in common: offered audio opus, PCMU, PCMA; the answer has audio G722/)
    expect(lying.seen).toEqual(['POST /whip/live', 'DELETE /session/1'])
  })

  test('an answer that rejects the only audio section (port 0) is one too', async () => {
    await using lying = await lyingServer(answerWith(0, 0, 'PCMU/8000'))
    await expect(play(lying.url)).rejects.toThrow(/no codec in common: offered audio opus, PCMU, PCMA; the answer has the audio section rejected \(port 0\)/)
    expect(lying.seen).toEqual(['POST /whip/live', 'DELETE /session/1'])
  })

  test('noCommonCodec: one usable section is enough; unparsable SDP is left to the peer', () => {
    const offer = answerWith(9, 111, 'opus/48000/2').replace('a=recvonly', 'a=sendonly')
    expect(noCommonCodec(offer, answerWith(9, 111, 'opus/48000/2'))).toBeUndefined()
    expect(noCommonCodec(offer, answerWith(9, 0, 'PCMU/8000'))).toBe('no codec in common: offered audio opus; the answer has audio PCMU')
    expect(noCommonCodec('garbage', 'garbage')).toBeUndefined()
  })
})
