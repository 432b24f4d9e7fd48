/**
 * SIPp (Debian `sip-tester`) as a local service: the far end for rtcspec's SIP interop tests and the
 * baseline in the SIP benchmarks. Runs `sipp` on loopback in its own process group (killed on dispose and
 * when Node exits), in a private temporary directory for its trace files, and reads its final statistics.
 *
 * SIPp needs fixed port numbers on its command line: rtcspec asks the OS for free ones right before
 * starting it (bind to 0, release, pass on) and retries with new ones if SIPp cannot bind.
 */
import { createSocket } from 'node:dgram'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { RtcspecError } from '../errors.ts'
import { runLocal, type ServiceProcess } from './process.ts'

/** Options of {@link startSipp}. */
export interface SippOptions {
  /** An embedded scenario (`uas`, `uac`...) or the XML text of a custom one. */
  scenario: string | { xml: string }
  /** Where to send (UAC). */
  remote?: { host: string; port: number }
  /** Echo received RTP back to its sender (`-rtp_echo`). */
  rtpEcho?: boolean
  /** Stop after this many calls (`-m`). */
  calls?: number
  /** Calls per second (`-r`). */
  rate?: number
  /** Maximum simultaneous calls (`-l`). */
  limit?: number
  /** Call duration for the `uac` pause (`-d`), ms. */
  durationMs?: number
  /** Transport: `u1` UDP single socket (default), `t1` TCP. */
  transport?: 'u1' | 'un' | 't1'
  /** Files to write into SIPp's working directory (e.g. a WAV for rtp_stream), name → bytes. */
  files?: Record<string, Uint8Array>
  /** Global timeout, seconds (`-timeout`). Default 60. */
  timeoutS?: number
  /** Extra arguments. */
  args?: string[]
}

/** SIPp's final counters (from its `-trace_stat` CSV). */
export interface SippStats {
  successfulCalls: number
  failedCalls: number
  /** Everything SIPp wrote in its last stat line, by column. */
  raw: Record<string, string>
}

/** A running SIPp. */
export interface SippProcess extends AsyncDisposable {
  /** SIPp's SIP port on 127.0.0.1. */
  readonly port: number
  /** SIPp's media (RTP echo) port on 127.0.0.1. */
  readonly mediaPort: number
  readonly process: ServiceProcess
  /** SIPp's working directory (trace files, the files given). */
  readonly dir: string
  /** Resolves with the exit code when SIPp exits. */
  readonly exited: Promise<number | null>
  /** The final statistics (after exit). */
  stats(): SippStats | undefined
  /** Stops SIPp (SIGTERM, then SIGKILL) and removes its directory. Idempotent. */
  stop(): Promise<void>
}

async function freeUdpPort(alignTo = 1, span = 1): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const s = createSocket('udp4')
    const port = await new Promise<number>((resolve, reject) => {
      s.once('error', reject)
      s.bind(0, '127.0.0.1', () => resolve(s.address().port))
    })
    s.close()
    if (port % alignTo === 0 && port + span < 65536) return port
  }
  throw new RtcspecError('NO_FREE_PORT', 'no free UDP port on 127.0.0.1 after 50 attempts')
}

function parseStatCsv(text: string): SippStats | undefined {
  const lines = text.trim().split('\n').filter(Boolean)
  if (lines.length < 2) return undefined
  const header = lines[0]!.split(';')
  const last = lines.at(-1)!.split(';')
  const raw: Record<string, string> = {}
  header.forEach((h, i) => (raw[h] = last[i] ?? ''))
  return { successfulCalls: Number(raw['SuccessfulCall(C)'] ?? 0), failedCalls: Number(raw['FailedCall(C)'] ?? 0), raw }
}

/** Starts SIPp on loopback. Throws an RtcspecError with SIPp's output when it does not start. */
export async function startSipp(options: SippOptions): Promise<SippProcess> {
  let lastError = ''
  for (let attempt = 0; attempt < 3; attempt++) {
    const dir = mkdtempSync(join(tmpdir(), 'rtcspec-sipp-'))
    for (const [name, bytes] of Object.entries(options.files ?? {})) writeFileSync(join(dir, name), bytes)
    const port = await freeUdpPort()
    const mediaPort = await freeUdpPort(2, 3)
    const args = [
      ...(typeof options.scenario === 'string' ? ['-sn', options.scenario] : ['-sf', 'scenario.xml']),
      '-i', '127.0.0.1', '-p', String(port), '-mi', '127.0.0.1', '-mp', String(mediaPort),
      '-t', options.transport ?? 'u1',
      '-nostdin', '-trace_stat', '-stf', 'stats.csv', '-fd', '1', '-trace_err',
      '-timeout', `${options.timeoutS ?? 60}s`, '-timeout_error',
      ...(options.rtpEcho ? ['-rtp_echo'] : []),
      ...(options.calls !== undefined ? ['-m', String(options.calls)] : []),
      ...(options.rate !== undefined ? ['-r', String(options.rate)] : []),
      ...(options.limit !== undefined ? ['-l', String(options.limit)] : []),
      ...(options.durationMs !== undefined ? ['-d', String(options.durationMs)] : []),
      ...(options.args ?? []),
      ...(options.remote ? [`${options.remote.host}:${options.remote.port}`] : []),
    ]
    if (typeof options.scenario !== 'string') writeFileSync(join(dir, 'scenario.xml'), options.scenario.xml)
    let proc: ServiceProcess
    try {
      proc = await runLocal('sipp', args, { cwd: dir, env: { ...process.env, TERM: 'dumb' } })
    } catch (e) {
      rmSync(dir, { recursive: true, force: true })
      throw new RtcspecError('TOOL_MISSING', `could not start sipp: ${(e as Error).message}`, { hint: 'sudo apt-get install sip-tester' })
    }
    // SIPp that cannot bind exits at once; give it a moment to fail before handing it out.
    const early = await Promise.race([proc.exited, new Promise<undefined>((r) => setTimeout(() => r(undefined), 300))])
    if (early && early.code !== 0) {
      lastError = proc.log.tail(20)
      rmSync(dir, { recursive: true, force: true })
      if (/bind|address already in use/i.test(lastError)) continue
      throw new RtcspecError('SIPP_FAILED', `sipp exited at once with code ${early.code}: ${lastError}`, { hint: `arguments: sipp ${args.join(' ')}` })
    }
    let stats: SippStats | undefined
    const readStats = () => {
      try {
        const f = readdirSync(dir).find((n) => n.startsWith('stats') && n.endsWith('.csv'))
        if (f) stats = parseStatCsv(readFileSync(join(dir, f), 'utf8')) ?? stats
      } catch {
        // directory removed
      }
    }
    const exited = proc.exited.then((e) => {
      readStats()
      return e.code
    })
    let stopped = false
    const stop = async () => {
      if (stopped) return
      stopped = true
      await proc.stop(2000)
      readStats()
      rmSync(dir, { recursive: true, force: true })
    }
    return {
      port,
      mediaPort,
      process: proc,
      dir,
      exited,
      stats: () => {
        if (!stopped) readStats()
        return stats
      },
      stop,
      [Symbol.asyncDispose]: stop,
    }
  }
  throw new RtcspecError('SIPP_FAILED', `sipp could not bind its ports in 3 attempts: ${lastError}`)
}
