/**
 * A small picture of a recording for test reports: its waveform (top) and its power spectrum
 * (bottom, dB, 0 Hz … Nyquist, 80 dB range, of the first 10 s at most), with optional red markers at frequencies of interest
 * (e.g. the tone a matcher looked for). Pure: PCM in, PNG bytes out (no text; the test result
 * message carries the numbers).
 *
 * @module
 */
import { powerSpectrum } from './analysis.ts'
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

/**
 * Draws the waveform and spectrum of `audio` as a PNG (see the module notes). Empty audio gives
 * empty panels.
 */
export function plotAudio(audio: PcmAudio, options: AudioPlotOptions = {}): Uint8Array {
  const width = Math.max(32, Math.min(4096, Math.round(options.width ?? 640)))
  const height = Math.max(32, Math.min(4096, Math.round(options.height ?? 240)))
  const r = new Raster(width, height)
  r.fill(BG)
  const panel = Math.floor((height - 3) / 2)
  const { samples, sampleRate } = audio
  // waveform: min/max per column
  const mid = panel / 2
  r.hline(Math.round(mid), 0, width - 1, AXIS)
  const n = samples.length
  if (n > 0) {
    for (let x = 0; x < width; x++) {
      const s0 = Math.floor((x * n) / width)
      const s1 = Math.max(s0 + 1, Math.floor(((x + 1) * n) / width))
      let lo = 32767
      let hi = -32768
      for (let i = s0; i < s1 && i < n; i++) {
        const v = samples[i] as number
        if (v < lo) lo = v
        if (v > hi) hi = v
      }
      r.vspan(x, mid - (hi / 32768) * mid, mid - (lo / 32768) * mid, WAVE)
    }
  }
  // separator
  r.hline(panel + 1, 0, width - 1, AXIS)
  // spectrum
  const top = panel + 3
  // the spectrum of (at most) the first 10 s keeps the picture cheap for long recordings
  const spec = n > 0 ? powerSpectrum(samples.subarray(0, Math.min(n, sampleRate * 10)), sampleRate) : undefined
  for (const hz of options.markHz ?? []) {
    const x = Math.round((hz / (sampleRate / 2)) * (width - 1))
    if (Number.isFinite(x)) r.vspan(x, top, height - 1, MARK)
  }
  if (spec !== undefined) {
    const { power } = spec
    const bins = power.length
    const col = new Float64Array(width)
    let max = Number.NEGATIVE_INFINITY
    for (let x = 0; x < width; x++) {
      const k0 = Math.floor((x * bins) / width)
      const k1 = Math.max(k0 + 1, Math.floor(((x + 1) * bins) / width))
      let p = 0
      for (let k = k0; k < k1 && k < bins; k++) p = Math.max(p, power[k] as number)
      col[x] = 10 * Math.log10(p + 1e-30)
      if ((col[x] as number) > max) max = col[x] as number
    }
    const range = 80
    const h = height - 1 - top
    let prevY: number | undefined
    for (let x = 0; x < width; x++) {
      const db = Math.max(max - range, col[x] as number)
      const y = top + h - ((db - (max - range)) / range) * h
      r.vspan(x, prevY ?? y, y, SPEC)
      prevY = y
    }
  }
  return encodePng(width, height, r.data)
}
