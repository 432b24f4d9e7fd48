import { describe, it, expect } from 'vitest'
import {
  escapeData,
  escapeProperty,
  githubAnnotations,
  githubStepSummary,
  workflowCommand,
  markdownCell,
  MAX_ANNOTATIONS,
} from '../../src/report/github-annotations.ts'
import { addSkipReasons, escapeXmlAttribute } from '../../src/report/junit-skip-reasons.ts'
import { classifyRun, infrastructureCodeOf } from '../../src/report/exit-class.ts'
import { parseRequirement } from '../../src/report/test-requirement.ts'
import { RunSummarySchema, type RunSummary, type TestSummary } from '../../src/report/run-summary.ts'

function t(name: string, state: TestSummary['state'], extra: Partial<TestSummary> = {}): TestSummary {
  return { id: `a.spec.ts::${name}`, file: 'a.spec.ts', name, state, durationMs: 1, errors: [], ...extra }
}

function summary(over: Partial<RunSummary> = {}): RunSummary {
  return RunSummarySchema.parse({
    schema: 'rtcspec.run-summary/v1',
    startedAt: '2026-01-01T00:00:00.000Z',
    endedAt: '2026-01-01T00:00:02.000Z',
    durationMs: 2000,
    environment: {},
    totals: { passed: 1, failed: 1, skipped: 1 },
    tests: [],
    callRecords: { file: 'call_records.jsonl', count: 2, invalid: [] },
    infrastructureErrors: [],
    exit: { class: 'test-failure', code: 1 },
    ...over,
  })
}

describe('workflow commands', () => {
  it('escape data and properties as @actions/core does', () => {
    expect(escapeData('50% done\r\nnext: a,b')).toBe('50%25 done%0D%0Anext: a,b')
    expect(escapeProperty('50% done\r\nnext: a,b')).toBe('50%25 done%0D%0Anext%3A a%2Cb')
    expect(workflowCommand('error', { file: 'x.spec.ts', line: 3, title: 'a: b, c' }, 'line 1\nline 2')).toBe(
      '::error file=x.spec.ts,line=3,title=a%3A b%2C c::line 1%0Aline 2',
    )
    expect(workflowCommand('notice', {}, 'hi')).toBe('::notice::hi')
  })

  it('annotate failed tests, SHOULD failures, broken gates and infrastructure errors', () => {
    const s = summary({
      tests: [
        t('ok', 'passed'),
        t('WHIP > whip.post.location [MUST RFC 9725 §4.2]', 'failed', {
          line: 7,
          requirement: { id: 'whip.post.location', level: 'MUST', document: 'RFC 9725', section: '4.2' },
          errors: [{ message: 'no Location header' }],
        }),
        t('WHIP > whip.options.preflight [SHOULD RFC 9725 §4.1]', 'skipped', {
          line: 9,
          requirement: { id: 'whip.options.preflight', level: 'SHOULD' },
          skipReason: 'SHOULD failed (not strict): 405',
        }),
        t('WHIP > whip.patch.unsupported [MUST RFC 9725 §4.3.1]', 'skipped', {
          requirement: { id: 'whip.patch.unsupported' },
          skipReason: 'not applicable: server supports PATCH',
        }),
      ],
      gates: {
        source: 'rtcspec.config.ts',
        passed: false,
        results: [
          { metric: 'audio.loss', threshold: '< 0.01', actual: 0.05, samples: 3, pass: false, worst: { callId: 'abcdef0123', test: 'a.spec.ts > lossy' } },
          { metric: 'mos', threshold: '> 3.8', actual: 4.3, samples: 3, pass: true },
        ],
      },
      infrastructureErrors: [{ message: 'b.spec.ts failed to load: boom', file: 'b.spec.ts', hint: 'fix it' }],
    })
    expect(githubAnnotations(s)).toEqual([
      '::error file=b.spec.ts,title=rtcspec infrastructure error::b.spec.ts failed to load: boom%0Ahint: fix it',
      '::error file=a.spec.ts,line=7,title=whip.post.location (MUST RFC 9725 §4.2)::no Location header',
      '::warning file=a.spec.ts,line=9,title=whip.options.preflight (SHOULD)::SHOULD failed (not strict): 405',
      '::error file=rtcspec.config.ts,title=rtcspec gate audio.loss < 0.01::gate audio.loss < 0.01 failed: worst 0.05 (5.00 %25) over 3 call(s) in a.spec.ts > lossy (call abcdef01)',
    ])
  })

  it('stop at the annotation limit with a notice', () => {
    const tests = Array.from({ length: 80 }, (_, i) => t(`t${i}`, 'failed', { errors: [{ message: 'x' }] }))
    const lines = githubAnnotations(summary({ tests }))
    expect(lines).toHaveLength(MAX_ANNOTATIONS)
    expect(lines.at(-1)).toBe('::notice title=rtcspec::31 more annotation(s) left out; see reports/summary.json')
  })

  it('write a markdown step summary with gates and failures, escaping table cells', () => {
    const md = githubStepSummary(
      summary({
        tests: [t('a | b\nc', 'failed', { line: 4, errors: [{ message: 'expected 1 to be 2\nmore' }] })],
        gates: {
          passed: false,
          results: [
            { metric: 'audio.loss', threshold: '< 0.01', actual: 0.05, samples: 3, pass: false, worst: { callId: 'abcdef0123' } },
            { metric: 'video.loss', threshold: '< 0.1', samples: 0, pass: false, note: 'no call record had a value' },
          ],
        },
      }),
    )
    expect(md).toContain('## rtcspec run: ❌ test-failure (exit 1)')
    expect(md).toContain('1 passed, 1 failed, 1 skipped · 2 call record(s) · 2.0 s')
    expect(md).toContain('| `audio.loss` | `< 0.01` | 0.05 (5.00 %) | 3 | call abcdef0123 | ❌ |')
    expect(md).toContain('| `video.loss` | `< 0.1` | — | 0 | no call record had a value | ❌ |')
    expect(md).toContain('| ❌ | a \\| b<br>c | a.spec.ts:4 | expected 1 to be 2 |')
    expect(markdownCell('x|y')).toBe('x\\|y')
  })
})

