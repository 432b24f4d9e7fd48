/**
 * Video through FFmpeg with ground truth: the pattern encoded to VP8 and H.264 at low bitrates, decoded back, and
 * the frame code read from every decoded picture (also after scaling by 0.5 and 2). Known truth: the index and
 * capture time the pattern stamped into each frame. A code read must name the frame shown or none — never
 * another frame.
 */
import { spawnSync } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { splitNalUnits } from '../../src/media/video/annexb.ts'
import { readFrameCodeRgba } from '../../src/media/video/frame-code.ts'
import { vp8FrameInfo, writeIvf } from '../../src/media/video/ivf.ts'
import { videoPattern } from '../../src/media/video/pattern.ts'
import type { EncodedVideo } from '../../src/media/video/types.ts'
import { writeY4m } from '../../src/media/video/y4m.ts'
import { type DecodedVideo, decodeVideo, encodeVideoFile, encodeVideoPattern, videoQuality } from '../../src/services/video-encode.ts'
import { assertNoServiceLeaks, providerCases } from './providers.ts'

afterAll(() => assertNoServiceLeaks())

const FPS = 30
const captureMs = (i: number) => Math.round((i * 1000) / FPS)

/** How the codes read from decoded pictures compare with the frames the pictures were decoded from. */
function codeCheck(d: DecodedVideo): { right: number; missing: number; wrong: string[] } {
  let right = 0
  let missing = 0
  const wrong: string[] = []
  d.frames.forEach((f, i) => {
    if (!f.code) missing++
    else if (f.code.index === i && f.code.captureMs === captureMs(i)) right++
    else wrong.push(`position ${i} read ${JSON.stringify(f.code)}`)
  })
  return { right, missing, wrong }
}

describe('encodeVideoPattern → decodeVideo: the frame code reads after real compression', () => {
  for (const c of [
    { codec: 'VP8', width: 320, height: 240, bitrateKbps: 150 },
    { codec: 'H264', width: 320, height: 240, bitrateKbps: 150 },
    { codec: 'VP8', width: 640, height: 480, bitrateKbps: 300 },
    { codec: 'H264', width: 640, height: 480, bitrateKbps: 300 },
  ] as const) {
    test(`${c.codec} ${c.width}×${c.height} at ${c.bitrateKbps} kbit/s: ≥ 99 % of frames read their own code, none a wrong one, at scale 1, 0.5 and 2`, async () => {
      const video = await encodeVideoPattern({ ...c, fps: FPS, seconds: 5, cache: false })
      expect(video.frames).toHaveLength(150)
      // The encoder settles on the target after its first keyframes: the last two seconds are on target.
      const tail = video.frames.slice(90)
      const kbps = (tail.reduce((a, f) => a + f.data.length, 0) * 8) / (tail.length / FPS) / 1000
      expect(kbps).toBeLessThan(c.bitrateKbps * 1.3)
      for (const scale of [1, 0.5, 2]) {
        const d = await decodeVideo(video, scale === 1 ? {} : { width: c.width * scale, height: c.height * scale })
        expect([d.width, d.height]).toEqual([c.width * scale, c.height * scale])
        expect(d.frames).toHaveLength(150)
        const r = codeCheck(d)
        expect(r.wrong, `scale ${scale}`).toEqual([])
        expect(r.right, `scale ${scale}: ${r.missing} unread`).toBeGreaterThanOrEqual(149)
      }
    })
  }

  test('starved of bits (H.264 at 40 kbit/s), a picture shows its own frame, a repeat of an earlier one, or no code — never a frame that was not sent before it', async () => {
    const video = await encodeVideoPattern({ codec: 'H264', width: 320, height: 240, bitrateKbps: 40, fps: FPS, seconds: 5 })
    const d = await decodeVideo(video)
    for (const [i, f] of d.frames.entries()) {
      if (!f.code) continue
      expect(f.code.index, `position ${i}`).toBeLessThanOrEqual(i)
      expect(f.code.captureMs, `position ${i}`).toBe(captureMs(f.code.index))
    }
    expect(d.frames.filter((f) => f.code).length).toBeGreaterThan(0)
  })
})

