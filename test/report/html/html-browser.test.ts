/**
 * The HTML report checked in a real browser: real calls (a werift back-to-back call with recordings, a SIP call
 * between two sip.js user agents over WebSocket, the WHIP conformance suite on the embedded server, a fuzz
 * counterexample found against the fragile server) go into a fresh report directory; `rtcspec report` renders
 * it; headless Chromium loads it and the key elements must render with no console error; a full-page screenshot
 * is saved next to it.
 */
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { checkReportInBrowser, generateHtmlReport, reportCommand } from '../../../src/cli/report.ts'
import { conformanceSuite } from '../../../src/dsl/conformance.ts'
import { openBackToBack, recordAndClose, sources } from '../../../src/calls/open.ts'
import { runCampaign } from '../../../src/fuzz/campaign.ts'
import { formatCampaignSummary, saveCounterexample } from '../../../src/fuzz/report.ts'
import { startFragileServer } from '../../../src/fuzz/targets/fragile-server.ts'
import { httpOfferTarget } from '../../../src/fuzz/targets/http-offer.ts'
import { CallRecordSchema } from '../../../src/peers/call-record.ts'
import { createSipUserAgent, startSipRegistrar } from '../../../src/sipua/index.ts'
import { requireTool } from '../../support/requires.ts'

// Set before any test runs: the conformance suite below saves its report into the report directory lazily.
const dir = mkdtempSync(join(tmpdir(), 'rtcspec-html-browser-'))
const previous = process.env.RTCSPEC_REPORT_DIR
process.env.RTCSPEC_REPORT_DIR = dir
afterAll(() => {
  if (previous === undefined) delete process.env.RTCSPEC_REPORT_DIR
  else process.env.RTCSPEC_REPORT_DIR = previous
  if (process.env.RTCSPEC_KEEP_REPORT) process.stdout.write(`report kept in ${dir}\n`)
  else rmSync(dir, { recursive: true, force: true })
})

const FILE = 'test/report/html/html-browser.test.ts'
const seed = Number(process.env.FC_SEED ?? 7)

// 1. The WHIP conformance suite on the embedded server (one test per requirement), saved under conformance/.
conformanceSuite('whip')

