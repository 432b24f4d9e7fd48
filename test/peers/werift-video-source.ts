/**
 * Test helper: an {@link EncodedVideo} made by FFmpeg from its own `testsrc` (VP8 in IVF, H.264 Annex B), with
 * known keyframes and sizes, optionally in several segments of different picture sizes (each starts with a keyframe).
 */
import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { splitAccessUnits } from '../../src/media/video/annexb.ts'
import { readIvf, vp8FrameInfo } from '../../src/media/video/ivf.ts'
import type { EncodedVideo, EncodedVideoFrame, VideoCodecName } from '../../src/media/video/types.ts'

const run = promisify(execFile)

/** One segment: `frames` frames of `width`×`height`, a keyframe every `gop` frames. */
export interface Segment {
  frames: number
  width: number
  height: number
  gop: number
}

/** Encodes `segments` with FFmpeg (libvpx / libx264 baseline, no B-frames) into one stream at `fps`. */
export async function encodeTestsrc(codec: VideoCodecName, segments: Segment[], fps = 30): Promise<EncodedVideo> {
  const dir = await mkdtemp(join(tmpdir(), 'rtcspec-video-'))
  try {
    const frames: EncodedVideoFrame[] = []
    for (const [n, s] of segments.entries()) {
      const out = join(dir, `s${n}.${codec === 'VP8' ? 'ivf' : 'h264'}`)
      const input = ['-f', 'lavfi', '-i', `testsrc=size=${s.width}x${s.height}:rate=${fps}`, '-frames:v', String(s.frames), '-pix_fmt', 'yuv420p']
      const enc =
        codec === 'VP8'
          ? ['-c:v', 'libvpx', '-b:v', '300k', '-g', String(s.gop), '-keyint_min', String(s.gop), '-auto-alt-ref', '0', '-lag-in-frames', '0', '-f', 'ivf']
          : [
              '-c:v',
              'libx264',
              '-profile:v',
              'baseline',
              '-bf',
              '0',
              '-x264-params',
              `keyint=${s.gop}:min-keyint=${s.gop}:scenecut=0:repeat-headers=1`,
              '-f',
              'h264',
            ]
      await run('ffmpeg', ['-nostdin', '-loglevel', 'error', '-y', ...input, ...enc, out], { timeout: 60_000 })
      const bytes = new Uint8Array(await readFile(out))
      const datas: Array<{ data: Uint8Array; keyframe: boolean }> =
        codec === 'VP8' ? readIvf(bytes).frames.map((f) => ({ data: f.data, keyframe: vp8FrameInfo(f.data).keyframe })) : splitAccessUnits(bytes)
      for (const d of datas) {
        const index = frames.length
        frames.push({ index, timestampMs: (index * 1000) / fps, keyframe: d.keyframe, data: d.data, width: s.width, height: s.height })
      }
    }
    return { codec, fps, description: `testsrc ${segments.map((s) => `${s.width}×${s.height}`).join('→')}@${fps} ${codec}`, frames }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