describe('the frame code in RGBA after compression (what a page reads from a canvas)', () => {
  test('decoded H.264 and VP8 pictures converted to RGBA (BT.601, limited range) read with readFrameCodeRgba', async () => {
    for (const codec of ['VP8', 'H264'] as const) {
      const v = await encodeVideoPattern({ codec, width: 320, height: 240, fps: FPS, seconds: 2, bitrateKbps: 150 })
      const d = await decodeVideo(v, { pictures: true })
      let right = 0
      for (const [i, f] of d.frames.entries()) {
        const { width, height, y, u, v: vv } = f.picture!
        const rgba = new Uint8ClampedArray(width * height * 4)
        for (let py = 0; py < height; py++)
          for (let px = 0; px < width; px++) {
            const c = (py >> 1) * (width >> 1) + (px >> 1)
            const Y = 1.164 * (y[py * width + px]! - 16)
            const U = u[c]! - 128
            const V = vv[c]! - 128
            const o = (py * width + px) * 4
            rgba[o] = Y + 1.596 * V
            rgba[o + 1] = Y - 0.392 * U - 0.813 * V
            rgba[o + 2] = Y + 2.017 * U
            rgba[o + 3] = 255
          }
        const code = readFrameCodeRgba(rgba, width, height)
        if (code) expect(code, `${codec} position ${i}`).toEqual({ index: i, captureMs: captureMs(i) })
        if (code) right++
      }
      expect(right, codec).toBeGreaterThanOrEqual(59)
    }
  })
})

