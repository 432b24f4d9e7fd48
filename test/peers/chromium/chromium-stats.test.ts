/**
 * Browser stats normalisation (pure, no browser): a getStats report captured from Chromium 156 during an
 * Opus call with a werift peer (fixtures/chromium/getstats-opus-call.json), plus the browser-backed track.
 */
import { describe, it, expect } from 'vitest'
import { readFileSync } from 'node:fs'
import { normalizeBrowserStats, snapshotFromBrowser, codecFromStats, type BrowserInbound } from '../../../src/peers/chromium/stats.ts'
import { BrowserRtpStats, ChromiumInboundTrack } from '../../../src/peers/chromium/inbound-track.ts'
import { CounterTimeline } from '../../../src/peers/chromium/counter-timeline.ts'

const report = JSON.parse(readFileSync(new URL('../../../fixtures/chromium/getstats-opus-call.json', import.meta.url), 'utf8')) as Array<
  Record<string, unknown>
>

const inbound = (over: Partial<BrowserInbound> = {}): BrowserInbound => ({
  kind: 'audio',
  mid: '0',
  trackIdentifier: 't',
  ssrc: 1234,
  packetsReceived: 95,
  packetsLost: 5,
  jitterSec: 0.004,
  bytesReceived: 9500,
  codec: { encoding: 'opus', payloadType: 111, clockRate: 48000, channels: 2 },
  totalSamplesDuration: 2,
  concealedSamples: 0,
  ...over,
})

describe('normalizeBrowserStats', () => {
  it('reads inbound, outbound, codecs, the selected pair and transport states from a real report', () => {
    const v = normalizeBrowserStats(report)
    expect(v.inbound).toHaveLength(1)
    expect(v.inbound[0]).toMatchObject({
      kind: 'audio',
      mid: '0',
      ssrc: 724119317,
      packetsReceived: 50,
      packetsLost: 0,
      jitterSec: 0.019,
      bytesReceived: 6082,
      codec: { encoding: 'opus', payloadType: 111, clockRate: 48000, channels: 2 },
    })
    expect(v.outbound).toEqual([
      {
        kind: 'audio',
        mid: '0',
        ssrc: 3647378767,
        packetsSent: 53,
        bytesSent: 4375,
        codec: { encoding: 'opus', payloadType: 111, clockRate: 48000, channels: 2 },
      },
    ])
    // The transport names its selected pair: local host on the machine's interface, remote peer-reflexive (address hidden by the browser).
    expect(v.selectedPair).toEqual({
      local: { address: '192.0.2.2', port: 43670, type: 'host', protocol: 'udp' },
      remote: { address: '', port: 38702, type: 'prflx', protocol: 'udp' },
    })
    expect(v.dtlsState).toBe('connected')
    expect(v.iceState).toBe('connected')
  })

  it('without a transport entry, takes the nominated succeeded pair that carried the most bytes', () => {
    const v = normalizeBrowserStats(report.filter((e) => e.type !== 'transport'))
    // CPjIhc/R3c_98zYkPco: 1349 + 8737 bytes beats CPd/UOTqLq_HGH24NMn: 5541 + 0
    const pair = report.find((e) => e.id === 'CPjIhc/R3c_98zYkPco')!
    const local = report.find((e) => e.id === pair.localCandidateId)!
    expect(v.selectedPair?.local.port).toBe(local.port)
    expect(v.dtlsState).toBeUndefined()
  })

  it('ignores entries without id/type and tolerates missing fields', () => {
    const v = normalizeBrowserStats([null, 42, 'x', { type: 'inbound-rtp' }, { id: 'a', type: 'inbound-rtp', kind: 'video', ssrc: 9 }])
    expect(v.inbound).toEqual([
      {
        kind: 'video',
        mid: undefined,
        trackIdentifier: undefined,
        ssrc: 9,
        packetsReceived: 0,
        packetsLost: 0,
        jitterSec: 0,
        bytesReceived: 0,
        codec: undefined,
        totalSamplesDuration: undefined,
        concealedSamples: undefined,
        // a video stream's frame counters: 0 when the browser does not report them, sizes and rates absent
        video: {
          framesReceived: 0,
          framesDecoded: 0,
          framesDropped: 0,
          keyFramesDecoded: 0,
          freezeCount: 0,
          totalFreezesDurationMs: 0,
          pauseCount: 0,
          totalPausesDurationMs: 0,
          pliCount: 0,
          firCount: 0,
          nackCount: 0,
        },
      },
    ])
    expect(v.selectedPair).toBeUndefined()
    expect(normalizeBrowserStats([]).inbound).toEqual([])
  })

  it('codecFromStats strips the media type and keeps channels only when given', () => {
    expect(codecFromStats({ mimeType: 'audio/PCMU', payloadType: 0, clockRate: 8000 })).toEqual({ encoding: 'PCMU', payloadType: 0, clockRate: 8000 })
    expect(codecFromStats({ payloadType: 0 })).toBeUndefined()
    expect(codecFromStats(undefined)).toBeUndefined()
  })
})

