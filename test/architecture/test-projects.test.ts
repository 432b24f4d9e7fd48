/**
 * The suite's two Vitest projects: `unit` (shared worker processes, `isolate: false`) holds only files that keep
 * the unit rule — nothing they load opens a socket, starts a process or a browser, or runs a peer stack, and they
 * leave nothing behind for the next file in the worker — and `real` holds every other file. vitest.projects.ts
 * lists the unit files; this test is what holds the list to the rule.
 */
import { spawnSync } from 'node:child_process'
import { globSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative } from 'node:path'
import { describe, expect, test } from 'vitest'
import config from '../../vitest.config.ts'
import { ALL_TESTS, UNIT_FORBIDDEN_CALLS, UNIT_FORBIDDEN_MODULES, UNIT_FORBIDDEN_SOURCES, UNIT_TESTS } from '../../vitest.projects.ts'
import { type UnitRule, unitRuleProblems } from '../support/unit-rule.ts'

const root = join(import.meta.dirname, '..', '..')
const RULE: UnitRule = { forbiddenModules: UNIT_FORBIDDEN_MODULES, forbiddenSources: UNIT_FORBIDDEN_SOURCES, forbiddenCalls: UNIT_FORBIDDEN_CALLS }

const files = (globs: readonly string[]): string[] => globSync([...globs], { cwd: root }).sort()

describe('the unit project', () => {
  test('every file in it keeps the unit rule (vitest.projects.ts; move a file that breaks it out of UNIT_TESTS)', () => {
    const unit = files(UNIT_TESTS)
    expect(unit.length).toBeGreaterThan(30)
    const problems = unit.flatMap((f) => unitRuleProblems(root, f, RULE))
    expect(problems, `${problems.length} problem(s):\n${problems.join('\n')}`).toEqual([])
  })

  test('every glob of UNIT_TESTS selects a test file', () => {
    expect(UNIT_TESTS.filter((g) => files([g]).length === 0)).toEqual([])
    const all = new Set(files(ALL_TESTS))
    expect(files(UNIT_TESTS).filter((f) => !all.has(f))).toEqual([])
  })

  test('vitest.config.ts: `unit` takes UNIT_TESTS without isolation, `real` the rest with it; every file is in one project', () => {
    const projects = (config.test?.projects ?? []) as Array<{ extends?: boolean; test: { name: string; isolate?: boolean } }>
    expect(projects.map((p) => [p.test.name, p.test.isolate])).toEqual([
      ['unit', false],
      ['real', undefined],
    ])
    // What Vitest itself selects (a root `include` would be added to each project's own, for one).
    const r = spawnSync(process.execPath, [join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'list', '--filesOnly', '--json'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, FORCE_COLOR: '0' },
    })
    expect(r.status, r.stderr).toBe(0)
    const listed = (JSON.parse(r.stdout) as Array<{ file: string; projectName: string }>).map((f) => ({ file: relative(root, f.file), project: f.projectName }))
    const byFile = new Map<string, string[]>()
    for (const f of listed) byFile.set(f.file, [...(byFile.get(f.file) ?? []), f.project])
    expect([...byFile].filter(([, projects]) => projects.length > 1).map(([file, projects]) => `${file}: ${projects.join(', ')}`)).toEqual([])
    expect([...byFile.keys()].sort()).toEqual(files(ALL_TESTS))
    expect(
      listed
        .filter((f) => f.project === 'unit')
        .map((f) => f.file)
        .sort(),
    ).toEqual(files(UNIT_TESTS))
  })
})

describe('the unit rule fails on planted problems', () => {
  const tree = (entries: Record<string, string>) => {
    const dir = mkdtempSync(join(tmpdir(), 'rtcspec-unit-rule-'))
    for (const [path, text] of Object.entries(entries)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true })
      writeFileSync(join(dir, path), text)
    }
    return dir
  }

  test('a socket, a process or a peer stack reached through helpers and sources: the chain is named', () => {
    const dir = tree({
      'package.json': JSON.stringify({ exports: { './peers': { 'rtcspec-source': './src/entry/peers.ts' } } }),
      'test/a.test.ts': "import { h } from './helper.ts'\nimport { x } from '../src/x.ts'\n",
      'test/helper.ts': "import { createSocket } from 'node:dgram'\nexport const h = createSocket\n",
      'src/x.ts': "export async function x() {\n  return import('./y.ts')\n}\n",
      'src/y.ts': "import { spawn } from 'child_process'\nexport const y = spawn\n",
      'test/b.test.ts': "import { createWeriftPeer } from 'rtcspec/peers'\n",
      'src/entry/peers.ts': "export { createWeriftPeer } from '../peers/werift/peer.ts'\n",
      'src/peers/werift/peer.ts': "import { RTCPeerConnection } from 'werift'\nexport const createWeriftPeer = RTCPeerConnection\n",
      'test/c.test.ts':
        "import type { RTCPeerConnection } from 'werift'\nimport { type Socket } from 'node:net'\n// import { spawn } from 'node:child_process'\n",
    })
    try {
      expect(unitRuleProblems(dir, 'test/a.test.ts', RULE)).toEqual([
        'test/a.test.ts → test/helper.ts → node:dgram: loads dgram',
        'test/a.test.ts → src/x.ts → src/y.ts → child_process: loads child_process',
      ])
      expect(unitRuleProblems(dir, 'test/b.test.ts', RULE)).toEqual(['test/b.test.ts → src/entry/peers.ts → src/peers/werift/peer.ts: loads src/peers/werift/'])
      // Type-only imports are erased and comments are not code.
      expect(unitRuleProblems(dir, 'test/c.test.ts', RULE)).toEqual([])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  test('what outlives a file in a shared worker, or cannot be followed, is named', () => {
    const dir = tree({
      'test/mock.test.ts': "import { vi } from 'vitest'\nvi.mock('../src/x.ts')\n",
      'test/env.test.ts': "process.env.RTCSPEC_SEED = '1'\n",
      'test/computed.test.ts': 'const name = "x"\nexport const m = await import(name)\n',
      'test/fetch.test.ts': "await fetch('http://127.0.0.1:1/')\n",
    })
    try {
      expect(unitRuleProblems(dir, 'test/mock.test.ts', RULE)).toEqual([expect.stringMatching(/^test\/mock\.test\.ts: a module mock/)])
      expect(unitRuleProblems(dir, 'test/env.test.ts', RULE)).toEqual([expect.stringMatching(/^test\/env\.test\.ts: an assignment to process\.env/)])
      expect(unitRuleProblems(dir, 'test/computed.test.ts', RULE)).toEqual([
        expect.stringMatching(/^test\/computed\.test\.ts: import\(\) of a computed specifier/),
      ])
      expect(unitRuleProblems(dir, 'test/fetch.test.ts', RULE)).toEqual([expect.stringMatching(/^test\/fetch\.test\.ts: a network request/)])
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
