import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { execFile, execFileSync } from 'node:child_process'
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { doctorCommand } from '../../src/cli/doctor.ts'
import { formatDoctorReport } from '../../src/cli/doctor/format.ts'
import { makeDoctorReport, runDoctor } from '../../src/cli/doctor/run.ts'
import { DoctorReportSchema, type DoctorReport, type ToolReport } from '../../src/cli/doctor/schemas.ts'
import { compareVersions } from '../../src/cli/doctor/versions.ts'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const bin = join(root, 'bin', 'rtcspec.mjs')

const HINTS = {
  node: 'run `npm run setup` (installs Node 24 from npm into .tools/) or install Node 22/24',
  ffmpeg: 'apt-get install -y ffmpeg',
  coturn: 'apt-get install -y coturn',
  sipp: 'apt-get install -y sip-tester',
  tshark: 'apt-get install -y tshark',
  dockerMissing: 'not installed: apt-get install -y docker.io',
  dockerEngine: 'client found, engine not running: start dockerd (see docs/docker.md)',
  espeak: 'apt-get install -y espeak-ng',
  sox: 'apt-get install -y sox',
}

function entry(t: Partial<ToolReport> & Pick<ToolReport, 'id' | 'name'>): ToolReport {
  return {
    command: t.id,
    status: 'ok',
    version: null,
    path: null,
    usedFor: `used for ${t.id}`,
    requiredForCi: false,
    reason: null,
    hint: null,
    notes: [],
    ...t,
  }
}

let tmp: string
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'rtcspec-doctor-'))
})
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true })
})

/** A fresh directory under the test's temp dir holding executable shell scripts. */
function fakeTools(name: string, scripts: Record<string, string>): string {
  const dir = join(tmp, name)
  mkdirSync(dir, { recursive: true })
  for (const [file, body] of Object.entries(scripts)) {
    writeFileSync(join(dir, file), `#!/bin/sh\nPATH=/usr/bin:/bin\n${body}\n`)
    chmodSync(join(dir, file), 0o755)
  }
  return dir
}

function byId(report: DoctorReport, id: ToolReport['id']): ToolReport {
  const t = report.tools.find((x) => x.id === id)
  if (t === undefined) throw new Error(`no ${id} in report`)
  return t
}

describe('formatDoctorReport', () => {
  const report = makeDoctorReport(
    [
      entry({ id: 'node', name: 'Node.js', version: '24.21.0', path: '/opt/node/bin/node', requiredForCi: true }),
      entry({ id: 'ffmpeg', name: 'FFmpeg', status: 'missing', reason: 'ffmpeg not found on PATH', hint: HINTS.ffmpeg, requiredForCi: true }),
      entry({
        id: 'docker',
        name: 'Docker',
        status: 'unusable',
        version: '28.2.2',
        path: '/usr/local/bin/docker',
        reason: 'client found, engine not running (Cannot connect to the Docker daemon)',
        hint: HINTS.dockerEngine,
      }),
      entry({ id: 'sox', name: 'SoX', status: 'missing', reason: 'sox not found on PATH', hint: HINTS.sox }),
    ],
    'linux-x64',
  )
  const text = formatDoctorReport(report)
  const lines = text.split('\n')

  it('shows ✓ with version and path for a found tool, ✗ and "not found" for a missing one', () => {
    expect(text).toMatch(/^Node\.js \*\s+✓\s+24\.21\.0\s+\/opt\/node\/bin\/node\s+used for node$/m)
    expect(text).toMatch(/^FFmpeg \*\s+✗\s+-\s+not found\s+used for ffmpeg$/m)
    expect(text).toMatch(/^SoX\s+✗\s+-\s+not found/m)
    expect(text).toMatch(/^\s+↳ ffmpeg not found on PATH$/m)
  })

  it('shows a Docker client whose engine is not running as ✗ with the client version and the start hint', () => {
    expect(text).toMatch(/^Docker\s+✗\s+28\.2\.2\s+\/usr\/local\/bin\/docker/m)
    expect(text).toContain('↳ client found, engine not running (Cannot connect to the Docker daemon)')
    expect(lines).toContain(`  Docker:  ${HINTS.dockerEngine}`)
  })

  it('lists the exact install hint of every tool that is not ok, and none for ok tools', () => {
    const fix = lines.slice(lines.indexOf('To fix:') + 1, lines.indexOf('To fix:') + 4)
    expect(fix).toEqual([`  FFmpeg:  ${HINTS.ffmpeg}`, `  Docker:  ${HINTS.dockerEngine}`, `  SoX:     ${HINTS.sox}`])
    expect(text).not.toContain(HINTS.node)
  })

  it('aligns the columns of every table row', () => {
    const header = lines.find((l) => l.startsWith('Tool'))
    expect(header).toBeDefined()
    const rows = lines.filter((l) => /^(Node\.js|FFmpeg|Docker|SoX)\b/.test(l))
    expect(rows).toHaveLength(4)
    for (const col of ['Status', 'Version', 'Path', 'Used for']) {
      const at = header?.indexOf(col) ?? -1
      for (const row of rows) {
        expect(row[at - 1], `column ${col} in ${JSON.stringify(row)}`).toBe(' ')
        expect(row[at], `column ${col} in ${JSON.stringify(row)}`).not.toBe(' ')
      }
    }
  })

  it('ends with a one-line summary naming what is not usable and what CI needs', () => {
    expect(lines.at(-2)).toBe('1/4 tools usable (not usable: FFmpeg, Docker, SoX); required in CI but not usable: FFmpeg.')
  })

  it('has no hints section and a clean summary when everything is ok', () => {
    const ok = formatDoctorReport(makeDoctorReport([entry({ id: 'node', name: 'Node.js', version: '24.0.0', path: '/n', requiredForCi: true })]))
    expect(ok).not.toContain('To fix:')
    expect(ok.trimEnd().split('\n').at(-1)).toBe('1/1 tools usable; all tools required in CI are usable.')
  })
})

