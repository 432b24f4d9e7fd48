/**
 * The `docker` provider's plumbing: is an engine answering, does an image exist (or build from
 * `containers/`), and running a container through testcontainers with host networking.
 *
 * Ryuk (testcontainers' reaper) needs an image pull, so it is disabled (`TESTCONTAINERS_RYUK_DISABLED=true`)
 * and rtcspec cleans up itself: every container is labelled `rtcspec=1` and `rtcspec.pid=<owner pid>`, is
 * stopped and removed on dispose, removed synchronously (`docker rm -f`) through the run registry when the Node
 * process exits or is signalled (or by the `rtcspec run` parent when it died without a chance to), and
 * containers whose owner process is gone are swept before the first container of a process starts.
 */
import { withTimeout } from '../wait.ts'
import { execFileSync } from 'node:child_process'
import { request } from 'node:http'
import { existsSync } from 'node:fs'
import { hostname } from 'node:os'
import { basename, dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { RtcspecError } from '../errors.ts'
import { RUN_STATE_DIR_ENV, registerRunResource } from '../run-registry.ts'
import { ServiceLog } from './logs.ts'
import type { ExitInfo, ServiceProcess } from './process.ts'

process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true'

/** The label every rtcspec container carries. */
export const RTCSPEC_LABEL = 'rtcspec'

/** The folder with the Dockerfiles (`containers/<service>/Dockerfile`). */
export const CONTAINERS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../containers')

/** Image name of a service: `rtcspec/<service>` (override with `RTCSPEC_<SERVICE>_IMAGE`). */
export function serviceImage(service: string): string {
  return process.env[`RTCSPEC_${service.toUpperCase()}_IMAGE`] ?? `rtcspec/${service}`
}

function socketPath(): { socketPath?: string; host?: string; port?: number } | undefined {
  const h = process.env.DOCKER_HOST
  if (h?.startsWith('unix://')) return { socketPath: h.slice('unix://'.length) }
  if (h?.startsWith('tcp://')) {
    const u = new URL(h.replace(/^tcp:/, 'http:'))
    return { host: u.hostname, port: Number(u.port || 2375) }
  }
  if (h) return undefined
  return existsSync('/var/run/docker.sock') ? { socketPath: '/var/run/docker.sock' } : undefined
}

/** A GET against the engine API; undefined when no engine answers within `timeoutMs`. */
function engineGet(path: string, timeoutMs: number): Promise<{ status: number; body: string } | undefined> {
  const target = socketPath()
  if (!target) return Promise.resolve(undefined)
  return new Promise((resolvePromise) => {
    const req = request({ ...target, path, method: 'GET', timeout: timeoutMs }, (res) => {
      let body = ''
      res.setEncoding('utf8').on('data', (d: string) => {
        if (body.length < 65536) body += d
      })
      res.on('end', () => resolvePromise({ status: res.statusCode ?? 0, body }))
    })
    req.on('timeout', () => req.destroy())
    req.on('error', () => resolvePromise(undefined))
    req.end()
  })
}

/** True when a Docker engine answers `/_ping` within `timeoutMs` (default 1500). */
export async function dockerEngineAnswers(timeoutMs = 1500): Promise<boolean> {
  const r = await engineGet('/_ping', timeoutMs)
  return r?.status === 200
}

/** The engine's version, or undefined when none answers. */
export async function dockerEngineVersion(timeoutMs = 1500): Promise<string | undefined> {
  const r = await engineGet('/version', timeoutMs)
  if (r?.status !== 200) return undefined
  try {
    return String((JSON.parse(r.body) as { Version?: string }).Version ?? 'unknown')
  } catch {
    return 'unknown'
  }
}

/** True when the image exists in the engine. */
export async function dockerImageExists(image: string, timeoutMs = 3000): Promise<boolean> {
  const r = await engineGet(`/images/${encodeURIComponent(image)}/json`, timeoutMs)
  return r?.status === 200
}

const builds = new Map<string, Promise<void>>()

/**
 * Makes sure `rtcspec/<service>` exists, building it from `containers/<service>` if not (once per process).
 * @throws {RtcspecError} `DOCKER_IMAGE` naming the fix when the build fails (e.g. offline without a base image).
 */
export function ensureServiceImage(service: string, timeoutMs = 300_000): Promise<void> {
  const image = serviceImage(service)
  let p = builds.get(image)
  if (!p) {
    p = (async () => {
      if (await dockerImageExists(image)) return
      const context = join(CONTAINERS_DIR, service)
      const { GenericContainer } = await import('testcontainers')
      const [repo, tag] = image.split(':')
      try {
        await withTimeout(GenericContainer.fromDockerfile(context).build(`${repo}:${tag ?? 'latest'}`, { deleteOnExit: false }), timeoutMs, `building ${image}`)
      } catch (e) {
        throw new RtcspecError(
          'DOCKER_IMAGE',
          `image ${image} is missing and could not be built from ${context}: ${e instanceof Error ? e.message : String(e)}`,
          {
            hint: 'run `sudo bash scripts/docker-setup.sh` (offline: builds debian:bookworm-slim with debootstrap first; see docs/docker.md)',
          },
        )
      }
    })()
    builds.set(image, p)
    p.catch(() => builds.delete(image))
  }
  return p
}

function bounded<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  return new Promise((res) => {
    const t = setTimeout(() => res(undefined), ms)
    void p.then((v) => {
      clearTimeout(t)
      res(v)
    })
  })
}

const liveContainers = new Set<string>()
let swept = false

