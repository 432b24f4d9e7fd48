/**
 * A filmstrip picture for test reports and failed video assertions: a row of decoded pictures (luma, scaled down)
 * with the frame code read from each drawn under it, and below it the frame sequence of the analysis, one cell per
 * expected frame (decodable green, undecodable orange, incomplete purple, lost red) with freezes marked underneath.
 * Pure: pictures and the analysis' sequence in, PNG bytes out.
 *
 * @module
 */
import { drawText, GLYPH_HEIGHT, textWidth } from '../pixel-font.ts'
import { encodePng } from '../png.ts'
import type { FrameCodeValue, I420Frame } from './types.ts'

/** One picture of the strip. */
export interface FilmstripPicture {
  readonly frame: I420Frame
  /** The frame code read from it, drawn under it (`i 123 t 4567`), or `no code` when absent. */
  readonly code?: FrameCodeValue
}

/** What `renderFilmstrip` draws. */
export interface FilmstripInput {
  /** A title line (drawn in the pixel font: lower-case letters, digits, `.-+()`). */
  readonly title?: string
  /** Pictures in order; at most 8 are drawn, spread evenly over the list. */
  readonly pictures?: readonly FilmstripPicture[]
  /** The analysis' frame sequence (`VideoAnalysis.sequence`: D, U, I, L per frame). */
  readonly sequence?: string
  /** Positions (frame numbers in `sequence`) where a freeze ended, marked under the cells. */
  readonly freezeAt?: readonly number[]
  /** Picture width in pixels. Default 640. */
  readonly width?: number
}

type Rgb = readonly [number, number, number]
const BG: Rgb = [255, 255, 255]
const TEXT: Rgb = [60, 60, 60]
const STATE: Record<string, Rgb> = { D: [44, 160, 44], U: [255, 127, 14], I: [148, 103, 189], L: [214, 39, 40] }
const FREEZE: Rgb = [31, 119, 180]
const CELL = 4
const CELL_H = 10
const MAX_ROWS = 20
const MAX_PICTURES = 8

/** The strip's pixel text: the font has lower-case letters only. */
function fontText(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9.\-+() ]/g, ' ')
}

/** Draws the filmstrip (see the module notes) as a PNG. */
export function renderFilmstrip(input: FilmstripInput): Uint8Array {
  const width = Math.max(160, Math.min(4096, Math.round(input.width ?? 640)))
  const all = input.pictures ?? []
  const pictures =
    all.length <= MAX_PICTURES
      ? all
      : Array.from({ length: MAX_PICTURES }, (_, k) => all[Math.round((k * (all.length - 1)) / (MAX_PICTURES - 1))] as FilmstripPicture)
  const gap = 4
  const thumbW = pictures.length ? Math.floor((width - gap * (pictures.length + 1)) / pictures.length) : 0
  const thumbH = pictures.length ? Math.min(120, Math.max(...pictures.map((p) => Math.round((thumbW * p.frame.height) / Math.max(1, p.frame.width))))) : 0
  const perRow = Math.floor((width - 2 * gap) / CELL)
  const sequence = input.sequence ?? ''
  const rows = Math.min(MAX_ROWS, Math.ceil(sequence.length / perRow))
  const titleH = input.title ? GLYPH_HEIGHT + 6 : 0
  const picturesH = pictures.length ? thumbH + GLYPH_HEIGHT + 3 * gap : 0
  const sequenceH = rows ? rows * (CELL_H + 4) + GLYPH_HEIGHT + 3 * gap : 0
  const height = Math.max(20, titleH + picturesH + sequenceH + gap)
  const data = new Uint8Array(width * height * 4)
  const set = (x: number, y: number, c: Rgb) => {
    if (x < 0 || y < 0 || x >= width || y >= height) return
    const i = (y * width + x) * 4
    data[i] = c[0]
    data[i + 1] = c[1]
    data[i + 2] = c[2]
    data[i + 3] = 255
  }
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) set(x, y, BG)
  const text = (s: string, x: number, y: number, c: Rgb = TEXT) => drawText(fontText(s), x, y, (px, py) => set(px, py, c))
  let y = gap
  if (input.title) {
    text(input.title, gap, y)
    y += titleH
  }
  pictures.forEach((p, k) => {
    const x0 = gap + k * (thumbW + gap)
    const f = p.frame
    const h = Math.min(thumbH, Math.round((thumbW * f.height) / Math.max(1, f.width)))
    for (let ty = 0; ty < h; ty++) {
      const sy = Math.min(f.height - 1, Math.floor((ty * f.height) / h))
      for (let tx = 0; tx < thumbW; tx++) {
        const sx = Math.min(f.width - 1, Math.floor((tx * f.width) / thumbW))
        const v = f.y[sy * f.width + sx] ?? 0
        set(x0 + tx, y + ty, [v, v, v])
      }
    }
    const label = p.code ? `i ${p.code.index} t ${p.code.captureMs}` : 'no code'
    text(textWidth(label) > thumbW ? (p.code ? `${p.code.index}` : 'none') : label, x0, y + thumbH + gap)
  })
  if (pictures.length) y += picturesH
  if (rows) {
    const freezes = new Set(input.freezeAt ?? [])
    for (let n = 0; n < Math.min(sequence.length, rows * perRow); n++) {
      const cx = gap + (n % perRow) * CELL
      const cy = y + Math.floor(n / perRow) * (CELL_H + 4)
      const c = STATE[sequence[n] as string] ?? TEXT
      for (let dy = 0; dy < CELL_H; dy++) for (let dx = 0; dx < CELL - 1; dx++) set(cx + dx, cy + dy, c)
      if (freezes.has(n)) for (let dx = -1; dx < CELL; dx++) for (let dy = CELL_H + 1; dy < CELL_H + 3; dy++) set(cx + dx, cy + dy, FREEZE)
    }
    const legendY = y + rows * (CELL_H + 4) + gap
    const more = sequence.length > rows * perRow ? ` (first ${rows * perRow} of ${sequence.length})` : ''
    let lx = gap
    for (const [key, name] of [
      ['D', 'decodable'],
      ['U', 'undecodable'],
      ['I', 'incomplete'],
      ['L', 'lost'],
    ] as const) {
      for (let dy = 0; dy < GLYPH_HEIGHT; dy++) for (let dx = 0; dx < 5; dx++) set(lx + dx, legendY + dy, STATE[key] as Rgb)
      text(name, lx + 8, legendY)
      lx += 8 + textWidth(name) + 10
    }
    for (let dx = 0; dx < 5; dx++) for (let dy = 3; dy < 5; dy++) set(lx + dx, legendY + dy, FREEZE)
    text(`freeze${more}`, lx + 8, legendY)
  }
  return encodePng(width, height, data)
}
