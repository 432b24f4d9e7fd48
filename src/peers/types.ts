/**
 * The one `Peer` interface every peer implementation (werift, Chromium, plain RTP) provides.
 * Specs and the DSL talk to peers only through this interface.
 */
import type { Stall } from '../media/process-stalls.ts'
import type { AudioRecording, AudioSource, DetectedDigit } from '../media/types.ts'
import type { SentVideoFrame } from '../media/video/analysis.ts'
import type { EncodedVideo, VideoFrameArrival } from '../media/video/types.ts'
import type { VideoFeedbackLog } from '../media/video/feedback-events.ts'
import type { RenderedVideoFrame } from '../media/video/types.ts'
import type { RtpReceiveStats, RtpStatsSnapshot } from '../rtp/stats.ts'
import type { SenderStall } from './audio-sender.ts'

/** Which implementation a peer is. */
export type PeerKind = 'werift' | 'chromium' | 'rtp'
/** The kind of a media section or track. */
export type MediaKind = 'audio' | 'video'
/** An SDP media direction (RFC 8866 §6.7). */
export type Direction = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive'

/** An SDP offer or answer, shaped like the W3C `RTCSessionDescriptionInit`. */
export interface SessionDescriptionInit {
  type: 'offer' | 'answer'
  sdp: string
}

/** A trickled ICE candidate, shaped like the W3C `RTCIceCandidateInit`. */
export interface CandidateInit {
  candidate: string
  sdpMid?: string | null
  sdpMLineIndex?: number | null
  usernameFragment?: string | null
}

/** A source, or a factory that builds one at the sample rate the negotiated codec needs. */
export type AudioSourceSpec = AudioSource | ((sampleRate: number) => AudioSource)

/** The codec an RTP stream carries, as negotiated. */
export interface CodecInfo {
  /** Encoding name as in a=rtpmap, e.g. `PCMU`, `opus`. */
  encoding: string
  payloadType: number
  clockRate: number
  channels?: number
}

/** One received RTP packet as handed to per-track receive hooks. */
export interface ReceivedRtp {
  sequenceNumber: number
  timestamp: number
  ssrc: number
  payloadType: number
  marker: boolean
  payload: Uint8Array
  /** `performance.now()` at arrival, in ms. */
  arrivalMs: number
}

/** A remote track this peer receives, with live RFC 3550 statistics computed from its packets. */
export interface InboundTrack {
  readonly kind: MediaKind
  readonly mid: string | undefined
  /** The negotiated codec of the first packet's payload type, once a packet arrived. */
  readonly codec: CodecInfo | undefined
  /** Live statistics computed by rtcspec from the packets themselves. */
  readonly rtp: RtpReceiveStats
  /**
   * When the receiver joined: werift, the peer's first offer or answer (performance clock, like the packets'
   * arrival times); Chromium, when the page saw the track (the page's wall clock, like its rendered frames). The
   * video analysis counts the time to first frame from here. Absent where no join is known (plain RTP).
   */
  readonly joinedAtMs?: number | undefined
  /** Name of the peer that owns this track, for messages. */
  readonly peerName: string
  /** Subscribes to every received packet. Returns an unsubscribe function. */
  onRtp(listener: (packet: ReceivedRtp) => void): () => void
  /** Resolves once `count` packets arrived in total; rejects with a TimeoutError naming the track otherwise. */
  waitForPackets(count: number, timeoutMs: number): Promise<void>
  /**
   * The received audio decoded so far, placed by RTP timestamp (gaps are silence). Always available: every
   * inbound track keeps its packets in memory (bounded, see `InboundTrackImpl`). The audio is decoded again only
   * when packets arrived since the last call; until then calls share the same `samples` (do not modify them).
   */
  recording(): AudioRecording
  /** Asks for this track's recording (WAV) and packets (pcap) to be written to disk when the call ends. */
  record(): void
  /** Whether `record()` was called (or the call/peer was made with `record: true`). */
  readonly recordRequested: boolean
  /** RFC 4733 telephone-event digits received so far, in order. */
  dtmf(): DetectedDigit[]
  /** The RTP packets received so far, in arrival order (for pcaps and custom analysis). */
  packets(): ReadonlyArray<ReceivedRtp>
  /**
   * Capability of tracks that cannot hand out their packets (a browser's): samples the implementation's own
   * counters from now on and bounds the longest interval without RTP when stopped. Tracks that expose their
   * packets (`onRtp`) do not have it: measure from the packets.
   */
  watchArrivalGap?(options?: { intervalMs?: number; maxMs?: number }): Promise<ArrivalGapMeasurement>
  /**
   * Capability of video tracks whose RTP packets rtcspec sees (werift, plain RTP): every frame assembled from the
   * packets so far (all packets of one RTP timestamp), in sequence-number order, with `complete` true only when
   * every packet of the frame arrived. A fresh array each call.
   */
  videoFrames?(): VideoFrameArrival[]
  /**
   * Capability of video tracks whose packets this process reads: the spans in which this process did not run while
   * the track was open. The video analysis sets apart the freezes they explain (`freezes.duringOwnStalls`).
   */
  ownStalls?(): readonly Stall[]
  /**
   * Capability of video tracks a browser records in its page (they have no packets to record): asks the page's
   * recorder for what it still holds and returns the whole recording, or undefined when the track was not recorded.
   */
  takePageVideoRecording?(): Promise<PageVideoRecording | undefined>
  /** Capability of video tracks: resolves once `count` complete frames arrived; rejects with a TimeoutError naming the track otherwise. */
  waitForVideoFrames?(count: number, timeoutMs: number): Promise<void>
  /** Capability of video tracks whose receiver rtcspec drives: the keyframe requests and NACKs it sent. */
  videoFeedback?(): VideoReceiveCounters
  /**
   * Capability of video tracks a player renders (a browser's): every rendered frame so far, with the frame code
   * read from its pixels, in order (bounded by the implementation's cap).
   */
  renderedFrames?(): readonly RenderedVideoFrame[]
  /** Capability of video tracks with frame counters: per-second buckets of frames, freezes and picture size, for plots. */
  videoTimeline?(): VideoTimelineBucket[]
}

