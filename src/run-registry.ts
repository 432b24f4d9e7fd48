/**
 * The run registry: everything rtcspec starts outside its own Node process (service process groups, Chromium and
 * the helpers that leave its group, containers) and the temporary directories they use, so that nothing outlives
 * a run, an interrupted one included.
 *
 * Two halves:
 * - **in memory**, per process: every live resource. A process `exit` hook and SIGTERM/SIGHUP/SIGINT handlers kill
 *   them synchronously (SIGKILL to the process group, to every process whose command line names the resource's
 *   marker, `docker rm -f` of its containers) and remove their directories; a signal handler then re-raises the
 *   signal when nothing else listens, so the process still ends as it would have.
 * - **on disk**, when `RTCSPEC_RUN_STATE_DIR` names a directory (`rtcspec run` creates one per run and hands it to
 *   its Vitest workers): one small JSON file per resource, written when it starts and removed when it is released.
 *   A worker killed outright (SIGKILL, a crash) cannot clean up; the parent that outlives it sweeps the directory
 *   ({@link sweepRunState}) and does it instead.
 *
 * A worker whose parent is the `rtcspec run` that coordinates it (`RTCSPEC_RUN_PARENT` is its parent's pid) leaves a
 * SIGINT to that parent: Ctrl-C in a terminal signals the whole process group, and the parent cancels the run so the
 * tests' own teardown runs first; it then stops the workers (SIGTERM) and sweeps what is left.
 *
 * This module sits below every layer (like `wait.ts`): services, peers and the CLI all use it.
 */
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, isAbsolute, join } from 'node:path'
import { z } from 'zod'
import { writeFileAtomic } from './atomic-write.ts'
import { waitFor } from './wait.ts'

/** The environment variable that names the run's state directory (set by `rtcspec run` for its workers). */
export const RUN_STATE_DIR_ENV = 'RTCSPEC_RUN_STATE_DIR'
/** The environment variable with the pid of the `rtcspec run` that coordinates the workers (they leave SIGINT to it). */
export const RUN_PARENT_ENV = 'RTCSPEC_RUN_PARENT'

/** Only directories rtcspec itself creates are ever removed: absolute, named `rtcspec-…`. */
function isRtcspecTempPath(p: string): boolean {
  return isAbsolute(p) && basename(p).startsWith('rtcspec-')
}

/** One resource, as recorded on disk (the state directory is the parent's private temp dir, but still checked). */
export const RunResourceSchema = z.object({
  /** What it is, for messages: `coturn`, `ffmpeg`, `sipp`, `chromium`, `container`, `coturn-dir`… */
  kind: z.string().min(1).max(64),
  /** The pid of the process that started it. */
  owner: z.number().int().positive(),
  /** The process group to kill (a local service or a browser is the leader of its own group). */
  pgid: z.number().int().positive().optional(),
  /** `/proc/<pgid>/stat` start time of the group leader, so a pid reused by an unrelated process is left alone. */
  leaderStart: z.string().optional(),
  /** A string on the command line of every process of the resource (a browser's profile directory). */
  marker: z.string().refine(isRtcspecTempPath, 'a marker is an rtcspec temp path').optional(),
  /** Directories to remove (rtcspec temp directories only). */
  dirs: z.array(z.string().refine(isRtcspecTempPath, 'only rtcspec temp directories are removed')).default([]),
  /** Container ids to remove. */
  containers: z.array(z.string().regex(/^[0-9a-f]{12,64}$/, 'a container id')).default([]),
})

/** A resource of the registry. */
export type RunResource = z.output<typeof RunResourceSchema>

/** What a resource registers: the owner is this process. */
export type RunResourceInput = Omit<z.input<typeof RunResourceSchema>, 'owner' | 'leaderStart'>

/** A registered resource. Release it once it is stopped and its directories are gone. */
export interface RunRegistration {
  readonly id: string
  /** Adds what became known after registration (the pid once a launch returned, a container id). */
  update(patch: Partial<Pick<RunResourceInput, 'pgid' | 'marker' | 'dirs' | 'containers'>>): void
  /** Forgets the resource (it was cleaned up normally). Idempotent. */
  release(): void
}

interface Live {
  resource: RunResource
  file: string | undefined
}

const live = new Map<string, Live>()
let seq = 0
let hooksInstalled = false

interface ProcStat {
  state: string
  ppid: number
  pgrp: number
  start: string
}

