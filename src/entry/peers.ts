/**
 * `rtcspec/peers`: WebRTC and RTP peers you create and wire yourself, and the network between them — werift,
 * headless Chromium and plain-RTP peers, back-to-back calls, ICE restarts and trickle policies, the UDP relay
 * with impairment, RTP ingest and forwarding, recordings and call records. Specs that only use the `b2b` and
 * `peers` fixtures of `rtcspec` do not need it.
 *
 * ```ts
 * import { test, expect } from 'rtcspec'
 * import { createWeriftPeer, connectBackToBack } from 'rtcspec/peers'
 * ```
 * @module
 */
// Peers
export { createWeriftPeer, WeriftPeer } from '../peers/werift/peer.ts'
export type { WeriftPeerOptions } from '../peers/werift/peer.ts'
export { createChromiumPeer, ChromiumPeer, ChromiumPeerOptionsSchema } from '../peers/chromium/peer.ts'
export type { ChromiumPeerOptions } from '../peers/chromium/peer.ts'
export { chromiumExecutable } from '../peers/chromium/browser.ts'
export { ChromiumInboundTrack } from '../peers/chromium/inbound-track.ts'
export { ChromiumVideoOptionsSchema } from '../peers/chromium/video-sender.ts'
export type {
  ChromiumVideoOptions,
  ChromiumVideoSendHandle,
  VideoPatternChange,
  VideoPatternChangeRecord,
  VideoPatternMode,
} from '../peers/chromium/video-sender.ts'
export type { RenderedVideoFrame } from '../media/video/types.ts'
export { createRtpPeer, RtpPeer } from '../peers/rtp/peer.ts'
export type { RtpPeerOptions } from '../peers/rtp/peer.ts'
export type {
  Peer,
  PeerOptions,
  PeerTraits,
  PeerKind,
  MediaKind,
  Direction,
  SessionDescriptionInit,
  CandidateInit,
  AudioSourceSpec,
  CodecInfo,
  InboundTrack,
  ReceivedRtp,
  AudioSendHandle,
  SendAudioOptions,
  DtmfSendOptions,
  PeerStats,
  OutboundStats,
  NativeInboundStats,
  NativeVideoInboundStats,
  NativeVideoOutboundStats,
  VideoTimelineBucket,
  ArrivalGapMeasurement,
  PeerTimeline,
  TimedCandidate,
  TimedState,
  TimedNomination,
  SelectedPair,
  IceCheckSummary,
  IceDetail,
  TurnSetupWatch,
  SendVideoOptions,
  VideoSendHandle,
  VideoSendCounters,
  VideoReceiveCounters,
  InboundVideoSummary,
  PageVideoRecording,
} from '../peers/types.ts'
export type { WeriftVideoSendHandle } from '../peers/werift/peer.ts'
export type { KeyframeRequest } from '../peers/werift/video-sender.ts'
export { audioCodec, audioCodecNames, registerAudioCodec, findAudioCodec, TELEPHONE_EVENT_PAYLOAD_TYPES } from '../peers/codecs.ts'
export type { AudioCodecSpec } from '../peers/codecs.ts'
// Calls between two peers
export { connectBackToBack } from '../peers/back-to-back.ts'
export type { BackToBackCall, BackToBackOptions, CandidatePath, IceRestartRecord } from '../peers/back-to-back.ts'
export { openBackToBack } from '../calls/open.ts'
export { measureAccuracy } from '../calls/accuracy.ts'
export type { AccuracyRunOptions, AccuracyResult } from '../calls/accuracy.ts'
export { restartIce } from '../peers/ice-restart.ts'
export type { RestartIceOptions, RestartIceResult } from '../peers/ice-restart.ts'
export { TrickleForwarder, TricklePolicySchema, parseTricklePolicy } from '../peers/ice-behaviours.ts'
export type { TricklePolicy, TrickleForwarderStats } from '../peers/ice-behaviours.ts'
export { watchTurnFailures } from '../peers/werift/turn-diagnosis.ts'
// The network between peers
export { relayPath } from '../peers/relay-path.ts'
export { UdpRelay } from '../net/relay.ts'
export type { Side, ImpairedDirection, ScheduleEntry, UdpRelayOptions, ProfileChange, DirectionCounters, RelayCounters } from '../net/relay.ts'
export { parseProfile, impairmentProfileSchema } from '../net/impairment.ts'
export type { ImpairmentProfile, BurstProfile } from '../net/impairment.ts'
export type { FrameDropRule, DroppedFrame } from '../net/frame-drop.ts'
export type { TruthSummary } from '../net/truth.ts'
export { freePort, freeUdpPortRange } from '../net/ports.ts'
export type { FreePortOptions } from '../net/ports.ts'
export { turnAllocateProbe } from '../net/turn-client.ts'
export type { TurnProbeOptions, TurnProbeResult, TurnTransport } from '../net/turn-client.ts'
// RTP in and out of a werift peer
export { createRtpIngest, weriftVideoCodecs } from '../peers/werift/rtp-ingest.ts'
export type { RtpIngest, RtpIngestOptions } from '../peers/werift/rtp-ingest.ts'
export { forwardRtp } from '../peers/rtp-forward.ts'
export type { RtpForward, RtpForwardOptions } from '../peers/rtp-forward.ts'
// Recordings and call records
export {
  saveTrackRecording,
  saveVideoTrackRecording,
  savePageVideoRecording,
  savePeerRecordings,
  saveCallRecordings,
  trackPcap,
} from '../peers/recording-files.ts'
export type { SavedRecording } from '../peers/recording-files.ts'
export { buildCallRecord, appendCallRecord, reportDir } from '../peers/call-record.ts'