describe('snapshotFromBrowser', () => {
  it('maps the browser counters onto an RTP stats snapshot', () => {
    const s = snapshotFromBrowser(inbound(), 48000, { firstSeenMs: 1000, lastGrowthMs: 3000 })
    expect(s).toMatchObject({
      ssrc: 1234,
      payloadType: 111,
      clockRate: 48000,
      received: 95,
      unique: 95,
      expected: 100,
      lost: 5,
      rfc3550CumulativeLost: 5,
      bytes: 9500,
    })
    expect(s.lossFraction).toBeCloseTo(0.05, 12)
    expect(s.jitterMs).toBeCloseTo(4, 12)
    expect(s.jitter).toBeCloseTo(192, 9) // 4 ms at 48 kHz
    expect(s.bitrateBps).toBeCloseTo((9500 * 8) / 2, 9)
    expect(s.firstArrivalMs).toBe(1000)
  })

  it('negative packetsLost (duplicates) is no loss but stays in the RFC 3550 cumulative figure', () => {
    const s = snapshotFromBrowser(inbound({ packetsLost: -2 }), 48000, { firstSeenMs: 0, lastGrowthMs: 0 })
    expect(s.lost).toBe(0)
    expect(s.lossFraction).toBe(0)
    expect(s.rfc3550CumulativeLost).toBe(-2)
    expect(s.bitrateBps).toBe(0)
  })

  it('is empty before the browser reported the stream', () => {
    const s = snapshotFromBrowser(undefined, 8000, { firstSeenMs: undefined, lastGrowthMs: undefined })
    expect(s).toMatchObject({ ssrc: undefined, received: 0, expected: 0, lost: 0, lossFraction: 0, clockRate: 8000, firstArrivalMs: undefined })
  })
})

