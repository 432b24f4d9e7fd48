/**
 * Kamailio as the SIP proxy/registrar under test: a stock-shaped configuration (src/services/kamailio-config.ts)
 * in a temp dir, UDP + TCP + WebSocket listeners on loopback ports from the OS, Kamailio in the foreground
 * (`-DD -E`) with its log captured, and a readiness check that gets a real `200` to an OPTIONS over UDP and
 * connects to the TCP and WebSocket listeners.
 *
 * Providers: `local` (`kamailio` on PATH, Debian packages `kamailio` + `kamailio-websocket-modules`),
 * `docker` (image `rtcspec/kamailio` from `containers/kamailio`, host networking), `external`
 * (`SIP_PROXY_URI`: the user's own proxy, e.g. `udp://127.0.0.1:5060,ws://127.0.0.1:8080`).
 */
import { createSocket } from 'node:dgram'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { z } from 'zod'
import { RtcspecError } from '../errors.ts'
import { freePort } from '../net/ports.ts'
import type { SipTransportSpec } from '../sipua/transports.ts'
import { runContainer, serviceImage } from './docker.ts'
import { kamailioConfig } from './kamailio-config.ts'
import { ServiceLog, writeServiceLog } from './logs.ts'
import { runLocal, type ServiceProcess } from './process.ts'
import { resolveProvider, type ServiceProviderSpec } from './provider.ts'
import type { ProviderChoice, ProviderKind, Service } from './types.ts'

/** How Kamailio is provided (for provider selection and `rtcspec doctor`). */
export const KAMAILIO_PROVIDER_SPEC: ServiceProviderSpec = {
  service: 'kamailio',
  binary: 'kamailio',
  aptPackage: 'kamailio kamailio-websocket-modules',
  externalEnv: 'SIP_PROXY_URI',
}

const INSTALL_HINT =
  'sudo apt-get install -y kamailio kamailio-websocket-modules (or sudo bash scripts/install-system-deps.sh); or set SIP_PROXY_URI to use your own proxy'

/** Options of {@link startKamailio}; every field is optional. */
export const KamailioOptionsSchema = z.strictObject({
  /** `auto` (default), `docker`, `local` or `external`. */
  provider: z.enum(['auto', 'docker', 'local', 'external']).optional(),
  /** The SIP domain the proxy serves (user agents register `sip:user@<domain>`). Default `rtcspec.test`. */
  domain: z
    .string()
    .min(1)
    .regex(/^[\w.-]+$/, 'domain must be letters, digits, ".", "-" or "_"')
    .optional(),
  /** Largest registration lifetime granted, seconds. Default 3600. */
  maxExpires: z.number().int().min(60).max(86_400).optional(),
  /** Worker processes (per UDP listener, and for TCP). Default 2. */
  children: z.number().int().min(1).max(16).optional(),
  /** Kamailio's `debug=` level: 0 warnings … 2 info (default) … 3 debug. */
  debugLevel: z.number().int().min(-1).max(3).optional(),
  /**
   * Add two RFC 3261 checks Kamailio's stock configuration leaves out: 420 for an unknown Proxy-Require
   * (§16.3) and dropping responses whose top Via is not Kamailio's (§18.1.2). Default false (stock behaviour).
   */
  strict: z.boolean().optional(),
  /** Readiness timeout (ms), default 15000. */
  readyTimeoutMs: z.number().int().positive().optional(),
  /** Extra global configuration lines, appended verbatim. */
  extraGlobals: z.array(z.string()).optional(),
})

/** Options of {@link startKamailio}. */
export type KamailioOptions = z.input<typeof KamailioOptionsSchema>

/** A SIP transport of the proxy. */
export type KamailioTransport = 'udp' | 'tcp' | 'ws'

