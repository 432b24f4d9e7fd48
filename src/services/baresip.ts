/**
 * baresip (Debian `baresip`, 1.0.x) as a service: a third-party SIP user agent for rtcspec's interop tests,
 * the local binary (its own process group) or the `rtcspec/baresip` container (host network, the folder
 * mounted at the same path). It runs on loopback only, with a config directory written into a private
 * temporary folder (removed on close):
 * - SIP on `sip_listen 127.0.0.1:<free port>` (UDP and TCP), media bound to 127.0.0.1 (`net_interface`);
 * - no sound card: audio comes from a WAV file (`aufile`, 8 kHz mono 16-bit, e.g. a tone rtcspec made),
 *   playback goes to an unconnected `aubridge` device, and the `sndfile` filter records what baresip sent
 *   and received to WAV files in the folder ({@link BaresipService.recordings});
 * - it is driven over `ctrl_tcp` (netstring JSON commands on a loopback port): `dial`, `accept`, `hangup`,
 *   and its events (CALL_INCOMING, CALL_ESTABLISHED, CALL_CLOSED, REGISTER_OK...) are collected.
 *
 * Ports come from the OS (bind 0, release, pass on); baresip is restarted on new ports if it cannot bind.
 */
import { createSocket } from 'node:dgram'
import { createServer, connect as tcpConnect, type Socket } from 'node:net'
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { z } from 'zod'
import { RtcspecError, TimeoutError } from '../errors.ts'
import { parseOptions } from '../options.ts'
import { type ServiceLog, writeServiceLog } from './logs.ts'
import { runLocal, type ServiceProcess } from './process.ts'
import { registerRunResource } from '../run-registry.ts'
import { findBinary, type ServiceProviderSpec } from './provider.ts'
import { dockerEngineAnswers, dockerImageExists, ensureServiceImage, runContainer, serviceImage } from './docker.ts'
import type { ProviderKind, Service } from './types.ts'

/** How baresip is provided (`rtcspec doctor` and provider selection). */
export const BARESIP_PROVIDER_SPEC: ServiceProviderSpec = {
  service: 'baresip',
  binary: 'baresip',
  aptPackage: 'baresip',
  externalEnv: 'RTCSPEC_BARESIP_EXTERNAL',
}

/** Options of {@link startBaresip}, validated by zod (unknown keys are errors). */
export const BaresipOptionsSchema = z
  .object({
    /** SIP user of the account. Default `baresip`. */
    user: z
      .string()
      .regex(/^[\w.-]+$/, 'a plain SIP user name')
      .default('baresip'),
    /**
     * Register at this registrar (e.g. rtcspec's `registrar.udp`), over `transport`. Without it the account
     * is `sip:<user>@127.0.0.1:<port>` and does not register.
     */
    registrar: z
      .object({ host: z.string().min(1), port: z.number().int().min(1).max(65535) })
      .strict()
      .optional(),
    /** Digest password for REGISTER (the username is `user`). */
    password: z.string().optional(),
    /** Transport of the account's requests (`;transport=` of the AoR and dial URIs). Default `udp`. */
    transport: z.enum(['udp', 'tcp']).default('udp'),
    /** Answer incoming calls at once (`answermode=auto`). Default false: {@link BaresipService.accept}. */
    autoAnswer: z.boolean().default(false),
    /** WAV (8 kHz mono 16-bit PCM) baresip sends in calls, as bytes. Default: silence. */
    wav: z.custom<Uint8Array>((v) => v instanceof Uint8Array, 'WAV bytes (a Uint8Array)').optional(),
    /** Audio codecs, baresip names, in order. Default PCMU, PCMA. */
    codecs: z
      .array(z.enum(['PCMU', 'PCMA']))
      .min(1)
      .default(['PCMU', 'PCMA']),
    /**
     * `local` (the Debian binary), `docker` (image `rtcspec/baresip` from containers/baresip, host network, built
     * when missing), or `auto` (default): docker when an engine answers and the image exists, else local.
     */
    provider: z.enum(['auto', 'local', 'docker']).default('auto'),
    /** Print SIP traces into the log (`-s`). Default true. */
    sipTrace: z.boolean().default(true),
  })
  .strict()

