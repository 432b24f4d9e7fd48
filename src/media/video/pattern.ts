/**
 * A synthetic video source with ground truth: I420 pictures whose content moves (so encoders have work to do
 * and a frozen picture is visible), each stamped with its frame code (index, capture time on the pattern's
 * clock: `index × 1000 / fps` ms, rounded).
 *
 * - `moving`: a diagonal gradient scrolling down-right, a vertical bar sweeping across the picture once every
 *   two seconds, colour that drifts, and the frame index drawn large near the bottom.
 * - `slide`: the same picture every frame except the frame code, like a presentation slide: frames keep
 *   arriving while the content stays still, which must not count as a freeze.
 *
 * `resolutionChanges` switches the picture size from a frame on (each change holds until the next one).
 * Pictures are generated on demand, never stored: `frame(i)` is pure in `i`.
 *
 * @module
 */
import { z } from 'zod'
import { parseOptions } from '../../options.ts'
import { drawText, GLYPH_ADVANCE, GLYPH_HEIGHT, textWidth } from '../pixel-font.ts'
import { stampFrameCode } from './frame-code.ts'
import type { FrameCodeValue, I420Frame } from './types.ts'

const Dimension = z.number().int().min(16).max(4096).multipleOf(2, 'must be even (I420 with 4:2:0 chroma)')

const VideoPatternOptionsSchema = z.strictObject({
  /** Picture width in pixels (even). The frame code reads from 96 × 72 up. */
  width: Dimension,
  /** Picture height in pixels (even). */
  height: Dimension,
  /** Frames per second of the pattern's clock (capture times are `index × 1000 / fps`). */
  fps: z.number().positive().max(240),
  /** `moving` (default) or `slide` (static content, only the frame code changes). */
  mode: z.enum(['moving', 'slide']).optional(),
  /** From frame `atFrame` on, the picture is `width × height`. `atFrame` values strictly increasing, ≥ 1. */
  resolutionChanges: z
    .array(z.strictObject({ atFrame: z.number().int().min(1), width: Dimension, height: Dimension }))
    .max(1000)
    .refine((a) => a.every((c, i) => i === 0 || c.atFrame > a[i - 1]!.atFrame), 'atFrame values must be strictly increasing')
    .optional(),
})

/** Options of {@link videoPattern}. */
export type VideoPatternOptions = z.input<typeof VideoPatternOptionsSchema>

/** A video pattern source (see the module doc). */
export interface VideoPattern {
  /** The options it was made with (validated). */
  readonly options: Readonly<{
    width: number
    height: number
    fps: number
    mode: 'moving' | 'slide'
    resolutionChanges: ReadonlyArray<{ atFrame: number; width: number; height: number }>
  }>
  /** Picture size of frame `index`. */
  sizeAt(index: number): { width: number; height: number }
  /** The frame code frame `index` carries: `{ index, captureMs: round(index × 1000 / fps) }` (mod 2^24 / 2^32). */
  codeAt(index: number): FrameCodeValue
  /** Frame `index` (0-based), freshly generated. */
  frame(index: number): I420Frame
  /** Frames `from`, `from + 1`, … `from + count - 1`, generated one at a time. */
  frames(count: number, from?: number): Generator<I420Frame>
}

