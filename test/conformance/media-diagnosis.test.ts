/**
 * A failed media check names its cause: no codec in common (straight from the answer, not a timeout), a
 * server candidate the loopback rule left out (counted from the SDP answer, not only trickled ones), and the
 * SDP-level reading behind it (`negotiation`, `answerCandidates`). Fake servers answer on 127.0.0.1; the
 * foreign candidate is never contacted (it is filtered before any check is sent).
 */
import { describe, expect, test } from 'vitest'
import { createServer, type IncomingMessage } from 'node:http'
import type { AddressInfo } from 'node:net'
import { randomBytes } from 'node:crypto'
import { runConformance } from '../../src/conformance/runner.ts'
import { formatTable } from '../../src/conformance/report.ts'
import { answerCandidates, describeNegotiation, negotiation } from '../../src/conformance/media-diagnosis.ts'

const OFFER = [
  'v=0',
  'o=- 1 1 IN IP4 0.0.0.0',
  's=-',
  't=0 0',
  'a=group:BUNDLE 0 1',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111 0 8 101',
  'c=IN IP4 0.0.0.0',
  'a=mid:0',
  'a=sendonly',
  'a=rtpmap:111 opus/48000/2',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:101 telephone-event/8000',
  'm=video 9 UDP/TLS/RTP/SAVPF 96 102',
  'c=IN IP4 0.0.0.0',
  'a=mid:1',
  'a=sendonly',
  'a=rtpmap:96 VP8/90000',
  'a=rtpmap:102 H264/90000',
  'a=fmtp:102 packetization-mode=1;profile-level-id=42e01f',
  '',
].join('\r\n')

interface AnswerShape {
  /** Audio payload type lines, e.g. `['0 PCMU/8000']`; empty with `audioPort: 0`. */
  audio: string[]
  audioPort?: number
  video?: string[] | 'rejected' | 'absent'
  candidates?: string[]
}

function fakeAnswer(a: AnswerShape): string {
  const fp = [...randomBytes(32)].map((b) => b.toString(16).padStart(2, '0').toUpperCase()).join(':')
  const pts = (lines: string[]) => lines.map((l) => l.split(' ')[0]).join(' ')
  const common = ['c=IN IP4 0.0.0.0', 'a=ice-ufrag:fake', 'a=ice-pwd:fakefakefakefakefakefake', `a=fingerprint:sha-256 ${fp}`, 'a=setup:passive', 'a=rtcp-mux']
  const cands = (a.candidates ?? []).map((c) => `a=candidate:${c}`)
  const lines = ['v=0', 'o=- 2 1 IN IP4 127.0.0.1', 's=-', 't=0 0', 'a=group:BUNDLE 0']
  lines.push(
    `m=audio ${a.audioPort ?? 9} UDP/TLS/RTP/SAVPF ${pts(a.audio) || '0'}`,
    ...common,
    'a=mid:0',
    'a=recvonly',
    ...a.audio.map((l) => `a=rtpmap:${l}`),
    ...cands,
    ...(cands.length ? ['a=end-of-candidates'] : []),
  )
  if (a.video === 'rejected') lines.push('m=video 0 UDP/TLS/RTP/SAVPF 96', 'c=IN IP4 0.0.0.0', 'a=mid:1', 'a=inactive', 'a=rtpmap:96 VP8/90000')
  else if (Array.isArray(a.video))
    lines.push(`m=video 9 UDP/TLS/RTP/SAVPF ${pts(a.video)}`, ...common, 'a=mid:1', 'a=recvonly', ...a.video.map((l) => `a=rtpmap:${l}`))
  return `${lines.join('\r\n')}\r\n`
}

function body(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let s = ''
    req.on('data', (b: Buffer) => (s += b.toString()))
    req.on('end', () => resolve(s))
  })
}

/**
 * A WHIP endpoint on 127.0.0.1 that answers every offer with `answer(offer)` (201) and takes PATCH/DELETE;
 * `onTestFinished` (the calling test's) closes it.
 */