describe('JUnit skip reasons', () => {
  const xml = `<testsuite>
        <testcase classname="specs/a.spec.ts" name="WHIP &gt; whip.patch.unsupported [MUST RFC 9725 §4.3.1]" time="0.1">
            <skipped/>
        </testcase>
        <testcase classname="specs/a.spec.ts" name="other &amp; &quot;quoted&quot;" time="0">
            <skipped/>
        </testcase>
        <testcase classname="specs/a.spec.ts" name="no reason" time="0">
            <skipped/>
        </testcase>
</testsuite>`
  it('adds the reason of each skipped test, matched by file and full name', () => {
    const { xml: out, added } = addSkipReasons(xml, [
      t('WHIP > whip.patch.unsupported [MUST RFC 9725 §4.3.1]', 'skipped', { file: 'specs/a.spec.ts', skipReason: 'not applicable: <PATCH> & "stuff"' }),
      t('other & "quoted"', 'skipped', { file: 'specs/a.spec.ts', skipReason: 'line 1\nline 2' }),
      t('no reason', 'skipped', { file: 'specs/a.spec.ts' }),
      t('WHIP > whip.patch.unsupported [MUST RFC 9725 §4.3.1]', 'skipped', { file: 'specs/other.spec.ts', skipReason: 'wrong file' }),
    ])
    expect(added).toBe(2)
    expect(out).toContain('<skipped message="not applicable: &lt;PATCH&gt; &amp; &quot;stuff&quot;"/>')
    expect(out).toContain('<skipped message="line 1&#10;line 2"/>')
    expect(out.match(/<skipped\/>/g)).toHaveLength(1)
    expect(out).not.toContain('wrong file')
    expect(escapeXmlAttribute("a'\u0001b")).toBe('a&apos;b')
  })
})

