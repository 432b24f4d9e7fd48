/**
 * WHEP client (draft-ietf-wish-whep-03): play a stream from a WHEP endpoint into a peer. Shares the
 * protocol machinery of the WHIP client (`src/whip/session-client.ts`) and adds 409 + Retry-After retries
 * and server counter-offers (406 + SDP offer, answered by PATCH).
 */
import type { InboundTrack, Peer } from '../peers/types.ts'
import type { VideoCodecName } from '../peers/werift/peer.ts'
import { createWeriftPeer, type WeriftPeer, type WeriftPeerOptions } from '../peers/werift/peer.ts'
import { sessionRecording, type SessionRecordOption } from '../whip/session-record.ts'
import type { z } from 'zod'
import { checkClientOptions, type AssertTrue, type PlayOptionsSchema, type Same } from '../whip/client-options.ts'
import {
  DEFAULT_CLIENT_AUDIO_CODECS,
  startClientSession,
  withIceServersApplied,
  type ClientSession,
  type SessionClientOptions,
} from '../whip/session-client.ts'

/** Options of {@link play}. */
export interface PlayOptions extends SessionClientOptions {
  /**
   * The viewing peer. When omitted, a werift peer (audio recvonly, offering Opus, PCMU, PCMA as browsers do) is
   * created and closed with the session.
   */
  peer?: Peer
  /** Options of the werift peer created when `peer` is omitted (`codecs` replaces the Opus-first default). */
  peerOptions?: WeriftPeerOptions
  /**
   * Write a `kind: 'whep'` call record (call_records.jsonl, docs/call-records.md) when the session is closed or
   * fails to start: `true`, or `{ test, dir }` to name the test and the report directory. Default: no record
   * (the `whep` fixture always writes one, with the test's name and result).
   */
  callRecord?: SessionRecordOption
  /**
   * Receive video too: `true` (the created werift peer offers a recvonly video section with VP8 and H.264), or
   * `{ codecs }` to choose and order the codecs offered. Ignored with `peer` (that peer's own video settings
   * apply). Default: audio only.
   */
  video?: boolean | { codecs?: VideoCodecName[] }
}

/** Compile-time: the schema knows exactly the keys of `PlayOptions`. */
export type PlayOptionKeysCovered = AssertTrue<Same<keyof PlayOptions, keyof z.input<typeof PlayOptionsSchema>>>

/**
 * A WHEP viewing session. It is a video source for the video matchers (`expect(session).toReceiveVideo(…)`,
 * `toShowFirstFrameWithin(3000)`): its frames are those of the first inbound video track — `videoFrames()`
 * assembled from RTP (werift, RTP peers), or `renderedFrames()` as a browser rendered them (Chromium) — and its
 * `joinedAtMs` is when the POST was sent, so the time to the first frame is the time a player shows video.
 */
export interface WhepSession extends ClientSession {
  /** Resolves with the first inbound audio track. */
  audio(timeoutMs?: number): Promise<InboundTrack>
  /** Resolves with the first inbound video track. */
  video(timeoutMs?: number): Promise<InboundTrack>
  /**
   * The frames of the first inbound video track so far, assembled from its RTP packets (all packets of one RTP
   * timestamp; complete when every packet from the codec's start packet to the marker arrived). Empty before
   * any video arrived. Absent on a browser viewer, whose packets rtcspec does not see: see `renderedFrames`.
   */
  videoFrames?(): readonly VideoFrameArrival[]
  /** A browser viewer's rendered frames of its first video track, with the frame code read from each. */
  renderedFrames?(): readonly RenderedVideoFrame[]
  /**
   * When the POST was sent: the start of the time to the first frame. ms on the performance clock, or on the wall
   * clock (`performance.timeOrigin + …`) for a browser viewer, whose rendered frames are timed on it.
   */
  readonly joinedAtMs: number
  /** The viewing peer's name, for the matchers' messages. */
  readonly peerName: string
}

/** A frame as a receiver assembled it from RTP (`VideoFrameArrival`, src/media/video/types.ts). */
type VideoFrameArrival = ReturnType<NonNullable<InboundTrack['videoFrames']>>[number]
/** A frame as a player rendered it (`RenderedVideoFrame`, src/media/video/types.ts). */
type RenderedVideoFrame = ReturnType<NonNullable<InboundTrack['renderedFrames']>>[number]

/**
 * Plays from a WHEP endpoint. Close the session (`await using`) to DELETE it.
 *
 * @throws {SessionHttpError} when the server's answer to the POST is not a usable 201 (or 406 counter-offer).
 */
export async function play(url: string, options: PlayOptions = {}): Promise<WhepSession> {
  checkClientOptions('whep', options)
  const owned = options.peer === undefined
  const video = options.video === true ? {} : options.video === false ? undefined : options.video
  const peer =
    options.peer ??
    createWeriftPeer({
      name: 'whep-viewer',
      audio: 'recvonly',
      ...(video ? { video: 'recvonly' as const, videoCodecs: video.codecs ?? ['VP8', 'H264'] } : {}),
      ...options.peerOptions,
      codecs: options.peerOptions?.codecs ?? [...DEFAULT_CLIENT_AUDIO_CODECS],
    })
  const recording = sessionRecording('whep', options)
  const sessionOptions = {
    ...(owned ? withIceServersApplied(options, peer as WeriftPeer) : options),
    ...(recording.recorder ? { recorder: recording.recorder } : {}),
  }
  const onClose = async (): Promise<void> => {
    await recording.finish()
    if (owned) await peer.close()
  }
  const postedAtMs = performance.now()
  const videoTrack = () => peer.inbound.find((t) => t.kind === 'video')
  // A browser's tracks hand out rendered frames (wall-clock times), not packets.
  const rendered = peer.kind === 'chromium'
  const frames = rendered
    ? { renderedFrames: () => videoTrack()?.renderedFrames?.() ?? [], joinedAtMs: performance.timeOrigin + postedAtMs }
    : {
        videoFrames: () => {
          // every inbound video track of a peer that sees the packets (werift, plain RTP) assembles its frames
          return videoTrack()?.videoFrames?.() ?? []
        },
        joinedAtMs: postedAtMs,
      }
  try {
    const session = await startClientSession('whep', url, peer, sessionOptions, onClose)
    return Object.assign(session, {
      audio: (timeoutMs = 5_000) => peer.waitForTrack('audio', timeoutMs),
      video: (timeoutMs = 5_000) => peer.waitForTrack('video', timeoutMs),
      ...frames,
      peerName: peer.name,
    })
  } catch (e) {
    await recording.finish()
    if (owned) await peer.close()
    throw e
  }
}