/** Options of {@link startBaresip} (validated by {@link BaresipOptionsSchema}). */
export type BaresipOptions = z.input<typeof BaresipOptionsSchema>

/** One event baresip reported over ctrl_tcp. */
export interface BaresipEvent {
  type: string
  /** `call`, `register`, ... */
  class?: string
  peeruri?: string
  id?: string
  param?: string
  at: number
  raw: Record<string, unknown>
}

/** A running baresip. */
export interface BaresipService extends Service {
  /** SIP port on 127.0.0.1 (UDP and TCP). */
  readonly sipPort: number
  /** The account's address-of-record. */
  readonly aor: string
  /** The URI to call this baresip directly, e.g. `sip:baresip@127.0.0.1:5060;transport=udp`. */
  readonly uri: string
  /** The private folder (config, WAVs, recordings). */
  readonly dir: string
  /** Events so far, in order. */
  readonly events: readonly BaresipEvent[]
  /** Sends a ctrl_tcp command (`dial`, `accept`, `hangup`, `reginfo`...) and resolves with its response text. */
  command(command: string, params?: string, timeoutMs?: number): Promise<string>
  /** Resolves with the first event (from `since`, an index into {@link events}) of `type` matching `where`. */
  waitForEvent(type: string, options?: { timeoutMs?: number; since?: number; where?: (e: BaresipEvent) => boolean }): Promise<BaresipEvent>
  /** `dial` the URI. */
  dial(uri: string): Promise<string>
  /** `accept` the ringing incoming call. */
  accept(): Promise<string>
  /** `hangup` the current call. */
  hangup(): Promise<string>
  /** The WAV files the `sndfile` filter wrote (`…-enc.wav`: sent, `…-dec.wav`: received), full paths. */
  recordings(): Promise<string[]>
}

async function freePort(kind: 'udp' | 'tcp'): Promise<number> {
  if (kind === 'udp') {
    const s = createSocket('udp4')
    const port = await new Promise<number>((resolve, reject) => {
      s.once('error', reject)
      s.bind(0, '127.0.0.1', () => resolve(s.address().port))
    })
    await new Promise<void>((r) => s.close(() => r()))
    return port
  }
  const server = createServer()
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const a = server.address()
      resolve(typeof a === 'object' && a ? a.port : 0)
    })
  })
  await new Promise<void>((r) => server.close(() => r()))
  return port
}

/** A port free for both UDP and TCP on 127.0.0.1 (SIP listens on both). */
async function freeSipPort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await freePort('udp')
    const probe = createServer()
    const ok = await new Promise<boolean>((resolve) => {
      probe.once('error', () => resolve(false))
      probe.listen(port, '127.0.0.1', () => resolve(true))
    })
    if (ok) {
      await new Promise<void>((r) => probe.close(() => r()))
      return port
    }
  }
  throw new RtcspecError('NO_FREE_PORT', 'no port free for both UDP and TCP on 127.0.0.1 after 50 attempts')
}

/** The baresip `config` file for a loopback-only, sound-card-free instance. */
export function baresipConfig(o: { sipPort: number; ctrlPort: number; dir: string; wavPath: string | undefined; codecs: readonly string[] }): string {
  const codecs = o.codecs.map((c) => (c === 'PCMU' ? 'pcmu' : 'pcma'))
  return [
    'poll_method\t\tpoll',
    `sip_listen\t\t127.0.0.1:${o.sipPort}`,
    'net_interface\t\t127.0.0.1',
    o.wavPath ? `audio_source\t\taufile,${o.wavPath}` : 'audio_source\t\taubridge,rtcspec-in',
    'audio_player\t\taubridge,rtcspec-out',
    'audio_alert\t\taubridge,rtcspec-alert',
    'audio_srate\t\t8000',
    'audio_channels\t\t1',
    'rtp_tos\t\t\t0',
    'module_path\t\t/usr/lib/baresip/modules',
    'module\t\t\tg711.so',
    'module\t\t\taufile.so',
    'module\t\t\taubridge.so',
    'module\t\t\tsndfile.so',
    'module_app\t\taccount.so',
    'module_app\t\tctrl_tcp.so',
    'module_app\t\tmenu.so',
    `ctrl_tcp_listen\t\t127.0.0.1:${o.ctrlPort}`,
    `snd_path\t\t${o.dir}`,
    `audio_codecs\t\t${codecs.join(',')}`,
    '',
  ].join('\n')
}

