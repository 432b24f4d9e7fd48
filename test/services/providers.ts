/**
 * The providers a service test runs with: `local` and `docker`. Locally a provider that cannot run here
 * is skipped with the fix on stderr; in CI (`CI=true`) it is a failure, because CI runs both.
 */
import { spawnSync } from 'node:child_process'
import { hasTool } from '../support/requires.ts'

/** One provider to test, and whether to skip it here. */
export interface ProviderCase {
  provider: 'local' | 'docker'
  skip: boolean
}

function dockerImagePresent(image: string): boolean {
  const r = spawnSync('docker', ['image', 'inspect', image], { stdio: 'ignore', timeout: 10_000 })
  return r.status === 0
}

/** `local` (needs `binary` on PATH) and `docker` (needs an engine and `rtcspec/<service>`). */
export function providerCases(service: 'coturn' | 'ffmpeg', binary: string, apt: string): ProviderCase[] {
  const ci = process.env.CI === 'true'
  const out: ProviderCase[] = []
  const local = hasTool(binary)
  if (!local) {
    const msg = `${binary} not on PATH: sudo apt-get install -y ${apt}`
    if (ci) throw new Error(`${service} local provider is required in CI: ${msg}`)
    process.stderr.write(`[rtcspec] skipping ${service} local-provider tests: ${msg}\n`)
  }
  out.push({ provider: 'local', skip: !local })
  const docker = hasTool('docker') && dockerImagePresent(`rtcspec/${service}`)
  if (!docker) {
    const msg = 'no Docker engine or image: sudo bash scripts/docker-setup.sh'
    if (ci) throw new Error(`${service} docker provider is required in CI: ${msg}`)
    process.stderr.write(`[rtcspec] skipping ${service} docker-provider tests: ${msg}\n`)
  }
  out.push({ provider: 'docker', skip: !docker })
  return out
}

/**
 * Asserts that this test process left no service behind: no local service process group alive, no
 * turnserver/ffmpeg child process, and no rtcspec container owned by this process.
 */
export async function assertNoServiceLeaks(): Promise<void> {
  const { liveLocalServiceGroups } = await import('../../src/services/process.ts')
  const { liveServiceContainers } = await import('../../src/services/docker.ts')
  const groups = liveLocalServiceGroups()
  if (groups.length) throw new Error(`service process groups still alive: ${groups.join(', ')}`)
  const children = spawnSync('ps', ['-o', 'pid=,comm=', '--ppid', String(process.pid)], { encoding: 'utf8', timeout: 5000 }).stdout
  const leaked = children.split('\n').filter((l) => /\b(turnserver|ffmpeg)\b/.test(l))
  if (leaked.length) throw new Error(`service processes still running: ${leaked.join('; ')}`)
  if (liveServiceContainers().length) throw new Error(`containers still running: ${liveServiceContainers().join(', ')}`)
  if (hasTool('docker')) {
    const r = spawnSync('docker', ['ps', '-a', '-q', '--filter', `label=rtcspec.pid=${process.pid}`], { encoding: 'utf8', timeout: 10_000 })
    if (r.status === 0 && r.stdout.trim()) throw new Error(`rtcspec containers of this process left: ${r.stdout.trim().split('\n').join(', ')}`)
  }
}
