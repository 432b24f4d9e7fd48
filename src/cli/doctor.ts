/**
 * `rtcspec doctor`: lists every external tool rtcspec can use, says whether it is usable here,
 * its version and path, what rtcspec uses it for, and the exact command that installs it.
 *
 * Every probe runs with a timeout, kills its whole process group when the timeout fires, and never
 * throws: a failed probe is reported as a missing or unusable tool with the reason.
 */
import { spawn } from 'node:child_process'
import { constants as fsConstants } from 'node:fs'
import { access, stat } from 'node:fs/promises'
import { delimiter, dirname, isAbsolute, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseCommandArgs } from './args.ts'
import { z } from 'zod'
import { COTURN_PROVIDER_SPEC } from '../services/coturn.ts'
import { FFMPEG_PROVIDER_SPEC } from '../services/ffmpeg.ts'
import { autoProvider, providerStates } from '../services/provider.ts'

/** The lowest Node.js version rtcspec runs on (native TypeScript type stripping). */
export const MIN_NODE_VERSION = '22.19.0'

/** Default timeout of one probe, in milliseconds. */
export const DEFAULT_PROBE_TIMEOUT_MS = 5_000

/** Where Chromium is looked for before PATH (Debian's package puts it here). */
export const DEFAULT_CHROMIUM_PATHS: readonly string[] = ['/usr/bin/chromium']

const ToolIdSchema = z
  .enum(['node', 'chromium', 'ffmpeg', 'coturn', 'sipp', 'tshark', 'docker', 'espeak-ng', 'sox'])
  .describe('Stable id of the tool')

/** Stable ids of the tools `rtcspec doctor` checks. */
export type ToolId = z.infer<typeof ToolIdSchema>

/** One tool in a doctor report. */
export const ToolReportSchema = z
  .object({
    id: ToolIdSchema,
    name: z.string().min(1).describe('Display name, e.g. "FFmpeg"'),
    command: z.string().min(1).describe('The executable that was looked for, e.g. "ffmpeg"'),
    status: z
      .enum(['ok', 'missing', 'unusable'])
      .describe('ok: usable; missing: not installed; unusable: installed but not usable here (too old, hangs, engine down)'),
    version: z.string().nullable().describe('Version the tool printed, or null when unknown'),
    path: z.string().nullable().describe('Absolute path of the executable that was probed, or null when not found'),
    usedFor: z.string().min(1).describe('What rtcspec uses the tool for'),
    requiredForCi: z.boolean().describe('CI fails (and `doctor --strict` exits non-zero) when this tool is not ok'),
    reason: z.string().nullable().describe('Why the tool is not ok, or null when it is'),
    hint: z.string().nullable().describe('Exact fix (usually an install command) when the tool is not ok, else null'),
    notes: z.array(z.string()).describe('Extra facts worth showing, e.g. "version unknown"'),
  })
  .strict()

/** One tool in a doctor report. */
export type ToolReport = z.infer<typeof ToolReportSchema>

/** The state of one service's providers (docker, local, external) and what `auto` would pick. */
export const ServiceReportSchema = z
  .object({
    service: z.enum(['coturn', 'ffmpeg']),
    auto: z.enum(['docker', 'local', 'external']).nullable().describe('The provider `auto` picks here, or null when none can run it'),
    providers: z.array(
      z
        .object({
          provider: z.enum(['docker', 'local', 'external']),
          usable: z.boolean(),
          detail: z.string().describe('What was found: engine and image, binary path, or the env variable'),
          hint: z.string().nullable().describe('How to make it usable, or null when it is'),
        })
        .strict(),
    ),
  })
  .strict()

/** The state of one service's providers. */
export type ServiceReport = z.infer<typeof ServiceReportSchema>

/** The machine-readable output of `rtcspec doctor --json`. */
export const DoctorReportSchema = z
  .object({
    schemaVersion: z.literal(1),
    platform: z.string().describe('process.platform-process.arch, e.g. "linux-x64"'),
    tools: z.array(ToolReportSchema),
    services: z.array(ServiceReportSchema).optional().describe('Providers of each service (src/services): docker, local, external'),
    summary: z
      .object({
        total: z.number().int().nonnegative(),
        ok: z.number().int().nonnegative(),
        notOk: z.array(ToolIdSchema).describe('Tools that are missing or unusable'),
        missingRequiredForCi: z.array(ToolIdSchema).describe('Tools required in CI that are missing or unusable'),
      })
      .strict(),
  })
  .strict()
  .describe('rtcspec doctor report: which external tools are usable on this machine')

