/**
 * Tests that need an external tool: locally a missing tool skips (with the install command in the
 * message); in CI (`CI=true`) it fails, because CI must run the real thing.
 */
import { spawnSync } from 'node:child_process'

const HINTS: Record<string, string> = {
  'espeak-ng': 'sudo apt-get install espeak-ng (or sudo bash scripts/install-system-deps.sh)',
  tshark: 'sudo apt-get install tshark',
  ffmpeg: 'sudo apt-get install ffmpeg',
  sox: 'sudo apt-get install sox',
  chromium: 'sudo apt-get install chromium',
  turnserver: 'sudo apt-get install coturn',
  sipp: 'sudo apt-get install sip-tester',
  kamailio: 'sudo apt-get install kamailio kamailio-websocket-modules',
  xmllint: 'sudo apt-get install libxml2-utils',
}

/** True when `name` is an executable on PATH. */
export function hasTool(name: string): boolean {
  const r = spawnSync('sh', ['-c', 'command -v "$1"', 'sh', name], { stdio: 'ignore', timeout: 5000 })
  return r.status === 0
}

/**
 * Whether a test needing `name` should be skipped: false when the tool is there; true (and a message
 * naming the install command on stderr) when it is missing locally; throws when it is missing in CI.
 * Use as `describe.skipIf(requireTool('espeak-ng'))(…)`.
 */
export function requireTool(name: string): boolean {
  if (hasTool(name)) return false
  const hint = HINTS[name] ?? `install ${name}`
  if (process.env.CI === 'true') throw new Error(`${name} is required in CI (CI=true) but is not on PATH: ${hint}`)
  process.stderr.write(`[rtcspec] skipping tests that need ${name} (not on PATH): ${hint}\n`)
  return true
}
