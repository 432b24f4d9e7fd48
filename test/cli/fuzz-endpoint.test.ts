/**
 * `rtcspec fuzz whip` against a server that a malformed offer leaves stuck (the reference server's stuck-500
 * personality, one session per endpoint, Opus only): with --reset-url the endpoint-unusable finding is
 * reproduced, saved and replayed (exit 1); without a reset hook it is reported as not replayable (still exit 1, labelled).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadFuzzCaseFile } from '../../src/fuzz/report.ts'
import { startMediaServer, type MediaServer } from '../../src/whip/media-server.ts'

const bin = join(import.meta.dirname, '../../bin/rtcspec.mjs')

function rtcspec(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { timeout: 120_000, env: { ...process.env, CI: '' } }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr })
    })
  })
}

let dir: string
let server: MediaServer
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rtcspec-fuzz-endpoint-cli-'))
  server = await startMediaServer({ personalities: ['one-session', 'opus-only', 'stuck-500'] })
})
afterAll(async () => {
  await server.close()
  rmSync(dir, { recursive: true, force: true })
})

/** Seed 7's third WHIP offer lacks a=ice-ufrag; --timeout 10000: generous, on a shared machine. */
const common = () => ['fuzz', 'whip', '--url', server.whipUrl(), '--seed', '7', '--runs', '20', '--seconds', '25', '--rate', '0', '--timeout', '10000']

describe('rtcspec fuzz whip against a stuck-500 endpoint', () => {
  it('--reset-url: the endpoint-unusable finding is reproduced and saved (JSON with cases/s), and --replay reproduces it; exit 1', async () => {
    await server.reset()
    const r = await rtcspec([...common(), '--reset-url', server.resetUrl, '--report-dir', join(dir, 'reset'), '--json'])
    expect(r.code, r.stdout + r.stderr).toBe(1)
    const json = JSON.parse(r.stdout) as {
      casesPerSecond: number
      cases: number
      exitCode: number
      findings: Array<{ kind: string; verdict: string; count: number; firstCase: number; file?: string; status: string }>
    }
    expect(json.exitCode).toBe(1)
    expect(json.casesPerSecond).toBeGreaterThan(0)
    const f = json.findings.find((x) => x.kind === 'endpoint-unusable')
    expect(f, r.stdout).toMatchObject({ verdict: 'reproduced', status: '403' })
    expect(f!.count).toBeGreaterThanOrEqual(1)
    const saved = loadFuzzCaseFile(f!.file!)
    expect(saved.finding).toMatchObject({ kind: 'endpoint-unusable', verdict: 'reproduced' })
    expect(saved.replay).toContain(`--reset-url ${server.resetUrl}`)
    expect(saved.outcome?.endpoint?.body).toMatch(/Endpoint ID already in use/)

    // the server is stuck again after the campaign's replay; --replay resets it first
    const again = await rtcspec(['fuzz', 'whip', '--url', server.whipUrl(), '--reset-url', server.resetUrl, '--timeout', '10000', '--replay', f!.file!])
    expect(again.code, again.stdout + again.stderr).toBe(1)
    expect(again.stdout).toMatch(/reproduced (exactly|\(same response, same violations up to ids and numbers\))/)
    expect(again.stdout).toContain('endpoint left unusable')

    // without the reset hook the stuck endpoint cannot be brought back: nothing is replayed, nothing tested (exit 4)
    const stuck = await rtcspec(['fuzz', 'whip', '--url', server.whipUrl(), '--timeout', '10000', '--replay', f!.file!])
    expect(stuck.code, stuck.stdout + stuck.stderr).toBe(4)
    expect(stuck.stdout).toContain('not replayed: could not bring the endpoint to a known-good state')
    await server.reset()
    expect(server.sessions.size).toBe(0)
  }, 150_000)

  it('without a reset hook: the finding is found but not replayable, no 403 counterexample is saved; exit 1', async () => {
    await server.reset()
    const r = await rtcspec([...common(), '--report-dir', join(dir, 'plain')])
    expect(r.code, r.stdout + r.stderr).toBe(1)
    expect(r.stdout).toMatch(/ENDPOINT UNUSABLE \[endpoint-unusable, 403\] ×1, first at case 3/)
    expect(r.stdout).toContain('found, NOT REPLAYABLE')
    expect(r.stdout).toContain('result: findings NOT CONFIRMED')
    expect(r.stdout).toMatch(/cases\/s/)
    expect(r.stdout).not.toContain('did not reproduce')
    const files = [...r.stdout.matchAll(/saved: (\S+\.json)/g)].map((m) => m[1]!)
    expect(files.length).toBeGreaterThan(0)
    for (const file of files) {
      const saved = loadFuzzCaseFile(file)
      expect(saved.finding?.verdict).toBe('not replayable')
      expect(saved.outcome?.response).toBe('500')
    }
    await server.reset()
  }, 150_000)
})
