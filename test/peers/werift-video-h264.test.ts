/**
 * H.264 negotiation (RFC 6184 §8.2.2) on werift peers: incompatible profiles and packetization modes are taken out
 * of an offer, the answer's level follows the level-asymmetry rule, and no video codec in common is an error
 * naming both sides' codecs. werift alone pairs H.264 formats by name and would answer a High-profile offer.
 */
import { describe, expect, it } from 'vitest'
import { RTCRtpCodecParameters, useH264 } from 'werift'
import { connectBackToBack } from '../../src/peers/back-to-back.ts'
import { filterVideoOffer, fixH264Answer } from '../../src/peers/video-codec-match.ts'
import { createWeriftPeer } from '../../src/peers/werift/peer.ts'
import { encodeTestsrc } from './werift-video-source.ts'

const PCMU = new RTCRtpCodecParameters({ mimeType: 'audio/PCMU', clockRate: 8000, channels: 1, payloadType: 0 })

/** An SDP video section offering `formats` (payload type → fmtp), plus an RTX format repairing the first. */
function offerSdp(formats: Array<[number, string, string | undefined]>): string {
  const pts = formats.map(([pt]) => pt)
  return [
    'v=0',
    'o=- 1 1 IN IP4 127.0.0.1',
    's=-',
    't=0 0',
    `m=video 9 UDP/TLS/RTP/SAVPF ${pts.join(' ')} 120`,
    'c=IN IP4 127.0.0.1',
    ...formats.flatMap(([pt, enc, fmtp]) => [`a=rtpmap:${pt} ${enc}/90000`, `a=rtcp-fb:${pt} nack pli`, ...(fmtp ? [`a=fmtp:${pt} ${fmtp}`] : [])]),
    'a=rtpmap:120 rtx/90000',
    `a=fmtp:120 apt=${pts[0]}`,
    '',
  ].join('\r\n')
}

describe('H.264 offer filtering and answers (pure)', () => {
  it('takes out other profiles, packetization-mode 0 and their RTX; keeps Constrained Baseline mode 1 and VP8', () => {
    const sdp = offerSdp([
      [100, 'H264', 'profile-level-id=640c1f;packetization-mode=1'],
      [101, 'H264', 'profile-level-id=42e01f'], // mode 0 (absent)
      [102, 'H264', 'profile-level-id=42e01f;packetization-mode=1;level-asymmetry-allowed=1'],
      [96, 'VP8', undefined],
    ])
    const { sdp: out, dropped } = filterVideoOffer({ localName: 'bob', localCodecs: ['VP8', 'H264'], sdp })
    expect(out).toMatch(/^m=video 9 UDP\/TLS\/RTP\/SAVPF 102 96\r$/m)
    expect(out).not.toMatch(/^a=(rtpmap|fmtp|rtcp-fb):(100|101|120) /m)
    expect(out).toMatch(/^a=fmtp:102 profile-level-id=42e01f/m)
    expect(dropped).toEqual(['H264 (profile-level-id=640c1f, packetization-mode=1)', 'H264 (profile-level-id=42e01f, packetization-mode=0 (absent))', 'RTX'])
  })

  it('a baseline offer at another level is compatible (same profile); 42001f (Baseline, not constrained) is not', () => {
    const ok = filterVideoOffer({ localName: 'bob', localCodecs: ['H264'], sdp: offerSdp([[102, 'H264', 'profile-level-id=42e00a;packetization-mode=1']]) })
    expect(ok.dropped).toEqual([])
    expect(() =>
      filterVideoOffer({ localName: 'bob', localCodecs: ['H264'], sdp: offerSdp([[102, 'H264', 'profile-level-id=42001f;packetization-mode=1']]) }),
    ).toThrow(
      /no video codec in common: the remote offer has H264 \(profile-level-id=42001f, packetization-mode=1\); bob accepts H264 \(profile-level-id=42e01f, packetization-mode=1\)/,
    )
  })

  it("answers the offer's level unless both sides allow level asymmetry (RFC 6184 §8.2.2)", () => {
    const answer = (fmtp: string) => offerSdp([[102, 'H264', fmtp]])
    const mine = 'level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f'
    expect(fixH264Answer(answer(mine), offerSdp([[102, 'H264', 'profile-level-id=42e00a;packetization-mode=1']]))).toMatch(
      /^a=fmtp:102 .*profile-level-id=42e00a\r$/m,
    )
    expect(fixH264Answer(answer(mine), offerSdp([[102, 'H264', 'profile-level-id=42e00a;packetization-mode=1;level-asymmetry-allowed=1']]))).toMatch(
      /^a=fmtp:102 .*profile-level-id=42e01f\r$/m,
    )
  })
})

