import { describe, it, expect } from 'vitest'
import {
  bundleGroups,
  candidates,
  codecs,
  connection,
  direction,
  endOfCandidates,
  extmapAllowMixed,
  extmaps,
  findCodec,
  fingerprints,
  iceOptions,
  icePwd,
  iceUfrag,
  isIceLite,
  maxMessageSize,
  maxptime,
  mediaKind,
  mediaLine,
  mid,
  msid,
  msidSemantic,
  origin,
  parseSdp,
  ptime,
  rids,
  rtcpAttribute,
  rtcpMux,
  rtcpMuxOnly,
  rtcpRsize,
  sctpPort,
  sectionByMid,
  serializeSdp,
  sessionConnection,
  sessionIceOptions,
  sessionName,
  setupRole,
  simulcast,
  ssrcGroups,
  ssrcs,
  timings,
  unmappedPayloadTypes,
  type MediaSection,
  type SessionDescription,
} from '../../src/sdp/index.ts'
import { corpusFiles, load } from './corpus.ts'

function section(desc: SessionDescription, index: number): MediaSection {
  const s = desc.media[index]
  if (!s) throw new Error(`no media section ${index}`)
  return s
}

describe('SDP corpus', () => {
  it('has at least 15 files from every origin', () => {
    expect(corpusFiles.length).toBeGreaterThanOrEqual(15)
    for (const origin of ['chromium-', 'werift-', 'ffmpeg-', 'sipp-', 'rfc8866-', 'rfc8829-']) {
      expect(
        corpusFiles.some((f) => f.startsWith(origin)),
        origin,
      ).toBe(true)
    }
  })

  describe.each(corpusFiles)('%s', (file) => {
    const text = load(file)
    it('round-trips byte for byte', () => {
      expect(serializeSdp(parseSdp(text))).toBe(text)
    })
    it('is stable under parse → serialize → parse', () => {
      const once = parseSdp(text)
      expect(parseSdp(serializeSdp(once))).toEqual(once)
    })
    it('keeps the input line ending', () => {
      const desc = parseSdp(text)
      expect(desc.lineEnding).toBe(text.includes('\r\n') ? '\r\n' : '\n')
      expect(desc.trailer).toBe(desc.lineEnding)
    })
  })
})