/** One second of an inbound video stream's frame counters (see {@link InboundTrack.videoTimeline}). */
export interface VideoTimelineBucket {
  /** 0, 1, … from the first frame received. */
  second: number
  /** Frames received, decoded and dropped in that second. */
  framesReceived: number
  framesDecoded: number
  framesDropped: number
  /** Freezes counted so far, and their total duration so far (ms), at the end of the second. */
  freezeCountSoFar: number
  freezesDurationMsSoFar: number
  /** Picture size at the end of the second, when known. */
  width?: number
  height?: number
}

/** A browser's own counters of one received video stream (W3C webrtc-stats `inbound-rtp`), for cross-checks. */
export interface NativeVideoInboundStats {
  framesReceived: number
  framesDecoded: number
  framesDropped: number
  keyFramesDecoded: number
  /**
   * Freezes as the browser counts them (webrtc-stats: a rendered frame whose gap to the previous one exceeds
   * max(3 × the mean frame duration, mean + 150 ms)) and their total duration, ms.
   */
  freezeCount: number
  totalFreezesDurationMs: number
  /** Pauses (no rendered frame for more than 5 s) and their total duration, ms. */
  pauseCount: number
  totalPausesDurationMs: number
  frameWidth?: number
  frameHeight?: number
  framesPerSecond?: number
  /** PLI, FIR and NACK requests this receiver sent. */
  pliCount: number
  firCount: number
  nackCount: number
  /** Mean time a frame spent in the jitter buffer, ms. */
  jitterBufferDelayMs?: number
  decoderImplementation?: string
}

/** A browser's own counters of one sent video stream (W3C webrtc-stats `outbound-rtp`). */
export interface NativeVideoOutboundStats {
  framesEncoded: number
  keyFramesEncoded: number
  framesSent: number
  hugeFramesSent: number
  /** PLI, FIR and NACK requests received from the far end. */
  pliCount: number
  firCount: number
  nackCount: number
  frameWidth?: number
  frameHeight?: number
  framesPerSecond?: number
  /** Why the encoder lowers quality: `none`, `cpu`, `bandwidth`, `other`. */
  qualityLimitationReason?: string
  encoderImplementation?: string
}

/** Counters of one outbound stream this peer sends. */
export interface OutboundStats {
  kind: MediaKind
  mid: string | undefined
  codec: CodecInfo | undefined
  ssrc: number | undefined
  packetsSent: number
  bytesSent: number
  /** Pacer ticks that fired late by more than one frame interval. */
  lateTicks: number
  firstPacketAtMs: number | undefined
  /**
   * Spans in which the sender's frames left late or were skipped because its process was busy (see
   * `SenderStall`); absent for peers whose sender rtcspec does not pace (Chromium).
   */
  stalls?: SenderStall[]
  /** Video streams: frames, keyframes and feedback received (see {@link VideoSendCounters}). */
  video?: VideoSendCounters
  /**
   * Why rtcspec's sender of this stream stopped before its source ended: the message of what threw while it made or
   * sent a frame (e.g. the encoder). Absent while it sends normally.
   */
  senderError?: string
  /** The implementation's own video send counters (a browser's getStats), for video streams that have them. */
  nativeVideo?: NativeVideoOutboundStats
}

