/**
 * WHIP client (RFC 9725): publish a peer's media to a WHIP endpoint. See `session-client.ts` for the
 * protocol behaviour (token, redirects, Link ice servers, trickle PATCH, ICE restart, DELETE).
 */
import { RtcspecError } from '../errors.ts'
import type { EncodedVideo } from '../media/video/types.ts'
import type { AudioSendHandle, AudioSourceSpec, Peer, SendVideoOptions, VideoSendHandle } from '../peers/types.ts'
import { createWeriftPeer, type WeriftPeer, type WeriftPeerOptions } from '../peers/werift/peer.ts'
import { sessionRecording, type SessionRecordOption } from './session-record.ts'
import { checkClientOptions } from './client-options.ts'
import { DEFAULT_CLIENT_AUDIO_CODECS, startClientSession, withIceServersApplied, type ClientSession, type SessionClientOptions } from './session-client.ts'

/** Options of {@link publish}. */
export interface PublishOptions extends SessionClientOptions {
  /**
   * The peer to publish from (werift, Chromium, ...). When omitted, a werift peer (audio sendonly, offering
   * Opus, PCMU, PCMA as browsers do) is created and closed with the session.
   */
  peer?: Peer
  /** Options of the werift peer created when `peer` is omitted (`codecs` replaces the Opus-first default). */
  peerOptions?: WeriftPeerOptions
  /**
   * Write a `kind: 'whip'` call record (call_records.jsonl, docs/call-records.md) when the session is closed or
   * fails to start: `true`, or `{ test, dir }` to name the test and the report directory. Default: no record
   * (the `whip` fixture always writes one, with the test's name and result).
   */
  callRecord?: SessionRecordOption
  /** Audio to send once connected (e.g. `tone(440)`). */
  audio?: AudioSourceSpec
  /**
   * Video to send once connected: an {@link EncodedVideo} (e.g. `encodeVideoPattern(…)` from rtcspec/services),
   * which a werift peer packetizes and paces at its frame rate, answering PLI/FIR with a keyframe; or, for a
   * Chromium `peer`, the options of the test pattern the browser draws and encodes itself (`{ width, height, fps,
   * codec }`). The created werift peer then offers a sendonly video section with the EncodedVideo's codec.
   */
  video?: EncodedVideo | PublishVideoPattern
  /** How a werift peer sends an EncodedVideo: `{ loop: true }` starts again after the last frame (default: once). */
  videoOptions?: SendVideoOptions
}

/** The test pattern a browser peer draws and encodes (see `ChromiumVideoOptions`). */
export interface PublishVideoPattern {
  width?: number
  height?: number
  fps?: number
  codec?: 'VP8' | 'H264'
  maxBitrateKbps?: number
  mode?: 'moving' | 'slide' | 'frozen'
  degradation?: 'maintain-resolution' | 'maintain-framerate' | 'balanced'
}

/** A WHIP publishing session. */
export interface WhipSession extends ClientSession {
  /** The audio being sent, when `audio` was given. */
  readonly audio: AudioSendHandle | undefined
  /** The video being sent, when `video` was given: the peer's handle (its `sentFrames()` is the ground truth, when it has one). */
  readonly video: VideoSendHandle | undefined
}

function isEncodedVideo(v: EncodedVideo | PublishVideoPattern): v is EncodedVideo {
  return Array.isArray((v as EncodedVideo).frames)
}

/** Starts `video` on `peer` through its `sendVideo`, or says which peer cannot. */
function startVideo(peer: Peer, video: EncodedVideo | PublishVideoPattern, options: SendVideoOptions | undefined): VideoSendHandle {
  const send = (peer as { sendVideo?: (v: unknown, o?: SendVideoOptions) => VideoSendHandle }).sendVideo
  if (typeof send !== 'function') {
    throw new RtcspecError('WHIP_OPTIONS', `publish options: the ${peer.kind} peer ${JSON.stringify(peer.name)} cannot send video (it has no sendVideo)`, {
      hint: 'publish video from a werift peer (an EncodedVideo) or a Chromium peer (pattern options)',
    })
  }
  if (peer.kind === 'werift' && !isEncodedVideo(video)) {
    throw new RtcspecError(
      'WHIP_OPTIONS',
      'publish options: a werift peer sends an EncodedVideo; pattern options ({ width, height, fps, … }) need a Chromium peer',
      {
        hint: 'encode the pattern first (encodeVideoPattern from rtcspec/services), or pass a Chromium peer',
      },
    )
  }
  return options === undefined ? send.call(peer, video) : send.call(peer, video, options)
}

/**
 * Publishes to a WHIP endpoint: POSTs the peer's offer, applies the answer, trickles candidates, and
 * starts `audio` (if given) when the connection is up. Close the session (`await using`) to DELETE it.
 *
 * @throws {SessionHttpError} when the server's answer to the POST is not a usable 201.
 */
export async function publish(url: string, options: PublishOptions = {}): Promise<WhipSession> {
  checkClientOptions('whip', options)
  const owned = options.peer === undefined
  const video = options.video
  if (owned && video !== undefined && !isEncodedVideo(video)) {
    throw new RtcspecError('WHIP_OPTIONS', 'publish options: pattern options ({ width, height, fps, … }) are drawn by a Chromium peer; none was given', {
      hint: 'pass peer: await createChromiumPeer(…), or an EncodedVideo (encodeVideoPattern from rtcspec/services) for the werift peer',
    })
  }
  const peer =
    options.peer ??
    createWeriftPeer({
      name: 'whip-publisher',
      audio: 'sendonly',
      ...(video !== undefined && isEncodedVideo(video) ? { video: 'sendonly' as const, videoCodecs: [video.codec] } : {}),
      // One transport for audio and video (max-bundle), as browsers and OBS do.
      ...(video !== undefined ? { config: { bundlePolicy: 'max-bundle' as const } } : {}),
      ...options.peerOptions,
      codecs: options.peerOptions?.codecs ?? [...DEFAULT_CLIENT_AUDIO_CODECS],
    })
  let audio: AudioSendHandle | undefined
  let videoHandle: VideoSendHandle | undefined
  try {
    audio = options.audio !== undefined ? peer.sendAudio(options.audio) : undefined
    videoHandle = video !== undefined ? startVideo(peer, video, options.videoOptions) : undefined
  } catch (e) {
    if (owned) await peer.close()
    throw e
  }
  const recording = sessionRecording('whip', options)
  const sessionOptions = {
    ...(owned ? withIceServersApplied(options, peer as WeriftPeer) : options),
    ...(recording.recorder ? { recorder: recording.recorder } : {}),
  }
  const onClose = async (): Promise<void> => {
    await recording.finish()
    if (owned) await peer.close()
  }
  try {
    const session = await startClientSession('whip', url, peer, sessionOptions, onClose)
    return Object.assign(session, { audio, video: videoHandle })
  } catch (e) {
    await recording.finish()
    if (owned) await peer.close()
    throw e
  }
}
