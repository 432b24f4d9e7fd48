import { describe, expect, it } from 'vitest'
import { createSocket } from 'node:dgram'
import { runCampaign } from '../../../src/fuzz/campaign.ts'
import { formatCampaignSummary } from '../../../src/fuzz/report.ts'
import { httpOfferTarget, reduceOfferPost, type OfferPostSpec } from '../../../src/fuzz/targets/http-offer.ts'
import { buildWebrtcOffer, type WebrtcOfferSpec } from '../../../src/fuzz/arbitraries/webrtc-offer.ts'
import { buildMutatedOffer } from '../../../src/fuzz/arbitraries/sdp-mutation.ts'
import { sipTarget } from '../../../src/fuzz/targets/sip.ts'
import { trickleTarget } from '../../../src/fuzz/targets/trickle.ts'
import { startMediaServer } from '../../../src/whip/media-server.ts'
import { startSipRegistrar } from '../../../src/sipua/registrar.ts'

const seed = Number(process.env.FC_SEED ?? Date.now() % 2 ** 31)
console.log(`fuzz target tests: seed ${seed} (set FC_SEED to replay)`)

describe('HTTP offer harness against the reference server', () => {
  it('WHIP: 120 cases, no violation, answers are a mix of 201 and 4xx, a valid publish still works', async () => {
    await using server = await startMediaServer()
    const r = await runCampaign(httpOfferTarget({ mode: 'whip', url: server.whipUrl() }), { runs: 120, seconds: 90, seed })
    expect(r.counterexample, formatCampaignSummary(r)).toBeUndefined()
    expect(r.healthViolations).toEqual([])
    expect(r.distribution['201']).toBeGreaterThan(0)
    expect(Object.keys(r.distribution).some((k) => /^4\d\d$/.test(k))).toBe(true)
    expect(server.sessions.size, 'every created resource was deleted').toBe(0)
  }, 150_000)

  it('WHEP with a publisher: 60 cases, no violation, and RTP reaches a valid viewer afterwards', async () => {
    await using server = await startMediaServer()
    const r = await runCampaign(httpOfferTarget({ mode: 'whep', url: server.whepUrl(), publishUrl: server.whipUrl() }), { runs: 60, seconds: 90, seed })
    expect(r.counterexample, formatCampaignSummary(r)).toBeUndefined()
    expect(r.healthViolations).toEqual([])
    expect(r.invariants.join(' ')).toContain('RTP from a publisher arrives')
  }, 150_000)

  it('catches a server that answers malformed SDP with 500 (fault whip.post.malformed-sdp) and shrinks it', async () => {
    await using server = await startMediaServer({ fault: 'whip.post.malformed-sdp' })
    const r = await runCampaign(httpOfferTarget({ mode: 'whip', url: server.whipUrl() }), { runs: 300, seconds: 60, seed })
    expect(r.counterexample?.outcome.violations.join()).toMatch(/answered 500/)
    expect((r.counterexample!.input as { offer: { mutations: unknown[] } }).offer.mutations.length).toBeLessThanOrEqual(1)
  }, 150_000)
})

describe('trickle PATCH harness against the reference WHEP server', () => {
  it('60 PATCHes: no violation; 204s happened and media kept flowing', async () => {
    await using server = await startMediaServer()
    const t = trickleTarget({ url: server.whepUrl(), mode: 'whep', publishUrl: server.whipUrl() })
    try {
      const r = await runCampaign(t, { runs: 60, seconds: 90, seed })
      expect(r.counterexample, formatCampaignSummary(r)).toBeUndefined()
      expect(r.healthViolations).toEqual([])
      expect(r.distribution['204']).toBeGreaterThan(0)
    } finally {
      await t.close?.()
    }
  }, 150_000)

  it('catches a server that accepts a PATCH with a stale If-Match (fault whep.etag.stale)', async () => {
    await using server = await startMediaServer({ fault: 'whep.etag.stale' })
    const t = trickleTarget({ url: server.whepUrl(), mode: 'whep', publishUrl: server.whipUrl() })
    try {
      // about 2 % of generated PATCHes carry a stale If-Match on an otherwise acceptable body; the first one found
      // is the finding (running out the remaining cases would only count repeats of it)
      const r = await runCampaign(t, { runs: 800, seconds: 150, seed, stopOnFinding: true })
      expect(r.counterexample?.outcome.violations.join()).toMatch(/stale If-Match was accepted/)
      expect(r.counterexample?.case.fields.ifMatch).toBe('stale')
    } finally {
      await t.close?.()
    }
  }, 300_000)
})