describe('browser-backed inbound track', () => {
  it('BrowserRtpStats follows the latest counters and refuses packets', () => {
    const stats = new BrowserRtpStats({ clockRate: 48000 })
    expect(stats.snapshots()).toEqual([])
    stats.update(inbound({ packetsReceived: 10, packetsLost: 0 }), 100)
    stats.update(inbound({ packetsReceived: 10, packetsLost: 0 }), 200)
    stats.update(inbound({ packetsReceived: 30, packetsLost: 1 }), 300)
    expect(stats.snapshot()).toMatchObject({ received: 30, lost: 1, firstArrivalMs: 100, lastArrivalMs: 300 })
    expect(stats.ssrcs()).toEqual([1234])
    expect(stats.snapshotOf(1234)?.received).toBe(30)
    expect(stats.snapshotOf(1)).toBeUndefined()
    expect(stats.origin).toBe('browser-getstats')
    expect(() => stats.onPacket({ sequenceNumber: 1, timestamp: 1, ssrc: 1, payloadType: 0, payloadBytes: 1 }, 0)).toThrow(/getStats counters, not packets/)
  })

  it('BrowserRtpStats builds per-second buckets from the polled counters', () => {
    const stats = new BrowserRtpStats({ clockRate: 48000 })
    stats.update(inbound({ packetsReceived: 0, bytesReceived: 0, packetsLost: 0 }), 50) // nothing yet: no bucket
    stats.update(inbound({ packetsReceived: 10, bytesReceived: 1000, packetsLost: 0, jitterSec: 0.002 }), 100) // bucket 0 starts here
    stats.update(inbound({ packetsReceived: 40, bytesReceived: 4000, packetsLost: 1, jitterSec: 0.003 }), 900)
    stats.update(inbound({ packetsReceived: 60, bytesReceived: 6000, packetsLost: 1, jitterSec: 0.004 }), 1300)
    stats.update(inbound({ packetsReceived: 61, bytesReceived: 6100, packetsLost: 3, jitterSec: 0.005 }), 3200) // second 2 saw no poll
    expect(stats.timeline()).toEqual([
      { second: 0, packets: 40, bytes: 4000, lostSoFar: 1, jitterMs: 3 },
      { second: 1, packets: 20, bytes: 2000, lostSoFar: 1, jitterMs: 4 },
      { second: 2, packets: 0, bytes: 0, lostSoFar: 1, jitterMs: 4 },
      { second: 3, packets: 1, bytes: 100, lostSoFar: 3, jitterMs: 5 },
    ])
    expect(stats.timeline(1234)).toHaveLength(4)
    expect(stats.timeline(99)).toEqual([]) // another SSRC
    // counters that restart (a new receiver) count from zero instead of going negative
    stats.update(inbound({ packetsReceived: 5, bytesReceived: 500, packetsLost: 0, jitterSec: 0 }), 3500)
    expect(stats.timeline().at(-1)).toMatchObject({ second: 3, packets: 6, bytes: 600 })
  })

  it('CounterTimeline keeps at most maxSeconds buckets', () => {
    const t = new CounterTimeline(2)
    for (let i = 1; i <= 10; i++) t.add({ packetsReceived: i * 50, bytesReceived: i * 5000, packetsLost: 0, jitterSec: 0 }, i * 1000)
    expect(t.buckets().map((b) => b.second)).toEqual([0, 1])
  })

  function track(refresh: () => Promise<void> = async () => {}, maxSamples = 10) {
    return new ChromiumInboundTrack({ kind: 'audio', mid: '0', peerName: 'chrome', index: 0, sampleRate: 48000, maxSamples, refresh, pollIntervalMs: 10 })
  }

  it('keeps recorded audio in order up to the cap, and says what it dropped', () => {
    const t = track()
    t.appendAudio(Int16Array.from([1, 2, 3]), 0)
    t.appendAudio(Int16Array.from([4, 5, 6, 7, 8]), 0)
    t.appendAudio(Int16Array.from([9, 10, 11, 12]), 0)
    const r = t.recording()
    expect([...r.samples]).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    expect(r.sampleRate).toBe(48000)
    expect(r.label).toMatch(/chrome audio in \(mid 0.*recorded in Chromium\)/)
    expect(t.droppedSamples).toBe(2)
    expect([...t.recording().samples]).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
  })

  it('cannot tap packets: onRtp throws with what to use instead; packets() and dtmf() are empty', () => {
    const t = track()
    expect(() => t.onRtp(() => {})).toThrow(/not visible to rtcspec/)
    expect(t.packets()).toEqual([])
    expect(t.dtmf()).toEqual([])
    expect(t.recordRequested).toBe(false)
    t.record()
    expect(t.recordRequested).toBe(true)
  })

  it('waitForPackets polls the browser counters and names the track on timeout', async () => {
    let polls = 0
    const t: ChromiumInboundTrack = track(async () => {
      polls++
      t.rtp.update(inbound({ packetsReceived: polls * 10 }), performance.now())
    })
    await t.waitForPackets(30, 2000)
    expect(polls).toBe(3)
    const stuck = track(async () => {})
    await expect(stuck.waitForPackets(5, 50)).rejects.toThrow(/5 RTP packets on chrome's inbound audio track \(browser getStats packetsReceived: 0\)/)
  })
})
