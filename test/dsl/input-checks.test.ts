/**
 * Mistakes a new user makes, each with the error that names it: misspelt options (with a did-you-mean), ratios
 * written as percentages, durations without units, and waits longer than the test's timeout.
 */
import { describe, it, expect } from 'vitest'
import { z } from 'zod'
import '../../src/dsl/expect.ts'
import { test as rtcTest } from '../../src/dsl/fixtures.ts'
import { RtpReceiveStats } from '../../src/rtp/stats.ts'
import { didYouMean, editDistance, parseOptions } from '../../src/options.ts'
import { openBackToBack } from '../../src/calls/open.ts'
import { toMs } from '../../src/calls/duration.ts'
import { toRatio } from '../../src/calls/ratio.ts'
import { parseScenario } from '../../src/calls/scenario-spec.ts'
import { describeOnAbort } from '../../src/dsl/call-diagnosis.ts'
import { tone } from '../../src/media/sources.ts'
import { createWeriftPeer } from '../../src/peers/werift/peer.ts'
import { createRtpPeer } from '../../src/peers/rtp/peer.ts'
import { createChromiumPeer } from '../../src/peers/chromium/peer.ts'
import { startCoturn } from '../../src/services/coturn.ts'
import { startFfmpegSource } from '../../src/services/ffmpeg.ts'
import { startSipp } from '../../src/services/sipp.ts'
import { runLoad } from '../../src/load/run.ts'
import { publish } from '../../src/whip/client.ts'
import { play } from '../../src/whep/client.ts'
import type { B2BOptions } from '../../src/calls/open.ts'

/** RTP stats of `n` packets with every `lossEvery`-th one missing. */
function statsWithLoss(n: number, lost: number) {
  const s = new RtpReceiveStats({ clockRate: 8000 })
  for (let i = 0; i < n; i++)
    if (i % Math.round(n / lost) !== 1) s.onPacket({ sequenceNumber: i, timestamp: i * 160, ssrc: 1, payloadType: 0, payloadBytes: 160 }, i * 20)
  return s.snapshot()
}

function messageOf(fn: () => unknown): string {
  try {
    fn()
  } catch (e) {
    return (e as Error).message
  }
  return '(no error)'
}

async function rejection(p: Promise<unknown>): Promise<string> {
  try {
    await p
  } catch (e) {
    return (e as Error).message
  }
  return '(no error)'
}

describe('did-you-mean', () => {
  it('edit distance counts a swap of neighbours as one edit', () => {
    expect(editDistance('codce', 'codec')).toBe(1)
    expect(editDistance('trickel', 'trickle')).toBe(1)
    expect(editDistance('abc', 'abc')).toBe(0)
    expect(editDistance('', 'abc')).toBe(3)
  })

  it('suggests a close key, and nothing for an unrelated one', () => {
    expect(didYouMean('codce', ['codec', 'trickle', 'network'])).toBe('codec')
    expect(didYouMean('netwrk', ['codec', 'trickle', 'network'])).toBe('network')
    expect(didYouMean('banana', ['codec', 'trickle', 'network'])).toBeUndefined()
  })

  it('names nested unknown keys with their path', () => {
    const schema = z.strictObject({ a: z.strictObject({ name: z.string().optional() }).optional() })
    expect(messageOf(() => parseOptions(schema, { a: { nmae: 'x' } }, { what: 'test options' }))).toMatch(/a: unknown option "nmae" \(did you mean "name"\?\)/)
  })
})