/** Makes a video pattern source (see the module doc). Throws `RtcspecError` (`VIDEO_PATTERN_OPTIONS`) for bad options. */
export function videoPattern(options: VideoPatternOptions): VideoPattern {
  const o = parseOptions(VideoPatternOptionsSchema, options, {
    code: 'VIDEO_PATTERN_OPTIONS',
    what: 'video pattern options',
    hint: 'see VideoPatternOptions in src/media/video/pattern.ts, e.g. { width: 640, height: 480, fps: 30 }',
  })
  const resolved = { width: o.width, height: o.height, fps: o.fps, mode: o.mode ?? 'moving', resolutionChanges: o.resolutionChanges ?? [] } as const
  const sizeAt = (index: number) => {
    let size = { width: resolved.width, height: resolved.height }
    for (const c of resolved.resolutionChanges) if (index >= c.atFrame) size = { width: c.width, height: c.height }
    return size
  }
  const codeAt = (index: number): FrameCodeValue => ({ index: index % 0x1000000, captureMs: Math.round((index * 1000) / resolved.fps) % 2 ** 32 })
  const frame = (index: number): I420Frame => {
    if (!Number.isInteger(index) || index < 0) throw new RangeError(`frame index must be a non-negative integer, got ${index}`)
    const { width, height } = sizeAt(index)
    const picture = drawPicture(width, height, resolved.mode === 'slide' ? 0 : index, resolved.fps, resolved.mode === 'moving')
    stampFrameCode(picture, codeAt(index))
    return picture
  }
  return {
    options: resolved,
    sizeAt,
    codeAt,
    frame,
    *frames(count: number, from = 0) {
      for (let i = 0; i < count; i++) yield frame(from + i)
    },
  }
}

/** The pattern's content at time `t = index / fps` (without the frame code). */
function drawPicture(width: number, height: number, index: number, fps: number, counter: boolean): I420Frame {
  const cw = width >> 1
  const ch = height >> 1
  const y = new Uint8Array(width * height)
  const u = new Uint8Array(cw * ch)
  const v = new Uint8Array(cw * ch)
  const t = index / fps
  // Scrolling gradient: a triangle wave along the diagonal (smooth, so it costs bits only for its motion).
  const period = Math.max(64, Math.round((width + height) / 2))
  const shift = Math.round(t * period * 0.5)
  const ramp = Uint8Array.from({ length: 2 * period }, (_, p) => 40 + Math.round((Math.abs(p - period) / period) * 150))
  for (let py = 0; py < height; py++) {
    const row = py * width
    let p = (py + shift) % (2 * period)
    for (let px = 0; px < width; px++) {
      y[row + px] = ramp[p]!
      if (++p === 2 * period) p = 0
    }
  }
  // A bar sweeping left to right every two seconds, over the lower two thirds.
  const barW = Math.max(4, Math.round(width / 16))
  const barX = Math.round(((t / 2) % 1) * (width + barW)) - barW
  for (let py = Math.round(height * 0.36); py < height; py++) {
    for (let px = Math.max(0, barX); px < Math.min(width, barX + barW); px++) y[py * width + px] = 225
  }
  // Colour that drifts with time.
  const hue = t * 0.7
  const uRow = Uint8Array.from({ length: cw }, (_, px) => 128 + Math.round(50 * Math.sin(hue + (px / cw) * Math.PI)))
  for (let py = 0; py < ch; py++) {
    u.set(uRow, py * cw)
    v.fill(128 + Math.round(50 * Math.cos(hue + (py / ch) * Math.PI)), py * cw, (py + 1) * cw)
  }
  // The frame index, large, near the bottom.
  if (counter) {
    const text = String(index)
    const scale = Math.max(1, Math.floor(Math.min(height * 0.25, ((width * 0.8) / (text.length * GLYPH_ADVANCE)) * GLYPH_HEIGHT) / GLYPH_HEIGHT))
    const x0 = Math.round((width - textWidth(text) * scale) / 2)
    const y0 = Math.round(height * 0.7 - (GLYPH_HEIGHT * scale) / 2)
    drawText(text, 0, 0, (gx, gy) => {
      for (let dy = 0; dy < scale; dy++) {
        const py = y0 + gy * scale + dy
        if (py < 0 || py >= height) continue
        const start = Math.max(0, x0 + gx * scale)
        const end = Math.min(width, x0 + (gx + 1) * scale)
        if (end > start) y.fill(16, py * width + start, py * width + end)
      }
    })
  }
  return { width, height, y, u, v }
}
