/**
 * The conformance video checks against the reference server: they pass on a server that forwards video and asks
 * for a keyframe when a viewer joins, and each fails on the server behaviour it exists to catch — video not
 * forwarded (faults whip.video.media / whep.video.media), a late viewer left without a keyframe (fault
 * whep.video.first-frame and the no-keyframe-on-join personality) — with a reason that says what the viewer got.
 * Without a publisher URL there is no known video to judge: not applicable.
 */
import { describe, expect, test } from 'vitest'
import { formatTable, type ConformanceReport } from '../../src/conformance/report.ts'
import { runConformance } from '../../src/conformance/runner.ts'
import { serverFreezes } from '../../src/conformance/video-checks.ts'
import type { SentVideoFrame } from '../../src/media/video/analysis.ts'
import { startMediaServer, type MediaServerOptions } from '../../src/whip/media-server.ts'

const VIDEO_IDS = { whip: ['whip.video.media'], whep: ['whep.video.media', 'whep.video.first-frame'] }

async function runVideo(options: MediaServerOptions, suite: 'whip' | 'whep', withPublisher = true): Promise<ConformanceReport> {
  await using srv = await startMediaServer(options)
  const report = await runConformance({
    suite,
    url: suite === 'whip' ? srv.whipUrl() : srv.whepUrl(),
    ...(withPublisher ? (suite === 'whip' ? { whepUrl: srv.whepUrl() } : { publishUrl: srv.whipUrl() }) : {}),
    only: VIDEO_IDS[suite],
    timeoutMs: 5_000,
  })
  expect(srv.sessions.size, 'sessions left on the server').toBe(0)
  return report
}

function result(report: ConformanceReport, id: string) {
  const r = report.results.find((x) => x.id === id)
  if (!r) throw new Error(`no result for ${id}\n${formatTable(report)}`)
  return r
}

describe.concurrent('conformance video checks', () => {
  test('whep: a conformant server passes both, with the figures measured', async () => {
    const report = await runVideo({}, 'whep')
    const media = result(report, 'whep.video.media')
    expect(media.status, formatTable(report)).toBe('pass')
    expect(media.detail.measured?.codec).toBe('VP8')
    expect(Number(media.detail.measured?.achievedFps)).toBeGreaterThan(20)
    expect(Number(media.detail.measured?.longestFreezeMs)).toBeLessThan(1_000)
    expect(media.detail.measured?.foreignFrames).toBe(0)
    const first = result(report, 'whep.video.first-frame')
    expect(first.status, formatTable(report)).toBe('pass')
    expect(Number(first.detail.measured?.firstFrameAfterPostMs)).toBeLessThan(3_000)
    expect(first.detail.measured?.keyframeRequestsAtPublisher).toBeGreaterThanOrEqual(1)
  }, 60_000)

  test('whep: a server that takes only H.264 gets the probe in H.264 (STAP-A SPS/PPS, FU-A slices) and passes both', async () => {
    const report = await runVideo({ videoCodecs: ['H264'] }, 'whep')
    const media = result(report, 'whep.video.media')
    expect(media.status, formatTable(report)).toBe('pass')
    expect(media.detail.measured?.codec).toBe('H264')
    expect(media.detail.measured?.foreignFrames).toBe(0)
    expect(result(report, 'whep.video.first-frame').status, formatTable(report)).toBe('pass')
  }, 60_000)

  test('whip: a conformant server passes the video media check', async () => {
    const report = await runVideo({}, 'whip')
    expect(result(report, 'whip.video.media').status, formatTable(report)).toBe('pass')
  }, 60_000)

  test('whep: a server that does not forward video fails video.media; first-frame is blocked (no video to judge)', async () => {
    const report = await runVideo({ fault: 'whep.video.media' }, 'whep')
    const media = result(report, 'whep.video.media')
    expect(media.status, formatTable(report)).toBe('fail')
    expect(media.detail.reason).toMatch(/no video reached the viewer: \d+ VP8 frames published in 8 s, no video packet received/)
    expect(result(report, 'whep.video.first-frame').status, formatTable(report)).toBe('blocked')
  }, 60_000)

  test('whip: a server that drops published video fails video.media', async () => {
    const report = await runVideo({ fault: 'whip.video.media' }, 'whip')
    expect(result(report, 'whip.video.media').status, formatTable(report)).toBe('fail')
  }, 60_000)

  const lateViewerServers: Array<[string, MediaServerOptions]> = [
    ['fault whep.video.first-frame', { fault: 'whep.video.first-frame' }],
    ['personality no-keyframe-on-join', { personalities: ['no-keyframe-on-join'] }],
  ]
  for (const [what, options] of lateViewerServers) {
    test(`whep, ${what}: a late viewer waits for the periodic keyframe: first-frame fails, video.media still passes`, async () => {
      const report = await runVideo(options, 'whep')
      const first = result(report, 'whep.video.first-frame')
      expect(first.status, formatTable(report)).toBe('fail')
      expect(first.detail.reason).toMatch(/no decodable one within 3000 ms of its POST: the server did not ask the publisher for a key frame/)
      expect(Number(first.detail.measured?.framesAtViewer)).toBeGreaterThan(0)
      expect(result(report, 'whep.video.media').status, formatTable(report)).toBe('pass')
    }, 60_000)
  }

  test('without a publisher URL there is no known video to judge: not applicable', async () => {
    const report = await runVideo({}, 'whep', false)
    for (const id of VIDEO_IDS.whep) expect(result(report, id).status, formatTable(report)).toBe('not-applicable')
  }, 30_000)
})

describe("freezes: the server is judged, not rtcspec's own stalls", () => {
  /** Frames sent every 33 ms from 0, with the sender silent from `gapFrom` to `gapTo` (then catching up). */
  function sent(gapFrom: number, gapTo: number): SentVideoFrame[] {
    const out: SentVideoFrame[] = []
    for (let i = 0; i < 120; i++) {
      const due = i * 33
      out.push({ index: i, rtpTimestamp: i * 3000, sentAtMs: due > gapFrom && due < gapTo ? gapTo : due })
    }
    return out
  }
  const freeze = { startMs: 1_000, endMs: 1_400, durationMs: 400, thresholdMs: 183, frame: 40 }

  test("a freeze while the publisher sent on time is the server's", () => {
    expect(serverFreezes([freeze], sent(0, 0))).toEqual({ server: [freeze], publisher: [] })
  })

  test('a freeze during which the publisher itself sent nothing (its process stalled) is not counted against the server', () => {
    expect(serverFreezes([freeze], sent(990, 1_380))).toEqual({ server: [], publisher: [freeze] })
    // A short publisher hiccup inside a long freeze does not excuse it.
    expect(serverFreezes([freeze], sent(1_100, 1_200))).toEqual({ server: [freeze], publisher: [] })
  })

  test("a freeze while rtcspec's process did not run (its event loop was held up) is not counted; a short stall does not excuse a long freeze", () => {
    expect(serverFreezes([freeze], sent(0, 0), [{ startMs: 1_050, endMs: 1_300 }])).toEqual({ server: [], publisher: [freeze] })
    expect(serverFreezes([freeze], sent(0, 0), [{ startMs: 1_050, endMs: 1_120 }])).toEqual({ server: [freeze], publisher: [] })
  })
})
