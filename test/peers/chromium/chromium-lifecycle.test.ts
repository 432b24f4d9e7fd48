/**
 * Chromium peer lifecycle: one browser per process and one page per peer; closing the last peer closes the
 * browser; no Chromium process survives a process that exits without closing, is terminated, or whose test failed.
 */
import { describe, it, expect, afterAll } from 'vitest'
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createChromiumPeer } from '../../../src/peers/chromium/peer.ts'
import { chromiumDescendants, isAlive, liveBrowserProcesses, processesWithArg } from '../../../src/peers/chromium/index.ts'
import { waitFor } from '../../../src/wait.ts'
import { requireTool } from '../../support/requires.ts'

const skip = process.env.RTCSPEC_CHROMIUM ? false : requireTool('chromium')
const repo = new URL('../../../', import.meta.url).pathname
const node = process.execPath

/** Runs a child Node process (bounded), returns its stdout lines and exit information. */
function runChild(
  args: string[],
  options: { cwd?: string; timeoutMs: number; env?: Record<string, string>; onLine?: (line: string, kill: (s: NodeJS.Signals) => void) => void },
) {
  return new Promise<{ code: number | null; signal: NodeJS.Signals | null; lines: string[]; stderr: string }>((resolve) => {
    const child = spawn(node, args, { cwd: options.cwd ?? repo, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: '0', ...options.env } })
    const lines: string[] = []
    let stderr = ''
    let buf = ''
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs)
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString()
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        const line = buf.slice(0, i)
        buf = buf.slice(i + 1)
        lines.push(line)
        options.onLine?.(line, (s) => child.kill(s))
      }
    })
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, lines, stderr })
    })
  })
}

/** Waits until no process of the browser with this profile directory is alive. */
async function expectBrowserGone(userDataDir: string, pid: number): Promise<void> {
  await waitFor(() => !isAlive(pid) && processesWithArg(userDataDir).length === 0, {
    timeoutMs: 10_000,
    label: `every Chromium process of ${userDataDir} to exit`,
    intervalMs: 50,
  })
  expect(existsSync(userDataDir)).toBe(false)
}

const CHILD_SCRIPT = (mode: 'exit' | 'signal') => `
import { createChromiumPeer } from ${JSON.stringify(join(repo, 'src/peers/chromium/peer.ts'))}
const p = await createChromiumPeer({ name: 'orphan' })
console.log(JSON.stringify({ pid: p.browserPid, dir: p.userDataDir }))
${mode === 'exit' ? 'process.exit(3)' : 'setInterval(() => {}, 1000)'}
`