/** An ICE candidate seen by a peer, with the time it was seen (ms since the peer was created). */
export interface TimedCandidate {
  atMs: number
  candidate: string
}

/** A state change with the time it happened (ms since the peer was created). */
export interface TimedState {
  atMs: number
  state: string
}

/** The selected ICE candidate pair. */
export interface SelectedPair {
  local: { address: string; port: number; type: string; protocol: string }
  remote: { address: string; port: number; type: string; protocol: string }
}

/** What happened on a peer's connection, for call records and failure messages. */
export interface PeerTimeline {
  /** `Date.now()` when the peer was created; `atMs` values are relative to it. */
  createdAt: number
  ice: TimedState[]
  gathering: TimedState[]
  connection: TimedState[]
  dtls: TimedState[]
  signaling: TimedState[]
  localCandidates: TimedCandidate[]
  remoteCandidates: TimedCandidate[]
  errors: Array<{ atMs: number; message: string }>
  /** Each time a candidate pair was nominated (selected) for media, e.g. at connect and after an ICE restart. */
  nominations?: TimedNomination[]
}

/** A nominated candidate pair with the time it was seen (ms since the peer was created). */
export interface TimedNomination {
  atMs: number
  /** `address:port typ` of the local and remote candidate, plus the transport protocol. */
  local: string
  remote: string
  protocol: string
}

/** One ICE candidate pair's connectivity checks and consent, as the implementation counted them. */
export interface IceCheckSummary {
  local: string
  remote: string
  /** `frozen`, `waiting`, `in-progress`, `succeeded` or `failed`. */
  state: string
  nominated: boolean
  requestsSent: number
  responsesReceived: number
  requestsReceived: number
  responsesSent: number
  /** RFC 7675 consent-freshness requests sent on this pair (after nomination). */
  consentRequestsSent: number
  /** Latest round-trip time of a check, ms. */
  rttMs?: number
}

/** ICE details beyond states and candidates: checks per pair, consent, restarts. */
export interface IceDetail {
  checks: IceCheckSummary[]
  /** Whether consent to send (RFC 7675) is fresh on the selected pair. */
  consentFresh?: boolean
  /** ICE restarts performed on this peer's transport(s). */
  iceRestarts?: number
  /** ICE generation (0 before any restart). */
  generation?: number
}

/** A stats snapshot of a peer. */
export interface PeerStats {
  peer: string
  kind: PeerKind
  inbound: Array<{
    kind: MediaKind
    mid: string | undefined
    codec: CodecInfo | undefined
    rtp: RtpStatsSnapshot
    native?: NativeInboundStats
    /**
     * Where `rtp` comes from: `packets` (default when absent) — computed by rtcspec from the received packets
     * (RFC 3550); `browser-getstats` — a browser peer's own getStats counters (it cannot hand out its packets).
     */
    origin?: 'packets' | 'browser-getstats'
    /** Video tracks assembled from their packets: frames, complete ones, keyframes and the feedback sent. */
    video?: InboundVideoSummary
    /** The implementation's own video receive counters (a browser's getStats), for video streams that have them. */
    nativeVideo?: NativeVideoInboundStats
  }>
  outbound: OutboundStats[]
  selectedPair: SelectedPair | undefined
  /** Connectivity checks, consent and restarts, when the implementation exposes them (werift does). */
  iceDetail?: IceDetail
  iceState: string
  dtlsState: string | undefined
}

/** The implementation's own view of an inbound stream (werift or browser getStats), for cross-checks. */
export interface NativeInboundStats {
  packetsReceived: number
  packetsLost: number
  jitterMs: number
}

/** A handle on audio a peer is sending. */
export interface AudioSendHandle {
  /** Stops sending (the transceiver stays). */
  stop(): void
  readonly stats: OutboundStats
}

/** Options of `Peer.sendAudio`. */
export interface SendAudioOptions {
  /**
   * Discontinuous transmission: stop sending while the source is silent (below `thresholdDbfs`, default −60 dBFS,
   * after `hangoverFrames`, default 5 × 20 ms) and set the marker bit on the first packet of each new talkspurt.
   * Default off (every frame is sent; the marker bit is on the first packet only).
   */
  dtx?: boolean | { thresholdDbfs?: number; hangoverFrames?: number }
}

