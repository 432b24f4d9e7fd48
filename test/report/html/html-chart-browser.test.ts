/**
 * The report's charts in Chromium: uPlot draws them from the inlined script, hovering shows the values at
 * the cursor, dragging zooms into a span and a double click zooms back out; a one-second call is a line.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Page } from 'puppeteer-core'
import { acquireBrowser, type BrowserLease } from '../../../src/peers/chromium/browser.ts'
import { CHART_INIT_JS, lineChart, uplotScript, uplotStyles } from '../../../src/report/html/chart.ts'

let lease: BrowserLease | undefined
let page: Page | undefined

beforeAll(async () => {
  lease = await acquireBrowser()
  page = await lease.browser.newPage()
  await page.setViewport({ width: 900, height: 700 })
  const chart = lineChart(
    [
      {
        label: 'a → b audio',
        points: [
          [0, 50],
          [1, 48],
          [2, 50],
          [3, 50],
        ],
        end: 4,
      },
      { label: 'b → a audio', points: [[0, 20]], end: 1 },
    ],
    { title: 'packets received', unit: 'packets/s' },
  )
  await page.setContent(
    `<!doctype html><html><head><style>${uplotStyles()}</style></head><body>${chart}<script>${uplotScript()}\n${CHART_INIT_JS}</script></body></html>`,
    { waitUntil: 'load' },
  )
}, 60_000)

afterAll(async () => {
  await page?.close()
  await lease?.release()
})

async function over(): Promise<{ x: number; y: number; width: number; height: number }> {
  const box = await (await page!.$('.uplot-chart .u-over'))!.boundingBox()
  return box!
}

describe('report charts in the browser (uPlot)', () => {
  it('are drawn into a canvas, from the inlined script alone', async () => {
    const drawn = await page!.evaluate(() => ({
      rendered: document.querySelectorAll('.uplot-chart[data-rendered] canvas').length,
      range: document.querySelector('.uplot-chart')!.getAttribute('data-x-range'),
    }))
    expect(drawn.rendered).toBe(1)
    expect(drawn.range).toBe('0,4')
  })

  it("hovering shows each series' value at the cursor in the legend, with its unit", async () => {
    const b = await over()
    await page!.mouse.move(b.x + b.width * 0.1, b.y + b.height / 2) // at x ≈ 0.4 s: inside the one-second series too
    const values = await page!.$$eval('.uplot-chart .u-legend .u-series .u-value', (els) => els.map((e) => e.textContent))
    expect(values).toEqual([expect.stringMatching(/ s$/), '50 packets/s', '20 packets/s'])
  })

  it('dragging across the plot zooms into that span; a double click zooms back out', async () => {
    const b = await over()
    await page!.mouse.move(b.x + b.width * 0.25, b.y + b.height / 2)
    await page!.mouse.down()
    await page!.mouse.move(b.x + b.width * 0.75, b.y + b.height / 2, { steps: 5 })
    await page!.mouse.up()
    const [min, max] = (await page!.$eval('.uplot-chart', (e) => e.getAttribute('data-x-range')))!.split(',').map(Number)
    expect(min).toBeCloseTo(1, 0)
    expect(max).toBeCloseTo(3, 0)
    await page!.mouse.click(b.x + b.width / 2, b.y + b.height / 2, { clickCount: 2 })
    expect(await page!.$eval('.uplot-chart', (e) => e.getAttribute('data-x-range'))).toBe('0,4')
  })
})
