/**
 * The tools `rtcspec doctor` checks: how each is found and asked for its version, what rtcspec uses it for,
 * whether CI needs it, and the exact command that installs it.
 */
import { fileURLToPath } from 'node:url'
import { CHROMIUM_COMMANDS } from '../../peers/chromium/executable.ts'
import type { ToolId } from './schemas.ts'
import { MIN_NODE_VERSION } from './versions.ts'

/** How one binary tool is found and probed. */
export interface ToolSpec {
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

/** What every report entry repeats from its catalog entry. */
export type ToolIdentity = Pick<ToolSpec, 'id' | 'name' | 'usedFor' | 'requiredForCi'>

export const APT = 'apt-get install -y'

/** The binary tools (Node.js and Docker are probed their own way; {@link TOOL_ORDER} is the report order). */
export const TOOLS: readonly ToolSpec[] = [
  {
    id: 'chromium',
    name: 'Chromium',
    commands: CHROMIUM_COMMANDS,
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

/** The order of the report: Node.js, the binary tools up to tshark, Docker, then the fixture tools. */
export const TOOL_ORDER: readonly ToolId[] = ['node', 'chromium', 'ffmpeg', 'coturn', 'sipp', 'tshark', 'docker', 'espeak-ng', 'sox']

export const NODE_SPEC = {
  id: 'node',
  name: 'Node.js',
  usedFor: `runs rtcspec (needs >= ${MIN_NODE_VERSION.replace(/\.0$/, '')}: type stripping, and what undici and Vitest require)`,
  requiredForCi: true,
} as const satisfies ToolIdentity

// In rtcspec's checkout `npm run setup` fetches Node 24; in a user's project (rtcspec under node_modules) there is
// no such script, so the hint names what a user can do there.
export const NODE_HINT = fileURLToPath(import.meta.url)
  .split(/[\\/]/)
  .includes('node_modules')
  ? 'use Node 24: `nvm install 24 && nvm use 24` (rtcspec init writes .nvmrc), or `npx rtcspec init --pin-node && npm install` (Node 24 from npm as a dev dependency), or NodeSource packages on Debian/Ubuntu'
  : 'run `npm run setup` (installs Node 24 from npm into .tools/) or install Node 22/24'

export const DOCKER_SPEC = {
  id: 'docker',
  name: 'Docker',
  usedFor: 'docker service provider (testcontainers) for coturn and FFmpeg images',
  requiredForCi: false,
} as const satisfies ToolIdentity

export const DOCKER_MISSING_HINT = `not installed: ${APT} docker.io`
export const DOCKER_ENGINE_HINT = 'client found, engine not running: start dockerd (see docs/docker.md)'

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
