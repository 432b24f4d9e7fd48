/**
 * The frame code: a machine-readable stamp drawn into every frame of a pattern source, carrying the frame's index
 * (24 bits) and capture time (32 bits, ms on the source's clock) with a CRC-16 check, so a receiver that decodes
 * the picture can tell exactly which frame it is looking at and when it was captured.
 *
 * Geometry (all relative to the picture size, so the code reads after scaling): a band across the top third of
 * the frame (x from 2 % to 98 % of the width, y from 2 % to 34 % of the height) divided into a grid of 24 × 6
 * cells. Each of the 72 bits is a pair of side-by-side cells, the value cell and its complement (white|black for
 * 1, black|white for 0), so every bit is read by comparing two neighbours: it self-calibrates against brightness
 * and contrast changes, and it survives blur. A reader samples the inner half of each cell, and refuses a frame
 * (returns `undefined`) when the pattern has too little contrast, when any bit is ambiguous, or when the check
 * fails: a wrong value is worse than none. Pictures from 96×72 up read reliably (a cell is then 4 × 4 pixels).
 *
 * Bits, first to last (row by row, pairs left to right): index (24, most significant first), captureMs (32),
 * CRC-16/CCITT-FALSE of the 7 bytes index (big-endian, 3 bytes) and captureMs (big-endian, 4 bytes).
 *
 * Every function of this module is **self-contained**: it uses no imports and no module-level value, only its
 * own body, so a browser page can be given it with `Function.prototype.toString()` (e.g.
 * `page.evaluate('(' + readFrameCodeRgba.toString() + ')')`). Keep it so when editing: the test evaluates each
 * function's source text on its own.
 *
 * @module
 */
import type { FrameCodeValue, I420Frame } from './types.ts'

/**
 * Draws the frame code of `value` into the luma plane of `frame` (in place) and sets the band's chroma to
 * neutral, so the band is black and white. `index` is taken modulo 2^24, `captureMs` modulo 2^32.
 *
 * Self-contained (no imports, no module-level values): can be injected into a page with `toString()`.
 */
