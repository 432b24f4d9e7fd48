/**
 * `rtcspec run` end to end, as a child process in temporary directories with tiny fixture specs: the exit
 * classes (0 ok, 1 test failure, 2 usage, 3 gate failure, 4 infrastructure), the gate table, summary.json
 * validated by its schema, JUnit skip reasons and requirement names, GitHub annotations and step summary.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { execFile } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { RunSummarySchema, type RunSummary } from '../../src/report/run-summary.ts'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const node = join(root, '.tools', 'bin', 'node')
const bin = join(root, 'bin', 'rtcspec.mjs')

let tmp: string
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'rtcspec-run-gates-'))
})
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true })
})

/**
 * A project directory with the given files, where specs resolve `vitest` and `rtcspec` (to this checkout's
 * sources, as the repository's own vitest.config.ts does; the config file's `rtcspec` import is rtcspec's own business),
 * with generous test timeouts: the whole suite shares two cores.
 */
function project(name: string, files: Record<string, string>): string {
  const dir = join(tmp, name)
  mkdirSync(join(dir, 'node_modules'), { recursive: true })
  symlinkSync(join(root, 'node_modules', 'vitest'), join(dir, 'node_modules', 'vitest'))
  writeFileSync(
    join(dir, 'vitest.config.mjs'),
    `export default { resolve: { alias: [{ find: /^rtcspec$/, replacement: ${JSON.stringify(join(root, 'src', 'index.ts'))} }, { find: /^rtcspec\\/conformance$/, replacement: ${JSON.stringify(join(root, 'src', 'entry', 'conformance.ts'))} }] }, test: { testTimeout: 60000, hookTimeout: 60000 } }\n`,
  )
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, f)), { recursive: true })
    writeFileSync(join(dir, f), text)
  }
  return dir
}

interface Ran {
  code: number
  stdout: string
  stderr: string
  summary: RunSummary | undefined
  reports: string
}

/** Runs `rtcspec run` in `dir` (reports in `dir/reports-out`), outside any CI environment unless `env` says so. */
function run(dir: string, args: string[] = [], env: Record<string, string> = {}): Promise<Ran> {
  const reports = join(dir, 'reports-out')
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env }
  for (const k of ['GITHUB_ACTIONS', 'GITHUB_STEP_SUMMARY', 'RTCSPEC_REPORT_DIR', 'VITEST', 'VITEST_WORKER_ID', 'VITEST_POOL_ID', 'TEST', 'NODE_ENV'])
    if (!(k in env)) delete childEnv[k]
  return new Promise((done) => {
    execFile(
      node,
      [bin, 'run', '--report-dir', reports, ...args],
      { cwd: dir, env: childEnv, timeout: 200_000, maxBuffer: 16 << 20 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0
        const file = join(reports, 'summary.json')
        const summary = existsSync(file) ? RunSummarySchema.parse(JSON.parse(readFileSync(file, 'utf8'))) : undefined
        done({ code, stdout, stderr, summary, reports })
      },
    )
  })
}

const SHORT_CALL = `import { test, expect } from 'rtcspec'
test('short PCMU call', async ({ b2b, tone }) => {
  const call = await b2b({ send: { a: tone(440), b: tone(880) } })
  await expect(call.b).toReceiveRtp({ packets: 10, within: '5s' })
})
`

