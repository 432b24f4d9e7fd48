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
import { registerRunResource } from '../run-registry.ts'
import { encodeAlaw, encodeMulaw } from '../media/g711.ts'
import { z } from 'zod'
import { parseOptions } from '../options.ts'

/** Options of {@link startSipp}. */
export interface SippOptions {
  /** An embedded scenario (`uas`, `uac`...) or the XML text of a custom one. */
  scenario: string | { xml: string }
  /** Where to send (UAC). */
  remote?: { host: string; port: number }
  /** Echo received RTP back to its sender (`-rtp_echo`). */
  rtpEcho?: boolean
  /** The Request-URI user SIPp calls (`-s`, default `service`). */
  service?: string
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

/** zod schema of {@link SippOptions} (strict: a misspelt option is an error with a did-you-mean). */
export const SippOptionsSchema = z.strictObject({
  scenario: z.union([z.string().min(1), z.strictObject({ xml: z.string().min(1) })]),
  remote: z.strictObject({ host: z.string().min(1), port: z.number().int().min(1).max(65535) }).optional(),
  rtpEcho: z.boolean().optional(),
  service: z.string().min(1).optional(),
  calls: z.number().int().positive().optional(),
  rate: z.number().positive().optional(),
  limit: z.number().int().positive().optional(),
  durationMs: z.number().nonnegative().optional(),
  transport: z.enum(['u1', 'un', 't1']).optional(),
  files: z.record(z.string().regex(/^[\w.-]+$/, 'a plain file name'), z.instanceof(Uint8Array)).optional(),
  timeoutS: z.number().positive().optional(),
  args: z.array(z.string()).optional(),
})

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false
type AssertTrue<T extends true> = T
/** Compile-time: the schema knows exactly the keys of `SippOptions`. */
export type SippOptionKeysCovered = AssertTrue<Same<keyof SippOptions, keyof z.input<typeof SippOptionsSchema>>>

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

/** The tail of SIPp's `-trace_err` log in `dir`, if any. */
function errorLog(dir: string): string {
  try {
    const f = readdirSync(dir).find((n) => n.endsWith('_errors.log'))
    return f ? `\n--- sipp errors log ---\n${readFileSync(join(dir, f), 'utf8').slice(-4000)}` : ''
  } catch {
    return ''
  }
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
  parseOptions(SippOptionsSchema, options, { code: 'SIPP_OPTIONS', what: 'SIPp options', hint: 'see SippOptions in src/services/sipp.ts' })
  let lastError = ''
  for (let attempt = 0; attempt < 3; attempt++) {
    const dir = mkdtempSync(join(tmpdir(), 'rtcspec-sipp-'))
    // Removed by stop(); if this process is interrupted first, by the run registry.
    const dirRegistration = registerRunResource({ kind: 'sipp', dirs: [dir] })
    const removeDir = () => {
      rmSync(dir, { recursive: true, force: true })
      dirRegistration.release()
    }
    for (const [name, bytes] of Object.entries(options.files ?? {})) writeFileSync(join(dir, name), bytes)
    const port = await freeUdpPort()
    const mediaPort = await freeUdpPort(2, 3)
    const args = [
      ...(typeof options.scenario === 'string' ? ['-sn', options.scenario] : ['-sf', 'scenario.xml']),
      '-i',
      '127.0.0.1',
      '-p',
      String(port),
      '-mi',
      '127.0.0.1',
      '-mp',
      String(mediaPort),
      '-t',
      options.transport ?? 'u1',
      '-nostdin',
      '-trace_stat',
      '-stf',
      'stats.csv',
      '-fd',
      '1',
      '-trace_err',
      '-timeout',
      `${options.timeoutS ?? 60}s`,
      '-timeout_error',
      ...(options.rtpEcho ? ['-rtp_echo'] : []),
      ...(options.service !== undefined ? ['-s', options.service] : []),
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
      proc = await runLocal('sipp', args, { cwd: dir, env: { ...process.env, TERM: 'dumb' }, kind: 'sipp' })
    } catch (e) {
      removeDir()
      throw new RtcspecError('TOOL_MISSING', `could not start sipp: ${(e as Error).message}`, { hint: 'sudo apt-get install sip-tester' })
    }
    // SIPp that cannot bind exits at once; give it a moment to fail before handing it out.
    const early = await Promise.race([proc.exited, new Promise<undefined>((r) => setTimeout(() => r(undefined), 300))])
    if (early && early.code !== 0) {
      lastError = `${proc.log.tail(20)}${errorLog(dir)}`
      removeDir()
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
      removeDir()
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

/**
 * A WAV file SIPp's `rtp_stream` can play: 8 kHz mono G.711 µ-law (format tag 7) or A-law (tag 6).
 * SIPp sends the file's bytes as RTP payload as they are, so it must already be in the codec.
 */
export function g711Wav(pcm: Int16Array, law: 'mulaw' | 'alaw' = 'mulaw'): Uint8Array {
  const data = law === 'mulaw' ? encodeMulaw(pcm) : encodeAlaw(pcm)
  const out = new Uint8Array(58 + data.length + (data.length & 1))
  const v = new DataView(out.buffer)
  const ascii = (o: number, t: string) => [...t].forEach((c, i) => (out[o + i] = c.charCodeAt(0)))
  ascii(0, 'RIFF')
  v.setUint32(4, out.length - 8, true)
  ascii(8, 'WAVE')
  ascii(12, 'fmt ')
  v.setUint32(16, 18, true)
  v.setUint16(20, law === 'mulaw' ? 7 : 6, true)
  v.setUint16(22, 1, true)
  v.setUint32(24, 8000, true)
  v.setUint32(28, 8000, true)
  v.setUint16(32, 1, true)
  v.setUint16(34, 8, true)
  v.setUint16(36, 0, true)
  ascii(38, 'fact')
  v.setUint32(42, 4, true)
  v.setUint32(46, data.length, true)
  ascii(50, 'data')
  v.setUint32(54, data.length, true)
  out.set(data, 58)
  return out
}

/**
 * A SIPp UAC scenario (SIPp's own `uac`, with PCMU in the SDP) that streams `wav` with `rtp_stream` from the
 * ACK for `streamMs`, then hangs up with BYE.
 */
export function sippUacStreamScenario(options: { wav: string; streamMs: number; payloadType?: 0 | 8 }): string {
  const pt = options.payloadType ?? 0
  const codec = pt === 0 ? 'PCMU' : 'PCMA'
  const headers = (method: string, cseq: string, toTag = false) =>
    `      Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
      From: sipp <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
      To: [service] <sip:[service]@[remote_ip]:[remote_port]>${toTag ? '[peer_tag_param]' : ''}
      Call-ID: [call_id]
      CSeq: ${cseq} ${method}
      Contact: sip:sipp@[local_ip]:[local_port]
      Max-Forwards: 70`
  return `<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="rtcspec UAC with rtp_stream">
  <send retrans="500"><![CDATA[
      INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
${headers('INVITE', '1')}
      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=user1 53655765 2353687637 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP ${pt}
      a=rtpmap:${pt} ${codec}/8000
    ]]></send>
  <recv response="100" optional="true"></recv>
  <recv response="180" optional="true"></recv>
  <recv response="183" optional="true"></recv>
  <recv response="200" rtd="true"></recv>
  <send><![CDATA[
      ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
${headers('ACK', '1', true)}
      Content-Length: 0
    ]]></send>
  <nop><action><exec rtp_stream="${options.wav},-1,${pt}"/></action></nop>
  <pause milliseconds="${options.streamMs}"/>
  <nop><action><exec rtp_stream="pause"/></action></nop>
  <send retrans="500"><![CDATA[
      BYE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
${headers('BYE', '2', true)}
      Content-Length: 0
    ]]></send>
  <recv response="200" crlf="true"></recv>
</scenario>
`
}

/**
 * SIPp's embedded `uas` scenario (180, 200 with PCMU SDP, ACK, BYE → 200) without its final 4 s
 * `timewait`, so a call counts as successful as soon as the BYE is answered.
 */
export function sippUasScenario(): string {
  const reply = (status: string, sdp: boolean, tag: boolean) => `  <send${status.startsWith('200') && sdp ? ' retrans="500"' : ''}><![CDATA[
      SIP/2.0 ${status}
      [last_Via:]
      [last_From:]
      [last_To:]${tag ? ';tag=[pid]SIPpTag01[call_number]' : ''}
      [last_Call-ID:]
      [last_CSeq:]
      Contact: <sip:[local_ip]:[local_port];transport=[transport]>
${
  sdp
    ? `      Content-Type: application/sdp
      Content-Length: [len]

      v=0
      o=user1 53655765 2353687637 IN IP[local_ip_type] [local_ip]
      s=-
      c=IN IP[media_ip_type] [media_ip]
      t=0 0
      m=audio [media_port] RTP/AVP 0
      a=rtpmap:0 PCMU/8000`
    : '      Content-Length: 0'
}
    ]]></send>`
  return `<?xml version="1.0" encoding="ISO-8859-1" ?>
<!DOCTYPE scenario SYSTEM "sipp.dtd">
<scenario name="rtcspec UAS (SIPp uas without timewait)">
  <recv request="INVITE" crlf="true"></recv>
${reply('180 Ringing', false, true)}
${reply('200 OK', true, true)}
  <recv request="ACK" optional="true" rtd="true" crlf="true"></recv>
  <recv request="BYE"></recv>
${reply('200 OK', false, false)}
</scenario>
`
}
