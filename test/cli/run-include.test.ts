/**
 * `rtcspec run FILE` in a project whose own vitest.config.ts has an `include` that does not match FILE runs
 * FILE anyway; when a setting Vitest cannot be overridden on (test.projects, test.exclude) hides it, the error
 * names that setting and the config file.
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { includeForPaths } from '../../src/cli/run.ts'

const repo = resolve(import.meta.dirname, '../..')
const work = mkdtempSync(join(tmpdir(), 'rtcspec-include-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

function project(name: string, vitestConfig: string): string {
  const dir = join(work, name)
  mkdirSync(join(dir, 'rtc'), { recursive: true })
  symlinkSync(join(repo, 'node_modules'), join(dir, 'node_modules'))
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, private: true, type: 'module' }))
  writeFileSync(join(dir, 'vitest.config.ts'), vitestConfig)
  writeFileSync(join(dir, 'rtc', 'call.spec.ts'), `import { test, expect } from 'vitest'\ntest('runs', () => { expect(1).toBe(1) })\n`)
  return dir
}

function run(cwd: string, args: string[]) {
  const r = spawnSync(process.execPath, [join(repo, 'bin', 'rtcspec.mjs'), 'run', ...args, '--no-gates'], {
    cwd,
    encoding: 'utf8',
    timeout: 90_000,
    env: { ...process.env, GITHUB_ACTIONS: '' },
  })
  return { code: r.status, out: `${r.stdout}\n${r.stderr}` }
}

describe('rtcspec run with the project own Vitest config', () => {
  it('runs a file (and a folder) the config include does not match', () => {
    const dir = project(
      'include',
      `import { defineConfig } from 'vitest/config'\nexport default defineConfig({ test: { include: ['test/unit/**/*.test.ts'] } })\n`,
    )
    const file = run(dir, ['rtc/call.spec.ts'])
    expect(file.code, file.out).toBe(0)
    expect(file.out).toMatch(/1 passed, 0 failed/)
    expect(JSON.parse(readFileSync(join(dir, 'reports', 'summary.json'), 'utf8'))).toMatchObject({ totals: { passed: 1 }, exit: { class: 'ok' } })
    const folder = run(dir, ['rtc'])
    expect(folder.code, folder.out).toBe(0)
  }, 120_000)

  it('names test.projects when the projects hide the file', () => {
    const dir = project(
      'projects',
      `import { defineConfig } from 'vitest/config'\nexport default defineConfig({ test: { projects: [{ test: { name: 'unit', include: ['test/**/*.test.ts'] } }] } })\n`,
    )
    const r = run(dir, ['rtc/call.spec.ts'])
    expect(r.code, r.out).toBe(2)
    expect(r.out).toContain('no spec files found in rtc/call.spec.ts: vitest.config.ts defines test.projects')
    expect(r.out).toContain('docs/vitest-config.md')
  }, 120_000)

  it('includeForPaths: a file as itself (glob characters escaped), a folder with the test-file pattern', () => {
    const cwd = repo
    expect(includeForPaths([], cwd)).toBeUndefined()
    expect(includeForPaths(['specs/examples'], cwd)).toEqual(['specs/examples/**/*.{test,spec}.?(c|m)[jt]s?(x)'])
    expect(includeForPaths(['specs/examples/b2b-audio.spec.ts'], cwd)).toEqual(['specs/examples/b2b-audio.spec.ts'])
    expect(includeForPaths(['x/[id].spec.ts'], cwd)).toEqual(['x/\\[id\\].spec.ts'])
  })
})
