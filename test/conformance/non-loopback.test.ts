/**
 * The conformance media check reaches a server on a non-loopback address: the reference server runs in one
 * network namespace on 10.199.X.1, `rtcspec conformance` runs in another (10.199.X.2, joined by a veth
 * pair), and the published tone is detected end to end over that link. Forced back to the loopback rule
 * (`--remote-addresses loopback`), the same run fails and the reason names the candidate that was left out.
 * An ICE-lite server (`rtcspec serve --ice-lite`: one host candidate, no checks of its own) is reached too.
 * Needs root and iproute2 (CI has both; there a missing namespace fails the test).
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest'
import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { createNetnsPair, requireNetns, type NetnsPair } from '../support/netns.ts'

const ROOT = resolve(import.meta.dirname, '../..')
const NODE = join(ROOT, '.tools/bin/node')
const BIN = join(ROOT, 'bin/rtcspec.mjs')

interface Result {
  id: string
  status: string
  detail: {
    reason: string
    measured?: Record<string, string | number | boolean>
    exchanges: Array<{ request: { method: string }; response?: { body: string } }>
  }
}

/** Resolves with what `child` printed once `pattern` matched its output; rejects on exit or after `ms`. */
function waitForOutput(child: ChildProcess, pattern: RegExp, ms: number, what: string): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let text = ''
    const done = (f: () => void) => {
      clearTimeout(timer)
      child.stdout?.off('data', onData)
      child.off('exit', onExit)
      f()
    }
    const onData = (b: Buffer) => {
      text += b.toString()
      const m = text.match(pattern)
      if (m) done(() => resolve(m))
    }
    const onExit = (code: number | null) => done(() => reject(new Error(`${what}: the process exited (${code}) first; output: ${text}`)))
    const timer = setTimeout(() => done(() => reject(new Error(`${what} within ${ms} ms; output so far: ${text}`))), ms)
    child.stdout?.on('data', onData)
    child.stderr?.on('data', (b: Buffer) => (text += b.toString()))
    child.once('exit', onExit)
  })
}

/** Runs a command to its end (bounded), returning exit code and output. */
function run(child: ChildProcess, ms: number, what: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    let stdout = ''
    let stderr = ''
    child.stdout?.on('data', (b: Buffer) => (stdout += b.toString()))
    child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()))
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`${what} did not finish within ${ms} ms; stdout: ${stdout}\nstderr: ${stderr}`))
    }, ms)
    child.once('exit', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}

const skip = requireNetns()

