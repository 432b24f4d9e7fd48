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
  },
})
