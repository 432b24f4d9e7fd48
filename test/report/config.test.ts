import { describe, it, expect, beforeAll, afterAll } from 'vitest'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { defineConfig, gatesOf, loadConfig, parseConfig } from '../../src/config/config.ts'
import { RtcspecError } from '../../src/errors.ts'

let dir: string
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rtcspec-config-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('rtcspec config', () => {
  it('accepts threshold strings and gate objects; gatesOf lists them in order', () => {
    const c = parseConfig(defineConfig({ gates: { 'audio.loss': '< 0.01', mos: { threshold: '> 3.8', optional: true, exclude: ['lossy', /preset/] } } }))
    expect(gatesOf(c)).toEqual([
      { metric: 'audio.loss', threshold: '< 0.01' },
      { metric: 'mos', threshold: '> 3.8', optional: true, exclude: ['lossy', /preset/] },
    ])
    expect(gatesOf(parseConfig({}))).toEqual([])
  })
  it('names the bad key, the valid metrics and how to write a threshold', () => {
    let err: unknown
    try {
      parseConfig({ gates: { 'audio.los': '< 0.01', mos: '3.8', 'setup.connectMs': { threshold: '< 5', optinal: true } }, gate: {} }, 'x.json')
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(RtcspecError)
    const m = (err as RtcspecError).message
    expect((err as RtcspecError).code).toBe('CONFIG_INVALID')
    expect(m).toMatch(/^invalid x\.json:/)
    expect(m).toMatch(/gates\.audio\.los: unknown metric "audio\.los"; valid metrics: audio\.loss, audio\.jitterMs, mos/)
    expect(m).toMatch(/gates\.mos: malformed threshold: write a comparison and a number/)
    expect(m).toMatch(/gates\.setup\.connectMs/)
    expect(m).toMatch(/\(top level\): Unrecognized key: "gate"/)
  })
  it('loads .json, .mjs and .ts files from the directory, or the file given', async () => {
    expect(await loadConfig({ cwd: dir })).toEqual({ config: {} })
    writeFileSync(join(dir, 'rtcspec.config.json'), JSON.stringify({ gates: { mos: '> 3' } }))
    expect(await loadConfig({ cwd: dir })).toEqual({ config: { gates: { mos: '> 3' } }, source: join(dir, 'rtcspec.config.json') })
    writeFileSync(join(dir, 'rtcspec.config.ts'), `const t: string = '< 20'\nexport default { gates: { 'audio.jitterMs': t } }\n`)
    expect((await loadConfig({ cwd: dir })).config).toEqual({ gates: { 'audio.jitterMs': '< 20' } })
    writeFileSync(join(dir, 'other.mjs'), `export default { gates: { 'setup.connectMs': '< 500' } }\n`)
    expect((await loadConfig({ cwd: dir, file: 'other.mjs' })).config).toEqual({ gates: { 'setup.connectMs': '< 500' } })
    writeFileSync(join(dir, 'nodefault.mjs'), `export const gates = {}\n`)
    await expect(loadConfig({ cwd: dir, file: 'nodefault.mjs' })).rejects.toThrow(/no default export/)
    writeFileSync(join(dir, 'broken.json'), `{ gates: `)
    await expect(loadConfig({ cwd: dir, file: 'broken.json' })).rejects.toThrow(/could not load .*broken\.json/)
    await expect(loadConfig({ cwd: dir, file: 'missing.json' })).rejects.toThrow(/config file not found: missing\.json/)
  })
})

describe("the repository's own rtcspec.config.ts (used by npm run main)", () => {
  it('loads, validates and declares the gates docs/ci.md shows', async () => {
    const root = join(import.meta.dirname, '..', '..')
    const loaded = await loadConfig({ cwd: root })
    expect(loaded.source).toBe(join(root, 'rtcspec.config.ts'))
    // optional: a run of one medium's examples has no samples of the other's gates; impaired: set-up is gated on
    // relay calls too; setup.firstRtpMs is never optional, so a run that recorded no media fails
    expect(gatesOf(loaded.config).map((g) => `${g.metric} ${g.threshold}${g.optional ? ' optional' : ''}${g.impaired ? ' impaired' : ''}`)).toEqual([
      'audio.loss < 0.01 optional',
      'audio.jitterMs < 60 optional',
      'mos > 3.8 optional',
      'setup.connectMs < 5000 optional impaired',
      'setup.firstRtpMs < 8000 impaired',
      'video.fps > 5 optional',
      'video.freezeMs < 1000 optional',
      'video.firstFrameMs < 3000 optional',
    ])
  })
})