describe('rtcspec run: exit classes, gates, summary.json', () => {
  it('a passing run with a broken gate exits 3 with the table; --no-gates exits 0; JUnit has requirement names and skip reasons', async () => {
    const dir = project('gate-fails', {
      'call.spec.ts': SHORT_CALL,
      'note.spec.ts': `import { test } from 'vitest'\nimport { writeFileSync } from 'node:fs'\ntest('annotated', async ({ annotate }) => {\n  writeFileSync('note.txt', 'evidence')\n  await annotate('a note', 'rtcspec:evidence', { path: 'note.txt', contentType: 'text/plain' })\n})\n`,
      'conf.spec.ts': `import { conformanceSuite } from 'rtcspec/conformance'\nconformanceSuite('whip', { only: ['whip.post.content-type', 'whip.patch.unsupported'] })\n`,
      'rtcspec.config.ts': `import { defineConfig } from 'rtcspec/config'\nexport default defineConfig({ gates: { 'audio.loss': '< 0', mos: '> 3.8', 'setup.connectMs': '< 20000', 'video.loss': { threshold: '< 0.5', optional: true } } })\n`,
    })
    const r = await run(dir)
    expect(r.code, r.stderr).toBe(3)
    expect(r.stderr).toMatch(/rtcspec gates: 1 of 4 FAILED \(rtcspec\.config\.ts\)/)
    expect(r.stderr).toMatch(/metric\s+\| threshold \| worst\s+\| samples \| call\/test/)
    expect(r.stderr).toMatch(/audio\.loss\s+\| < 0\s+\| 0 \(0\.00 %\)\s+\| 1\s+\| call\.spec\.ts > short PCMU call \(call [0-9a-f]{8}\)\s+\| ✗/)
    expect(r.stdout).toMatch(/rtcspec: exit 3 \(a gate failed; all tests passed\)/)
    const s = r.summary!
    expect(s.exit).toEqual({ class: 'gate-failure', code: 3 })
    expect(s.gates?.passed).toBe(false)
    expect(s.gates?.source).toBe('rtcspec.config.ts')
    const byMetric = Object.fromEntries(s.gates!.results.map((g) => [g.metric, g]))
    expect(byMetric['audio.loss']).toMatchObject({ pass: false, actual: 0, samples: 1 })
    expect(byMetric['audio.loss']!.worst?.test).toMatch(/short PCMU call/)
    expect(byMetric.mos).toMatchObject({ pass: true, samples: 1 })
    expect(byMetric['video.loss']).toMatchObject({ pass: true, samples: 0 })
    expect(byMetric['video.loss']!.note).toMatch(/optional/)
    expect(s.callRecords.count).toBe(1)
    // every test, with file, line, requirement and skip reason
    const call = s.tests.find((t) => t.name === 'short PCMU call')!
    expect(call).toMatchObject({ file: 'call.spec.ts', state: 'passed', line: 2 })
    const annotated = s.tests.find((t) => t.name === 'annotated')!
    expect(annotated.annotations).toHaveLength(1)
    expect(annotated.annotations![0]).toMatchObject({ type: 'rtcspec:evidence', message: 'a note', contentType: 'text/plain' })
    expect(annotated.annotations![0]!.path).toMatch(/^attachments\/.*note.*\.txt$/)
    expect(readFileSync(join(r.reports, annotated.annotations![0]!.path!), 'utf8')).toBe('evidence')
    const content = s.tests.find((t) => t.requirement?.id === 'whip.post.content-type')!
    expect(content.requirement).toEqual({ id: 'whip.post.content-type', level: 'MUST', document: 'RFC 9725', section: '4.2' })
    const skipped = s.tests.filter((t) => t.state === 'skipped')
    expect(skipped.length).toBeGreaterThan(0)
    for (const t of skipped) expect(t.skipReason).toBeTruthy()
    // JUnit: requirement id and RFC section in the name; skipped tests carry their reason
    const xml = readFileSync(join(r.reports, 'junit.xml'), 'utf8')
    expect(xml).toContain('whip.post.content-type [MUST RFC 9725 §4.2]')
    const skips = [...xml.matchAll(/<skipped message="([^"]+)"\/>/g)].map((m) => m[1])
    expect(skips.length).toBe(skipped.length)
    expect(xml).not.toContain('<skipped/>')

    const again = await run(dir, ['--no-gates'])
    expect(again.code, again.stderr).toBe(0)
    expect(again.summary?.gates).toBeUndefined()
    expect(again.summary?.exit.class).toBe('ok')
  }, 300_000)

  it('a lossy call through the impairment relay breaks an audio.loss gate that includes impaired calls (exit 3)', async () => {
    const dir = project('lossy', {
      'lossy.spec.ts': `import { test, expect } from 'rtcspec'
test('20 % loss towards bob', async ({ b2b, tone }) => {
  const call = await b2b({ network: { seed: 11, toB: { loss: 0.2 } }, send: { a: tone(440), b: tone(880) } })
  await expect(call.b).toReceiveRtp({ packets: 40, within: '6s' })
})
`,
      'gates.json': JSON.stringify({ gates: { 'audio.loss': { threshold: '< 0.01', impaired: true }, 'audio.jitterMs': '< 1000' } }),
    })
    const r = await run(dir, ['--config', 'gates.json'])
    expect(r.code, r.stderr).toBe(3)
    const loss = r.summary!.gates!.results.find((g) => g.metric === 'audio.loss')!
    expect(loss.pass).toBe(false)
    expect(loss.actual).toBeGreaterThan(0.05)
    expect(loss.worst?.test).toMatch(/20 % loss towards bob/)
    expect(loss.note).toMatch(/worst: bob audio in/)
    // the default leaves impaired calls out: the jitter gate saw none and fails for lack of samples
    const jitter = r.summary!.gates!.results.find((g) => g.metric === 'audio.jitterMs')!
    expect(jitter).toMatchObject({ pass: false, samples: 0 })
    expect(jitter.note).toMatch(/1 impaired call\(s\) left out/)
    expect(r.stderr).toMatch(/audio\.loss .*✗/)
  }, 240_000)

  it('a failing test exits 1 even when a gate fails too, with GitHub annotations and the step summary', async () => {
    const dir = project('test-fails', {
      'fail.spec.ts': `import { test, expect } from 'vitest'\n\ntest('adds up, with a comma, and: a colon', () => {\n  expect(1 + 1).toBe(3)\n})\ntest('fine', () => {})\n`,
      'rtcspec.config.json': JSON.stringify({ gates: { mos: '> 3.8' } }),
    })
    const stepSummary = join(dir, 'step-summary.md')
    writeFileSync(stepSummary, '# before\n')
    const r = await run(dir, [], { GITHUB_ACTIONS: 'true', GITHUB_STEP_SUMMARY: stepSummary })
    expect(r.code, r.stderr).toBe(1)
    expect(r.summary!.exit).toEqual({ class: 'test-failure', code: 1 })
    expect(r.summary!.totals).toEqual({ passed: 1, failed: 1, skipped: 0 })
    const failed = r.summary!.tests.find((t) => t.state === 'failed')!
    expect(failed.line).toBe(3)
    expect(failed.errors[0]!.message).toMatch(/expected 2 to be 3/)
    expect(failed.errors[0]!.diff).toBeTruthy()
    // the gate saw no call: it fails, but the test failure decides the exit code
    expect(r.summary!.gates!.results[0]).toMatchObject({ metric: 'mos', pass: false, samples: 0 })
    expect(r.stdout).toContain('::error file=fail.spec.ts,line=3,title=adds up%2C with a comma%2C and%3A a colon::')
    expect(r.stdout).toMatch(/::error file=rtcspec\.config\.json,title=rtcspec gate mos > 3\.8::gate mos > 3\.8 failed: no samples/)
    const md = readFileSync(stepSummary, 'utf8')
    expect(md.startsWith('# before\n')).toBe(true)
    expect(md).toMatch(/## rtcspec run: ❌ test-failure \(exit 1\)/)
    expect(md).toMatch(/\| `mos` \| `> 3\.8` \| — \| 0 \|/)
    expect(md).toContain('adds up, with a comma, and: a colon')
  }, 240_000)

  it('a spec file that throws at import exits 4 (infrastructure), and the passing file still reports', async () => {
    const dir = project('import-throws', {
      'broken.spec.ts': `import { test } from 'vitest'\nthrow new Error('cannot set up: boom at import')\ntest('never', () => {})\n`,
      'ok.spec.ts': `import { test } from 'vitest'\ntest('ok', () => {})\n`,
    })
    const r = await run(dir)
    expect(r.code, r.stderr).toBe(4)
    const s = r.summary!
    expect(s.exit).toEqual({ class: 'infrastructure', code: 4 })
    expect(s.infrastructureErrors).toHaveLength(1)
    expect(s.infrastructureErrors[0]).toMatchObject({ file: 'broken.spec.ts' })
    expect(s.infrastructureErrors[0]!.message).toMatch(/broken\.spec\.ts failed to load: .*boom at import/)
    expect(s.tests.map((t) => [t.name, t.state])).toEqual([['ok', 'passed']])
    expect(r.stderr).toMatch(/infrastructure error/)
  }, 240_000)

  it('a test needing a tool that is missing (Chromium) exits 4 with the tool named', async () => {
    const dir = project('tool-missing', {
      'browser.spec.ts': `import { test } from 'rtcspec'\ntest('browser call', async ({ b2b }) => {\n  await b2b({ a: { kind: 'chromium' } })\n})\n`,
    })
    const r = await run(dir, [], { RTCSPEC_CHROMIUM: join(dir, 'no-such-chromium') })
    expect(r.code, r.stderr).toBe(4)
    const e = r.summary!.infrastructureErrors[0]!
    expect(e.code).toBe('TOOL_MISSING')
    expect(e.message).toMatch(/Chromium not found/)
    expect(e.hint).toMatch(/apt-get install chromium/)
    expect(r.summary!.tests[0]!.errors[0]!.code).toBe('TOOL_MISSING')
  }, 240_000)

  it('a malformed config exits 2 naming the key and the valid metrics, before running anything', async () => {
    const dir = project('bad-config', {
      'ok.spec.ts': `import { test } from 'vitest'\ntest('ok', () => {})\n`,
      'rtcspec.config.json': JSON.stringify({ gates: { 'audio.los': '< 0.01', mos: 'above 3.8' } }),
    })
    const r = await run(dir)
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/gates\.audio\.los: unknown metric "audio\.los"; valid metrics: audio\.loss, audio\.jitterMs, mos, setup\.connectMs/)
    expect(r.stderr).toMatch(/gates\.mos: malformed threshold/)
    expect(r.summary).toBeUndefined()
    const missing = await run(dir, ['--config', 'nope.ts'])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toMatch(/config file not found: nope\.ts/)
    const ts = project('bad-config-ts', { 'rtcspec.config.ts': `export default { gate: { mos: '> 3' } }\n` })
    const typo = await run(ts)
    expect(typo.code).toBe(2)
    expect(typo.stderr).toMatch(/Unrecognized key.*"gate"/)
  }, 240_000)

  it('docs/examples: the WHIP gate spec and config pass against the embedded reference server, with samples', async () => {
    const dir = project('whip-gate-example', {
      'specs/whip-gate.spec.ts': readFileSync(join(root, 'docs', 'examples', 'whip-gate.spec.ts'), 'utf8'),
      'rtcspec.config.ts': readFileSync(join(root, 'docs', 'examples', 'rtcspec.config.ts'), 'utf8'),
    })
    const r = await run(dir, ['specs'])
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0)
    const s = r.summary!
    expect(s.gates?.passed).toBe(true)
    for (const g of s.gates!.results) expect(g.samples, g.metric).toBeGreaterThanOrEqual(1)
    expect(s.tests.filter((t) => t.requirement?.document === 'RFC 9725').length).toBeGreaterThan(10)
    expect(s.callRecords).toMatchObject({ count: 2, invalid: [] }) // the whip and whep fixture sessions
  }, 300_000)

  it('no spec files is a usage error (exit 2), not a green run', async () => {
    const dir = project('empty', { 'specs/README.md': 'nothing here\n' })
    const r = await run(dir, ['specs'])
    expect(r.code, r.stdout + r.stderr).toBe(2)
    expect(r.summary?.exit.class).toBe('usage')
  }, 240_000)
})
