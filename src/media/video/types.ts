/**
 * Core video types shared by sources, encoders, senders, receivers and analysis.
 *
 * Video inside rtcspec travels as **encoded frames** with ground truth: every frame of a pattern source carries a
 * machine-readable code (its index and capture time) drawn into its pixels, and the source also lists the same
 * values beside each encoded frame, so a receiver's analysis can be checked against what was sent.
 */

/** Video codecs rtcspec sends and receives over RTP: VP8 (RFC 7741) and H.264 (RFC 6184, packetization-mode 1). */
export type VideoCodecName = 'VP8' | 'H264'

/** One raw picture in I420 (YUV 4:2:0 planar): `y` is width×height, `u` and `v` are ⌈w/2⌉×⌈h/2⌉. */
export interface I420Frame {
  readonly width: number
  readonly height: number
  readonly y: Uint8Array
  readonly u: Uint8Array
  readonly v: Uint8Array
}

/** The values a frame code carries (see `frame-code.ts`). */
export interface FrameCodeValue {
  /** Frame index from the source's first frame (0, 1, 2 …), modulo 2^24. */
  readonly index: number
  /** The sender's capture time of the frame in ms, on the source's clock, modulo 2^32. */
  readonly captureMs: number
}

/** One encoded frame, ready to packetize. */
export interface EncodedVideoFrame {
  /** Frame index from the source's first frame; equals the index in the frame's code for pattern sources. */
  readonly index: number
  /** Presentation time in ms from the source's first frame (index / fps × 1000 for constant-rate sources). */
  readonly timestampMs: number
  /** A keyframe (VP8 key frame, H.264 IDR access unit with its SPS/PPS). */
  readonly keyframe: boolean
  /** The codec's bitstream of one frame: a VP8 frame, or an H.264 access unit in Annex B (start codes). */
  readonly data: Uint8Array
  /** Picture size of this frame (changes mid-stream when the source changes resolution). */
  readonly width: number
  readonly height: number
}

/** A finite, pre-encoded video stream: what a video sender loops over. */
export interface EncodedVideo {
  readonly codec: VideoCodecName
  /** Nominal frame rate. */
  readonly fps: number
  /** Human-readable label for reports, e.g. `pattern 640×480@30 VP8 500 kbit/s`. */
  readonly description: string
  readonly frames: readonly EncodedVideoFrame[]
}

/**
 * One frame as a receiver assembled it from RTP packets (all packets sharing one RTP timestamp): what the
 * frame-accurate analysis reads. Produced by every peer kind that receives video over RTP.
 */
export interface VideoFrameArrival {
  /** RTP timestamp (90 kHz) shared by the frame's packets. */
  readonly rtpTimestamp: number
  /** Extended sequence numbers of the first and last packet received (first ≤ last). */
  readonly firstSeq: number
  readonly lastSeq: number
  /** Packets received for this frame (duplicates not counted). */
  readonly packets: number
  /** Duplicate packets received for this frame (same sequence number twice). */
  readonly duplicatePackets: number
  /** Payload bytes received for this frame. */
  readonly bytes: number
  /**
   * Every packet of the frame arrived: the codec's start-of-frame packet, the marker-bit packet, and no sequence
   * number missing between them. Only complete frames are decodable.
   */
  readonly complete: boolean
  /** A keyframe (VP8 key frame; H.264 IDR), as far as the packets received tell. */
  readonly keyframe: boolean
  /** Picture size, when the frame states it (VP8 key frames; H.264 SPS). */
  readonly width?: number
  readonly height?: number
  /** When the first and the last received packet of the frame arrived, ms on the receiver's performance clock. */
  readonly firstArrivalMs: number
  readonly lastArrivalMs: number
  /** The frame code read from the decoded picture, when the receiver decoded it. */
  readonly code?: FrameCodeValue
}

/**
 * One frame as a player rendered it (a browser's `requestVideoFrameCallback`), with the frame code read from its
 * pixels: what a receiver that decodes and displays video (the Chromium peer) reports per frame. Times are ms on
 * the player's wall clock (`performance.timeOrigin + …`), the clock a pattern's capture times use, so
 * `presentedAtMs mod 2^32 − code.captureMs` is the end-to-end delay when both ends share a clock.
 */
export interface RenderedVideoFrame {
  /**
   * Frames the player presented so far, this one included. A step of more than 1 from the previous record means
   * frames were presented without a callback (the page was busy): they were shown, not lost.
   */
  readonly presentedFrames: number
  /** When the frame was presented, wall-clock ms. */
  readonly presentedAtMs: number
  /** When the frame was expected to become visible, wall-clock ms. */
  readonly expectedDisplayAtMs: number
  /** When the last packet of the frame arrived, wall-clock ms, when the player tells. */
  readonly receivedAtMs?: number
  /** RTP timestamp (90 kHz) of the frame, when the player tells. */
  readonly rtpTimestamp?: number
  /** Picture size as rendered. */
  readonly width: number
  readonly height: number
  /** The frame code read from the rendered picture; absent when none could be read with confidence. */
  readonly code?: FrameCodeValue
}