function procStat(pid: number): ProcStat | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return { state: rest[0] ?? '', ppid: Number(rest[1]), pgrp: Number(rest[2]), start: rest[19] ?? '' }
  } catch {
    return undefined
  }
}

function pids(): number[] {
  try {
    return readdirSync('/proc')
      .filter((e) => /^\d+$/.test(e))
      .map(Number)
  } catch {
    return []
  }
}

/** Live (non-zombie) processes of process group `pgid`. */
export function processGroupMembers(pgid: number): number[] {
  return pids().filter((pid) => {
    const s = procStat(pid)
    return s !== undefined && s.pgrp === pgid && s.state !== 'Z' && s.state !== 'X'
  })
}

/** Live processes (not this one) whose command line contains `needle`. */
export function processesNaming(needle: string): number[] {
  if (needle.length < 8) return []
  return pids().filter((pid) => {
    if (pid === process.pid) return false
    try {
      const s = procStat(pid)
      if (!s || s.state === 'Z' || s.state === 'X') return false
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(needle)
    } catch {
      return false
    }
  })
}

/** The group of `r`, unless its leader's pid now belongs to an unrelated process. */
function groupOf(r: RunResource): number | undefined {
  if (r.pgid === undefined) return undefined
  const leader = procStat(r.pgid)
  if (leader && r.leaderStart !== undefined && leader.start !== r.leaderStart) return undefined
  return r.pgid
}

function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal)
  } catch {
    // gone already
  }
}

/** Kills everything of `r` now (SIGKILL) and removes its directories. Synchronous; never throws. */
function killNow(r: RunResource): void {
  const pgid = groupOf(r)
  if (pgid !== undefined) signalGroup(pgid, 'SIGKILL')
  if (r.marker !== undefined) {
    for (const pid of processesNaming(r.marker)) {
      try {
        process.kill(pid, 'SIGKILL')
      } catch {
        // gone already
      }
    }
  }
  if (r.containers.length) {
    try {
      execFileSync('docker', ['rm', '-f', ...r.containers], { timeout: 10_000, stdio: 'ignore' })
    } catch {
      // the engine is gone too; the next run's orphan sweep removes them
    }
  }
  // SIGKILL is delivered asynchronously: a dying browser can still write into its profile while it is removed,
  // which leaves the directory behind. Wait (bounded) until the killed processes are gone, then remove.
  if (r.dirs.length)
    waitGoneSync(() => [...(pgid !== undefined ? processGroupMembers(pgid) : []), ...(r.marker !== undefined ? processesNaming(r.marker) : [])], 2000)
  for (const d of r.dirs) {
    if (!isRtcspecTempPath(d)) continue
    for (let attempt = 0; attempt < 3 && existsSync(d); attempt++) {
      try {
        rmSync(d, { recursive: true, force: true, maxRetries: 2, retryDelay: 20 })
      } catch {
        sleepSync(50)
      }
    }
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
}

/** Polls `alive()` every 20 ms until it lists nothing or `timeoutMs` passed. */
function waitGoneSync(alive: () => number[], timeoutMs: number): void {
  const deadline = performance.now() + timeoutMs
  while (alive().length > 0 && performance.now() < deadline) sleepSync(20)
}

/** Kills every live resource of this process and removes their directories and state files (synchronous). */
export function killAllRunResourcesNow(): void {
  for (const [id, l] of live) {
    killNow(l.resource)
    if (l.file) rmSync(l.file, { force: true })
    live.delete(id)
  }
}

/** Whether this process is a worker of an `rtcspec run` that handles SIGINT for it. */
function parentHandlesSigint(): boolean {
  const parent = process.env[RUN_PARENT_ENV]
  return parent !== undefined && parent === String(process.ppid)
}

function onSignal(signal: NodeJS.Signals): void {
  if (signal === 'SIGINT' && parentHandlesSigint()) return
  killAllRunResourcesNow()
  // Someone else (a command's graceful stop) handles the signal: let it decide when to end.
  if (process.listenerCount(signal) > 1) return
  process.removeListener(signal, onSignal)
  process.kill(process.pid, signal)
}

function installHooks(): void {
  if (hooksInstalled) return
  hooksInstalled = true
  process.on('exit', killAllRunResourcesNow)
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, onSignal)
}

