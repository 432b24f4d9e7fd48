/**
 * `runDoctor`: every probe concurrently, each with a timeout, assembled into one report (tools, service
 * providers, patches).
 */
import { RtcspecError } from '../../errors.ts'
import { DOCKER_MISSING_HINT, DOCKER_SPEC, NODE_HINT, NODE_SPEC, TOOLS, TOOL_ORDER, type ToolIdentity } from './catalog.ts'
import { patchReports } from './patches.ts'
import { probeBinary, probeDocker, probeNode, tool } from './probes.ts'
import type { DoctorReport, ToolReport } from './schemas.ts'
import { serviceReports } from './services.ts'

/** Default timeout of one probe, in milliseconds. */
export const DEFAULT_PROBE_TIMEOUT_MS = 5_000

/** Options of {@link runDoctor}. Every field is optional; the defaults inspect the real machine. */
export interface DoctorOptions {
  /** Environment used to look tools up (`PATH`, `RTCSPEC_CHROMIUM`) and passed to the probes. Default: `process.env`. */
  env?: NodeJS.ProcessEnv
  /** Timeout of each probe in ms; the probe's process group is killed with SIGKILL when it fires. Default 5000. */
  timeoutMs?: number
  /** Fixed locations tried for Chromium before PATH (as the peers do). Default `/usr/bin/chromium`; `[]` for PATH only. */
  chromiumPaths?: readonly string[]
  /** The Node.js being reported (default: the running one). For tests. */
  node?: { version: string; execPath: string }
  /** Also report the service providers (coturn, FFmpeg: docker / local / external). Default true. */
  services?: boolean
  /** Also install and report rtcspec's patches to werift and sip.js (src/patches). Default true. */
  patches?: boolean
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

/** Runs a probe; a bug in it becomes a `missing` entry with the error instead of taking the report down. */
async function guard(spec: ToolIdentity & { command: string; hint: string }, p: () => Promise<ToolReport>): Promise<ToolReport> {
  try {
    return await p()
  } catch (e) {
    return tool(spec, spec.command, { status: 'missing', reason: `probe failed: ${e instanceof Error ? e.message : String(e)}`, hint: spec.hint })
  }
}

/**
 * Probes every external tool concurrently, each with a timeout. Never throws: a tool whose probe
 * fails is reported as missing or unusable with the reason.
 */
export async function runDoctor(options: DoctorOptions = {}): Promise<DoctorReport> {
  const env = options.env ?? process.env
  const timeoutMs = options.timeoutMs ?? DEFAULT_PROBE_TIMEOUT_MS
  const node = options.node ?? { version: process.versions.node, execPath: process.execPath }
  const probes = TOOL_ORDER.map((id): Promise<ToolReport> => {
    if (id === 'node') return guard({ ...NODE_SPEC, command: 'node', hint: NODE_HINT }, () => probeNode(node, env, timeoutMs))
    if (id === 'docker') return guard({ ...DOCKER_SPEC, command: 'docker', hint: DOCKER_MISSING_HINT }, () => probeDocker(env, timeoutMs))
    const spec = TOOLS.find((s) => s.id === id)
    if (spec === undefined)
      throw new RtcspecError('DOCTOR_CATALOG', `doctor: tool ${id} is in TOOL_ORDER but not in TOOLS`, { hint: 'add it to TOOLS in src/cli/doctor/catalog.ts' })
    return guard({ ...spec, command: spec.commands[0] ?? spec.id }, () => probeBinary(spec, env, timeoutMs, options.chromiumPaths))
  })
  const report = makeDoctorReport(await Promise.all(probes))
  if (options.services !== false) report.services = await serviceReports(env)
  if (options.patches !== false) report.patches = await patchReports()
  return report
}
