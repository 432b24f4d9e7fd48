/**
 * Property-based tests with rtcspec's arbitraries (docs/fuzzing.md): compose them with fast-check in your
 * own specs, or run a whole campaign against an endpoint with stated invariants.
 */
import { test, expect, ParseError } from 'rtcspec'
import { buildWebrtcOffer, fc, formatCampaignSummary, httpOfferTarget, mutatedOfferSdp, runCampaign, webrtcOffer } from 'rtcspec/fuzz'
import { startMediaServer } from 'rtcspec/whip'
import { sdp } from 'rtcspec/wire'

const seed = Number(process.env.FC_SEED ?? 42)

/** The code under test in this example: an SDP munger that moves one codec to the front of each m= line. */
function preferCodec(offer: string, encoding: string): string {
  const desc = sdp.parseSdp(offer)
  for (const section of desc.media) {
    const codec = sdp.findCodec(section, encoding)
    const m = section.mline
    if (codec && m.kind === 'media') m.formats = [String(codec.payloadType), ...m.formats.filter((f) => f !== String(codec.payloadType))]
  }
  return sdp.serializeSdp(desc)
}

test('preferCodec puts PCMU first and changes nothing else (valid WebRTC offers)', () => {
  fc.assert(
    fc.property(webrtcOffer({ kinds: ['audio', 'video'] }), (spec) => {
      const offer = buildWebrtcOffer(spec)
      const out = preferCodec(offer, 'PCMU')
      const before = offer.split('\r\n')
      const after = out.split('\r\n')
      expect(after.length).toBe(before.length)
      after.forEach((line, i) => {
        if (!line.startsWith('m=')) expect(line).toBe(before[i])
        else expect(line.split(' ').slice(3).sort()).toEqual(before[i]!.split(' ').slice(3).sort())
      })
      const audio = sdp.parseSdp(out).media.find((m) => sdp.mediaKind(m) === 'audio')!
      if (audio && sdp.findCodec(audio, 'PCMU')) expect(sdp.mediaLine(audio).formats[0]).toBe('0')
    }),
    { seed, numRuns: 100 },
  )
})

test('preferCodec on hostile SDP only ever throws ParseError', () => {
  fc.assert(
    fc.property(mutatedOfferSdp({ maxMutations: 3 }), (offer) => {
      try {
        preferCodec(offer, 'PCMU')
      } catch (e) {
        expect(e).toBeInstanceOf(ParseError)
      }
    }),
    { seed, numRuns: 150 },
  )
})

test('a short campaign against the embedded WHIP server finds no invariant violation', async () => {
  await using server = await startMediaServer()
  const target = httpOfferTarget({ mode: 'whip', url: server.whipUrl() })
  const result = await runCampaign(target, { runs: 40, seconds: 30, seed })
  expect(result.counterexample, formatCampaignSummary(result)).toBeUndefined()
  expect(result.healthViolations).toEqual([])
  expect(result.cases).toBe(40)
}, 60_000)
