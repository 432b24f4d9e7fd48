/**
 * `rtcspec serve` and `rtcspec conformance`: the server prints its URLs and stops cleanly on SIGTERM (its
 * port is free afterwards); the conformance command's exit codes (0 clean, 1 MUST failure, --strict adds
 * SHOULDs, 2 bad arguments, 4 an unreachable URL), its report files, and a clean failure for an unreachable URL.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, test } from 'vitest'
import { conformanceCommand } from '../../src/cli/conformance.ts'
import { ConformanceReportSchema } from '../../src/conformance/report.ts'
import { waitFor } from '../../src/wait.ts'

const root = new URL('../../', import.meta.url).pathname
const quiet = { out: () => undefined, err: () => undefined }
const dirs: string[] = []
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'rtcspec-conf-'))
  dirs.push(d)
  return d
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer()
    s.once('error', () => resolve(false))
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)))
  })
}

describe('rtcspec serve', () => {
  test('prints the endpoint URLs, answers a POST, and stops on SIGTERM leaving the port free', async () => {
    const child = spawn(process.execPath, [join(root, 'bin/rtcspec.mjs'), 'serve', 'media', '--token', 'tk'], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)))
    try {
      await waitFor(() => /WHEP endpoint: (\S+)/.test(out), { timeoutMs: 15_000, label: 'rtcspec serve to print its URLs' })
      const whip = /WHIP endpoint: (\S+)/.exec(out)?.[1] ?? ''
      expect(whip).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/whip\/live$/)
      const res = await fetch(whip, { method: 'POST', headers: { 'Content-Type': 'application/sdp' }, body: 'v=0', signal: AbortSignal.timeout(5_000) })
      expect(res.status).toBe(401) // the token is required
      // The conformance suite passes with 0 failures against `rtcspec serve` (signaling checks; media is covered elsewhere).
      let table = ''
      const code = await conformanceCommand(['whip', '--url', whip, '--token', 'tk', '--no-media', '--report-dir', tmp()], {
        out: (x) => (table += x),
        err: () => undefined,
      })
      expect(code, table).toBe(0)
      expect(table).toMatch(/ 0 failed /)
      const port = Number(new URL(whip).port)
      child.kill('SIGTERM')
      expect(await exited).toBe(0)
      expect(out).toMatch(/stopped/)
      expect(await portIsFree(port)).toBe(true)
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL')
    }
  }, 30_000)

  test('refuses an unknown fault id with the reason', async () => {
    const child = spawn(process.execPath, [join(root, 'bin/rtcspec.mjs'), 'serve', '--fault', 'whip.no-such-thing'], { stdio: ['ignore', 'pipe', 'pipe'] })
    let err = ''
    child.stderr.on('data', (d: Buffer) => (err += d.toString()))
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)))
    expect(code).toBe(1)
    expect(err).toMatch(/unknown fault/)
  }, 30_000)
})

describe('rtcspec conformance', () => {
  test('exit 0 against the reference server, with conformance.json (schema-valid) and JUnit', async () => {
    const dir = tmp()
    expect(await conformanceCommand(['whep', '--embedded', '--report-dir', dir], quiet)).toBe(0)
    const report = ConformanceReportSchema.parse(JSON.parse(readFileSync(join(dir, 'conformance.json'), 'utf8')))
    expect(report.summary.fail).toBe(0)
    expect(report.results.find((r) => r.id === 'whep.media')?.status).toBe('pass')
    expect(readFileSync(join(dir, 'conformance-junit.xml'), 'utf8')).toMatch(/<testsuite name="whep conformance/)
  }, 60_000)

  test('exit 1 on a MUST failure; a SHOULD failure exits 0 unless --strict', async () => {
    const dir = tmp()
    expect(await conformanceCommand(['whip', '--embedded', '--no-media', '--fault', 'whip.answer.bundle', '--report-dir', dir], quiet)).toBe(1)
    expect(await conformanceCommand(['whip', '--embedded', '--no-media', '--fault', 'whip.options.accept-post', '--report-dir', dir], quiet)).toBe(0)
    expect(await conformanceCommand(['whip', '--embedded', '--no-media', '--strict', '--fault', 'whip.options.accept-post', '--report-dir', dir], quiet)).toBe(
      1,
    )
  }, 60_000)

  test('exit 2 for bad arguments; an unreachable URL fails cleanly and quickly', async () => {
    expect(await conformanceCommand(['whip'], quiet)).toBe(2)
    expect(await conformanceCommand(['smtp', '--url', 'http://127.0.0.1:9/'], quiet)).toBe(2)
    expect(await conformanceCommand(['whip', '--url', 'not a url'], quiet)).toBe(2)
    const free = await new Promise<number>((resolve) => {
      const s = createServer()
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port
        s.close(() => resolve(p))
      })
    })
    const dir = tmp()
    const t0 = performance.now()
    let printed = ''
    // Nothing could be tested: infrastructure (4), not a non-conformant server (1).
    expect(
      await conformanceCommand(['whip', '--url', `http://127.0.0.1:${free}/whip/live`, '--report-dir', dir, '--timeout', '500'], {
        out: (s) => (printed += s),
        err: () => undefined,
      }),
    ).toBe(4)
    expect(performance.now() - t0).toBeLessThan(30_000)
    expect(printed).toMatch(/ECONNREFUSED/)
    expect(printed).toMatch(/the endpoint never answered: nothing was tested/)
    // Only post.201 judges the unanswered POST; the checks that needed its session are blocked, not failed.
    const report = ConformanceReportSchema.parse(JSON.parse(readFileSync(join(dir, 'conformance.json'), 'utf8')))
    expect(report.results.find((r) => r.id === 'whip.post.201')?.status).toBe('fail')
    expect(report.results.find((r) => r.id === 'whip.answer.bundle')?.status).toBe('blocked')
  }, 60_000)
})