describe('encodeVideoPattern: the encoded frames and their ground truth', () => {
  test('VP8: keyframes every keyframeIntervalFrames, flags and sizes agree with the bitstream, timestamps on the pattern clock', async () => {
    const v = await encodeVideoPattern({ codec: 'VP8', width: 320, height: 240, fps: FPS, seconds: 3, bitrateKbps: 200, keyframeIntervalFrames: 30 })
    expect(v.codec).toBe('VP8')
    expect(v.description).toBe('pattern 320×240@30 VP8 200 kbit/s')
    expect(v.frames.map((f) => f.index)).toEqual([...Array(90).keys()])
    expect(v.frames.filter((f) => f.keyframe).map((f) => f.index)).toEqual([0, 30, 60])
    for (const f of v.frames) {
      expect(f.timestampMs).toBeCloseTo((f.index * 1000) / FPS, 9)
      const info = vp8FrameInfo(f.data)
      expect(info.keyframe).toBe(f.keyframe)
      if (f.keyframe) expect([info.width, info.height]).toEqual([320, 240])
    }
  })

  test('H.264: constrained baseline, no B-frames, SPS and PPS in front of every IDR', async () => {
    const v = await encodeVideoPattern({ codec: 'H264', width: 320, height: 240, fps: FPS, seconds: 3, bitrateKbps: 200, keyframeIntervalFrames: 45 })
    expect(v.frames.filter((f) => f.keyframe).map((f) => f.index)).toEqual([0, 45])
    for (const f of v.frames) {
      const types = splitNalUnits(f.data).map((n) => n[0]! & 0x1f)
      // One slice per picture (the encoder runs one thread, so its output does not depend on the machine).
      if (f.keyframe) expect(types.filter((t) => t !== 6)).toEqual([7, 8, 5])
      else expect(types).toEqual([1])
      if (f.keyframe) {
        const sps = splitNalUnits(f.data)[0]!
        expect(sps[1], 'profile_idc baseline').toBe(66)
        expect(sps[2]! & 0x40, 'constraint_set1 (constrained baseline)').toBe(0x40)
      }
    }
    // No reordering: picture i decodes at position i (the code says so).
    const d = await decodeVideo(v)
    expect(d.frames.map((f) => f.code?.index)).toEqual([...Array(90).keys()])
  })

  test('resolution changes: a new encoder run with a keyframe at each change, sizes per frame, codes read across the change', async () => {
    for (const codec of ['VP8', 'H264'] as const) {
      const v = await encodeVideoPattern({
        codec,
        width: 320,
        height: 240,
        fps: FPS,
        seconds: 2,
        bitrateKbps: 250,
        resolutionChanges: [{ atFrame: 25, width: 640, height: 360 }],
      })
      expect(v.frames.filter((f) => f.keyframe).map((f) => f.index)).toEqual([0, 25])
      expect(v.frames.map((f) => `${f.width}×${f.height}`)).toEqual([...Array(60).keys()].map((i) => (i < 25 ? '320×240' : '640×360')))
      expect(v.description).toContain('320×240 → 640×360')
      if (codec === 'VP8') expect([vp8FrameInfo(v.frames[25]!.data).width, vp8FrameInfo(v.frames[25]!.data).height]).toEqual([640, 360])
      const d = await decodeVideo(v)
      expect(codeCheck(d).wrong).toEqual([])
      expect(codeCheck(d).right).toBeGreaterThanOrEqual(59)
    }
  })

  test('slide mode encodes, decodes and reads like the moving pattern', async () => {
    const v = await encodeVideoPattern({ codec: 'VP8', width: 320, height: 240, fps: FPS, seconds: 2, bitrateKbps: 150, mode: 'slide' })
    expect(v.description).toContain('(slide)')
    const r = codeCheck(await decodeVideo(v))
    expect(r.wrong).toEqual([])
    expect(r.right).toBe(60)
  })

  test('is cached by its parameters: the same call gives the same result object, another bitrate another one', async () => {
    const o = { codec: 'VP8', width: 160, height: 120, fps: FPS, seconds: 1, bitrateKbps: 100 } as const
    const a = await encodeVideoPattern(o)
    expect(await encodeVideoPattern({ ...o })).toBe(a)
    const b = await encodeVideoPattern({ ...o, bitrateKbps: 101 })
    expect(b).not.toBe(a)
    const fresh = await encodeVideoPattern({ ...o, cache: false })
    expect(fresh).not.toBe(a)
    expect(fresh.frames.map((f) => f.keyframe)).toEqual(a.frames.map((f) => f.keyframe))
  })

  test('bad options are refused with the option named', async () => {
    await expect(encodeVideoPattern({ codec: 'VP9' as 'VP8', width: 320, height: 240, fps: 30, seconds: 1, bitrateKbps: 100 })).rejects.toThrow(/codec/)
    await expect(encodeVideoPattern({ codec: 'VP8', width: 321, height: 240, fps: 30, seconds: 1, bitrateKbps: 100 })).rejects.toThrow(/width.*even/s)
    await expect(encodeVideoPattern({ codec: 'VP8', width: 320, height: 240, fps: 30, seconds: 1, bitrate: 100 } as never)).rejects.toThrow(/bitrate/)
  })
})