describe('H.264 negotiation between werift peers', () => {
  it('an offer of High profile only is refused with NO_COMMON_VIDEO_CODEC naming both sides', async () => {
    await using alice = createWeriftPeer({
      name: 'alice',
      audio: false,
      video: 'sendonly',
      config: {
        codecs: { audio: [PCMU], video: [useH264({ payloadType: 100, parameters: 'profile-level-id=640c1f;packetization-mode=1;level-asymmetry-allowed=1' })] },
      },
    })
    await using bob = createWeriftPeer({ name: 'bob', audio: false, video: 'recvonly', videoCodecs: ['H264'] })
    const offer = await alice.createOffer()
    await expect(bob.acceptOffer(offer)).rejects.toMatchObject({
      code: 'NO_COMMON_VIDEO_CODEC',
      message: expect.stringMatching(/remote offer has H264 \(profile-level-id=640c1f, packetization-mode=1\); bob accepts H264 \(profile-level-id=42e01f/),
    })
    expect(bob.timeline.errors.at(-1)?.message).toMatch(/no video codec in common/)
  })

  it('an answer that picks High profile for our Constrained Baseline offer is refused, naming it', async () => {
    await using alice = createWeriftPeer({ name: 'alice', audio: false, video: 'sendonly', videoCodecs: ['H264'] })
    const offer = await alice.createOffer()
    const pt = /^a=rtpmap:(\d+) H264\/90000/m.exec(offer.sdp)?.[1]
    // a far end that answers the offered payload type with another profile
    await using bob = createWeriftPeer({ name: 'bob', audio: false, video: 'recvonly', videoCodecs: ['H264'] })
    const answer = await bob.acceptOffer(offer)
    const high = answer.sdp.replace(new RegExp(`^(a=fmtp:${pt} .*)profile-level-id=42e01f`, 'm'), '$1profile-level-id=640c1f')
    expect(high).toMatch(/profile-level-id=640c1f/)
    await expect(alice.acceptAnswer({ type: 'answer', sdp: high })).rejects.toMatchObject({
      code: 'NO_COMMON_VIDEO_CODEC',
      message: expect.stringMatching(/the remote answer has H264 \(profile-level-id=640c1f, packetization-mode=1\); alice accepts H264/),
    })
  })

  it('with High first and Constrained Baseline second in the offer, the answer picks Constrained Baseline and frames flow', async () => {
    const alice = createWeriftPeer({
      name: 'alice',
      audio: false,
      video: 'sendonly',
      config: {
        codecs: {
          audio: [PCMU],
          video: [
            useH264({ payloadType: 100, parameters: 'profile-level-id=640c1f;packetization-mode=1;level-asymmetry-allowed=1' }),
            useH264({ payloadType: 102, parameters: 'profile-level-id=42e01f;packetization-mode=1;level-asymmetry-allowed=1' }),
          ],
        },
      },
    })
    const bob = createWeriftPeer({ name: 'bob', audio: false, video: 'recvonly', videoCodecs: ['H264'] })
    await using call = await connectBackToBack(alice, bob)
    const answer = call.signaling.find((s) => s.type === 'answer')?.sdp ?? ''
    expect(answer).toMatch(/^m=video \d+ \S+ 102\r?$/m)
    expect(answer).toMatch(/^a=fmtp:102 .*profile-level-id=42e01f/m)
    const video = await encodeTestsrc('H264', [{ frames: 10, width: 176, height: 144, gop: 10 }])
    const handle = alice.sendVideo(video)
    const track = await bob.waitForTrack('video', 5000)
    await handle.ended
    await track.waitForVideoFrames?.(10, 5000)
    expect(track.codec).toMatchObject({ encoding: 'H264', payloadType: 102 })
    expect(track.videoFrames?.().every((f) => f.complete)).toBe(true)
  })
})
