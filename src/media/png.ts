/**
 * PNG encoding for the plots rtcspec attaches to test results and reports: 8-bit RGBA pixels in, PNG
 * bytes out, by `pngjs` (adaptive row filters, zlib deflate). Pure (no I/O). This module only checks the
 * sizes and names what is wrong.
 *
 * @module
 */
import { PNG } from 'pngjs'

/**
 * Encodes `rgba` (row-major, 4 bytes per pixel, `width × height × 4` bytes) as a PNG file.
 * Throws a RangeError when the sizes do not match.
 */
export function encodePng(width: number, height: number, rgba: Uint8Array): Uint8Array {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || width > 16384 || height > 16384) {
    throw new RangeError(`encodePng: width and height must be integers in 1..16384, got ${width}×${height}`)
  }
  if (rgba.length !== width * height * 4)
    throw new RangeError(`encodePng: expected ${width * height * 4} bytes of RGBA for ${width}×${height}, got ${rgba.length}`)
  const png = new PNG({ width, height, colorType: 6, inputColorType: 6, bitDepth: 8, inputHasAlpha: true })
  png.data = Buffer.from(rgba.buffer, rgba.byteOffset, rgba.byteLength)
  return new Uint8Array(PNG.sync.write(png, { colorType: 6, inputColorType: 6, bitDepth: 8, inputHasAlpha: true }))
}