describe('DoctorReportSchema', () => {
  it('accepts a built report and rejects an unknown status', () => {
    const report = makeDoctorReport([entry({ id: 'sox', name: 'SoX' })])
    expect(DoctorReportSchema.parse(report)).toEqual(report)
    const bad = { ...report, tools: [{ ...report.tools[0], status: 'found' }] }
    expect(DoctorReportSchema.safeParse(bad).success).toBe(false)
  })
})

describe('compareVersions', () => {
  it('compares numerically, ignoring a v prefix and suffixes', () => {
    expect(compareVersions('22.12.0', '22.12.0')).toBe(0)
    expect(compareVersions('v22.9.0', '22.12.0')).toBe(-1)
    expect(compareVersions('24.0.0', '22.12')).toBe(1)
    expect(compareVersions('5.1.9-0+deb12u1', '5.1.10')).toBe(-1)
  })
})

describe('runDoctor with nothing on PATH', () => {
  it('reports every tool but the running Node as missing, with the exact install hint, and resolves', async () => {
    const empty = fakeTools('empty', {})
    const report = await runDoctor({ env: { PATH: empty }, chromiumPaths: [] })
    expect(DoctorReportSchema.safeParse(report).success).toBe(true)
    expect(report.tools.map((t) => t.id)).toEqual(['node', 'chromium', 'ffmpeg', 'coturn', 'sipp', 'tshark', 'docker', 'espeak-ng', 'sox'])
    expect(byId(report, 'node')).toMatchObject({ status: 'ok', version: process.versions.node })
    for (const t of report.tools.filter((x) => x.id !== 'node')) {
      expect(t, t.id).toMatchObject({ status: 'missing', path: null, version: null })
      expect(t.reason, t.id).toMatch(/not found on PATH/)
    }
    expect(byId(report, 'ffmpeg').hint).toBe(HINTS.ffmpeg)
    expect(byId(report, 'coturn').hint).toBe(HINTS.coturn)
    expect(byId(report, 'sipp').hint).toBe(HINTS.sipp)
    expect(byId(report, 'tshark').hint).toBe(HINTS.tshark)
    expect(byId(report, 'docker').hint).toBe(HINTS.dockerMissing)
    expect(byId(report, 'espeak-ng').hint).toBe(HINTS.espeak)
    expect(byId(report, 'sox').hint).toBe(HINTS.sox)
    expect(byId(report, 'chromium').hint).toMatch(/^apt-get install -y chromium .*puppeteer-core.*downloads none/)
    expect(report.summary.missingRequiredForCi).toEqual(['chromium', 'ffmpeg', 'coturn', 'sipp'])
  })

  it('the CLI still exits 0, but 1 with --strict, and 2 for a bad flag', async () => {
    const empty = fakeTools('empty2', {})
    const options = { env: { PATH: empty }, chromiumPaths: [] }
    let out = ''
    expect(await doctorCommand([], { options, stdout: (s) => (out += s) })).toBe(0)
    expect(out).toMatch(/^FFmpeg \*\s+✗/m)
    expect(out).toContain(`  FFmpeg:     ${HINTS.ffmpeg}`)
    out = ''
    expect(await doctorCommand(['--json'], { options, stdout: (s) => (out += s) })).toBe(0)
    const json = DoctorReportSchema.parse(JSON.parse(out))
    expect(json.summary.notOk).toHaveLength(8)
    expect(await doctorCommand(['--strict'], { options, stdout: () => {} })).toBe(1)
    let err = ''
    expect(await doctorCommand(['--bogus'], { options, stdout: () => {}, stderr: (s) => (err += s) })).toBe(2)
    expect(err).toContain("Unknown option '--bogus'")
    expect(await doctorCommand(['--timeout', 'soon'], { options, stdout: () => {}, stderr: () => {} })).toBe(2)
  })

  it('reports a Node older than 22.19 as unusable with the setup hint', async () => {
    const report = await runDoctor({ env: { PATH: fakeTools('empty3', {}) }, chromiumPaths: [], node: { version: '20.20.2', execPath: '/usr/bin/node' } })
    expect(byId(report, 'node')).toMatchObject({ status: 'unusable', version: '20.20.2', hint: HINTS.node, reason: 'Node.js 20.20.2 is older than 22.19' })
  })
})