describe.skipIf(skip)('Chromium peer lifecycle', { timeout: 120_000 }, () => {
  const scratch = mkdtempSync(join(tmpdir(), 'rtcspec-chromium-life-'))
  afterAll(() => rmSync(scratch, { recursive: true, force: true }))

  it('one browser per process, one page per peer; the last close closes the browser', async () => {
    const a = await createChromiumPeer({ name: 'life-a' })
    const b = await createChromiumPeer({ name: 'life-b' })
    const pid = a.browserPid!
    const dir = a.userDataDir!
    expect(b.browserPid).toBe(pid)
    const pages = async () => (await a.browser!.pages()).filter((p) => p.url().endsWith('/peer.html')).length
    expect(await pages()).toBe(2)
    await b.close()
    await b.close() // idempotent
    expect(await pages()).toBe(1)
    expect(isAlive(pid)).toBe(true)
    await a.close()
    await expectBrowserGone(dir, pid)
    expect(chromiumDescendants()).toEqual([])
    await expect(a.createOffer()).rejects.toThrow(/life-a is closed/)
  })

  it('no Chromium survives a process that exits without closing its peer', async () => {
    const file = join(scratch, 'exit.ts')
    writeFileSync(file, CHILD_SCRIPT('exit'))
    const r = await runChild([file], { timeoutMs: 60_000 })
    expect(r.code, r.stderr).toBe(3)
    const info = JSON.parse(r.lines[0]!) as { pid: number; dir: string }
    await expectBrowserGone(info.dir, info.pid)
  })

  it('no Chromium survives a process terminated by SIGTERM, and the process still terminates', async () => {
    const file = join(scratch, 'signal.ts')
    writeFileSync(file, CHILD_SCRIPT('signal'))
    let info: { pid: number; dir: string } | undefined
    const r = await runChild([file], {
      timeoutMs: 60_000,
      onLine: (line, kill) => {
        info = JSON.parse(line) as { pid: number; dir: string }
        kill('SIGTERM')
      },
    })
    expect(r.signal, r.stderr).toBe('SIGTERM')
    await expectBrowserGone(info!.dir, info!.pid)
  })

  it('no Chromium survives a failed test that used the peers fixture', async () => {
    const dir = mkdtempSync(join(scratch, 'run-'))
    symlinkSync(join(repo, 'node_modules'), join(dir, 'node_modules'))
    writeFileSync(
      join(dir, 'vitest.config.mjs'),
      `export default { test: { include: ['*.test.ts'], pool: 'forks', testTimeout: 90_000, hookTimeout: 90_000 } }\n`,
    )
    writeFileSync(
      join(dir, 'failing.test.ts'),
      `import { test } from ${JSON.stringify(join(repo, 'src/dsl/fixtures.ts'))}
test('fails with a Chromium peer open', async ({ peers }) => {
  const p = await peers.chromium({ name: 'doomed' })
  console.log('BROWSER ' + JSON.stringify({ pid: p.browserPid, dir: p.userDataDir }))
  throw new Error('deliberate failure')
})
`,
    )
    const r = await runChild([join(repo, 'node_modules/vitest/vitest.mjs'), 'run', '--root', dir], { cwd: dir, timeoutMs: 120_000 })
    expect(r.code).toBe(1) // the test failed, as it should
    const line = r.lines.find((l) => l.includes('BROWSER '))
    expect(line, r.lines.join('\n') + r.stderr).toBeDefined()
    const info = JSON.parse(line!.slice(line!.indexOf('BROWSER ') + 8)) as { pid: number; dir: string }
    await expectBrowserGone(info.dir, info.pid)
  })

  it('no Chromium survives a test that timed out while its Chromium peer was still starting', async () => {
    const dir = mkdtempSync(join(scratch, 'slow-'))
    const tmp = mkdtempSync(join(scratch, 'tmp-')) // the child's TMPDIR: its browser profile is created under it
    symlinkSync(join(repo, 'node_modules'), join(dir, 'node_modules'))
    writeFileSync(join(dir, 'vitest.config.mjs'), `export default { test: { include: ['*.test.ts'], pool: 'forks', testTimeout: 200, hookTimeout: 90_000 } }\n`)
    writeFileSync(
      join(dir, 'slow.test.ts'),
      `import { test } from ${JSON.stringify(join(repo, 'src/dsl/fixtures.ts'))}
test('times out while the browser starts', async ({ peers }) => {
  await peers.chromium({ name: 'late' })
})
`,
    )
    const r = await runChild([join(repo, 'node_modules/vitest/vitest.mjs'), 'run', '--root', dir], { cwd: dir, timeoutMs: 120_000, env: { TMPDIR: tmp } })
    expect(r.code).toBe(1) // the test timed out, as it should
    expect(r.lines.join('\n') + r.stderr).toMatch(/timed out/i)
    await waitFor(() => processesWithArg(tmp).length === 0, { timeoutMs: 10_000, label: `every Chromium process under ${tmp} to exit`, intervalMs: 50 })
    expect(readdirSync(tmp).filter((f) => f.startsWith('rtcspec-chromium-'))).toEqual([])
  })

  it('leaves no Chromium process of this file behind', async () => {
    await waitFor(() => liveBrowserProcesses().length === 0 && chromiumDescendants().length === 0, {
      timeoutMs: 10_000,
      label: 'no Chromium process of this test file',
      intervalMs: 50,
    })
  })
})