/** The machine-readable output of `rtcspec doctor --json`. */
export type DoctorReport = z.infer<typeof DoctorReportSchema>

/** Options of {@link runDoctor}. Every field is optional; the defaults inspect the real machine. */
export interface DoctorOptions {
  /** Environment used to look tools up (`PATH`, `RTCSPEC_CHROMIUM`) and passed to the probes. Default: `process.env`. */
  env?: NodeJS.ProcessEnv
  /** Timeout of each probe in ms; the probe's process group is killed with SIGKILL when it fires. Default 5000. */
  timeoutMs?: number
  /** Fixed locations tried for Chromium before PATH. Default {@link DEFAULT_CHROMIUM_PATHS}; `[]` for PATH only. */
  chromiumPaths?: readonly string[]
  /** The Node.js being reported (default: the running one). For tests. */
  node?: { version: string; execPath: string }
  /** Also report the service providers (coturn, FFmpeg: docker / local / external). Default true. */
  services?: boolean
}

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

async function isExecutableFile(p: string): Promise<boolean> {
  try {
    await access(p, fsConstants.X_OK)
    return (await stat(p)).isFile()
  } catch {
    return false
  }
}

/** Finds `command` on `pathVar` like a shell would; returns its absolute path or null. */
export async function which(command: string, pathVar: string | undefined): Promise<string | null> {
  if (command.includes('/')) return (await isExecutableFile(command)) ? command : null
  for (const dir of (pathVar ?? '').split(delimiter)) {
    if (dir === '' || !isAbsolute(dir)) continue
    const candidate = join(dir, command)
    if (await isExecutableFile(candidate)) return candidate
  }
  return null
}

/** Compares dotted versions numerically (`v` prefix and suffixes after the numbers are ignored). */
export function compareVersions(a: string, b: string): number {
  const parts = (v: string): number[] => (v.replace(/^v/, '').match(/^\d+(?:\.\d+)*/)?.[0] ?? '0').split('.').map(Number)
  const pa = parts(a)
  const pb = parts(b)
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0)
    if (d !== 0) return Math.sign(d)
  }
  return 0
}

function firstLine(s: string): string {
  const line = s.split('\n').map((l) => l.trim()).find((l) => l !== '') ?? ''
  return line.length > 160 ? `${line.slice(0, 160)}…` : line
}

function describeFailure(cmdline: string, r: ProbeResult, timeoutMs: number): string {
  if (r.timedOut) return `\`${cmdline}\` timed out after ${timeoutMs} ms (killed)`
  if (r.error !== null) return `\`${cmdline}\` could not be started: ${r.error}`
  const out = firstLine(r.stderr) || firstLine(r.stdout)
  const how = r.signal !== null ? `was killed by ${r.signal}` : `exited ${r.code}`
  return `\`${cmdline}\` ${how} without printing a version${out ? `: ${out}` : ''}`
}

interface ToolSpec {
  id: ToolId
  name: string
  commands: readonly string[]
  args: readonly string[]
  /** Extracts the version from stdout+stderr; the exit code is ignored when this matches (sipp -v exits 99). */
  version: RegExp
  usedFor: string
  requiredForCi: boolean
  hint: string
  /** When true, a found binary whose version probe fails is still ok (version unknown). */
  versionOptional?: boolean
}

const APT = 'apt-get install -y'

