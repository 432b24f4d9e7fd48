/**
 * The HTML report renderer (pure: data in, HTML out). `collectReport` (src/report/collect.ts) reads a report
 * directory into {@link ReportData}; {@link renderReport} turns it into the self-contained page.
 *
 * @module
 */
export { renderReport, testAnchor, type RenderOptions } from './render.ts'
export { recordBelongsTo, type ReportData, type ReportRecording, type ReportTest } from './model.ts'
export { esc, anchorId } from './escape.ts'
export { chartData, lineChart, niceTicks, type ChartData, type ChartSeries, type LineChartOptions } from './chart.ts'
export { ladder, type LadderMessage } from './ladder.ts'
export { waveformSvg, spectrogramPng, type Spectrogram } from './audio-visuals.ts'
