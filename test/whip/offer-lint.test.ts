/**
 * RFC 9725 §4.4.2 (one MediaStream, at most one track per kind): the offer lint, the reference server's 422
 * for offers it does not support, and the WHIP client that adds a=msid to werift offers and refuses to POST
 * a non-conformant offer.
 */
import { describe, expect, test } from 'vitest'
import { syntheticOffer } from '../../src/conformance/checks.ts'
import type { CandidateInit, Peer, SessionDescriptionInit } from '../../src/peers/types.ts'
import { publish } from '../../src/whip/client.ts'
import { startMediaServer } from '../../src/whip/media-server.ts'
import { lintWhipOffer, withSingleMediaStream } from '../../src/whip/offer-lint.ts'
import { SessionHttpError } from '../../src/whip/session-client.ts'

const noMsid = (sdp: string) => sdp.replace(/^a=msid:.*\r\n/gm, '')

describe('lintWhipOffer', () => {
  test('a browser-like offer with audio and video in one MediaStream passes', () => {
    const lint = lintWhipOffer(syntheticOffer('whip', { video: true }).sdp)
    expect(lint).toMatchObject({ ok: true, problems: [], streams: ['rtcspec'], tracks: { audio: ['0'], video: ['1'] }, countViolation: false })
  })

  test('"a=msid:- <track>" on every section (a track without a stream) counts as one stream id', () => {
    const sdp = syntheticOffer('whip', { video: true }).sdp.replace(/^a=msid:rtcspec /gm, 'a=msid:- ')
    expect(lintWhipOffer(sdp)).toMatchObject({ ok: true, streams: ['-'] })
  })

  test('the legacy a=ssrc … msid: form is read when there is no a=msid', () => {
    const sdp = noMsid(syntheticOffer('whip').sdp).replace(/^(a=ssrc:\d+) cname:rtcspec\r\n/m, '$1 cname:rtcspec\r\n$1 msid:legacy track-a\r\n')
    expect(lintWhipOffer(sdp)).toMatchObject({ ok: true, streams: ['legacy'] })
  })

  test('two MediaStreams are a count violation naming both ids', () => {
    const lint = lintWhipOffer(
      syntheticOffer('whip', {
        sections: [
          { kind: 'audio', stream: 's1' },
          { kind: 'video', stream: 's2' },
        ],
      }).sdp,
    )
    expect(lint.countViolation).toBe(true)
    expect(lint.problems.join('\n')).toMatch(/2 MediaStreams \(s1, s2\)/)
  })

  test('two audio tracks are a count violation naming their mids', () => {
    const lint = lintWhipOffer(syntheticOffer('whip', { sections: [{ kind: 'audio' }, { kind: 'audio' }] }).sdp)
    expect(lint.countViolation).toBe(true)
    expect(lint.problems.join('\n')).toMatch(/2 audio tracks \(mids 0, 1\)/)
  })

  test('a sending section without a=msid is a problem but not a count violation; withSingleMediaStream fixes it', () => {
    const bare = noMsid(syntheticOffer('whip', { video: true }).sdp)
    const lint = lintWhipOffer(bare)
    expect(lint).toMatchObject({ ok: false, withoutMsid: ['0', '1'], countViolation: false })
    const fixed = withSingleMediaStream(bare, 'pub')
    expect(fixed.match(/^a=msid:pub pub-(audio|video)\r$/gm)).toHaveLength(2)
    expect(lintWhipOffer(fixed)).toMatchObject({ ok: true, streams: ['pub'] })
    expect(withSingleMediaStream(fixed, 'other')).toBe(fixed)
  })

  test('rejected (port 0) and recvonly sections are not tracks; an offer with no track at all is a problem', () => {
    const sdp = syntheticOffer('whip', { sections: [{ kind: 'audio' }, { kind: 'audio' }] }).sdp.replace(
      /^m=audio 9 (.*)\r\n((?:(?!m=).*\r\n)*?)(?=m=audio)/m,
      'm=audio 0 $1\r\n$2',
    )
    expect(lintWhipOffer(sdp)).toMatchObject({ ok: true, tracks: { audio: ['1'] } })
    const recvonly = syntheticOffer('whip').sdp.replace('a=sendonly', 'a=recvonly')
    expect(lintWhipOffer(recvonly).problems.join('\n')).toMatch(/no audio or video track/)
  })

  test('garbage is reported, never thrown', () => {
    expect(lintWhipOffer('not sdp at all')).toMatchObject({ ok: false, countViolation: false })
  })
})

