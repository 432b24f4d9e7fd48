/**
 * Interrupted commands, with real children. `rtcspec run` on a spec that starts coturn, FFmpeg, SIPp and a Chromium
 * peer and then waits: SIGINT (to the process, and to its whole process group as Ctrl-C in a terminal does) and
 * SIGTERM leave no process of the run and no temp directory, and write summary.json, junit.xml and index.html of
 * what ran with the exit class `interrupted` (130); with the Docker provider the containers go too. `serve`,
 * `conformance` (mid-run, --embedded), `fuzz` (mid-campaign) and `load` stop on SIGINT with their documented
 * code and valid reports. `fuzz` against a refused connection exits 4 with a one-line cause.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import { ConformanceReportSchema } from '../../src/conformance/report.ts'
import { descendants } from '../../src/peers/chromium/process-tree.ts'
import { LoadSummarySchema } from '../../src/load/types.ts'
import { RunSummarySchema } from '../../src/report/run-summary.ts'
import { processesNaming, processGroupMembers, RunResourceSchema, type RunResource } from '../../src/run-registry.ts'
import { startMediaServer } from '../../src/whip/media-server.ts'
import { waitFor } from '../../src/wait.ts'
import { requireTool } from '../support/requires.ts'
import { providerCases } from '../services/providers.ts'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const node = join(root, '.tools', 'bin', 'node')
const bin = join(root, 'bin', 'rtcspec.mjs')

const missing = ['turnserver', 'ffmpeg', 'sipp', 'xmllint'].filter((t) => requireTool(t))
const noChromium = process.env.RTCSPEC_CHROMIUM ? false : requireTool('chromium')
const skipRun = missing.length > 0 || noChromium
const dockerCase = providerCases('coturn', 'turnserver', 'coturn').find((c) => c.provider === 'docker')

let tmp: string
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'rtcspec-interrupts-'))
})
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true })
})

/** The environment of a child rtcspec: no CI annotations, no inherited Vitest or run-registry state. */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra }
  for (const k of [
    'GITHUB_ACTIONS',
    'GITHUB_STEP_SUMMARY',
    'RTCSPEC_REPORT_DIR',
    'VITEST',
    'VITEST_WORKER_ID',
    'VITEST_POOL_ID',
    'TEST',
    'NODE_ENV',
    'RTCSPEC_RUN_STATE_DIR',
    'RTCSPEC_RUN_PARENT',
  ]) {
    if (!(k in extra)) delete env[k]
  }
  return env
}

interface Child {
  proc: ChildProcess
  out: () => string
  err: () => string
  exited: Promise<number | null>
}