/** Frames a ctrl_tcp message (netstring). */
function netstring(text: string): string {
  return `${Buffer.byteLength(text)}:${text},`
}

class ControlChannel {
  readonly events: BaresipEvent[] = []
  readonly #socket: Socket
  readonly #pending = new Map<string, (r: { ok: boolean; data: string }) => void>()
  readonly #listeners = new Set<() => void>()
  #buffer = Buffer.alloc(0)
  #token = 0

  constructor(socket: Socket) {
    this.#socket = socket
    socket.on('data', (d: Buffer) => {
      this.#buffer = Buffer.concat([this.#buffer, d])
      for (let guard = 0; guard < 10_000; guard++) {
        const colon = this.#buffer.indexOf(0x3a)
        if (colon < 0) return
        const len = Number(this.#buffer.subarray(0, colon).toString('ascii'))
        if (!Number.isInteger(len) || len < 0) {
          this.#buffer = Buffer.alloc(0) // not a netstring: nothing to re-synchronise on
          return
        }
        if (this.#buffer.length < colon + 1 + len + 1) return
        const body = this.#buffer.subarray(colon + 1, colon + 1 + len).toString('utf8')
        this.#buffer = this.#buffer.subarray(colon + 1 + len + 1)
        this.#onMessage(body)
      }
    })
    socket.on('error', () => {})
  }

  #onMessage(body: string): void {
    let msg: Record<string, unknown>
    try {
      msg = JSON.parse(body) as Record<string, unknown>
    } catch {
      return
    }
    if (msg.response === true && typeof msg.token === 'string') {
      this.#pending.get(msg.token)?.({ ok: msg.ok === true, data: typeof msg.data === 'string' ? msg.data : '' })
      this.#pending.delete(msg.token)
      return
    }
    if (msg.event === true && typeof msg.type === 'string') {
      if (this.events.length < 10_000) {
        this.events.push({
          type: msg.type,
          ...(typeof msg.class === 'string' ? { class: msg.class } : {}),
          ...(typeof msg.peeruri === 'string' ? { peeruri: msg.peeruri } : {}),
          ...(typeof msg.id === 'string' ? { id: msg.id } : {}),
          ...(typeof msg.param === 'string' ? { param: msg.param } : {}),
          at: Date.now(),
          raw: msg,
        })
      }
      for (const l of [...this.#listeners]) l()
    }
  }

  onEvent(listener: () => void): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  command(command: string, params: string | undefined, timeoutMs: number): Promise<string> {
    const token = String(++this.#token)
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(token)
        reject(new TimeoutError(`baresip to answer the ctrl_tcp command ${command}`, timeoutMs))
      }, timeoutMs)
      this.#pending.set(token, (r) => {
        clearTimeout(timer)
        if (r.ok) resolve(r.data)
        else reject(new RtcspecError('BARESIP_COMMAND', `baresip refused "${command}${params ? ` ${params}` : ''}": ${r.data || '(no reason given)'}`))
      })
      this.#socket.write(netstring(JSON.stringify({ command, ...(params !== undefined ? { params } : {}), token })))
    })
  }

  close(): void {
    this.#socket.destroy()
  }
}