/** Static description of the binary tools (Node.js and Docker are probed specially). */
const TOOLS: readonly ToolSpec[] = [
  {
    id: 'chromium',
    name: 'Chromium',
    commands: ['chromium', 'chromium-browser', 'google-chrome'],
    args: ['--version'],
    version: /(?:Chromium|Google Chrome)\s+v?(\d+(?:\.\d+)+)/,
    usedFor: 'headless Chromium peers, driven by puppeteer-core (which downloads no browser)',
    requiredForCi: true,
    hint: `${APT} chromium   (Debian; puppeteer-core uses this browser and downloads none; or set RTCSPEC_CHROMIUM=/path/to/chrome)`,
  },
  {
    id: 'ffmpeg',
    name: 'FFmpeg',
    commands: ['ffmpeg'],
    args: ['-version'],
    version: /ffmpeg version\s+(\S+)/,
    usedFor: 'media source and sink (local service provider)',
    requiredForCi: true,
    hint: `${APT} ffmpeg`,
  },
  {
    id: 'coturn',
    name: 'coturn',
    commands: ['turnserver'],
    args: ['--version'],
    // coturn 4.5+ prints just the version (e.g. "4.6.1"); its log banner says "Coturn-4.6.1".
    version: /(?:^|\n)\s*(?:Coturn-)?v?(\d+\.\d+(?:\.\d+)*)\b/,
    usedFor: 'TURN relay for ICE/TURN tests (local service provider)',
    requiredForCi: true,
    hint: `${APT} coturn`,
    versionOptional: true,
  },
  {
    id: 'sipp',
    name: 'SIPp',
    commands: ['sipp'],
    args: ['-v'],
    version: /SIPp\s+v(\d+(?:\.\d+)+)/,
    usedFor: 'SIPp counterpart in sip.js integration tests',
    requiredForCi: true,
    hint: `${APT} sip-tester`,
  },
  {
    id: 'tshark',
    name: 'tshark',
    commands: ['tshark'],
    args: ['--version'],
    version: /TShark\s+\(Wireshark\)\s+(\d+(?:\.\d+)+)/,
    usedFor: 'checks captured pcaps',
    requiredForCi: false,
    hint: `${APT} tshark`,
  },
  {
    id: 'espeak-ng',
    name: 'espeak-ng',
    commands: ['espeak-ng'],
    args: ['--version'],
    version: /text-to-speech:\s*(\d+(?:\.\d+)+)/,
    usedFor: 'speech fixture generation',
    requiredForCi: false,
    hint: `${APT} espeak-ng`,
  },
  {
    id: 'sox',
    name: 'SoX',
    commands: ['sox'],
    args: ['--version'],
    version: /SoX\s+v(\d+(?:\.\d+)+)/,
    usedFor: 'audio fixture generation and conversion',
    requiredForCi: false,
    hint: `${APT} sox`,
  },
]

// In rtcspec's checkout `npm run setup` fetches Node 24; in a user's project (rtcspec under node_modules) there is
// no such script, so the hint names what a user can do there.
const NODE_HINT = fileURLToPath(import.meta.url).split(/[\\/]/).includes('node_modules')
  ? 'use Node 24: `nvm install 24 && nvm use 24` (rtcspec init writes .nvmrc), or `npx rtcspec init --pin-node && npm install` (Node 24 from npm as a dev dependency), or NodeSource packages on Debian/Ubuntu'
  : 'run `npm run setup` (installs Node 24 from npm into .tools/) or install Node 22/24'
const DOCKER_MISSING_HINT = `not installed: ${APT} docker.io`
const DOCKER_ENGINE_HINT = 'client found, engine not running: start dockerd (see docs/docker.md)'

function tool(spec: Pick<ToolSpec, 'id' | 'name' | 'usedFor' | 'requiredForCi'>, command: string, rest: Partial<ToolReport>): ToolReport {
  return {
    id: spec.id,
    name: spec.name,
    command,
    status: 'ok',
    version: null,
    path: null,
    usedFor: spec.usedFor,
    requiredForCi: spec.requiredForCi,
    reason: null,
    hint: null,
    notes: [],
    ...rest,
  }
}

