/**
 * rtcspec's `expect` matchers on audio: tones, silence, level, delay, resemblance, DTMF and an
 * E-model MOS estimate.
 *
 * Subjects: decoded audio (`PcmAudio`, e.g. `track.recording()`), an inbound track (its recording),
 * or a peer (its first inbound audio track). `toHaveMosAbove` also takes RTP stats or E-model input.
 * Every failure message shows the measured values; a failing assertion attaches the audio (WAV) and
 * a waveform/spectrum picture to the test result, and every analysis is stored in
 * `task.meta.rtcspecAudio` for reports (see `audio-evidence.ts`).
 *
 * @module
 */
import type { MatcherState } from 'vitest'
import { detectTone, dominantFrequency, rmsDbfs, silenceRatio } from '../media/analysis.ts'
import { estimateDelay } from '../media/delay.ts'
import { detectDtmf } from '../media/dtmf.ts'
import { eModel, burstRatioOf, type EModelEstimate, type EModelInput } from '../media/emodel.ts'
import { dbfsForRms } from '../media/levels.ts'
import { SIMILARITY_THRESHOLD, similarity } from '../media/similarity.ts'
import type { DetectedDigit, PcmAudio } from '../media/types.ts'
import type { InboundTrack, Peer } from '../peers/types.ts'
import type { RtpStatsSnapshot } from '../rtp/stats-types.ts'
import { recordAudioEvidence } from './audio-evidence.ts'
import { audioTrackOf, isPcmAudio, recordingAnchorMs, resolveAudio, rfc4733DigitsOf, type ResolvedAudio } from './audio-subjects.ts'
import { z } from 'zod'
import { parseOptions } from '../options.ts'
import { durationArg, type Duration } from '../calls/duration.ts'
import { RatioSchema, type Ratio } from '../calls/ratio.ts'
import type { SenderStall } from '../peers/audio-sender.ts'

interface MatcherResult {
  pass: boolean
  message: () => string
  actual?: unknown
  expected?: unknown
}

/** Options of `toContainTone`. */
export interface ContainToneOptions {
  /** How far the measured frequency may be from `hz`. Default 2 Hz. */
  toleranceHz?: number
  /** Quietest tone that counts. Default -60 dBFS. */
  minLevelDbfs?: number
  /** How far the peak must stand above the median spectral floor. Default 15 dB. */
  minProminenceDb?: number
  /** Ignore the first `skipMs` of the audio (codec start-up). Default 0. */
  skipMs?: number
}

/** Options of `toBeSilent`. */
export interface SilentOptions {
  /** A 20 ms window is silent when its RMS level is below this. Default -50 dBFS. */
  thresholdDbfs?: number
  /** Share of windows that must be silent: a fraction (`0.99`) or a percentage (`'99%'`). Default 0.99. */
  minSilentRatio?: Ratio
}

/** Options of `toHaveDelayBelow`. */
export interface DelayBelowOptions {
  /** What was sent: the signal to find in the recording (speech or noise; a steady tone has no unique delay). */
  reference: PcmAudio | { recording(): PcmAudio }
  /**
   * `performance.now()` when the reference started being sent. With it (and a track or peer as the
   * subject) the delay is measured on the wall clock: network + jitter buffer-free transit + codec.
   * Without it, the delay is where the reference sits in the recording's own timeline (which starts at
   * the first packet, so it shows codec delay and sender offsets but not network delay).
   */
  sentAtMs?: number
  /**
   * The handle `sendAudio` returned for the reference: its first packet's send time is used as
   * `sentAtMs` (more exact than timing the call yourself, since a sender may start only once the
   * connection is up).
   */
  sender?: { readonly stats: { readonly firstPacketAtMs: number | undefined; readonly stalls?: ReadonlyArray<SenderStall> } }
  /** Largest delay searched. Default max(1000, 2 × ms). */
  maxDelayMs?: number
  /** How much of the reference (from its first audible sample) is searched for. Default 1000 ms. */
  windowMs?: number
}

