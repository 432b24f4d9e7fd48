/**
 * coturn (TURN, RFC 8656) as an rtcspec service: a generated config in a temp dir, ports from the OS,
 * loopback only, static users and/or the REST shared secret, UDP + TCP + TLS listeners with a
 * self-signed certificate, and a readiness check that performs a real authenticated TURN Allocate on
 * every listener. `iceServers()` hands the W3C `RTCIceServer` entries to peers.
 *
 * Providers: `local` (turnserver on PATH), `docker` (image `rtcspec/coturn` from `containers/coturn`,
 * host networking), `external` (`RTCSPEC_TURN_SERVERS`, an ICE server list such as
 * `turn:user:pass@turn.example.com:3478?transport=udp`, plus `RTCSPEC_TURN_SECRET` for REST credentials).
 */
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { z } from 'zod'
import { RtcspecError } from '../errors.ts'
import { parseOptions } from '../options.ts'
import { registerRunResource, type RunRegistration } from '../run-registry.ts'
import { mintTurnRestCredential, type TurnRestCredential } from '../ice/turn-rest.ts'
import { parseIceServers, type IceServerConfig } from '../ice/server-url.ts'
import { freePort, freeUdpPortRange } from '../net/ports.ts'
import { turnAllocateProbe, type TurnProbeResult, type TurnTransport } from '../net/turn-client.ts'
import { runContainer, serviceImage } from './docker.ts'
import { ServiceLog, writeServiceLog } from './logs.ts'
import { runLocal, type ServiceProcess } from './process.ts'
import { resolveProvider, type ServiceProviderSpec } from './provider.ts'
import { writeServerCertificate } from '../net/tls-certificates.ts'
import type { ProviderChoice, ProviderKind, Service } from './types.ts'

/** How coturn is provided (for provider selection and `rtcspec doctor`). */
export const COTURN_PROVIDER_SPEC: ServiceProviderSpec = {
  service: 'coturn',
  binary: 'turnserver',
  aptPackage: 'coturn',
  externalEnv: 'RTCSPEC_TURN_SERVERS',
}

