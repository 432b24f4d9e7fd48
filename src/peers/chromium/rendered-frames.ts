/**
 * The frames a Chromium page rendered from one inbound video track, as its `requestVideoFrameCallback` saw them
 * (see page/video.js): the rows the page hands over at each poll are checked and kept, bounded, in arrival order.
 */
import { z } from 'zod'
import type { RenderedVideoFrame } from '../../media/video/types.ts'

/**
 * One rendered frame as the page sends it: `[presentedFrames, presentationTime, expectedDisplayTime, width, height,
 * codeIndex, codeCaptureMs, receiveTime, rtpTimestamp, wallPresentationMs]`, -1 for what is not known. The
 * page's times are on its performance clock; `wallPresentationMs` gives the offset to its wall clock.
 */
export const RenderedFrameRowSchema = z.tuple([
  z.number().int().nonnegative(),
  z.number(),
  z.number(),
  z.number().int().nonnegative(),
  z.number().int().nonnegative(),
  z.number().int().min(-1),
  z.number().min(-1),
  z.number(),
  z.number().int().min(-1),
  z.number(),
])

/** What the page's video part hands over per inbound video track at each poll. */
export const RenderedBatchSchema = z.object({
  index: z.number().int().nonnegative(),
  frames: z.array(RenderedFrameRowSchema),
  /** Rendered frames the page did not keep (its cap, or a stalled poll). */
  dropped: z.number().int().nonnegative(),
  /** Rendered frames the page saw in all. */
  total: z.number().int().nonnegative(),
  /** Callbacks whose picture a newer frame had already replaced (or that had no picture to read): recorded without a code. */
  replaced: z.number().int().nonnegative().optional(),
})

/** Turns a page row into a {@link RenderedVideoFrame} (times to the page's wall clock). */
export function renderedFrameFromRow(row: z.infer<typeof RenderedFrameRowSchema>): RenderedVideoFrame {
  const [presentedFrames, presentation, expected, width, height, index, captureMs, receive, rtpTimestamp, wallPresentation] = row
  const offset = wallPresentation - presentation
  return {
    presentedFrames,
    presentedAtMs: wallPresentation,
    expectedDisplayAtMs: expected + offset,
    ...(receive >= 0 ? { receivedAtMs: receive + offset } : {}),
    ...(rtpTimestamp >= 0 ? { rtpTimestamp } : {}),
    width,
    height,
    ...(index >= 0 && captureMs >= 0 ? { code: { index, captureMs } } : {}),
  }
}

/**
 * The rendered frames of one track: the most recent `maxFrames` (older ones are let go, counted in `dropped`, so a
 * long call keeps its latest minutes for analysis), plus the very first one kept apart (the time to first frame).
 */
export class RenderedFrameLog {
  readonly #max: number
  #frames: RenderedVideoFrame[] = []
  #first: RenderedVideoFrame | undefined
  #dropped = 0
  #seen = 0

  constructor(maxFrames: number) {
    this.#max = Math.max(1, Math.floor(maxFrames))
  }

  /** Adds a batch from the page. */
  add(batch: z.infer<typeof RenderedBatchSchema>): void {
    for (const row of batch.frames) {
      const f = renderedFrameFromRow(row)
      this.#first ??= f
      this.#frames.push(f)
    }
    // let the oldest go in chunks (a tenth of the cap at a time), so adding stays cheap
    const slack = Math.max(1, Math.ceil(this.#max / 10))
    if (this.#frames.length > this.#max + slack || (this.#frames.length > this.#max && batch.frames.length === 0)) {
      const excess = this.#frames.length - this.#max
      this.#frames = this.#frames.slice(excess)
      this.#dropped += excess
    }
    this.#seen = Math.max(this.#seen, batch.total)
    this.#pageDropped = Math.max(this.#pageDropped, batch.dropped)
    this.#replaced = Math.max(this.#replaced, batch.replaced ?? 0)
  }

  #replaced = 0

  /**
   * Rendered frames recorded without a code because a newer frame had replaced the picture by the time the page read
   * it (a busy page), or there was no picture to read: the code would not have named the frame presented.
   */
  get replaced(): number {
    return this.#replaced
  }

  #pageDropped = 0

  /** The frames kept, oldest first: at most `maxFrames` plus a tenth (do not modify). */
  get frames(): readonly RenderedVideoFrame[] {
    return this.#frames
  }

  /** The first frame rendered, kept even after it was let go. */
  get first(): RenderedVideoFrame | undefined {
    return this.#first
  }

  /** Rendered frames seen by the page in all, kept or not. */
  get seen(): number {
    return this.#seen
  }

  /** Rendered frames no longer (or never) kept: the oldest past the cap, and any the page could not hand over. */
  get dropped(): number {
    return this.#dropped + this.#pageDropped
  }
}