const finite = (what: string) => z.number({ error: `${what} is a number` }).refine(Number.isFinite, `${what} is a finite number`)
const ContainToneOptionsSchema = z.strictObject({
  toleranceHz: finite('toleranceHz')
    .refine((x) => x > 0, 'toleranceHz is above 0 Hz')
    .optional(),
  minLevelDbfs: finite('minLevelDbfs')
    .refine((x) => x <= 0, 'minLevelDbfs is a level at or below 0 dBFS, e.g. -60')
    .optional(),
  minProminenceDb: finite('minProminenceDb').optional(),
  skipMs: finite('skipMs')
    .refine((x) => x >= 0, 'skipMs is not negative')
    .optional(),
})
const SilentOptionsSchema = z.strictObject({
  thresholdDbfs: finite('thresholdDbfs')
    .refine((x) => x <= 0, 'thresholdDbfs is a level at or below 0 dBFS, e.g. -50')
    .optional(),
  minSilentRatio: RatioSchema.optional(),
})
const DelayBelowOptionsSchema = z.strictObject({
  reference: z.custom<DelayBelowOptions['reference']>(
    (v) => isPcmAudio(v) || (typeof v === 'object' && v !== null && typeof (v as { recording?: unknown }).recording === 'function'),
    'reference is the audio that was sent: PcmAudio or something with recording()',
  ),
  sentAtMs: finite('sentAtMs').optional(),
  sender: z
    .custom<NonNullable<DelayBelowOptions['sender']>>(
      (v) => typeof v === 'object' && v !== null && typeof (v as { stats?: unknown }).stats === 'object',
      'sender is the handle sendAudio() returned',
    )
    .optional(),
  maxDelayMs: finite('maxDelayMs')
    .refine((x) => x > 0, 'maxDelayMs is above 0')
    .optional(),
  windowMs: finite('windowMs')
    .refine((x) => x > 0, 'windowMs is above 0')
    .optional(),
})
const ResembleOptionsSchema = z.strictObject({
  threshold: z.number().min(0, 'threshold is a score between 0 and 1').max(1, 'threshold is a score between 0 and 1').optional(),
  delayMs: finite('delayMs').optional(),
  maxDelayMs: finite('maxDelayMs')
    .refine((x) => x > 0, 'maxDelayMs is above 0')
    .optional(),
})
const DtmfOptionsSchema = z.strictObject({ method: z.enum(['rfc4733', 'inband', 'any']).optional() })

/** Checks a matcher's options object (unknown keys, wrong types) and names the matcher in the error. */
function matcherOptions<S extends z.ZodType>(schema: S, value: unknown, matcher: string, example: string): z.output<S> {
  return parseOptions(schema, value, { code: 'MATCHER_OPTIONS', what: `${matcher} options`, hint: example })
}

/** Options of `toResemble`. */
export interface ResembleOptions {
  /** Score (0 … 1) the recording must reach. Default `SIMILARITY_THRESHOLD` (0.7). */
  threshold?: number
  /** Alignment to use instead of estimating it, ms. */
  delayMs?: number
  /** Largest delay searched when estimating the alignment. Default 1000 ms. */
  maxDelayMs?: number
}

/** Options of `toHaveDtmf`. */
export interface DtmfOptions {
  /** Where digits may come from: RFC 4733 events (`'rfc4733'`), tones in the audio (`'inband'`), or either (`'any'`, default). */
  method?: 'rfc4733' | 'inband' | 'any'
}

/** Options of `toHaveMosAbove`: anything the E-model takes, overriding what the subject gives. */
export type MosOptions = Partial<EModelInput>

/** What `toHaveMosAbove` accepts. */
export type MosSubject = InboundTrack | Peer | RtpStatsSnapshot | EModelInput

const f1 = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : String(x))
const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : String(x))

function durationMs(a: PcmAudio): number {
  return (a.samples.length * 1000) / a.sampleRate
}

function failing(state: MatcherState, pass: boolean): boolean {
  return pass === Boolean(state.isNot)
}

function attachedNote(files: string[]): string {
  return files.length ? `\n  attached: ${files.join(', ')}` : ''
}

