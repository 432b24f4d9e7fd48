/** `rtcspec doctor` lists every patch of the registry (src/patches) with its state, in the table and the JSON. */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { doctorCommand } from '../../src/cli/doctor.ts'
import { formatDoctorReport } from '../../src/cli/doctor/format.ts'
import { makeDoctorReport } from '../../src/cli/doctor/run.ts'
import { DoctorReportSchema, type PatchReport } from '../../src/cli/doctor/schemas.ts'
import { ALL_PATCHES } from '../../src/patches/index.ts'

const empty = mkdtempSync(join(tmpdir(), 'rtcspec-doctor-patches-'))
afterAll(() => rmSync(empty, { recursive: true, force: true }))
const options = { env: { PATH: empty }, chromiumPaths: [] as string[], services: false }

describe('doctor: patches', () => {
  it('--json includes every patch with its package, versions, state and purpose; all installed on the pinned versions', async () => {
    let out = ''
    expect(await doctorCommand(['--json'], { options, stdout: (s) => (out += s) })).toBe(0)
    const patches = DoctorReportSchema.parse(JSON.parse(out)).patches ?? []
    expect(patches.map((p) => p.id)).toEqual(ALL_PATCHES.map((p) => p.id))
    for (const p of patches) {
      expect(p, p.id).toMatchObject({ state: 'installed', reason: null, installedVersion: p.writtenFor })
      expect(p.fixes.length, p.id).toBeGreaterThan(0)
    }
  })

  it('the table shows id, package@version, state and what each fixes', async () => {
    let out = ''
    expect(await doctorCommand([], { options, stdout: (s) => (out += s) })).toBe(0)
    expect(out).toMatch(/^Patch\s+Package\s+State\s+Fixes$/m)
    expect(out).toMatch(/^werift\/dtls-start\s+werift@0\.25\.2\s+installed\s+a DTLS client waits a fixed 100 ms/m)
    expect(out).toMatch(/^sip\.js\/grammar-bytecode\s+sip\.js@0\.21\.2\s+installed\s+/m)
    expect(out).toContain(`${ALL_PATCHES.length}/${ALL_PATCHES.length} patches installed.`)
    expect(out.trimEnd().split('\n').at(-1)).toMatch(/tools usable/)
  })

  it('an unsupported patch shows why, the version it was written for, and is named in the patch summary', () => {
    const unsupported: PatchReport = {
      id: 'werift/dtls-start',
      package: 'werift',
      writtenFor: '0.25.2',
      installedVersion: '0.26.0',
      state: 'unsupported',
      reason:
        'werift@0.26.0 (the patch was written for 0.25.2): RTCDtlsTransport.prototype.start has source hash 1111111111111111, written for 8d4797fba97cc56d; not applied',
      fixes: 'a DTLS client waits a fixed 100 ms before its ClientHello',
    }
    const report = {
      ...makeDoctorReport([]),
      patches: [unsupported, { ...unsupported, id: 'werift/no-default-stun', state: 'installed' as const, reason: null, installedVersion: '0.25.2' }],
    }
    const text = formatDoctorReport(DoctorReportSchema.parse(report))
    expect(text).toMatch(/^werift\/dtls-start\s+werift@0\.26\.0 \(written for 0\.25\.2\)\s+unsupported\s+a DTLS client/m)
    expect(text).toMatch(/^\s+↳ werift@0\.26\.0 \(the patch was written for 0\.25\.2\): RTCDtlsTransport\.prototype\.start has source hash 1111111111111111/m)
    expect(text).toContain('1/2 patches installed; not applied: werift/dtls-start (see docs/upstream.md).')
  })

  it('patches: false leaves them out', async () => {
    let out = ''
    await doctorCommand(['--json'], { options: { ...options, patches: false }, stdout: (s) => (out += s) })
    expect(DoctorReportSchema.parse(JSON.parse(out)).patches).toBeUndefined()
  })
})