export function stampFrameCode(frame: I420Frame, value: FrameCodeValue): void {
  const COLS = 24
  const ROWS = 6
  const X0 = 0.02
  const X1 = 0.98
  const Y0 = 0.02
  const Y1 = 0.34
  const BLACK = 16
  const WHITE = 235
  const index = ((Math.floor(value.index) % 0x1000000) + 0x1000000) % 0x1000000
  const ms = Math.floor(value.captureMs) >>> 0
  const bytes = [(index >>> 16) & 255, (index >>> 8) & 255, index & 255, (ms >>> 24) & 255, (ms >>> 16) & 255, (ms >>> 8) & 255, ms & 255]
  let crc = 0xffff
  for (const b of bytes) {
    crc ^= b << 8
    for (let k = 0; k < 8; k++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff
  }
  const bits: number[] = []
  for (let k = 23; k >= 0; k--) bits.push((index >>> k) & 1)
  for (let k = 31; k >= 0; k--) bits.push((ms >>> k) & 1)
  for (let k = 15; k >= 0; k--) bits.push((crc >>> k) & 1)
  const { width, height, y, u, v } = frame
  const cw = (width + 1) >> 1
  const bx0 = Math.round(X0 * width)
  const bx1 = Math.round(X1 * width)
  const by0 = Math.round(Y0 * height)
  const by1 = Math.round(Y1 * height)
  for (let row = 0; row < ROWS; row++) {
    const ya = Math.round(by0 + ((by1 - by0) * row) / ROWS)
    const yb = Math.round(by0 + ((by1 - by0) * (row + 1)) / ROWS)
    for (let col = 0; col < COLS; col++) {
      const bit = bits[row * (COLS / 2) + (col >> 1)] as number
      const white = (col & 1) === 0 ? bit === 1 : bit === 0
      const xa = Math.round(bx0 + ((bx1 - bx0) * col) / COLS)
      const xb = Math.round(bx0 + ((bx1 - bx0) * (col + 1)) / COLS)
      for (let py = ya; py < yb; py++) y.fill(white ? WHITE : BLACK, py * width + xa, py * width + xb)
    }
  }
  for (let py = by0 >> 1; py < (by1 + 1) >> 1; py++) {
    u.fill(128, py * cw + (bx0 >> 1), py * cw + ((bx1 + 1) >> 1))
    v.fill(128, py * cw + (bx0 >> 1), py * cw + ((bx1 + 1) >> 1))
  }
}

/**
 * Reads the frame code from a luma (gray) plane: `luma[y * stride + x]`, `stride` defaulting to `width`.
 * Returns `undefined` when no code can be read with confidence (no code, too little contrast, an ambiguous bit,
 * a failed check): it never guesses.
 *
 * Self-contained (no imports, no module-level values): can be injected into a page with `toString()`.
 */
export function readFrameCode(luma: ArrayLike<number>, width: number, height: number, stride: number = width): FrameCodeValue | undefined {
  const COLS = 24
  const ROWS = 6
  const X0 = 0.02
  const X1 = 0.98
  const Y0 = 0.02
  const Y1 = 0.34
  const MIN_CONTRAST = 24
  const MIN_BIT_SHARE = 0.3
  if (!(width >= COLS && height >= ROWS * 3) || luma.length < stride * (height - 1) + width) return undefined
  const means: number[] = []
  for (let row = 0; row < ROWS; row++) {
    const ya = Y0 * height + ((Y1 - Y0) * height * (row + 0.25)) / ROWS
    const yb = Y0 * height + ((Y1 - Y0) * height * (row + 0.75)) / ROWS
    for (let col = 0; col < COLS; col++) {
      const xa = X0 * width + ((X1 - X0) * width * (col + 0.25)) / COLS
      const xb = X0 * width + ((X1 - X0) * width * (col + 0.75)) / COLS
      const y0 = Math.floor(ya)
      const y1 = Math.max(y0 + 1, Math.ceil(yb))
      const x0 = Math.floor(xa)
      const x1 = Math.max(x0 + 1, Math.ceil(xb))
      let sum = 0
      for (let py = y0; py < y1; py++) for (let px = x0; px < x1; px++) sum += luma[py * stride + px] as number
      means.push(sum / ((y1 - y0) * (x1 - x0)))
    }
  }
  const diffs: number[] = []
  let total = 0
  for (let p = 0; p < means.length; p += 2) {
    const d = (means[p] as number) - (means[p + 1] as number)
    diffs.push(d)
    total += Math.abs(d)
  }
  const mean = total / diffs.length
  if (mean < MIN_CONTRAST) return undefined
  const bits: number[] = []
  for (const d of diffs) {
    if (Math.abs(d) < MIN_BIT_SHARE * mean) return undefined
    bits.push(d > 0 ? 1 : 0)
  }
  let index = 0
  let ms = 0
  let check = 0
  for (let k = 0; k < 24; k++) index = index * 2 + (bits[k] as number)
  for (let k = 24; k < 56; k++) ms = ms * 2 + (bits[k] as number)
  for (let k = 56; k < 72; k++) check = check * 2 + (bits[k] as number)
  const bytes = [(index >>> 16) & 255, (index >>> 8) & 255, index & 255, (ms >>> 24) & 255, (ms >>> 16) & 255, (ms >>> 8) & 255, ms & 255]
  let crc = 0xffff
  for (const b of bytes) {
    crc ^= b << 8
    for (let k = 0; k < 8; k++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff
  }
  return crc === check ? { index, captureMs: ms } : undefined
}

/**
 * Reads the frame code from RGBA pixels (a canvas `ImageData.data`, 4 bytes per pixel, rows of `width`), using
 * each pixel's luma (BT.601 weights). Same result rules as {@link readFrameCode}.
 *
 * Self-contained (no imports, no module-level values): can be injected into a page with `toString()`.
 */
export function readFrameCodeRgba(rgba: ArrayLike<number>, width: number, height: number): FrameCodeValue | undefined {
  const COLS = 24
  const ROWS = 6
  const X0 = 0.02
  const X1 = 0.98
  const Y0 = 0.02
  const Y1 = 0.34
  const MIN_CONTRAST = 24
  const MIN_BIT_SHARE = 0.3
  if (!(width >= COLS && height >= ROWS * 3) || rgba.length < width * height * 4) return undefined
  const means: number[] = []
  for (let row = 0; row < ROWS; row++) {
    const ya = Y0 * height + ((Y1 - Y0) * height * (row + 0.25)) / ROWS
    const yb = Y0 * height + ((Y1 - Y0) * height * (row + 0.75)) / ROWS
    for (let col = 0; col < COLS; col++) {
      const xa = X0 * width + ((X1 - X0) * width * (col + 0.25)) / COLS
      const xb = X0 * width + ((X1 - X0) * width * (col + 0.75)) / COLS
      const y0 = Math.floor(ya)
      const y1 = Math.max(y0 + 1, Math.ceil(yb))
      const x0 = Math.floor(xa)
      const x1 = Math.max(x0 + 1, Math.ceil(xb))
      let sum = 0
      for (let py = y0; py < y1; py++)
        for (let px = x0; px < x1; px++) {
          const o = (py * width + px) * 4
          sum += 0.299 * (rgba[o] as number) + 0.587 * (rgba[o + 1] as number) + 0.114 * (rgba[o + 2] as number)
        }
      means.push(sum / ((y1 - y0) * (x1 - x0)))
    }
  }
  const diffs: number[] = []
  let total = 0
  for (let p = 0; p < means.length; p += 2) {
    const d = (means[p] as number) - (means[p + 1] as number)
    diffs.push(d)
    total += Math.abs(d)
  }
  const mean = total / diffs.length
  if (mean < MIN_CONTRAST) return undefined
  const bits: number[] = []
  for (const d of diffs) {
    if (Math.abs(d) < MIN_BIT_SHARE * mean) return undefined
    bits.push(d > 0 ? 1 : 0)
  }
  let index = 0
  let ms = 0
  let check = 0
  for (let k = 0; k < 24; k++) index = index * 2 + (bits[k] as number)
  for (let k = 24; k < 56; k++) ms = ms * 2 + (bits[k] as number)
  for (let k = 56; k < 72; k++) check = check * 2 + (bits[k] as number)
  const bytes = [(index >>> 16) & 255, (index >>> 8) & 255, index & 255, (ms >>> 24) & 255, (ms >>> 16) & 255, (ms >>> 8) & 255, ms & 255]
  let crc = 0xffff
  for (const b of bytes) {
    crc ^= b << 8
    for (let k = 0; k < 8; k++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff
  }
  return crc === check ? { index, captureMs: ms } : undefined
}

/**
 * Draws the frame code of `value` into RGBA pixels (a canvas `ImageData.data`, rows of `width`), in place:
 * black and white cells, alpha 255. `index` is taken modulo 2^24, `captureMs` modulo 2^32. Put the result back
 * with `putImageData` before the frame is captured.
 *
 * Self-contained (no imports, no module-level values): can be injected into a page with `toString()`.
 */
export function drawFrameCodeRgba(rgba: { [i: number]: number; length: number }, width: number, height: number, value: FrameCodeValue): void {
  const COLS = 24
  const ROWS = 6
  const X0 = 0.02
  const X1 = 0.98
  const Y0 = 0.02
  const Y1 = 0.34
  const index = ((Math.floor(value.index) % 0x1000000) + 0x1000000) % 0x1000000
  const ms = Math.floor(value.captureMs) >>> 0
  const bytes = [(index >>> 16) & 255, (index >>> 8) & 255, index & 255, (ms >>> 24) & 255, (ms >>> 16) & 255, (ms >>> 8) & 255, ms & 255]
  let crc = 0xffff
  for (const b of bytes) {
    crc ^= b << 8
    for (let k = 0; k < 8; k++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff
  }
  const bits: number[] = []
  for (let k = 23; k >= 0; k--) bits.push((index >>> k) & 1)
  for (let k = 31; k >= 0; k--) bits.push((ms >>> k) & 1)
  for (let k = 15; k >= 0; k--) bits.push((crc >>> k) & 1)
  const bx0 = Math.round(X0 * width)
  const bx1 = Math.round(X1 * width)
  const by0 = Math.round(Y0 * height)
  const by1 = Math.round(Y1 * height)
  for (let row = 0; row < ROWS; row++) {
    const ya = Math.round(by0 + ((by1 - by0) * row) / ROWS)
    const yb = Math.round(by0 + ((by1 - by0) * (row + 1)) / ROWS)
    for (let col = 0; col < COLS; col++) {
      const bit = bits[row * (COLS / 2) + (col >> 1)] as number
      const level = ((col & 1) === 0 ? bit === 1 : bit === 0) ? 255 : 0
      const xa = Math.round(bx0 + ((bx1 - bx0) * col) / COLS)
      const xb = Math.round(bx0 + ((bx1 - bx0) * (col + 1)) / COLS)
      for (let py = ya; py < yb; py++)
        for (let px = xa; px < xb; px++) {
          const o = (py * width + px) * 4
          rgba[o] = level
          rgba[o + 1] = level
          rgba[o + 2] = level
          rgba[o + 3] = 255
        }
    }
  }
}
