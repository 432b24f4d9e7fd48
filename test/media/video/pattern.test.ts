import { describe, expect, it } from 'vitest'
import { readFrameCode } from '../../../src/media/video/frame-code.ts'
import { videoPattern } from '../../../src/media/video/pattern.ts'

/** Mean absolute luma difference of two same-size planes, outside the frame-code band (top 36 %). */
function contentChange(a: Uint8Array, b: Uint8Array, width: number, height: number): number {
  let sum = 0
  const from = Math.ceil(height * 0.36) * width
  for (let i = from; i < width * height; i++) sum += Math.abs(a[i]! - b[i]!)
  return sum / (width * height - from)
}

describe('videoPattern', () => {
  it('stamps every frame with its index and its capture time on the pattern clock', () => {
    const p = videoPattern({ width: 320, height: 240, fps: 30 })
    let i = 0
    for (const f of p.frames(90)) {
      expect(f.width).toBe(320)
      expect(f.y.length).toBe(320 * 240)
      expect(f.u.length).toBe(160 * 120)
      expect(readFrameCode(f.y, 320, 240)).toEqual({ index: i, captureMs: Math.round((i * 1000) / 30) })
      i++
    }
    expect(p.codeAt(3)).toEqual({ index: 3, captureMs: 100 })
    expect(videoPattern({ width: 96, height: 72, fps: 29.97 }).codeAt(1000)).toEqual({ index: 1000, captureMs: 33367 })
  })

  it('moving content changes every frame; a slide changes only in its frame code', () => {
    const moving = videoPattern({ width: 160, height: 120, fps: 30 })
    const slide = videoPattern({ width: 160, height: 120, fps: 30, mode: 'slide' })
    for (const i of [0, 1, 17, 59]) {
      expect(contentChange(moving.frame(i).y, moving.frame(i + 1).y, 160, 120)).toBeGreaterThan(1)
      const a = slide.frame(i)
      const b = slide.frame(i + 1)
      expect(contentChange(a.y, b.y, 160, 120)).toBe(0)
      expect(a.u).toEqual(b.u)
      expect(readFrameCode(b.y, 160, 120)?.index).toBe(i + 1)
    }
  })

  it('is deterministic: the same index gives the same picture', () => {
    const p = videoPattern({ width: 128, height: 96, fps: 25 })
    expect(p.frame(42)).toEqual(videoPattern({ width: 128, height: 96, fps: 25 }).frame(42))
  })

  it('changes resolution from the frames the changes name', () => {
    const p = videoPattern({
      width: 320,
      height: 240,
      fps: 30,
      resolutionChanges: [
        { atFrame: 10, width: 160, height: 120 },
        { atFrame: 20, width: 640, height: 360 },
      ],
    })
    expect([0, 9, 10, 19, 20, 99].map((i) => p.sizeAt(i))).toEqual([
      { width: 320, height: 240 },
      { width: 320, height: 240 },
      { width: 160, height: 120 },
      { width: 160, height: 120 },
      { width: 640, height: 360 },
      { width: 640, height: 360 },
    ])
    const f = p.frame(15)
    expect([f.width, f.height]).toEqual([160, 120])
    expect(readFrameCode(f.y, 160, 120)?.index).toBe(15)
    expect(readFrameCode(p.frame(25).y, 640, 360)?.index).toBe(25)
  })

  it('refuses bad options with the option named', () => {
    expect(() => videoPattern({ width: 321, height: 240, fps: 30 })).toThrow(/width.*even/s)
    expect(() => videoPattern({ width: 320, height: 240, fps: 0 })).toThrow(/fps/)
    expect(() => videoPattern({ width: 320, height: 240, fps: 30, mode: 'still' as 'slide' })).toThrow(/mode/)
    expect(() =>
      videoPattern({
        width: 320,
        height: 240,
        fps: 30,
        resolutionChanges: [
          { atFrame: 5, width: 160, height: 120 },
          { atFrame: 5, width: 320, height: 240 },
        ],
      }),
    ).toThrow(/strictly increasing/)
    expect(() => videoPattern({ width: 320, height: 240, fps: 30, fsp: 3 } as never)).toThrow(/fsp/)
    expect(() => videoPattern({ width: 320, height: 240, fps: 30 }).frame(-1)).toThrow(RangeError)
  })
})
