/**
 * One probe per tool: find it (the shared PATH lookup, and for Chromium the very resolution the peers use), run
 * its version command, and turn the outcome into a report entry. A probe never throws for a missing or broken
 * tool: that is what the entry says.
 */
import { resolveChromium } from '../../peers/chromium/executable.ts'
import { which } from '../../which.ts'
import { APT, DOCKER_ENGINE_HINT, DOCKER_MISSING_HINT, DOCKER_SPEC, NODE_HINT, NODE_SPEC, type ToolIdentity, type ToolSpec } from './catalog.ts'
import { describeFailure, firstLine, probe } from './run-probe.ts'
import type { ToolReport } from './schemas.ts'
import { compareVersions, MIN_NODE_VERSION } from './versions.ts'

/** A report entry for `spec`: `ok` with nothing known, overridden by `rest`. */
export function tool(spec: ToolIdentity, command: string, rest: Partial<ToolReport>): ToolReport {
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

/** Where the tool is: for Chromium what the peers would launch, else the first of its commands on PATH. */
function locate(
  spec: ToolSpec,
  env: NodeJS.ProcessEnv,
  chromiumPaths: readonly string[] | undefined,
): { path: string | null; command: string; missing?: Partial<ToolReport>; notes: string[] } {
  if (spec.id === 'chromium') {
    const r = resolveChromium({ env, ...(chromiumPaths ? { fixedPaths: chromiumPaths } : {}) })
    const notes = r.source === 'RTCSPEC_CHROMIUM' ? ['from RTCSPEC_CHROMIUM'] : []
    if (r.path !== undefined) return { path: r.path, command: r.command, notes }
    const fromEnv = r.source === 'RTCSPEC_CHROMIUM'
    return {
      path: null,
      command: r.command,
      notes: [],
      missing: {
        reason: r.problem ?? 'Chromium not found',
        hint: fromEnv ? `point RTCSPEC_CHROMIUM at a Chromium/Chrome binary, or unset it and ${spec.hint}` : spec.hint,
      },
    }
  }
  for (const c of spec.commands) {
    const path = which(c, env.PATH)
    if (path !== undefined) return { path, command: c, notes: [] }
  }
  return { path: null, command: spec.commands[0] ?? spec.id, notes: [], missing: { reason: `${spec.commands.join(', ')} not found on PATH`, hint: spec.hint } }
}

/** Finds a binary tool and asks it for its version. */
export async function probeBinary(spec: ToolSpec, env: NodeJS.ProcessEnv, timeoutMs: number, chromiumPaths?: readonly string[]): Promise<ToolReport> {
  const { path, command, missing, notes } = locate(spec, env, chromiumPaths)
  if (path === null) return tool(spec, command, { status: 'missing', ...missing })
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

/** Reports the Node.js running rtcspec, and an older `node` on PATH when there is one. */
export async function probeNode(node: { version: string; execPath: string }, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<ToolReport> {
  const version = node.version.replace(/^v/, '')
  const notes: string[] = []
  // The bin re-execs an old system Node with .tools/bin/node: say so, it explains "which node?".
  const onPath = which('node', env.PATH)
  if (onPath !== undefined && onPath !== node.execPath) {
    const r = await probe(onPath, ['--version'], { env, timeoutMs })
    const v = /v(\d+(?:\.\d+)+)/.exec(r.stdout)?.[1]
    if (v !== undefined && v !== version) {
      notes.push(
        `\`node\` on PATH is ${v} (${onPath})${compareVersions(v, MIN_NODE_VERSION) < 0 ? ': too old, bin/rtcspec.mjs re-execs with .tools/bin/node' : ''}`,
      )
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

/** Reports the Docker client and whether its engine answers. */
export async function probeDocker(env: NodeJS.ProcessEnv, timeoutMs: number): Promise<ToolReport> {
  const path = which('docker', env.PATH) ?? null
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
  const why = engine.timedOut
    ? `\`docker info\` timed out after ${engineTimeout} ms`
    : firstLine(engine.stderr) || firstLine(engine.stdout) || `\`docker info\` exited ${engine.code}`
  return tool(DOCKER_SPEC, 'docker', {
    status: 'unusable',
    version,
    path,
    reason: `client found, engine not running (${why})`,
    hint: DOCKER_ENGINE_HINT,
  })
}
