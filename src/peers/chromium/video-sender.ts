/**
 * What a Chromium peer's `sendVideo` takes and hands back. The page draws rtcspec's test pattern on a canvas
 * (page/video.js): moving content (or a slide: the same picture every frame) with the frame code of every frame —
 * its index from 0 and the page's real capture time (wall clock, ms mod 2^32) — captured frame by frame and
 * encoded by the browser's own encoder with the chosen codec, size, frame rate and bitrate cap.
 */
import { z } from 'zod'
import { parseOptions } from '../../options.ts'
import type { EncodedVideo, VideoCodecName } from '../../media/video/types.ts'
import type { OutboundStats } from '../types.ts'

/** What the pattern shows: `moving` content, a `slide` (static picture, the code still changes), or `frozen` (no new frames at all). */
export type VideoPatternMode = 'moving' | 'slide' | 'frozen'

/** The pattern a Chromium peer draws and sends (see {@link ChromiumVideoSendHandle}). */
export interface ChromiumVideoOptions {
  /** Picture size, pixels. Default 640×480. */
  width?: number
  height?: number
  /** Frames drawn per second. Default 30. */
  fps?: number
  /** Codec to prefer for this stream (setCodecPreferences): `VP8` or `H264` (packetization-mode 1 first). Default: the browser's order. */
  codec?: VideoCodecName
  /** Encoder bitrate cap, kbit/s (the sender's `maxBitrate`). Default: the browser's. */
  maxBitrateKbps?: number
  /** Start mode. Default `moving`. */
  mode?: VideoPatternMode
  /**
   * What the encoder gives up under CPU or bandwidth pressure. Default `maintain-resolution` (frame rate drops,
   * the picture size stays what was asked for, so size checks hold on a loaded machine).
   */
  degradation?: 'maintain-resolution' | 'maintain-framerate' | 'balanced'
}

const SizeSchema = z.number().int().min(32).max(3840)

/** zod schema of {@link ChromiumVideoOptions} (strict). */
export const ChromiumVideoOptionsSchema = z.strictObject({
  width: SizeSchema.optional(),
  height: SizeSchema.optional(),
  fps: z.number().min(1).max(60).optional(),
  codec: z.enum(['VP8', 'H264']).optional(),
  maxBitrateKbps: z.number().positive().max(100_000).optional(),
  mode: z.enum(['moving', 'slide', 'frozen']).optional(),
  degradation: z.enum(['maintain-resolution', 'maintain-framerate', 'balanced']).optional(),
})

/** A change of a running pattern sender: what the next frames show. */
export interface VideoPatternChange {
  mode?: VideoPatternMode
  /** New picture size (both or neither). */
  width?: number
  height?: number
}

const ChangeSchema = z
  .strictObject({ mode: z.enum(['moving', 'slide', 'frozen']).optional(), width: SizeSchema.optional(), height: SizeSchema.optional() })
  .refine((c) => (c.width === undefined) === (c.height === undefined), 'give width and height together')

/** When a change took effect: the index of the first frame drawn with it, and the page's wall-clock time, ms. */
export interface VideoPatternChangeRecord extends VideoPatternChange {
  /** Index of the first frame drawn after the change (the frame code's index). */
  index: number
  /** When the page applied it, wall-clock ms (`performance.timeOrigin + performance.now()` of the page). */
  atMs: number
}

/** The handle `ChromiumPeer.sendVideo` returns. */
export interface ChromiumVideoSendHandle {
  /** What is sent, for reports, e.g. `pattern 640×480@30 VP8 (drawn and encoded in Chromium)`. */
  readonly description: string
  /** Stops drawing and sending (the transceiver stays). */
  stop(): void
  /** Send counters of the stream (the browser's getStats; `nativeVideo` has its frame counters), refreshed by polling. */
  readonly stats: OutboundStats
  /**
   * Changes what the next frames show: `mode` (`slide` keeps sending frames of a still picture, `frozen` sends
   * none: a receiver sees a freeze) and/or the picture size. Resolves once the page applied it.
   */
  update(change: VideoPatternChange): Promise<VideoPatternChangeRecord>
  /** Every change so far, with the frame index and time it took effect: ground truth for freeze and size checks. */
  readonly changes: readonly VideoPatternChangeRecord[]
  /** Frames drawn and captured so far (frozen spans draw none), as of the last poll. */
  readonly framesDrawn: number
  /** Frame slots skipped because the page was busy for more than a frame interval, as of the last poll. */
  readonly lateFrames: number
}

/** The pattern settings a {@link ChromiumVideoOptions} (or an {@link EncodedVideo}'s codec, rate and size) resolves to. */
export interface ResolvedVideoPattern {
  width: number
  height: number
  fps: number
  codec: VideoCodecName | undefined
  maxBitrateBps: number | undefined
  mode: VideoPatternMode
  degradation: 'maintain-resolution' | 'maintain-framerate' | 'balanced'
  description: string
}

function isEncodedVideo(v: unknown): v is EncodedVideo {
  return typeof v === 'object' && v !== null && Array.isArray((v as { frames?: unknown }).frames)
}

/**
 * Resolves what to draw. An {@link EncodedVideo} cannot be handed to a browser's encoder: a Chromium peer draws
 * the pattern at that video's codec, frame rate and first picture size instead (the description says so).
 */
export function resolveVideoPattern(source: ChromiumVideoOptions | EncodedVideo | undefined, what: string): ResolvedVideoPattern {
  let o: ChromiumVideoOptions
  let from = ''
  if (isEncodedVideo(source)) {
    const first = source.frames[0]
    o = { codec: source.codec, fps: source.fps, ...(first ? { width: first.width, height: first.height } : {}) }
    from = `, in place of ${source.description}`
  } else {
    o = parseOptions(ChromiumVideoOptionsSchema, source ?? {}, { code: 'INVALID_OPTIONS', what, hint: 'see ChromiumVideoOptions for what each option takes' })
  }
  const width = o.width ?? 640
  const height = o.height ?? 480
  const fps = o.fps ?? 30
  const codec = o.codec
  return {
    width,
    height,
    fps,
    codec,
    maxBitrateBps: o.maxBitrateKbps !== undefined ? Math.round(o.maxBitrateKbps * 1000) : undefined,
    mode: o.mode ?? 'moving',
    degradation: o.degradation ?? 'maintain-resolution',
    description: `pattern ${width}×${height}@${fps}${codec ? ` ${codec}` : ''}${o.maxBitrateKbps ? ` ${o.maxBitrateKbps} kbit/s` : ''} (drawn and encoded in Chromium${from})`,
  }
}

/** Checks a {@link VideoPatternChange}. */
export function parseVideoPatternChange(change: VideoPatternChange): VideoPatternChange {
  return parseOptions(ChangeSchema, change, {
    code: 'INVALID_ARGUMENT',
    what: 'video pattern change',
    hint: 'mode is moving, slide or frozen; width and height go together',
  })
}