const UserSchema = z.strictObject({
  username: z
    .string()
    .min(1)
    .regex(/^[^:\s#]+$/, 'username must not contain ":", "#" or white space'),
  password: z
    .string()
    .min(1)
    .regex(/^[^\s#]+$/, 'password must not contain "#" or white space'),
})

/** Options of {@link startCoturn}; every field is optional. */
export const CoturnOptionsSchema = z.strictObject({
  /** `auto` (default), `docker`, `local` or `external`. */
  provider: z.enum(['auto', 'docker', 'local', 'external']).optional(),
  /** TURN realm. Default `rtcspec.test`. */
  realm: z
    .string()
    .min(1)
    .regex(/^[\w.-]+$/, 'realm must be letters, digits, ".", "-" or "_"')
    .optional(),
  /**
   * Static long-term-credential users (`user=name:pass`). Default: one random user, unless `secret` is set
   * (coturn checks the REST secret instead of static users when `use-auth-secret` is on).
   */
  users: z.array(UserSchema).optional(),
  /** REST shared secret (`use-auth-secret` + `static-auth-secret`): a string, or `true` for a random one. */
  secret: z
    .union([
      z
        .string()
        .min(8, 'secret must be at least 8 characters')
        .regex(/^[^\s#]+$/),
      z.literal(true),
    ])
    .optional(),
  /** TLS listener with a self-signed certificate. Default true. */
  tls: z.boolean().optional(),
  /** How many relay ports (UDP, consecutive, from the OS). Default 32. */
  relayPorts: z.number().int().min(4).max(1000).optional(),
  /** Readiness timeout (ms), default 20000. */
  readyTimeoutMs: z.number().int().positive().optional(),
  /** Extra coturn config lines, appended verbatim. */
  extraConfig: z.array(z.string()).optional(),
})

/** Options of {@link startCoturn}. */
export type CoturnOptions = z.input<typeof CoturnOptionsSchema>

/** Which credentials `iceServers()` puts in the entries. */
export type CoturnCredentials = 'static' | 'rest' | { username: string; credential: string }

/** A running coturn. */
export interface CoturnService extends Service {
  readonly name: 'coturn'
  /** The address peers reach it on (127.0.0.1 for docker/local). */
  readonly host: string
  readonly realm: string | undefined
  /** Listening ports (undefined for an external server). */
  readonly ports: { listening: number; tls: number | undefined; relay: { min: number; max: number } } | undefined
  /** Static users (empty with the REST secret, or for an external server given by URL only). */
  readonly users: ReadonlyArray<{ username: string; password: string }>
  /** The REST shared secret, when enabled. */
  readonly secret: string | undefined
  /** The PEM of the CA that issued the TLS listener's certificate (pass as `ca` to trust it), when TLS is on. */
  readonly certPem: string | undefined
  /** Transports with a listener. */
  readonly transports: ReadonlyArray<TurnTransport>
  /** Mints a REST credential (`use-auth-secret`); throws when the secret is not enabled. */
  restCredential(options?: { ttlSeconds?: number; id?: string }): TurnRestCredential
  /**
   * W3C `RTCIceServer` entries: one per transport (`turn:H:P?transport=udp`, `turn:H:P?transport=tcp`,
   * `turns:H:T?transport=tcp`), with static (default when users exist) or freshly minted REST credentials.
   */
  iceServers(options?: { transports?: TurnTransport[]; credentials?: CoturnCredentials }): IceServerConfig[]
  /** Performs a TURN Allocate over `transport` with the given (default: the service's own) credentials. */
  probe(transport: TurnTransport, credentials?: CoturnCredentials, timeoutMs?: number): Promise<TurnProbeResult>
}

function transportOfUrl(url: string): TurnTransport {
  if (url.startsWith('turns:')) return 'tls'
  return /[?&]transport=tcp/.test(url) ? 'tcp' : 'udp'
}

function hostPortOfUrl(url: string): { host: string; port: number } {
  const m = /^turns?:(\[[^\]]+\]|[^:?]+)(?::(\d+))?/.exec(url)
  const host = (m?.[1] ?? '127.0.0.1').replace(/^\[|\]$/g, '')
  return { host, port: m?.[2] ? Number(m[2]) : url.startsWith('turns:') ? 5349 : 3478 }
}

class CoturnServiceImpl implements CoturnService {
  readonly name = 'coturn' as const
  readonly provider: ProviderKind
  readonly host: string
  readonly realm: string | undefined
  readonly ports: CoturnService['ports']
  readonly users: ReadonlyArray<{ username: string; password: string }>
  readonly secret: string | undefined
  readonly certPem: string | undefined
  readonly transports: ReadonlyArray<TurnTransport>
  readonly log: ServiceLog
  #logFile: string | undefined
  readonly #proc: ServiceProcess | undefined
  readonly #dir: string | undefined
  readonly #dirRegistration: RunRegistration | undefined
  readonly #external: IceServerConfig[]
  #closing: Promise<void> | undefined

  constructor(init: {
    provider: ProviderKind
    host: string
    realm: string | undefined
    ports: CoturnService['ports']
    users: Array<{ username: string; password: string }>
    secret: string | undefined
    certPem: string | undefined
    transports: TurnTransport[]
    proc: ServiceProcess | undefined
    dir: string | undefined
    /** The run-registry entry of `dir`, released once the directory is removed. */
    dirRegistration?: RunRegistration
    external?: IceServerConfig[]
  }) {
    this.provider = init.provider
    this.host = init.host
    this.realm = init.realm
    this.ports = init.ports
    this.users = init.users
    this.secret = init.secret
    this.certPem = init.certPem
    this.transports = init.transports
    this.#proc = init.proc
    this.#dir = init.dir
    this.#dirRegistration = init.dirRegistration
    this.#external = init.external ?? []
    this.log = init.proc?.log ?? new ServiceLog()
  }

  get logFile(): string | undefined {
    return this.#logFile
  }

  restCredential(options: { ttlSeconds?: number; id?: string } = {}): TurnRestCredential {
    if (!this.secret) {
      throw new RtcspecError('TURN_NO_SECRET', 'this coturn has no REST shared secret', {
        hint: 'start it with { secret: true } (or set RTCSPEC_TURN_SECRET for an external server)',
      })
    }
    return mintTurnRestCredential({ secret: this.secret, ttlSeconds: options.ttlSeconds ?? 3600, ...(options.id ? { id: options.id } : {}) })
  }

  #credentials(c: CoturnCredentials | undefined): { username: string; credential: string } | undefined {
    if (typeof c === 'object') return c
    const mode = c ?? (this.users.length ? 'static' : this.secret ? 'rest' : undefined)
    if (mode === 'static') {
      const u = this.users[0]
      if (!u)
        throw new RtcspecError('TURN_NO_USER', 'this coturn has no static user', {
          hint: 'start it with { users: [{ username, password }] } or use credentials: "rest"',
        })
      return { username: u.username, credential: u.password }
    }
    if (mode === 'rest') {
      const r = this.restCredential({ id: 'rtcspec' })
      return { username: r.username, credential: r.credential }
    }
    return undefined
  }

  #urls(transports: readonly TurnTransport[]): string[] {
    if (this.provider === 'external') {
      return this.#external
        .flatMap((s) => (Array.isArray(s.urls) ? s.urls : [s.urls]))
        .filter((u) => u.startsWith('turn') && transports.includes(transportOfUrl(u)))
    }
    const p = this.ports
    if (!p) return []
    return transports.flatMap((t) =>
      t === 'udp'
        ? [`turn:${this.host}:${p.listening}?transport=udp`]
        : t === 'tcp'
          ? [`turn:${this.host}:${p.listening}?transport=tcp`]
          : p.tls
            ? [`turns:${this.host}:${p.tls}?transport=tcp`]
            : [],
    )
  }

  iceServers(options: { transports?: TurnTransport[]; credentials?: CoturnCredentials } = {}): IceServerConfig[] {
    const transports = options.transports ?? [...this.transports]
    for (const t of transports) {
      if (!this.transports.includes(t)) {
        throw new RtcspecError('TURN_TRANSPORT', `this coturn has no ${t} listener (it has ${this.transports.join(', ')})`, {
          hint: t === 'tls' ? 'start it with { tls: true }' : undefined,
        })
      }
    }
    if (this.provider === 'external' && options.credentials === undefined && !this.secret) {
      // The user's list carries its own credentials.
      return this.#external
        .map((s) => ({ ...s, urls: (Array.isArray(s.urls) ? s.urls : [s.urls]).filter((u) => u.startsWith('turn') && transports.includes(transportOfUrl(u))) }))
        .filter((s) => s.urls.length)
        .flatMap((s) => s.urls.map((u) => ({ ...s, urls: u })))
    }
    const creds = this.#credentials(options.credentials)
    return this.#urls(transports).map((urls) => ({ urls, ...(creds ? { username: creds.username, credential: creds.credential } : {}) }))
  }

  async probe(transport: TurnTransport, credentials?: CoturnCredentials, timeoutMs = 3000): Promise<TurnProbeResult> {
    const [entry] = this.iceServers({ transports: [transport], ...(credentials ? { credentials } : {}) })
    if (!entry || typeof entry.urls !== 'string') return { ok: false, kind: 'connect', code: undefined, message: `no ${transport} URL for this coturn` }
    const { host, port } = hostPortOfUrl(entry.urls)
    return turnAllocateProbe({
      host,
      port,
      transport,
      username: entry.username ?? '',
      password: entry.credential ?? '',
      timeoutMs,
      ...(transport === 'tls' ? { tls: this.certPem ? { ca: this.certPem, rejectUnauthorized: true } : { rejectUnauthorized: false } } : {}),
    })
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      await this.#proc?.stop(3000)
      if (this.#proc) this.#logFile = writeServiceLog(`coturn-${this.provider}`, this.log)
      if (this.#dir) await rm(this.#dir, { recursive: true, force: true }).catch(() => {})
      this.#dirRegistration?.release()
    })()
    return this.#closing
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }
}

function configText(o: {
  dir: string
  realm: string
  listening: number
  tls: number | undefined
  relay: { min: number; max: number }
  users: Array<{ username: string; password: string }>
  secret: string | undefined
  cert: { certFile: string; keyFile: string } | undefined
  extra: string[]
}): string {
  return [
    '# generated by rtcspec (src/services/coturn.ts); loopback only',
    'listening-ip=127.0.0.1',
    'relay-ip=127.0.0.1',
    `listening-port=${o.listening}`,
    ...(o.tls && o.cert ? [`tls-listening-port=${o.tls}`, `cert=${o.cert.certFile}`, `pkey=${o.cert.keyFile}`] : ['no-tls']),
    'no-dtls',
    `min-port=${o.relay.min}`,
    `max-port=${o.relay.max}`,
    `realm=${o.realm}`,
    'fingerprint',
    ...(o.secret ? ['use-auth-secret', `static-auth-secret=${o.secret}`] : ['lt-cred-mech']),
    ...o.users.map((u) => `user=${u.username}:${u.password}`),
    'allow-loopback-peers',
    'no-multicast-peers',
    'no-cli',
    'no-rfc5780',
    'no-stun-backward-compatibility',
    `userdb=${join(o.dir, 'turndb')}`,
    `pidfile=${join(o.dir, 'turnserver.pid')}`,
    'log-file=stdout',
    'simple-log',
    'verbose',
    ...o.extra,
    '',
  ].join('\n')
}

/**
 * Starts coturn and resolves once a real authenticated TURN Allocate succeeds on every listener.
 * Dispose the result (`await using`) to stop it; its log goes to `reports/services/`.
 *
 * @throws {RtcspecError} `COTURN_OPTIONS` for invalid options, `PROVIDER_UNAVAILABLE` when nothing can run it,
 *   `COTURN_NOT_READY` (with the log tail) when it does not become ready in time.
 */
export async function startCoturn(options: CoturnOptions = {}): Promise<CoturnService> {
  const o = parseOptions(CoturnOptionsSchema, options, { code: 'COTURN_OPTIONS', what: 'coturn options', hint: 'see CoturnOptions in src/services/coturn.ts' })
  const provider = await resolveProvider(COTURN_PROVIDER_SPEC, o.provider as ProviderChoice | undefined)
  if (provider === 'external') return externalCoturn()
  const secret = o.secret === true ? randomBytes(18).toString('base64url') : o.secret
  const users = o.users ?? (secret ? [] : [{ username: `u${randomBytes(4).toString('hex')}`, password: randomBytes(12).toString('base64url') }])
  const realm = o.realm ?? 'rtcspec.test'
  const wantTls = o.tls ?? true
  const readyTimeoutMs = o.readyTimeoutMs ?? 20_000
  const dir = await mkdtemp(join(tmpdir(), 'rtcspec-coturn-'))
  // Removed by close(); if this process is interrupted first, by the run registry.
  const dirRegistration = registerRunResource({ kind: 'coturn', dirs: [dir] })
  try {
    // Clients trust the issuing CA (certPem below); the server certificate covers 127.0.0.1, ::1 and localhost.
    const cert = wantTls ? await writeServerCertificate(dir) : undefined
    const transports: TurnTransport[] = wantTls ? ['udp', 'tcp', 'tls'] : ['udp', 'tcp']
    let lastError: Error | undefined
    // A port from the OS can be taken again before coturn binds it: retry with fresh ports.
    for (let attempt = 1; attempt <= 3; attempt++) {
      const listening = await freePort({ udp: true, tcp: true })
      const tls = wantTls ? await freePort({ udp: false, tcp: true }) : undefined
      const relay = await freeUdpPortRange(o.relayPorts ?? 32)
      const conf = join(dir, 'turnserver.conf')
      await writeFile(conf, configText({ dir, realm, listening, tls, relay, users, secret, cert, extra: o.extraConfig ?? [] }))
      const proc =
        provider === 'docker'
          ? await runContainer(serviceImage('coturn'), ['-c', conf], { service: 'coturn', binds: [dir] })
          : await runLocal('turnserver', ['-c', conf], { kind: 'coturn' })
      const service = new CoturnServiceImpl({
        provider,
        host: '127.0.0.1',
        realm,
        ports: { listening, tls, relay },
        users,
        secret,
        certPem: cert?.caPem,
        transports,
        proc,
        dir,
        dirRegistration,
      })
      try {
        await waitUntilReady(service, proc, readyTimeoutMs)
        return service
      } catch (e) {
        lastError = e as Error
        await proc.stop(1000)
        writeServiceLog(`coturn-${provider}-failed`, proc.log)
        const inUse = BIND_FAILED.test(proc.log.text())
        if (!inUse) break
      }
    }
    throw lastError ?? new Error('coturn did not start')
  } catch (e) {
    await rm(dir, { recursive: true, force: true }).catch(() => {})
    dirRegistration.release()
    throw e
  }
}

/** coturn's log line when a port it was given is taken (it then retries forever instead of exiting). */
const BIND_FAILED = /Address already in use|Cannot bind/i

async function waitUntilReady(service: CoturnServiceImpl, proc: ServiceProcess, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs
  const pending = new Set(service.transports)
  let last: TurnProbeResult | undefined
  let bindFailed: string | undefined
  const unsubscribe = proc.log.onLine((line) => {
    if (BIND_FAILED.test(line)) bindFailed ??= line
  })
  try {
    await readinessLoop()
  } finally {
    unsubscribe()
  }
  async function readinessLoop(): Promise<void> {
    while (pending.size > 0) {
      if (bindFailed !== undefined) {
        const p = service.ports
        const given = p ? `listening ${p.listening}${p.tls ? `, TLS ${p.tls}` : ''}, relay ${p.relay.min}-${p.relay.max}` : 'none'
        throw new RtcspecError(
          'COTURN_NOT_READY',
          `coturn (${service.provider}) could not bind a port it was given (${given}); another process took it after the OS offered it: ${bindFailed}`,
        )
      }
      if (proc.exitInfo) {
        throw new RtcspecError(
          'COTURN_NOT_READY',
          `coturn (${service.provider}, ${proc.description}) exited with ${proc.exitInfo.code ?? proc.exitInfo.signal} before it was ready; last log lines:\n${proc.log.tail(15)}`,
          {
            hint: 'see the log above (a port taken by another process is retried with new ports)',
          },
        )
      }
      const left = deadline - performance.now()
      if (left <= 0) {
        throw new RtcspecError(
          'COTURN_NOT_READY',
          `timed out after ${timeoutMs} ms waiting for coturn (${service.provider}) to answer an authenticated TURN Allocate on ${[...pending].join(', ')}; last probe: ${last && !last.ok ? last.message : 'none'}; last log lines:\n${proc.log.tail(15)}`,
        )
      }
      for (const t of [...pending]) {
        last = await service.probe(t, undefined, Math.min(1000, Math.max(100, left)))
        if (last.ok) pending.delete(t)
        else if (last.kind === 'auth') {
          throw new RtcspecError('COTURN_NOT_READY', `coturn refused rtcspec's own credentials: ${last.message}`, {
            hint: 'a bug in the generated config; see the service log',
          })
        }
      }
      if (pending.size > 0) await new Promise((r) => setTimeout(r, 100))
    }
  }
}

function externalCoturn(): CoturnService {
  const servers = parseIceServers(process.env.RTCSPEC_TURN_SERVERS)
  const urls = servers.flatMap((s) => (Array.isArray(s.urls) ? s.urls : [s.urls])).filter((u) => u.startsWith('turn'))
  if (!urls.length) {
    throw new RtcspecError('PROVIDER_UNAVAILABLE', 'RTCSPEC_TURN_SERVERS has no turn: or turns: URL', {
      hint: 'e.g. RTCSPEC_TURN_SERVERS="turn:user:pass@turn.example.com:3478?transport=udp"',
    })
  }
  const transports = [...new Set(urls.map(transportOfUrl))]
  const first = urls[0] as string
  const users = servers.filter((s) => s.username && s.credential).map((s) => ({ username: s.username as string, password: s.credential as string }))
  return new CoturnServiceImpl({
    provider: 'external',
    host: hostPortOfUrl(first).host,
    realm: undefined,
    ports: undefined,
    users: users.slice(0, 1),
    secret: process.env.RTCSPEC_TURN_SECRET || undefined,
    certPem: undefined,
    transports,
    proc: undefined,
    dir: undefined,
    external: servers,
  })
}

/** What coturn logged about one closed TURN session (allocation). */
export interface CoturnSessionUsage {
  session: string
  username: string
  /** The coturn listener the client used, `127.0.0.1:P`. */
  listener: string
  /** The client's address as coturn saw it. */
  client: string
  /** Packets/bytes coturn relayed to and from the peer side of the allocation (`peer usage` line). */
  peer: { rp: number; rb: number; sp: number; sb: number }
  /** coturn's close reason. */
  reason: string
}

/**
 * Parses coturn's `peer usage` and `closed (2nd stage)` log lines into one entry per closed session:
 * coturn's own count of what it relayed, the ground truth that a call really went through it.
 */
export function parseCoturnUsage(lines: readonly string[]): CoturnSessionUsage[] {
  const usage = new Map<string, { username: string; rp: number; rb: number; sp: number; sb: number }>()
  const out: CoturnSessionUsage[] = []
  for (const line of lines) {
    const u = /session (\d+): peer usage: realm=<[^>]*>, username=<([^>]*)>, rp=(\d+), rb=(\d+), sp=(\d+), sb=(\d+)/.exec(line)
    if (u) {
      usage.set(u[1] as string, { username: u[2] as string, rp: Number(u[3]), rb: Number(u[4]), sp: Number(u[5]), sb: Number(u[6]) })
      continue
    }
    const c = /session (\d+): closed \(2nd stage\), user <([^>]*)>.*?, local (\S+), remote (\S+), reason: (.*)$/.exec(line)
    if (c) {
      const p = usage.get(c[1] as string)
      out.push({
        session: c[1] as string,
        username: c[2] as string,
        listener: (c[3] as string).replace(/,$/, ''),
        client: (c[4] as string).replace(/,$/, ''),
        peer: p ? { rp: p.rp, rb: p.rb, sp: p.sp, sb: p.sb } : { rp: 0, rb: 0, sp: 0, sb: 0 },
        reason: c[5] as string,
      })
    }
  }
  return out
}
