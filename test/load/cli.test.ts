/** `rtcspec load` on the command line: usage errors exit 2 with a clear message; SIGINT still prints the summary. */
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { loadCommand, parseCliDuration } from '../../src/cli/load.ts'
import { main } from '../../src/cli/main.ts'

async function run(args: string[]): Promise<{ code: number; stderr: string; stdout: string }> {
  let stderr = ''
  let stdout = ''
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true))
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true))
  try {
    const code = await loadCommand(args)
    return { code, stderr, stdout }
  } finally {
    e.mockRestore()
    o.mockRestore()
  }
}

afterEach(() => vi.restoreAllMocks())

describe('rtcspec load usage', () => {
  const dir = mkdtempSync(join(tmpdir(), 'rtcspec-load-cli-'))
  const ok = ['--calls', '1', '--rate', '1', '--duration', '1s', '--report-dir', dir]

  it('is registered as a command and prints its help', async () => {
    const r = await run(['--help'])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/usage: rtcspec load SPEC --calls N --rate R --duration D/)
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation(() => true)
    await main(['--help'])
    expect(spy.mock.calls.map((c) => String(c[0])).join('')).toMatch(/\bload\b.*worker threads/)
  })

  it('an unknown SPEC exits 2 and lists the built-ins', async () => {
    const r = await run(['b2b-nonesuch', ...ok])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/no built-in scenario and no file named "b2b-nonesuch"/)
    expect(r.stderr).toMatch(/b2b-pcmu, b2b-pcma, b2b-opus/)
  })

  it('bad or missing numbers exit 2 naming the option', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['b2b-pcmu', '--calls', 'ten', '--rate', '1', '--duration', '1s'], /--calls must be a whole number, got "ten"/],
      [['b2b-pcmu', '--calls', '0', '--rate', '1', '--duration', '1s', '--report-dir', dir], /--calls must be at least 1/],
      [['b2b-pcmu', '--calls', '2', '--rate', '0', '--duration', '1s', '--report-dir', dir], /--rate must be above 0/],
      [['b2b-pcmu', '--calls', '2', '--rate', '1', '--duration', 'soon'], /--duration must be a duration like 30s/],
      [['b2b-pcmu', '--calls', '2', '--rate', '1', '--duration', '1s', '--workers', '0', '--report-dir', dir], /--workers must be at least 1/],
      [['b2b-pcmu', '--calls', '2', '--rate', '1'], /missing --duration/],
      [['b2b-pcmu', '--calls', '2', '--rate', '1', '--duration', '1s', '--bogus'], /Unknown option '--bogus'/],
      [['--calls', '2', '--rate', '1', '--duration', '1s'], /missing SPEC/],
    ]
    for (const [args, message] of cases) {
      const r = await run(args)
      expect(r.code, args.join(' ')).toBe(2)
      expect(r.stderr, args.join(' ')).toMatch(message)
    }
  })

  it('scenario files: invalid spec, SIP and Chromium scenarios, non-data exports exit 2 with the reason', async () => {
    const write = (name: string, text: string) => {
      const f = join(dir, name)
      writeFileSync(f, text)
      return f
    }
    const cases: Array<[string, RegExp]> = [
      [write('one-peer.json', JSON.stringify({ peers: { alice: {} } })), /a scenario needs exactly 2 peers/],
      [write('bad-codec.mjs', "export default { peers: { a: {}, b: {} }, codec: 'G729' }"), /unknown codec "G729"/],
      [write('chromium.json', JSON.stringify({ peers: { a: { kind: 'chromium' }, b: {} } })), /Chromium peers; rtcspec load runs werift peers only/],
      [write('sip.json', JSON.stringify({ sip: { flow: [] } })), /SIP scenario/],
      [write('fn.mjs', 'export default { peers: { a: {}, b: {} }, make: () => 1 }'), /not plain data/],
      [write('none.mjs', 'export const x = 1'), /no default export holding a scenario spec/],
      [write('scenario.txt', '{}'), /unsupported file type ".txt"/],
    ]
    for (const [file, message] of cases) {
      const r = await run([file, ...ok])
      expect(r.code, file).toBe(2)
      expect(r.stderr, file).toMatch(message)
    }
  })

  it('durations: a unit is required (a bare number is refused, naming both readings)', () => {
    expect(() => parseCliDuration('30', '--duration')).toThrow(/--duration 30: 30 what\? write 30s or 30000ms/)
    expect(parseCliDuration('30s', '--duration')).toBe(30_000)
    expect(parseCliDuration('250ms', '--duration')).toBe(250)
    expect(parseCliDuration('2m', '--duration')).toBe(120_000)
  })
})

describe('rtcspec load process', () => {
  it('SIGINT mid-run stops cleanly: exit 130, the summary of what was gathered on stdout and in load-summary.json', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rtcspec-load-sigint-'))
    const root = resolve(import.meta.dirname, '../..')
    const child = spawn(
      process.execPath,
      [join(root, 'bin/rtcspec.mjs'), 'load', 'b2b-pcmu', '--calls', '2', '--rate', '10', '--duration', '10m', '--workers', '1', '--report-dir', dir],
      { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)))
    try {
      await new Promise<void>((res, rej) => {
        const timer = setTimeout(() => rej(new Error(`both calls did not connect within 60 s; stderr:\n${stderr}`)), 60_000)
        child.stderr.on('data', (d) => {
          stderr += d
          if (/\(connected 2,/.test(stderr)) {
            clearTimeout(timer)
            res()
          }
        })
        void exited.then((code) => rej(new Error(`rtcspec load exited (${code}) before the calls connected; stderr:\n${stderr}`)))
      })
      child.kill('SIGINT')
      const code = await Promise.race([exited, new Promise<'hung'>((res) => setTimeout(() => res('hung'), 60_000))])
      expect(code, stderr).toBe(130)
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL')
    }
    expect(stderr).toMatch(/stopping \(measuring and closing every call/)
    expect(stdout).toMatch(/INTERRUPTED, partial results/)
    expect(stdout).toMatch(/calls: attempted 2, connected 2, completed 2, failed 0/)
    expect(stdout).toMatch(/exit: interrupted \(130\)/)
    const summary = JSON.parse(readFileSync(join(dir, 'load-summary.json'), 'utf8'))
    expect(summary.stopReason).toBe('interrupted')
    expect(summary.cpu.workers[0].udpSocketsAtStop).toBe(0)
  }, 150_000)
})
