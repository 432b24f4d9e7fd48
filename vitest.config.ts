import { configDefaults, defineConfig } from 'vitest/config'
import { readFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { fileURLToPath } from 'node:url'
import { ALL_TESTS, UNIT_TESTS } from './vitest.projects.ts'

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
    // No `include` here: a project that `extends` this config would get it added to its own.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: ['default', './src/report/summary-reporter.ts'],
    pool: 'forks',
    // Most real-component files spend their time waiting on processes, sockets and browsers, not on a CPU: with two
    // at once a 2-core machine sat a third idle. So one more file than the cores runs at once (three on 2 cores).
    // They run mixed, longest first: a CPU-bound file (Chromium, video, FFmpeg) mostly runs beside files that wait,
    // which kept the suite both fastest and steadiest when measured against grouping the CPU-bound files apart.
    maxWorkers: Math.max(3, availableParallelism() + 1),
    // V8's ThreadIsolation (code pages guarded by CPU memory-protection keys, where the CPU has PKU) can abort a
    // process that churns WebAssembly code in worker threads — opusscript in `rtcspec load`'s workers —
    // with "Check failed: jit_page.has_value()" (nodejs/node#64500). Test processes do not need that guard.
    execArgv: ['--no-memory-protection-keys'],
    projects: [
      // Pure unit tests (vitest.projects.ts says which, test/architecture/test-projects.test.ts checks it): they
      // share worker processes and their module graph instead of starting a process per file.
      { extends: true, test: { name: 'unit', include: [...UNIT_TESTS], isolate: false } },
      // Everything that opens sockets, starts processes, browsers or containers: a fresh process per file. The
      // concurrent conformance runs (faults, personalities) mostly wait on media, so ten run at once, not five.
      { extends: true, test: { name: 'real', maxConcurrency: 10, include: [...ALL_TESTS], exclude: [...configDefaults.exclude, ...UNIT_TESTS] } },
    ],
  },
})