describe('Chromium offer (audio + video)', () => {
  const desc = parseSdp(load('chromium-offer-audio-video.sdp'))
  const audio = section(desc, 0)
  const video = section(desc, 1)
  it('uses CRLF and a Chromium origin', () => {
    expect(desc.lineEnding).toBe('\r\n')
    expect(origin(desc)).toEqual({
      username: '-',
      sessionId: '3982097384958540421',
      sessionVersion: '2',
      netType: 'IN',
      addrType: 'IP4',
      address: '127.0.0.1',
    })
    expect(sessionName(desc)).toBe('-')
    expect(timings(desc)).toEqual([{ start: 0, stop: 0 }])
  })
  it('bundles mids 0 and 1 and declares msid-semantic WMS', () => {
    expect(bundleGroups(desc)).toEqual([['0', '1']])
    expect(msidSemantic(desc)).toEqual({ semantic: 'WMS', identifiers: ['243960e5-3b6a-47fb-a9d9-6a301d373552'] })
    expect(extmapAllowMixed(desc)).toBe(true)
    expect(isIceLite(desc)).toBe(false)
    expect(mid(audio)).toBe('0')
    expect(mid(video)).toBe('1')
    expect(sectionByMid(desc, '1')).toBe(video)
  })
  it('has the m= lines as captured', () => {
    expect(mediaLine(audio)).toEqual({ media: 'audio', port: 9, proto: 'UDP/TLS/RTP/SAVPF', formats: ['111', '63', '9', '0', '8', '13', '110', '126'] })
    expect(mediaKind(video)).toBe('video')
    expect(mediaLine(video).formats).toHaveLength(23)
  })
  it('offers opus 111/48000/2 with its fmtp and rtcp-fb joined', () => {
    const opus = findCodec(audio, 'opus')
    expect(opus).toMatchObject({ payloadType: 111, encodingName: 'opus', clockRate: 48000, channels: 2, fmtp: 'minptime=10;useinbandfec=1', static: false })
    expect(opus?.parameters.get('useinbandfec')).toBe('1')
    expect(opus?.feedback).toEqual([{ type: 'transport-cc' }])
    expect(codecs(audio).map((c) => `${c.payloadType} ${c.encodingName}/${c.clockRate}`)).toEqual([
      '111 opus/48000',
      '63 red/48000',
      '9 G722/8000',
      '0 PCMU/8000',
      '8 PCMA/8000',
      '13 CN/8000',
      '110 telephone-event/48000',
      '126 telephone-event/8000',
    ])
    expect(unmappedPayloadTypes(audio)).toEqual([])
  })
  it('joins VP8 rtcp-fb and rtx apt', () => {
    const vp8 = findCodec(video, 'VP8')
    expect(vp8?.payloadType).toBe(96)
    expect(vp8?.feedback).toEqual([
      { type: 'goog-remb' },
      { type: 'transport-cc' },
      { type: 'ccm', parameters: 'fir' },
      { type: 'nack' },
      { type: 'nack', parameters: 'pli' },
    ])
    const rtx = codecs(video).find((c) => c.payloadType === 97)
    expect(rtx?.encodingName).toBe('rtx')
    expect(rtx?.parameters.get('apt')).toBe('96')
  })
  it('carries DTLS and ICE parameters per section', () => {
    for (const s of [audio, video]) {
      expect(setupRole(s, desc)).toBe('actpass')
      expect(fingerprints(s, desc)).toEqual([
        { hashFunction: 'sha-256', fingerprint: 'A4:22:BD:E2:60:4E:C8:54:EA:79:01:2C:7D:C9:37:75:3E:72:8A:C5:00:B2:94:F9:F0:79:D2:6E:D9:F4:FE:CD' },
      ])
      expect(iceUfrag(s, desc)).toBe('X23l')
      expect(icePwd(s, desc)).toBe('wD07UR/yIHZsbPQM62klTRXx')
      expect(iceOptions(s, desc)).toEqual(['trickle'])
      expect(rtcpMux(s)).toBe(true)
      expect(direction(s, desc)).toBe('sendrecv')
    }
    expect(rtcpRsize(video)).toBe(true)
    expect(rtcpRsize(audio)).toBe(true)
    expect(rtcpMuxOnly(audio)).toBe(false)
    expect(rtcpAttribute(audio)).toEqual({ port: 9, netType: 'IN', addrType: 'IP4', address: '0.0.0.0' })
    expect(connection(audio, desc)).toEqual({ netType: 'IN', addrType: 'IP4', address: '0.0.0.0' })
  })
  it('lists msid, ssrcs and the FID group', () => {
    expect(msid(audio)).toEqual({ streamId: '243960e5-3b6a-47fb-a9d9-6a301d373552', trackId: '073142b3-059b-450b-9c75-b659a6b1c4d4' })
    expect(ssrcGroups(video)).toEqual([{ semantics: 'FID', ssrcs: [894725949, 3902221943] }])
    expect(ssrcs(video).map((s) => s.ssrc)).toEqual([894725949, 3902221943])
    expect(ssrcs(video)[0]?.cname).toBeTypeOf('string')
    expect(ssrcs(audio)).toHaveLength(1)
  })
  it('maps header extensions', () => {
    expect(extmaps(audio).map((e) => [e.id, e.uri])).toEqual([
      [1, 'urn:ietf:params:rtp-hdrext:ssrc-audio-level'],
      [2, 'http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time'],
      [3, 'http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01'],
      [4, 'urn:ietf:params:rtp-hdrext:sdes:mid'],
    ])
  })
  it('has no candidates before gathering', () => {
    expect(candidates(audio)).toEqual([])
    expect(endOfCandidates(audio)).toBe(false)
  })
})

describe('Chromium gathered offer', () => {
  const desc = parseSdp(load('chromium-offer-audio-video-gathered.sdp'))
  it('keeps candidates as raw strings in order', () => {
    const audio = section(desc, 0)
    const list = candidates(audio)
    expect(list).toHaveLength(4)
    expect(list[0]).toMatch(/^\d+ 1 udp \d+ \S+ \d+ typ host/)
    expect(list.filter((c) => c.includes(' tcp '))).toHaveLength(2)
    expect(mediaLine(audio).port).not.toBe(9)
  })
})

describe('Chromium answers', () => {
  it('audio+video answer takes the active DTLS role', () => {
    const desc = parseSdp(load('chromium-answer-audio-video.sdp'))
    expect(desc.media.map((s) => setupRole(s, desc))).toEqual(['active', 'active'])
    expect(iceUfrag(section(desc, 0), desc)).toBe('bT4D')
    expect(ssrcGroups(section(desc, 1))).toEqual([{ semantics: 'FID', ssrcs: [3310875161, 3127601486] }])
  })
  it('sendonly answer to a recvonly offer', () => {
    const offer = parseSdp(load('chromium-offer-recvonly.sdp'))
    expect(offer.media.map((s) => direction(s, offer))).toEqual(['recvonly', 'recvonly'])
    const answer = parseSdp(load('chromium-answer-sendonly-audio.sdp'))
    expect(answer.media.map((s) => direction(s, answer))).toEqual(['sendonly', 'inactive'])
    expect(msidSemantic(answer)).toEqual({ semantic: 'WMS', identifiers: [] })
  })
})