/** Options of `Peer.sendDtmf`. */
export interface DtmfSendOptions {
  /** Duration of each digit's event, ms (rounded to whole packet times, at least one). Default 100. */
  durationMs?: number
  /** Pause between digits, ms (rounded up to whole packet times). Default 50. */
  gapMs?: number
  /** Volume field, −dBm0 (0–63). Default 10. */
  volume?: number
}

/** Common options of every peer implementation. */
export interface PeerOptions {
  /** Name used in messages and call records. */
  name?: string
  /** Audio codecs to offer or accept, in preference order. Default `['PCMU', 'PCMA']`; `'opus'` is available too. */
  codecs?: string[]
  /** Offer/accept RFC 4733 telephone-event at 8 kHz (PT 101) and 48 kHz (PT 110, for Opus). Default true. */
  dtmf?: boolean
  /** Write every inbound audio track's recording (WAV) and pcap to disk when the call ends. Default false. */
  record?: boolean
  /** Audio direction of this peer's audio transceiver. Default `sendrecv`; `false` for no audio. */
  audio?: Direction | false
  /** Trickle candidates (true, default) or wait for full gathering and put them all in the SDP (false). */
  trickle?: boolean
  /** ICE servers, W3C shape. Default none: everything works offline on loopback. */
  iceServers?: Array<{ urls: string | string[]; username?: string; credential?: string }>
  /** Use only relay candidates. */
  relayOnly?: boolean
  /** Host addresses to gather on. Default `['127.0.0.1']`. */
  hostAddresses?: string[]
}

/** A WebRTC-capable endpoint under test or under rtcspec's control. */
export interface Peer extends AsyncDisposable {
  readonly name: string
  readonly kind: PeerKind
  readonly trickle: boolean
  /** Creates an offer and applies it locally. Without trickle, the SDP holds every candidate. */
  createOffer(options?: { iceRestart?: boolean }): Promise<SessionDescriptionInit>
  /** Applies a remote offer, then creates and applies the answer and returns it. */
  acceptOffer(offer: SessionDescriptionInit): Promise<SessionDescriptionInit>
  /** Applies a remote answer. */
  acceptAnswer(answer: SessionDescriptionInit): Promise<void>
  /** Trickle in: adds a remote candidate; `null` signals end-of-candidates. */
  addRemoteCandidate(candidate: CandidateInit | null): Promise<void>
  /** Trickle out: calls `listener` for every local candidate, then `null` at end-of-candidates. Returns unsubscribe. */
  onLocalCandidate(listener: (candidate: CandidateInit | null) => void): () => void
  /** Starts sending audio from `source` as soon as the connection is up. */
  sendAudio(source: AudioSourceSpec, options?: SendAudioOptions): AudioSendHandle
  /**
   * Sends `digits` (`0-9 * # A-D`) as RFC 4733 telephone-events in the audio stream, replacing the audio
   * while each event lasts. Starts a silent audio stream if nothing is being sent. Resolves once the last
   * end-of-event packet has been sent.
   */
  sendDtmf(digits: string, options?: DtmfSendOptions): Promise<void>
  /**
   * Capability of peers that packetize video themselves (werift): sends a pre-encoded stream frame by frame at its
   * frame rate once the connection is up, answering PLI/FIR with its next keyframe. The peer needs a video
   * transceiver that sends (werift: the `video` option).
   */
  sendVideo?(video: EncodedVideo, options?: SendVideoOptions): VideoSendHandle
  /** Tracks received so far. */
  readonly inbound: ReadonlyArray<InboundTrack>
  /** Resolves with the first inbound track of `kind`. */
  waitForTrack(kind: MediaKind, timeoutMs: number): Promise<InboundTrack>
  /** Resolves when ICE and DTLS are connected; rejects on failure or timeout with what was seen. */
  waitForConnected(timeoutMs: number): Promise<void>
  stats(): Promise<PeerStats>
  readonly timeline: PeerTimeline
  /**
   * Capability of implementations that hide why they got no TURN relay candidate (werift swallows allocation
   * errors): starts watching this peer's TURN set-up and, when it fails, says why (e.g. `401 Unauthorized`), so
   * a failed call names the cause instead of a bare ICE timeout. Absent on peers that report TURN failures
   * themselves or use no TURN. Call `stop()` once the call connected or failed.
   */
  watchTurnSetup?(): TurnSetupWatch
  /** What generic code must know about this implementation (instead of testing `kind`). Absent: all false. */
  readonly traits?: PeerTraits
  /** Closes the connection and stops every sender. Idempotent. */
  close(): Promise<void>
}

