/**
 * Run metrics computed from call records (pure): each metric gives at most one value per call record,
 * its worst stream or moment, so a gate can take the worst value over the run and name the call.
 *
 * | metric | per call record | unit |
 * |---|---|---|
 * | `audio.loss` | highest `lossFraction` of an inbound audio stream | 0..1 |
 * | `audio.jitterMs` | highest RFC 3550 interarrival jitter of an inbound audio stream | ms |
 * | `mos` | lowest ITU-T G.107 E-model MOS of an inbound audio stream (codec, loss, jitter) | 1..4.5 |
 * | `setup.connectMs` | `setup.connectMs` (start to ICE + DTLS connected) | ms |
 * | `setup.firstRtpMs` | `setup.firstRtpMs` (start to the first RTP packet) | ms |
 * | `video.loss`, `video.jitterMs` | as for audio, over inbound video streams | |
 * | `video.fps` | lowest achieved frame rate (decodable frames) of an inbound video stream | frames/s |
 * | `video.freezeMs` | highest total freeze time (WebRTC-stats definition) of an inbound video stream | ms |
 * | `video.firstFrameMs` | longest time to the first decodable frame of an inbound video stream | ms |
 *
 * Run metrics give one value for the whole run instead (a gate on them looks at the run, not the worst call):
 *
 * | metric | over the run | unit |
 * |---|---|---|
 * | `tests.flaky` | tests that passed only after a retry | count |
 *
 * A run metric is a sum over the run: a suite split into shards meets it only if the union does, which is why
 * `rtcspec merge` evaluates the gates over the union of the shards and never combines the shards' verdicts.
 *
 * Streams that expected no packet at all (`expected === 0`) give no value: their loss would read 0.
 */
import { eModel, EMODEL_CODECS } from '../media/emodel.ts'
import type { CallRecord } from '../peers/call-record.ts'
import type { TestSummary } from './run-summary.ts'

type Inbound = CallRecord['peers'][number]['rtp']['inbound'][number]

/** One metric value from one call record. */
export interface MetricSample {
  value: number
  callId: string
  /** The test that made the call (its full name as the call record has it). */
  test?: string
  /** The test's file, when the record has it. */
  file?: string
  /** Which stream gave the value, e.g. `bob audio in (PCMU)`. */
  where?: string
}

/** A metric: its name, what it measures, and how to read it from one call record. */
export interface MetricDefinition {
  name: string
  description: string
  unit: string
  /** The value of this metric for one record: the worst of its streams, or undefined when it has none. */
  of: (record: CallRecord, worst: 'max' | 'min') => { value: number; where?: string } | undefined
  /** For a run metric: its one value over the whole run (`of` gives none). */
  ofRun?: (run: RunFacts) => { value: number; where?: string }
}

/** What a run metric looks at: the run's tests. */
export interface RunFacts {
  tests: readonly Pick<TestSummary, 'id' | 'state' | 'flaky'>[]
}

function inboundOf(record: CallRecord, kind: 'audio' | 'video'): Array<{ peer: string; stream: Inbound }> {
  return record.peers.flatMap((p) => p.rtp.inbound.filter((s) => s.kind === kind && s.expected > 0).map((stream) => ({ peer: p.name, stream })))
}

function label(peer: string, s: Inbound): string {
  return `${peer} ${s.kind} in${s.mid !== undefined ? ` mid ${s.mid}` : ''}${s.codec ? ` (${s.codec.encoding})` : ''}`
}

function pick<T>(
  items: T[],
  value: (t: T) => number | undefined,
  worst: 'max' | 'min',
  where: (t: T) => string,
): { value: number; where?: string } | undefined {
  let best: { value: number; where?: string } | undefined
  for (const it of items) {
    const v = value(it)
    if (v === undefined || !Number.isFinite(v)) continue
    if (best === undefined || (worst === 'max' ? v > best.value : v < best.value)) best = { value: v, where: where(it) }
  }
  return best
}

/** The E-model MOS of one inbound audio stream, or undefined when its codec is not in the E-model's table. */
export function streamMos(s: Inbound): number | undefined {
  const codec = s.codec?.encoding.toLowerCase()
  if (codec !== undefined && !Object.hasOwn(EMODEL_CODECS, codec)) return undefined
  return eModel({ ...(codec !== undefined ? { codec } : {}), lossFraction: s.lossFraction, jitterMs: s.jitterMs }).mos
}

const streamMetric = (kind: 'audio' | 'video', field: 'lossFraction' | 'jitterMs', name: string, description: string, unit: string): MetricDefinition => ({
  name,
  description,
  unit,
  of: (r, worst) =>
    pick(
      inboundOf(r, kind),
      (x) => x.stream[field],
      worst,
      (x) => label(x.peer, x.stream),
    ),
})

