import { describe, expect, it } from 'vitest'
import { digestVideoAnalysis } from '../../src/media/video/analysis-digest.ts'
import { analyzeVideo } from '../../src/media/video/analysis.ts'
import { type CallRecord, CallRecordSchema } from '../../src/peers/call-record.ts'
import { parseConfig } from '../../src/config/config.ts'
import { evaluateGate } from '../../src/report/gates.ts'
import { stream } from '../media/video/analysis-helpers.ts'

/** A schema-valid call record whose one inbound video stream carries this analysis (or the browser's freeze counter). */
function record(id: string, video: { analysis?: ReturnType<typeof analyzeVideo>; nativeFreezeMs?: number }): CallRecord {
  return CallRecordSchema.parse({
    schema: 'rtcspec.call-record/v1',
    id,
    kind: 'webrtc-b2b',
    test: { file: 'v.spec.ts', name: `v.spec.ts > ${id}`, result: 'passed' },
    startedAt: '2026-01-01T00:00:00.000Z',
    endedAt: '2026-01-01T00:00:03.000Z',
    durationMs: 3000,
    setup: {},
    peers: [
      {
        name: 'bob',
        kind: 'werift',
        codecs: [],
        ice: { states: [], gathering: [], localCandidates: [], remoteCandidates: [] },
        dtls: { states: [] },
        connection: { states: [] },
        rtp: {
          inbound: [
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
              ...(video.analysis ? { videoAnalysis: digestVideoAnalysis(video.analysis) } : {}),
              ...(video.nativeFreezeMs !== undefined
                ? {
                    nativeVideo: {
                      framesReceived: 90,
                      framesDecoded: 90,
                      framesDropped: 0,
                      keyFramesDecoded: 1,
                      freezeCount: 1,
                      totalFreezesDurationMs: video.nativeFreezeMs,
                      pauseCount: 0,
                      totalPausesDurationMs: 0,
                      pliCount: 0,
                      firCount: 0,
                      nackCount: 0,
                    },
                  }
                : {}),
            },
          ],
          outbound: [],
        },
        errors: [],
      },
    ],
    signaling: [],
    errors: [],
  })
}

const smooth = analyzeVideo(stream({ frames: 90, fps: 30 }).arrivals, { fps: 30 })
// the first keyframe lost (the first frame shows only at the next one, 1.5 s in), then a second of frames lost
const lost = new Set([0, ...Array.from({ length: 30 }, (_, i) => 50 + i)])
const stalled = analyzeVideo(stream({ frames: 120, fps: 30, gop: 45, drop: lost }).arrivals, { fps: 30 })

describe('video gates', () => {
  it('video.fps takes the lowest achieved frame rate, video.freezeMs and video.firstFrameMs the highest, naming the call', () => {
    const records = [record('smooth', { analysis: smooth }), record('stalled', { analysis: stalled })]
    expect(stalled.freezes.count).toBe(1)
    expect(evaluateGate(records, { metric: 'video.fps', threshold: '> 25' })).toMatchObject({
      pass: false,
      actual: stalled.achievedFps,
      worst: { callId: 'stalled' },
    })
    expect(evaluateGate(records, { metric: 'video.freezeMs', threshold: '< 500' })).toMatchObject({
      pass: false,
      actual: stalled.freezes.totalMs,
      worst: { callId: 'stalled' },
    })
    expect(evaluateGate(records, { metric: 'video.firstFrameMs', threshold: '< 1000' })).toMatchObject({ pass: false, worst: { callId: 'stalled' } })
    // from the first packet (frame 1, one frame interval after the lost keyframe) to the last packet of frame 45
    expect(stalled.firstFrameMs).toBeCloseTo(1500 - 1000 / 30 + 1, 6)
    expect(evaluateGate([records[0] as CallRecord], { metric: 'video.fps', threshold: '> 25' })).toMatchObject({ pass: true, samples: 1 })
    expect(evaluateGate([records[0] as CallRecord], { metric: 'video.freezeMs', threshold: '< 1' })).toMatchObject({ pass: true, actual: 0 })
  })

  it('video.freezeMs falls back to the browser’s totalFreezesDuration; a call without video gives no sample', () => {
    expect(evaluateGate([record('chromium', { nativeFreezeMs: 640 })], { metric: 'video.freezeMs', threshold: '< 500' })).toMatchObject({
      pass: false,
      actual: 640,
    })
    expect(evaluateGate([record('none', {})], { metric: 'video.fps', threshold: '> 25' })).toMatchObject({ pass: false, samples: 0 })
  })

  it('the config accepts the video gate keys and names them when one is misspelt', () => {
    expect(() =>
      parseConfig({ gates: { 'video.fps': '> 25', 'video.freezeMs': '< 500', 'video.firstFrameMs': '< 3000' } }, 'rtcspec.config.json'),
    ).not.toThrow()
    expect(() => parseConfig({ gates: { 'video.fsp': '> 25' } }, 'rtcspec.config.json')).toThrow(/unknown metric "video.fsp"[\s\S]*video.fps/)
  })
})