/** A running Kamailio (or, with the external provider, the user's proxy). */
export interface KamailioService extends Service {
  readonly name: 'kamailio'
  /** The SIP domain served. */
  readonly domain: string
  /** Transports the proxy listens on. */
  readonly transports: ReadonlyArray<KamailioTransport>
  /** The UDP listener, when there is one. */
  readonly udp: { host: string; port: number } | undefined
  /** The TCP listener, when there is one. */
  readonly tcp: { host: string; port: number } | undefined
  /** `ws://127.0.0.1:<port>` (RFC 7118), when there is one. */
  readonly wsUrl: string | undefined
  /** The proxy's SIP URI on a transport, e.g. `sip:127.0.0.1:5060;transport=udp`. */
  uri(transport: KamailioTransport): string
  /** The `transport` option of `createSipUserAgent` that sends everything through this proxy. */
  userAgentTransport(transport: KamailioTransport): SipTransportSpec
  /** Sends an OPTIONS over UDP to the proxy itself; resolves with the status, or undefined without an answer in time. */
  ping(timeoutMs?: number): Promise<number | undefined>
}

class KamailioServiceImpl implements KamailioService {
  readonly name = 'kamailio' as const
  readonly provider: ProviderKind
  readonly domain: string
  readonly transports: ReadonlyArray<KamailioTransport>
  readonly udp: { host: string; port: number } | undefined
  readonly tcp: { host: string; port: number } | undefined
  readonly wsUrl: string | undefined
  readonly log: ServiceLog
  #logFile: string | undefined
  readonly #proc: ServiceProcess | undefined
  readonly #dir: string | undefined
  #closing: Promise<void> | undefined

  constructor(init: {
    provider: ProviderKind
    domain: string
    udp?: { host: string; port: number }
    tcp?: { host: string; port: number }
    wsUrl?: string
    proc?: ServiceProcess
    dir?: string
  }) {
    this.provider = init.provider
    this.domain = init.domain
    this.udp = init.udp
    this.tcp = init.tcp
    this.wsUrl = init.wsUrl
    this.transports = [...(init.udp ? ['udp' as const] : []), ...(init.tcp ? ['tcp' as const] : []), ...(init.wsUrl ? ['ws' as const] : [])]
    this.#proc = init.proc
    this.#dir = init.dir
    this.log = init.proc?.log ?? new ServiceLog()
  }

  get logFile(): string | undefined {
    return this.#logFile
  }

