/**
 * The import rule: src/ folders import only downward, as test/architecture/layers.ts states (and
 * docs/architecture.md shows). Fails on an edge the data does not allow, an imported entry point, an import
 * cycle between folders or a cycle of value imports between files, naming `file:line` and the edge.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, test } from 'vitest'
import { checkLayers, checkPeerKinds, checkRules, type LayerRules } from './check-layers.ts'
import { importEdges, listSourceFiles, type SourceFile } from './import-graph.ts'
import { isEntryPoint, LAYERS, renderLayerTable, unitTable } from './layers.ts'

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const src = join(root, 'src')

describe('layers of src/', () => {
  test('the layer data is consistent: every allowed edge names a unit in the same or a lower layer', () => {
    expect(checkRules()).toEqual([])
  })

  test('every import in src/ is allowed and there is no cycle', () => {
    const problems = checkLayers(listSourceFiles(src))
    expect(problems, `${problems.length} layer problem(s):\n${problems.join('\n')}`).toEqual([])
  })

  test('generic code does not test for a peer implementation by class', () => {
    const problems = checkPeerKinds(listSourceFiles(src))
    expect(problems, problems.join('\n')).toEqual([])
  })

  test('every folder and top-level file of src/ has a place in the layer data', () => {
    const units = unitTable()
    const missing = readdirSync(src)
      .filter((name) => !isEntryPoint(name) && !isEntryPoint(`${name}/`))
      .filter((name) => statSync(join(src, name)).isDirectory() || name.endsWith('.ts'))
      .map((name) => name.replace(/\.ts$/, ''))
      .filter((name) => !units.has(name))
    expect(missing, `not in test/architecture/layers.ts: ${missing.join(', ')}`).toEqual([])
    const gone = [...units.keys()].filter((u) => !readdirSync(src).some((n) => n === u || n === `${u}.ts`))
    expect(gone, `in test/architecture/layers.ts but not in src/: ${gone.join(', ')}`).toEqual([])
  })

  test("docs/architecture.md shows the layer data's table", () => {
    const doc = readFileSync(join(root, 'docs', 'architecture.md'), 'utf8')
    const m = /<!-- layers:begin -->\n([\s\S]*?)\n<!-- layers:end -->/.exec(doc)
    expect(m, 'docs/architecture.md has <!-- layers:begin --> … <!-- layers:end --> markers').not.toBeNull()
    expect(m?.[1], `docs/architecture.md's table differs from test/architecture/layers.ts; between the markers it should read:\n${renderLayerTable()}`).toBe(
      renderLayerTable(),
    )
  })
})

describe('the checker fails on planted problems', () => {
  const file = (path: string, ...lines: string[]): SourceFile => ({ path, text: lines.join('\n') })

  test('an upward import in a temporary tree: names file:line and the edge', () => {
    const dir = mkdtempSync(join(tmpdir(), 'rtcspec-layers-'))
    try {
      mkdirSync(join(dir, 'rtp'))
      mkdirSync(join(dir, 'dsl'))
      writeFileSync(join(dir, 'rtp', 'packet.ts'), "/** A packet. */\nimport { z } from 'zod'\nimport { x } from '../dsl/x.ts'\nexport const y = x\n")
      writeFileSync(join(dir, 'dsl', 'x.ts'), 'export const x = 1\n')
      const problems = checkLayers(listSourceFiles(dir))
      expect(problems).toHaveLength(1)
      expect(problems[0]).toContain('src/rtp/packet.ts:3: rtp → dsl (imports ../dsl/x.ts)')
      expect(problems[0]).toContain('upward: wire formats → dsl')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  test('type-only, export-from and dynamic imports count too', () => {
    const problems = checkLayers([
      file('media/a.ts', "import type { B2BCall } from '../calls/open.ts'"),
      file('media/b.ts', '', "export { something } from '../peers/types.ts'"),
      file('net/c.ts', 'async function f() {', "  return import('../services/coturn.ts')", '}'),
      file('sdp/d.ts', "import { type A, type B } from '../dsl/index.ts'"),
    ])
    expect(problems).toEqual([
      expect.stringContaining('src/media/a.ts:1: media → calls (imports ../calls/open.ts, type-only)'),
      expect.stringContaining('src/media/b.ts:2: media → peers'),
      expect.stringContaining('src/net/c.ts:2: net → services'),
      expect.stringContaining('src/sdp/d.ts:1: sdp → dsl (imports ../dsl/index.ts, type-only)'),
    ])
  })

  test('imports in comments do not count', () => {
    expect(checkLayers([file('rtp/a.ts', "// import { x } from '../dsl/x.ts'", "/* import { y } from '../cli/y.ts' */")])).toEqual([])
  })

  test('a cycle between folders, even along allowed edges', () => {
    const rules: LayerRules = { layers: [{ name: 'one', units: { a: { owns: '', mayImport: ['b'] }, b: { owns: '', mayImport: ['a'] } } }], entryPoints: [] }
    const problems = checkLayers([file('a/x.ts', "import '../b/y.ts'"), file('b/y.ts', '', "import { x } from '../a/x.ts'")], rules)
    expect(problems).toHaveLength(2) // the folder cycle and the file cycle
    expect(problems[0]).toMatch(/import cycle between folders a ↔ b:\n {4}src\/a\/x\.ts:1: a → b[^\n]*\n {4}src\/b\/y\.ts:2: b → a/)
    expect(problems[1]).toContain('import cycle between files (value imports) src/a/x.ts ↔ src/b/y.ts')
  })

  test('a cycle of value imports between files of one folder; type-only cycles are tolerated', () => {
    expect(checkLayers([file('peers/a.ts', "import { b } from './b.ts'"), file('peers/b.ts', "import { a } from './a.ts'")])).toEqual([
      expect.stringContaining('import cycle between files (value imports) src/peers/a.ts ↔ src/peers/b.ts:\n    src/peers/a.ts:1 → src/peers/b.ts'),
    ])
    expect(checkLayers([file('peers/a.ts', "import type { B } from './b.ts'"), file('peers/b.ts', "import { a } from './a.ts'")])).toEqual([])
  })

  test('an unknown folder, an imported entry point, and an allowed edge that points up in the data', () => {
    expect(checkLayers([file('rtp/a.ts', "import '../nowhere/x.ts'")])).toEqual([
      expect.stringContaining('src/rtp/a.ts:1: rtp → nowhere (imports ../nowhere/x.ts): nowhere is in no layer'),
    ])
    expect(checkLayers([file('cli/a.ts', "import { test } from '../index.ts'")])).toEqual([
      expect.stringContaining('src/cli/a.ts:1: imports the entry point src/index.ts'),
    ])
    const upside: LayerRules = {
      layers: [
        { name: 'low', units: { a: { owns: '', mayImport: ['b'] } } },
        { name: 'high', units: { b: { owns: '', mayImport: [] } } },
      ],
      entryPoints: [],
    }
    expect(checkRules(upside)).toEqual(['layers data: a (low) may import b, which is in a higher layer (high)'])
  })

  test('an instanceof of a peer implementation outside its folder', () => {
    const files = [
      file('peers/werift/peer.ts', 'export class WeriftPeer {}', 'const x = {} instanceof WeriftPeer'),
      file(
        'peers/ice-restart.ts',
        "import { WeriftPeer } from './werift/peer.ts'",
        '',
        'if (t instanceof WeriftPeer) {}',
        '// a comment: instanceof WeriftPeer',
      ),
    ]
    expect(checkPeerKinds(files)).toEqual([expect.stringContaining('src/peers/ice-restart.ts:3: instanceof WeriftPeer outside src/peers/werift/')])
  })

  test('the scanner finds the edges of a real file with their lines', () => {
    const edges = importEdges(listSourceFiles(src).filter((f) => f.path === 'calls/open.ts'))
    expect(edges.length).toBeGreaterThan(5)
    for (const e of edges) expect(readFileSync(join(src, e.from), 'utf8').split('\n')[e.line - 1]).toContain(e.specifier)
    expect(LAYERS[0]?.name).toBe('foundation')
  })
})