describe('encodeVideoFile, decodeVideo inputs and errors', () => {
  test("a user's Y4M, IVF and MP4 files re-encode to VP8 or H.264 and keep their pictures (the codes still read)", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rtcspec-video-test-'))
    try {
      const p = videoPattern({ width: 320, height: 240, fps: 25 })
      const y4m = join(dir, 'clip.y4m')
      await writeFile(y4m, writeY4m(p.frames(50), { width: 320, height: 240, fps: 25 }))
      const h264 = await encodeVideoFile(y4m, { codec: 'H264', bitrateKbps: 300, cache: false })
      expect(h264.fps).toBe(25)
      expect(h264.frames).toHaveLength(50)
      expect(h264.frames[0]).toMatchObject({ keyframe: true, width: 320, height: 240 })
      const d = await decodeVideo(h264)
      expect(d.frames.filter((f, i) => f.code?.index === i).length).toBe(50)

      // The VP8 stream as an IVF file; the H.264 stream remuxed into MP4, re-encoded to VP8 and scaled down.
      const vp8 = await encodeVideoFile(y4m, { codec: 'VP8', bitrateKbps: 300, cache: false })
      const ivf = join(dir, 'clip.ivf')
      await writeFile(
        ivf,
        writeIvf({ fourcc: 'VP80', width: 320, height: 240, timebaseNum: 1, timebaseDen: 25, frames: vp8.frames.map((f, i) => ({ pts: i, data: f.data })) }),
      )
      const fromIvf = await decodeVideo(ivf)
      expect(fromIvf.frames.filter((f, i) => f.code?.index === i).length).toBe(50)
      const annexb = join(dir, 'clip.h264')
      await writeFile(annexb, Buffer.concat(h264.frames.map((f) => f.data)))
      const mp4 = join(dir, 'clip.mp4')
      const r = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-f', 'h264', '-r', '25', '-i', annexb, '-c', 'copy', mp4], {
        timeout: 60_000,
      })
      expect(r.status, String(r.stderr)).toBe(0)
      const small = await encodeVideoFile(mp4, { codec: 'VP8', bitrateKbps: 200, width: 160, height: 120, cache: false })
      expect(small.frames[0]).toMatchObject({ width: 160, height: 120 })
      expect(small.frames).toHaveLength(50)
      const ds = await decodeVideo(small)
      expect(ds.frames.filter((f, i) => f.code?.index === i).length).toBeGreaterThanOrEqual(49)
      expect(ds.frames.filter((f, i) => f.code && f.code.index !== i)).toEqual([])
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  test('decodes bytes given with their format', async () => {
    const v = await encodeVideoPattern({ codec: 'H264', width: 160, height: 120, fps: FPS, seconds: 1, bitrateKbps: 150 })
    const data = Buffer.concat(v.frames.map((f) => f.data))
    const d = await decodeVideo({ data, format: 'h264' }, { pictures: true })
    expect(d.frames).toHaveLength(30)
    expect(d.frames[0]!.picture).toMatchObject({ width: 160, height: 120 })
    expect(d.frames[0]!.picture!.y).toHaveLength(160 * 120)
  })

  test('clear errors: a missing file, an unknown format, a file that is not what it says, no frames', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rtcspec-video-test-'))
    try {
      await expect(decodeVideo(join(dir, 'nope.ivf'))).rejects.toMatchObject({ code: 'VIDEO_FILE', message: expect.stringMatching(/no video file at/) })
      await writeFile(join(dir, 'notes.txt'), 'hello')
      await expect(decodeVideo(join(dir, 'notes.txt'))).rejects.toMatchObject({ code: 'VIDEO_FORMAT', hint: expect.stringMatching(/\.y4m, \.ivf/) })
      await writeFile(join(dir, 'fake.ivf'), new Uint8Array(100).fill(7))
      await expect(decodeVideo(join(dir, 'fake.ivf'))).rejects.toMatchObject({ code: 'VIDEO_FILE', message: expect.stringMatching(/could not decode/) })
      await expect(encodeVideoFile(join(dir, 'fake.ivf'), { codec: 'VP8', bitrateKbps: 100 })).rejects.toMatchObject({ code: 'VIDEO_FILE' })
      await expect(decodeVideo({ codec: 'VP8', fps: 30, description: 'empty', frames: [] } satisfies EncodedVideo)).rejects.toMatchObject({
        code: 'VIDEO_INPUT',
      })
      await expect(decodeVideo({ bytes: new Uint8Array(1) } as never)).rejects.toMatchObject({ code: 'VIDEO_INPUT' })
      await expect(encodeVideoFile(join(dir, 'fake.ivf'), { codec: 'VP8', bitrateKbps: 100, width: 320 })).rejects.toThrow(/both width and height/)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  test('a missing FFmpeg is named with the fix', async () => {
    const saved = process.env.PATH
    process.env.PATH = '/nonexistent'
    try {
      await expect(decodeVideo({ data: new Uint8Array(10), format: 'h264' }, { provider: 'local' })).rejects.toMatchObject({
        code: 'PROVIDER_UNAVAILABLE',
        hint: expect.stringMatching(/apt-get install -y ffmpeg/),
      })
    } finally {
      process.env.PATH = saved
    }
  })
})

describe('videoQuality: PSNR and SSIM with frames paired by their code', () => {
  test('identical pictures score 100 dB and SSIM 1; more bits score higher; pairing follows the code, not the position', async () => {
    const p = videoPattern({ width: 320, height: 240, fps: FPS })
    const perfect: DecodedVideo = {
      width: 320,
      height: 240,
      frames: [5, 3, 9].map((i, position) => ({ position, code: p.codeAt(i), picture: p.frame(i) })),
    }
    const q0 = await videoQuality(p, perfect)
    expect(q0).toMatchObject({ frames: 3, unmatched: 0, psnr: { mean: 100, min: 100 }, ssim: { mean: 1, min: 1 } })
    expect(q0.perFrame.map((f) => f.index)).toEqual([5, 3, 9])

    const low = await videoQuality(p, await encodeVideoPattern({ codec: 'VP8', width: 320, height: 240, fps: FPS, seconds: 2, bitrateKbps: 100 }))
    const high = await videoQuality(p, await encodeVideoPattern({ codec: 'VP8', width: 320, height: 240, fps: FPS, seconds: 2, bitrateKbps: 1000 }))
    expect(low.frames).toBe(60)
    expect(low.psnr.mean).toBeGreaterThan(25)
    expect(high.psnr.mean).toBeGreaterThan(low.psnr.mean + 3)
    expect(high.ssim.mean).toBeGreaterThan(low.ssim.mean)

    // Drop every other decoded picture and reverse the rest: each still pairs with its own original.
    const decoded = await decodeVideo(await encodeVideoPattern({ codec: 'VP8', width: 320, height: 240, fps: FPS, seconds: 2, bitrateKbps: 100 }), {
      pictures: true,
    })
    const shuffled: DecodedVideo = { ...decoded, frames: decoded.frames.filter((_, i) => i % 2 === 0).reverse() }
    const q = await videoQuality(p, shuffled)
    expect(q.frames).toBe(30)
    const byIndex = new Map(low.perFrame.map((f) => [f.index, f.psnr]))
    for (const f of q.perFrame) expect(f.psnr).toBeCloseTo(byIndex.get(f.index)!, 1)
    // Paired by position instead (the wrong original), the score collapses: the pairing is what is measured.
    const mispaired: DecodedVideo = { ...shuffled, frames: shuffled.frames.map((f, i) => ({ ...f, code: p.codeAt(i) })) }
    expect((await videoQuality(p, mispaired)).psnr.mean).toBeLessThan(q.psnr.mean - 5)
  })

  test('a picture without a readable code is not compared, and with no pair at all the error says why', async () => {
    const p = videoPattern({ width: 160, height: 120, fps: FPS })
    const blank = { width: 160, height: 120, y: new Uint8Array(160 * 120), u: new Uint8Array(80 * 60), v: new Uint8Array(80 * 60) }
    const q = await videoQuality(p, {
      width: 160,
      height: 120,
      frames: [
        { position: 0, code: p.codeAt(0), picture: p.frame(0) },
        { position: 1, code: undefined, picture: blank },
      ],
    })
    expect(q).toMatchObject({ frames: 1, unmatched: 1 })
    await expect(videoQuality(p, { width: 160, height: 120, frames: [{ position: 0, code: undefined, picture: blank }] })).rejects.toMatchObject({
      code: 'VIDEO_QUALITY',
    })
  })
})

describe.each(providerCases('ffmpeg', 'ffmpeg', 'ffmpeg'))('FFmpeg $provider provider', ({ provider, skip }) => {
  test.skipIf(skip)('encodes the pattern and decodes it back', async () => {
    const v = await encodeVideoPattern({ codec: 'VP8', width: 160, height: 120, fps: FPS, seconds: 1, bitrateKbps: 150, provider, cache: false })
    const r = codeCheck(await decodeVideo(v, { provider }))
    expect(r.wrong).toEqual([])
    expect(r.right).toBe(30)
  })
})