describe('exit classes', () => {
  const pass = t('ok', 'passed')
  it('ok, gate failure, test failure, infrastructure: in that order of precedence', () => {
    expect(classifyRun({ tests: [pass], problems: [], invalidRecords: [], gatesPassed: true }).exit).toEqual({ class: 'ok', code: 0 })
    expect(classifyRun({ tests: [pass], problems: [], invalidRecords: [] }).exit).toEqual({ class: 'ok', code: 0 })
    expect(classifyRun({ tests: [pass], problems: [], invalidRecords: [], gatesPassed: false }).exit).toEqual({ class: 'gate-failure', code: 3 })
    const failed = t('bad', 'failed', { errors: [{ message: 'expected 1 to be 2' }] })
    expect(classifyRun({ tests: [pass, failed], problems: [], invalidRecords: [], gatesPassed: false }).exit).toEqual({ class: 'test-failure', code: 1 })
    expect(classifyRun({ tests: [pass], problems: [{ kind: 'hook', message: 'afterAll failed', file: 'a.spec.ts' }], invalidRecords: [] }).exit.class).toBe(
      'test-failure',
    )
    const load = classifyRun({
      tests: [failed],
      problems: [{ kind: 'load', message: 'b.spec.ts failed to load: x', file: 'b.spec.ts' }],
      invalidRecords: [],
      gatesPassed: false,
    })
    expect(load.exit).toEqual({ class: 'infrastructure', code: 4 })
    expect(load.infrastructureErrors).toEqual([{ message: 'b.spec.ts failed to load: x', file: 'b.spec.ts' }])
  })
  it('tool, port and runner problems are infrastructure; plain failures are not', () => {
    const tool = t('chromium call', 'failed', { errors: [{ message: 'Chromium not found at /x\n  hint: install it', code: 'TOOL_MISSING' }] })
    const r = classifyRun({ tests: [tool], problems: [], invalidRecords: [] })
    expect(r.exit.code).toBe(4)
    expect(r.infrastructureErrors[0]).toMatchObject({ code: 'TOOL_MISSING', hint: 'install it', test: 'a.spec.ts::chromium call' })
    expect(infrastructureCodeOf({ message: 'listen EADDRINUSE: address already in use 127.0.0.1:5060' })).toBe('EADDRINUSE')
    expect(infrastructureCodeOf({ message: 'sipp is required in CI (CI=true) but is not on PATH: sudo apt-get install sip-tester' })).toBe('TOOL_MISSING')
    expect(infrastructureCodeOf({ message: 'x', code: 'PROVIDER_UNAVAILABLE' })).toBe('PROVIDER_UNAVAILABLE')
    expect(infrastructureCodeOf({ message: 'timed out after 5000 ms waiting for 100 RTP packets', code: 'TIMEOUT' })).toBeUndefined()
    expect(classifyRun({ tests: [], problems: [], runnerError: 'config broke', invalidRecords: [] }).exit.code).toBe(4)
    // an unhandled error is a failure of the run's code, unless it names a machine problem
    expect(
      classifyRun({
        tests: [t('ok', 'passed')],
        problems: [{ kind: 'unhandled', message: 'unhandled error: x is not a function' }],
        invalidRecords: [],
        gatesPassed: false,
      }).exit.code,
    ).toBe(1)
    expect(
      classifyRun({
        tests: [t('ok', 'passed')],
        problems: [{ kind: 'unhandled', message: 'unhandled error: listen EADDRINUSE: address already in use' }],
        invalidRecords: [],
      }).exit.code,
    ).toBe(4)
    const bad = classifyRun({ tests: [pass], problems: [], invalidRecords: ['line 3: not JSON'] })
    expect(bad.exit.code).toBe(4)
    expect(bad.infrastructureErrors[0]!.code).toBe('INVALID_CALL_RECORDS')
  })
})

describe('requirement names', () => {
  it('parses conformance test names, with or without describe blocks', () => {
    expect(parseRequirement('WHIP conformance (embedded reference server) > whip.post.content-type [MUST RFC 9725 §4.2]')).toEqual({
      id: 'whip.post.content-type',
      level: 'MUST',
      document: 'RFC 9725',
      section: '4.2',
    })
    expect(parseRequirement('whep.patch.unsupported [MUST draft-ietf-wish-whep-04 §4.3.1]')).toEqual({
      id: 'whep.patch.unsupported',
      level: 'MUST',
      document: 'draft-ietf-wish-whep-04',
      section: '4.3.1',
    })
    expect(parseRequirement('bob hears alice [in a loud room]')).toBeUndefined()
    expect(parseRequirement('plain test')).toBeUndefined()
  })
})
