import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { RTCPeerConnection } from 'werift'
import { parseSdp, serializeSdp, mediaKind, bundleGroups, simulcast, sdpIssues } from '../../../src/sdp/index.ts'
import { parseSdpFrag, parseCandidate } from '../../../src/ice/index.ts'
import { parseSipMessage, serializeSipMessage, missingMandatoryHeaders } from '../../../src/sip/index.ts'
import {
  applySdpMutations,
  buildMutatedOffer,
  buildSipRequest,
  buildSipResponse,
  buildTrickleFragment,
  buildWebrtcOffer,
  loopbackCandidate,
  mutatedOffer,
  sipRequest,
  sipResponse,
  trickleFragment,
  webrtcOffer,
  webrtcOfferSdp,
} from '../../../src/fuzz/arbitraries/index.ts'
import { encodePayload, rawByte } from '../../../src/fuzz/payload.ts'

const seed = Number(process.env.FC_SEED ?? Date.now() % 2 ** 31)
console.log(`fuzz arbitraries tests: fast-check seed ${seed} (set FC_SEED to replay)`)

describe('webrtcOffer', () => {
  it('generates offers that parse, round-trip exactly and carry what the spec says', () => {
    fc.assert(
      fc.property(webrtcOffer(), (spec) => {
        const text = buildWebrtcOffer(spec)
        const desc = parseSdp(text)
        expect(serializeSdp(desc)).toBe(text)
        expect(desc.media.map((m) => mediaKind(m))).toEqual(spec.sections.map((s) => s.kind))
        expect(bundleGroups(desc)).toEqual(spec.bundle ? [spec.sections.map((_, i) => String(i))] : [])
        spec.sections.forEach((s, i) => {
          if (s.simulcast.length && s.direction !== 'recvonly') expect(simulcast(desc.media[i]!)?.send?.[0]?.map((x) => x.rid)).toEqual(s.simulcast)
        })
        expect(sdpIssues(desc).filter((x) => x.severity === 'error')).toEqual([])
        // one SSRC per stream: the same SSRC in two (BUNDLEd) sections is an offer browsers refuse
        const ssrcs = [...text.matchAll(/^a=ssrc:(\d+) /gm)].map((m) => m[1])
        expect(new Set(ssrcs).size, text).toBe(ssrcs.length)
      }),
      { seed, numRuns: 300 },
    )
  })

  it('two sections drawn with the same SSRC get distinct ones (Chromium refused such an offer)', () => {
    const spec = fc.sample(webrtcOffer(), { seed: 1291907689, numRuns: 6 })[1]!
    expect(spec.sections.map((s) => s.ssrc)).toEqual([17, 17])
    expect([...buildWebrtcOffer(spec).matchAll(/^a=ssrc:(\d+) /gm)].map((m) => m[1])).toEqual(['17', '18'])
  })

  it('covers audio-only, video, bundle, simulcast and data channel offers', () => {
    const seen = new Set<string>()
    fc.assert(
      fc.property(webrtcOffer(), (spec) => {
        if (spec.sections.every((s) => s.kind === 'audio')) seen.add('audio-only')
        if (spec.sections.some((s) => s.kind === 'video')) seen.add('video')
        if (spec.bundle && spec.sections.length > 1) seen.add('bundle')
        if (spec.sections.some((s) => s.simulcast.length > 0)) seen.add('simulcast')
        if (spec.sections.some((s) => s.kind === 'application')) seen.add('datachannel')
      }),
      { seed, numRuns: 300 },
    )
    expect([...seen].sort()).toEqual(['audio-only', 'bundle', 'datachannel', 'simulcast', 'video'])
  })

  it('werift accepts every generated offer and answers it', async () => {
    await fc.assert(
      fc.asyncProperty(webrtcOfferSdp(), async (sdp) => {
        const pc = new RTCPeerConnection()
        try {
          await pc.setRemoteDescription({ type: 'offer', sdp })
          const answer = await pc.createAnswer()
          expect(answer.sdp).toMatch(/^v=0\r\n/)
          expect(parseSdp(answer.sdp).media.length).toBe(parseSdp(sdp).media.length)
        } finally {
          await pc.close()
        }
      }),
      { seed, numRuns: 40 },
    )
  })
})

