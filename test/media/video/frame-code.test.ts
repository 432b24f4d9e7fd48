import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { drawFrameCodeRgba, readFrameCode, readFrameCodeRgba, stampFrameCode } from '../../../src/media/video/frame-code.ts'
import type { FrameCodeValue, I420Frame } from '../../../src/media/video/types.ts'

/** A picture of seeded noise (so the band is drawn over busy content). */
function noisyFrame(width: number, height: number, seed = 1): I420Frame {
  let s = seed >>> 0 || 1
  const next = () => {
    s ^= s << 13
    s ^= s >>> 17
    s ^= s << 5
    return (s >>> 0) & 255
  }
  const cw = (width + 1) >> 1
  const ch = (height + 1) >> 1
  return {
    width,
    height,
    y: Uint8Array.from({ length: width * height }, next),
    u: Uint8Array.from({ length: cw * ch }, next),
    v: Uint8Array.from({ length: cw * ch }, next),
  }
}

/** Bilinear resize of a gray plane. */
function resize(src: Uint8Array, w: number, h: number, nw: number, nh: number): Uint8Array {
  const out = new Uint8Array(nw * nh)
  for (let y = 0; y < nh; y++) {
    const sy = Math.min(h - 1, Math.max(0, ((y + 0.5) * h) / nh - 0.5))
    const y0 = Math.floor(sy)
    const y1 = Math.min(h - 1, y0 + 1)
    const fy = sy - y0
    for (let x = 0; x < nw; x++) {
      const sx = Math.min(w - 1, Math.max(0, ((x + 0.5) * w) / nw - 0.5))
      const x0 = Math.floor(sx)
      const x1 = Math.min(w - 1, x0 + 1)
      const fx = sx - x0
      const a = src[y0 * w + x0]! * (1 - fx) + src[y0 * w + x1]! * fx
      const b = src[y1 * w + x0]! * (1 - fx) + src[y1 * w + x1]! * fx
      out[y * nw + x] = Math.round(a * (1 - fy) + b * fy)
    }
  }
  return out
}

const value = fc.record({ index: fc.integer({ min: 0, max: 0xffffff }), captureMs: fc.integer({ min: 0, max: 0xffffffff }) })
const size = fc.record({ width: fc.integer({ min: 96, max: 400 }), height: fc.integer({ min: 72, max: 300 }) })

