/**
 * Pictures of a recording for the HTML report: the waveform as inline SVG (min/max envelope per column) and a
 * spectrogram (time × frequency, dB, 0 Hz … 8 kHz or Nyquist) as a PNG data URI. Pure: PCM in, markup out.
 *
 * @module
 */
import { fft, hannWindow } from '../../media/fft.ts'
import { encodePng } from '../../media/png.ts'
import type { PcmAudio } from '../../media/types.ts'
import { esc, num } from './escape.ts'

/** Left and bottom margins of the waveform: amplitude ticks, and time ticks with the axis title. */
const WAVE_LEFT = 30
const WAVE_BOTTOM = 26

/**
 * The waveform of `audio` as an SVG (min/max envelope per column) with its axes: amplitude in full scale (+1, 0,
 * −1) on the left, time in seconds (0, half, end) below, and the axis titles.
 */
export function waveformSvg(audio: PcmAudio, options: { width?: number; height?: number; label?: string } = {}): string {
  const width = options.width ?? 640
  const height = Math.max(WAVE_BOTTOM + 20, options.height ?? 110)
  const plotW = width - WAVE_LEFT - 6
  const plotH = height - WAVE_BOTTOM - 4
  const top0 = 4
  const n = audio.samples.length
  const mid = top0 + plotH / 2
  const half = plotH / 2
  const cols = Math.max(1, Math.min(plotW, n))
  const top: string[] = []
  const bottom: string[] = []
  for (let c = 0; c < cols; c++) {
    const s0 = Math.floor((c * n) / cols)
    const s1 = Math.max(s0 + 1, Math.floor(((c + 1) * n) / cols))
    let lo = 0
    let hi = 0
    for (let i = s0; i < s1 && i < n; i++) {
      const v = audio.samples[i] ?? 0
      if (v < lo) lo = v
      if (v > hi) hi = v
    }
    const x = WAVE_LEFT + ((c + 0.5) * plotW) / cols
    top.push(`${x.toFixed(1)},${(mid - (hi / 32768) * half).toFixed(1)}`)
    bottom.push(`${x.toFixed(1)},${(mid - (lo / 32768) * half).toFixed(1)}`)
  }
  const seconds = audio.sampleRate > 0 ? n / audio.sampleRate : 0
  const body =
    n === 0
      ? `<text class="chart-empty" x="${WAVE_LEFT + plotW / 2}" y="${mid}" text-anchor="middle">empty recording</text>`
      : `<polygon class="wave" points="${[...top, ...bottom.reverse()].join(' ')}"/>`
  const base = top0 + plotH
  const xTicks = [0, 0.5, 1]
    .map((f) => {
      const x = WAVE_LEFT + f * plotW
      const anchor = f === 0 ? 'start' : f === 1 ? 'end' : 'middle'
      return `<line class="frame" x1="${x}" x2="${x}" y1="${base}" y2="${base + 3}"/><text class="tick" x="${x}" y="${base + 13}" text-anchor="${anchor}">${esc(num(f * seconds, 2))}</text>`
    })
    .join('')
  const yTicks = [
    ['+1', top0 + 8],
    ['0', mid + 4],
    ['−1', base],
  ]
    .map(([t, y]) => `<text class="tick" x="${WAVE_LEFT - 4}" y="${y}" text-anchor="end">${t}</text>`)
    .join('')
  const axes = `<line class="frame" x1="${WAVE_LEFT}" x2="${WAVE_LEFT + plotW}" y1="${base}" y2="${base}"/><line class="frame" x1="${WAVE_LEFT}" x2="${WAVE_LEFT}" y1="${top0}" y2="${base}"/>${xTicks}${yTicks}<text class="tick" x="${WAVE_LEFT + plotW / 2}" y="${height - 2}" text-anchor="middle">time (s)</text><text class="tick" transform="translate(9 ${mid}) rotate(-90)" text-anchor="middle">amplitude</text>`
  return `<svg class="waveform" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${esc(`waveform${options.label ? ` of ${options.label}` : ''}`)}" data-samples="${n}"><line class="grid" x1="${WAVE_LEFT}" x2="${WAVE_LEFT + plotW}" y1="${mid}" y2="${mid}"/>${body}${axes}</svg>`
}

/**
 * A spectrogram picture with its axes: frequency in kHz on the left (0, half, top), time in seconds below
 * (0, half, end), and the axis titles; brightness is power in dB.
 */