describe('runDoctor with fake tools', () => {
  it('parses the version of a tool that exits non-zero (sipp -v exits 99)', async () => {
    const dir = fakeTools('sipp', { sipp: 'echo; echo " SIPp v3.6.1-SCTP-PCAP-RTPSTREAM."; echo; exit 99' })
    const report = await runDoctor({ env: { PATH: dir }, chromiumPaths: [] })
    expect(byId(report, 'sipp')).toMatchObject({ status: 'ok', version: '3.6.1', path: join(dir, 'sipp'), reason: null, hint: null })
  })

  it('tells a Docker client without an engine from a running engine', async () => {
    const down = fakeTools('docker-down', {
      docker:
        'case "$1" in --version) echo "Docker version 28.2.2, build e6534b4";; *) echo "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?" >&2; exit 1;; esac',
    })
    const d1 = byId(await runDoctor({ env: { PATH: down }, chromiumPaths: [] }), 'docker')
    expect(d1).toMatchObject({ status: 'unusable', version: '28.2.2', hint: HINTS.dockerEngine })
    expect(d1.reason).toMatch(/^client found, engine not running \(Cannot connect to the Docker daemon/)
    const up = fakeTools('docker-up', { docker: 'case "$1" in --version) echo "Docker version 27.3.1, build ce12230";; info) echo "27.3.1";; esac' })
    const d2 = byId(await runDoctor({ env: { PATH: up }, chromiumPaths: [] }), 'docker')
    expect(d2).toMatchObject({ status: 'ok', version: '27.3.1', hint: null, notes: ['engine 27.3.1 running'] })
  })

  it('reports a tool that fails without a version as unusable with the exit code and its message', async () => {
    const dir = fakeTools('broken', { tshark: 'echo "tshark: error while loading shared libraries: libwireshark.so.16" >&2; exit 127' })
    const t = byId(await runDoctor({ env: { PATH: dir }, chromiumPaths: [] }), 'tshark')
    expect(t).toMatchObject({ status: 'unusable', path: join(dir, 'tshark') })
    expect(t.reason).toBe('`tshark --version` exited 127 without printing a version: tshark: error while loading shared libraries: libwireshark.so.16')
    expect(t.hint).toContain(HINTS.tshark)
  })

  it('uses RTCSPEC_CHROMIUM when set, and says so when it points at nothing', async () => {
    const dir = fakeTools('chrome', { 'my-chrome': 'echo "Google Chrome 140.0.7339.80 "' })
    const ok = byId(await runDoctor({ env: { PATH: '', RTCSPEC_CHROMIUM: join(dir, 'my-chrome') }, chromiumPaths: [] }), 'chromium')
    expect(ok).toMatchObject({ status: 'ok', version: '140.0.7339.80', path: join(dir, 'my-chrome'), notes: ['from RTCSPEC_CHROMIUM'] })
    const gone = byId(await runDoctor({ env: { PATH: '', RTCSPEC_CHROMIUM: join(dir, 'nope') } }), 'chromium')
    expect(gone).toMatchObject({ status: 'missing', reason: `RTCSPEC_CHROMIUM=${join(dir, 'nope')} is not an executable file` })
  })

  it('kills a hanging tool (and its children) at the timeout and reports it', { timeout: 10_000 }, async () => {
    // Not `exec sleep`: the script's child must die too (the probe kills the whole process group).
    const dir = fakeTools('hang', { ffmpeg: 'echo $$ > "$0.pid"\nsleep 30 &\necho $! > "$0.child.pid"\nwait' })
    const started = Date.now()
    const report = await runDoctor({ env: { ...process.env, PATH: `${dir}:${process.env.PATH ?? ''}` }, timeoutMs: 500 })
    const elapsed = Date.now() - started
    expect(elapsed).toBeLessThan(4_000)
    expect(byId(report, 'ffmpeg')).toMatchObject({
      status: 'unusable',
      path: join(dir, 'ffmpeg'),
      reason: '`ffmpeg -version` timed out after 500 ms (killed)',
    })
    expect(byId(report, 'ffmpeg').hint).toContain(HINTS.ffmpeg)
    const pids = [join(dir, 'ffmpeg.pid'), join(dir, 'ffmpeg.child.pid')].map((f) => Number(readFileSync(f, 'utf8').trim()))
    // Dead means gone, or a zombie waiting for a reaper.
    const alive = (pid: number): boolean => {
      try {
        return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))
      } catch {
        return false
      }
    }
    const deadline = Date.now() + 2_000
    while (pids.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    expect(pids.filter(alive), 'processes of the hanging fake ffmpeg still alive').toEqual([])
  })
})