describe('frame code', () => {
  it('reads back what was stamped into I420, at any size', () => {
    fc.assert(
      fc.property(value, size, fc.integer(), (v, { width, height }, seed) => {
        const f = noisyFrame(width, height, seed)
        stampFrameCode(f, v)
        expect(readFrameCode(f.y, width, height)).toEqual(v)
      }),
      { numRuns: 200 },
    )
  })

  it('reads a plane with a stride wider than the picture', () => {
    const f = noisyFrame(160, 120)
    stampFrameCode(f, { index: 77, captureMs: 2566 })
    const stride = 192
    const padded = new Uint8Array(stride * 120).fill(9)
    for (let y = 0; y < 120; y++) padded.set(f.y.subarray(y * 160, (y + 1) * 160), y * stride)
    expect(readFrameCode(padded, 160, 120, stride)).toEqual({ index: 77, captureMs: 2566 })
  })

  it('takes index modulo 2^24 and captureMs modulo 2^32', () => {
    const f = noisyFrame(320, 240)
    stampFrameCode(f, { index: 0x1000005, captureMs: 2 ** 32 + 7 })
    expect(readFrameCode(f.y, 320, 240)).toEqual({ index: 5, captureMs: 7 })
  })

  it('round-trips through RGBA (canvas drawing and reading)', () => {
    fc.assert(
      fc.property(value, size, (v, { width, height }) => {
        const rgba = new Uint8ClampedArray(width * height * 4).fill(128)
        drawFrameCodeRgba(rgba, width, height, v)
        expect(readFrameCodeRgba(rgba, width, height)).toEqual(v)
      }),
      { numRuns: 100 },
    )
  })

  it('reads an I420 stamp from RGBA and an RGBA drawing from luma (same geometry)', () => {
    const v = { index: 123456, captureMs: 4115 }
    const f = noisyFrame(320, 240)
    stampFrameCode(f, v)
    const rgba = new Uint8ClampedArray(320 * 240 * 4)
    for (let i = 0; i < f.y.length; i++) rgba.fill(f.y[i]!, i * 4, i * 4 + 3)
    expect(readFrameCodeRgba(rgba, 320, 240)).toEqual(v)
    const drawn = new Uint8ClampedArray(640 * 360 * 4)
    drawFrameCodeRgba(drawn, 640, 360, v)
    const luma = Uint8Array.from({ length: 640 * 360 }, (_, i) => drawn[i * 4]!)
    expect(readFrameCode(luma, 640, 360)).toEqual(v)
  })

  it('reads after scaling by 0.5 and by 2, and after contrast and brightness changes', () => {
    const v = { index: 0xabcdef, captureMs: 0xdeadbeef }
    const f = noisyFrame(320, 240, 5)
    stampFrameCode(f, v)
    expect(readFrameCode(resize(f.y, 320, 240, 160, 120), 160, 120)).toEqual(v)
    expect(readFrameCode(resize(f.y, 320, 240, 640, 480), 640, 480)).toEqual(v)
    expect(readFrameCode(resize(f.y, 320, 240, 400, 180), 400, 180)).toEqual(v)
    // Washed out: contrast ×0.3 around a bright level.
    const washed = f.y.map((p) => Math.round(180 + (p - 128) * 0.3))
    expect(readFrameCode(washed, 320, 240)).toEqual(v)
    // Inverted polarity would flip every bit: the check refuses it rather than returning another value.
    const inverted = f.y.map((p) => 255 - p)
    expect(readFrameCode(inverted, 320, 240)).toBeUndefined()
  })

  it('returns undefined, never a wrong value, for pictures without a code or with a damaged one', () => {
    expect(readFrameCode(new Uint8Array(320 * 240).fill(128), 320, 240)).toBeUndefined()
    expect(readFrameCode(new Uint8Array(320 * 240), 320, 240)).toBeUndefined()
    expect(readFrameCode(new Uint8Array(10), 320, 240)).toBeUndefined()
    for (let seed = 1; seed <= 200; seed++) expect(readFrameCode(noisyFrame(64, 48, seed).y, 64, 48)).toBeUndefined()
    // Every single flipped bit: the check catches it.
    const v = { index: 4242, captureMs: 140_000 }
    const f = noisyFrame(240, 180)
    stampFrameCode(f, v)
    const bx0 = Math.round(0.02 * 240)
    const bx1 = Math.round(0.98 * 240)
    const by0 = Math.round(0.02 * 180)
    const by1 = Math.round(0.34 * 180)
    for (let bit = 0; bit < 72; bit++) {
      const y = f.y.slice()
      const row = Math.floor(bit / 12)
      for (const col of [(bit % 12) * 2, (bit % 12) * 2 + 1]) {
        const xa = Math.round(bx0 + ((bx1 - bx0) * col) / 24)
        const xb = Math.round(bx0 + ((bx1 - bx0) * (col + 1)) / 24)
        const ya = Math.round(by0 + ((by1 - by0) * row) / 6)
        const yb = Math.round(by0 + ((by1 - by0) * (row + 1)) / 6)
        for (let py = ya; py < yb; py++) for (let px = xa; px < xb; px++) y[py * 240 + px] = 251 - y[py * 240 + px]!
      }
      expect(readFrameCode(y, 240, 180), `bit ${bit} flipped`).toBeUndefined()
    }
    // An ambiguous pair (both cells the same gray) is refused rather than guessed.
    const smudged = f.y.slice()
    for (let py = by0; py < by0 + 10; py++) smudged.fill(128, py * 240 + bx0, py * 240 + bx0 + 20)
    expect(readFrameCode(smudged, 240, 180)).toBeUndefined()
  })

  it('each function is self-contained: its source text alone, evaluated, gives the same result', () => {
    const revive = <T>(fn: T): T => new Function(`return ${String(fn)}`)() as T
    const v: FrameCodeValue = { index: 98765, captureMs: 3_292_166 }
    const f = noisyFrame(200, 150)
    revive(stampFrameCode)(f, v)
    expect(revive(readFrameCode)(f.y, 200, 150)).toEqual(v)
    expect(readFrameCode(f.y, 200, 150)).toEqual(v)
    const rgba = new Uint8ClampedArray(200 * 150 * 4)
    revive(drawFrameCodeRgba)(rgba, 200, 150, v)
    const mine = new Uint8ClampedArray(200 * 150 * 4)
    drawFrameCodeRgba(mine, 200, 150, v)
    expect(rgba).toEqual(mine)
    expect(revive(readFrameCodeRgba)(rgba, 200, 150)).toEqual(v)
  })
})