function toContainTone(this: MatcherState, received: unknown, hz: number, options: ContainToneOptions = {}): MatcherResult {
  if (typeof hz !== 'number' || !(hz > 0) || !Number.isFinite(hz))
    throw new RangeError(`toContainTone: hz must be a positive frequency in Hz, e.g. toContainTone(440), got ${JSON.stringify(hz)}`)
  matcherOptions(ContainToneOptionsSchema, options, 'toContainTone', 'toContainTone(440, { toleranceHz: 5, skipMs: 200 })')
  const r = resolveAudio(received, 'toContainTone')
  const tol = options.toleranceHz ?? 2
  const skip = Math.min(r.audio.samples.length, Math.round(((options.skipMs ?? 0) * r.audio.sampleRate) / 1000))
  const body = r.audio.samples.subarray(skip)
  const det = detectTone(body, r.audio.sampleRate, hz, {
    toleranceHz: tol,
    ...(options.minLevelDbfs !== undefined ? { minLevelDbfs: options.minLevelDbfs } : {}),
    ...(options.minProminenceDb !== undefined ? { minProminenceDb: options.minProminenceDb } : {}),
  })
  const dominant = dominantFrequency(body, r.audio.sampleRate)
  const level = rmsDbfs(body)
  const measured = {
    hz,
    toleranceHz: tol,
    present: det.present,
    measuredHz: det.measuredHz,
    levelDbfs: det.levelDbfs,
    snrDb: det.snrDb,
    prominenceDb: det.prominenceDb,
    dominantHz: dominant,
    overallDbfs: level,
    durationMs: durationMs(r.audio),
  }
  const pass = det.present
  const files = recordAudioEvidence(this, {
    matcher: 'toContainTone',
    subject: r.label,
    passed: !failing(this, pass),
    measured,
    audio: r.audio,
    ...(r.wavPath ? { wavPath: r.wavPath } : {}),
    markHz: [hz],
  })
  const near = Number.isNaN(det.measuredHz)
    ? `no spectral peak within reach of ${hz} Hz`
    : `strongest peak near it at ${f2(det.measuredHz)} Hz (off by ${f2(Math.abs(det.measuredHz - hz))} Hz), level ${f1(det.levelDbfs)} dBFS, SNR ${f1(det.snrDb)} dB, ${f1(det.prominenceDb)} dB above the spectral floor`
  return {
    pass,
    actual: det.measuredHz,
    expected: hz,
    message: () =>
      `expected ${r.label} ${this.isNot ? 'NOT ' : ''}to contain a ${hz} Hz tone (±${tol} Hz)\n  measured: ${near}\n  dominant frequency ${f2(dominant)} Hz, overall level ${f1(level)} dBFS over ${f2(durationMs(r.audio) / 1000)} s${attachedNote(files)}`,
  }
}

function toBeSilent(this: MatcherState, received: unknown, options: SilentOptions = {}): MatcherResult {
  const r = resolveAudio(received, 'toBeSilent')
  if (r.audio.samples.length === 0) {
    throw new Error(`toBeSilent: ${r.label} is empty (0 samples), so it is neither silent nor audible; did any audio arrive?`)
  }
  const o = matcherOptions(SilentOptionsSchema, options, 'toBeSilent', "toBeSilent({ thresholdDbfs: -50, minSilentRatio: '99%' })")
  const threshold = o.thresholdDbfs ?? -50
  const minRatio = o.minSilentRatio ?? 0.99
  const ratio = silenceRatio(r.audio.samples, r.audio.sampleRate, { thresholdDbfs: threshold })
  const level = rmsDbfs(r.audio.samples)
  let loudest = Number.NEGATIVE_INFINITY
  const w = Math.max(1, Math.round(r.audio.sampleRate / 50))
  for (let s = 0; s < r.audio.samples.length; s += w) {
    let sum = 0
    const end = Math.min(r.audio.samples.length, s + w)
    for (let i = s; i < end; i++) sum += (r.audio.samples[i] as number) ** 2
    loudest = Math.max(loudest, dbfsForRms(Math.sqrt(sum / (end - s))))
  }
  const pass = ratio >= minRatio
  const measured = { thresholdDbfs: threshold, silentRatio: ratio, levelDbfs: level, loudestWindowDbfs: loudest, durationMs: durationMs(r.audio) }
  const files = recordAudioEvidence(this, {
    matcher: 'toBeSilent',
    subject: r.label,
    passed: !failing(this, pass),
    measured,
    audio: r.audio,
    ...(r.wavPath ? { wavPath: r.wavPath } : {}),
  })
  return {
    pass,
    actual: ratio,
    expected: minRatio,
    message: () =>
      `expected ${r.label} ${this.isNot ? 'NOT ' : ''}to be silent (≥ ${(minRatio * 100).toFixed(0)} % of 20 ms windows below ${threshold} dBFS)\n  measured: ${(ratio * 100).toFixed(1)} % silent, overall level ${f1(level)} dBFS, loudest window ${f1(loudest)} dBFS, over ${f2(durationMs(r.audio) / 1000)} s${attachedNote(files)}`,
  }
}

function toHaveLevelAbove(this: MatcherState, received: unknown, dbfs: number): MatcherResult {
  if (typeof dbfs !== 'number' || !Number.isFinite(dbfs))
    throw new RangeError(`toHaveLevelAbove: dbfs must be a number, e.g. toHaveLevelAbove(-30), got ${JSON.stringify(dbfs)}`)
  if (dbfs > 0) throw new RangeError(`toHaveLevelAbove(${dbfs}): a level in dBFS is at most 0 (full scale); did you mean ${-dbfs}?`)
  const r = resolveAudio(received, 'toHaveLevelAbove')
  const level = rmsDbfs(r.audio.samples)
  const pass = level > dbfs
  const measured = { dbfs, levelDbfs: level, durationMs: durationMs(r.audio) }
  const files = recordAudioEvidence(this, {
    matcher: 'toHaveLevelAbove',
    subject: r.label,
    passed: !failing(this, pass),
    measured,
    audio: r.audio,
    ...(r.wavPath ? { wavPath: r.wavPath } : {}),
  })
  return {
    pass,
    actual: level,
    expected: dbfs,
    message: () =>
      `expected the RMS level of ${r.label} ${this.isNot ? 'NOT ' : ''}to be above ${dbfs} dBFS\n  measured: ${f1(level)} dBFS (AES17) over ${f2(durationMs(r.audio) / 1000)} s${r.audio.samples.length === 0 ? ' (no audio)' : ''}${attachedNote(files)}`,
  }
}