describe.skipIf(skip)('media check against a server on a non-loopback address (network namespaces)', () => {
  let pair: NetnsPair | undefined
  let whip = ''
  let whep = ''
  let liteWhip = ''
  let liteWhep = ''
  const dirs: string[] = []

  /** Starts `rtcspec serve media` on the server namespace's address; resolves with its WHIP and WHEP URLs. */
  async function serve(p: NetnsPair, extra: string[]): Promise<[string, string]> {
    const server = p.spawn(p.server, NODE, [BIN, 'serve', 'media', '--host', p.serverAddress, '--port', '0', ...extra], { cwd: ROOT })
    const m = await waitForOutput(server, /WHIP endpoint: (\S+)\s+WHEP endpoint: (\S+)/, 30_000, `rtcspec serve ${extra.join(' ')} to print its URLs`)
    return [m[1] ?? '', m[2] ?? '']
  }

  beforeAll(async () => {
    pair = createNetnsPair()
    ;[whip, whep] = await serve(pair, [])
    ;[liteWhip, liteWhep] = await serve(pair, ['--ice-lite'])
  }, 60_000)

  afterAll(async () => {
    await pair?.close()
    for (const d of dirs) rmSync(d, { recursive: true, force: true })
  })

  /** Runs `rtcspec conformance …` inside the client namespace and returns its exit code and the one result. */
  async function conformance(args: string[]): Promise<{ code: number | null; result: Result; output: string }> {
    const p = pair as NetnsPair
    const dir = mkdtempSync(join(tmpdir(), 'rtcspec-netns-'))
    dirs.push(dir)
    const child = p.spawn(p.client, NODE, [BIN, 'conformance', ...args, '--json', '--report-dir', dir], { cwd: ROOT })
    const r = await run(child, 90_000, `rtcspec conformance ${args.join(' ')}`)
    const output = `${r.stdout}\n${r.stderr}`
    const report = JSON.parse(r.stdout) as { results: Result[] }
    expect(report.results, output).toHaveLength(1)
    return { code: r.code, result: report.results[0] as Result, output }
  }

  test('WHIP: the tone published from the client namespace is detected at the WHEP viewer, over 10.199.X.0/30', async () => {
    const p = pair as NetnsPair
    expect(whip).toContain(`http://${p.serverAddress}:`)
    const { code, result, output } = await conformance(['whip', '--url', whip, '--whep-url', whep, '--only', 'whip.media'])
    expect(result.status, `${result.detail.reason}\n${output}`).toBe('pass')
    expect(code).toBe(0)
    const m = result.detail.measured ?? {}
    expect(m.remoteAddresses).toBe('any')
    expect(Math.abs(Number(m.measuredHz) - 440)).toBeLessThanOrEqual(5)
    // Media went over the veth link to the server's own address. (The local side may show as 127.0.0.1:
    // werift's sockets are bound to every address, so the kernel sends from 10.199.X.2 whichever host
    // candidate the pair names.)
    expect(String(m.selectedPair)).toContain(`→ ${p.serverAddress}:`)
    expect(String(m.viewerSelectedPair)).toContain(`→ ${p.serverAddress}:`)
    // Opus first in the offer, video offered alongside: the reference server takes both kinds.
    expect(m.audioCodec).toMatch(/^(opus|PCMU|PCMA)$/)
    expect(m.videoCodec).toMatch(/^(VP8|H264)$/)
  }, 120_000)

  test('WHEP: the tone published with --publish-url is detected in the played stream', async () => {
    const { code, result, output } = await conformance(['whep', '--url', whep, '--publish-url', whip, '--only', 'whep.media'])
    expect(result.status, `${result.detail.reason}\n${output}`).toBe('pass')
    expect(code).toBe(0)
    expect(String(result.detail.measured?.viewerSelectedPair)).toContain(`→ ${(pair as NetnsPair).serverAddress}:`)
  }, 120_000)

  test("--remote-addresses loopback: the check fails and names the server's candidate it left out", async () => {
    const p = pair as NetnsPair
    const { code, result, output } = await conformance(['whip', '--url', whip, '--only', 'whip.media', '--remote-addresses', 'loopback'])
    expect(result.status, output).toBe('fail')
    expect(code).toBe(1)
    const reason = result.detail.reason
    expect(reason).toContain(`remote candidate ${p.serverAddress}:`)
    expect(reason).toContain("remoteAddresses is 'loopback'")
    // The answer's own candidate is counted (it came in the SDP, not trickled).
    expect(Number(result.detail.measured?.answerCandidates)).toBeGreaterThanOrEqual(1)
    expect(String(result.detail.measured?.answerCandidateList)).toContain(p.serverAddress)
    expect(result.detail.measured?.remoteAddresses).toBe('loopback')
  }, 120_000)

  test('an ICE-lite server (one host candidate, no checks of its own) on 10.199.X.1 is reached as well', async () => {
    const p = pair as NetnsPair
    const { code, result, output } = await conformance(['whip', '--url', liteWhip, '--whep-url', liteWhep, '--only', 'whip.media'])
    expect(result.status, `${result.detail.reason}\n${output}`).toBe('pass')
    expect(code).toBe(0)
    const answer = result.detail.exchanges.find((x) => x.request.method === 'POST' && x.response?.body.startsWith('v=0'))?.response?.body ?? ''
    expect(answer).toMatch(/^a=ice-lite/m)
    expect(String(result.detail.measured?.selectedPair)).toContain(`→ ${p.serverAddress}:`)
    expect(Math.abs(Number(result.detail.measured?.measuredHz) - 440)).toBeLessThanOrEqual(5)
  }, 120_000)
})