/** Starts `rtcspec ARGS` in `cwd` as the leader of its own process group (as a shell starts a job). */
function start(args: string[], cwd: string, env: NodeJS.ProcessEnv): Child {
  const proc = spawn(node, [bin, ...args], { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  proc.stdout?.on('data', (d: Buffer) => (out += d.toString()))
  proc.stderr?.on('data', (d: Buffer) => (err += d.toString()))
  const exited = new Promise<number | null>((r) => proc.on('exit', (code, signal) => r(code ?? (signal ? -1 : null))))
  return { proc, out: () => out, err: () => err, exited }
}

/** Whatever happens, nothing of the child outlives the test. */
function killHard(c: Child): void {
  if (c.proc.exitCode !== null || c.proc.pid === undefined) return
  try {
    process.kill(-c.proc.pid, 'SIGKILL')
  } catch {
    // gone
  }
}

/** Bounded: the exit code, or a failure naming what the child printed. */
async function exitOf(c: Child, ms: number, what: string): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not exit within ${ms} ms\nstdout: ${c.out().slice(-2000)}\nstderr: ${c.err().slice(-2000)}`)), ms)
  })
  try {
    return await Promise.race([c.exited, timeout])
  } finally {
    clearTimeout(timer)
  }
}

function xmlWellFormed(file: string): { ok: boolean; message: string } {
  const r = spawnSync('xmllint', ['--noout', file], { encoding: 'utf8', timeout: 10_000 })
  return { ok: r.status === 0, message: r.stderr }
}

function nonEmpty(file: string): boolean {
  return existsSync(file) && statSync(file).size > 0
}

/** A project whose one spec starts coturn, FFmpeg, SIPp and a Chromium peer, writes what it started, and waits. */
function servicesProject(name: string, provider: 'local' | 'docker'): string {
  const dir = join(tmp, name)
  mkdirSync(join(dir, 'node_modules'), { recursive: true })
  symlinkSync(join(root, 'node_modules', 'vitest'), join(dir, 'node_modules', 'vitest'))
  writeFileSync(join(dir, 'vitest.config.mjs'), 'export default { test: { testTimeout: 300000, hookTimeout: 120000 } }\n')
  const src = (p: string) => JSON.stringify(join(root, 'src', p))
  writeFileSync(
    join(dir, 'services.spec.ts'),
    `import { test } from 'vitest'
import { writeFileSync } from 'node:fs'
import { startCoturn } from ${src('services/coturn.ts')}
import { startFfmpegSource } from ${src('services/ffmpeg.ts')}
import { startSipp } from ${src('services/sipp.ts')}
import { createChromiumPeer } from ${src('peers/chromium/peer.ts')}
import { liveRunResources } from ${src('run-registry.ts')}

test('a test that ends before the interrupt', () => {})

test('starts coturn, FFmpeg, SIPp and a Chromium peer, then waits', async () => {
  await using turn = await startCoturn({ provider: ${JSON.stringify(provider)} })
  await using ff = await startFfmpegSource({ provider: ${JSON.stringify(provider)}, durationMs: 300000, audio: { to: { host: '127.0.0.1', port: turn.ports!.relay.min } } })
  await using sipp = await startSipp({ scenario: 'uas', timeoutS: 300 })
  await using peer = await createChromiumPeer({})
  writeFileSync('inventory.json', JSON.stringify(liveRunResources()))
  await new Promise((r) => setTimeout(r, 300000))
})

test('a test that never starts', () => {})
`,
  )
  return dir
}

async function interruptedRun(name: string, provider: 'local' | 'docker', signal: NodeJS.Signals, target: 'process' | 'group'): Promise<void> {
  const dir = servicesProject(name, provider)
  const reports = join(dir, 'reports-out')
  const child = start(['run', '--report-dir', reports, 'services.spec.ts'], dir, childEnv())
  let inventory: RunResource[] = []
  try {
    const inventoryFile = join(dir, 'inventory.json')
    await waitFor(() => existsSync(inventoryFile) || child.proc.exitCode !== null, {
      timeoutMs: 180_000,
      intervalMs: 100,
      label: 'the spec to start coturn, FFmpeg, SIPp and Chromium',
    })
    expect(existsSync(inventoryFile), `the spec did not start its services:\n${child.out().slice(-3000)}\n${child.err().slice(-3000)}`).toBe(true)
    inventory = RunResourceSchema.array().parse(JSON.parse(readFileSync(inventoryFile, 'utf8')))
    // All four are up: their processes run and their temp directories exist.
    const kinds = new Set(inventory.map((r) => r.kind))
    for (const k of ['coturn', 'ffmpeg', 'sipp', 'chromium']) expect(kinds, `registered: ${[...kinds].join(', ')}`).toContain(k)
    const groups = inventory.flatMap((r) => (r.pgid !== undefined ? [r.pgid] : []))
    const containers = inventory.flatMap((r) => r.containers)
    if (provider === 'local') expect(groups.length).toBeGreaterThanOrEqual(4)
    else expect(containers.length).toBe(2) // coturn and FFmpeg in containers; SIPp and Chromium local
    for (const g of groups) expect(processGroupMembers(g).length, `process group ${g} runs`).toBeGreaterThan(0)
    const dirs = inventory.flatMap((r) => r.dirs)
    const markers = inventory.flatMap((r) => (r.marker !== undefined ? [r.marker] : []))
    expect(dirs.length).toBeGreaterThanOrEqual(4)
    for (const d of dirs) expect(existsSync(d), d).toBe(true)

    process.kill(target === 'group' ? -child.proc.pid! : child.proc.pid!, signal)
    const code = await exitOf(child, 60_000, `rtcspec run after ${signal}`)
    expect(code, `stdout:\n${child.out().slice(-3000)}\nstderr:\n${child.err().slice(-3000)}`).toBe(130)

    // Nothing of the run is left: process groups, processes naming a browser profile, containers, temp directories.
    // (A SIGKILLed process is gone once the kernel has run it: allow a bounded moment on a loaded machine.)
    const leftovers = () => [...groups.flatMap(processGroupMembers), ...markers.flatMap(processesNaming)]
    await waitFor(() => leftovers().length === 0, { timeoutMs: 5000, intervalMs: 50, label: 'the run’s processes to be gone' }).catch(() => undefined)
    expect(leftovers(), 'processes of the interrupted run still alive').toEqual([])
    for (const d of dirs) expect(existsSync(d), `temp directory left: ${d}`).toBe(false)
    if (containers.length) {
      const left = spawnSync('docker', ['ps', '-a', '-q', '--no-trunc', ...containers.flatMap((id) => ['--filter', `id=${id}`])], {
        encoding: 'utf8',
        timeout: 10_000,
      })
      expect(left.stdout.trim(), 'containers of the interrupted run').toBe('')
    }

    // The reports of what ran: present, non-empty, valid.
    for (const f of ['summary.json', 'junit.xml', 'index.html']) expect(nonEmpty(join(reports, f)), `${f} present and non-empty`).toBe(true)
    const summary = RunSummarySchema.parse(JSON.parse(readFileSync(join(reports, 'summary.json'), 'utf8')))
    expect(summary.exit).toEqual({ class: 'interrupted', code: 130 })
    expect(summary.interrupted?.signal).toBe(signal)
    const byName = Object.fromEntries(summary.tests.map((t) => [t.name, t]))
    expect(byName['a test that ends before the interrupt']?.state).toBe('passed')
    expect(byName['starts coturn, FFmpeg, SIPp and a Chromium peer, then waits']?.state).toBe('skipped')
    expect(summary.interrupted?.unfinished).toContain('services.spec.ts::starts coturn, FFmpeg, SIPp and a Chromium peer, then waits')
    const xml = xmlWellFormed(join(reports, 'junit.xml'))
    expect(xml.ok, xml.message).toBe(true)
    const junit = readFileSync(join(reports, 'junit.xml'), 'utf8')
    expect(junit).toContain('a test that ends before the interrupt')
    expect(junit).toMatch(/<skipped message="interrupted: /)
    expect(readFileSync(join(reports, 'index.html'), 'utf8')).toContain('interrupted')
    expect(existsSync(join(reports, '.junit.xml.partial'))).toBe(false)
  } finally {
    killHard(child)
    // Never leave the services of a failed assertion behind.
    for (const r of inventory) {
      if (r.pgid !== undefined) for (const p of processGroupMembers(r.pgid)) process.kill(p, 'SIGKILL')
      if (r.containers.length) spawnSync('docker', ['rm', '-f', ...r.containers], { stdio: 'ignore', timeout: 20_000 })
    }
  }
}

describe.skipIf(skipRun)('rtcspec run, interrupted while coturn, FFmpeg, SIPp and Chromium run', () => {
  test('SIGINT to the rtcspec process: exit 130, nothing left, reports of what ran', async () => {
    await interruptedRun('sigint', 'local', 'SIGINT', 'process')
  }, 300_000)

  test('SIGTERM to the rtcspec process: exit 130, nothing left, reports of what ran', async () => {
    await interruptedRun('sigterm', 'local', 'SIGTERM', 'process')
  }, 300_000)

  test('SIGINT to the whole process group (Ctrl-C in a terminal): exit 130, nothing left, reports of what ran', async () => {
    await interruptedRun('ctrl-c', 'local', 'SIGINT', 'group')
  }, 300_000)

  test.skipIf(dockerCase?.skip ?? true)(
    'SIGINT with coturn and FFmpeg in containers: the containers are removed too',
    async () => {
      await interruptedRun('docker', 'docker', 'SIGINT', 'process')
    },
    300_000,
  )
})

describe('other commands on SIGINT', () => {
  test('serve: SIGINT is its normal stop, exit 0 after "stopped"', async () => {
    const child = start(['serve', 'whip'], tmp, childEnv())
    try {
      await waitFor(() => /WHIP endpoint: \S+/.test(child.out()) || child.proc.exitCode !== null, {
        timeoutMs: 30_000,
        intervalMs: 50,
        label: 'rtcspec serve to print its URL',
      })
      child.proc.kill('SIGINT')
      expect(await exitOf(child, 20_000, 'rtcspec serve after SIGINT'), child.err()).toBe(0)
      expect(child.out()).toMatch(/stopped\n$/)
    } finally {
      killHard(child)
    }
  }, 60_000)

  test.skipIf(noChromium)(
    'conformance --embedded, mid-run (a Chromium media check running): exit 130, the reports of the checks that finished, the browser gone',
    async () => {
      const reports = join(tmp, 'conformance')
      const child = start(['conformance', 'whip', '--embedded', '--peer', 'chromium', '--report-dir', reports], tmp, childEnv())
      const browsers = () => descendants(child.proc.pid!).filter((p) => /chrom/i.test(p.comm))
      let profiles: string[] = []
      try {
        await waitFor(() => browsers().length > 0 || child.proc.exitCode !== null, {
          timeoutMs: 120_000,
          intervalMs: 50,
          label: 'a Chromium media check to start',
        })
        expect(child.proc.exitCode, 'the suite ended before its media checks').toBe(null)
        profiles = browsers().flatMap((p) => {
          try {
            return [/--user-data-dir=(\S+)/.exec(readFileSync(`/proc/${p.pid}/cmdline`, 'utf8').replace(/\0/g, ' '))?.[1] ?? ''].filter(Boolean)
          } catch {
            return []
          }
        })
        child.proc.kill('SIGINT')
        expect(await exitOf(child, 60_000, 'rtcspec conformance after SIGINT'), child.err()).toBe(130)
        const json = JSON.parse(readFileSync(join(reports, 'conformance.json'), 'utf8')) as { interrupted?: { signal: string; notRun: string[] } }
        const report = ConformanceReportSchema.parse(json)
        expect(report.results.length).toBeGreaterThan(0)
        expect(json.interrupted?.signal).toBe('SIGINT')
        expect(json.interrupted?.notRun.length).toBeGreaterThan(0)
        expect(nonEmpty(join(reports, 'conformance-junit.xml'))).toBe(true)
        const xml = xmlWellFormed(join(reports, 'conformance-junit.xml'))
        expect(xml.ok, xml.message).toBe(true)
        expect(child.out()).toMatch(/interrupted by SIGINT: \d+ check\(s\) finished/)
        for (const p of new Set(profiles)) {
          expect(processesNaming(p), `Chromium processes of ${p}`).toEqual([])
          expect(existsSync(p), `profile directory ${p} left`).toBe(false)
        }
      } finally {
        killHard(child)
      }
    },
    180_000,
  )

  test('fuzz whip, mid-campaign: exit 130 with the campaign printed as JSON', async () => {
    await using server = await startMediaServer()
    const child = start(
      ['fuzz', 'whip', '--url', server.whipUrl(), '--runs', '100000', '--seconds', '120', '--seed', '3', '--json', '--report-dir', join(tmp, 'fuzz')],
      tmp,
      childEnv({ CI: '' }),
    )
    try {
      await waitFor(() => /fuzz: \d+\/100000 cases/.test(child.err()) || child.proc.exitCode !== null, {
        timeoutMs: 60_000,
        intervalMs: 50,
        label: 'the fuzz campaign to run its first case',
      })
      child.proc.kill('SIGINT')
      expect(await exitOf(child, 60_000, 'rtcspec fuzz after SIGINT'), child.err()).toBe(130)
      const result = JSON.parse(child.out()) as { interrupted?: boolean; cases: number; exitCode: number }
      expect(result.interrupted).toBe(true)
      expect(result.exitCode).toBe(130)
      expect(result.cases).toBeGreaterThan(0)
      expect(result.cases).toBeLessThan(100_000)
    } finally {
      killHard(child)
    }
  }, 120_000)

  test('load (short): exit 130, load-summary.json valid with the class interrupted', async () => {
    const reports = join(tmp, 'load')
    const child = start(['load', 'b2b-pcmu', '--calls', '2', '--rate', '2', '--duration', '60s', '--workers', '1', '--report-dir', reports], tmp, childEnv())
    try {
      await waitFor(() => /connected [1-9]/.test(child.err()) || child.proc.exitCode !== null, {
        timeoutMs: 60_000,
        intervalMs: 50,
        label: 'a load call to connect',
      })
      child.proc.kill('SIGINT')
      expect(await exitOf(child, 60_000, 'rtcspec load after SIGINT'), child.err()).toBe(130)
      const file = join(reports, 'load-summary.json')
      expect(nonEmpty(file)).toBe(true)
      const summary = LoadSummarySchema.parse(JSON.parse(readFileSync(file, 'utf8')))
      expect(summary.exit).toEqual({ class: 'interrupted', code: 130 })
    } finally {
      killHard(child)
    }
  }, 120_000)
})

describe('one set of exit classes: an unreachable target is infrastructure (4) with a one-line cause', () => {
  // Port 9 (discard) on loopback: nothing listens there, the connection is refused.
  test.each([
    ['whip', 'http://127.0.0.1:9/whip/live', /nothing tested \(exit 4\): .*refused/],
    ['sip', 'udp://127.0.0.1:9', /nothing tested \(exit 4\): udp:\/\/127\.0\.0\.1:9: connection refused/],
    ['sip', 'ws://127.0.0.1:9', /nothing tested \(exit 4\): ws:\/\/127\.0\.0\.1:9\/: connection refused/],
  ])(
    'fuzz %s --url %s',
    async (target, url, cause) => {
      const child = start(['fuzz', target, '--url', url, '--runs', '5', '--report-dir', join(tmp, 'fuzz-refused')], tmp, childEnv({ CI: '' }))
      try {
        expect(await exitOf(child, 60_000, `rtcspec fuzz ${target}`), child.err()).toBe(4)
        const lines = child
          .err()
          .split('\n')
          .filter((l) => cause.test(l))
        expect(lines, child.err()).toHaveLength(1)
      } finally {
        killHard(child)
      }
    },
    90_000,
  )
})