async function probeBinary(spec: ToolSpec, env: NodeJS.ProcessEnv, timeoutMs: number, fixed: readonly string[]): Promise<ToolReport> {
  let path: string | null = null
  let command = spec.commands[0] ?? spec.id
  const notes: string[] = []
  if (spec.id === 'chromium' && env.RTCSPEC_CHROMIUM) {
    command = env.RTCSPEC_CHROMIUM
    path = (await isExecutableFile(command)) ? command : null
    if (path === null) {
      return tool(spec, command, {
        status: 'missing',
        reason: `RTCSPEC_CHROMIUM=${command} is not an executable file`,
        hint: `point RTCSPEC_CHROMIUM at a Chromium/Chrome binary, or unset it and ${spec.hint}`,
      })
    }
    notes.push('from RTCSPEC_CHROMIUM')
  } else {
    for (const p of spec.id === 'chromium' ? fixed : []) {
      if (await isExecutableFile(p)) {
        path = p
        break
      }
    }
    for (const c of spec.commands) {
      if (path !== null) break
      path = await which(c, env.PATH)
      if (path !== null) command = c
    }
  }
  if (path === null) {
    return tool(spec, command, { status: 'missing', reason: `${spec.commands.join(', ')} not found on PATH`, hint: spec.hint })
  }
  const r = await probe(path, spec.args, { env, timeoutMs })
  const version = spec.version.exec(`${r.stdout}\n${r.stderr}`)?.[1] ?? null
  if (version !== null && !r.timedOut) return tool(spec, command, { version, path, notes })
  const cmdline = `${command} ${spec.args.join(' ')}`
  if (spec.versionOptional) {
    return tool(spec, command, { path, notes: [...notes, `version unknown: ${describeFailure(cmdline, r, timeoutMs)}`] })
  }
  if (version === null && r.code === 0 && r.error === null && !r.timedOut) {
    return tool(spec, command, { path, notes: [...notes, `version unknown: \`${cmdline}\` printed no version`] })
  }
  return tool(spec, command, {
    status: 'unusable',
    path,
    notes,
    reason: describeFailure(cmdline, r, timeoutMs),
    hint: `check the installed ${spec.name}, or reinstall: ${spec.hint}`,
  })
}

const NODE_SPEC = {
  id: 'node',
  name: 'Node.js',
  usedFor: `runs rtcspec (needs >= ${MIN_NODE_VERSION.replace(/\.0$/, '')}: type stripping, and what undici and Vitest require)`,
  requiredForCi: true,
} as const

