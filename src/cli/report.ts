/**
 * `rtcspec report`: writes the HTML report (`<report dir>/index.html`) from a report directory, and optionally
 * opens it in headless Chromium to check that it renders (`--open-check`) and saves a full-page screenshot
 * (`--screenshot`). `rtcspec run` calls {@link generateHtmlReport} at its end.
 *
 * @module
 */
import { createReadStream, existsSync, mkdirSync, statSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import { dirname, extname, join, relative, resolve, sep } from 'node:path'
import { parseCommandArgs } from './args.ts'
import { writeFileAtomic } from '../atomic-write.ts'
import { collectReport, type CollectOptions } from '../report/collect.ts'
import { renderReport, type RenderOptions } from '../report/html/index.ts'

/** The `rtcspec report --help` text. */
export const REPORT_USAGE = `usage: rtcspec report [options]

Writes the HTML report (index.html: tests, calls with signaling ladder, ICE timeline, RTP plots and recordings,
conformance results, fuzz counterexamples) from a report directory. The page is self-contained and opens offline.

options:
  --report-dir DIR   the report directory to read (default: $RTCSPEC_REPORT_DIR or reports/)
  --out FILE         where to write the page (default: <report dir>/index.html)
  --open-check       open the page in headless Chromium and check it renders with no console errors
  --screenshot       also save a full-page screenshot to <report dir>/report-screenshot.png (implies --open-check)
  -h, --help         this text
`

/** What {@link generateHtmlReport} wrote. */
export interface GeneratedReport {
  /** The HTML file. */
  file: string
  /** Its size, bytes. */
  bytes: number
  /** Problems found while reading the directory (also shown at the top of the page). */
  warnings: string[]
  calls: number
  tests: number
}

/** Reads `reportDir` and writes the HTML report (default `<reportDir>/index.html`). */
export function generateHtmlReport(reportDir: string, options: { out?: string } & CollectOptions & RenderOptions = {}): GeneratedReport {
  const file = resolve(options.out ?? join(reportDir, 'index.html'))
  const data = collectReport(reportDir, { ...options, outFile: file })
  const html = renderReport(data, options)
  mkdirSync(dirname(file), { recursive: true })
  writeFileAtomic(file, html)
  return { file, bytes: Buffer.byteLength(html), warnings: data.warnings, calls: data.calls.length, tests: data.tests.length }
}

/** What the browser showed: element counts per key part of the report, console errors, failed loads. */
export interface BrowserCheck {
  url: string
  consoleErrors: string[]
  counts: {
    tests: number
    calls: number
    ladderRows: number
    iceEvents: number
    chartSeries: number
    chartPoints: number
    audio: number
    /** Audio elements whose source loaded with a positive duration. */
    audioPlayable: number
    spectrograms: number
    waveforms: number
    requirementRows: number
    fuzzCases: number
  }
  /** The screenshot written, when asked. */
  screenshot?: string
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.wav': 'audio/wav',
  '.png': 'image/png',
  '.json': 'application/json',
  '.pcap': 'application/vnd.tcpdump.pcap',
}

/** A loopback HTTP server for the files under `root` (read-only, nothing outside it). */
async function serveDir(root: string): Promise<{ server: Server; base: string }> {
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname)
    const file = resolve(root, `.${path}`)
    if ((file !== root && !file.startsWith(root + sep)) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end()
      return
    }
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' })
    createReadStream(file).pipe(res)
  })
  await new Promise<void>((ok, fail) => {
    server.once('error', fail)
    server.listen(0, '127.0.0.1', () => ok())
  })
  const addr = server.address()
  const port = typeof addr === 'object' && addr ? addr.port : 0
  return { server, base: `http://127.0.0.1:${port}` }
}

/**
 * Opens `htmlFile` in headless Chromium (the shared launcher, from a loopback HTTP origin serving the report
 * directory), waits for the audio elements to load their metadata (bounded), counts the key elements, collects
 * console errors and failed requests, and saves a full-page screenshot when `screenshot` is given.
 */
export async function checkReportInBrowser(htmlFile: string, options: { screenshot?: string; timeoutMs?: number; root?: string } = {}): Promise<BrowserCheck> {
  const file = resolve(htmlFile)
  const root = resolve(options.root ?? dirname(file))
  const timeoutMs = options.timeoutMs ?? 30_000
  const { acquireBrowser } = await import('../peers/chromium/browser.ts')
  const { server, base } = await serveDir(root)
  const lease = await acquireBrowser()
  const page = await lease.browser.newPage()
  const consoleErrors: string[] = []
  try {
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text())
    })
    page.on('pageerror', (e) => consoleErrors.push(`page error: ${e instanceof Error ? e.message : String(e)}`))
    page.on('requestfailed', (r) => consoleErrors.push(`request failed: ${r.url().slice(0, 120)} (${r.failure()?.errorText ?? '?'})`))
    await page.setViewport({ width: 1280, height: 900 })
    const url = `${base}/${relative(root, file).split(sep).map(encodeURIComponent).join('/')}`
    await page.goto(url, { waitUntil: 'load', timeout: timeoutMs })
    // every <audio> has loaded its metadata, or failed (bounded by the timeout)
    await page.waitForFunction(() => Array.from(document.querySelectorAll('audio')).every((a) => a.readyState >= 1 || a.error !== null), {
      timeout: timeoutMs,
      polling: 100,
    })
    const counts = await page.evaluate(() => {
      const n = (s: string): number => document.querySelectorAll(s).length
      const audios = Array.from(document.querySelectorAll('audio'))
      return {
        tests: n('.test'),
        calls: n('article.call'),
        ladderRows: n('.ladder .msg'),
        iceEvents: n('svg.ice-timeline .ice-event'),
        // charts uPlot drew (the report's script marks each data-rendered), with their series and data points
        chartSeries: Array.from(document.querySelectorAll('.uplot-chart[data-rendered]'))
          .filter((c) => c.querySelector('canvas'))
          .reduce((k, c) => k + Number(c.getAttribute('data-series') ?? 0), 0),
        chartPoints: Array.from(document.querySelectorAll('.uplot-chart[data-rendered]'))
          .filter((c) => c.querySelector('canvas'))
          .reduce((k, c) => k + Number(c.getAttribute('data-points') ?? 0), 0),
        audio: audios.length,
        audioPlayable: audios.filter((a) => a.readyState >= 1 && Number.isFinite(a.duration) && a.duration > 0).length,
        spectrograms: Array.from(document.querySelectorAll('img.spectrogram')).filter(
          (i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0,
        ).length,
        waveforms: n('svg.waveform polygon.wave'),
        requirementRows: n('tr.req'),
        fuzzCases: n('article.fuzz'),
      }
    })
    let screenshot: string | undefined
    if (options.screenshot) {
      screenshot = resolve(options.screenshot)
      mkdirSync(dirname(screenshot), { recursive: true })
      await page.screenshot({ path: screenshot as `${string}.png`, fullPage: true })
    }
    return { url, consoleErrors, counts, ...(screenshot ? { screenshot } : {}) }
  } finally {
    await page.close().catch(() => undefined)
    await lease.release()
    await new Promise<void>((ok) => server.close(() => ok()))
  }
}