function persist(id: string, l: Live): void {
  const dir = process.env[RUN_STATE_DIR_ENV]
  if (!dir || !isAbsolute(dir) || !existsSync(dir)) return
  const file = l.file ?? join(dir, `${id}.json`)
  try {
    writeFileAtomic(file, JSON.stringify(l.resource))
    l.file = file
  } catch {
    // the state directory went away (the run ended): the in-memory hooks still cover this process
  }
}

/**
 * Registers a resource: it is killed (and its directories removed) if this process exits or is signalled before
 * {@link RunRegistration.release}, and by the parent's sweep if this process dies without a chance to.
 */
export function registerRunResource(input: RunResourceInput): RunRegistration {
  installHooks()
  const id = `${process.pid}-${++seq}`
  const resource = RunResourceSchema.parse({ ...input, owner: process.pid })
  if (resource.pgid !== undefined) resource.leaderStart = procStat(resource.pgid)?.start
  const entry: Live = { resource, file: undefined }
  live.set(id, entry)
  persist(id, entry)
  return {
    id,
    update(patch) {
      if (!live.has(id)) return
      const next = RunResourceSchema.parse({ ...entry.resource, ...patch })
      if (patch.pgid !== undefined) next.leaderStart = procStat(patch.pgid)?.start
      entry.resource = next
      persist(id, entry)
    },
    release() {
      if (!live.delete(id)) return
      if (entry.file) rmSync(entry.file, { force: true })
    },
  }
}

/** The resources this process has registered and not released (for leak checks). */
export function liveRunResources(): RunResource[] {
  return [...live.values()].map((l) => l.resource)
}

/** Creates a fresh, private state directory for one run (`rtcspec-run-…` in the temp dir). */
export function createRunStateDir(): string {
  return mkdtempSync(join(tmpdir(), 'rtcspec-run-'))
}

/** The resources recorded in a state directory (files that do not parse are skipped and removed). */
export function readRunState(dir: string): Array<{ file: string; resource: RunResource }> {
  let names: string[]
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.json'))
  } catch {
    return []
  }
  const out: Array<{ file: string; resource: RunResource }> = []
  for (const n of names) {
    const file = join(dir, n)
    try {
      const r = RunResourceSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')))
      if (r.success) out.push({ file, resource: r.data })
      else rmSync(file, { force: true })
    } catch {
      // half-written by a process that died: a rename never happened, so this is a leftover temp file name only
    }
  }
  return out
}

/** What a sweep found and cleaned. */
export interface SweepReport {
  /** Resources that were still recorded. */
  resources: RunResource[]
  /** Process groups that still had live processes. */
  groups: number[]
  containers: string[]
  dirs: string[]
}

/**
 * Cleans up every resource recorded in `dir`: SIGTERM to each live process group, up to `graceMs` (default 2000)
 * for them to exit, then SIGKILL to what is left (and to every process naming a marker), `docker rm -f` of the
 * containers, removal of the directories and of the state files. Never throws.
 */
export async function sweepRunState(dir: string, options: { graceMs?: number } = {}): Promise<SweepReport> {
  const entries = readRunState(dir)
  const groups = entries.map((e) => groupOf(e.resource)).filter((g): g is number => g !== undefined && processGroupMembers(g).length > 0)
  for (const g of groups) signalGroup(g, 'SIGTERM')
  if (groups.length) {
    await waitFor(() => groups.every((g) => processGroupMembers(g).length === 0), {
      timeoutMs: options.graceMs ?? 2000,
      intervalMs: 50,
      label: `process groups ${groups.join(', ')} to exit after SIGTERM`,
    }).catch(() => undefined)
  }
  return finishSweep(entries, groups)
}

/** {@link sweepRunState} without the grace period: SIGKILL at once (for a forced stop). Synchronous. */
export function sweepRunStateSync(dir: string): SweepReport {
  const entries = readRunState(dir)
  const groups = entries.map((e) => groupOf(e.resource)).filter((g): g is number => g !== undefined && processGroupMembers(g).length > 0)
  return finishSweep(entries, groups)
}

function finishSweep(entries: Array<{ file: string; resource: RunResource }>, groups: number[]): SweepReport {
  for (const e of entries) {
    killNow(e.resource)
    rmSync(e.file, { force: true })
  }
  return {
    resources: entries.map((e) => e.resource),
    groups,
    containers: entries.flatMap((e) => e.resource.containers),
    dirs: entries.flatMap((e) => e.resource.dirs),
  }
}