describe('options objects are checked at run time', () => {
  it("b2b({ codce: 'opus' }) is an error naming codec, before any peer exists", async () => {
    const m = await rejection(openBackToBack({ codce: 'opus' } as unknown as B2BOptions))
    expect(m).toMatch(/invalid b2b options/)
    expect(m).toMatch(/unknown option "codce" \(did you mean "codec"\?\)/)
  })

  it('b2b: a misspelt side option, an unknown codec, a bad duration', async () => {
    expect(await rejection(openBackToBack({ a: { trickel: false } } as unknown as B2BOptions))).toMatch(
      /a: unknown option "trickel" \(did you mean "trickle"\?\)/,
    )
    expect(await rejection(openBackToBack({ codec: 'opsu' }))).toMatch(/codec: unknown audio codec "opsu" \(did you mean "OPUS"\?\)/)
    expect(await rejection(openBackToBack({ connectTimeout: '10' as never }))).toMatch(
      /connectTimeout: invalid duration "10": no unit \(10 what\? write '10ms' or '10s'\)/,
    )
    expect(await rejection(openBackToBack({ send: { a: 440 as never } }))).toMatch(/send\.a: an audio source/)
  })

  it('peer factories: werift, RTP and Chromium', async () => {
    expect(messageOf(() => createWeriftPeer({ codec: ['PCMU'] } as never))).toMatch(
      /invalid werift peer options[\s\S]*unknown option "codec" \(did you mean "codecs"\?\)/,
    )
    expect(messageOf(() => createWeriftPeer({ remoteAddresses: 'all' as never }))).toMatch(/remoteAddresses/)
    expect(messageOf(() => createRtpPeer({ ptime: 20 } as never))).toMatch(/invalid RTP peer options[\s\S]*unknown option "ptime" \(did you mean "ptimeMs"\?\)/)
    // checked before any browser is launched
    expect(await rejection(createChromiumPeer({ pollInterval: 100 } as never))).toMatch(
      /invalid Chromium peer options[\s\S]*unknown option "pollInterval" \(did you mean "pollIntervalMs"\?\)/,
    )
  })

  it('services: coturn, FFmpeg, SIPp (checked before anything starts)', async () => {
    expect(await rejection(startCoturn({ relm: 'x' } as never))).toMatch(/invalid coturn options[\s\S]*unknown option "relm" \(did you mean "realm"\?\)/)
    expect(await rejection(startFfmpegSource({ audio: { to: { host: '127.0.0.1', port: 5004 }, codek: 'PCMU' } } as never))).toMatch(
      /invalid FFmpeg source options[\s\S]*audio: unknown option "codek" \(did you mean "codec"\?\)/,
    )
    expect(await rejection(startSipp({ scenario: 'uas', rtpEko: true } as never))).toMatch(
      /invalid SIPp options[\s\S]*unknown option "rtpEko" \(did you mean "rtpEcho"\?\)/,
    )
  })

  it('WHIP publish and WHEP play (checked before any request or peer)', async () => {
    expect(await rejection(publish('http://127.0.0.1:9/whip', { tokn: 'secret' } as never))).toMatch(
      /invalid publish options[\s\S]*unknown option "tokn" \(did you mean "token"\?\)/,
    )
    expect(await rejection(play('http://127.0.0.1:9/whep', { peerOptions: { codec: ['PCMU'] } } as never))).toMatch(
      /invalid play options[\s\S]*peerOptions: unknown option "codec" \(did you mean "codecs"\?\)/,
    )
  })

  it('load options', async () => {
    expect(await rejection(runLoad({ spec: 'b2b-pcmu', calls: 1, rate: 1, holdMs: 10, maxFailure: 1 } as never))).toMatch(
      /unknown option "maxFailure" \(did you mean "maxFailures"\?\)/,
    )
    expect(await rejection(runLoad({ spec: 'b2b-pcmu', calls: 1, rate: 1, holdMs: 10, maxMissing: 5 }))).toMatch(
      /maxMissing: a ratio is between 0 and 1 — did you mean 0\.05 \(5 %\)\?/,
    )
  })

  it('scenario specs: an unknown key gets a did-you-mean too, and lossBelow takes a percentage', () => {
    expect(messageOf(() => parseScenario({ peers: { a: {}, b: {} }, duraton: '1s' }))).toMatch(/unknown option "duraton" \(did you mean "duration"\?\)/)
    expect(parseScenario({ peers: { a: {}, b: {} }, expect: { 'b.audio.in': { lossBelow: '2%' } } }).expect['b.audio.in']?.lossBelow).toBeCloseTo(0.02)
    expect(messageOf(() => parseScenario({ peers: { a: {}, b: {} }, expect: { 'b.audio.in': { lossBelow: 2 } } }))).toMatch(/did you mean 0\.02 \(2 %\)\?/)
  })
})