function dockerCli(args: string[], timeoutMs = 10_000): string {
  return execFileSync('docker', args, { timeout: timeoutMs, stdio: ['ignore', 'pipe', 'ignore'], encoding: 'utf8' })
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Removes rtcspec containers started on this host whose owner process no longer exists. Returns how many were removed. */
export function sweepOrphanContainers(): number {
  let out: string
  try {
    // Only containers started from this machine (host name label): a pid means nothing elsewhere.
    out = dockerCli([
      'ps',
      '-a',
      '--filter',
      `label=${RTCSPEC_LABEL}=1`,
      '--filter',
      `label=rtcspec.host=${hostname()}`,
      '--format',
      '{{.ID}} {{.Label "rtcspec.pid"}}',
    ])
  } catch {
    return 0
  }
  const dead = out
    .split('\n')
    .map((l) => l.trim().split(' '))
    .filter(([id, pid]) => id && (!pid || !pidAlive(Number(pid))))
    .map(([id]) => id as string)
  if (dead.length) {
    try {
      dockerCli(['rm', '-f', ...dead])
    } catch {
      return 0
    }
  }
  return dead.length
}

/** The run a container belongs to (the `rtcspec run` state directory's name), for its `rtcspec.run` label. */
function runLabel(): Record<string, string> {
  const dir = process.env[RUN_STATE_DIR_ENV]
  return dir ? { 'rtcspec.run': basename(dir) } : {}
}

/**
 * Removes every container labelled as started by the run whose state directory is named `runId` (a worker can
 * be killed while a container starts, before it knows the id). Returns the ids removed; never throws.
 */
export function removeRunContainers(runId: string): string[] {
  try {
    const ids = dockerCli(['ps', '-a', '-q', '--filter', `label=rtcspec.run=${runId}`])
      .split('\n')
      .filter(Boolean)
    if (ids.length) dockerCli(['rm', '-f', ...ids], 20_000)
    return ids
  } catch {
    return []
  }
}

/** IDs of rtcspec containers this process started that are still running (for leak tests). */
export function liveServiceContainers(): string[] {
  return [...liveContainers]
}

/** IDs of every container labelled `rtcspec=1` on the engine, running or not. */
export function listRtcspecContainers(): string[] {
  try {
    return dockerCli(['ps', '-a', '-q', '--filter', `label=${RTCSPEC_LABEL}=1`])
      .split('\n')
      .filter(Boolean)
  } catch {
    return []
  }
}

/** Options of {@link runContainer}. */
export interface RunContainerOptions {
  /** Host paths mounted at the same path in the container (read-write). */
  binds?: string[]
  /** Service name, a label for `docker ps`. */
  service: string
  /** Startup timeout, default 30 s. */
  startTimeoutMs?: number
}

/**
 * Runs `image` with `args` (the image's entrypoint is the tool), host networking, the rtcspec labels,
 * the calling user's uid:gid, and output captured. The container is removed when stopped.
 */
export async function runContainer(image: string, args: readonly string[], options: RunContainerOptions): Promise<ServiceProcess> {
  if (!swept) {
    swept = true
    sweepOrphanContainers()
  }
  const { GenericContainer, getContainerRuntimeClient } = await import('testcontainers')
  const log = new ServiceLog()
  let container = new GenericContainer(image)
    .withNetworkMode('host')
    .withCommand([...args])
    .withLabels({ [RTCSPEC_LABEL]: '1', 'rtcspec.pid': String(process.pid), 'rtcspec.host': hostname(), 'rtcspec.service': options.service, ...runLabel() })
    .withStartupTimeout(options.startTimeoutMs ?? 30_000)
    .withLogConsumer((stream) => {
      stream.on('data', (d: Buffer | string) => log.push('out', `${String(d).replace(/\n?$/, '\n')}`))
    })
  if (typeof process.getuid === 'function' && process.getuid() !== 0) container = container.withUser(`${process.getuid()}:${process.getgid?.() ?? 0}`)
  if (options.binds?.length) container = container.withBindMounts(options.binds.map((p) => ({ source: p, target: p, mode: 'rw' as const })))
  const started = await container.start()
  const id = started.getId()
  liveContainers.add(id)
  const registration = registerRunResource({ kind: options.service, containers: [id] })
  const client = await getContainerRuntimeClient()
  const raw = client.container.getById(id)
  let exitInfo: ExitInfo | undefined
  const exited: Promise<ExitInfo> = (raw.wait() as Promise<{ StatusCode: number }>).then(
    (r) => (exitInfo = { code: r.StatusCode, signal: null }),
    () => (exitInfo = { code: null, signal: 'unknown' }),
  )
  let stopping: Promise<void> | undefined
  return {
    description: `container ${id.slice(0, 12)} (${image})`,
    log,
    exited,
    get exitInfo() {
      return exitInfo
    },
    stop(graceMs = 3000) {
      stopping ??= (async () => {
        // Like local processes: SIGTERM, up to graceMs, then SIGKILL (docker stop), then remove.
        if (!exitInfo) {
          await raw.kill({ signal: 'SIGTERM' }).catch(() => {})
          if ((await bounded(exited, graceMs)) === undefined) await raw.kill({ signal: 'SIGKILL' }).catch(() => {})
        }
        try {
          await withTimeout(started.stop({ timeout: 1, remove: true, removeVolumes: true }), 15_000, `stopping ${id}`)
        } catch {
          try {
            dockerCli(['rm', '-f', id])
          } catch {
            // gone
          }
        }
        liveContainers.delete(id)
        registration.release()
        log.flush()
      })()
      return stopping
    },
  }
}