  #need<T>(value: T | undefined, transport: KamailioTransport): T {
    if (value === undefined) {
      throw new RtcspecError('SIP_NO_TRANSPORT', `the SIP proxy has no ${transport} listener (it has ${this.transports.join(', ') || 'none'})`, {
        hint:
          this.provider === 'external'
            ? `add a ${transport} entry to SIP_PROXY_URI, e.g. ${transport === 'ws' ? 'ws://127.0.0.1:8080' : `${transport}://127.0.0.1:5060`}`
            : undefined,
      })
    }
    return value
  }

  uri(transport: KamailioTransport): string {
    if (transport === 'ws') {
      const u = new URL(this.#need(this.wsUrl, 'ws'))
      return `sip:${u.hostname}:${u.port || 80};transport=ws`
    }
    const a = this.#need(transport === 'udp' ? this.udp : this.tcp, transport)
    return `sip:${a.host}:${a.port};transport=${transport}`
  }

  userAgentTransport(transport: KamailioTransport): SipTransportSpec {
    if (transport === 'ws') return { kind: 'ws', url: this.#need(this.wsUrl, 'ws') }
    if (transport === 'udp') return { kind: 'udp', remote: this.#need(this.udp, 'udp') }
    return { kind: 'tcp', remote: this.#need(this.tcp, 'tcp') }
  }

  ping(timeoutMs = 1000): Promise<number | undefined> {
    const udp = this.#need(this.udp, 'udp')
    return optionsPing(udp.host, udp.port, timeoutMs)
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#proc?.stop(3000)
      if (this.#proc) this.#logFile = writeServiceLog(`kamailio-${this.provider}`, this.log)
      if (this.#dir) await rm(this.#dir, { recursive: true, force: true }).catch(() => {})
    })()
    return this.#closing
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }
}

/** One OPTIONS to `host:port` over UDP from an ephemeral loopback socket; the status of the first response, or undefined. */
async function optionsPing(host: string, port: number, timeoutMs: number): Promise<number | undefined> {
  const sock = createSocket(host.includes(':') ? 'udp6' : 'udp4')
  try {
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject)
      sock.bind(0, host.includes(':') ? '::1' : '127.0.0.1', () => resolve())
    })
    sock.on('error', () => {})
    const local = sock.address()
    const branch = `z9hG4bKrtcspec${Math.floor(Math.random() * 1e12)}`
    const target = host.includes(':') ? `[${host}]` : host
    const text = [
      `OPTIONS sip:${target}:${port} SIP/2.0`,
      `Via: SIP/2.0/UDP ${local.address}:${local.port};branch=${branch};rport`,
      'Max-Forwards: 70',
      `From: <sip:rtcspec@${target}>;tag=ping${Math.floor(Math.random() * 1e9)}`,
      `To: <sip:${target}:${port}>`,
      `Call-ID: rtcspec-ping-${branch}`,
      'CSeq: 1 OPTIONS',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n')
    return await new Promise<number | undefined>((resolve) => {
      const t = setTimeout(() => resolve(undefined), timeoutMs)
      sock.on('message', (b) => {
        const m = /^SIP\/2\.0 (\d{3}) /.exec(b.toString('utf8'))
        if (m && m[1] !== '100') {
          clearTimeout(t)
          resolve(Number(m[1]))
        }
      })
      sock.send(text, port, host)
    })
  } finally {
    await new Promise<void>((r) => sock.close(() => r()))
  }
}

/** Whether a TCP connection to `host:port` opens within `timeoutMs`. */
function tcpAccepts(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host, port })
    const done = (ok: boolean) => {
      clearTimeout(t)
      s.destroy()
      resolve(ok)
    }
    const t = setTimeout(() => done(false), timeoutMs)
    s.once('connect', () => done(true))
    s.once('error', () => done(false))
  })
}

/** Kamailio's log line when a listener cannot be bound. */
const BIND_FAILED = /bind.*(failed|Address already in use)|Address already in use|cannot bind/i

async function waitUntilReady(service: KamailioServiceImpl, proc: ServiceProcess, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs
  const udp = service.udp as { host: string; port: number }
  const tcp = service.tcp as { host: string; port: number }
  const ws = new URL(service.wsUrl as string)
  const pending = new Set(['UDP OPTIONS answered 200', `TCP ${tcp.port} accepts`, `WebSocket ${ws.port} accepts`])
  while (pending.size > 0) {
    if (proc.exitInfo || BIND_FAILED.test(proc.log.text())) {
      throw new RtcspecError(
        'KAMAILIO_NOT_READY',
        `kamailio (${service.provider}, ${proc.description}) ${proc.exitInfo ? `exited with ${proc.exitInfo.code ?? proc.exitInfo.signal}` : 'could not bind a port'} before it was ready; last log lines:\n${proc.log.tail(20)}`,
        {
          hint: 'see the log above (a port taken by another process is retried with new ports)',
        },
      )
    }
    const left = deadline - performance.now()
    if (left <= 0) {
      throw new RtcspecError(
        'KAMAILIO_NOT_READY',
        `timed out after ${timeoutMs} ms waiting for kamailio (${service.provider}): still waiting for ${[...pending].join(', ')}; last log lines:\n${proc.log.tail(20)}`,
      )
    }
    const step = Math.min(500, Math.max(50, left))
    if (pending.has('UDP OPTIONS answered 200') && (await optionsPing(udp.host, udp.port, step)) === 200) pending.delete('UDP OPTIONS answered 200')
    if (pending.has(`TCP ${tcp.port} accepts`) && (await tcpAccepts(tcp.host, tcp.port, step))) pending.delete(`TCP ${tcp.port} accepts`)
    if (pending.has(`WebSocket ${ws.port} accepts`) && (await tcpAccepts(ws.hostname, Number(ws.port), step))) pending.delete(`WebSocket ${ws.port} accepts`)
    if (pending.size > 0) await new Promise((r) => setTimeout(r, 50))
  }
}

