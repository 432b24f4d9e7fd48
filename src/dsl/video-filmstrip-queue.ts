/**
 * Decoded filmstrips a failing video matcher asks for, waiting for the test's teardown. A werift or plain RTP
 * receiver does not decode, so a matcher failing on one can show only the fate of every frame at once; the pictures
 * need an FFmpeg decode, which is asynchronous while matchers are not. The matcher queues the work here on its test
 * (with the packets it judged), and rtcspec's fixtures decode and attach it when the test ends
 * (`video-failure-filmstrip.ts`). A test that does not use rtcspec's fixtures has no queue: its matchers attach the
 * fate strip as it is. Pure bookkeeping, no I/O.
 *
 * @module
 */
import type { VideoAnalysis } from '../media/video/analysis.ts'
import type { AssemblerPacket } from '../media/video/frame-assembler.ts'
import type { VideoCodecName } from '../media/video/types.ts'

/** One failed assertion whose filmstrip gets decoded pictures after the test. */
export interface QueuedVideoFilmstrip {
  /** The PNG the failure message names; the fate strip now, rewritten with the pictures when they decode. */
  readonly png: string
  /** The strip's title, e.g. `bob's inbound video toHaveFrameRateAbove`. */
  readonly title: string
  readonly matcher: string
  readonly subject: string
  /** The analysis the assertion read. */
  readonly analysis: VideoAnalysis
  readonly codec: VideoCodecName
  /** The receiver's packets when the assertion ran (arrival order). */
  readonly packets: readonly AssemblerPacket[]
}

const queues = new WeakMap<object, QueuedVideoFilmstrip[]>()

/** Starts collecting decoded-filmstrip work for `task` (a fixture does this for every test). */
export function collectVideoFilmstrips(task: object): void {
  if (!queues.has(task)) queues.set(task, [])
}

/** Whether `task` collects decoded-filmstrip work. */
export function collectsVideoFilmstrips(task: object | undefined): boolean {
  return task !== undefined && queues.has(task)
}

/** How many filmstrips wait on `task`. */
export function queuedVideoFilmstrips(task: object): number {
  return queues.get(task)?.length ?? 0
}

/** Queues `job` on `task`; false (nothing queued) when the task does not collect. */
export function queueVideoFilmstrip(task: object | undefined, job: QueuedVideoFilmstrip): boolean {
  const q = task === undefined ? undefined : queues.get(task)
  if (!q) return false
  q.push(job)
  return true
}

/** The work queued on `task`, which stops collecting. */
export function takeVideoFilmstrips(task: object): QueuedVideoFilmstrip[] {
  const q = queues.get(task) ?? []
  queues.delete(task)
  return q
}
