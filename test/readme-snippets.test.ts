/**
 * Every ```ts block of the README and of the user guides compiles against the package: each block is written to
 * its own module, `rtcspec` and every `rtcspec/<entry>` of package.json's exports mapped to the sources through
 * tsconfig paths, and type checked with tsc under the repository's compiler options. The README also stays a front page: short, and with
 * the two commands of rtcspec's own checkout that CI runs.
 */
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'

const repo = resolve(import.meta.dirname, '..')
const DOCS = [
  'README.md',
  'docs/getting-started.md',
  'docs/writing-specs.md',
  'docs/vitest-config.md',
  'docs/migration.md',
  'docs/sip.md',
  'docs/services.md',
  'docs/audio-analysis.md',
  'docs/call-records.md',
  'docs/ci.md',
  'docs/load.md',
  'docs/reference-server.md',
  'docs/fuzzing.md',
]

/** The package's entry points as tsconfig paths: `rtcspec`, `rtcspec/peers`, … → their sources. */
function entryPaths(): Record<string, string[]> {
  const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { exports: Record<string, string | Record<string, string>> }
  return Object.fromEntries(
    Object.entries(pkg.exports).flatMap(([key, target]) =>
      typeof target === 'object' && target['rtcspec-source'] ? [[`rtcspec${key.slice(1)}`, [join(repo, target['rtcspec-source'])]]] : [],
    ),
  )
}

/** The ```ts blocks of a markdown text, with the line each starts on. */
export function tsBlocks(markdown: string): Array<{ line: number; code: string }> {
  const blocks: Array<{ line: number; code: string }> = []
  const lines = markdown.split('\n')
  for (let i = 0; i < lines.length; i++) {
    if (!/^```(ts|typescript)\s*$/.test(lines[i] ?? '')) continue
    const start = i + 1
    let end = start
    while (end < lines.length && !/^```\s*$/.test(lines[end] ?? '')) end++
    blocks.push({ line: start + 1, code: lines.slice(start, end).join('\n') })
    i = end
  }
  return blocks
}

// Inside the repository (under node_modules/.cache), so `vitest`, `@types/node` and the rest resolve as they do here.
const cache = join(repo, 'node_modules', '.cache')
mkdirSync(cache, { recursive: true })
const work = mkdtempSync(join(cache, 'readme-snippets-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

describe('documentation snippets', () => {
  it('every ```ts block of the README and the user guides type-checks against the package', () => {
    const files: string[] = []
    const origin = new Map<string, string>()
    for (const doc of DOCS) {
      tsBlocks(readFileSync(join(repo, doc), 'utf8')).forEach((b, i) => {
        const name = `${doc.replace(/[/.]/g, '_')}_${i + 1}.ts`
        writeFileSync(join(work, name), `${b.code}\n`)
        files.push(name)
        origin.set(name, `${doc}:${b.line}`)
      })
    }
    expect(files.filter((f) => f.startsWith('README')).length).toBeGreaterThanOrEqual(3)
    const base = JSON.parse(readFileSync(join(repo, 'tsconfig.json'), 'utf8')) as { compilerOptions: Record<string, unknown> }
    const { rootDir: _rootDir, outDir: _outDir, ...compilerOptions } = base.compilerOptions
    writeFileSync(
      join(work, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          ...compilerOptions,
          noEmit: true,
          noUnusedLocals: false,
          paths: entryPaths(),
        },
        files,
      }),
    )
    const tsc = spawnSync(process.execPath, [join(repo, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', work, '--pretty', 'false'], {
      encoding: 'utf8',
      timeout: 120_000,
    })
    expect(tsc.error).toBeUndefined()
    const out = `${tsc.stdout}${tsc.stderr}`
    // Errors in a snippet, named by the document and line the block starts on. (Errors inside src/ are the
    // typecheck's business, not the documentation's.)
    const snippetErrors = out
      .split('\n')
      .filter((l) => files.some((f) => l.startsWith(f) || l.includes(`/${f}(`)))
      .map((l) => {
        const f = files.find((x) => l.includes(x)) ?? ''
        return `${origin.get(f)} (block) → ${l.slice(l.indexOf(f))}`
      })
    expect(snippetErrors).toEqual([])
  }, 60_000)

  it('the README is a front page: at most 200 lines, with the install path first and the checkout commands kept', () => {
    const readme = readFileSync(join(repo, 'README.md'), 'utf8')
    expect(readme.split('\n').length).toBeLessThanOrEqual(200)
    const install = readme.indexOf('## Use it in your repository')
    expect(install).toBeGreaterThan(0)
    expect(readme.indexOf('## ', readme.indexOf('\n') + 1)).toBe(install)
    expect(readme).toMatch(/^npm run main$/m)
    expect(readme).toMatch(/^npm test$/m)
    expect(readme).toContain('npx rtcspec init')
  })

  it('tsBlocks finds fenced ts blocks and their first line', () => {
    expect(tsBlocks('a\n```ts\nconst x = 1\n```\n```sh\nls\n```\n```ts\ny\n```\n')).toEqual([
      { line: 3, code: 'const x = 1' },
      { line: 9, code: 'y' },
    ])
  })
})
