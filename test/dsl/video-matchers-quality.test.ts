import { describe, it } from 'vitest'
import { expect } from '../../src/dsl/expect.ts'
import { videoPattern } from '../../src/media/video/pattern.ts'
import { encodeVideoPattern, videoQuality } from '../../src/services/video-encode.ts'
import { requireTool } from '../support/requires.ts'

describe('toHaveVideoQualityAbove on FFmpeg-encoded pictures', () => {
  it('a higher bitrate passes a PSNR/SSIM bar that a low one fails, and the failure shows the figures', async () => {
    requireTool('ffmpeg')
    const p = videoPattern({ width: 320, height: 240, fps: 30 })
    const low = await videoQuality(p, await encodeVideoPattern({ codec: 'VP8', width: 320, height: 240, fps: 30, seconds: 1, bitrateKbps: 80 }))
    const high = await videoQuality(p, await encodeVideoPattern({ codec: 'VP8', width: 320, height: 240, fps: 30, seconds: 1, bitrateKbps: 1500 }))
    const bar = (low.psnr.mean + high.psnr.mean) / 2
    await expect(high).toHaveVideoQualityAbove({ psnr: bar })
    await expect(low).not.toHaveVideoQualityAbove({ psnr: bar })
    await expect(high).toHaveVideoQualityAbove({ ssim: low.ssim.mean })
    await expect(expect(low).toHaveVideoQualityAbove({ psnr: bar })).rejects.toThrow(
      /PSNR against the reference to be above [\d.]+ dB[\s\S]*worst picture [\d.]+ dB, over 30 pictures paired by frame code/,
    )
  })
})
