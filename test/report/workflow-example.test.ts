/**
 * The example GitHub Actions workflow in docs/examples parses as YAML and has the steps docs/ci.md describes.
 * `yaml` is not a dependency of rtcspec; it is in node_modules through Vite. Without it the test is skipped
 * (said on stderr), never faked.
 */
import { describe, it, expect } from 'vitest'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'

const root = join(import.meta.dirname, '..', '..')
let parse: ((text: string) => unknown) | undefined
try {
  parse = (createRequire(import.meta.url)('yaml') as { parse: (text: string) => unknown }).parse
} catch {
  process.stderr.write('[rtcspec] skipping the workflow YAML test: no YAML parser (package `yaml`) in node_modules\n')
}

describe.skipIf(parse === undefined)('docs/examples/github-workflow-whip-gate.yml', () => {
  it('parses and runs conformance, the specs with gates, and uploads reports/ always', () => {
    const wf = parse!(readFileSync(join(root, 'docs', 'examples', 'github-workflow-whip-gate.yml'), 'utf8')) as {
      on: unknown
      jobs: Record<
        string,
        {
          'runs-on': string
          container?: string
          env: Record<string, string>
          steps: Array<{ name?: string; uses?: string; run?: string; if?: string; with?: Record<string, unknown> }>
        }
      >
    }
    expect(wf.on).toBeTruthy()
    const job = wf.jobs.rtcspec!
    expect(job['runs-on']).toBe('ubuntu-latest')
    expect(job.env.WHIP_URL).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//)
    const runs = job.steps.map((s) => s.run ?? '').join('\n')
    expect(runs).toMatch(/apt-get install -y --no-install-recommends chromium ffmpeg/)
    expect(runs).toMatch(/npx rtcspec conformance whip --url "\$WHIP_URL"/)
    expect(runs).toMatch(/npx rtcspec run specs/)
    const upload = job.steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'))!
    expect(upload.if).toBe('always()')
    expect(String(upload.with?.path)).toMatch(/reports\//)
  })
})