describe('SIP harness', () => {
  it('against the embedded registrar over UDP and WebSocket: no violation, OPTIONS still answered', async () => {
    // One registrar per transport: a stateless proxy forwards requests for users registered from another
    // (by then closed) socket and, rightly, never answers them itself (RFC 3261 §16.11).
    for (const transport of ['udp', 'ws'] as const) {
      await using reg = await startSipRegistrar({ transports: [transport] })
      const t = sipTarget({ url: transport === 'udp' ? `udp://127.0.0.1:${reg.udp.port}` : reg.wsUrl })
      try {
        const r = await runCampaign(t, { runs: 120, seconds: 60, seed })
        expect(r.counterexample, formatCampaignSummary(r)).toBeUndefined()
        expect(r.healthViolations).toEqual([])
        expect(Object.keys(r.distribution).some((k) => k.startsWith('silence:'))).toBe(true)
        expect(Object.keys(r.distribution).some((k) => /^[2-6]\d\d$/.test(k))).toBe(true)
      } finally {
        await t.close?.()
      }
    }
  }, 150_000)

  it('catches an endpoint that goes silent after a few requests', async () => {
    const sock = createSocket('udp4')
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()))
    let answered = 0
    sock.on('message', (buf, rinfo) => {
      const text = buf.toString('utf8')
      if (answered >= 3 || !/^[A-Z]+ sip:/.test(text) || text.startsWith('ACK')) return
      answered++
      const keep = text.split('\r\n').filter((l) => /^(via|v|from|f|to|t|call-id|i|cseq):/i.test(l))
      sock.send(`SIP/2.0 200 OK\r\n${keep.join('\r\n')}\r\nContent-Length: 0\r\n\r\n`, rinfo.port, rinfo.address)
    })
    const t = sipTarget({ url: `udp://127.0.0.1:${sock.address().port}`, timeoutMs: 500 })
    try {
      // once silent it stays silent: the first finding is enough (every later case would wait out its 500 ms), and so
      // is a few seconds of shrinking it (each attempt waits out 500 ms; this test asserts the finding, not its size)
      const r = await runCampaign(t, { runs: 200, seconds: 5, seed, stopOnFinding: true })
      expect(r.counterexample?.outcome.violations.join()).toMatch(/no final response within 500 ms/)
      expect([...r.healthViolations.join()].length).toBeGreaterThan(0)
      expect(r.healthViolations.join()).toMatch(/stopped answering OPTIONS/)
    } finally {
      await t.close?.()
      sock.close()
    }
  }, 150_000)
})

describe('reduceOfferPost', () => {
  const offer: WebrtcOfferSpec = {
    sessionId: '1',
    bundle: true,
    trickle: false,
    ufrag: 'abcd',
    pwd: 'a'.repeat(22),
    fingerprint: Array.from({ length: 32 }, () => 0),
    candidatePorts: [],
    streamId: 's',
    sections: [{ kind: 'audio', codecs: [0], direction: 'sendrecv', simulcast: [], ssrc: undefined, extraExtmaps: false }],
  }
  const badRtpmap = (spec: OfferPostSpec) =>
    buildMutatedOffer(spec.offer)
      .split('\r\n')
      .filter((l) => l.startsWith('a=rtpmap:-1 '))

  it('replaces a two-mutation detour to a line by the one mutation aimed at it directly', () => {
    const lines = buildWebrtcOffer(offer).split('\r\n')
    const mLine = lines.findIndex((l) => l.startsWith('m=audio '))
    // dropping "audio" from the m= line stops the payload-type mutation counting it, so rtpLine 0 lands on a=rtpmap
    const detour: OfferPostSpec = {
      contentType: 'application/sdp',
      offer: {
        offer,
        mutations: [
          { op: 'dropToken', line: mLine, token: 0 },
          { op: 'payloadType', rtpLine: 0, pt: -1 },
        ],
      },
    }
    expect(badRtpmap(detour)).toHaveLength(1)
    const single = reduceOfferPost(detour).filter((s) => s.offer.mutations.length === 1 && badRtpmap(s).length === 1)
    expect(single.map((s) => s.offer.mutations[0])).toContainEqual({ op: 'payloadType', rtpLine: 1, pt: -1 })
  })

  it('offers no re-aimed variants for a single mutation (lowering its indexes is enough)', () => {
    const one: OfferPostSpec = { contentType: 'application/sdp', offer: { offer, mutations: [{ op: 'payloadType', rtpLine: 3, pt: -1 }] } }
    const variants = reduceOfferPost(one)
    expect(
      variants
        .filter((s) => s.offer.mutations.length === 1 && s.offer.mutations[0]!.op === 'payloadType')
        .map((s) => (s.offer.mutations[0] as { rtpLine: number }).rtpLine),
    ).toEqual([0, 1, 2])
  })
})