/** Result of `measureAudioDelay`. */
export interface AudioDelayMeasurement {
  /** Total delay, ms: `anchorOffsetMs + inRecordingMs`. NaN when the reference was not found. */
  delayMs: number
  /** Where the reference sits in the recording's own timeline, ms. */
  inRecordingMs: number
  /** When the recording's sample 0 arrived minus the send time, ms (0 without `sentAtMs`/`sender`). */
  anchorOffsetMs: number
  /** Correlation coefficient of the match. */
  correlation: number
  confident: boolean
  reason?: string
  /**
   * What the sender's stalls (frames late or skipped because its process was busy, from `sender`) did to the
   * measurement: `excluded` when frames were skipped before the reference window (the audio after a skip is late
   * by exactly the skipped frames, which are taken out of `delayMs`), `invalid` when frames were skipped inside
   * the window (the delay measured is not the path's), `none` when no frame was skipped there. Absent without `sender`.
   */
  senderStall?: { effect: 'none' | 'excluded' | 'invalid'; excludedMs: number; stalls: SenderStall[]; summary: string }
}

/** One stall in words: `at 0.10 s of the source: 12 frames skipped, up to 446 ms late`. */
function describeStall(x: SenderStall): string {
  const skipped = x.skippedFrames ? `${x.skippedFrames} frames skipped (${x.skippedFrames * x.ptimeMs} ms of audio sent late), ` : ''
  return `at ${((x.sourceFrameIndex * x.ptimeMs) / 1000).toFixed(2)} s of the source: ${skipped}${x.lateFrames} frames late, up to ${Math.round(x.lateMs)} ms behind the sender's schedule`
}

/**
 * Sorts the sender's stalls by where they fall against the reference window (source frames `fromFrame` … `toFrame`):
 * skipped frames before it shift all of it by a known amount; skipped frames inside it smear it.
 */
function stallEffect(stalls: ReadonlyArray<SenderStall>, fromFrame: number, toFrame: number): NonNullable<AudioDelayMeasurement['senderStall']> {
  const before = stalls.filter((x) => x.skippedFrames > 0 && x.sourceFrameIndex <= fromFrame)
  const inside = stalls.filter((x) => x.skippedFrames > 0 && x.sourceFrameIndex > fromFrame && x.sourceFrameIndex < toFrame)
  const excludedMs = before.reduce((sum, x) => sum + x.skippedFrames * x.ptimeMs, 0)
  const effect = inside.length ? 'invalid' : before.length ? 'excluded' : 'none'
  const relevant = [...before, ...inside]
  const lateOnly = stalls.filter((x) => x.skippedFrames === 0)
  const parts = [
    ...relevant.map(describeStall),
    ...(lateOnly.length
      ? [
          `${lateOnly.length} span(s) of late frames without skips (up to ${Math.round(Math.max(...lateOnly.map((x) => x.lateMs)))} ms; RTP timestamps stay true, so they do not bias the delay)`,
        ]
      : []),
  ]
  return { effect, excludedMs, stalls: [...stalls], summary: parts.join('; ') }
}

/** The reference from its first sample above -50 dBFS (peak), `windowMs` long, and where that excerpt starts. */
function referenceExcerpt(ref: PcmAudio, windowMs: number): { excerpt: PcmAudio; startMs: number } {
  const threshold = 104 // ≈ -50 dBFS
  let start = 0
  while (start < ref.samples.length && Math.abs(ref.samples[start] as number) < threshold) start++
  if (start >= ref.samples.length) start = 0
  const len = Math.max(1, Math.round((windowMs * ref.sampleRate) / 1000))
  return { excerpt: { sampleRate: ref.sampleRate, samples: ref.samples.subarray(start, start + len) }, startMs: (start * 1000) / ref.sampleRate }
}

/**
 * Measures the delay of `reference` in the subject's audio (from the first `windowMs`, default 1 s,
 * of the reference after its leading silence); with `sentAtMs` and a track/peer subject,
 * on the wall clock (see `DelayBelowOptions.sentAtMs`).
 */
