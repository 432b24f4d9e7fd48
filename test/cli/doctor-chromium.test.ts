/**
 * `rtcspec doctor` reports the Chromium the peers launch: both ask `resolveChromium` (RTCSPEC_CHROMIUM, then
 * /usr/bin/chromium, then chromium on PATH), so a Chromium doctor calls usable is the one a test runs.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runDoctor } from '../../src/cli/doctor/run.ts'
import type { ToolReport } from '../../src/cli/doctor/schemas.ts'
import { chromiumExecutable, resolveChromium } from '../../src/peers/chromium/executable.ts'

const tmp = mkdtempSync(join(tmpdir(), 'rtcspec-doctor-chromium-'))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

function fakeChromium(name: string, file = 'chromium'): string {
  const dir = join(tmp, name)
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, file), '#!/bin/sh\necho "Chromium 140.0.7339.80 built on Debian GNU/Linux 13 (trixie)"\n')
  chmodSync(join(dir, file), 0o755)
  return join(dir, file)
}

async function doctorChromium(env: NodeJS.ProcessEnv, chromiumPaths: readonly string[]): Promise<ToolReport> {
  const report = await runDoctor({ env, chromiumPaths, services: false, patches: false })
  const t = report.tools.find((x) => x.id === 'chromium')
  if (t === undefined) throw new Error('no chromium in the report')
  return t
}

describe('doctor and the Chromium peers resolve Chromium the same way', () => {
  it('a Chromium only on PATH is the one doctor reports and the one the peers launch', async () => {
    const onPath = fakeChromium('path-only')
    const env = { PATH: join(tmp, 'path-only') }
    const reported = await doctorChromium(env, [])
    expect(reported).toMatchObject({ status: 'ok', path: onPath, version: '140.0.7339.80' })
    expect(chromiumExecutable(undefined, { env, fixedPaths: [] })).toBe(onPath)
  })

  it('the fixed location wins over PATH, for both', async () => {
    const fixed = fakeChromium('fixed', 'chromium-fixed')
    fakeChromium('path-too')
    const env = { PATH: join(tmp, 'path-too') }
    expect((await doctorChromium(env, [fixed])).path).toBe(fixed)
    expect(chromiumExecutable(undefined, { env, fixedPaths: [fixed] })).toBe(fixed)
  })

  it('RTCSPEC_CHROMIUM wins over both; when it points at nothing doctor says so and the peer launch names it', async () => {
    const chosen = fakeChromium('env', 'my-chrome')
    const fixed = fakeChromium('fixed2')
    const env = { PATH: join(tmp, 'fixed2'), RTCSPEC_CHROMIUM: chosen }
    expect(await doctorChromium(env, [fixed])).toMatchObject({ status: 'ok', path: chosen, notes: ['from RTCSPEC_CHROMIUM'] })
    expect(chromiumExecutable(undefined, { env, fixedPaths: [fixed] })).toBe(chosen)
    const gone = join(tmp, 'env', 'nope')
    const bad = { ...env, RTCSPEC_CHROMIUM: gone }
    expect(await doctorChromium(bad, [fixed])).toMatchObject({ status: 'missing', reason: `RTCSPEC_CHROMIUM=${gone} is not an executable file` })
    expect(chromiumExecutable(undefined, { env: bad, fixedPaths: [fixed] })).toBe(gone)
  })

  it('an explicit executablePath is used as given', () => {
    const explicit = fakeChromium('explicit')
    expect(chromiumExecutable(explicit, { env: { PATH: '' }, fixedPaths: [] })).toBe(explicit)
  })

  it('with no Chromium anywhere, doctor reports it missing and the peer launch names the default location', async () => {
    const env = { PATH: join(tmp, 'empty') }
    mkdirSync(join(tmp, 'empty'), { recursive: true })
    const reported = await doctorChromium(env, [join(tmp, 'no-such-chromium')])
    expect(reported).toMatchObject({ status: 'missing', path: null })
    expect(reported.reason).toMatch(/not found on PATH nor at .*no-such-chromium/)
    expect(resolveChromium({ env, fixedPaths: [join(tmp, 'no-such-chromium')] }).path).toBeUndefined()
    expect(chromiumExecutable(undefined, { env, fixedPaths: [join(tmp, 'no-such-chromium')] })).toBe(join(tmp, 'no-such-chromium'))
  })

  it('on this machine, doctor reports exactly the Chromium the peers launch', async () => {
    const reported = await doctorChromium(process.env, ['/usr/bin/chromium'])
    expect(reported.path).toBe(resolveChromium().path ?? null)
    if (reported.path !== null) expect(chromiumExecutable()).toBe(reported.path)
  })
})