/** Every metric a gate can name, by name. */
export const METRICS: Readonly<Record<string, MetricDefinition>> = Object.freeze({
  'audio.loss': streamMetric('audio', 'lossFraction', 'audio.loss', 'RFC 3550 loss fraction of inbound audio streams', 'fraction 0..1'),
  'audio.jitterMs': streamMetric('audio', 'jitterMs', 'audio.jitterMs', 'RFC 3550 interarrival jitter of inbound audio streams', 'ms'),
  mos: {
    name: 'mos',
    description: 'ITU-T G.107 E-model MOS estimate of inbound audio streams (codec, loss, jitter; no network delay)',
    unit: 'MOS 1..4.5',
    of: (r, worst) =>
      pick(
        inboundOf(r, 'audio'),
        (x) => streamMos(x.stream),
        worst,
        (x) => label(x.peer, x.stream),
      ),
  },
  'setup.connectMs': {
    name: 'setup.connectMs',
    description: 'call start to ICE and DTLS connected',
    unit: 'ms',
    of: (r) => (r.setup.connectMs !== undefined ? { value: r.setup.connectMs } : undefined),
  },
  'setup.firstRtpMs': {
    name: 'setup.firstRtpMs',
    description: 'call start to the first RTP packet received',
    unit: 'ms',
    of: (r) => (r.setup.firstRtpMs !== undefined ? { value: r.setup.firstRtpMs } : undefined),
  },
  'video.loss': streamMetric('video', 'lossFraction', 'video.loss', 'RFC 3550 loss fraction of inbound video streams', 'fraction 0..1'),
  'video.jitterMs': streamMetric('video', 'jitterMs', 'video.jitterMs', 'RFC 3550 interarrival jitter of inbound video streams', 'ms'),
  'video.fps': {
    name: 'video.fps',
    description: 'achieved frame rate of inbound video streams: decodable frames per second (rtcspec video analysis)',
    unit: 'frames/s',
    of: (r, worst) =>
      pick(
        inboundOf(r, 'video'),
        (x) => x.stream.videoAnalysis?.achievedFps,
        worst,
        (x) => label(x.peer, x.stream),
      ),
  },
  'video.freezeMs': {
    name: 'video.freezeMs',
    description: 'total freeze time of inbound video streams (WebRTC-stats freeze definition; rtcspec video analysis, else the browser’s totalFreezesDuration)',
    unit: 'ms',
    of: (r, worst) =>
      pick(
        inboundOf(r, 'video'),
        (x) => x.stream.videoAnalysis?.freezes.totalMs ?? x.stream.nativeVideo?.totalFreezesDurationMs,
        worst,
        (x) => label(x.peer, x.stream),
      ),
  },
  'video.firstFrameMs': {
    name: 'video.firstFrameMs',
    description: 'time from joining to the first decodable frame (a complete keyframe) of inbound video streams',
    unit: 'ms',
    of: (r, worst) =>
      pick(
        inboundOf(r, 'video'),
        (x) => x.stream.videoAnalysis?.firstFrameMs,
        worst,
        (x) => label(x.peer, x.stream),
      ),
  },
  'tests.flaky': {
    name: 'tests.flaky',
    description: 'tests of the run that passed only after a retry (Vitest `retry`): a budget of flakiness for the whole run',
    unit: 'count',
    of: () => undefined,
    ofRun: (run) => {
      const flaky = run.tests.filter((t) => t.flaky === true)
      const names = flaky.slice(0, 3).map((t) => t.id)
      return { value: flaky.length, ...(flaky.length ? { where: `${names.join(', ')}${flaky.length > 3 ? `, … ${flaky.length - 3} more` : ''}` } : {}) }
    },
  },
})

/** The names of every metric, for error messages and docs. */
export const METRIC_NAMES: readonly string[] = Object.freeze(Object.keys(METRICS))

/** Whether a record's calls went through rtcspec's impairment relay (the spec made the network bad on purpose). */
export function isImpaired(record: CallRecord): boolean {
  return record.extra !== undefined && 'impairment' in record.extra
}

/**
 * One sample per call record that has a value for `metric`: for each record its worst stream,
 * `max` when higher is worse (loss, jitter, set-up time), `min` when lower is worse (MOS).
 */
export function metricSamples(records: readonly CallRecord[], metric: string, worst: 'max' | 'min'): MetricSample[] {
  const def = METRICS[metric]
  if (def === undefined) throw new RangeError(`unknown metric "${metric}"; known: ${METRIC_NAMES.join(', ')}`)
  const out: MetricSample[] = []
  for (const r of records) {
    const v = def.of(r, worst)
    if (v === undefined) continue
    out.push({
      value: v.value,
      callId: r.id,
      ...(r.test ? { test: r.test.name } : {}),
      ...(r.test?.file !== undefined ? { file: r.test.file } : {}),
      ...(v.where !== undefined ? { where: v.where } : {}),
    })
  }
  return out
}