export function spectrogramFigure(spec: Spectrogram, alt: string, pngBase64: string): string {
  const khz = spec.maxHz / 1000
  const y = [khz, khz / 2, 0].map((v) => `<span>${esc(num(v, 1))}</span>`).join('')
  const x = [0, spec.seconds / 2, spec.seconds].map((v) => `<span>${esc(num(v, 2))}</span>`).join('')
  return `<div class="spectro"><div class="spectro-y" style="height:${spec.height}px">${y}</div><div><img class="spectrogram" alt="${esc(alt)}" width="${spec.width}" height="${spec.height}" src="data:image/png;base64,${pngBase64}"><div class="spectro-x">${x}</div><div class="axis-note">time (s) → · frequency (kHz) ↑ · brighter = more power (dB)</div></div></div>`
}

/** Viridis-like colour map, dark (quiet) to bright (loud). */
const STOPS: ReadonlyArray<readonly [number, number, number]> = [
  [68, 1, 84],
  [59, 82, 139],
  [33, 145, 140],
  [94, 201, 98],
  [253, 231, 37],
]

function colour(t: number): readonly [number, number, number] {
  const x = Math.max(0, Math.min(1, t)) * (STOPS.length - 1)
  const i = Math.min(STOPS.length - 2, Math.floor(x))
  const f = x - i
  const a = STOPS[i] ?? [0, 0, 0]
  const b = STOPS[i + 1] ?? a
  return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f]
}

/** What {@link spectrogramPng} drew. */
export interface Spectrogram {
  /** PNG bytes. */
  png: Uint8Array
  width: number
  height: number
  /** Top of the frequency axis (Nyquist), Hz. */
  maxHz: number
  /** Duration covered, s. */
  seconds: number
}

/**
 * A spectrogram of `audio`: `width` time columns (one Hann-windowed FFT of `fftSize` samples each, centred on the
 * column), `height` frequency rows from 0 Hz (bottom) to `maxHz` (default 8 kHz, the speech band, or Nyquist when lower), colour = power in dB over an 80 dB range below
 * the loudest cell.
 */
export function spectrogramPng(audio: PcmAudio, options: { width?: number; height?: number; fftSize?: number; maxHz?: number } = {}): Spectrogram {
  const width = Math.max(16, Math.min(2048, Math.round(options.width ?? 640)))
  const height = Math.max(16, Math.min(1024, Math.round(options.height ?? 128)))
  const size = options.fftSize ?? (audio.sampleRate > 16000 ? 1024 : 256)
  const n = audio.samples.length
  const nyquist = audio.sampleRate / 2
  const maxHz = Math.max(1, Math.min(nyquist, options.maxHz ?? 8000))
  const bins = Math.max(1, Math.min(size / 2, Math.round((maxHz / Math.max(1, nyquist)) * (size / 2))))
  const win = hannWindow(size)
  const db = new Float64Array(width * height).fill(-Infinity)
  const re = new Float64Array(size)
  const im = new Float64Array(size)
  let peak = -Infinity
  if (n > 0) {
    for (let c = 0; c < width; c++) {
      const centre = Math.floor(((c + 0.5) * n) / width)
      const start = centre - size / 2
      for (let i = 0; i < size; i++) {
        const j = start + i
        re[i] = j >= 0 && j < n ? ((audio.samples[j] ?? 0) / 32768) * (win[i] ?? 0) : 0
        im[i] = 0
      }
      fft(re, im)
      for (let row = 0; row < height; row++) {
        // row 0 is the top (maxHz); each row covers a band of bins, take its maximum
        const b0 = Math.floor(((height - 1 - row) * bins) / height)
        const b1 = Math.max(b0 + 1, Math.floor(((height - row) * bins) / height))
        let p = 0
        for (let b = b0; b < b1 && b <= bins; b++) p = Math.max(p, (re[b] ?? 0) ** 2 + (im[b] ?? 0) ** 2)
        const v = 10 * Math.log10(p + 1e-20)
        db[row * width + c] = v
        if (v > peak) peak = v
      }
    }
  }
  const rgba = new Uint8Array(width * height * 4)
  for (let i = 0; i < width * height; i++) {
    const v = db[i] ?? -Infinity
    const [r, g, b] = Number.isFinite(v) && Number.isFinite(peak) ? colour((v - (peak - 80)) / 80) : (STOPS[0] ?? [0, 0, 0])
    rgba[i * 4] = Math.round(r)
    rgba[i * 4 + 1] = Math.round(g)
    rgba[i * 4 + 2] = Math.round(b)
    rgba[i * 4 + 3] = 255
  }
  return { png: encodePng(width, height, rgba), width, height, maxHz, seconds: audio.sampleRate > 0 ? n / audio.sampleRate : 0 }
}