describe('runDoctor on this machine', () => {
  let report: DoctorReport
  beforeAll(async () => {
    report = await runDoctor()
  })

  it('finds the running Node.js', () => {
    expect(byId(report, 'node')).toMatchObject({ status: 'ok', version: process.versions.node, path: process.execPath })
  })

  it('finds Chromium, FFmpeg, coturn and SIPp (required in CI; skipped locally when missing)', (ctx) => {
    const needed = ['chromium', 'ffmpeg', 'coturn', 'sipp'] as const
    const bad = needed.map((id) => byId(report, id)).filter((t) => t.status !== 'ok')
    if (bad.length > 0 && process.env.CI !== 'true') {
      ctx.skip(`not usable on this machine (CI installs them): ${bad.map((t) => `${t.name}: ${t.reason}`).join('; ')}`)
    }
    expect(bad.map((t) => `${t.name}: ${t.reason}`)).toEqual([])
    for (const id of needed) {
      expect(byId(report, id).path, id).toMatch(/^\//)
      // coturn may legitimately not print a version; the others must.
      if (id !== 'coturn') expect(byId(report, id).version, id).toMatch(/^\d+\.\d+/)
    }
  })
})

/** A Node on PATH that is not this repository's .tools/bin/node (on this machine: Node 20). */
function systemNode(): string | undefined {
  const dirs = (process.env.PATH ?? '').split(':').filter((d) => d !== '' && !d.startsWith(join(root, '.tools')) && !d.includes('node_modules'))
  const candidates = [...dirs.map((d) => join(d, 'node')), '/usr/local/bin/node', '/usr/bin/node']
  return candidates.find((c) => existsSync(c))
}

function run(file: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolveRun) => {
    execFile(file, args, { env, cwd: root, timeout: 25_000, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === 'number' ? err.code : null
      resolveRun({ code, stdout, stderr })
    })
  })
}

describe('bin/rtcspec.mjs', () => {
  const node = systemNode()
  const nodeVersion = node === undefined ? undefined : execFileSync(node, ['--version'], { encoding: 'utf8' }).trim().replace(/^v/, '')
  const old = nodeVersion !== undefined && compareVersions(nodeVersion, '22.12.0') < 0

  it('`doctor` under the system node exits 0 and prints the table (re-exec when that node is old)', async (ctx) => {
    if (node === undefined) ctx.skip('no system node outside .tools on PATH')
    const r = await run(node ?? '', [bin, 'doctor'])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^Tool\s+Status\s+Version\s+Path\s+Used for$/m)
    const m = /^Node\.js \*\s+✓\s+(\S+)/m.exec(r.stdout)
    expect(m?.[1]).toBeDefined()
    expect(compareVersions(m?.[1] ?? '0', '22.12.0')).toBeGreaterThanOrEqual(0)
    // The Node that ran doctor is not the old system one: the bin re-exec'd with .tools/bin/node.
    if (old) expect(m?.[1]).not.toBe(nodeVersion)
  })

  it.skipIf(!old)('on an old Node with no .tools/bin/node, says how to fix it and exits 2', async () => {
    const copy = join(tmp, 'pkg', 'bin')
    mkdirSync(copy, { recursive: true })
    copyFileSync(bin, join(copy, 'rtcspec.mjs'))
    const r = await run(node ?? '', [join(copy, 'rtcspec.mjs'), 'doctor'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('rtcspec needs Node >= 22.19')
    expect(r.stderr).toContain('run `npm run setup` or install Node 22/24')
  })

  it('re-execs with --experimental-strip-types when type stripping is off', async () => {
    const r = await run(process.execPath, ['--no-experimental-strip-types', bin, 'doctor', '--json'])
    expect(r.code).toBe(0)
    expect(DoctorReportSchema.parse(JSON.parse(r.stdout)).tools[0]?.id).toBe('node')
  })

  it('prints the usage and exits 2 for an unknown command', async () => {
    const r = await run(process.execPath, [bin, 'frobnicate'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('unknown command "frobnicate"')
    expect(r.stderr).toMatch(/usage: rtcspec \S*doctor/)
  })
})