async function chooseProvider(choice: ProviderChoice | undefined): Promise<ProviderKind> {
  try {
    return await resolveProvider(KAMAILIO_PROVIDER_SPEC, choice)
  } catch (e) {
    if (e instanceof RtcspecError && e.code === 'PROVIDER_UNAVAILABLE' && choice !== 'docker' && choice !== 'external') {
      throw new RtcspecError('TOOL_MISSING', `kamailio is not installed: ${e.message.split('\n')[0]}`, { hint: INSTALL_HINT, cause: e })
    }
    throw e
  }
}

/**
 * Starts Kamailio (registrar + proxy, UDP/TCP/WebSocket on loopback) and resolves once it answers.
 * Dispose the result (`await using`) to stop it and remove its directory; its log goes to `reports/services/`.
 *
 * @throws {RtcspecError} `KAMAILIO_OPTIONS` for invalid options, `TOOL_MISSING` when kamailio is not installed
 *   (and neither Docker nor `SIP_PROXY_URI` provides it), `KAMAILIO_NOT_READY` (with the log tail) when it
 *   does not start.
 */
export async function startKamailio(options: KamailioOptions = {}): Promise<KamailioService> {
  const parsed = KamailioOptionsSchema.safeParse(options)
  if (!parsed.success)
    throw new RtcspecError('KAMAILIO_OPTIONS', `invalid kamailio options:\n${z.prettifyError(parsed.error)}`, {
      hint: 'see KamailioOptions in src/services/kamailio.ts',
    })
  const o = parsed.data
  const provider = await chooseProvider(o.provider as ProviderChoice | undefined)
  const domain = o.domain ?? 'rtcspec.test'
  if (provider === 'external') return externalProxy(process.env.SIP_PROXY_URI ?? '', o.domain ?? process.env.SIP_PROXY_DOMAIN)
  const dir = await mkdtemp(join(tmpdir(), 'rtcspec-kamailio-'))
  try {
    await mkdir(join(dir, 'run'))
    let lastError: Error | undefined
    // A port from the OS can be taken again before Kamailio binds it: retry with fresh ports.
    for (let attempt = 1; attempt <= 3; attempt++) {
      const sipPort = await freePort({ udp: true, tcp: true })
      const wsPort = await freePort({ udp: false, tcp: true })
      const cfg = join(dir, 'kamailio.cfg')
      await writeFile(
        cfg,
        kamailioConfig({
          sipPort,
          wsPort,
          domain,
          maxExpires: o.maxExpires ?? 3600,
          children: o.children ?? 2,
          debugLevel: o.debugLevel ?? 2,
          strict: o.strict ?? false,
          extraGlobals: o.extraGlobals ?? [],
        }),
      )
      const args = ['-f', cfg, '-DD', '-E', '-P', join(dir, 'kamailio.pid'), '-Y', join(dir, 'run'), '-m', '64', '-M', '8']
      let proc: ServiceProcess
      try {
        proc =
          provider === 'docker' ? await runContainer(serviceImage('kamailio'), args, { service: 'kamailio', binds: [dir] }) : await runLocal('kamailio', args)
      } catch (e) {
        throw new RtcspecError('TOOL_MISSING', `could not start kamailio (${provider}): ${(e as Error).message}`, { hint: INSTALL_HINT, cause: e })
      }
      const host = '127.0.0.1'
      const service = new KamailioServiceImpl({
        provider,
        domain,
        udp: { host, port: sipPort },
        tcp: { host, port: sipPort },
        wsUrl: `ws://${host}:${wsPort}`,
        proc,
        dir,
      })
      try {
        await waitUntilReady(service, proc, o.readyTimeoutMs ?? 15_000)
        return service
      } catch (e) {
        lastError = e as Error
        await proc.stop(1000)
        writeServiceLog(`kamailio-${provider}-failed`, proc.log)
        if (!BIND_FAILED.test(proc.log.text())) break
      }
    }
    throw lastError ?? new Error('kamailio did not start')
  } catch (e) {
    await rm(dir, { recursive: true, force: true }).catch(() => {})
    throw e
  }
}

