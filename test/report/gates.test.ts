import { describe, it, expect } from 'vitest'
import { CallRecordSchema, type CallRecord } from '../../src/peers/call-record.ts'
import { evaluateGate, evaluateGates, formatGateTable, parseThreshold, meets } from '../../src/report/gates.ts'
import { metricSamples, streamMos, METRIC_NAMES } from '../../src/report/metrics.ts'
import { eModel } from '../../src/media/emodel.ts'

type Stream = { kind?: 'audio' | 'video'; loss?: number; jitter?: number; expected?: number; codec?: string }

/** A schema-valid call record with the given inbound streams on one peer. */
function record(id: string, test: string, streams: Stream[], setup: CallRecord['setup'] = {}, extra?: Record<string, unknown>): CallRecord {
  return CallRecordSchema.parse({
    schema: 'rtcspec.call-record/v1',
    id,
    kind: 'webrtc-b2b',
    test: { file: 'a.spec.ts', name: `a.spec.ts > ${test}`, result: 'passed' },
    startedAt: '2026-01-01T00:00:00.000Z',
    endedAt: '2026-01-01T00:00:01.000Z',
    durationMs: 1000,
    setup,
    peers: [
      {
        name: 'bob',
        kind: 'werift',
        codecs: [],
        ice: { states: [], gathering: [], localCandidates: [], remoteCandidates: [] },
        dtls: { states: [] },
        connection: { states: [] },
        rtp: {
          inbound: streams.map((s) => {
            const expected = s.expected ?? 100
            const lost = Math.round((s.loss ?? 0) * expected)
            return {
              kind: s.kind ?? 'audio',
              ...(s.codec ? { codec: { encoding: s.codec, payloadType: 0, clockRate: 8000 } } : {}),
              received: expected - lost,
              unique: expected - lost,
              expected,
              lost,
              lossFraction: expected ? lost / expected : 0,
              rfc3550CumulativeLost: lost,
              duplicates: 0,
              reordered: 0,
              jitterMs: s.jitter ?? 1,
              longestSeqGap: 0,
              longestArrivalGapMs: 20,
              bitrateBps: 64000,
            }
          }),
          outbound: [],
        },
        errors: [],
      },
    ],
    signaling: [],
    ...(extra ? { extra } : {}),
    errors: [],
  })
}

describe('thresholds', () => {
  it('parses comparisons and numbers, rejects the rest', () => {
    expect(parseThreshold('< 0.01')).toEqual({ op: '<', value: 0.01 })
    expect(parseThreshold('>=3.8')).toEqual({ op: '>=', value: 3.8 })
    expect(parseThreshold(' <= 1e-3 ')).toEqual({ op: '<=', value: 0.001 })
    expect(parseThreshold('> .5')).toEqual({ op: '>', value: 0.5 })
    for (const bad of ['0.01', '< ', '<< 1', '= 3', 'above 3.8', '< 1%', '< abc', '']) expect(parseThreshold(bad), bad).toBeUndefined()
  })
  it('compares strictly or not', () => {
    expect(meets(0.01, { op: '<', value: 0.01 })).toBe(false)
    expect(meets(0.01, { op: '<=', value: 0.01 })).toBe(true)
    expect(meets(3.8, { op: '>', value: 3.8 })).toBe(false)
    expect(meets(3.8, { op: '>=', value: 3.8 })).toBe(true)
  })
})

describe('metrics', () => {
  it('take the worst stream per record and skip streams that expected nothing', () => {
    const r = record('c1', 't', [
      { loss: 0.02, jitter: 3 },
      { loss: 0.05, jitter: 9 },
      { loss: 0, expected: 0, jitter: 50 },
      { kind: 'video', loss: 0.3 },
    ])
    expect(metricSamples([r], 'audio.loss', 'max')).toEqual([{ value: 0.05, callId: 'c1', test: 'a.spec.ts > t', file: 'a.spec.ts', where: 'bob audio in' }])
    expect(metricSamples([r], 'audio.jitterMs', 'max')[0]!.value).toBe(9)
    expect(metricSamples([r], 'video.loss', 'max')[0]!.value).toBeCloseTo(0.3)
    expect(metricSamples([r], 'setup.connectMs', 'max')).toEqual([])
  })
  it('mos is the E-model of codec, loss and jitter; the lowest stream counts', () => {
    const r = record('c1', 't', [
      { codec: 'PCMU', loss: 0, jitter: 1 },
      { codec: 'PCMU', loss: 0.05, jitter: 10 },
    ])
    const [s] = metricSamples([r], 'mos', 'min')
    expect(s!.value).toBeCloseTo(eModel({ codec: 'pcmu', lossFraction: 0.05, jitterMs: 10 }).mos, 6)
    expect(s!.value).toBeLessThan(4)
    expect(streamMos(r.peers[0]!.rtp.inbound[0]!)).toBeGreaterThan(4.3)
    // a codec the E-model does not know gives no value rather than a made-up one
    expect(metricSamples([record('c2', 't', [{ codec: 'G722' }])], 'mos', 'min')).toEqual([])
  })
  it('unknown metric names are errors naming the known ones', () => {
    expect(() => metricSamples([], 'audio.los', 'max')).toThrow(/unknown metric "audio.los"; known: audio.loss/)
    expect(METRIC_NAMES).toEqual([
      'audio.loss',
      'audio.jitterMs',
      'mos',
      'setup.connectMs',
      'setup.firstRtpMs',
      'video.loss',
      'video.jitterMs',
      'video.fps',
      'video.freezeMs',
      'video.firstFrameMs',
      'tests.flaky',
    ])
  })
})

