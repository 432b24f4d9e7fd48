/**
 * Inline SVG line charts for the HTML report (no chart library): axes with rounded ticks, one polyline per
 * series, a dot with a tooltip per point (up to a bound), a legend. Pure: data in, SVG markup out.
 *
 * @module
 */
import { esc, num } from './escape.ts'

/** One line of a chart. */
export interface ChartSeries {
  label: string
  /** `[x, y]` pairs; non-finite values are skipped. */
  points: ReadonlyArray<readonly [number, number]>
}

/** Options of {@link lineChart}. */
export interface LineChartOptions {
  title: string
  /** Unit of the y axis, shown in the title and tooltips. */
  unit: string
  /** Label of the x axis. Default `s`. */
  xLabel?: string
  width?: number
  height?: number
}

/** Series colours (colour-blind-friendly order). */
export const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b', '#e377c2'] as const

/** Points drawn as dots (with a tooltip) per series at most; longer series are lines only. */
const MAX_DOTS = 400

/** Rounded tick values from the first at or above `lo` to the first at or above `hi` (about `count` of them). */
export function niceTicks(lo: number, hi: number, count = 4): number[] {
  if (!(hi > lo)) hi = lo + 1
  const raw = (hi - lo) / count
  const mag = 10 ** Math.floor(Math.log10(raw))
  const step = ([1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag)
  const ticks: number[] = []
  for (let t = Math.ceil(lo / step) * step, i = 0; t <= hi + step * 1e-9 && i < 50; t += step, i++) ticks.push(Number(t.toPrecision(12)))
  const last = ticks.at(-1)
  if (last === undefined || last < hi - step * 1e-9) ticks.push(Number(((last ?? Math.floor(lo / step) * step) + step).toPrecision(12)))
  return ticks
}

/** An SVG line chart of `series` (see the module notes). Empty series give a chart saying "no data". */
export function lineChart(series: ReadonlyArray<ChartSeries>, options: LineChartOptions): string {
  const width = options.width ?? 440
  const height = options.height ?? 170
  const left = 48
  const right = 10
  const top = 36
  const bottom = 28
  const pw = width - left - right
  const ph = height - top - bottom
  const clean = series.map((s) => ({ label: s.label, points: s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)) }))
  const all = clean.flatMap((s) => s.points)
  const head = `<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${esc(options.title)}"><text class="chart-title" x="${left}" y="14">${esc(options.title)} (${esc(options.unit)})</text>`
  if (all.length === 0) return `${head}<text class="chart-empty" x="${left + pw / 2}" y="${top + ph / 2}" text-anchor="middle">no data</text></svg>`
  let xMin = Math.min(...all.map((p) => p[0]))
  let xMax = Math.max(...all.map((p) => p[0]))
  if (xMax <= xMin) xMax = xMin + 1
  const yMin = Math.min(0, ...all.map((p) => p[1]))
  let yMax = Math.max(...all.map((p) => p[1]))
  if (yMax <= yMin) yMax = yMin + 1
  const yTicks = niceTicks(yMin, yMax)
  yMax = Math.max(yMax, yTicks.at(-1) ?? yMax)
  const xTicks = niceTicks(xMin, xMax, 6)
  xMin = Math.min(xMin, xTicks[0] ?? xMin)
  const sx = (x: number): number => left + ((x - xMin) / (xMax - xMin)) * pw
  const sy = (y: number): number => top + ph - ((y - yMin) / (yMax - yMin)) * ph
  const parts: string[] = [head]
  for (const t of yTicks) {
    const y = sy(t).toFixed(1)
    parts.push(`<line class="grid" x1="${left}" x2="${left + pw}" y1="${y}" y2="${y}"/><text class="tick" x="${left - 4}" y="${y}" text-anchor="end" dominant-baseline="middle">${esc(num(t, 3))}</text>`)
  }
  for (const t of xTicks) {
    if (t > xMax) continue
    const x = sx(t).toFixed(1)
    parts.push(`<line class="grid" x1="${x}" x2="${x}" y1="${top}" y2="${top + ph}"/><text class="tick" x="${x}" y="${top + ph + 12}" text-anchor="middle">${esc(num(t, 2))}</text>`)
  }
  parts.push(`<text class="tick" x="${left + pw}" y="${height - 2}" text-anchor="end">${esc(options.xLabel ?? 's')}</text>`)
  parts.push(`<rect class="frame" x="${left}" y="${top}" width="${pw}" height="${ph}"/>`)
  clean.forEach((s, i) => {
    const color = PALETTE[i % PALETTE.length]
    if (s.points.length === 0) return
    const d = s.points.map(([x, y]) => `${sx(x).toFixed(1)},${sy(y).toFixed(1)}`).join(' ')
    parts.push(`<polyline class="series" data-series="${esc(s.label)}" data-points="${s.points.length}" fill="none" stroke="${color}" stroke-width="1.6" points="${d}"/>`)
    if (s.points.length <= MAX_DOTS) {
      for (const [x, y] of s.points) {
        parts.push(`<circle class="pt" cx="${sx(x).toFixed(1)}" cy="${sy(y).toFixed(1)}" r="2" fill="${color}"><title>${esc(s.label)}: ${esc(num(y, 3))} ${esc(options.unit)} at ${esc(num(x, 2))} ${esc(options.xLabel ?? 's')}</title></circle>`)
      }
    }
  })
  // legend, in a row under the title
  let lx = left
  clean.forEach((s, i) => {
    parts.push(`<rect x="${lx}" y="20" width="9" height="9" fill="${PALETTE[i % PALETTE.length]}"/><text class="legend" x="${lx + 12}" y="28">${esc(s.label)}</text>`)
    lx += Math.min(220, 20 + s.label.length * 6)
  })
  parts.push('</svg>')
  return parts.join('')
}