const skip = requireTool('chromium')
describe.skipIf(skip)('the HTML report of real calls, in headless Chromium', () => {
  it('2. a werift call with recordings writes a record with a per-second timeline', async () => {
    const call = await openBackToBack({ codec: 'PCMU', record: true, send: { a: sources.tone(440), b: sources.tone(1000) } })
    try {
      const [inA, inB] = await Promise.all([call.a.waitForTrack('audio', 5000), call.b.waitForTrack('audio', 5000)])
      // a little over 2 s of audio: at least three one-second buckets per direction
      await Promise.all([inA.waitForPackets(115, 8000), inB.waitForPackets(115, 8000)])
    } finally {
      await recordAndClose(call, 'webrtc-b2b', { file: FILE, name: 'werift call with recordings', result: 'passed' })
    }
    const records = readFileSync(join(dir, 'call_records.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => CallRecordSchema.parse(JSON.parse(l)))
    const rec = records.find((r) => r.test?.name === 'werift call with recordings')!
    for (const p of rec.peers) {
      const tl = p.rtp.inbound[0]?.timeline ?? []
      expect(tl.length, `${p.name} timeline`).toBeGreaterThanOrEqual(3)
      expect(tl.map((b) => b.second)).toEqual(tl.map((_, i) => i))
      // 50 packets a second of 160-byte PCMU in the full seconds
      expect(tl[1]!.packets).toBeGreaterThanOrEqual(40)
      expect(tl[1]!.bytes).toBe(tl[1]!.packets * 160)
      expect(tl.reduce((n, b) => n + b.packets, 0)).toBe(p.rtp.inbound[0]!.received)
    }
  }, 30_000)

  it('3. a SIP call between two sip.js user agents over WebSocket writes records with the SIP ladder', async () => {
    await using registrar = await startSipRegistrar()
    const transport = { kind: 'ws' as const, url: registrar.wsUrl }
    await using alice = await createSipUserAgent({ uri: 'sip:alice@rtcspec.test', transport })
    await using bob = await createSipUserAgent({ uri: 'sip:bob@rtcspec.test', transport })
    await bob.register()
    const incoming = bob.waitForIncoming(10_000)
    const calling = alice.call('sip:bob@rtcspec.test', { send: sources.tone(440) })
    const answered = await (await incoming).accept({ send: sources.tone(880) })
    const call = await calling
    await answered.peer.waitForTrack('audio', 5000).then((t) => t.waitForPackets(50, 5000))
    await call.hangup()
  }, 30_000)

  it('4. a fuzz campaign against the fragile server saves a counterexample', async () => {
    await using server = await startFragileServer()
    const r = await runCampaign(httpOfferTarget({ mode: 'sdp', url: server.url }), { seed, runs: 1000, seconds: 60 })
    expect(r.counterexample, formatCampaignSummary(r)).toBeDefined()
    saveCounterexample(r.counterexample!, { dir: join(dir, 'fuzz'), url: server.url, invariants: r.invariants })
  }, 90_000)

  it('5. the report renders every section in Chromium with no console error, and a screenshot is saved', async () => {
    await waitForSipRecords()
    // a hostile record (markup in the test name, SDP and SIP type) and a garbage line: escaped, and a warning
    const hostile = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'
    const good = readFileSync(join(dir, 'call_records.jsonl'), 'utf8').trim().split('\n')[0]!
    const evil = CallRecordSchema.parse({
      ...JSON.parse(good),
      id: 'evil',
      test: { file: FILE, name: hostile, result: 'failed' },
      signaling: [{ atMs: 1, from: hostile, to: 'b', type: hostile, sdp: hostile }],
    })
    appendFileSync(join(dir, 'call_records.jsonl'), `${JSON.stringify(evil)}\n{"garbage\n`)

    const out: string[] = []
    const code = await reportCommand(['--report-dir', dir], { out: (s) => out.push(s), err: (s) => out.push(s) })
    expect(code, out.join('')).toBe(0)
    expect(out.join('')).toMatch(/warning: call_records.jsonl line \d+ skipped/)
    const html = join(dir, 'index.html')
    const shot = join(dir, 'report-screenshot.png')
    const check = await checkReportInBrowser(html, { screenshot: shot })
    expect(check.consoleErrors).toEqual([])
    const c = check.counts
    // tests: the werift call and the hostile one (from the call records: no summary.json here)
    expect(c.tests).toBeGreaterThanOrEqual(2)
    expect(c.calls).toBeGreaterThanOrEqual(4) // b2b, 2 SIP legs, hostile
    expect(c.ladderRows).toBeGreaterThan(20) // offer/answer/candidates + INVITE/100/180/200/ACK/BYE/200 + HTTP exchanges
    expect(c.iceEvents).toBeGreaterThan(10)
    expect(c.chartSeries).toBeGreaterThanOrEqual(8) // 4 metrics × 2 directions of the werift call
    expect(c.chartPoints).toBeGreaterThanOrEqual(8 * 3)
    expect(c.audio).toBeGreaterThanOrEqual(2)
    expect(c.audioPlayable).toBe(c.audio)
    expect(c.spectrograms).toBe(c.audio)
    expect(c.waveforms).toBe(c.audio)
    expect(c.requirementRows).toBeGreaterThanOrEqual(30)
    expect(c.fuzzCases).toBe(1)
    expect(statSync(shot).size).toBeGreaterThan(50_000)
    expect(readFileSync(shot).subarray(1, 4).toString()).toBe('PNG')
  }, 120_000)

  it('6. nothing in the page came from the hostile record: no injected element ran or exists', async () => {
    const html = readFileSync(join(dir, 'index.html'), 'utf8')
    expect(html).not.toContain('<img src=x')
    expect(html).toContain('&lt;img src=x onerror=&quot;window.__pwned=1&quot;&gt;')
    const { acquireBrowser } = await import('../../../src/peers/chromium/browser.ts')
    const lease = await acquireBrowser()
    const page = await lease.browser.newPage()
    try {
      await page.goto(`file://${join(dir, 'index.html')}`, { waitUntil: 'load' })
      const probe = await page.evaluate(() => ({
        pwned: (window as unknown as { __pwned?: number }).__pwned,
        imgs: document.querySelectorAll('img[src="x"]').length,
        scripts: document.querySelectorAll('script').length,
      }))
      expect(probe).toEqual({ pwned: undefined, imgs: 0, scripts: 1 })
      // the failed-only filter hides passed tests and keeps the failed one
      const visible = await page.evaluate(() => {
        const box = document.getElementById('failed-only') as HTMLInputElement
        box.click()
        const shown = (sel: string): number => Array.from(document.querySelectorAll(sel)).filter((e) => (e as HTMLElement).offsetParent !== null).length
        return { passed: shown('.test.passed'), failed: shown('.test.failed') }
      })
      expect(visible.passed).toBe(0)
      expect(visible.failed).toBeGreaterThanOrEqual(1)
    } finally {
      await page.close()
      await lease.release()
    }
  }, 60_000)

  it('generateHtmlReport on a missing directory throws a message that says what to do', () => {
    const missing = join(dir, 'nope')
    expect(() => generateHtmlReport(missing)).toThrow(/does not exist \(run `rtcspec run` first/)
    expect(existsSync(missing)).toBe(false)
  })
})

/** The SIP user agents append their records when their calls end; wait until both legs are on disk. */
async function waitForSipRecords(): Promise<void> {
  const { waitFor } = await import('../../../src/wait.ts')
  await waitFor(
    () =>
      readFileSync(join(dir, 'call_records.jsonl'), 'utf8')
        .split('\n')
        .filter((l) => l.includes('"kind":"sip"')).length >= 2,
    { timeoutMs: 10_000, intervalMs: 50, label: 'two SIP call records in call_records.jsonl' },
  )
}