describe('gates', () => {
  const records = [
    record('11111111-a', 'clean call', [{ loss: 0.001, jitter: 2, codec: 'PCMU' }], { connectMs: 120, firstRtpMs: 140 }),
    record('22222222-b', 'worse call', [{ loss: 0.02, jitter: 25, codec: 'PCMU' }], { connectMs: 480, firstRtpMs: 700 }),
    record('33333333-c', 'lossy on purpose', [{ loss: 0.3, jitter: 60, codec: 'PCMU' }], { connectMs: 90 }, { impairment: { toB: {} } }),
  ]
  it('name the worst call and fail when it breaks the threshold', () => {
    const loss = evaluateGate(records, { metric: 'audio.loss', threshold: '< 0.01' })
    expect(loss).toMatchObject({
      metric: 'audio.loss',
      threshold: '< 0.01',
      actual: 0.02,
      samples: 2,
      pass: false,
      worst: { callId: '22222222-b', test: 'a.spec.ts > worse call' },
    })
    expect(loss.note).toMatch(/1 impaired call\(s\) left out/)
    expect(evaluateGate(records, { metric: 'audio.loss', threshold: '< 0.05' }).pass).toBe(true)
    // for '>' the lowest value is the worst
    const mos = evaluateGate(records, { metric: 'mos', threshold: '> 4.3' })
    expect(mos.worst?.callId).toBe('22222222-b')
    expect(mos.pass).toBe(false)
    expect(evaluateGate(records, { metric: 'setup.firstRtpMs', threshold: '<= 700' })).toMatchObject({ pass: true, actual: 700, samples: 2 })
  })
  it('include impaired calls on request, and filter by test', () => {
    expect(evaluateGate(records, { metric: 'audio.loss', threshold: '< 0.05', impaired: true })).toMatchObject({ pass: false, actual: 0.3, samples: 3 })
    expect(evaluateGate(records, { metric: 'audio.loss', threshold: '< 0.01', exclude: ['worse'] })).toMatchObject({ pass: true, samples: 1 })
    expect(evaluateGate(records, { metric: 'audio.loss', threshold: '< 0.01', include: [/worse/] })).toMatchObject({ pass: false, samples: 1 })
  })
  it('a gate with no samples fails unless optional', () => {
    const none = evaluateGate(records, { metric: 'video.loss', threshold: '< 0.01' })
    expect(none).toMatchObject({ pass: false, samples: 0 })
    expect(none.actual).toBeUndefined()
    expect(none.note).toMatch(/no call record had a value for video.loss .*fails/)
    expect(evaluateGate(records, { metric: 'video.loss', threshold: '< 0.01', optional: true }).pass).toBe(true)
    expect(evaluateGate([], { metric: 'mos', threshold: '> 3' })).toMatchObject({ pass: false, samples: 0 })
  })
  it('reject unknown metrics and malformed thresholds', () => {
    expect(() => evaluateGate([], { metric: 'loss', threshold: '< 1' })).toThrow(/unknown metric "loss"/)
    expect(() => evaluateGate([], { metric: 'mos', threshold: 'above 3' })).toThrow(/malformed threshold "above 3" for mos/)
  })
  it('format a table with the failing gate marked', () => {
    const { passed, results } = evaluateGates(records, [
      { metric: 'audio.loss', threshold: '< 0.01' },
      { metric: 'setup.connectMs', threshold: '< 500' },
      { metric: 'video.loss', threshold: '< 0.01', optional: true },
    ])
    expect(passed).toBe(false)
    const table = formatGateTable(results)
    const lines = table.split('\n')
    expect(lines[0]).toMatch(/^metric\s+\| threshold \| worst\s+\| samples \| call\/test\s+\| ok$/)
    expect(table).toMatch(/audio\.loss\s+\| < 0\.01\s+\| 0\.02 \(2\.00 %\)\s+\| 2\s+\| a\.spec\.ts > worse call \(call 22222222\)\s+\| ✗/)
    expect(table).toMatch(/setup\.connectMs \| < 500\s+\| 480\s+\| 2 .*\| ✓/)
    expect(table).toMatch(/video\.loss\s+\| < 0\.01\s+\| —\s+\| 0\s+\| no samples\s+\| ✓/)
    expect(table).toMatch(/✗ audio\.loss: worst: bob audio in \(PCMU\); 1 impaired call\(s\) left out/)
  })
})