describe('reference WHIP endpoint', () => {
  for (const [what, sections] of [
    [
      'two MediaStreams',
      [
        { kind: 'audio' as const, stream: 's1' },
        { kind: 'video' as const, stream: 's2' },
      ],
    ],
    ['two audio tracks', [{ kind: 'audio' as const }, { kind: 'audio' as const }]],
  ] as const) {
    test(`refuses an offer with ${what} with 422 and says why; creates no session`, async () => {
      await using srv = await startMediaServer()
      const res = await fetch(srv.whipUrl(), {
        method: 'POST',
        headers: { 'Content-Type': 'application/sdp' },
        body: syntheticOffer('whip', { sections: [...sections] }).sdp,
      })
      expect(res.status).toBe(422)
      expect(await res.text()).toMatch(/RFC 9725 §4\.4\.2/)
      expect(srv.sessions.size).toBe(0)
    })
  }

  test('accepts an offer without a=msid (lenient: only the counts are enforced)', async () => {
    await using srv = await startMediaServer()
    const res = await fetch(srv.whipUrl(), { method: 'POST', headers: { 'Content-Type': 'application/sdp' }, body: noMsid(syntheticOffer('whip').sdp) })
    expect(res.status).toBe(201)
  })

  test('with fault whip.offer.single-msid the same offer is accepted (the fault turns the enforcement off)', async () => {
    await using srv = await startMediaServer({ fault: 'whip.offer.single-msid' })
    const res = await fetch(srv.whipUrl(), {
      method: 'POST',
      headers: { 'Content-Type': 'application/sdp' },
      body: syntheticOffer('whip', { sections: [{ kind: 'audio' }, { kind: 'audio' }] }).sdp,
    })
    expect(res.status).toBe(201)
  })
})

/** A peer whose offer is given by the test. */
function fixedOfferPeer(sdp: string): Peer {
  return {
    name: 'fixed',
    kind: 'werift',
    trickle: false,
    createOffer: async (): Promise<SessionDescriptionInit> => ({ type: 'offer', sdp }),
    acceptAnswer: async () => undefined,
    onLocalCandidate: (_l: (c: CandidateInit | null) => void) => () => undefined,
    close: async () => undefined,
  } as unknown as Peer
}

describe('WHIP client', () => {
  test('a werift publisher (which declares no stream) POSTs an offer with one a=msid per section, and is accepted', async () => {
    await using srv = await startMediaServer()
    await using session = await publish(srv.whipUrl(), {})
    expect(lintWhipOffer(session.offer)).toMatchObject({ ok: true, streams: ['rtcspec'] })
    expect(srv.requests.find((r) => r.method === 'POST')?.status).toBe(201)
  })

  test('refuses to POST an offer with two audio tracks (WHIP_OFFER_NOT_CONFORMANT); lintOffer: false sends it and the server answers 422', async () => {
    await using srv = await startMediaServer()
    const sdp = syntheticOffer('whip', { sections: [{ kind: 'audio' }, { kind: 'audio' }] }).sdp
    await expect(publish(srv.whipUrl(), { peer: fixedOfferPeer(sdp) })).rejects.toThrow(/WHIP offer breaks RFC 9725 §4\.4\.2: 2 audio tracks/)
    expect(srv.requests.filter((r) => r.method === 'POST')).toHaveLength(0)
    const err = await publish(srv.whipUrl(), { peer: fixedOfferPeer(sdp), lintOffer: false }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(SessionHttpError)
    expect((err as SessionHttpError).exchange.response?.status).toBe(422)
  })
})
