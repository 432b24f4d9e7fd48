import { describe, expect, it } from 'vitest'
import { digestVideoAnalysis } from '../../src/media/video/analysis-digest.ts'
import { analyzeVideo } from '../../src/media/video/analysis.ts'
import { type CallRecord, CallRecordSchema } from '../../src/peers/call-record.ts'
import { callSection } from '../../src/report/html/call.ts'
import { videoSection } from '../../src/report/html/video.ts'
import { stream } from '../media/video/analysis-helpers.ts'

/** A call record whose bob receives one video stream with this analysis (written and read back through the schema). */
function record(analysis: ReturnType<typeof analyzeVideo> | undefined): CallRecord {
  const json = JSON.stringify({
    schema: 'rtcspec.call-record/v1',
    id: 'v1',
    kind: 'webrtc-b2b',
    test: { file: 'v.spec.ts', name: 'v.spec.ts > video', result: 'passed' },
    startedAt: '2026-01-01T00:00:00.000Z',
    endedAt: '2026-01-01T00:00:03.000Z',
    durationMs: 3000,
    setup: {},
    peers: ['alice', 'bob'].map((name) => ({
      name,
      kind: 'werift',
      codecs: [],
      ice: { states: [], gathering: [], localCandidates: [], remoteCandidates: [] },
      dtls: { states: [] },
      connection: { states: [] },
      rtp: {
        inbound:
          name === 'bob'
            ? [
                {
                  kind: 'video',
                  codec: { encoding: 'VP8', payloadType: 96, clockRate: 90000 },
                  received: 300,
                  unique: 300,
                  expected: 300,
                  lost: 0,
                  lossFraction: 0,
                  rfc3550CumulativeLost: 0,
                  duplicates: 0,
                  reordered: 0,
                  jitterMs: 1,
                  longestSeqGap: 0,
                  longestArrivalGapMs: 40,
                  bitrateBps: 500_000,
                  video: { frames: 90, completeFrames: 88, keyframes: 3, pliSent: 2, firSent: 0, nackSent: 5 },
                  ...(analysis ? { videoAnalysis: digestVideoAnalysis(analysis) } : {}),
                },
              ]
            : [],
        outbound: [],
      },
      errors: [],
    })),
    signaling: [],
    errors: [],
  })
  return CallRecordSchema.parse(JSON.parse(json))
}

// 4 s at 30 fps; frames 40 and 41 lost, so 42..59 wait for the keyframe at 60: one freeze
// keyframes at 0, 1, 2, 3 s; frames 40, 41 lost, 42..59 undecodable: 100 decodable of 120, one 700 ms freeze
const analysis = analyzeVideo(stream({ frames: 120, fps: 30, gop: 30, drop: new Set([40, 41]) }).arrivals, { fps: 30 })

describe('the report’s video section', () => {
  it('a call record keeps the analysis through its schema, with the fate of every frame and the freezes', () => {
    const a = record(analysis).peers[1]?.rtp.inbound[0]?.videoAnalysis
    expect(a).toMatchObject({ decodable: 100, lost: 2, freezes: { count: 1 }, sequence: analysis.sequence, freezeEnds: analysis.freezeEnds })
    expect(a?.freezeList).toEqual([{ atMs: expect.closeTo((39 * 1000) / 30 + 1, 6), durationMs: expect.closeTo(700, 6) }])
  })

  it('shows the figures, per-second fps, bitrate and frozen-time plots, the events and a filmstrip', () => {
    const html = callSection(record(analysis), {})
    expect(html).toContain('<summary>Video</summary>')
    expect(html).toMatch(/alice → bob video \(VP8\)<\/td><td class="num">100 \/ 120<\/td><td class="num">2 <span class="muted">\(rtp-timestamps\)<\/span>/)
    for (const title of ['decodable frames', 'video bitrate (payload)', 'frozen']) expect(html).toContain(`aria-label="${title} (`)
    const charts = [...html.matchAll(/data-chart="([^"]+)"/g)].map(
      (m) => JSON.parse((m[1] as string).replace(/&quot;/g, '"')) as { title: string; y: number[][] },
    )
    const fps = charts.find((c) => c.title === 'decodable frames')
    expect(fps?.y[0]).toEqual([30, 10, 30])
    const frozen = charts.find((c) => c.title === 'frozen')
    expect(frozen?.y[0]?.reduce((s, x) => s + x, 0)).toBeCloseTo(700, 6)
    expect(html).toMatch(/keyframes shown at<\/b> 0, 1, 2, 3 s · <b>freezes at<\/b> 1.3 s \(700 ms\)/)
    expect(html).toContain('PLI sent 2, FIR sent 0, NACK sent 5')
    expect(html).toMatch(/<img alt="filmstrip of alice → bob video \(VP8\)" src="data:image\/png;base64,/)
  })

  it('nothing when no stream has an analysis', () => {
    expect(videoSection(record(undefined))).toBe('')
    expect(callSection(record(undefined), {})).not.toContain('<summary>Video</summary>')
  })
})
