/**
 * Video source costs, in milliseconds per frame: generating the pattern (I420 with its frame code), reading a
 * frame code from a luma plane, encoding the pattern with FFmpeg (VP8 and H.264, 320×240 and 640×480, 30 fps,
 * wall time of the whole FFmpeg run including its start and the Y4M it reads, one thread, not cached) and decoding
 * it back with every frame's code read. The encode and decode rows run 4 s of video (`--quick`: 2 s); the pure
 * rows take the median of 3 runs over 60 frames after a warm-up.
 *
 * Then (video-peers.ts) the analysis per minute of video and werift vs Chromium in the same video call: CPU and
 * memory per call, the frame rate received, and the most concurrent werift video calls held.
 */
import { readFrameCode } from '../../src/media/video/frame-code.ts'
import { videoPattern } from '../../src/media/video/pattern.ts'
import { findBinary } from '../../src/services/provider.ts'
import { decodeVideo, encodeVideoPattern } from '../../src/services/video-encode.ts'
import { percentile, timeLeft, type BenchRow, type BenchSuite } from '../row.ts'
import { videoPeerRows } from './video-peers.ts'

const SIZES = [
  { width: 320, height: 240, kbps: 150 },
  { width: 640, height: 480, kbps: 300 },
] as const

function perFrame(frames: number, fn: () => void): number {
  fn()
  const times: number[] = []
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now()
    fn()
    times.push(performance.now() - t0)
  }
  return percentile(times, 50) / frames
}

export const videoSuite: BenchSuite = {
  name: 'video',
  description:
    'video: pattern generation, frame-code reading, FFmpeg VP8/H.264 encode and decode per frame; analysis per minute; werift vs Chromium video calls (CPU, memory, fps, max concurrent)',
  async run(log, options) {
    const rows: BenchRow[] = []
    const N = 60
    for (const s of SIZES) {
      const p = videoPattern({ width: s.width, height: s.height, fps: 30 })
      rows.push({
        suite: 'video',
        metric: `pattern generate ${s.width}×${s.height}`,
        value: perFrame(N, () => {
          for (const _ of p.frames(N)) {
            // generated one at a time
          }
        }),
        unit: 'ms/frame',
        note: `median of 3 runs of ${N} frames`,
      })
      const lumas = [...p.frames(N)].map((f) => f.y)
      rows.push({
        suite: 'video',
        metric: `frame code read ${s.width}×${s.height}`,
        value: perFrame(N, () => {
          for (const y of lumas) readFrameCode(y, s.width, s.height)
        }),
        unit: 'ms/frame',
        note: `median of 3 runs of ${N} frames`,
      })
    }
    const ffmpeg = await findBinary('ffmpeg')
    const seconds = options.quick ? 2 : 4
    for (const s of SIZES) {
      for (const codec of ['VP8', 'H264'] as const) {
        const metric = `${codec} ${s.width}×${s.height} ${s.kbps} kbit/s`
        if (!ffmpeg) {
          rows.push({ suite: 'video', metric: `encode ${metric}`, value: Number.NaN, unit: 'ms/frame', na: 'n/a (install ffmpeg)' })
          continue
        }
        if (timeLeft(options) < 30_000) {
          log(`skipping ${metric}: the suite's deadline is near`)
          continue
        }
        const t0 = performance.now()
        const video = await encodeVideoPattern({
          codec,
          width: s.width,
          height: s.height,
          fps: 30,
          seconds,
          bitrateKbps: s.kbps,
          cache: false,
          provider: 'local',
        })
        const encodeMs = (performance.now() - t0) / video.frames.length
        const t1 = performance.now()
        const decoded = await decodeVideo(video, { provider: 'local' })
        const decodeMs = (performance.now() - t1) / decoded.frames.length
        const read = decoded.frames.filter((f, i) => f.code?.index === i).length
        const note = `${video.frames.length} frames, one FFmpeg run (start included)`
        rows.push({ suite: 'video', metric: `encode ${metric}`, value: encodeMs, unit: 'ms/frame', note })
        rows.push({
          suite: 'video',
          metric: `decode + read codes ${metric}`,
          value: decodeMs,
          unit: 'ms/frame',
          note: `${note}; codes read ${read}/${decoded.frames.length}`,
        })
        log(`${metric}: encode ${encodeMs.toFixed(2)} ms/frame, decode ${decodeMs.toFixed(2)} ms/frame`)
      }
    }
    rows.push(...(await videoPeerRows(log, options)))
    return rows
  },
}
