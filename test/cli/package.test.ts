/**
 * The package as a user installs it: built to dist/ (`scripts/build.mjs`), laid out under a fresh project's
 * node_modules/rtcspec with exactly the files package.json publishes, then a user's own spec file that
 * imports from 'rtcspec' runs through the installed `rtcspec run` — no TypeScript sources of rtcspec
 * involved (Node does not strip types under node_modules, so a package that pointed at src/ would fail here).
 */
import { spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const repo = resolve(import.meta.dirname, '../..')
const node = process.execPath
const work = mkdtempSync(join(tmpdir(), 'rtcspec-package-'))
const app = join(work, 'app')
const installed = join(app, 'node_modules', 'rtcspec')
afterAll(() => rmSync(work, { recursive: true, force: true }))

const USER_SPEC = `import { test, expect } from 'rtcspec'
import { detectTone } from 'rtcspec/media'

test('an installed rtcspec runs a b2b call from a user spec', async ({ b2b, tone }) => {
  expect(import.meta.resolve('rtcspec')).toContain('/node_modules/rtcspec/dist/index.js')
  expect(import.meta.resolve('rtcspec/media')).toContain('/node_modules/rtcspec/dist/entry/media.js')
  expect(typeof detectTone).toBe('function')
  const call = await b2b({ send: { a: tone(440), b: tone(880) } })
  await expect(call.b).toReceiveRtp({ packets: 50, within: '10s' })
  await expect(call.a).toReceiveRtp({ packets: 50, within: '10s' })
  expect(call.b).toHaveLossBelow(0.01)
})
`

beforeAll(() => {
  const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { files: string[] }
  const build = spawnSync(node, [join(repo, 'scripts', 'build.mjs'), '--out', join(installed, 'dist')], { encoding: 'utf8', timeout: 150_000 })
  if (build.status !== 0) throw new Error(`build failed (${build.status}):\n${build.stdout}\n${build.stderr}`)
  cpSync(join(repo, 'package.json'), join(installed, 'package.json'))
  for (const entry of pkg.files) if (entry !== 'dist' && !entry.startsWith('!')) cpSync(join(repo, entry), join(installed, entry), { recursive: true })
  // The package's dependencies, as npm would have installed them next to it.
  for (const dep of readdirSync(join(repo, 'node_modules'))) {
    if (dep === '.bin' || dep === 'rtcspec' || dep.startsWith('.')) continue
    symlinkSync(join(repo, 'node_modules', dep), join(app, 'node_modules', dep))
  }
  mkdirSync(join(app, 'specs'))
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'user-app', private: true, type: 'module' }))
  writeFileSync(join(app, 'specs', 'call.spec.ts'), USER_SPEC)
}, 180_000)

describe('the published package', () => {
  it('publishes the compiled code, its assets and typings, and no TypeScript sources', () => {
    expect(existsSync(join(installed, 'dist', 'index.js'))).toBe(true)
    expect(existsSync(join(installed, 'dist', 'index.d.ts'))).toBe(true)
    expect(existsSync(join(installed, 'dist', 'peers', 'chromium', 'page', 'peer.js'))).toBe(true)
    expect(existsSync(join(installed, 'src'))).toBe(false)
    // Declarations point at .js twins, so consumers need no allowImportingTsExtensions.
    const dts = readFileSync(join(installed, 'dist', 'net', 'reference.d.ts'), 'utf8')
    expect(dts).not.toMatch(/from '\.{1,2}\/[^']*\.ts'/)
  })

  it('carries the TypeScript sources inside the source maps (stack traces and debuggers show them)', () => {
    const map = JSON.parse(readFileSync(join(installed, 'dist', 'cli', 'run.js.map'), 'utf8')) as { sources: string[]; sourcesContent?: string[] }
    expect(map.sources).toHaveLength(1)
    expect(map.sources[0]).toMatch(/src\/cli\/run\.ts$/)
    expect(map.sourcesContent?.[0]).toContain('export async function runSpecs(')
  })

  it('ships every entry point package.json exports (typings and JavaScript), fast-check as fc in rtcspec/fuzz', async () => {
    const fuzz = readFileSync(join(installed, 'dist', 'entry', 'fuzz.d.ts'), 'utf8')
    expect(fuzz).toContain("export * as fc from 'fast-check'")
    const pkg = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as { exports: Record<string, string | { types: string; default: string }> }
    const entries = Object.entries(pkg.exports).filter((e): e is [string, { types: string; default: string }] => typeof e[1] === 'object')
    expect(entries.map(([key]) => key)).toContain('./reporter')
    for (const [key, target] of entries) {
      expect(existsSync(join(installed, target.types)), `${key} types`).toBe(true)
      expect(existsSync(join(installed, target.default)), `${key} default`).toBe(true)
    }
  })

  it('runs a user spec through the installed `rtcspec run`, writing a valid call record', () => {
    const r = spawnSync(node, [join(installed, 'bin', 'rtcspec.mjs'), 'run', 'specs', '--report-dir', join(app, 'reports')], {
      cwd: app,
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env, CI: process.env.CI ?? '', GITHUB_ACTIONS: '' },
    })
    const out = `${r.stdout}\n${r.stderr}`
    expect(r.status, out).toBe(0)
    expect(out).toMatch(/1 passed, 0 failed/)
    const records = readFileSync(join(app, 'reports', 'call_records.jsonl'), 'utf8')
      .trim()
      .split('\n')
    expect(records).toHaveLength(1)
    expect(JSON.parse(records[0] ?? '{}')).toMatchObject({ schema: 'rtcspec.call-record/v1', kind: 'webrtc-b2b', test: { result: 'passed' } })
  })
})