describe('ratios', () => {
  it('toHaveLossBelow(5) with 20 % loss fails as a mistake, not a pass', () => {
    const snap = statsWithLoss(100, 20)
    expect(snap.lossFraction).toBeGreaterThan(0.15)
    expect(messageOf(() => expect(snap).toHaveLossBelow(5))).toMatch(/toHaveLossBelow\(5\): a ratio is between 0 and 1 — did you mean 0\.05 \(5 %\)\?/)
  })

  it("'5%' is a ratio: it judges the loss like 0.05", () => {
    const snap = statsWithLoss(100, 20)
    expect(() => expect(snap).toHaveLossBelow('5%')).toThrow(/expected loss on RTP stream to be below 5\.00 %, measured 2\d\.00 %/)
    expect(snap).toHaveLossBelow('25%')
    expect(statsWithLoss(100, 2)).toHaveLossBelow('5%')
  })

  it('negative, NaN, wrong types and odd strings are refused with the fix', () => {
    const snap = statsWithLoss(100, 2)
    expect(messageOf(() => expect(snap).toHaveLossBelow(-0.1))).toMatch(/toHaveLossBelow\(-0\.1\): a ratio is between 0 and 1, got -0\.1 \(negative\)/)
    expect(messageOf(() => expect(snap).toHaveLossBelow(Number.NaN))).toMatch(/toHaveLossBelow\(NaN\): NaN is not a ratio/)
    expect(messageOf(() => expect(snap).toHaveLossBelow('5' as never))).toMatch(
      /"5" is not a ratio: write a fraction such as 0\.05 or a percentage such as '5%'/,
    )
    expect(messageOf(() => expect(snap).toHaveLossBelow(null as never))).toMatch(/expected a ratio .* got null/)
    expect(toRatio('0.5 %', 'x')).toBeCloseTo(0.005)
    expect(messageOf(() => toRatio(500, 'x'))).toMatch(/x: a ratio is between 0 and 1, got 500/)
  })

  it('toBeSilent takes minSilentRatio as a ratio too', () => {
    const silence = { sampleRate: 8000, samples: new Int16Array(8000) }
    expect(silence).toBeSilent({ minSilentRatio: '99%' })
    expect(messageOf(() => expect(silence).toBeSilent({ minSilentRatio: 99 }))).toMatch(
      /minSilentRatio: a ratio is between 0 and 1 — did you mean 0\.99 \(99 %\)\?/,
    )
    expect(messageOf(() => expect(silence).toBeSilent({ treshold: -40 } as never))).toMatch(
      /toBeSilent options[\s\S]*unknown option "treshold" \(did you mean "thresholdDbfs"\?\)/,
    )
  })
})

