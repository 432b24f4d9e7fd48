/**
 * The filmstrip of a saved video recording: its pictures decoded with FFmpeg, each with the frame code read from it,
 * written next to the recording for the HTML report. Its own module because it loads the FFmpeg service, which the
 * matchers (and the unit tests that load them) must not.
 *
 * @module
 */
import { writeFileSync } from 'node:fs'
import { renderFilmstrip } from '../media/video/filmstrip.ts'
import { decodeVideo } from '../services/video-encode.ts'

/** Pictures a recording's filmstrip shows at most, spread over the recording. */
const STRIP_PICTURES = 8

/**
 * Decodes a saved video recording (IVF or Annex B) with FFmpeg, reads the frame code of every picture, and writes a
 * filmstrip of up to 8 pictures spread over it (each with its code) next to it as `<recording>.filmstrip.png`, which
 * the HTML report shows with the recording. Returns the PNG's path, or undefined when the file is not a video
 * recording or FFmpeg could not decode it (a best-effort picture: it never fails the test).
 */
export async function writeRecordingFilmstrip(recording: { path: string; format?: string; mid?: string }, title?: string): Promise<string | undefined> {
  if (recording.format !== 'ivf' && recording.format !== 'h264' && recording.format !== 'webm') return undefined
  try {
    const decoded = await decodeVideo(recording.path, { pictures: true, format: recording.format, timeoutMs: 60_000 })
    const all = decoded.frames.filter((f) => f.picture !== undefined)
    if (!all.length) return undefined
    const picked =
      all.length <= STRIP_PICTURES
        ? all
        : Array.from({ length: STRIP_PICTURES }, (_, k) => all[Math.round((k * (all.length - 1)) / (STRIP_PICTURES - 1))] as (typeof all)[number])
    const png = `${recording.path}.filmstrip.png`
    writeFileSync(
      png,
      renderFilmstrip({
        title: title ?? `${decoded.frames.length} pictures decoded`,
        pictures: picked.map((f) => ({ frame: f.picture as NonNullable<typeof f.picture>, ...(f.code ? { code: f.code } : {}) })),
      }),
    )
    return png
  } catch {
    return undefined
  }
}
