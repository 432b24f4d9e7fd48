/**
 * `rtcspec doctor` reports every service provider's state, and `--install` installs the missing Debian
 * packages as root (through an injected installer here) or prints the command to run otherwise.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { doctorCommand } from '../../src/cli/doctor.ts'
import { formatDoctorReport } from '../../src/cli/doctor/format.ts'
import { missingPackages } from '../../src/cli/doctor/install.ts'
import { runDoctor } from '../../src/cli/doctor/run.ts'
import { DoctorReportSchema } from '../../src/cli/doctor/schemas.ts'

const empty = mkdtempSync(join(tmpdir(), 'rtcspec-doctor-empty-'))
afterAll(() => rmSync(empty, { recursive: true, force: true }))
const options = { env: { PATH: empty }, chromiumPaths: [] as string[] }

describe('doctor: service providers', () => {
  it('reports docker, local and external for coturn and FFmpeg, with the fix for each unusable one', async () => {
    const report = DoctorReportSchema.parse(await runDoctor(options))
    expect(report.services?.map((s) => s.service)).toEqual(['coturn', 'ffmpeg'])
    const coturn = report.services?.find((s) => s.service === 'coturn')
    expect(coturn?.providers.map((p) => p.provider)).toEqual(['docker', 'local', 'external'])
    expect(coturn?.providers.find((p) => p.provider === 'local')).toMatchObject({
      usable: false,
      detail: 'turnserver not on PATH',
      hint: 'sudo apt-get install -y coturn',
    })
    expect(coturn?.providers.find((p) => p.provider === 'external')).toMatchObject({ usable: false, hint: expect.stringContaining('RTCSPEC_TURN_SERVERS') })
    const docker = coturn?.providers.find((p) => p.provider === 'docker')
    expect(coturn?.auto).toBe(docker?.usable ? 'docker' : null)
    const text = formatDoctorReport(report)
    expect(text).toMatch(/^ {2}coturn: auto → /m)
    expect(text).toMatch(/^ {4}✗ local {4}turnserver not on PATH {2}\(fix: sudo apt-get install -y coturn\)$/m)
    // The summary stays the last line.
    expect(text.trimEnd().split('\n').at(-1)).toMatch(/tools usable/)
  })

  it('an external server given by env makes `auto` pick external', async () => {
    const report = await runDoctor({ ...options, env: { PATH: empty, RTCSPEC_TURN_SERVERS: 'turn:u:secretpw@127.0.0.1:3478' } })
    const coturn = report.services?.find((s) => s.service === 'coturn')
    expect(coturn?.auto).toBe('external')
    const ext = coturn?.providers.find((p) => p.provider === 'external')
    expect(ext?.usable).toBe(true)
    expect(ext?.detail).not.toContain('secretpw')
  })
})

describe('doctor --install', () => {
  it('maps missing tools to their Debian packages', async () => {
    const report = await runDoctor({ ...options, services: false })
    expect(missingPackages(report)).toEqual(['chromium', 'ffmpeg', 'coturn', 'sip-tester', 'tshark', 'docker.io', 'espeak-ng', 'sox'])
  })

  it('as a normal user prints the exact command and exits 1 without installing', async () => {
    let err = ''
    let installed = false
    const code = await doctorCommand(['--install'], {
      options: { ...options, services: false },
      stdout: () => {},
      stderr: (s) => (err += s),
      isRoot: () => false,
      install: async () => {
        installed = true
        return 0
      },
    })
    expect(code).toBe(1)
    expect(installed).toBe(false)
    expect(err).toContain('sudo bash scripts/install-system-deps.sh')
    expect(err).toContain('sudo apt-get install -y chromium ffmpeg coturn sip-tester tshark espeak-ng sox')
    expect(err).toContain('scripts/docker-setup.sh')
  })

  it('as root runs the installer with the missing packages, then reports again', async () => {
    const calls: string[][] = []
    let out = ''
    const code = await doctorCommand(['--install', '--json'], {
      options: { ...options, services: false },
      stdout: (s) => (out += s),
      stderr: () => {},
      isRoot: () => true,
      install: async (p) => {
        calls.push([...p])
        return 0
      },
    })
    expect(code).toBe(0)
    expect(calls).toEqual([['chromium', 'ffmpeg', 'coturn', 'sip-tester', 'tshark', 'espeak-ng', 'sox']])
    expect(DoctorReportSchema.parse(JSON.parse(out)).tools.length).toBe(9)
  })

  it('fails when the installer fails', async () => {
    let err = ''
    const code = await doctorCommand(['--install'], {
      options: { ...options, services: false },
      stdout: () => {},
      stderr: (s) => (err += s),
      isRoot: () => true,
      install: async () => 100,
    })
    expect(code).toBe(1)
    expect(err).toContain('the installer exited 100')
  })
})
