import { createHash } from 'node:crypto'
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import { encodeWav } from '../../../src/media/wav.ts'
import { CallRecordSchema, type CallRecord } from '../../../src/peers/call-record.ts'
import { collectReport } from '../../../src/report/collect.ts'
import { anchorId, chartData, esc, lineChart, niceTicks, renderReport, type ChartData, type ReportData } from '../../../src/report/html/index.ts'

/** The data of every chart in `html` (the JSON in each data-chart attribute). */
function chartsOf(html: string): ChartData[] {
  const unesc = (s: string) =>
    s.replace(/&(quot|#39|#96|lt|gt|amp);/g, (_, e: string) => ({ quot: '"', '#39': "'", '#96': '`', lt: '<', gt: '>', amp: '&' })[e] ?? '')
  return [...html.matchAll(/data-chart="([^"]*)"/g)].map((m) => JSON.parse(unesc(m[1]!)) as ChartData)
}
import { generateHtmlReport, reportCommand, writeRunHtmlReport } from '../../../src/cli/report.ts'
import { ConformanceReportSchema, type ConformanceReport } from '../../../src/conformance/report.ts'
import type { FuzzCaseFile } from '../../../src/fuzz/report.ts'

const seed = Number(process.env.FC_SEED ?? Date.now() % 2 ** 31)
console.log(`html report tests: seed ${seed} (set FC_SEED to replay)`)

const dirs: string[] = []
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'rtcspec-html-'))
  dirs.push(d)
  return d
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true })
})

/** A schema-valid call record with `s` in every free-text field the report shows. */
function record(s: string, overrides: Partial<CallRecord> = {}): CallRecord {
  const peer = (name: string) => ({
    name,
    kind: 'werift' as const,
    codecs: ['PCMU'],
    ice: {
      states: [{ atMs: 10, state: s }],
      gathering: [{ atMs: 5, state: 'complete' }],
      localCandidates: [{ atMs: 6, candidate: `candidate:1 1 udp 1 127.0.0.1 4000 typ host ${s}` }],
      remoteCandidates: [{ atMs: 7, candidate: s }],
      nominations: [{ atMs: 12, local: s, remote: '127.0.0.1:4001 host', protocol: 'udp' }],
      checks: [
        {
          local: s,
          remote: 'x',
          state: s,
          nominated: true,
          requestsSent: 1,
          responsesReceived: 1,
          requestsReceived: 1,
          responsesSent: 1,
          consentRequestsSent: 0,
        },
      ],
    },
    dtls: { states: [{ atMs: 11, state: 'connected' }] },
    connection: { states: [{ atMs: 11, state: 'connected' }] },
    rtp: {
      inbound: [
        {
          kind: 'audio' as const,
          mid: s,
          codec: { encoding: s, payloadType: 0, clockRate: 8000 },
          received: 100,
          unique: 100,
          expected: 102,
          lost: 2,
          lossFraction: 2 / 102,
          rfc3550CumulativeLost: 2,
          duplicates: 0,
          reordered: 0,
          jitterMs: 1.5,
          longestSeqGap: 1,
          longestArrivalGapMs: 40,
          firstArrivalMs: 100,
          bitrateBps: 64000,
          timeline: [
            { second: 0, packets: 50, bytes: 8000, lostSoFar: 0, jitterMs: 1 },
            { second: 1, packets: 50, bytes: 8000, lostSoFar: 2, jitterMs: 1.5 },
          ],
        },
      ],
      outbound: [{ kind: 'audio' as const, packetsSent: 100, bytesSent: 16000, lateTicks: 0 }],
    },
    errors: [{ atMs: 1, message: s }],
  })
  return CallRecordSchema.parse({
    schema: 'rtcspec.call-record/v1',
    id: `id-${s.length}`,
    kind: s,
    test: { file: 'specs/x.spec.ts', name: `${s} test`, result: 'failed' },
    startedAt: '2026-01-01T00:00:00.000Z',
    endedAt: '2026-01-01T00:00:02.000Z',
    durationMs: 2000,
    setup: { connectMs: 120 },
    peers: [peer('alice'), peer(s)],
    signaling: [
      { atMs: 1, from: 'alice', to: s, type: `INVITE ${s}`, sdp: `v=0\r\n${s}`, transport: s, raw: `INVITE ${s}\r\nVia: ${s}`, fromAddress: s, toAddress: s },
      { atMs: 2, from: s, to: 'alice', type: '200 OK', candidate: s, retransmission: 1, sincePreviousMs: 500, timer: s },
    ],
    extra: { note: s },
    errors: [{ peer: s, message: s }],
    ...overrides,
  })
}

