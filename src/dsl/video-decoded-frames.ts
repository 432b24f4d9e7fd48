/**
 * Frame codes for a receiver that does not decode (werift, plain RTP): after the call, the track's complete frames
 * are rebuilt from its kept packets (as its recording is), decoded with FFmpeg, and the frame code read from each
 * picture is attached to the frame it came from. The video analysis then measures the end-to-end delay from the
 * codes (arrival − capture time), also when the sender is not rtcspec's werift sender — a browser drawing the
 * pattern, an encoder fed a pattern file — whose send times rtcspec does not know.
 *
 * Decoding runs after the fact, so it costs nothing during the call; FFmpeg decodes every frame it is given
 * (`-fps_mode passthrough`), and pictures pair with frames by position. When the counts differ (a frame FFmpeg
 * refused), no code is attached rather than a wrong one.
 *
 * @module
 */
import { z } from 'zod'
import { RtcspecError } from '../errors.ts'
import { recordedVideoFile, recordRtpVideo } from '../media/video/rtp-video-recorder.ts'
import type { VideoCodecName, VideoFrameArrival } from '../media/video/types.ts'
import type { InboundTrack } from '../peers/types.ts'
import { decodeVideo } from '../services/video-encode.ts'

function videoCodecName(encoding: string | undefined): VideoCodecName | undefined {
  const e = encoding?.toUpperCase()
  return e === 'VP8' ? 'VP8' : e === 'H264' ? 'H264' : undefined
}

const OptionsSchema = z.strictObject({
  /**
   * Receiver clock − capture clock, ms. Default: this process's `performance.now()` clock against the wall clock
   * (`-performance.timeOrigin`), right for a sender on this machine whose codes carry wall-clock capture times
   * (rtcspec's browser pattern, a pattern file encoded here with `encodeVideoPattern` sent live).
   */
  captureClockOffsetMs: z.number().finite().optional(),
  /** FFmpeg's time limit for the decode, ms. Default 120 000. */
  timeoutMs: z.number().int().min(1000).max(1_800_000).optional(),
})

/** Options of {@link decodeReceivedVideo}. */
export type DecodeReceivedVideoOptions = z.input<typeof OptionsSchema>

/** A received track's frames with the codes read from their decoded pictures: a subject of every video matcher. */
export interface DecodedReceivedVideo {
  /** The track's frames, each complete one with the `code` read from its picture (when one could be read). */
  videoFrames(): readonly VideoFrameArrival[]
  /** Receiver clock − capture clock used for the delay, ms. */
  readonly captureClockOffsetMs: number
  /** The receiving peer's name, for matcher messages. */
  readonly peerName?: string
  /** Complete frames rebuilt and decoded. */
  readonly decodedFrames: number
  /** Of those, frames whose picture gave a code. */
  readonly codedFrames: number
}

/**
 * Rebuilds the complete frames `track` received (VP8 or H.264, from its kept packets), decodes them with FFmpeg,
 * reads the frame code of every picture and returns the frames with their codes, ready for the video matchers:
 * `expect(await decodeReceivedVideo(track)).toHaveVideoDelayBelow('300ms')`.
 * @throws {RtcspecError} `VIDEO_DECODE_OPTIONS` for bad options; `VIDEO_RECORDING` when the track is not VP8/H.264
 * video or kept no packet; FFmpeg's errors (`FFMPEG_FAILED`, `VIDEO_FILE`, a missing FFmpeg) as `decodeVideo` gives them.
 */
export async function decodeReceivedVideo(track: InboundTrack, options: DecodeReceivedVideoOptions = {}): Promise<DecodedReceivedVideo> {
  const parsed = OptionsSchema.safeParse(options)
  if (!parsed.success)
    throw new RtcspecError('VIDEO_DECODE_OPTIONS', `decodeReceivedVideo: ${z.prettifyError(parsed.error)}`, {
      hint: 'decodeReceivedVideo(track, { captureClockOffsetMs?: number, timeoutMs?: number })',
    })
  const o = parsed.data
  const codec = videoCodecName(track.codec?.encoding)
  if (track.kind !== 'video' || !codec || typeof track.videoFrames !== 'function')
    throw new RtcspecError(
      'VIDEO_RECORDING',
      `decodeReceivedVideo: ${track.peerName}'s ${track.kind} track is not VP8 or H.264 video assembled from RTP (codec ${track.codec?.encoding ?? 'unknown: no packet arrived'})`,
      {
        hint: 'pass an inbound video track of a werift peer (or a plain RTP receiver) that received VP8 or H.264',
      },
    )
  const rec = recordRtpVideo(track.packets(), codec)
  if (rec.frames.length === 0)
    throw new RtcspecError('VIDEO_RECORDING', `decodeReceivedVideo: ${track.peerName}'s video track kept no complete frame to decode`, {
      hint: 'wait for frames first (await expect(track).toReceiveVideo({ frames: 30 })); the track keeps its first 30 000 packets',
    })
  const file = recordedVideoFile(rec)
  const decoded = await decodeVideo({ data: file.bytes, format: file.extension }, { ...(o.timeoutMs ? { timeoutMs: o.timeoutMs } : {}) })
  const codes = new Map<number, NonNullable<VideoFrameArrival['code']>>()
  if (decoded.frames.length === rec.frames.length)
    rec.frames.forEach((f, k) => {
      const code = decoded.frames[k]?.code
      if (code) codes.set(f.rtpTimestamp >>> 0, code)
    })
  // Each complete frame once: the first complete arrival of a timestamp is the one the recording wrote.
  const taken = new Set<number>()
  const frames = track.videoFrames().map((f) => {
    const ts = f.rtpTimestamp >>> 0
    const code = f.complete && !taken.has(ts) ? codes.get(ts) : undefined
    if (f.complete) taken.add(ts)
    return code ? { ...f, code } : f
  })
  return {
    videoFrames: () => frames,
    captureClockOffsetMs: o.captureClockOffsetMs ?? -performance.timeOrigin,
    peerName: track.peerName,
    decodedFrames: decoded.frames.length,
    codedFrames: codes.size,
  }
}