const ProxyEntrySchema = z
  .string()
  .regex(
    /^(udp|tcp|ws|wss):\/\/(\[[^\]]+\]|[^:/\s]+):\d{1,5}(\/\S*)?$|^sips?:(\[[^\]]+\]|[^:;\s]+)(:\d{1,5})?(;transport=(udp|tcp|ws|wss))?$/i,
    'udp://host:port, tcp://host:port, ws://host:port[/path] or sip:host[:port][;transport=udp|tcp|ws]',
  )

/** The listeners named by `SIP_PROXY_URI` (comma-separated `udp://h:p`, `tcp://h:p`, `ws://h:p/path`, `sip:h:p;transport=x`). */
export function parseSipProxyUris(text: string): { udp?: { host: string; port: number }; tcp?: { host: string; port: number }; wsUrl?: string } {
  const entries = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
  if (!entries.length)
    throw new RtcspecError('SIP_PROXY_URI', 'SIP_PROXY_URI is empty', { hint: 'e.g. SIP_PROXY_URI=udp://127.0.0.1:5060,ws://127.0.0.1:8080' })
  const out: { udp?: { host: string; port: number }; tcp?: { host: string; port: number }; wsUrl?: string } = {}
  for (const e of entries) {
    const r = ProxyEntrySchema.safeParse(e)
    if (!r.success)
      throw new RtcspecError('SIP_PROXY_URI', `SIP_PROXY_URI entry ${JSON.stringify(e)} is not ${r.error.issues[0]?.message}`, {
        hint: 'e.g. SIP_PROXY_URI=udp://127.0.0.1:5060,ws://127.0.0.1:8080',
      })
    const sip = /^sips?:(\[[^\]]+\]|[^:;]+)(?::(\d+))?(?:;transport=(\w+))?$/i.exec(e)
    const [scheme, host, port, path] = sip
      ? [(sip[3] ?? 'udp').toLowerCase(), sip[1] as string, Number(sip[2] ?? (sip[3]?.toLowerCase().startsWith('ws') ? 80 : 5060)), '']
      : (() => {
          const u = new URL(e)
          return [u.protocol.slice(0, -1), u.hostname, Number(u.port), u.pathname === '/' ? '' : u.pathname] as const
        })()
    const bare = host.replace(/^\[|\]$/g, '')
    if (port < 1 || port > 65535) throw new RtcspecError('SIP_PROXY_URI', `SIP_PROXY_URI entry ${JSON.stringify(e)} has port ${port}, outside 1..65535`)
    if (scheme === 'udp') out.udp = { host: bare, port }
    else if (scheme === 'tcp') out.tcp = { host: bare, port }
    else out.wsUrl = `${scheme}://${host}:${port}${path}`
  }
  return out
}

function externalProxy(text: string, domain: string | undefined): KamailioService {
  const l = parseSipProxyUris(text)
  const firstHost = l.udp?.host ?? l.tcp?.host ?? (l.wsUrl ? new URL(l.wsUrl).hostname.replace(/^\[|\]$/g, '') : '127.0.0.1')
  return new KamailioServiceImpl({
    provider: 'external',
    domain: domain ?? firstHost,
    ...(l.udp ? { udp: l.udp } : {}),
    ...(l.tcp ? { tcp: l.tcp } : {}),
    ...(l.wsUrl ? { wsUrl: l.wsUrl } : {}),
  })
}