/** Facts about a peer implementation that generic code (back-to-back wiring, ICE restarts) acts on. */
export interface PeerTraits {
  /**
   * Answers ICE connectivity checks from any source address, including the host's non-loopback ones (a
   * browser). A call between two such peers, with no path of the caller's, goes through a clean loopback relay
   * so that no traffic leaves 127.0.0.1.
   */
  readonly answersChecksFromAnyAddress?: boolean
  /** Appends to `timeline.nominations` only when `stats()` runs (a browser's selected pair is polled), so waiting for a nomination polls it. */
  readonly nominationsSeenOnStats?: boolean
}

/** A running watch on a peer's TURN set-up (see {@link Peer.watchTurnSetup}). */
export interface TurnSetupWatch {
  /** Resolves with the reason TURN failed, or undefined when it did not (or the watch was stopped). Never rejects. */
  readonly diagnosis: Promise<{ readonly message: string } | undefined>
  /** Stops watching (idempotent). */
  stop(): void
}

/** A running measurement of the longest interval without RTP on a track (see {@link InboundTrack.watchArrivalGap}). */
export interface ArrivalGapMeasurement {
  /** Stops measuring and bounds the longest interval between two packets since the watch started, ms. */
  stop(): Promise<{ readonly upperMs: number; readonly lowerMs: number }>
}

/** Options of `Peer.sendVideo`. */
export interface SendVideoOptions {
  /** Start again from the first frame after the last one (timestamps keep increasing). Default false: send once. */
  loop?: boolean
  /** Index in `video.frames` of the first frame to send. Default 0. */
  startAtFrame?: number
}

/** Counters of a video stream a peer sends. */
export interface VideoSendCounters {
  framesSent: number
  keyframesSent: number
  /** Keyframes sent early because a PLI or FIR asked for one (a jump ahead to the stream's next keyframe). */
  keyframesOnRequest: number
  pliReceived: number
  firReceived: number
  nackReceived: number
  packetsSent: number
  /** RTP payload bytes sent. */
  bytesSent: number
  /** Frames that left more than one frame interval after they were due (the process was busy). */
  lateFrames: number
  /** Times the stream started again from its first frame (`loop`), or wrapped to reach a keyframe. */
  loops: number
  /** When each keyframe was sent and each PLI/FIR received (rtcspec's werift sender), bounded. */
  events?: VideoFeedbackLog
}

/** A handle on video a peer is sending; what each implementation knows beyond `stop` and `stats` is optional. */
export interface VideoSendHandle {
  /** Stops sending (the transceiver stays). */
  stop(): void
  readonly stats: OutboundStats
  /** Frames, keyframes and feedback of the stream, when rtcspec packetizes it (werift). */
  readonly counters?: VideoSendCounters
  /**
   * Frames sent so far, when rtcspec packetizes them (werift): index, RTP timestamp, when the first packet left
   * (performance clock), keyframe. The ground truth for the frame-accurate analysis.
   */
  sentFrames?(): readonly SentVideoFrame[]
  /** Resolves when a stream that does not loop sent its last frame, or sending stopped (werift). */
  readonly ended?: Promise<void>
}

/** Keyframe requests and NACKs a video receiver sent. */
export interface VideoReceiveCounters {
  pliSent: number
  firSent: number
  nackSent: number
  /** When each PLI/FIR was sent (rtcspec's werift receiver), bounded; absent when none was. */
  events?: VideoFeedbackLog
}

/** What a peer's stats say about one inbound video track assembled from its packets. */
export interface InboundVideoSummary extends VideoReceiveCounters {
  frames: number
  completeFrames: number
  keyframes: number
  /** Picture size of the latest frame that stated one. */
  width?: number
  height?: number
}

/** What a browser recorded of an inbound video track in its page (see `InboundTrack.takePageVideoRecording`). */
export interface PageVideoRecording {
  /** The container: WebM from MediaRecorder (the pictures the browser decoded, re-encoded). */
  format: 'webm'
  bytes: Uint8Array
  /** The recorder's MIME type, e.g. `video/webm;codecs=vp8`. */
  mimeType: string
  /** Coded frames in `bytes`. */
  frames: number
  /** From the first to the last rendered frame, ms. */
  durationMs: number
  /** Bytes the recorder produced past the size kept (not in `bytes`). */
  droppedBytes: number
}
