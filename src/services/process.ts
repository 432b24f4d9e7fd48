/**
 * Service processes, local or in a container, behind one small interface: captured output, an exit
 * promise, and a bounded stop. Local processes run in their own process group, and the whole group is
 * killed on stop and, through the run registry (src/run-registry.ts), synchronously when the Node process
 * exits or is signalled, or by the `rtcspec run` parent when this process dies without a chance to: no
 * turnserver/ffmpeg/sipp outlives a run.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { basename } from 'node:path'
import { registerRunResource } from '../run-registry.ts'
import { ServiceLog } from './logs.ts'

/** How a service process ended. */
export interface ExitInfo {
  code: number | null
  signal: string | null
}

/** A running service process (local child or container). */
export interface ServiceProcess {
  /** `pid 1234` or `container 3f2a…`, for messages. */
  readonly description: string
  readonly log: ServiceLog
  /** Resolves when the process has exited (never rejects). */
  readonly exited: Promise<ExitInfo>
  /** Set once the process has exited. */
  readonly exitInfo: ExitInfo | undefined
  /**
   * Asks the process to stop (SIGTERM), waits up to `graceMs` (default 3000), then kills it (SIGKILL).
   * Idempotent; never throws.
   */
  stop(graceMs?: number): Promise<void>
}

const liveGroups = new Set<number>()

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal)
  } catch {
    // group already gone
  }
}

/** Process groups of local service processes still running in this Node process (for leak tests). */
export function liveLocalServiceGroups(): number[] {
  return [...liveGroups]
}

/** Options of {@link runLocal}. */
export interface RunLocalOptions {
  env?: NodeJS.ProcessEnv
  cwd?: string
  /** Pipe this into stdin (then stdin is closed). */
  stdin?: Uint8Array
  /** What the process is, for the run registry (default: the command's file name). */
  kind?: string
}

function bounded<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(undefined), ms)
    p.then((v) => {
      clearTimeout(t)
      resolve(v)
    })
  })
}

/** Starts `command args` in its own process group with output captured. Throws if it cannot be spawned. */
export async function runLocal(command: string, args: readonly string[], options: RunLocalOptions = {}): Promise<ServiceProcess> {
  const log = new ServiceLog()
  const child: ChildProcess = spawn(command, args, {
    detached: true,
    stdio: [options.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    env: options.env ?? process.env,
    cwd: options.cwd,
  })
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve)
    child.once('error', reject)
  })
  const pid = child.pid as number
  liveGroups.add(pid)
  const registration = registerRunResource({ kind: options.kind ?? basename(command), pgid: pid })
  if (options.stdin) child.stdin?.end(Buffer.from(options.stdin))
  child.stdout?.setEncoding('utf8').on('data', (d: string) => log.push('stdout', d))
  child.stderr?.setEncoding('utf8').on('data', (d: string) => log.push('stderr', d))
  let exitInfo: ExitInfo | undefined
  const exited = new Promise<ExitInfo>((resolve) => {
    child.once('exit', (code, signal) => {
      exitInfo = { code, signal }
      // Anything the process left in its group dies with it.
      killGroup(pid, 'SIGKILL')
      liveGroups.delete(pid)
      registration.release()
      log.flush()
      resolve(exitInfo)
    })
  })
  let stopping: Promise<void> | undefined
  return {
    description: `pid ${pid}`,
    log,
    exited,
    get exitInfo() {
      return exitInfo
    },
    stop(graceMs = 3000) {
      stopping ??= (async () => {
        if (exitInfo) return
        killGroup(pid, 'SIGTERM')
        if ((await bounded(exited, graceMs)) !== undefined) return
        killGroup(pid, 'SIGKILL')
        await bounded(exited, 2000)
      })()
      return stopping
    },
  }
}