describe('durations: a bare number is milliseconds everywhere, strings carry their unit', () => {
  it('toMs', () => {
    expect(toMs(250)).toBe(250)
    expect(toMs('250ms')).toBe(250)
    expect(toMs('3s')).toBe(3000)
    expect(toMs('1m')).toBe(60_000)
    expect(messageOf(() => toMs('30'))).toMatch(/"30": no unit \(30 what\? write '30ms' or '30s'\)/)
    expect(messageOf(() => toMs(Number.NaN))).toMatch(/invalid duration NaN/)
  })

  it('matchers: toHaveJitterBelow takes a duration; a bad one names the matcher', () => {
    const snap = statsWithLoss(100, 2)
    expect(snap).toHaveJitterBelow('30ms')
    expect(snap).toHaveJitterBelow(30)
    expect(messageOf(() => expect(snap).toHaveJitterBelow('30' as never))).toMatch(/toHaveJitterBelow\("30"\): invalid duration "30": no unit/)
    expect(messageOf(() => expect(snap).toHaveJitterBelow(-1))).toMatch(/toHaveJitterBelow\(-1\): invalid duration -1: a duration is not negative/)
  })

  it('toReceiveRtp checks its options', async () => {
    const peer = createWeriftPeer({ name: 'nobody' })
    try {
      await expect(expect(peer).toReceiveRtp({ packet: 5 } as never)).rejects.toThrow(
        /toReceiveRtp options[\s\S]*unknown option "packet" \(did you mean "packets"\?\)/,
      )
      await expect(expect(peer).toReceiveRtp({ within: '2' as never })).rejects.toThrow(/within: invalid duration "2": no unit/)
    } finally {
      await peer.close()
    }
  })
})

describe('waits fit in the test timeout', () => {
  // 1.5 s test timeout, 5 s `within` (the default): rtcspec stops first and says why, with the peer's state.
  rtcTest('toReceiveRtp that cannot fit says so before Vitest times out', { timeout: 1500 }, async ({ peers }) => {
    const peer = peers.werift({ name: 'lonely' })
    let message = ''
    const started = performance.now()
    try {
      await expect(peer).toReceiveRtp()
    } catch (e) {
      message = (e as Error).message
    }
    expect(performance.now() - started).toBeLessThan(1500)
    expect(message).toMatch(/within \(5000 ms\) does not fit in the test's timeout: 1500 ms/)
    expect(message).toMatch(/Raise the test's timeout/)
    expect(message).toMatch(/call state: lonely \(werift\): ice=new dtls=new connection=new; no inbound track/)
  })

  rtcTest('b2b connect is bounded by the test timeout too, and a failure names it', { timeout: 4000 }, async ({ b2b }) => {
    // ICE never completes: neither side's candidates are delivered.
    const message = await rejection(b2b({ ice: { a: { timing: 'never' }, b: { timing: 'never' } }, connectTimeout: '10s' }))
    expect(message).toMatch(/timed out after \d+ ms waiting for/)
    expect(message).toMatch(/ice=\w+ dtls=\w+ connection=\w+/)
    expect(message).toMatch(/connectTimeout \(10000 ms\) does not fit in the test's timeout: 4000 ms/)
  })

  it('a test timeout while a call is open prints its states, codecs and packets as they were at that moment', async () => {
    const call = await openBackToBack({ a: { name: 'alice' }, b: { name: 'bob' }, codec: 'PCMA', send: { a: (rate) => tone(440, { sampleRate: rate }) } })
    try {
      const track = await call.b.waitForTrack('audio', 10_000)
      await track.waitForPackets(10, 10_000)
      const timeout = new AbortController()
      let text = ''
      const written = describeOnAbort(
        'my test',
        timeout.signal,
        () => [{ label: 'call alice → bob', peers: [call.a, call.b] }],
        (t) => (text += t),
      )
      timeout.abort(new Error('Test timed out in 5000ms.\nIf this is a long-running test…'))
      // the states were read at the abort, before anything closes
      await call.close()
      await written
      expect(text).toMatch(/^rtcspec: "my test": Test timed out in 5000ms\.; open at that moment:\ncall alice → bob:/)
      expect(text).toMatch(/alice \(werift\): ice=connected dtls=connected connection=connected; .*sending audio PCMA: \d+ packets/)
      expect(text).toMatch(/bob \(werift\): ice=connected dtls=connected connection=connected; inbound audio PCMA: \d+ packets \(lost \d+\)/)
    } finally {
      await call.close()
    }
  })
})
