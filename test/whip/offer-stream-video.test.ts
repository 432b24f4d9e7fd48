/**
 * A browser publishing audio and its canvas video puts them in two MediaStreams; rtcspec's WHIP client relabels the
 * offer's a=msid stream ids to the first one, so it POSTs the one MediaStream RFC 9725 §4.4.2 asks for, tracks
 * unchanged. An offer already in one stream, or without msids, is left as it is.
 */
import { describe, expect, test } from 'vitest'
import { lintWhipOffer, withOneStreamId } from '../../src/whip/offer-lint.ts'
import { syntheticOffer } from '../../src/conformance/context.ts'

describe('withOneStreamId', () => {
  test('audio and video in two streams become one stream with the same two tracks', () => {
    const sdp = syntheticOffer('whip', {
      sections: [
        { kind: 'audio', stream: 'mic' },
        { kind: 'video', stream: 'canvas' },
      ],
    }).sdp
    expect(lintWhipOffer(sdp).countViolation).toBe(true)
    const one = withOneStreamId(sdp)
    const lint = lintWhipOffer(one)
    expect(lint.streams).toEqual(['mic'])
    expect(lint.countViolation).toBe(false)
    const tracks = (s: string) => [...s.matchAll(/^a=msid:\S+ (\S+)/gm)].map((m) => m[1])
    expect(tracks(one)).toEqual(tracks(sdp))
  })

  test('an offer with one stream, or none, is unchanged', () => {
    const one = syntheticOffer('whip', {
      sections: [
        { kind: 'audio', stream: 's' },
        { kind: 'video', stream: 's' },
      ],
    }).sdp
    expect(withOneStreamId(one)).toBe(one)
    const none = 'v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 0\r\n'
    expect(withOneStreamId(none)).toBe(none)
  })
})