describe('Chromium simulcast offer', () => {
  const desc = parseSdp(load('chromium-offer-simulcast.sdp'))
  const video = section(desc, 0)
  it('has three send rids and a simulcast line', () => {
    expect(direction(video, desc)).toBe('sendonly')
    expect(rids(video).map((r) => [r.id, r.direction])).toEqual([
      ['h', 'send'],
      ['m', 'send'],
      ['l', 'send'],
    ])
    expect(simulcast(video)).toEqual({
      send: [[{ rid: 'h', paused: false }], [{ rid: 'm', paused: false }], [{ rid: 'l', paused: false }]],
    })
    expect(extmaps(video).some((e) => e.uri === 'urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id')).toBe(true)
  })
})

describe('datachannel offers', () => {
  it('Chromium', () => {
    const desc = parseSdp(load('chromium-offer-datachannel.sdp'))
    const app = section(desc, 0)
    expect(mediaLine(app)).toEqual({ media: 'application', port: 9, proto: 'UDP/DTLS/SCTP', formats: ['webrtc-datachannel'] })
    expect(sctpPort(app)).toBe(5000)
    expect(maxMessageSize(app)).toBe(262144)
    expect(codecs(app)).toEqual([])
    expect(unmappedPayloadTypes(app)).toEqual([])
  })
  it('RFC 8841 style with ice-lite', () => {
    const desc = parseSdp(load('rfc8841-style-datachannel-offer.sdp'))
    expect(isIceLite(desc)).toBe(true)
    const app = section(desc, 0)
    expect(mid(app)).toBe('data')
    expect(maxMessageSize(app)).toBe(100000)
    expect(endOfCandidates(app)).toBe(true)
    expect(candidates(app)).toEqual(['1 1 UDP 2113929471 79.97.215.79 54111 typ host'])
  })
})

describe('werift', () => {
  it('audio offer: OPUS 96, PCMU 0, WMS *', () => {
    const desc = parseSdp(load('werift-offer-audio.sdp'))
    expect(msidSemantic(desc)).toEqual({ semantic: 'WMS', identifiers: ['*'] })
    const audio = section(desc, 0)
    expect(findCodec(audio, 'opus')).toMatchObject({ payloadType: 96, encodingName: 'OPUS', clockRate: 48000, channels: 2 })
    expect(findCodec(audio, 'pcmu')).toMatchObject({ payloadType: 0, clockRate: 8000, static: false })
  })
  it('gathered offer: three bundled sections with end-of-candidates', () => {
    const desc = parseSdp(load('werift-offer-audio-video-datachannel-gathered.sdp'))
    expect(bundleGroups(desc)).toEqual([['0', '1', '2']])
    expect(desc.media.map((s) => mediaKind(s))).toEqual(['audio', 'video', 'application'])
    expect(desc.media.map((s) => endOfCandidates(s))).toEqual([true, true, true])
    expect(desc.media.map((s) => candidates(s).length)).toEqual([1, 1, 1])
    expect(direction(section(desc, 1), desc)).toBe('recvonly')
    expect(maxMessageSize(section(desc, 2))).toBe(65536)
  })
})