describe('SDP mutations', () => {
  it('always apply (any indexes), stay bounded in size, and are deterministic', () => {
    fc.assert(
      fc.property(mutatedOffer({ maxMutations: 4 }), (spec) => {
        const a = buildMutatedOffer(spec)
        expect(buildMutatedOffer(spec)).toBe(a)
        expect(a.length).toBeLessThan(1_500_000)
      }),
      { seed, numRuns: 500 },
    )
  })

  it('each op does what it says', () => {
    const sdp = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 0\r\na=rtpmap:0 PCMU/8000\r\n'
    expect(applySdpMutations(sdp, [{ op: 'drop', line: 2 }])).not.toContain('s=-')
    expect(applySdpMutations(sdp, [{ op: 'payloadType', rtpLine: 1, pt: 300 }])).toContain('a=rtpmap:300 PCMU/8000\r\n')
    expect(applySdpMutations(sdp, [{ op: 'payloadType', rtpLine: 0, pt: -1 }])).toContain('m=audio 9 UDP/TLS/RTP/SAVPF -1\r\n')
    expect(applySdpMutations(sdp, [{ op: 'port', section: 0, port: 70000 }])).toContain('m=audio 70000 ')
    expect(applySdpMutations(sdp, [{ op: 'eol', line: 0, eol: '\n' }])).toMatch(/^v=0\no=/)
    expect(applySdpMutations(sdp, [{ op: 'value', attribute: 0, value: '' }])).toContain('a=rtpmap:\r\n')
    expect(applySdpMutations(sdp, [{ op: 'swap', line: 0, with: 1 }])).toMatch(/^o=- 1 1 IN IP4 127.0.0.1\r\nv=0\r\n/)
    expect(applySdpMutations(sdp, [{ op: 'repeat', line: 5, count: 1000 }]).split('a=rtpmap').length - 1).toBe(1000)
    expect(applySdpMutations(sdp, [{ op: 'truncate', keep: 0 }])).toBe('')
    expect(applySdpMutations(sdp, [{ op: 'dropToken', line: 1, token: 5 }])).toContain('o=- 1 1 IN IP4\r\n')
    const raw = applySdpMutations(sdp, [{ op: 'rawBytes', line: 2, bytes: [0xff, 0xc3] }])
    expect(raw).toContain(`s=-${rawByte(0xff)}${rawByte(0xc3)}\r\n`)
    const bytes = encodePayload(raw)
    const at = bytes.indexOf(0xff)
    expect([...bytes.subarray(at - 2, at + 4)]).toEqual([0x3d, 0x2d, 0xff, 0xc3, 0x0d, 0x0a]) // "=-" FF C3 CR LF: invalid UTF-8 on the wire
  })
})

describe('trickle fragments', () => {
  it('valid specs give bodies the sdpfrag parser accepts, with the right credentials and mids, loopback-only', () => {
    const session = { ufrag: 'abcd', pwd: 'abcdefghijklmnopqrstuv', mids: ['0', '1'] }
    fc.assert(
      fc.property(trickleFragment, (spec) => {
        const frag = parseSdpFrag(buildTrickleFragment(session, spec))
        if (spec.credentials === 'session') expect(frag.ufrag).toBe('abcd')
        if (spec.credentials === 'restart') expect(frag.ufrag).toBe(spec.restartUfrag)
        if (spec.credentials === 'none') expect(frag.ufrag).toBeUndefined()
        const cands = frag.media.flatMap((m) => m.candidates)
        expect(cands.length).toBe(spec.candidates.length)
        for (const c of cands) expect(c.address === '::1' || c.address.startsWith('127.')).toBe(true)
        for (const m of frag.media) expect(session.mids).toContain(m.mid)
      }),
      { seed, numRuns: 300 },
    )
    fc.assert(
      fc.property(loopbackCandidate, (c) => void expect(c.address === '::1' || c.address.startsWith('127.')).toBe(true)),
      { seed },
    )
    expect(parseCandidate('candidate:1 1 udp 1 127.0.0.1 9 typ host').port).toBe(9)
  })
})

describe('SIP messages', () => {
  it('valid requests and responses parse, carry the mandatory headers and round-trip byte-exactly', () => {
    fc.assert(
      fc.property(fc.oneof(sipRequest.map(buildSipRequest), sipResponse.map(buildSipResponse)), (text) => {
        const m = parseSipMessage(text)
        expect(missingMandatoryHeaders(m)).toEqual([])
        expect(serializeSipMessage(m)).toBe(text)
      }),
      { seed, numRuns: 500 },
    )
  })
})
