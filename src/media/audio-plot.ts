/**
 * A small picture of a recording for test reports: its waveform (top) and its power spectrum
 * (bottom, dB, 0 Hz … Nyquist, 80 dB range, of the first 10 s at most), with optional red markers at frequencies of interest
 * (e.g. the tone a matcher looked for). Each panel has a title, tick values and an axis title (time in seconds,
 * frequency in kHz, amplitude in full scale, power in dB below the peak), drawn with a small pixel font. Pure:
 * PCM in, PNG bytes out.
 *
 * @module
 */
import { powerSpectrum } from './analysis.ts'
import { drawText, GLYPH_HEIGHT, textWidth } from './pixel-font.ts'
import type { PcmAudio } from './types.ts'
import { encodePng } from './png.ts'

/** Options of `plotAudio`. */
export interface AudioPlotOptions {
  /** Picture width in pixels. Default 640. */
  width?: number
  /** Picture height in pixels (both panels). Default 240. */
  height?: number
  /** Frequencies to mark with a red line on the spectrum, Hz. */
  markHz?: readonly number[]
}

type Rgb = readonly [number, number, number]
const BG: Rgb = [255, 255, 255]
const AXIS: Rgb = [200, 200, 200]
const WAVE: Rgb = [31, 119, 180]
const SPEC: Rgb = [44, 160, 44]
const MARK: Rgb = [214, 39, 40]
const TEXT: Rgb = [60, 60, 60]

class Raster {
  readonly width: number
  readonly height: number
  readonly data: Uint8Array
  constructor(width: number, height: number) {
    this.width = width
    this.height = height
    this.data = new Uint8Array(width * height * 4)
  }
  set(x: number, y: number, c: Rgb): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return
    const i = (Math.floor(y) * this.width + Math.floor(x)) * 4
    this.data[i] = c[0]
    this.data[i + 1] = c[1]
    this.data[i + 2] = c[2]
    this.data[i + 3] = 255
  }
  fill(c: Rgb): void {
    for (let y = 0; y < this.height; y++) for (let x = 0; x < this.width; x++) this.set(x, y, c)
  }
  vspan(x: number, y0: number, y1: number, c: Rgb): void {
    const a = Math.round(Math.min(y0, y1))
    const b = Math.round(Math.max(y0, y1))
    for (let y = a; y <= b; y++) this.set(x, y, c)
  }
  hline(y: number, x0: number, x1: number, c: Rgb): void {
    for (let x = x0; x <= x1; x++) this.set(x, y, c)
  }
}

/** A plot area in pixels. */
export interface PlotRect {
  x: number
  y: number
  w: number
  h: number
}

/** Where `plotAudio` draws each panel's data for a picture of this size (titles, ticks and axis titles around them). */
export function audioPlotLayout(width: number, height: number): { wave: PlotRect; spectrum: PlotRect } {
  const left = 30
  const right = 8
  const title = GLYPH_HEIGHT + 4
  const below = 2 * (GLYPH_HEIGHT + 3)
  const panel = Math.floor(height / 2)
  const rect = (top: number, h: number): PlotRect => ({ x: left, y: top + title, w: Math.max(8, width - left - right), h: Math.max(8, h - title - below) })
  return { wave: rect(0, panel), spectrum: rect(panel, height - panel) }
}

function label(r: Raster, text: string, x: number, y: number, align: 'left' | 'center' | 'right', c: Rgb): void {
  const w = textWidth(text)
  const x0 = Math.round(align === 'left' ? x : align === 'center' ? x - w / 2 : x - w)
  drawText(text, x0, Math.round(y), (px, py) => r.set(px, py, c))
}

function frame(r: Raster, a: PlotRect): void {
  r.hline(a.y + a.h, a.x, a.x + a.w - 1, AXIS)
  r.vspan(a.x - 1, a.y, a.y + a.h, AXIS)
}

/** Up to two decimals, without trailing zeros. */
function tick(v: number): string {
  return String(Number(v.toFixed(v >= 10 ? 0 : v >= 1 ? 1 : 2)))
}