async function probeNode(node: { version: string; execPath: string }, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<ToolReport> {
  const version = node.version.replace(/^v/, '')
  const notes: string[] = []
  // The bin re-execs an old system Node with .tools/bin/node: say so, it explains "which node?".
  const onPath = await which('node', env.PATH)
  if (onPath !== null && onPath !== node.execPath) {
    const r = await probe(onPath, ['--version'], { env, timeoutMs })
    const v = /v(\d+(?:\.\d+)+)/.exec(r.stdout)?.[1]
    if (v !== undefined && v !== version) {
      notes.push(`\`node\` on PATH is ${v} (${onPath})${compareVersions(v, MIN_NODE_VERSION) < 0 ? ': too old, bin/rtcspec.mjs re-execs with .tools/bin/node' : ''}`)
    }
  }
  if (compareVersions(version, MIN_NODE_VERSION) < 0) {
    return tool(NODE_SPEC, 'node', {
      status: 'unusable',
      version,
      path: node.execPath,
      notes,
      reason: `Node.js ${version} is older than ${MIN_NODE_VERSION.replace(/\.0$/, '')}`,
      hint: NODE_HINT,
    })
  }
  return tool(NODE_SPEC, 'node', { version, path: node.execPath, notes })
}

const DOCKER_SPEC = {
  id: 'docker',
  name: 'Docker',
  usedFor: 'docker service provider (testcontainers) for coturn and FFmpeg images',
  requiredForCi: false,
} as const

async function probeDocker(env: NodeJS.ProcessEnv, timeoutMs: number): Promise<ToolReport> {
  const path = await which('docker', env.PATH)
  if (path === null) return tool(DOCKER_SPEC, 'docker', { status: 'missing', reason: 'docker not found on PATH', hint: DOCKER_MISSING_HINT })
  const client = await probe(path, ['--version'], { env, timeoutMs })
  const version = /Docker version\s+([^,\s]+)/.exec(`${client.stdout}\n${client.stderr}`)?.[1] ?? null
  if (version === null || client.timedOut) {
    return tool(DOCKER_SPEC, 'docker', {
      status: 'unusable',
      path,
      reason: describeFailure('docker --version', client, timeoutMs),
      hint: `check the docker client, or reinstall: ${APT} docker.io`,
    })
  }
  // The engine check is short: a daemon that does not answer in time is as good as absent.
  const engineTimeout = Math.min(timeoutMs, 3_000)
  const engine = await probe(path, ['info', '--format', '{{.ServerVersion}}'], { env, timeoutMs: engineTimeout })
  const serverVersion = engine.code === 0 && !engine.timedOut ? firstLine(engine.stdout) : ''
  if (serverVersion !== '') return tool(DOCKER_SPEC, 'docker', { version, path, notes: [`engine ${serverVersion} running`] })
  const why = engine.timedOut ? `\`docker info\` timed out after ${engineTimeout} ms` : firstLine(engine.stderr) || firstLine(engine.stdout) || `\`docker info\` exited ${engine.code}`
  return tool(DOCKER_SPEC, 'docker', {
    status: 'unusable',
    version,
    path,
    reason: `client found, engine not running (${why})`,
    hint: DOCKER_ENGINE_HINT,
  })
}

function summarize(tools: ToolReport[]): DoctorReport['summary'] {
  const notOk = tools.filter((t) => t.status !== 'ok')
  return {
    total: tools.length,
    ok: tools.length - notOk.length,
    notOk: notOk.map((t) => t.id),
    missingRequiredForCi: notOk.filter((t) => t.requiredForCi).map((t) => t.id),
  }
}

/** Builds a report from tool entries (computes the summary). Pure; useful for tests and other front ends. */
export function makeDoctorReport(tools: ToolReport[], platform = `${process.platform}-${process.arch}`): DoctorReport {
  return { schemaVersion: 1, platform, tools, summary: summarize(tools) }
}

/**
 * Probes every external tool concurrently, each with a timeout. Never throws: a tool whose probe
 * fails is reported as missing or unusable with the reason.
 */
export async function runDoctor(options: DoctorOptions = {}): Promise<DoctorReport> {
  const env = options.env ?? process.env
  const timeoutMs = options.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS
  const fixed = options.chromiumPaths ?? DEFAULT_CHROMIUM_PATHS
  const node = options.node ?? { version: process.versions.node, execPath: process.execPath }
  const guard = async (spec: Pick<ToolSpec, 'id' | 'name' | 'usedFor' | 'requiredForCi'> & { command: string; hint: string }, p: () => Promise<ToolReport>): Promise<ToolReport> => {
    try {
      return await p()
    } catch (e) {
      // A bug in a probe must not take the whole report down.
      return tool(spec, spec.command, { status: 'missing', reason: `probe failed: ${e instanceof Error ? e.message : String(e)}`, hint: spec.hint })
    }
  }
  const [nodeReport, ...rest] = await Promise.all([
    guard({ ...NODE_SPEC, command: 'node', hint: NODE_HINT }, () => probeNode(node, env, timeoutMs)),
    ...TOOLS.slice(0, 5).map((s) => guard({ ...s, command: s.commands[0] ?? s.id }, () => probeBinary(s, env, timeoutMs, fixed))),
    guard({ ...DOCKER_SPEC, command: 'docker', hint: DOCKER_MISSING_HINT }, () => probeDocker(env, timeoutMs)),
    ...TOOLS.slice(5).map((s) => guard({ ...s, command: s.commands[0] ?? s.id }, () => probeBinary(s, env, timeoutMs, fixed))),
  ])
  const report = makeDoctorReport(nodeReport === undefined ? rest : [nodeReport, ...rest])
  if (options.services !== false) report.services = await serviceReports(env)
  return report
}

/** The provider states of coturn and FFmpeg (never throws: a failed probe is an unusable provider). */
export async function serviceReports(env: NodeJS.ProcessEnv = process.env): Promise<ServiceReport[]> {
  const out: ServiceReport[] = []
  for (const [service, spec] of [['coturn', COTURN_PROVIDER_SPEC], ['ffmpeg', FFMPEG_PROVIDER_SPEC]] as const) {
    try {
      const states = await providerStates(spec, env)
      out.push({ service, auto: autoProvider(states) ?? null, providers: states.map((p) => ({ provider: p.provider, usable: p.usable, detail: p.detail, hint: p.hint ?? null })) })
    } catch (e) {
      out.push({ service, auto: null, providers: [{ provider: 'local', usable: false, detail: `probe failed: ${e instanceof Error ? e.message : String(e)}`, hint: null }] })
    }
  }
  return out
}

/** Renders a report as an aligned plain-text table, the install hints for what is not ok, and a summary line. Pure. */
export function formatDoctorReport(report: DoctorReport): string {
  const header = ['Tool', 'Status', 'Version', 'Path', 'Used for'] as const
  const rows = report.tools.map((t) => [
    `${t.name}${t.requiredForCi ? ' *' : ''}`,
    t.status === 'ok' ? '✓' : '✗',
    t.version ?? '-',
    t.path ?? (t.status === 'missing' ? 'not found' : '-'),
    t.usedFor,
  ])
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: readonly string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ').trimEnd()
  const indent = ' '.repeat((widths[0] ?? 0) + 2 + (widths[1] ?? 0) + 2)
  const out: string[] = ['rtcspec doctor: external tools', '', line(header)]
  report.tools.forEach((t, i) => {
    out.push(line(rows[i] ?? []))
    if (t.reason !== null) out.push(`${indent}↳ ${t.reason}`)
    for (const n of t.notes) out.push(`${indent}↳ ${n}`)
  })
  out.push('', '* required in CI (`rtcspec doctor --strict` exits non-zero when one is not ok)')
  const fixes = report.tools.filter((t) => t.status !== 'ok' && t.hint !== null)
  if (fixes.length > 0) {
    out.push('', 'To fix:')
    const w = Math.max(...fixes.map((t) => t.name.length))
    for (const t of fixes) out.push(`  ${`${t.name}:`.padEnd(w + 1)}  ${t.hint}`)
  }
  if (report.services?.length) {
    out.push('', 'Services (provider `auto` picks external, then docker, then local):')
    for (const svc of report.services) {
      out.push(`  ${svc.service}: auto → ${svc.auto ?? 'none (see the hints)'}`)
      for (const p of svc.providers) {
        out.push(`    ${p.usable ? '✓' : '✗'} ${p.provider.padEnd(8)} ${p.detail}${p.hint ? `  (fix: ${p.hint})` : ''}`)
      }
    }
  }
  const s = report.summary
  const names = (ids: readonly ToolId[]): string => ids.map((id) => report.tools.find((t) => t.id === id)?.name ?? id).join(', ')
  const ci = s.missingRequiredForCi.length === 0 ? 'all tools required in CI are usable' : `required in CI but not usable: ${names(s.missingRequiredForCi)}`
  out.push('', `${s.ok}/${s.total} tools usable${s.notOk.length > 0 ? ` (not usable: ${names(s.notOk)})` : ''}; ${ci}.`)
  return `${out.join('\n')}\n`
}

/** Usage text of `rtcspec doctor`. */
export const DOCTOR_USAGE = `usage: rtcspec doctor [--json] [--strict] [--install] [--timeout MS]

Lists the external tools rtcspec can use: found or not, version, path, what for, and how to install,
and the state of each service provider (coturn, FFmpeg: docker / local / external).
Exits 0 even when tools are missing, unless --strict is given.

  --json         print the report as JSON (DoctorReportSchema)
  --strict       exit 1 when a tool required in CI is missing or unusable
  --install      install the missing Debian packages (as root, via scripts/install-system-deps.sh);
                 when not root, print the command to run instead and exit 1
  --timeout MS   timeout of each probe (default ${DEFAULT_PROBE_TIMEOUT_MS})
  -h, --help     show this help
`

/** Injection points of {@link doctorCommand}, for tests and embedding. */
export interface DoctorCommandDeps {
  /** Where output goes. Default: process.stdout / process.stderr. */
  stdout?: (text: string) => void
  stderr?: (text: string) => void
  /** Passed to {@link runDoctor} (the --timeout flag overrides `timeoutMs`). */
  options?: DoctorOptions
  /** Whether we run as root (default: `process.getuid() === 0`). */
  isRoot?: () => boolean
  /** Runs the installer for `--install`; resolves to its exit code. Default: `bash scripts/install-system-deps.sh`. */
  install?: (packages: readonly string[]) => Promise<number>
}

/** The Debian package that provides each tool. */
export const APT_PACKAGES: Readonly<Record<ToolId, string | null>> = {
  node: null,
  chromium: 'chromium',
  ffmpeg: 'ffmpeg',
  coturn: 'coturn',
  sipp: 'sip-tester',
  tshark: 'tshark',
  docker: 'docker.io',
  'espeak-ng': 'espeak-ng',
  sox: 'sox',
}

/** The script `--install` runs (it installs whichever of its packages are missing; idempotent). */
export const INSTALL_SCRIPT = resolve(dirname(fileURLToPath(import.meta.url)), '../../scripts/install-system-deps.sh')

/** Debian packages of the tools that are missing (not merely unusable: a stopped Docker engine needs starting, not installing). */
export function missingPackages(report: DoctorReport): string[] {
  return report.tools.flatMap((t) => (t.status === 'missing' && APT_PACKAGES[t.id] ? [APT_PACKAGES[t.id] as string] : []))
}

function runInstallScript(): Promise<number> {
  return new Promise((resolvePromise) => {
    const child = spawn('bash', [INSTALL_SCRIPT], { stdio: 'inherit' })
    const timer = setTimeout(() => child.kill('SIGKILL'), 30 * 60_000)
    child.on('error', () => {
      clearTimeout(timer)
      resolvePromise(127)
    })
    child.on('exit', (code) => {
      clearTimeout(timer)
      resolvePromise(code ?? 1)
    })
  })
}

/**
 * The `rtcspec doctor` subcommand. Returns the exit code: 0 (also when tools are missing),
 * 1 with `--strict` when a tool required in CI is not usable, 2 for bad arguments.
 */
export async function doctorCommand(argv: string[], deps: DoctorCommandDeps = {}): Promise<number> {
  const stdout = deps.stdout ?? ((s: string) => void process.stdout.write(s))
  const stderr = deps.stderr ?? ((s: string) => void process.stderr.write(s))
  const parsed = parseCommandArgs(
    'doctor',
    DOCTOR_USAGE,
    argv,
    {
      json: { type: 'boolean' },
      strict: { type: 'boolean' },
      install: { type: 'boolean' },
      timeout: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    { allowPositionals: false, io: { out: stdout, err: stderr } },
  )
  if (typeof parsed === 'number') return parsed
  const values = parsed.values
  const options: DoctorOptions = { ...deps.options }
  if (values.timeout !== undefined) {
    const ms = Number(values.timeout)
    if (!Number.isInteger(ms) || ms <= 0) {
      stderr(`rtcspec doctor: --timeout must be a positive integer number of milliseconds, got "${values.timeout}"\n`)
      return 2
    }
    options.timeoutMs = ms
  }
  let report = DoctorReportSchema.parse(await runDoctor(options))
  if (values.install) {
    const packages = missingPackages(report)
    const dockerNote = packages.includes('docker.io') || report.tools.some((t) => t.id === 'docker' && t.status !== 'ok')
      ? '\nFor the docker service provider (engine, offline base image, rtcspec images): sudo bash scripts/docker-setup.sh (docs/docker.md)\n'
      : ''
    const apt = packages.filter((p) => p !== 'docker.io')
    if (apt.length === 0) {
      stderr(`rtcspec doctor --install: no Debian package to install.${dockerNote}`)
    } else if (!(deps.isRoot ?? (() => process.getuid?.() === 0))()) {
      stderr(
        `rtcspec doctor --install: installing needs root. Run:\n  sudo bash scripts/install-system-deps.sh\nor:\n  sudo apt-get install -y ${apt.join(' ')}\n${dockerNote}`,
      )
      return 1
    } else {
      stderr(`rtcspec doctor --install: installing ${apt.join(' ')}\n`)
      const code = await (deps.install ?? runInstallScript)(apt)
      if (code !== 0) {
        stderr(`rtcspec doctor --install: the installer exited ${code}\n`)
        return 1
      }
      if (dockerNote) stderr(dockerNote)
      report = DoctorReportSchema.parse(await runDoctor(options))
    }
  }
  stdout(values.json ? `${JSON.stringify(report, null, 2)}\n` : formatDoctorReport(report))
  return values.strict && report.summary.missingRequiredForCi.length > 0 ? 1 : 0
}
