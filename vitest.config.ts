import { configDefaults, defineConfig } from 'vitest/config'
import { readFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { fileURLToPath } from 'node:url'
import { ALL_TESTS, HEAVY_TESTS, UNIT_TESTS } from './vitest.projects.ts'

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

const cores = availableParallelism()
/**
 * Files that mostly wait on processes, sockets, timers and media (`unit`, `real`) run one more than the cores at once,
 * at least three: on a 2-core machine two such files leave a third of the CPU idle.
 */
const WAITING_WORKERS = Math.max(3, cores + 1)
/**
 * Files that keep a CPU busy (`heavy`: Chromium, video, FFmpeg, load) run one fewer than the cores at once, at least
 * two, after the others: their timing checks then measure rtcspec rather than an oversubscribed machine.
 */
const HEAVY_WORKERS = Math.max(2, cores - 1)

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
    maxWorkers: WAITING_WORKERS,
    // V8's ThreadIsolation (code pages guarded by CPU memory-protection keys, where the CPU has PKU) can abort a
    // process that churns WebAssembly code in worker threads — opusscript in `rtcspec load`'s workers —
    // with "Check failed: jit_page.has_value()" (nodejs/node#64500). Test processes do not need that guard.
    execArgv: ['--no-memory-protection-keys'],
    projects: [
      // Pure unit tests (vitest.projects.ts says which, test/architecture/test-projects.test.ts checks it): they
      // share worker processes and their module graph instead of starting a process per file.
      {
        extends: true,
        test: { name: 'unit', include: [...UNIT_TESTS], isolate: false, maxWorkers: WAITING_WORKERS, sequence: { groupOrder: 0 } },
      },
      // Everything that opens sockets, starts processes, browsers or containers: a fresh process per file. The
      // concurrent conformance runs (faults, personalities) mostly wait on media, so ten run at once, not five.
      {
        extends: true,
        test: {
          name: 'real',
          maxConcurrency: 10,
          include: [...ALL_TESTS],
          exclude: [...configDefaults.exclude, ...UNIT_TESTS, ...HEAVY_TESTS],
          maxWorkers: WAITING_WORKERS,
          sequence: { groupOrder: 0 },
        },
      },
      // The CPU-bound real files, in a group of their own after the others, with fewer at once.
      {
        extends: true,
        test: {
          name: 'heavy',
          maxConcurrency: 10,
          include: [...HEAVY_TESTS],
          exclude: [...configDefaults.exclude, ...UNIT_TESTS],
          maxWorkers: HEAVY_WORKERS,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
})