/** Tick values and titles around a panel: x ticks at 0, half and full scale, y ticks top/middle/bottom. */
function axes(r: Raster, a: PlotRect, p: { title: string; xMax: number; xTitle: string; yTicks: [string, string, string] }): void {
  frame(r, a)
  label(r, p.title, a.x, a.y - GLYPH_HEIGHT - 3, 'left', TEXT)
  const tickY = a.y + a.h + 3
  for (const f of [0, 0.5, 1]) {
    const x = a.x + f * (a.w - 1)
    r.vspan(Math.round(x), a.y + a.h, a.y + a.h + 2, AXIS)
    label(r, tick(f * p.xMax), x, tickY, f === 0 ? 'left' : f === 1 ? 'right' : 'center', TEXT)
  }
  label(r, p.xTitle, a.x + a.w / 2, tickY + GLYPH_HEIGHT + 2, 'center', TEXT)
  const [top, mid, bottom] = p.yTicks
  label(r, top, a.x - 4, a.y, 'right', TEXT)
  label(r, mid, a.x - 4, a.y + a.h / 2 - GLYPH_HEIGHT / 2, 'right', TEXT)
  label(r, bottom, a.x - 4, a.y + a.h - GLYPH_HEIGHT, 'right', TEXT)
}

/**
 * Draws the waveform and spectrum of `audio` as a PNG (see the module notes). Empty audio gives
 * empty panels.
 */
export function plotAudio(audio: PcmAudio, options: AudioPlotOptions = {}): Uint8Array {
  const width = Math.max(96, Math.min(4096, Math.round(options.width ?? 640)))
  const height = Math.max(96, Math.min(4096, Math.round(options.height ?? 240)))
  const r = new Raster(width, height)
  r.fill(BG)
  const { wave, spectrum } = audioPlotLayout(width, height)
  const { samples, sampleRate } = audio
  const n = samples.length
  const nyquist = sampleRate / 2
  axes(r, wave, { title: 'waveform', xMax: sampleRate > 0 ? n / sampleRate : 0, xTitle: 'time (s)', yTicks: ['+1', '0', '-1'] })
  axes(r, spectrum, { title: 'spectrum (dB below peak)', xMax: nyquist / 1000, xTitle: 'frequency (kHz)', yTicks: ['0', '-40', '-80'] })
  // waveform: min/max per column
  const mid = wave.y + wave.h / 2
  const half = wave.h / 2
  r.hline(Math.round(mid), wave.x, wave.x + wave.w - 1, AXIS)
  if (n > 0) {
    for (let c = 0; c < wave.w; c++) {
      const s0 = Math.floor((c * n) / wave.w)
      const s1 = Math.max(s0 + 1, Math.floor(((c + 1) * n) / wave.w))
      let lo = 32767
      let hi = -32768
      for (let i = s0; i < s1 && i < n; i++) {
        const v = samples[i] as number
        if (v < lo) lo = v
        if (v > hi) hi = v
      }
      r.vspan(wave.x + c, mid - (hi / 32768) * half, mid - (lo / 32768) * half, WAVE)
    }
  }
  // spectrum: the spectrum of (at most) the first 10 s keeps the picture cheap for long recordings
  const spec = n > 0 ? powerSpectrum(samples.subarray(0, Math.min(n, sampleRate * 10)), sampleRate) : undefined
  for (const hz of options.markHz ?? []) {
    const x = Math.round((hz / nyquist) * (spectrum.w - 1))
    if (Number.isFinite(x) && x >= 0 && x < spectrum.w) r.vspan(spectrum.x + x, spectrum.y, spectrum.y + spectrum.h - 1, MARK)
  }
  if (spec !== undefined) {
    const { power } = spec
    const bins = power.length
    const col = new Float64Array(spectrum.w)
    let max = Number.NEGATIVE_INFINITY
    for (let x = 0; x < spectrum.w; x++) {
      const k0 = Math.floor((x * bins) / spectrum.w)
      const k1 = Math.max(k0 + 1, Math.floor(((x + 1) * bins) / spectrum.w))
      let p = 0
      for (let k = k0; k < k1 && k < bins; k++) p = Math.max(p, power[k] as number)
      col[x] = 10 * Math.log10(p + 1e-30)
      if ((col[x] as number) > max) max = col[x] as number
    }
    const range = 80
    const h = spectrum.h - 1
    let prevY: number | undefined
    for (let x = 0; x < spectrum.w; x++) {
      const db = Math.max(max - range, col[x] as number)
      const y = spectrum.y + h - ((db - (max - range)) / range) * h
      r.vspan(spectrum.x + x, prevY ?? y, y, SPEC)
      prevY = y
    }
  }
  return encodePng(width, height, r.data)
}