async function fakeWhip(answer: (offer: string) => string, onTestFinished: (fn: () => Promise<void>) => void): Promise<string> {
  const server = createServer(async (req, res) => {
    const text = await body(req)
    if (req.method === 'POST') {
      res.writeHead(201, { 'Content-Type': 'application/sdp', Location: '/session/1', ETag: '"1"' })
      res.end(answer(text))
      return
    }
    res.writeHead(204)
    res.end()
  })
  onTestFinished(() => new Promise<void>((r) => server.close(() => r())))
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/whip/live`
}

describe('negotiation (SDP)', () => {
  test("accepted: the answer's first offered codec; telephone-event is not media of its own", () => {
    const ans = fakeAnswer({ audio: ['0 PCMU/8000', '101 telephone-event/8000'], video: ['96 VP8/90000'] })
    const a = negotiation(OFFER, ans, 'audio')
    expect(a).toMatchObject({ status: 'accepted', codec: 'PCMU', offered: ['opus', 'PCMU', 'PCMA'], answered: ['PCMU'] })
    expect(negotiation(OFFER, ans, 'video')).toMatchObject({ status: 'accepted', codec: 'VP8' })
  })

  test('no codec in common, rejected (port 0), absent, not offered', () => {
    const none = negotiation(OFFER, fakeAnswer({ audio: ['9 G722/8000'] }), 'audio')
    expect(none.status).toBe('no-common')
    expect(describeNegotiation(none)).toBe('no codec in common: offered opus,PCMU,PCMA; answer has G722')
    const rejected = negotiation(OFFER, fakeAnswer({ audio: [], audioPort: 0 }), 'audio')
    expect(rejected.status).toBe('rejected')
    expect(describeNegotiation(rejected)).toBe('no codec in common: offered opus,PCMU,PCMA; the answer rejected the audio section (port 0)')
    expect(negotiation(OFFER, fakeAnswer({ audio: ['0 PCMU/8000'], video: 'rejected' }), 'video').status).toBe('rejected')
    expect(negotiation(OFFER, fakeAnswer({ audio: ['0 PCMU/8000'], video: 'absent' }), 'video').status).toBe('absent')
    const audioOnly = OFFER.slice(0, OFFER.indexOf('m=video'))
    expect(negotiation(audioOnly, fakeAnswer({ audio: ['0 PCMU/8000'] }), 'video').status).toBe('not-offered')
  })

  test('answerCandidates: from the SDP, each address/port once across bundled sections', () => {
    const c = '1 1 udp 2130706431 10.0.0.5 5000 typ host'
    const sdp = fakeAnswer({ audio: ['0 PCMU/8000'], candidates: [c, '2 1 udp 1694498815 203.0.113.7 6000 typ srflx raddr 10.0.0.5 rport 5000'] })
    const twice = sdp.replace('a=mid:0', `a=mid:0\r\na=candidate:${c}`)
    expect(answerCandidates(twice)).toEqual([
      { address: '10.0.0.5', port: 5000, type: 'host', protocol: 'udp' },
      { address: '203.0.113.7', port: 6000, type: 'srflx', protocol: 'udp' },
    ])
    expect(answerCandidates(undefined)).toEqual([])
  })
})

// Each test has a server of its own, and two wait out the media check's connection timeout: they run concurrently.
describe.concurrent('media check fail reasons', () => {
  test('an answer with no audio codec in common fails as such, without waiting for a connection', async ({ expect, onTestFinished }) => {
    const url = await fakeWhip(
      () => fakeAnswer({ audio: ['9 G722/8000'], video: ['96 VP8/90000'], candidates: ['1 1 udp 2130706431 127.0.0.1 9 typ host'] }),
      onTestFinished,
    )
    const report = await runConformance({ suite: 'whip', url, only: ['whip.media'] })
    const r = report.results[0]
    expect(r?.status, formatTable(report)).toBe('fail')
    expect(r?.detail.reason).toContain('no codec in common: offered opus,PCMU,PCMA; answer has G722')
    expect(r?.detail.reason).not.toMatch(/within \d+ ms|timed out/i)
    expect(r?.detail.measured?.audioCodec).toBe('no codec in common: offered opus,PCMU,PCMA; answer has G722')
  }, 30_000)

  test('an answer that rejects the audio section (port 0) is "no codec in common" too', async ({ expect, onTestFinished }) => {
    const url = await fakeWhip(
      () => fakeAnswer({ audio: [], audioPort: 0, video: ['96 VP8/90000'], candidates: ['1 1 udp 2130706431 127.0.0.1 9 typ host'] }),
      onTestFinished,
    )
    const report = await runConformance({ suite: 'whip', url, only: ['whip.media'] })
    expect(report.results[0]?.status).toBe('fail')
    expect(report.results[0]?.detail.reason).toContain('no codec in common')
  }, 30_000)

  test("a server candidate off loopback under the loopback rule: the reason names it, the answer's candidate is counted", async ({
    expect,
    onTestFinished,
  }) => {
    const url = await fakeWhip(
      () => fakeAnswer({ audio: ['0 PCMU/8000'], video: 'rejected', candidates: ['1 1 udp 2130706431 10.199.0.1 40000 typ host'] }),
      onTestFinished,
    )
    const report = await runConformance({ suite: 'whip', url, only: ['whip.media'], remoteAddresses: 'loopback' })
    const r = report.results[0]
    expect(r?.status, formatTable(report)).toBe('fail')
    expect(r?.detail.reason).toContain(
      "remote candidate 10.199.0.1:40000 typ host is not loopback (nor one of hostAddresses) and remoteAddresses is 'loopback'",
    )
    expect(r?.detail.reason).toContain('answer candidates: 1 (10.199.0.1:40000 host udp)')
    expect(r?.detail.measured).toMatchObject({ answerCandidates: 1, remoteTrickled: 0, audioCodec: 'PCMU', remoteAddresses: 'loopback', pairs: 'none' })
    expect(String(r?.detail.measured?.videoCodec)).toContain('rejected the video section')
  }, 30_000)

  test('a server that gives no candidate at all: said so', async ({ expect, onTestFinished }) => {
    const url = await fakeWhip(() => fakeAnswer({ audio: ['0 PCMU/8000'] }), onTestFinished)
    const report = await runConformance({ suite: 'whip', url, only: ['whip.media'] })
    expect(report.results[0]?.status).toBe('fail')
    expect(report.results[0]?.detail.reason).toContain('the server gave no ICE candidates (none in the answer, none trickled)')
  }, 30_000)
})
