/**
 * Endpoint reset hooks: how a campaign brings a server back to a known-good state before each shrink attempt
 * and before a replay, for servers a bad case can leave stuck. A shell command (`--reset-cmd`, run with a
 * bounded timeout, its whole process group killed when it overruns) and/or a URL to POST (`--reset-url`,
 * 2xx expected).
 */
import { spawn } from 'node:child_process'
import { z } from 'zod'
import { RtcspecError } from '../errors.ts'
import { fuzzHttp } from './http.ts'
import { checkFuzzTarget } from './loopback.ts'

/** Options of {@link endpointReset}, validated with zod. */
export const EndpointResetOptionsSchema = z
  .object({
    cmd: z.string().min(1).optional().describe('A shell command (run with /bin/sh -c) that resets the server; exit 0 expected'),
    url: z.string().min(1).optional().describe('A URL to POST (empty body) that resets the server; 2xx expected'),
    timeoutMs: z.number().int().min(1).default(30_000).describe('How long the command and the POST may take'),
    allowRemote: z.boolean().default(false).describe('Allow a reset URL off loopback'),
  })
  .strict()

/** Input of {@link endpointReset}. */
export type EndpointResetOptions = z.input<typeof EndpointResetOptionsSchema>

/** A reset hook: resolves once the server was reset, rejects with an Error naming what failed. */
export type ResetHook = () => Promise<void>

/**
 * Builds a reset hook from a command and/or a URL (the command runs first). Returns undefined when neither is
 * given.
 *
 * @throws {RtcspecError} `INVALID_OPTIONS` for bad options, or the loopback rule's error for a remote URL.
 */
export function endpointReset(input: EndpointResetOptions): ResetHook | undefined {
  const parsed = EndpointResetOptionsSchema.safeParse(input)
  if (!parsed.success)
    throw new RtcspecError('INVALID_OPTIONS', `invalid reset options:\n${z.prettifyError(parsed.error)}`, {
      hint: 'give --reset-cmd "<command>" and/or --reset-url URL',
    })
  const o = parsed.data
  if (o.url) checkFuzzTarget(o.url, { protocols: ['http:', 'https:'], allowRemote: o.allowRemote })
  if (!o.cmd && !o.url) return undefined
  return async () => {
    if (o.cmd) await runResetCommand(o.cmd, o.timeoutMs)
    if (o.url) {
      const r = await fuzzHttp({ method: 'POST', url: o.url, timeoutMs: o.timeoutMs })
      const s = r.status ?? 0
      if (r.error || s < 200 || s >= 300)
        throw new Error(`reset POST ${o.url} answered ${r.error ?? s}${r.body ? `: ${r.body.slice(0, 200)}` : ''} (2xx expected)`)
    }
  }
}

/** Runs `cmd` with /bin/sh in its own process group; rejects on a non-zero exit or after `timeoutMs` (group killed). */
export function runResetCommand(cmd: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', cmd], { stdio: ['ignore', 'ignore', 'pipe'], detached: true })
    let stderr = ''
    child.stderr.on('data', (c: Buffer) => {
      if (stderr.length < 2000) stderr += c.toString('utf8')
    })
    const timer = setTimeout(() => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL')
      } catch {
        // already gone
      }
      reject(new Error(`reset command did not finish within ${timeoutMs} ms: ${cmd}`))
    }, timeoutMs)
    child.on('error', (e) => {
      clearTimeout(timer)
      reject(new Error(`reset command could not start: ${e.message}`))
    })
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      if (code === 0) resolve()
      else
        reject(
          new Error(`reset command ${signal ? `was killed (${signal})` : `exited ${code}`}: ${cmd}${stderr.trim() ? ` — ${stderr.trim().slice(0, 300)}` : ''}`),
        )
    })
  })
}