describe('FFmpeg', () => {
  it('opus: session-level c=, b=AS, tool attribute', () => {
    const desc = parseSdp(load('ffmpeg-opus.sdp'))
    expect(sessionName(desc)).toBe('No Name')
    expect(sessionConnection(desc)).toEqual({ netType: 'IN', addrType: 'IP4', address: '127.0.0.1' })
    const audio = section(desc, 0)
    expect(connection(audio)).toBeUndefined()
    expect(connection(audio, desc)?.address).toBe('127.0.0.1')
    expect(mediaLine(audio).proto).toBe('RTP/AVP')
    expect(findCodec(audio, 'opus')).toMatchObject({ payloadType: 97, clockRate: 48000, channels: 2 })
  })
  it('pcmu: static payload type 0 without rtpmap', () => {
    const audio = section(parseSdp(load('ffmpeg-pcmu.sdp')), 0)
    expect(codecs(audio)).toEqual([{ payloadType: 0, encodingName: 'PCMU', clockRate: 8000, channels: 1, parameters: new Map(), feedback: [], static: true }])
  })
  it('h264: packetization-mode=1', () => {
    const video = section(parseSdp(load('ffmpeg-h264.sdp')), 0)
    const h264 = findCodec(video, 'h264')
    expect(h264?.payloadType).toBe(96)
    expect(h264?.parameters.get('packetization-mode')).toBe('1')
    expect(h264?.channels).toBeUndefined()
  })
  it('vp8 + opus: media-level c=', () => {
    const desc = parseSdp(load('ffmpeg-vp8-opus.sdp'))
    expect(sessionConnection(desc)).toBeUndefined()
    expect(desc.media.map((s) => connection(s)?.address)).toEqual(['127.0.0.1', '127.0.0.1'])
    expect(desc.media.map((s) => codecs(s)[0]?.encodingName)).toEqual(['VP8', 'opus'])
  })
})

describe('SIPp', () => {
  it('uac INVITE offers PCMU on RTP/AVP', () => {
    const desc = parseSdp(load('sipp-uac-invite.sdp'))
    expect(origin(desc)?.username).toBe('user1')
    const audio = section(desc, 0)
    expect(mediaLine(audio).proto).toBe('RTP/AVP')
    expect(codecs(audio).map((c) => c.encodingName)).toEqual(['PCMU'])
    expect(direction(audio, desc)).toBe('sendrecv')
  })
  it('uas 200 OK answers on another port', () => {
    const offer = section(parseSdp(load('sipp-uac-invite.sdp')), 0)
    const answer = section(parseSdp(load('sipp-uas-200ok.sdp')), 0)
    expect(mediaLine(answer).port).not.toBe(mediaLine(offer).port)
  })
})

describe('JSEP-style offer (RFC 8829 §7.1 shape)', () => {
  const desc = parseSdp(load('rfc8829-style-jsep-offer.sdp'))
  it('session attributes', () => {
    expect(sessionIceOptions(desc)).toEqual(['trickle', 'ice2'])
    expect(bundleGroups(desc)).toEqual([['a1', 'v1', 'd1']])
  })
  it('audio section', () => {
    const a = section(desc, 0)
    expect(maxptime(a)).toBe(120)
    expect(ptime(a)).toBeUndefined()
    expect(rtcpAttribute(a)).toEqual({ port: 10101, netType: 'IN', addrType: 'IP4', address: '203.0.113.100' })
    expect(rtcpRsize(a)).toBe(true)
    expect(candidates(a)).toHaveLength(2)
    expect(msid(a)).toEqual({ streamId: '47017fee-b6c1-4162-929c-a25110252400' })
    expect(codecs(a).find((c) => c.payloadType === 97)?.parameters).toEqual(new Map([['0-15', '']]))
  })
  it('video section with simulcast and rids; datachannel bundle-only', () => {
    const v = section(desc, 1)
    expect(rids(v).map((r) => r.id)).toEqual(['1', '2', '3'])
    expect(
      simulcast(v)
        ?.send?.flat()
        .map((s) => s.rid),
    ).toEqual(['1', '2', '3'])
    const d = section(desc, 2)
    expect(mediaLine(d).port).toBe(0)
    expect(sctpPort(d)).toBe(5000)
  })
})

describe('RFC 8853-style simulcast offer', () => {
  const v = section(parseSdp(load('rfc8853-style-simulcast-offer.sdp')), 0)
  it('parses paused alternatives and recv streams', () => {
    expect(simulcast(v)).toEqual({
      send: [
        [{ rid: '1', paused: false }],
        [
          { rid: '2', paused: true },
          { rid: '3', paused: false },
        ],
      ],
      recv: [[{ rid: '4', paused: false }]],
    })
    expect(rids(v)[0]).toEqual({ kind: 'rid', id: '1', direction: 'send', restrictions: 'pt=97;max-width=1280;max-height=720' })
    expect(rtcpMuxOnly(v)).toBe(true)
    expect(extmaps(v)[1]).toEqual({ kind: 'extmap', id: 2, direction: 'sendonly', uri: 'urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id' })
    expect(ssrcs(v)).toEqual([
      { ssrc: 1111, cname: 'alice@example.com', attributes: [{ attribute: 'cname', value: 'alice@example.com' }] },
      { ssrc: 2222, cname: 'alice@example.com', attributes: [{ attribute: 'cname', value: 'alice@example.com' }] },
    ])
  })
})