export function measureAudioDelay(
  subject: unknown,
  reference: PcmAudio | { recording(): PcmAudio },
  options: { sentAtMs?: number; sender?: DelayBelowOptions['sender']; maxDelayMs?: number; windowMs?: number } = {},
): AudioDelayMeasurement & { subject: ResolvedAudio } {
  const r = resolveAudio(subject, 'toHaveDelayBelow')
  const ref = resolveAudio(reference, 'toHaveDelayBelow', 'reference')
  let anchorOffsetMs = 0
  let sentAtMs = options.sentAtMs
  if (sentAtMs === undefined && options.sender !== undefined) {
    sentAtMs = options.sender.stats.firstPacketAtMs
    if (sentAtMs === undefined) throw new Error('toHaveDelayBelow: the sender has not sent a packet yet, so there is no send time to measure from')
  }
  if (sentAtMs !== undefined) {
    if (r.track === undefined)
      throw new Error('toHaveDelayBelow: sentAtMs/sender needs an inbound track or a peer as the subject (its packets give the arrival times)')
    const anchor = recordingAnchorMs(r.track)
    if (anchor === undefined) throw new Error(`toHaveDelayBelow: ${r.label} has no audio packets yet`)
    anchorOffsetMs = anchor - sentAtMs
  }
  const maxDelayMs = options.maxDelayMs ?? 1000
  // The first `windowMs` of the reference from its first audible sample: enough to align, and a sender
  // stall or loss later in the call (which shifts the rest of the recording) cannot blur the answer.
  const { excerpt, startMs } = referenceExcerpt(ref.audio, options.windowMs ?? 1000)
  // on the recording's timeline the reference may start before sample 0 (first packets lost, or the
  // recording anchored after sending began): search from -anchorOffset - 200 ms
  const minDelayMs = Math.min(0, -anchorOffsetMs) - 200 + startMs
  // frames the sender skipped before the window push it later still: search that much further
  const skippedMs = (options.sender?.stats.stalls ?? []).reduce((sum, x) => sum + x.skippedFrames * x.ptimeMs, 0)
  const d = estimateDelay(excerpt, r.audio, { maxDelayMs: Math.max(maxDelayMs - anchorOffsetMs + startMs + skippedMs, minDelayMs + 50), minDelayMs })
  d.delayMs -= startMs
  // The sender's own schedule says whether it stalled: frames it skipped push the rest of the audio later than its
  // timestamps, by exactly the skipped frames (the receiver places audio by timestamp).
  const stalls = options.sender?.stats.stalls
  let senderStall: AudioDelayMeasurement['senderStall']
  if (stalls !== undefined) {
    const ptime = stalls[0]?.ptimeMs ?? 20
    senderStall = stallEffect(stalls, Math.floor(startMs / ptime), Math.ceil((startMs + (options.windowMs ?? 1000) + maxDelayMs) / ptime))
    if (senderStall.effect === 'excluded') d.delayMs -= senderStall.excludedMs
  }
  return {
    ...(senderStall ? { senderStall } : {}),
    subject: r,
    delayMs: d.confident ? anchorOffsetMs + d.delayMs : Number.NaN,
    inRecordingMs: d.delayMs,
    anchorOffsetMs,
    correlation: d.correlation,
    confident: d.confident,
    ...(d.reason ? { reason: d.reason } : {}),
  }
}

