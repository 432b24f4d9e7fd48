/**
 * The conformance media checks with a Chromium peer (`rtcspec conformance … --peer chromium`): a real browser
 * publishes the tone (WHIP) or plays it (WHEP) through the embedded reference server, the tone is detected,
 * and the media fault still makes the check fail. No browser outlives the file.
 */
import { afterAll, describe, expect, test } from 'vitest'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { conformanceCommand } from '../../src/cli/conformance.ts'
import { formatTable } from '../../src/conformance/report.ts'
import { runConformance } from '../../src/conformance/runner.ts'
import { liveBrowserProcesses } from '../../src/peers/chromium/browser.ts'
import { waitFor } from '../../src/wait.ts'
import { startMediaServer } from '../../src/whip/media-server.ts'
import { requireTool } from '../support/requires.ts'

const noChromium = requireTool('chromium')

afterAll(async () => {
  if (!noChromium) await waitFor(() => liveBrowserProcesses().length === 0, { timeoutMs: 10_000, label: 'every Chromium of this file to exit', intervalMs: 50 })
})

describe.skipIf(noChromium)('media checks with --peer chromium', () => {
  test('WHIP: a Chromium publisher connects, sends, and its tone is detected at a Chromium WHEP viewer', async () => {
    await using srv = await startMediaServer()
    const report = await runConformance({ suite: 'whip', url: srv.whipUrl(), whepUrl: srv.whepUrl(), peer: 'chromium', only: ['whip.media'] })
    const r = report.results[0]
    expect(r?.status, formatTable(report)).toBe('pass')
    expect(r?.detail.measured).toMatchObject({ peer: 'chromium', viewer: 'chromium' })
    expect(Number(r?.detail.measured?.packetsSent)).toBeGreaterThanOrEqual(50)
    expect(Math.abs(Number(r?.detail.measured?.measuredHz) - 440)).toBeLessThanOrEqual(5)
    expect(report.options.peer).toBe('chromium')
  }, 90_000)

  test('WHEP: the CLI with --peer chromium publishes and plays through Chromium; the report says so', async () => {
    await using srv = await startMediaServer()
    const dir = mkdtempSync(join(tmpdir(), 'rtcspec-conf-chromium-'))
    try {
      let out = ''
      const code = await conformanceCommand(
        ['whep', '--url', srv.whepUrl(), '--publish-url', srv.whipUrl(), '--peer', 'chromium', '--only', 'whep.media', '--report-dir', dir],
        { out: (s) => (out += s), err: (s) => (out += s) },
      )
      expect(code, out).toBe(0)
      const report = JSON.parse(readFileSync(join(dir, 'conformance.json'), 'utf8')) as {
        options: { peer: string }
        results: Array<{ status: string; detail: { measured?: Record<string, unknown> } }>
      }
      expect(report.options.peer).toBe('chromium')
      expect(report.results[0]?.status).toBe('pass')
      expect(report.results[0]?.detail.measured).toMatchObject({ viewer: 'chromium' })
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }, 90_000)

  test('the media fault (wrong DTLS fingerprint) fails the Chromium media check', async () => {
    await using srv = await startMediaServer({ fault: 'whip.media' })
    const report = await runConformance({ suite: 'whip', url: srv.whipUrl(), peer: 'chromium', only: ['whip.media'] })
    expect(report.results[0]?.status, formatTable(report)).toBe('fail')
  }, 90_000)

  test('--peer with another value is a usage error (exit 2)', async () => {
    let err = ''
    expect(
      await conformanceCommand(['whip', '--url', 'http://127.0.0.1:9/whip/x', '--peer', 'firefox'], { out: () => undefined, err: (s) => (err += s) }),
    ).toBe(2)
    expect(err).toMatch(/--peer "firefox" must be werift or chromium/)
  })
})
