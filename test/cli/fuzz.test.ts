import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { execFile } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startFragileServer, type FragileServer } from '../../src/fuzz/targets/fragile-server.ts'
import { loadFuzzCaseFile } from '../../src/fuzz/report.ts'

const bin = join(import.meta.dirname, '../../bin/rtcspec.mjs')

function rtcspec(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { timeout: 120_000, env: { ...process.env, CI: '' } }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr })
    })
  })
}

let dir: string
let server: FragileServer
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rtcspec-fuzz-cli-'))
  server = await startFragileServer()
})
afterAll(async () => {
  await server.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('rtcspec fuzz', () => {
  it('sdp (parsers): runs the cases asked for, prints the summary, exits 0', async () => {
    const r = await rtcspec(['fuzz', 'sdp', '--runs', '300', '--seed', '11', '--report-dir', dir])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain('seed 11 · 300 cases')
    expect(r.stdout).toMatch(/responses: .*sdp:ok/)
    expect(r.stdout).toContain('result: no invariant violated')
  }, 120_000)

  it('against the fragile server: exits 1, saves the shrunk counterexample, and --replay reproduces it exactly', async () => {
    const r = await rtcspec(['fuzz', 'sdp', '--url', server.url, '--seed', '5', '--rate', '0', '--report-dir', dir])
    expect(r.code, r.stdout + r.stderr).toBe(1)
    expect(r.stderr).toContain(`target ${server.url}`)
    expect(r.stdout).toContain('VIOLATION')
    expect(r.stdout).toContain('connection dropped')
    const file = readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => join(dir, f))[0]
    expect(file).toBeDefined()
    const saved = loadFuzzCaseFile(file!)
    expect(saved.seed).toBe(5)
    expect(saved.outcome?.response).toBe('reset')
    expect(saved.case.fields.sdp).toMatch(/^a=rtpmap:(12[89]|1[3-9]\d|[2-9]\d\d|\d{4,}|-\d+) /m)
    const again = await rtcspec(['fuzz', 'sdp', '--url', server.url, '--replay', file!])
    expect(again.code).toBe(1)
    expect(again.stdout).toContain('response: reset')
    expect(again.stdout).toContain('reproduced exactly (same response, same violations)')
  }, 150_000)

  it('bad usage exits 2 with a message', async () => {
    expect((await rtcspec(['fuzz'])).code).toBe(2)
    const noUrl = await rtcspec(['fuzz', 'whip'])
    expect(noUrl.code).toBe(2)
    expect(noUrl.stderr).toContain('needs --url')
    const bad = await rtcspec(['fuzz', 'whip', '--url', 'http://127.0.0.1:1/whip', '--runs', 'many'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('--runs must be a non-negative number')
    expect((await rtcspec(['fuzz', 'bogus', '--url', 'http://127.0.0.1:1/'])).stderr).toContain('unknown fuzz target')
    const help = await rtcspec(['fuzz', '--help'])
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('--replay FILE')
  }, 60_000)
})