async function connectControl(port: number, proc: ServiceProcess, timeoutMs: number): Promise<ControlChannel> {
  const deadline = Date.now() + timeoutMs
  for (let attempt = 0; attempt < 200; attempt++) {
    if (proc.exitInfo) throw new RtcspecError('BARESIP_EXITED', `baresip exited (${JSON.stringify(proc.exitInfo)}) before its ctrl_tcp port answered`)
    const socket = tcpConnect({ host: '127.0.0.1', port })
    const ok = await new Promise<boolean>((resolve) => {
      socket.once('connect', () => resolve(true))
      socket.once('error', () => resolve(false))
    })
    if (ok) {
      // The kernel accepts before baresip does: only once baresip answered a command does it send this
      // connection its events (a call's first events would otherwise be lost). Any answer will do.
      const control = new ControlChannel(socket)
      await control.command('reginfo', undefined, Math.max(1000, deadline - Date.now())).catch((e: unknown) => {
        if (e instanceof TimeoutError) throw e
      })
      return control
    }
    socket.destroy()
    if (Date.now() > deadline) break
    // The process is still starting: wait for it to print something or exit, bounded.
    await Promise.race([proc.exited, new Promise((r) => setTimeout(r, 50))])
  }
  throw new TimeoutError(`baresip's ctrl_tcp port 127.0.0.1:${port} to accept a connection`, timeoutMs)
}

/** `local` or `docker` for a choice (see {@link BaresipOptions.provider}); throws naming the fixes when neither can run. */
async function chooseProvider(choice: 'auto' | 'local' | 'docker'): Promise<'local' | 'docker'> {
  const hint = 'sudo apt-get install -y baresip (or sudo bash scripts/install-system-deps.sh), or provider docker (sudo bash scripts/docker-setup.sh)'
  if (choice === 'docker') {
    if (!(await dockerEngineAnswers()))
      throw new RtcspecError('PROVIDER_UNAVAILABLE', 'baresip: provider docker, but no Docker engine answers', {
        hint: 'start dockerd (sudo bash scripts/docker-setup.sh; see docs/docker.md), or use provider local',
      })
    await ensureServiceImage('baresip')
    return 'docker'
  }
  if (choice === 'auto' && (await dockerEngineAnswers()) && (await dockerImageExists(serviceImage('baresip')))) return 'docker'
  if (await findBinary('baresip')) return 'local'
  throw new RtcspecError(
    'PROVIDER_UNAVAILABLE',
    `baresip: provider ${choice}, but baresip is not on PATH${choice === 'auto' ? ' and no rtcspec/baresip image is there' : ''}`,
    { hint },
  )
}

/** Starts baresip on loopback (see the module comment). Invalid options throw naming every problem. */
export async function startBaresip(options: BaresipOptions = {}): Promise<BaresipService> {
  const o = parseOptions(BaresipOptionsSchema, options, { code: 'BARESIP_OPTIONS', what: 'baresip options' })
  const provider = await chooseProvider(o.provider)
  const dir = await mkdtemp(join(tmpdir(), 'rtcspec-baresip-'))
  // Removed by close(); if this process is interrupted first, by the run registry.
  const dirRegistration = registerRunResource({ kind: 'baresip', dirs: [dir] })
  const removeDir = async () => {
    await rm(dir, { recursive: true, force: true })
    dirRegistration.release()
  }
  let lastError: unknown
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      const sipPort = await freeSipPort()
      const ctrlPort = await freePort('tcp')
      const wavPath = o.wav ? join(dir, 'send.wav') : undefined
      if (o.wav && wavPath) await writeFile(wavPath, o.wav)
      await writeFile(join(dir, 'config'), baresipConfig({ sipPort, ctrlPort, dir, wavPath, codecs: o.codecs }))
      const host = o.registrar ? `${o.registrar.host}:${o.registrar.port}` : `127.0.0.1:${sipPort}`
      const aor = `sip:${o.user}@${host};transport=${o.transport}`
      const params = [
        o.registrar ? 'regint=600' : 'regint=0',
        `answermode=${o.autoAnswer ? 'auto' : 'manual'}`,
        ...(o.password !== undefined ? [`auth_user=${o.user}`, `auth_pass=${o.password}`] : []),
      ]
      await writeFile(join(dir, 'accounts'), `<${aor}>;${params.join(';')}\n`)
      await writeFile(join(dir, 'contacts'), '')
      const args = ['-f', dir, ...(o.sipTrace ? ['-s'] : [])]
      const proc =
        provider === 'docker'
          ? await runContainer(serviceImage('baresip'), args, { service: 'baresip', binds: [dir] })
          : await runLocal('baresip', args, { cwd: dir, kind: 'baresip' })
      let control: ControlChannel
      try {
        control = await connectControl(ctrlPort, proc, 10_000)
      } catch (e) {
        lastError = e
        await proc.stop()
        writeServiceLog(`baresip-${provider}-failed`, proc.log)
        if (/in use/i.test(proc.log.text())) continue // a port was taken between probe and start: new ports
        throw new RtcspecError(
          'BARESIP_START',
          `baresip did not start: ${e instanceof Error ? e.message : String(e)}\n--- baresip output ---\n${proc.log.text().slice(-3000)}`,
          { cause: e },
        )
      }
      return new RunningBaresip({
        provider,
        proc,
        control,
        dir,
        removeDir,
        sipPort,
        aor: `sip:${o.user}@${host}`,
        uri: `sip:${o.user}@127.0.0.1:${sipPort};transport=${o.transport}`,
      })
    }
    throw lastError instanceof Error ? lastError : new RtcspecError('BARESIP_START', 'baresip did not start')
  } catch (e) {
    await removeDir()
    throw e
  }
}

