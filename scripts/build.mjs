// Builds the publishable package: compiles src/ to dist/ (JavaScript + .d.ts, relative `.ts` imports rewritten
// to `.js`) and copies the non-TypeScript files src/ loads at run time (the Chromium page scripts).
// Node does not strip types under node_modules, so an installed rtcspec runs from dist/; this repository
// itself runs from src/. Run: node scripts/build.mjs [--out DIR] (on Node >= 22.12; `npm run build` takes care
// of that). --out writes elsewhere than dist/ (the package test builds into a temporary directory).
import { spawnSync } from 'node:child_process'
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const src = join(root, 'src')
const outIdx = process.argv.indexOf('--out')
const dist = outIdx >= 0 && process.argv[outIdx + 1] ? resolve(process.argv[outIdx + 1]) : join(root, 'dist')

rmSync(dist, { recursive: true, force: true })
const tsc = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.build.json'), '--outDir', dist], {
  stdio: 'inherit',
})
if (tsc.status !== 0) {
  process.stderr.write('build: tsc failed (see above); fix the type errors, then re-run `npm run build`\n')
  process.exit(1)
}

let copied = 0
function copyAssets(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) copyAssets(path)
    else if (!name.endsWith('.ts')) {
      cpSync(path, join(dist, relative(src, path)))
      copied++
    }
  }
}
copyAssets(src)

// tsc rewrites `.ts` in emitted JavaScript but keeps it in `import type` lines of the .d.ts files;
// consumers without allowImportingTsExtensions would reject those, so point them at the .js (.d.ts) twins.
let rewritten = 0
function fixDeclarations(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) fixDeclarations(path)
    else if (name.endsWith('.d.ts')) {
      const text = readFileSync(path, 'utf8')
      const fixed = text.replace(/(from\s+['"]\.{1,2}\/[^'"]*?)\.ts(['"])/g, '$1.js$2').replace(/(import\(\s*['"]\.{1,2}\/[^'"]*?)\.ts(['"])/g, '$1.js$2')
      if (fixed !== text) {
        writeFileSync(path, fixed)
        rewritten++
      }
    }
  }
}
fixDeclarations(dist)

// Every entry point package.json exports (`rtcspec`, `rtcspec/peers`, …, `rtcspec/reporter`) must have been built.
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
const missing = Object.entries(pkg.exports)
  .filter(([, target]) => typeof target === 'object')
  .flatMap(([key, target]) => [target.types, target.default].map((file) => ({ key, file })))
  .filter(({ file }) => !existsSync(join(dist, file.replace(/^\.\/dist\//, ''))))
if (missing.length) {
  process.stderr.write(
    `build: package.json exports files the build did not write:\n${missing.map((m) => `  "${m.key}": ${m.file}`).join('\n')}\nthe entry's rtcspec-source must be a file under src/ (compiled to the same path under dist/)\n`,
  )
  process.exit(1)
}
process.stdout.write(
  `build: dist/ written (${copied} asset file(s) copied, ${rewritten} declaration file(s) re-pointed from .ts to .js, ${Object.keys(pkg.exports).length - 1} entry point(s))\n`,
)
