import { defineConfig } from 'vitest/config'
import { fileURLToPath } from 'node:url'

const src = (p: string) => fileURLToPath(new URL(`./src/${p}`, import.meta.url))

export default defineConfig({
  resolve: {
    // In this repository, `import ... from 'rtcspec'` resolves to the sources.
    alias: [{ find: /^rtcspec$/, replacement: src('index.ts') }],
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