function toHaveDelayBelow(this: MatcherState, received: unknown, limit: Duration, options: DelayBelowOptions): MatcherResult {
  const ms = durationArg(limit, `toHaveDelayBelow(${typeof limit === 'string' ? JSON.stringify(limit) : String(limit)})`)
  if (options === undefined || options.reference === undefined) {
    throw new Error('toHaveDelayBelow: pass the signal that was sent, e.g. toHaveDelayBelow(150, { reference: speech })')
  }
  matcherOptions(DelayBelowOptionsSchema, options, 'toHaveDelayBelow', "toHaveDelayBelow('150ms', { reference, sender })")
  const m = measureAudioDelay(received, options.reference, {
    ...(options.sentAtMs !== undefined ? { sentAtMs: options.sentAtMs } : {}),
    ...(options.sender !== undefined ? { sender: options.sender } : {}),
    ...(options.windowMs !== undefined ? { windowMs: options.windowMs } : {}),
    maxDelayMs: options.maxDelayMs ?? Math.max(1000, 2 * ms),
  })
  const stalled = m.senderStall?.effect === 'invalid'
  const pass = m.confident && !stalled && m.delayMs < ms
  const { subject, ...measured } = m
  if (!m.confident && this.isNot) {
    throw new Error(`toHaveDelayBelow: the reference was not found in ${subject.label}, so its delay cannot be judged: ${m.reason}`)
  }
  if (stalled && this.isNot) {
    throw new Error(`toHaveDelayBelow: the sender stalled while sending the reference, so the path delay cannot be judged: ${m.senderStall?.summary}`)
  }
  const files = recordAudioEvidence(this, {
    matcher: 'toHaveDelayBelow',
    subject: subject.label,
    passed: !failing(this, pass),
    measured: { ms, ...measured },
    audio: subject.audio,
    ...(subject.wavPath ? { wavPath: subject.wavPath } : {}),
  })
  const how =
    options.sentAtMs !== undefined || options.sender !== undefined
      ? `wall clock: recording starts ${f2(m.anchorOffsetMs)} ms after sending began, reference at ${f2(m.inRecordingMs)} ms into it`
      : "on the recording's own timeline (no sentAtMs: network delay before the first packet is not included)"
  return {
    pass,
    actual: m.delayMs,
    expected: ms,
    message: () =>
      stalled
        ? `expected the delay of ${subject.label} to be below ${ms} ms, but the sender stalled while sending the reference (its process was busy: frames left late and some were skipped), so the ${f2(m.delayMs)} ms found is not the path's delay\n  sender stalls: ${m.senderStall?.summary}\n  hint: keep the sending process free (fewer parallel tests or less CPU load), or start the reference after the sender is warm${attachedNote(files)}`
        : m.confident
          ? `expected the delay of ${subject.label} ${this.isNot ? 'NOT ' : ''}to be below ${ms} ms\n  measured: ${f2(m.delayMs)} ms (${how}), correlation ${f2(m.correlation)}${m.senderStall && m.senderStall.effect !== 'none' ? `\n  sender stalls (excluded ${m.senderStall.excludedMs} ms of skipped frames before the reference): ${m.senderStall.summary}` : m.senderStall?.summary ? `\n  sender: ${m.senderStall.summary}` : ''}${attachedNote(files)}`
          : `expected the delay of ${subject.label} to be below ${ms} ms, but the reference was not found in it: ${m.reason}\n  best correlation ${f2(m.correlation)}${attachedNote(files)}`,
  }
}

function toResemble(this: MatcherState, received: unknown, reference: PcmAudio | { recording(): PcmAudio }, options: ResembleOptions = {}): MatcherResult {
  matcherOptions(ResembleOptionsSchema, options, 'toResemble', 'toResemble(reference, { threshold: 0.8 })')
  const threshold = options.threshold ?? SIMILARITY_THRESHOLD
  const r = resolveAudio(received, 'toResemble')
  const ref = resolveAudio(reference, 'toResemble', 'reference')
  const s = similarity(ref.audio, r.audio, {
    ...(options.delayMs !== undefined ? { delayMs: options.delayMs } : {}),
    ...(options.maxDelayMs !== undefined ? { maxDelayMs: options.maxDelayMs } : {}),
  })
  const pass = s.score >= threshold
  const measured = {
    threshold,
    score: s.score,
    delayMs: s.delayMs,
    alignmentConfident: s.delay?.confident,
    frames: s.frames,
    ...(s.reason ? { reason: s.reason } : {}),
  }
  const files = recordAudioEvidence(this, {
    matcher: 'toResemble',
    subject: r.label,
    passed: !failing(this, pass),
    measured,
    audio: r.audio,
    ...(r.wavPath ? { wavPath: r.wavPath } : {}),
  })
  const align = s.delay
    ? `aligned at ${f2(s.delayMs)} ms (${s.delay.confident ? 'confident' : `not confident: ${s.delay.reason}`})`
    : `aligned at the given ${f2(s.delayMs)} ms`
  return {
    pass,
    actual: s.score,
    expected: threshold,
    message: () =>
      `expected ${r.label} ${this.isNot ? 'NOT ' : ''}to resemble the reference (${ref.label}) with a score ≥ ${threshold}\n  measured: score ${s.score.toFixed(3)} (log mel spectrogram correlation over ${s.frames} active frames), ${align}${s.reason ? `; ${s.reason}` : ''}${attachedNote(files)}`,
  }
}

function hasRecording(x: unknown): boolean {
  if (typeof x !== 'object' || x === null) return false
  if (typeof (x as { recording?: unknown }).recording === 'function') return true
  return Array.isArray((x as Peer).inbound) && (x as Peer).inbound.some((t) => t.kind === 'audio')
}