function conformance(s: string): ConformanceReport {
  return ConformanceReportSchema.parse({
    schemaVersion: 1,
    tool: 'rtcspec',
    suite: 'whip',
    target: `http://127.0.0.1:1/whip/${s}`,
    documents: [{ name: 'RFC 9725', version: s }],
    startedAt: s,
    durationMs: 10,
    options: { media: false, strict: false, token: false },
    summary: { pass: 0, fail: 1, warn: 0, notApplicable: 0, mustFailures: 1, shouldFailures: 0 },
    results: [
      {
        id: `whip.${s}`,
        level: 'MUST',
        document: 'RFC 9725',
        section: s,
        text: s,
        status: 'fail',
        durationMs: 3,
        detail: {
          reason: s,
          exchanges: [
            {
              request: { method: 'POST', url: `http://127.0.0.1:1/${s}`, headers: { [s || 'x']: s }, body: s },
              response: { status: 500, headers: { 'content-type': s }, links: [s], body: s, elapsedMs: 2 },
            },
            { request: { method: s, url: s, headers: {} }, error: s },
          ],
          measured: { [s || 'k']: s },
        },
      },
    ],
  })
}

function fuzzCase(s: string): FuzzCaseFile {
  return {
    target: s,
    description: s,
    seed: 1,
    path: s,
    invariants: [s],
    input: { s },
    case: { kind: s, fields: { sdp: s, [s || 'k']: s } },
    outcome: { response: s, violations: [s] },
    replay: s,
    note: s,
  }
}

function data(s: string): ReportData {
  return {
    title: s,
    generatedAt: s,
    reportDir: s,
    warnings: [s],
    tests: [
      {
        id: s,
        file: s,
        name: s,
        state: 'failed',
        durationMs: 5,
        errors: [{ message: s, stack: s, diff: s }],
        requirement: { id: s, level: s, document: s, section: s },
        annotations: [{ type: s, message: s, path: s }],
      },
    ],
    testsFrom: 'call-records',
    calls: [record(s)],
    recordings: {},
    conformance: [{ source: s, report: conformance(s) }],
    fuzz: [{ source: s, file: fuzzCase(s) }],
  }
}

const TAGS = new Set(
  'html head meta title style body header h1 h2 h3 h5 span nav a label input main div ul li details summary b p section article pre table thead tbody tr th td svg text line rect polyline circle g polygon audio img blockquote code figure footer script'.split(
    ' ',
  ),
)
const ATTRS = new Set(
  'lang charset name content http-equiv class id href style title type placeholder role aria-label xmlns viewBox width height x y x1 x2 y1 y2 text-anchor dominant-baseline fill stroke stroke-width points r cx cy rx opacity open controls preload src alt'.split(
    ' ',
  ),
)

/**
 * A small HTML tokenizer (enough for what the renderer writes): every tag name and attribute name outside raw
 * text, and the number of script elements. Attribute values must be double-quoted (the renderer always quotes).
 */
function tokens(html: string): { tags: string[]; attrs: string[]; scripts: number } {
  const tags: string[] = []
  const attrs: string[] = []
  let scripts = 0
  let i = 0
  while (i < html.length) {
    const lt = html.indexOf('<', i)
    if (lt < 0) break
    if (html.startsWith('<!doctype', lt) || html.startsWith('<!DOCTYPE', lt)) {
      i = html.indexOf('>', lt) + 1
      continue
    }
    if (html.startsWith('<!--', lt)) throw new Error(`comment in the page at ${lt}`)
    const m = /^<\/?([A-Za-z][A-Za-z0-9-]*)/.exec(html.slice(lt, lt + 40))
    if (!m) throw new Error(`a bare "<" in the page at ${lt}: ${html.slice(lt, lt + 40)}`)
    const name = m[1]!
    tags.push(name)
    let j = lt + m[0].length
    // attributes
    for (;;) {
      while (/\s/.test(html[j] ?? '')) j++
      if (html[j] === '>' || html.startsWith('/>', j)) break
      if (j >= html.length) throw new Error('unterminated tag')
      const a = /^[^\s=>/]+/.exec(html.slice(j))
      if (!a) throw new Error(`bad attribute at ${j}: ${html.slice(j, j + 30)}`)
      attrs.push(a[0])
      j += a[0].length
      if (html[j] === '=') {
        if (html[j + 1] !== '"') throw new Error(`unquoted attribute ${a[0]} at ${j}`)
        const end = html.indexOf('"', j + 2)
        j = end + 1
      }
    }
    i = html.indexOf('>', j) + 1
    if (!m[0].startsWith('</') && (name === 'script' || name === 'style')) {
      if (name === 'script') scripts++
      const close = html.indexOf(`</${name}>`, i)
      i = close
    }
  }
  return { tags, attrs, scripts }
}

