#!/usr/bin/env node
// npm's `prepare` hook: builds dist/ when rtcspec is installed as a git dependency
// (`npm i -D github:owner/rtcspec` or `git+file:///path/to/clone`). npm clones the repository, installs its
// dependencies (dev ones included) and runs `prepare` in the clone before packing it into the user's
// node_modules; an installed rtcspec runs from dist/ (Node does not strip types under node_modules).
//
// In rtcspec's own checkout (`npm ci` / `npm install` there) nothing is built: the checkout runs from src/,
// and a half-edited src/ must never make `npm install` fail. `npm run build` builds on demand.
//
// npm marks the two git-dependency steps: `_PACOTE_NO_PREPARE_` (the dependency install in the clone) and
// `npm_package_resolved` (the prepare run before packing; `npm pack` in a checkout sets it too, and there
// prepack has built already). RTCSPEC_BUILD_ON_INSTALL=1 forces a build.
// The build (tsc) runs on any Node >= 18; running rtcspec needs a newer Node, said here as a warning.
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const env = process.env
const gitDependency = Boolean(env._PACOTE_NO_PREPARE_) || Boolean(env.npm_package_resolved)
const forced = env.RTCSPEC_BUILD_ON_INSTALL === '1'

function log(msg) {
  process.stderr.write(`[rtcspec prepare] ${msg}\n`)
}

if (!gitDependency && !forced) {
  log('rtcspec checkout: runs from src/, nothing to build (`npm run build` builds dist/ on demand)')
  process.exit(0)
}
// `npm pack` / `npm publish` in a checkout run prepare too (after prepack, which has just built dist/).
if (!forced && (env.npm_command === 'pack' || env.npm_command === 'publish') && !env._PACOTE_NO_PREPARE_) {
  log(`npm ${env.npm_command}: prepack built dist/`)
  process.exit(0)
}

// npm runs prepare twice for a git dependency (after the install in the clone, and again before packing):
// the second run finds dist/ built from the same sources and stops.
function newestSourceMtime(dir) {
  let newest = 0
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    const st = statSync(path)
    newest = Math.max(newest, st.isDirectory() ? newestSourceMtime(path) : st.mtimeMs)
  }
  return newest
}
const stampFile = join(root, 'dist', '.build-stamp')
const stamp = String(Math.max(newestSourceMtime(join(root, 'src')), statSync(join(root, 'tsconfig.build.json')).mtimeMs))
if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp && existsSync(join(root, 'dist', 'cli', 'main.js'))) {
  log('dist/ is up to date')
  process.exit(0)
}

if (!existsSync(join(root, 'node_modules', 'typescript', 'bin', 'tsc'))) {
  log(
    'error: TypeScript is not installed next to rtcspec; npm installs it (a dev dependency) before `prepare` of a git dependency. Run `npm install` in the clone, then `npm run build`.',
  )
  process.exit(1)
}
log(`building dist/ with Node ${process.versions.node}`)
const r = spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { stdio: 'inherit', cwd: root })
if (r.status !== 0) {
  log(`error: the build failed (exit ${r.status ?? r.signal}); see above`)
  process.exit(1)
}
writeFileSync(stampFile, stamp)

const [major = 0, minor = 0] = process.versions.node.split('.').map(Number)
if (major < 22 || (major === 22 && minor < 19)) {
  log(
    `warning: built, but running rtcspec needs Node ^22.19 || ^24 || >=26 and this is ${process.versions.node}. ` +
      'Use Node 24 (nvm: `nvm install 24`), or pin it in your project: `npx rtcspec init --pin-node` then `npm install`.',
  )
}