/** The `report` subcommand. */
export async function reportCommand(argv: string[], io: { out?: (s: string) => void; err?: (s: string) => void } = {}): Promise<number> {
  const out = io.out ?? ((s: string) => process.stdout.write(s))
  const err = io.err ?? ((s: string) => process.stderr.write(s))
  const parsed = parseCommandArgs(
    'report',
    REPORT_USAGE,
    argv,
    {
      'report-dir': { type: 'string' },
      out: { type: 'string' },
      'open-check': { type: 'boolean' },
      screenshot: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    { allowPositionals: false, io: { out, err } },
  )
  if (typeof parsed === 'number') return parsed
  const v = parsed.values
  const dir = resolve(v['report-dir'] ?? process.env.RTCSPEC_REPORT_DIR ?? 'reports')
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    err(`rtcspec report: no report directory at ${dir}\n  hint: run \`rtcspec run\` first, or pass --report-dir DIR\n`)
    return 2
  }
  let report: GeneratedReport
  try {
    report = generateHtmlReport(dir, v.out ? { out: v.out } : {})
  } catch (e) {
    err(`rtcspec report: ${(e as Error).message}\n`)
    return 1
  }
  for (const w of report.warnings) err(`rtcspec report: warning: ${w}\n`)
  out(`rtcspec: HTML report ${report.file} (${report.tests} test(s), ${report.calls} call(s), ${(report.bytes / 1024).toFixed(0)} KiB)\n`)
  if (!v['open-check'] && !v.screenshot) return 0
  try {
    const check = await checkReportInBrowser(report.file, {
      root: dirname(report.file) === dir ? dir : commonRoot(dir, dirname(report.file)),
      ...(v.screenshot ? { screenshot: join(dir, 'report-screenshot.png') } : {}),
    })
    const c = check.counts
    out(
      `rtcspec: Chromium rendered ${c.tests} test(s), ${c.calls} call(s), ${c.ladderRows} ladder row(s), ${c.iceEvents} ICE event(s), ${c.chartSeries} plot series (${c.chartPoints} points), ${c.audioPlayable}/${c.audio} playable recording(s), ${c.spectrograms} spectrogram(s), ${c.requirementRows} requirement row(s), ${c.fuzzCases} fuzz case(s)\n`,
    )
    if (check.screenshot) out(`rtcspec: screenshot ${check.screenshot}\n`)
    if (check.consoleErrors.length) {
      err(`rtcspec report: ${check.consoleErrors.length} console error(s) in the browser:\n  ${check.consoleErrors.join('\n  ')}\n`)
      return 1
    }
    return 0
  } catch (e) {
    err(
      `rtcspec report: the browser check failed: ${(e as Error).message}\n  hint: it needs Chromium (sudo bash scripts/install-system-deps.sh; \`rtcspec doctor\` checks)\n`,
    )
    return 4
  }
}

/** The deepest folder holding both `a` and `b`. */
function commonRoot(a: string, b: string): string {
  const x = a.split(sep)
  const y = b.split(sep)
  let i = 0
  while (i < x.length && i < y.length && x[i] === y[i]) i++
  return x.slice(0, i).join(sep) || sep
}

/**
 * The end of `rtcspec run`: writes `<reportDir>/index.html` and prints where it is. Never throws: a failure is a
 * warning on stderr, so the run's exit code and its other reports are unaffected.
 */
export function writeRunHtmlReport(reportDir: string, io: { out?: (s: string) => void; err?: (s: string) => void } = {}): GeneratedReport | undefined {
  const out = io.out ?? ((s: string) => process.stdout.write(s))
  const err = io.err ?? ((s: string) => process.stderr.write(s))
  try {
    const r = generateHtmlReport(reportDir)
    out(`rtcspec: HTML report ${r.file}${r.warnings.length ? ` (${r.warnings.length} warning(s) shown at its top)` : ''}\n`)
    return r
  } catch (e) {
    err(
      `rtcspec: warning: the HTML report could not be written: ${e instanceof Error ? e.message : String(e)} (the run's result and its other reports are unaffected)\n`,
    )
    return undefined
  }
}