const hostile = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.constantFrom(
    '"><x-pwn onload=alert(1)>',
    "'><img src=x onerror=alert(1)>",
    '</pre><x-pwn>',
    '</script><script>alert(1)</script>',
    '<!--',
    '</style><x-pwn>',
    '` onmouseover=`x',
    '&lt;x-pwn&gt;',
    'javascript:alert(1)',
    '\u0000<\u2028>\ud800',
  ),
  fc.tuple(fc.string({ maxLength: 10 }), fc.constantFrom('<', '>', '"', "'", '&', '<x-pwn>', '</details>')).map(([a, b]) => `${a}${b}${a}`),
)

describe('escaping', () => {
  it('esc leaves no markup characters and decodes back to the input (minus control characters)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => {
        const e = esc(s)
        expect(e).not.toMatch(/[<>"'`]/)
        expect(e).not.toMatch(/&(?!(amp|lt|gt|quot|#39|#96);)/)
        const back = e.replace(/&(amp|lt|gt|quot|#39|#96);/g, (_, x: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", '#96': '`' })[x] ?? '')
        expect(back).toBe(
          s
            .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '')
            .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd'),
        )
      }),
      { seed, numRuns: 500 },
    )
  })

  it('no input in any field (SDPs, SIP, candidates, conformance bodies, fuzz cases, test names) can add a tag, an attribute or a script', () => {
    fc.assert(
      fc.property(hostile, (s) => {
        const html = renderReport(data(s))
        const t = tokens(html)
        expect(t.tags.filter((x) => !TAGS.has(x))).toEqual([])
        expect(t.attrs.filter((x) => !ATTRS.has(x) && !/^data-[a-z-]+$/.test(x))).toEqual([])
        expect(t.scripts).toBe(1)
        expect(html).not.toContain('<x-pwn')
      }),
      { seed, numRuns: 150 },
    )
  })

  it('the tokenizer used above does catch an injected tag and attribute (the property can fail)', () => {
    const html = renderReport(data('safe')).replace('<main>', '<main><x-pwn onload="1">')
    const t = tokens(html)
    expect(t.tags).toContain('x-pwn')
    expect(t.attrs).toContain('onload')
  })
})

describe('rendering', () => {
  it('a call shows its ladder, ICE timeline, plots with a point per second and both directions, conformance evidence and the fuzz case', () => {
    const html = renderReport(data('plain'))
    expect(html.match(/class="ladder-row msg/g)).toHaveLength(2 + 4) // 2 signaling + 2 exchanges × 2 arrows
    expect(html).toContain('class="ice-timeline"')
    const charts = chartsOf(html)
    expect(charts.map((c) => c.title)).toEqual(['packets received', 'loss', 'jitter', 'bitrate (payload)'])
    for (const c of charts) {
      expect(c.labels).toHaveLength(2) // both inbound streams
      expect(c.x).toEqual([0, 1, 2]) // a value per second, held to the end of its second
    }
    expect(html.match(/class="chart uplot-chart"[^>]*data-series="2" data-points="4"/g)).toHaveLength(4)
    expect(html).toContain('tr class="req failed"')
    expect(html).toContain('<article class="fuzz failed"')
    expect(html).toContain('id="call-id-5"')
    expect(html).toMatch(/id="failed-tests"><b class="bad">1 failed test\(s\)<\/b><ul><li><a href="#test-plain">plain<\/a>/)
    // the loss chart: 2 lost of 52 in second 1 → 3.85 %
    const loss = charts[1]!
    expect(loss.unit).toBe('% per s')
    expect(loss.y[0]!.map((v) => (v === null ? v : Number(v.toFixed(3))))).toEqual([0, 3.846, 3.846])
  })

  it('the failed-only filter hides passed parts: every test, call and file carries its state class', () => {
    const passing = {
      ...data('ok'),
      tests: [{ id: 'a', file: 'f.spec.ts', name: 'a', state: 'passed' as const, errors: [] }],
      calls: [record('ok', { test: { file: 'f.spec.ts', name: 'a', result: 'passed' }, errors: [] })],
    }
    passing.calls[0]!.peers.forEach((p) => (p.errors = []))
    const html = renderReport(passing)
    expect(html).toMatch(/<section class="file passed"/)
    expect(html).toMatch(/<div class="test passed"/)
    expect(html).toMatch(/<article class="call passed"/)
    expect(html).toContain('.failed-only .passed')
  })

  it('anchors are URL-safe and stay distinct for long names that differ only at the end', () => {
    const long = `specs/examples/a.spec.ts::${'x'.repeat(100)}`
    expect(anchorId('test', `${long}1`)).not.toBe(anchorId('test', `${long}2`))
    expect(anchorId('test', `${long}1`)).toMatch(/^test-[A-Za-z0-9_-]{1,80}$/)
    expect(anchorId('test', 'a b')).not.toBe(anchorId('test', 'a-b'))
    expect(anchorId('call', 'id-5')).toBe('call-id-5')
  })

  it('ICE restarts from extra.iceRestarts are tabled with the peer that restarted; malformed entries are ignored', () => {
    const base = record('r')
    const restarted = {
      ...base,
      extra: {
        iceRestarts: [
          {
            atMs: 910,
            by: 'a',
            signalingMs: 60,
            reconnectMs: 210,
            gapMs: 135,
            gaps: [{ track: 'bob.audio.in', gapMs: 135, method: 'packets' }],
            newUfrag: { a: true, b: true },
          },
        ],
      },
    }
    const html = renderReport({ ...data('x'), calls: [restarted] })
    expect(html).toMatch(/<table class="restarts">.*<td class="num">910 ms<\/td><td>alice<\/td>.*bob.audio.in: 135 ms \(packets\).*alice: yes, r: yes/)
    expect(renderReport({ ...data('x'), calls: [{ ...base, extra: { iceRestarts: 'nonsense' } }] })).not.toContain('class="restarts"')
  })

  it('line charts: ticks are round, empty series say no data', () => {
    expect(niceTicks(0, 47)).toEqual([0, 20, 40, 60])
    expect(niceTicks(0, 1)).toEqual([0, 0.25, 0.5, 0.75, 1])
    expect(lineChart([], { title: 't', unit: 'u' })).toContain('no data')
    expect(lineChart([{ label: 'a', points: [[0, NaN]] }], { title: 't', unit: 'u' })).toContain('no data')
  })

  it('chart data: series aligned on shared x values (null where a series has none), a one-second call a line across its second', () => {
    const one = chartData([{ label: 'a → b audio', points: [[0, 50]], end: 1 }], { title: 'packets received', unit: 'packets/s' })
    expect(one.x).toEqual([0, 1])
    expect(one.y).toEqual([[50, 50]]) // two ends of a line, not a lone dot
    const two = chartData(
      [
        {
          label: 'a',
          points: [
            [0, 1],
            [1, 2],
            [2, NaN],
          ],
          end: 1.6,
        },
        { label: 'b', points: [[0.5, 3]] },
      ],
      { title: 't', unit: 'u' },
    )
    expect(two.x).toEqual([0, 0.5, 1, 1.6])
    expect(two.y).toEqual([
      [1, null, 2, 2],
      [null, 3, null, null],
    ])
    expect(two.colors).toEqual(['#1f77b4', '#d62728'])
    // markup in a label stays data: escaped inside the attribute, restored by JSON.parse
    const html = lineChart([{ label: '<b onclick="x">', points: [[0, 1]] }], { title: 't', unit: 'u' })
    expect(html).not.toContain('<b onclick')
    expect(chartsOf(html)[0]!.labels).toEqual(['<b onclick="x">'])
  })

  it('uPlot is inlined once per report, not per chart, and only into a report with charts; the CSP hash covers the one script', () => {
    const html = renderReport(data('plain'))
    expect(chartsOf(html).length).toBeGreaterThan(1)
    expect(html.split('https://github.com/leeoniya/uPlot').length - 1).toBe(1)
    expect(html.match(/<script>/g)).toHaveLength(1)
    expect(html).toContain('.uplot, .uplot *')
    const script = /<script>([\s\S]*)<\/script>/.exec(html)![1]!
    expect(html).toContain(`sha256-${createHash('sha256').update(script).digest('base64')}`)
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href=/)
    const noCharts = renderReport({ ...data('plain'), calls: [] })
    expect(noCharts).not.toContain('leeoniya/uPlot')
  })
})

describe('collecting a report directory', () => {
  it('an empty directory gives a page with a warning and empty sections, not a crash', () => {
    const dir = tempDir()
    const r = generateHtmlReport(dir)
    expect(r.calls).toBe(0)
    expect(r.warnings.some((w) => w.includes('no summary.json'))).toBe(true)
    const html = renderReport(collectReport(dir))
    expect(html).toContain('no tests recorded')
    expect(html).toContain('no conformance reports')
  })

  it('garbage lines in call_records.jsonl and an invalid summary.json are warnings; the valid records are still shown', () => {
    const dir = tempDir()
    const good = record('fine')
    writeFileSync(
      join(dir, 'call_records.jsonl'),
      `${JSON.stringify(good)}\nnot json at all\n{"schema":"rtcspec.call-record/v1"}\n\n${JSON.stringify(record('two', { id: 'second' }))}\n`,
    )
    writeFileSync(join(dir, 'summary.json'), '{"schema":"something else"}')
    mkdirSync(join(dir, 'fuzz'))
    writeFileSync(join(dir, 'fuzz', 'broken.json'), '[1,2')
    writeFileSync(join(dir, 'fuzz', 'case.json'), JSON.stringify(fuzzCase('f')))
    mkdirSync(join(dir, 'conformance'))
    writeFileSync(join(dir, 'conformance', 'whip-1.json'), JSON.stringify(conformance('c')))
    const d = collectReport(dir)
    expect(d.calls.map((c) => c.id)).toEqual([good.id, 'second'])
    expect(d.warnings.find((w) => w.startsWith('call_records.jsonl line 2'))).toMatch(/not JSON/)
    expect(d.warnings.find((w) => w.startsWith('call_records.jsonl line 3'))).toMatch(/not a call record/)
    expect(d.warnings.some((w) => w.startsWith('summary.json does not match'))).toBe(true)
    expect(d.warnings.some((w) => w.startsWith('fuzz/broken.json skipped'))).toBe(true)
    expect(d.summary).toBeUndefined()
    expect(d.testsFrom).toBe('call-records')
    expect(d.tests.map((t) => t.name)).toEqual(['fine test', 'two test'])
    expect(d.fuzz).toHaveLength(1)
    expect(d.conformance).toHaveLength(1)
    const html = renderReport(d)
    expect(html).toContain('id="warnings"')
    expect(html).toContain('call_records.jsonl line 2 skipped')
  })

  it('with a valid summary: its tests are listed with their calls; conformance files from earlier runs are left out, earlier counterexamples collapsed', () => {
    const dir = tempDir()
    mkdirSync(join(dir, 'fuzz'))
    writeFileSync(join(dir, 'fuzz', 'old.json'), JSON.stringify(fuzzCase('old')))
    mkdirSync(join(dir, 'conformance'))
    writeFileSync(join(dir, 'conformance', 'whip-1.json'), JSON.stringify(conformance('old')))
    const rec = record('r', { test: { file: 'specs/x.spec.ts', name: 'specs/x.spec.ts > suite > it works', result: 'passed' } })
    writeFileSync(join(dir, 'call_records.jsonl'), `${JSON.stringify(rec)}\n`)
    const start = new Date(Date.now() + 60_000).toISOString() // the files above are older than this run
    const summary = {
      schema: 'rtcspec.run-summary/v1',
      startedAt: start,
      endedAt: start,
      durationMs: 0,
      environment: {},
      totals: { passed: 1, failed: 0, skipped: 1 },
      tests: [
        { id: 'specs/x.spec.ts::suite > it works', file: 'specs/x.spec.ts', name: 'suite > it works', state: 'passed', durationMs: 12, errors: [] },
        {
          id: 'specs/x.spec.ts::suite > skipped',
          file: 'specs/x.spec.ts',
          name: 'suite > skipped',
          state: 'skipped',
          durationMs: 0,
          skipReason: 'needs <chromium>',
          errors: [],
        },
      ],
      callRecords: { file: 'call_records.jsonl', count: 1, invalid: [] },
      gates: { passed: false, results: [{ metric: 'audio.loss', threshold: '< 0.01', actual: 0.02, samples: 1, pass: false, worst: { callId: rec.id } }] },
      infrastructureErrors: [],
      exit: { class: 'gate-failure', code: 3 },
    }
    writeFileSync(join(dir, 'summary.json'), JSON.stringify(summary))
    const d = collectReport(dir)
    expect(d.testsFrom).toBe('summary')
    expect(d.conformance).toHaveLength(0)
    expect(d.warnings.some((w) => /1 conformance report\(s\) in conformance\/ are older than this run/.test(w))).toBe(true)
    expect(d.fuzz.map((f) => f.earlier)).toEqual([true])
    const html = renderReport(d)
    expect(html).toContain('1 counterexample(s) saved before this run')
    expect(html).toContain('skipped: needs &lt;chromium&gt;')
    // the record's test name carries the file; it is still attached to the summary's test
    const testStart = html.indexOf('<b>suite &gt; it works</b>')
    expect(testStart).toBeGreaterThan(0)
    expect(html.indexOf(`id="call-${rec.id}"`)).toBeGreaterThan(testStart)
    expect(html).not.toContain('id="other-calls"')
    expect(html).toContain(`href="#call-${rec.id}"`) // the gate links its worst call
  })

  it('at the end of a run a report failure is only a warning (never a throw), and the command says what is wrong', async () => {
    const dir = tempDir()
    const notDir = join(dir, 'file')
    writeFileSync(notDir, 'x')
    const err: string[] = []
    expect(writeRunHtmlReport(notDir, { out: () => undefined, err: (s) => err.push(s) })).toBeUndefined()
    expect(err.join('')).toMatch(/warning: the HTML report could not be written: .*does not exist.*unaffected/)
    mkdirSync(join(dir, 'index.html')) // the page's path is taken by a folder
    err.length = 0
    expect(writeRunHtmlReport(dir, { out: () => undefined, err: (s) => err.push(s) })).toBeUndefined()
    expect(err.join('')).toMatch(/EISDIR/)
    const out: string[] = []
    expect(await reportCommand(['--report-dir', join(dir, 'nope')], { out: (s) => out.push(s), err: (s) => out.push(s) })).toBe(2)
    expect(out.join('')).toMatch(/no report directory at .*nope\n {2}hint: run `rtcspec run` first/)
    expect(await reportCommand(['--bogus'], { out: (s) => out.push(s), err: (s) => out.push(s) })).toBe(2)
  })

  it('recordings are embedded as data: URIs up to the cap, then linked with a note', () => {
    const dir = tempDir()
    const wav = (name: string): string => {
      const p = join(dir, 'recordings', name)
      mkdirSync(join(dir, 'recordings'), { recursive: true })
      const pcm = new Int16Array(8000).map((_, i) => Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 8000)))
      writeFileSync(p, encodeWav(pcm, 8000))
      return p
    }
    const a = wav('a.wav')
    const b = wav('b.wav')
    const rec = (p: string, id: string) => {
      const r = record('rec', { id })
      r.peers[0]!.recordings = [{ kind: 'audio', path: p, sampleRate: 8000, durationMs: 1000 }]
      return r
    }
    writeFileSync(
      join(dir, 'call_records.jsonl'),
      `${JSON.stringify(rec(a, 'one'))}\n${JSON.stringify(rec(b, 'two'))}\n${JSON.stringify(rec(join(dir, 'missing.wav'), 'three'))}\n`,
    )
    const d = collectReport(dir, { maxEmbedTotalBytes: 20_000 })
    expect(d.recordings[a]?.embed).toBe(true)
    expect(d.recordings[b]?.embed).toBe(false)
    expect(d.recordings[b]?.note).toMatch(/limit/)
    expect(d.recordings[b]?.href).toBe('recordings/b.wav')
    expect(d.recordings[join(dir, 'missing.wav')]?.note).toMatch(/not readable/)
    const html = renderReport(d)
    expect(html.match(/<audio controls preload="metadata" src="data:audio\/wav;base64,/g)).toHaveLength(1)
    expect(html).toContain('src="recordings/b.wav"')
    expect(html.match(/<img class="spectrogram"/g)).toHaveLength(2)
    expect(html.match(/<svg class="waveform"/g)).toHaveLength(2)
    // labelled axes: time and amplitude on the waveform, time and frequency ticks on the spectrogram
    expect(html.match(/>time \(s\)<\/text>/g)).toHaveLength(2)
    expect(html.match(/>amplitude<\/text>/g)).toHaveLength(2)
    expect(html.match(/<div class="spectro-y"[^>]*><span>\d/g)).toHaveLength(2)
    expect(html.match(/<div class="spectro-x"><span>0<\/span>/g)).toHaveLength(2)
    expect(html).toContain('frequency (kHz)')
  })
})