function toHaveDtmf(this: MatcherState, received: unknown, digits: string, options: DtmfOptions = {}): MatcherResult {
  if (typeof digits !== 'string' || !/^[0-9*#A-D]+$/.test(digits)) {
    throw new RangeError(`toHaveDtmf: digits must be a non-empty string of 0-9, *, #, A-D; got ${JSON.stringify(digits)}`)
  }
  matcherOptions(DtmfOptionsSchema, options, 'toHaveDtmf', "toHaveDtmf('123', { method: 'rfc4733' })")
  const method = options.method ?? 'any'
  const rfc = method === 'inband' || isPcmAudio(received) ? undefined : rfc4733DigitsOf(received, 'toHaveDtmf')
  let inband: DetectedDigit[] | undefined
  let audio: ResolvedAudio | undefined
  if (method === 'inband' || (method === 'any' && (rfc === undefined || isPcmAudio(received) || hasRecording(received)))) {
    audio = resolveAudio(received, 'toHaveDtmf')
    inband = detectDtmf(audio.audio.samples, audio.audio.sampleRate)
  }
  if (method === 'rfc4733' && rfc === undefined)
    throw new Error('toHaveDtmf: { method: "rfc4733" } needs an inbound track or a peer (decoded audio has no RFC 4733 events)')
  const rfcDigits = rfc?.map((d) => d.digit).join('')
  const inbandDigits = inband?.map((d) => d.digit).join('')
  const pass = method === 'rfc4733' ? rfcDigits === digits : method === 'inband' ? inbandDigits === digits : rfcDigits === digits || inbandDigits === digits
  const label =
    audio?.label ??
    (typeof received === 'object' && received !== null && 'peerName' in received
      ? `${(received as InboundTrack).peerName}'s inbound audio`
      : typeof received === 'object' && received !== null && 'name' in received
        ? String((received as Peer).name)
        : 'audio')
  const measured = {
    expected: digits,
    method,
    ...(rfcDigits !== undefined ? { rfc4733: rfcDigits } : {}),
    ...(inbandDigits !== undefined ? { inband: inbandDigits } : {}),
    events: [...(rfc ?? []), ...(inband ?? [])].map((d) => ({ digit: d.digit, method: d.method, startMs: d.startMs, durationMs: d.durationMs })),
  }
  const files = recordAudioEvidence(this, {
    matcher: 'toHaveDtmf',
    subject: label,
    passed: !failing(this, pass),
    measured,
    ...(audio ? { audio: audio.audio } : {}),
  })
  const fmt = (list: DetectedDigit[] | undefined) =>
    list === undefined
      ? 'not checked'
      : list.length === 0
        ? 'none'
        : `'${list.map((d) => d.digit).join('')}' (${list.map((d) => `${d.digit}@${Math.round(d.startMs)}ms/${Math.round(d.durationMs)}ms`).join(', ')})`
  return {
    pass,
    actual: method === 'inband' ? inbandDigits : (rfcDigits ?? inbandDigits),
    expected: digits,
    message: () =>
      `expected ${label} ${this.isNot ? 'NOT ' : ''}to carry DTMF '${digits}' (${method})\n  RFC 4733 events: ${fmt(rfc)}\n  in-band tones: ${fmt(inband)}${attachedNote(files)}`,
  }
}

function isStatsSnapshot(x: unknown): x is RtpStatsSnapshot {
  return typeof x === 'object' && x !== null && 'lossFraction' in x && 'jitterMs' in x && 'expected' in x && 'received' in x
}

/** Burst ratio of a track's loss from the sequence numbers it received (1 when nothing was lost). */
function burstRatioOfTrack(track: InboundTrack): number {
  const codec = track.codec
  const seqs: number[] = []
  let last: number | undefined
  let ext = 0
  for (const p of track.packets()) {
    if (codec && p.payloadType !== codec.payloadType && p.payloadType !== 101 && p.payloadType !== 110) continue
    if (last === undefined) ext = p.sequenceNumber
    else {
      let delta = p.sequenceNumber - (last & 0xffff)
      if (delta < -32768) delta += 65536
      else if (delta > 32768) delta -= 65536
      ext = last + delta
    }
    last = ext
    seqs.push(ext)
  }
  if (seqs.length < 2) return 1
  const lo = Math.min(...seqs)
  const hi = Math.max(...seqs)
  if (hi - lo > 1_000_000) return 1
  const got = new Uint8Array(hi - lo + 1)
  for (const s of seqs) got[s - lo] = 1
  const lost: boolean[] = []
  for (let i = 0; i < got.length; i++) lost.push(got[i] === 0)
  return burstRatioOf(lost)
}

/** The E-model input a subject gives (before options). */
export function eModelInputOf(subject: unknown): { label: string; input: EModelInput } {
  let track: InboundTrack | undefined
  if (typeof subject === 'object' && subject !== null && 'waitForTrack' in subject && 'inbound' in subject)
    track = audioTrackOf(subject as Peer, 'toHaveMosAbove')
  else if (typeof subject === 'object' && subject !== null && 'waitForPackets' in subject && 'rtp' in subject) track = subject as InboundTrack
  if (track !== undefined) {
    const snap = track.rtp.snapshot()
    return {
      label: `${track.peerName}'s inbound ${track.kind}${track.codec ? ` (${track.codec.encoding})` : ''}`,
      input: {
        lossFraction: snap.lossFraction,
        jitterMs: snap.jitterMs,
        burstR: Math.max(1, burstRatioOfTrack(track)),
        ...(track.codec ? { codec: track.codec.encoding } : {}),
      },
    }
  }
  if (isStatsSnapshot(subject)) return { label: 'RTP stream', input: { lossFraction: subject.lossFraction, jitterMs: subject.jitterMs } }
  if (typeof subject === 'object' && subject !== null) return { label: 'the given path', input: { ...(subject as EModelInput) } }
  throw new Error(
    `toHaveMosAbove: expected an inbound track, a peer, RTP stats or E-model input ({ codec, lossFraction, jitterMs, networkDelayMs }), got ${typeof subject}`,
  )
}

function toHaveMosAbove(this: MatcherState, received: unknown, mos: number, options: MosOptions = {}): MatcherResult {
  if (typeof mos !== 'number' || !(mos >= 1 && mos <= 4.5))
    throw new RangeError(
      `toHaveMosAbove: MOS must be in 1 … 4.5, got ${JSON.stringify(mos)}${typeof mos === 'number' && mos > 4.5 && mos <= 100 ? ' (a MOS is on the 1–5 scale, not a percentage or an R factor)' : ''}`,
    )
  const { label, input } = eModelInputOf(received)
  const merged: EModelInput = { ...input, ...options }
  if (merged.burstR !== undefined && merged.burstR < 1) merged.burstR = 1
  let e: EModelEstimate
  try {
    e = eModel(merged)
  } catch (err) {
    throw new Error(`toHaveMosAbove: ${(err as Error).message}`)
  }
  const pass = e.mos > mos
  const measured = { threshold: mos, ...e }
  recordAudioEvidence(this, { matcher: 'toHaveMosAbove', subject: label, passed: !failing(this, pass), measured })
  return {
    pass,
    actual: e.mos,
    expected: mos,
    message: () =>
      `expected the estimated MOS of ${label} ${this.isNot ? 'NOT ' : ''}to be above ${mos}\n  E-model estimate (ITU-T G.107): MOS ${e.mos.toFixed(2)}, R ${f1(e.r)} = Ro ${f1(e.ro)} − Is ${f1(e.is)} − Id ${f1(e.id)} − Ie,eff ${f1(e.ieEff)}\n  from: codec ${e.codec.name} (Ie ${e.codec.ie}, Bpl ${e.codec.bpl}), loss ${f2(e.packetLossPercent)} % (BurstR ${f2(e.burstR)}), mouth-to-ear delay ${f1(e.oneWayDelayMs)} ms${merged.networkDelayMs === undefined && merged.oneWayDelayMs === undefined ? ' (network delay 0 assumed: pass { networkDelayMs })' : ''}`,
  }
}

/** The matcher implementations, for `expect.extend`. */
export const audioMatchers = { toContainTone, toBeSilent, toHaveLevelAbove, toHaveDelayBelow, toResemble, toHaveDtmf, toHaveMosAbove }

declare module 'vitest' {
  interface Matchers<R, T> {
    /** The audio (a recording, track or peer) contains a tone at `hz` within `toleranceHz` (default 2 Hz). */
    toContainTone(hz: number, options?: ContainToneOptions): R
    /** At least 99 % of the audio's 20 ms windows are below -50 dBFS (configurable). */
    toBeSilent(options?: SilentOptions): R
    /** The audio's RMS level (dBFS, AES17) is above `dbfs`. */
    toHaveLevelAbove(dbfs: number): R
    /** The reference is found in the audio, less than `limit` late (milliseconds, or `'150ms'`; cross-correlation). */
    toHaveDelayBelow(limit: Duration, options: DelayBelowOptions): R
    /** The audio resembles `reference` with a similarity score ≥ `threshold` (default 0.7). */
    toResemble(reference: PcmAudio | { recording(): PcmAudio }, options?: ResembleOptions): R
    /** The track (RFC 4733 events) or the audio (in-band tones) carries exactly these DTMF digits. */
    toHaveDtmf(digits: string, options?: DtmfOptions): R
    /** The ITU-T G.107 E-model estimate of MOS from loss, jitter, delay and codec is above `mos`. */
    toHaveMosAbove(mos: number, options?: MosOptions): R
  }
}
