#!/usr/bin/env node
// rtcspec command line. Plain JavaScript that runs on any Node (also 18/20): it makes sure the code
// runs on a Node >= 22.12, then hands over to the CLI's main(). In a checkout of the repository that is
// src/cli/main.ts (TypeScript, run with type stripping); in an installed package (under node_modules, where
// Node does not strip types) it is the compiled dist/cli/main.js that `npm pack` builds.
//
//   Node < 22.12                     re-exec with <repo>/.tools/bin/node (installed by `npm run setup`),
//                                    or exit 2 saying how to get a new enough Node
//   from src/, stripping off         re-exec with --experimental-strip-types (Node 22.12 - 22.17)
//   otherwise                        import the entry and exit with main(argv)'s code
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const MIN = [22, 12]
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
  if (reexecd) die(`rtcspec: re-exec loop (${why}) with ${node}; install Node 22/24 or run \`npm run setup\``)
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

if (!versionOk(process.versions.node)) {
  const bundled = join(root, '.tools', 'bin', 'node')
  if (existsSync(bundled)) reexec(bundled, process.execArgv, `node ${process.versions.node} < ${MIN.join('.')}`)
  else die(`rtcspec needs Node >= ${MIN.join('.')} (this is ${process.versions.node}); run \`npm run setup\` or install Node 22/24`)
} else if (!fromSource && !existsSync(builtEntry)) {
  die(`rtcspec: ${builtEntry} is missing; this copy of rtcspec was not built (run \`npm run build\` in its source checkout, or reinstall the package)`)
} else if (fromSource && !process.features.typescript) {
  reexec(process.execPath, [...process.execArgv, '--experimental-strip-types', '--disable-warning=ExperimentalWarning'], 'type stripping off')
} else {
  let code
  try {
    const { main } = await import(fromSource ? '../src/cli/main.ts' : '../dist/cli/main.js')
    code = await main(args)
  } catch (e) {
    process.stderr.write(`rtcspec: ${e && typeof e.code === 'string' && 'hint' in e ? e.message : (e && e.stack) || String(e)}\n`)
    code = 1
  }
  // Let stdout drain before exiting (output may be a pipe).
  process.stdout.write('', () => process.exit(typeof code === 'number' ? code : 1))
}
