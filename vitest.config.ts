import { defineConfig } from 'vitest/config'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

// In this repository, `import ... from 'rtcspec'` and every `rtcspec/<entry>` resolve to the sources that
// package.json's `rtcspec-source` condition names.
const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { exports: Record<string, string | Record<string, string>> }
const sourceEntries = Object.entries(pkg.exports).flatMap(([key, target]) =>
  typeof target === 'object' && target['rtcspec-source']
    ? [
        {
          find: new RegExp(`^${`rtcspec${key.slice(1)}`.replace(/[/.]/g, '\\$&')}$`),
          replacement: fileURLToPath(new URL(target['rtcspec-source'], import.meta.url)),
        },
      ]
    : [],
)

export default defineConfig({
  resolve: {
    alias: sourceEntries,
  },
  test: {
    include: ['test/**/*.test.ts', 'specs/**/*.spec.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: ['default', './src/report/summary-reporter.ts'],
    pool: 'forks',
    // V8's ThreadIsolation (code pages guarded by CPU memory-protection keys, where the CPU has PKU) can abort a
    // process that churns WebAssembly code in worker threads — opusscript in `rtcspec load`'s workers —
    // with "Check failed: jit_page.has_value()" (nodejs/node#64500). Test processes do not need that guard.
    execArgv: ['--no-memory-protection-keys'],
  },
})
