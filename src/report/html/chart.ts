/**
 * Line charts of the HTML report, drawn in the browser by uPlot: hover shows every series' value at the
 * cursor in the legend, dragging across the plot zooms into that time span and a double click zooms out.
 * Each chart is a placeholder element carrying its data as JSON in an attribute (escaped, never markup);
 * the report inlines uPlot's script and CSS once ({@link uplotScript}, {@link uplotStyles}) and its own script
 * ({@link CHART_INIT_JS}) turns every placeholder into a chart. Nothing is fetched: the page stays
 * self-contained.
 *
 * Per-second values hold for their whole second, so series are drawn as steps: a value starts at its
 * bucket and lasts until the next one, and a series given an `end` draws its last value up to there — a
 * one-second call is a line across that second, not a lone dot.
 *
 * @module
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { esc } from './escape.ts'

/** One line of a chart. */
export interface ChartSeries {
  label: string
  /** `[x, y]` pairs, x ascending; non-finite values are skipped. */
  points: ReadonlyArray<readonly [number, number]>
  /** Where the last value ends (x), when it holds over an interval (a per-second rate: its second's end). */
  end?: number
}

/** Options of {@link lineChart}. */
export interface LineChartOptions {
  title: string
  /** Unit of the y axis, shown in the title, on the axis and with hovered values. */
  unit: string
  /** Label of the x axis. Default `s`. */
  xLabel?: string
  width?: number
  height?: number
}

/** Series colours (colour-blind-friendly order). */
export const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b', '#e377c2'] as const

/** What the browser draws: uPlot's aligned columns (one x column, one y column per series; null = no value) and labels. */
export interface ChartData {
  title: string
  unit: string
  xLabel: string
  width: number
  height: number
  labels: string[]
  colors: string[]
  /** Shared x values, ascending. */
  x: number[]
  /** One column per series, aligned with `x`. */
  y: Array<Array<number | null>>
}

/** Rounded tick values from the first at or above `lo` to the first at or above `hi` (about `count` of them). */
export function niceTicks(lo: number, hi: number, count = 4): number[] {
  if (!(hi > lo)) hi = lo + 1
  const raw = (hi - lo) / count
  const mag = 10 ** Math.floor(Math.log10(raw))
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag
  const ticks: number[] = []
  for (let t = Math.ceil(lo / step) * step, i = 0; t <= hi + step * 1e-9 && i < 50; t += step, i++) ticks.push(Number(t.toPrecision(12)))
  const last = ticks.at(-1)
  if (last === undefined || last < hi - step * 1e-9) ticks.push(Number(((last ?? Math.floor(lo / step) * step) + step).toPrecision(12)))
  return ticks
}

/** The columns uPlot draws for `series`: x values of every series merged, each series' last value repeated at its `end`. */
export function chartData(series: ReadonlyArray<ChartSeries>, options: LineChartOptions): ChartData {
  const clean = series.map((s) => {
    const points = s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)).map(([x, y]) => [x, y] as [number, number])
    const last = points.at(-1)
    if (last && s.end !== undefined && Number.isFinite(s.end) && s.end > last[0]) points.push([s.end, last[1]])
    return { label: s.label, points }
  })
  const x = [...new Set(clean.flatMap((s) => s.points.map(([px]) => px)))].sort((a, b) => a - b)
  const index = new Map(x.map((v, i) => [v, i]))
  const y = clean.map((s) => {
    const col: Array<number | null> = new Array<number | null>(x.length).fill(null)
    for (const [px, py] of s.points) col[index.get(px) as number] = py
    return col
  })
  return {
    title: options.title,
    unit: options.unit,
    xLabel: options.xLabel ?? 's',
    width: options.width ?? 440,
    height: options.height ?? 200,
    labels: clean.map((s) => s.label),
    colors: clean.map((_, i) => PALETTE[i % PALETTE.length] as string),
    x,
    y,
  }
}

/**
 * A chart of `series` (see the module notes): a placeholder the report's script draws with uPlot.
 * Empty series give a chart saying "no data".
 */
export function lineChart(series: ReadonlyArray<ChartSeries>, options: LineChartOptions): string {
  const data = chartData(series, options)
  const title = `${options.title} (${options.unit})`
  if (data.x.length === 0) return `<div class="chart chart-empty" role="img" aria-label="${esc(title)}"><b>${esc(title)}</b><p class="muted">no data</p></div>`
  const points = series.reduce((n, s) => n + s.points.filter(([px, py]) => Number.isFinite(px) && Number.isFinite(py)).length, 0)
  return `<div class="chart uplot-chart" role="img" aria-label="${esc(title)}" data-series="${data.labels.length}" data-points="${points}" data-chart="${esc(JSON.stringify(data))}" style="min-height:${data.height}px;width:${data.width}px"></div>`
}

const require = createRequire(import.meta.url)
let uplot: { js: string; css: string } | undefined

function loadUplot(): { js: string; css: string } {
  uplot ??= {
    js: readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8'),
    css: readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'),
  }
  return uplot
}

/** uPlot's browser build (defines the global `uPlot`), read from the installed package on first use. */
export function uplotScript(): string {
  return loadUplot().js
}

/** uPlot's stylesheet. */
export function uplotStyles(): string {
  return loadUplot().css
}

/**
 * Turns every `.uplot-chart` placeholder into a uPlot chart; marks each drawn one `data-rendered` and keeps
 * the shown x range in `data-x-range` (`min,max`, updated on zoom). Runs after uPlot's script.
 */
export const CHART_INIT_JS = `
(function () {
  if (typeof uPlot === 'undefined') return;
  var els = document.querySelectorAll('.uplot-chart[data-chart]');
  for (var i = 0; i < els.length; i++) {
    var el = els[i];
    var d;
    try { d = JSON.parse(el.getAttribute('data-chart')); } catch (e) { continue; }
    var fmt = function (unit) { return function (u, v) { return v == null ? '\\u2013' : (+v.toPrecision(4)) + ' ' + unit; }; };
    var series = [{ label: d.xLabel, value: fmt(d.xLabel) }];
    for (var k = 0; k < d.labels.length; k++) {
      series.push({ label: d.labels[k], stroke: d.colors[k], width: 1.6, spanGaps: true, paths: uPlot.paths.stepped({ align: 1 }), points: { show: false }, value: fmt(d.unit) });
    }
    el.textContent = '';
    el.style.minHeight = '';
    new uPlot({
      title: d.title + ' (' + d.unit + ')',
      width: d.width,
      height: d.height,
      scales: { x: { time: false } },
      cursor: { drag: { x: true, y: false }, points: { size: 6 } },
      axes: [{ label: d.xLabel, size: 34 }, { label: d.unit, size: 50 }],
      series: series,
      hooks: { setScale: [(function (target) { return function (u, key) { if (key === 'x') target.setAttribute('data-x-range', u.scales.x.min + ',' + u.scales.x.max); }; })(el)] }
    }, [d.x].concat(d.y), el);
    el.setAttribute('data-rendered', '');
  }
})();
`
