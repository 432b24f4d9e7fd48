/**
 * Runs one probe command (`ffmpeg -version`, `docker info`, ...) with a timeout, killing its whole process
 * group when the timeout fires. Never throws.
 */
import { spawn } from 'node:child_process'

/** The outcome of running one command with a timeout. Never an exception. */
export interface ProbeResult {
  /** Exit code, or null when killed by a signal or not started. */
  code: number | null
  /** Signal that ended the process, if any. */
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  /** True when the timeout fired and the process group was killed. */
  timedOut: boolean
  /** Set when the process could not be started (e.g. EACCES). */
  error: string | null
}

const MAX_OUTPUT = 64 * 1024
/** How long to wait for a probe's output pipes to close after it exited. */
const DRAIN_GRACE_MS = 250

/**
 * Runs `file args` with a timeout. The child gets its own process group, and the whole group is
 * killed with SIGKILL when the timeout fires (so a wrapper script's children die too), and again
 * after it exits (so nothing it left behind outlives the probe). Never rejects.
 */
export function probe(file: string, args: readonly string[], opts: { env: NodeJS.ProcessEnv; timeoutMs: number }): Promise<ProbeResult> {
  return new Promise((resolve) => {
    let stdout = ''
    let stderr = ''
    let timedOut = false
    let settled = false
    let child: ReturnType<typeof spawn>
    const killGroup = (): void => {
      if (child.pid === undefined) return
      try {
        process.kill(-child.pid, 'SIGKILL')
      } catch {
        try {
          child.kill('SIGKILL')
        } catch {
          // already gone
        }
      }
    }
    const finish = (r: Omit<ProbeResult, 'stdout' | 'stderr' | 'timedOut'>): void => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      killGroup()
      child.stdout?.destroy()
      child.stderr?.destroy()
      resolve({ ...r, stdout, stderr, timedOut })
    }
    try {
      child = spawn(file, args, { env: opts.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
    } catch (e) {
      resolve({ code: null, signal: null, stdout: '', stderr: '', timedOut: false, error: e instanceof Error ? e.message : String(e) })
      return
    }
    const timer = setTimeout(() => {
      timedOut = true
      killGroup()
    }, opts.timeoutMs)
    child.stdout?.setEncoding('utf8').on('data', (d: string) => {
      if (stdout.length < MAX_OUTPUT) stdout += d
    })
    child.stderr?.setEncoding('utf8').on('data', (d: string) => {
      if (stderr.length < MAX_OUTPUT) stderr += d
    })
    child.on('error', (e) => finish({ code: null, signal: null, error: e.message }))
    // After 'exit', wait for the pipes to drain ('close'), but only briefly: a grandchild holding
    // them open must not delay the result (the group is killed in finish()).
    child.on('exit', (code, signal) => {
      const done = (): void => finish({ code, signal, error: null })
      child.on('close', done)
      setTimeout(done, DRAIN_GRACE_MS).unref()
    })
  })
}

/** The first non-empty line of `s`, at most 160 characters. */
export function firstLine(s: string): string {
  const line =
    s
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l !== '') ?? ''
  return line.length > 160 ? `${line.slice(0, 160)}…` : line
}

/** Why a probe printed no version: timed out, could not start, or exited with what message. */
export function describeFailure(cmdline: string, r: ProbeResult, timeoutMs: number): string {
  if (r.timedOut) return `\`${cmdline}\` timed out after ${timeoutMs} ms (killed)`
  if (r.error !== null) return `\`${cmdline}\` could not be started: ${r.error}`
  const out = firstLine(r.stderr) || firstLine(r.stdout)
  const how = r.signal !== null ? `was killed by ${r.signal}` : `exited ${r.code}`
  return `\`${cmdline}\` ${how} without printing a version${out ? `: ${out}` : ''}`
}
