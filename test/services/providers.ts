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