class RunningBaresip implements BaresipService {
  readonly name = 'baresip'
  readonly provider: ProviderKind
  readonly sipPort: number
  readonly aor: string
  readonly uri: string
  readonly dir: string
  readonly #proc: ServiceProcess
  readonly #control: ControlChannel
  #logFile: string | undefined
  #closing: Promise<void> | undefined

  readonly #removeDir: () => Promise<void>

  constructor(init: {
    provider: ProviderKind
    proc: ServiceProcess
    control: ControlChannel
    dir: string
    removeDir: () => Promise<void>
    sipPort: number
    aor: string
    uri: string
  }) {
    this.provider = init.provider
    this.#proc = init.proc
    this.#removeDir = init.removeDir
    this.#control = init.control
    this.dir = init.dir
    this.sipPort = init.sipPort
    this.aor = init.aor
    this.uri = init.uri
  }

  get log(): ServiceLog {
    return this.#proc.log
  }

  get logFile(): string | undefined {
    return this.#logFile
  }

  get events(): readonly BaresipEvent[] {
    return this.#control.events
  }

  command(command: string, params?: string, timeoutMs = 5000): Promise<string> {
    if (this.#proc.exitInfo)
      return Promise.reject(new RtcspecError('BARESIP_EXITED', `baresip has exited (${JSON.stringify(this.#proc.exitInfo)}); cannot send ${command}`))
    return this.#control.command(command, params, timeoutMs)
  }

  waitForEvent(type: string, options: { timeoutMs?: number; since?: number; where?: (e: BaresipEvent) => boolean } = {}): Promise<BaresipEvent> {
    const timeoutMs = options.timeoutMs ?? 10_000
    const find = () => this.#control.events.slice(options.since ?? 0).find((e) => e.type === type && (options.where?.(e) ?? true))
    const hit = find()
    if (hit) return Promise.resolve(hit)
    return new Promise<BaresipEvent>((resolve, reject) => {
      const stop = this.#control.onEvent(() => {
        const e = find()
        if (!e) return
        clearTimeout(timer)
        stop()
        resolve(e)
      })
      const timer = setTimeout(() => {
        stop()
        const seen = this.#control.events.map((e) => e.type).join(', ') || 'none'
        reject(new TimeoutError(`baresip event ${type} (events so far: ${seen})\n--- baresip output ---\n${this.log.text().slice(-3000)}`, timeoutMs))
      }, timeoutMs)
      timer.unref()
    })
  }

  dial(uri: string): Promise<string> {
    return this.command('dial', uri)
  }

  accept(): Promise<string> {
    return this.command('accept')
  }

  hangup(): Promise<string> {
    return this.command('hangup')
  }

  async recordings(): Promise<string[]> {
    return (await readdir(this.dir)).filter((f) => f.startsWith('dump-') && f.endsWith('.wav')).map((f) => join(this.dir, f))
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#control.close()
      await this.#proc.stop()
      this.#logFile = writeServiceLog(`baresip-${this.provider}`, this.#proc.log)
      await this.#removeDir()
    })()
    return this.#closing
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }
}
