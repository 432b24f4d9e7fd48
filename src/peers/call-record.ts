/**
 * Call records: one JSON line per call or session in `reports/call_records.jsonl`.
 * The zod schema is the contract; `docs/call-records.md` documents every field.
 */
import { appendFileSync, mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { randomUUID } from 'node:crypto'
import { z } from 'zod'
import type { Peer, PeerStats } from './types.ts'
import { VideoAnalysisDigestSchema, digestVideoAnalysis, type VideoAnalysisDigest } from '../media/video/analysis-digest.ts'
import { analyzeTrack } from '../media/video/track-frames.ts'

const TimedStateSchema = z.object({ atMs: z.number(), state: z.string() })
const TimedCandidateSchema = z.object({ atMs: z.number(), candidate: z.string() })
const CodecSchema = z.object({ encoding: z.string(), payloadType: z.number().int(), clockRate: z.number().int(), channels: z.number().int().optional() })
const EndpointSchema = z.object({ address: z.string(), port: z.number().int(), type: z.string(), protocol: z.string() })

/** One second of an inbound stream (see `RtpReceiveStats.timeline()`). */
const TimelineBucketSchema = z.object({
  second: z.number().int().nonnegative(),
  packets: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
  lostSoFar: z.number().int(),
  jitterMs: z.number().nonnegative(),
})

/** Longest per-second timeline kept in a call record (one hour); later seconds are dropped. */
export const MAX_TIMELINE_SECONDS = 3600

/** The per-second timeline of the inbound track at `index` of `peer`, when it is the stream `stats` describe. */
function inboundTimeline(peer: Peer, index: number, kind: string, mid: string | undefined, ssrc: number | undefined): z.infer<typeof TimelineBucketSchema>[] {
  try {
    const track = peer.inbound[index]
    if (!track || track.kind !== kind || track.mid !== mid) return []
    return track.rtp
      .timeline(ssrc)
      .slice(0, MAX_TIMELINE_SECONDS)
      .map((b) => ({
        second: b.second,
        packets: b.packets,
        bytes: b.bytes,
        lostSoFar: b.lostSoFar,
        jitterMs: Math.round(Math.max(0, b.jitterMs) * 1000) / 1000,
      }))
  } catch {
    return []
  }
}

/** A browser's own video receive counters (`NativeVideoInboundStats`): frames, freezes, size, feedback sent. */
const NativeVideoInboundSchema = z.object({
  framesReceived: z.number().nonnegative(),
  framesDecoded: z.number().nonnegative(),
  framesDropped: z.number().nonnegative(),
  keyFramesDecoded: z.number().nonnegative(),
  freezeCount: z.number().nonnegative(),
  totalFreezesDurationMs: z.number().nonnegative(),
  pauseCount: z.number().nonnegative(),
  totalPausesDurationMs: z.number().nonnegative(),
  frameWidth: z.number().optional(),
  frameHeight: z.number().optional(),
  framesPerSecond: z.number().optional(),
  pliCount: z.number().nonnegative(),
  firCount: z.number().nonnegative(),
  nackCount: z.number().nonnegative(),
  jitterBufferDelayMs: z.number().optional(),
  decoderImplementation: z.string().optional(),
})

/** A browser's own video send counters (`NativeVideoOutboundStats`): frames encoded and sent, feedback received. */
const NativeVideoOutboundSchema = z.object({
  framesEncoded: z.number().nonnegative(),
  keyFramesEncoded: z.number().nonnegative(),
  framesSent: z.number().nonnegative(),
  hugeFramesSent: z.number().nonnegative(),
  pliCount: z.number().nonnegative(),
  firCount: z.number().nonnegative(),
  nackCount: z.number().nonnegative(),
  frameWidth: z.number().optional(),
  frameHeight: z.number().optional(),
  framesPerSecond: z.number().optional(),
  qualityLimitationReason: z.string().optional(),
  encoderImplementation: z.string().optional(),
})

/**
 * When a video stream's keyframes were sent and its PLI/FIR sent or received (`VideoFeedbackLog`): `atMs` on the
 * process's `performance.now()` clock (as `firstArrivalMs`), at most `MAX_VIDEO_FEEDBACK_EVENTS`; `dropped` counts
 * the ones left out.
 */
const VideoEventsSchema = z.object({
  events: z.array(z.object({ atMs: z.number(), type: z.enum(['keyframe-sent', 'pli-sent', 'fir-sent', 'pli-received', 'fir-received']) })),
  dropped: z.number().int().nonnegative(),
})

/** One second of an inbound video stream's frame counters (`VideoTimelineBucket`). */
const VideoTimelineBucketSchema = z.object({
  second: z.number().int().nonnegative(),
  framesReceived: z.number().nonnegative(),
  framesDecoded: z.number().nonnegative(),
  framesDropped: z.number().nonnegative(),
  freezeCountSoFar: z.number().nonnegative(),
  freezesDurationMsSoFar: z.number().nonnegative(),
  width: z.number().optional(),
  height: z.number().optional(),
})

/** The per-second video buckets of the inbound track at `index` of `peer`, when it has them and is the stream described. */
function inboundVideoTimeline(peer: Peer, index: number, kind: string, mid: string | undefined): z.infer<typeof VideoTimelineBucketSchema>[] {
  try {
    const track = peer.inbound[index]
    if (!track || kind !== 'video' || track.kind !== kind || track.mid !== mid || !track.videoTimeline) return []
    return track.videoTimeline().slice(0, MAX_TIMELINE_SECONDS)
  } catch {
    return []
  }
}

/** The video analysis of the inbound track at `index` of `peer`, when it is a video track with frames to analyse. */
function inboundVideoAnalysis(peer: Peer, index: number, kind: string, mid: string | undefined): VideoAnalysisDigest | undefined {
  try {
    const track = peer.inbound[index]
    if (!track || kind !== 'video' || track.kind !== kind || track.mid !== mid) return undefined
    const a = analyzeTrack(track as Parameters<typeof analyzeTrack>[0])
    return a ? digestVideoAnalysis(a) : undefined
  } catch {
    return undefined
  }
}

/** Receive statistics of one inbound stream, computed by rtcspec from the packets (RFC 3550). */
export const InboundRecordSchema = z.object({
  kind: z.enum(['audio', 'video']),
  mid: z.string().optional(),
  codec: CodecSchema.optional(),
  ssrc: z.number().int().optional(),
  received: z.number().int().nonnegative(),
  unique: z.number().int().nonnegative(),
  expected: z.number().int().nonnegative(),
  lost: z.number().int().nonnegative(),
  lossFraction: z.number().min(0).max(1),
  rfc3550CumulativeLost: z.number().int(),
  duplicates: z.number().int().nonnegative(),
  reordered: z.number().int().nonnegative(),
  jitterMs: z.number().nonnegative(),
  longestSeqGap: z.number().int().nonnegative(),
  longestArrivalGapMs: z.number().nonnegative(),
  firstArrivalMs: z.number().optional(),
  lastArrivalMs: z.number().optional(),
  bitrateBps: z.number().nonnegative(),
  /** The peer implementation's own view (werift or browser getStats), for cross-checking. */
  native: z.object({ packetsReceived: z.number(), packetsLost: z.number(), jitterMs: z.number() }).optional(),
  /** `browser-getstats` when the figures above are a browser peer's own counters rather than rtcspec's packet analysis. */
  origin: z.enum(['packets', 'browser-getstats']).optional(),
  /**
   * Per-second buckets from the first packet on (from `RtpReceiveStats.timeline()` of the track): packets
   * and payload bytes that arrived in the second, lost-so-far and jitter (ms) at its end (Chromium tracks give none). At most
   * {@link MAX_TIMELINE_SECONDS} entries.
   */
  timeline: z.array(TimelineBucketSchema).optional(),
  /** Video: the implementation's own frame counters (a browser's getStats), when it has them. */
  nativeVideo: NativeVideoInboundSchema.optional(),
  /** Video: per-second frames received/decoded/dropped, freezes so far and picture size (at most one hour). */
  videoTimeline: z.array(VideoTimelineBucketSchema).optional(),
  /** Video: rtcspec's frame-accurate analysis of the frames this track assembled or rendered (docs/video.md). */
  videoAnalysis: VideoAnalysisDigestSchema.optional(),
  /** Video tracks assembled from their packets (werift, plain RTP): frames, complete ones, keyframes, size, PLI/FIR/NACK sent. */
  video: z
    .object({
      frames: z.number().int().nonnegative(),
      completeFrames: z.number().int().nonnegative(),
      keyframes: z.number().int().nonnegative(),
      width: z.number().int().positive().optional(),
      height: z.number().int().positive().optional(),
      pliSent: z.number().int().nonnegative(),
      firSent: z.number().int().nonnegative(),
      nackSent: z.number().int().nonnegative(),
      /** When each PLI/FIR was sent (werift receivers), bounded. */
      events: VideoEventsSchema.optional(),
    })
    .optional(),
})

/** Send counters of one outbound stream. */
export const OutboundRecordSchema = z.object({
  kind: z.enum(['audio', 'video']),
  mid: z.string().optional(),
  codec: CodecSchema.optional(),
  ssrc: z.number().int().optional(),
  packetsSent: z.number().int().nonnegative(),
  bytesSent: z.number().int().nonnegative(),
  lateTicks: z.number().int().nonnegative(),
  /**
   * Frames this stream sent as filler (silence) because its source had no audio for them, after the media had
   * started: missing media its receiver hears as gaps (a B2BUA bridge's playout underflow).
   */
  missingFrames: z.number().int().nonnegative().optional(),
  /** Frames of this stream in all (audio and filler), when `missingFrames` is given. */
  frames: z.number().int().nonnegative().optional(),
  /** Video: the implementation's own send counters (a browser's getStats), when it has them. */
  nativeVideo: NativeVideoOutboundSchema.optional(),
  /** Video streams rtcspec packetizes (werift): frames and keyframes sent, keyframes sent on request, PLI/FIR/NACK received. */
  video: z
    .object({
      framesSent: z.number().int().nonnegative(),
      keyframesSent: z.number().int().nonnegative(),
      keyframesOnRequest: z.number().int().nonnegative(),
      pliReceived: z.number().int().nonnegative(),
      firReceived: z.number().int().nonnegative(),
      nackReceived: z.number().int().nonnegative(),
      packetsSent: z.number().int().nonnegative(),
      bytesSent: z.number().int().nonnegative(),
      lateFrames: z.number().int().nonnegative(),
      loops: z.number().int().nonnegative(),
      /** When each keyframe was sent and each PLI/FIR received (werift senders), bounded. */
      events: VideoEventsSchema.optional(),
    })
    .optional(),
  /** Spans in which the sender's frames left late or were skipped because its process was busy (`SenderStall`). */
  stalls: z
    .array(
      z.object({
        atMs: z.number(),
        lateMs: z.number(),
        lateFrames: z.number().int().nonnegative(),
        skippedFrames: z.number().int().nonnegative(),
        sourceFrameIndex: z.number().int().nonnegative(),
        ptimeMs: z.number().positive(),
      }),
    )
    .optional(),
  /** Why the sender stopped before its source ended (what threw while it made or sent a frame); absent normally. */
  senderError: z.string().optional(),
})

/** A saved recording of one inbound track: the decoded WAV and the pcap of its RTP. */
export const RecordingRecordSchema = z.object({
  kind: z.enum(['audio', 'video']),
  mid: z.string().optional(),
  /** The WAV file (path as written, usually under reports/recordings/). */
  path: z.string(),
  /** The pcap of the received RTP. */
  pcap: z.string().optional(),
  sampleRate: z.number().int().positive(),
  durationMs: z.number().nonnegative(),
  /** `wav` (audio, the default), `ivf` (VP8), `h264` (H.264 Annex B) or `webm` (a Chromium peer's video): the file `path` points to. */
  format: z.enum(['wav', 'ivf', 'h264', 'webm']).optional(),
  /** A Chromium peer's video recording: bytes its recorder produced past the size kept (64 MiB). */
  droppedBytes: z.number().nonnegative().optional(),
  /** Video: frames written (the complete ones) and frames left out because a packet was missing. */
  frames: z.number().int().nonnegative().optional(),
  incompleteFrames: z.number().int().nonnegative().optional(),
})

/** Everything recorded about one peer of a call. */
export const PeerRecordSchema = z.object({
  name: z.string(),
  kind: z.enum(['werift', 'chromium', 'rtp']),
  codecs: z.array(z.string()),
  ice: z.object({
    states: z.array(TimedStateSchema),
    gathering: z.array(TimedStateSchema),
    localCandidates: z.array(TimedCandidateSchema),
    remoteCandidates: z.array(TimedCandidateSchema),
    selectedPair: z.object({ local: EndpointSchema, remote: EndpointSchema }).optional(),
    /** Every nomination of a pair, in time order (connect, ICE restart). */
    nominations: z.array(z.object({ atMs: z.number(), local: z.string(), remote: z.string(), protocol: z.string() })).optional(),
    /** Connectivity checks per candidate pair, with consent counters. */
    checks: z
      .array(
        z.object({
          local: z.string(),
          remote: z.string(),
          state: z.string(),
          nominated: z.boolean(),
          requestsSent: z.number().int().nonnegative(),
          responsesReceived: z.number().int().nonnegative(),
          requestsReceived: z.number().int().nonnegative(),
          responsesSent: z.number().int().nonnegative(),
          consentRequestsSent: z.number().int().nonnegative(),
          rttMs: z.number().nonnegative().optional(),
        }),
      )
      .optional(),
    consentFresh: z.boolean().optional(),
    iceRestarts: z.number().int().nonnegative().optional(),
  }),
  dtls: z.object({ states: z.array(TimedStateSchema) }),
  connection: z.object({ states: z.array(TimedStateSchema) }),
  rtp: z.object({ inbound: z.array(InboundRecordSchema), outbound: z.array(OutboundRecordSchema) }),
  /** Recordings of this peer's inbound tracks saved when the call ended (when recording was asked for). */
  recordings: z.array(RecordingRecordSchema).optional(),
  errors: z.array(z.object({ atMs: z.number(), message: z.string() })),
})

/** One line of `call_records.jsonl`. */
export const CallRecordSchema = z.object({
  schema: z.literal('rtcspec.call-record/v1'),
  id: z.string(),
  /** What kind of call: an in-process back-to-back WebRTC pair, a scenario, a SIP call, a WHIP/WHEP session... */
  kind: z.string(),
  /** The Vitest test that made the call, when there is one. */
  test: z.object({ file: z.string().optional(), name: z.string(), result: z.enum(['passed', 'failed', 'unknown']) }).optional(),
  startedAt: z.iso.datetime(),
  endedAt: z.iso.datetime(),
  durationMs: z.number().nonnegative(),
  setup: z.object({ connectMs: z.number().optional(), firstRtpMs: z.number().optional() }),
  peers: z.array(PeerRecordSchema),
  signaling: z.array(
    z.object({
      atMs: z.number(),
      from: z.string(),
      to: z.string(),
      type: z.string(),
      sdp: z.string().optional(),
      candidate: z.string().optional(),
      transport: z.string().optional(),
      /** HTTP messages (WHIP/WHEP): the headers worth seeing (Location, ETag, Link, Content-Type, If-Match, …), lower-case names. */
      headers: z.record(z.string(), z.string()).optional(),
      /** Sender's transport address, `host:port`, when known. */
      fromAddress: z.string().optional(),
      /** Receiver's transport address, `host:port`, when known. */
      toAddress: z.string().optional(),
      /** The whole message as on the wire (SIP: start line, headers and body). */
      raw: z.string().optional(),
      /** `n` when the message is the n-th resend of an earlier one of the same transaction. */
      retransmission: z.number().int().positive().optional(),
      /** For a retransmission: ms since the previous copy. */
      sincePreviousMs: z.number().optional(),
      /** For a retransmission: the timer that fired (`Timer A`, `Timer E`, `Timer G`, `2xx timer`). */
      timer: z.string().optional(),
    }),
  ),
  /** Extra data a layer attaches (impairment ground truth, seeds, ...). */
  extra: z.record(z.string(), z.unknown()).optional(),
  errors: z.array(z.object({ peer: z.string().optional(), message: z.string() })),
})

/** One line of `call_records.jsonl`: a call with its peers (see {@link CallRecordSchema}). */
export type CallRecord = z.infer<typeof CallRecordSchema>
/** One peer of a {@link CallRecord}. */
export type PeerRecord = z.infer<typeof PeerRecordSchema>
/** A recording file a {@link CallRecord} points to. */
export type RecordingRecord = z.infer<typeof RecordingRecordSchema>

/** Turns a peer's stats and timeline into its record. */
export function peerRecord(peer: Peer, stats: PeerStats): PeerRecord {
  const t = peer.timeline
  const codecs = new Set<string>()
  for (const i of stats.inbound) if (i.codec) codecs.add(i.codec.encoding)
  for (const o of stats.outbound) if (o.codec) codecs.add(o.codec.encoding)
  return {
    name: peer.name,
    kind: peer.kind,
    codecs: [...codecs],
    ice: {
      states: t.ice,
      gathering: t.gathering,
      localCandidates: t.localCandidates,
      remoteCandidates: t.remoteCandidates,
      ...(stats.selectedPair ? { selectedPair: stats.selectedPair } : {}),
      ...(t.nominations ? { nominations: t.nominations } : {}),
      ...(stats.iceDetail ? { checks: stats.iceDetail.checks } : {}),
      ...(stats.iceDetail?.consentFresh !== undefined ? { consentFresh: stats.iceDetail.consentFresh } : {}),
      ...(stats.iceDetail?.iceRestarts !== undefined ? { iceRestarts: stats.iceDetail.iceRestarts } : {}),
    },
    dtls: { states: t.dtls },
    connection: { states: t.connection },
    rtp: {
      inbound: stats.inbound.map((i, index) => {
        const timeline = inboundTimeline(peer, index, i.kind, i.mid, i.rtp.ssrc)
        const videoTimeline = inboundVideoTimeline(peer, index, i.kind, i.mid)
        const videoAnalysis = inboundVideoAnalysis(peer, index, i.kind, i.mid)
        return {
          kind: i.kind,
          ...(i.mid !== undefined ? { mid: i.mid } : {}),
          ...(i.codec ? { codec: i.codec } : {}),
          ...(i.rtp.ssrc !== undefined ? { ssrc: i.rtp.ssrc } : {}),
          received: i.rtp.received,
          unique: i.rtp.unique,
          expected: i.rtp.expected,
          lost: i.rtp.lost,
          lossFraction: i.rtp.lossFraction,
          rfc3550CumulativeLost: i.rtp.rfc3550CumulativeLost,
          duplicates: i.rtp.duplicates,
          reordered: i.rtp.reordered,
          jitterMs: i.rtp.jitterMs,
          longestSeqGap: i.rtp.longestSeqGap,
          longestArrivalGapMs: i.rtp.longestArrivalGapMs,
          ...(i.rtp.firstArrivalMs !== undefined ? { firstArrivalMs: i.rtp.firstArrivalMs } : {}),
          ...(i.rtp.lastArrivalMs !== undefined ? { lastArrivalMs: i.rtp.lastArrivalMs } : {}),
          bitrateBps: i.rtp.bitrateBps,
          ...(i.native ? { native: i.native } : {}),
          ...(i.origin ? { origin: i.origin } : {}),
          ...(timeline.length ? { timeline } : {}),
          ...(i.nativeVideo ? { nativeVideo: i.nativeVideo } : {}),
          ...(videoTimeline.length ? { videoTimeline } : {}),
          ...(videoAnalysis ? { videoAnalysis } : {}),
          ...(i.video ? { video: i.video } : {}),
        }
      }),
      outbound: stats.outbound.map((o) => ({
        kind: o.kind,
        ...(o.mid !== undefined ? { mid: o.mid } : {}),
        ...(o.codec ? { codec: o.codec } : {}),
        ...(o.ssrc !== undefined ? { ssrc: o.ssrc } : {}),
        packetsSent: o.packetsSent,
        bytesSent: o.bytesSent,
        lateTicks: o.lateTicks,
        ...(o.stalls?.length ? { stalls: o.stalls } : {}),
        ...(o.senderError !== undefined ? { senderError: o.senderError } : {}),
        ...(o.nativeVideo ? { nativeVideo: o.nativeVideo } : {}),
        ...(o.video ? { video: o.video } : {}),
      })),
    },
    errors: t.errors,
  }
}

export interface BuildCallRecordInput {
  kind: string
  peers: Peer[]
  startedAt: Date
  endedAt?: Date
  test?: CallRecord['test']
  setup?: CallRecord['setup']
  signaling?: CallRecord['signaling']
  extra?: Record<string, unknown>
  errors?: CallRecord['errors']
  /** Saved recordings, by peer name. */
  recordings?: Record<string, RecordingRecord[]>
}

/** Collects stats from every peer and builds a schema-valid call record. Never throws on a peer's stats failure. */
export async function buildCallRecord(input: BuildCallRecordInput): Promise<CallRecord> {
  const endedAt = input.endedAt ?? new Date()
  const errors = [...(input.errors ?? [])]
  const peers: PeerRecord[] = []
  for (const p of input.peers) {
    try {
      const rec = peerRecord(p, await p.stats())
      const saved = input.recordings?.[p.name]
      peers.push(saved?.length ? { ...rec, recordings: saved } : rec)
    } catch (e) {
      errors.push({ peer: p.name, message: `stats unavailable: ${e instanceof Error ? e.message : String(e)}` })
    }
  }
  return CallRecordSchema.parse({
    schema: 'rtcspec.call-record/v1',
    id: randomUUID(),
    kind: input.kind,
    ...(input.test ? { test: input.test } : {}),
    startedAt: input.startedAt.toISOString(),
    endedAt: endedAt.toISOString(),
    durationMs: Math.max(0, endedAt.getTime() - input.startedAt.getTime()),
    setup: input.setup ?? {},
    peers,
    signaling: input.signaling ?? [],
    ...(input.extra ? { extra: input.extra } : {}),
    errors,
  })
}

/** The report directory: `$RTCSPEC_REPORT_DIR`, else `reports/` under the working directory. */
export function reportDir(): string {
  return resolve(process.env.RTCSPEC_REPORT_DIR ?? 'reports')
}

/** Appends one record as a JSON line to `<dir>/call_records.jsonl` (one `write`, so parallel workers do not interleave). */
export function appendCallRecord(record: CallRecord, dir = reportDir()): string {
  mkdirSync(dir, { recursive: true })
  const file = join(dir, 'call_records.jsonl')
  appendFileSync(file, `${JSON.stringify(record)}\n`)
  return file
}
